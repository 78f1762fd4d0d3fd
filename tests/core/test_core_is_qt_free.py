"""core/ is pure PyTorch and NumPy: importing every module of it never pulls in Qt or pyqtgraph."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import importlib, json, pkgutil, sys
import core

imported, skipped = [], []

def walk(package):
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        try:
            module = importlib.import_module(info.name)
        except ModuleNotFoundError as exc:
            # A core.* module that another part of core/ names but that does not exist yet.
            if exc.name and exc.name.startswith("core.") and exc.name not in sys.modules:
                skipped.append(info.name)
                continue
            raise
        imported.append(info.name)
        if info.ispkg:
            walk(module)

walk(core)
forbidden = ("PySide6", "shiboken6", "pyqtgraph", "gui")
leaked = sorted(m for m in sys.modules if m.split(".")[0] in forbidden)
print(json.dumps({"imported": imported, "skipped": skipped, "leaked": leaked}))
"""


def test_importing_all_of_core_loads_no_qt():
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    # The walk really covered core/: the spine modules and the model package are among them.
    for name in ("core.config", "core.datasets2d", "core.trainer", "core.checkpoint", "core.commands",
                 "core.models", "core.models.gan2d", "core.models.gan_losses"):
        assert name in result["imported"], (name, result)
    assert result["leaked"] == [], f"core imported GUI modules: {result['leaked']}"
