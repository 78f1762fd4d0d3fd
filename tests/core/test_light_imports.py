"""Modules the window and the command line need before any model exists load without torch
(importing torch takes about a second): data set names, presets, configs, latent paths."""

import subprocess
import sys

LIGHT = ("core.dataset_names", "core.config", "core.models", "core.presets", "core.latent", "core.protocol",
         "core.snapshot", "core.history")


def test_light_modules_do_not_import_torch():
    code = (f"import sys\nfor name in {LIGHT!r}:\n    __import__(name)\n"
            "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_names_match_the_samplers():
    from core.dataset_names import IMAGE_DATASETS, PLANE_DATASETS
    from core.datasets2d import _SAMPLERS
    from core.models import data_kind

    assert PLANE_DATASETS == (*_SAMPLERS, "csv")
    assert all(data_kind(name) == "plane" for name in PLANE_DATASETS)
    assert all(data_kind(name) == "image" for name in IMAGE_DATASETS)
