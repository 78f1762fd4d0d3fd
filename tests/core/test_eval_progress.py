"""`eval` shows a progress bar on stderr while stdout stays the metrics alone (SPEC.md: JSON with --json)."""

from __future__ import annotations

import io
import json
from argparse import Namespace

import torch

from core.build import build_model
from core.checkpoint import save_run
from core.commands import evaluate
from core.presets import build_config
from core.trainer import Trainer

SMALL = {"vae.hidden": 16, "vae.latent_dim": 2, "vae.iwae_k": 4, "train.device": "cpu"}


class Terminal(io.StringIO):
    """stderr as a person's terminal: tqdm draws only on one (disable=None), as it should."""

    def isatty(self):
        return True


def small_vae():
    return build_model(build_config("vae", "moons", overrides=SMALL))


def test_vae_evaluation_reports_its_work_up_to_the_end():
    torch.set_num_threads(1)
    reports = []
    small_vae().evaluate(progress=lambda done, total: reports.append((done, total)))
    done = [d for d, _ in reports]
    totals = {t for _, t in reports}
    assert len(reports) >= 2 and len(totals) == 1
    assert done == sorted(done) and done[-1] == totals.pop()


def test_eval_json_prints_the_bar_on_stderr_and_only_json_on_stdout(tmp_path, capsys, monkeypatch):
    trainer = Trainer(small_vae())
    trainer.run(max_steps=2)
    save_run(tmp_path / "run", trainer)
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert evaluate(Namespace(run_dir=str(tmp_path / "run"), json=True, device="cpu")) == 0
    metrics = json.loads(capsys.readouterr().out)  # the whole of stdout is one JSON object
    assert metrics["model"] == "vae" and metrics["step"] == 2 and "iwae_nll" in metrics
    assert "evaluating:" in terminal.getvalue() and "%|" in terminal.getvalue()
