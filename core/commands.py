"""The headless commands: train, eval and sample. main.py parses; these do the work."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from core.build import build_model
from core.checkpoint import CHECKPOINT, load_run, save_run
from core.config import ConfigError, parse_assignments
from core.models import data_kind
from core.presets import build_config
from core.timeline import recording_on, timeline_for
from core.trainer import Trainer, TrainerCallbacks

SAVE_EVERY_S = 60.0  # a long headless run is checkpointed this often, so a crash loses little


class _Report(TrainerCallbacks):
    """Print NaN / error events; pause is not meaningful headless, so they stop the run."""

    def __init__(self):
        self.failure = None

    def on_event(self, trainer, kind, message):
        if kind == "status":  # one-time preparation, e.g. training the helper classifier
            print(f"genviz: {message}", file=sys.stderr)
        if kind in ("nan", "error"):
            self.failure = message
            trainer.stop()


def train(args) -> int:
    overrides = parse_assignments(args.set)
    if args.seed is not None:
        overrides["train.seed"] = args.seed
    if args.device:
        overrides["train.device"] = args.device
    if args.steps is not None:
        overrides["train.steps"] = args.steps
    cfg = build_config(args.model, args.dataset, args.preset, overrides)
    if args.epochs is not None:
        if data_kind(cfg.data.dataset) != "image":
            raise ConfigError("--epochs needs a finite data set; 2-D data is generated on the fly, use --steps N")
    out = Path(args.out)
    if (out / CHECKPOINT).exists():
        raise ConfigError(f"--out {str(out)!r} already holds a run; choose a new folder (nothing was changed)")
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {str(out)!r} exists and is not a folder")
    model = build_model(cfg)
    if args.epochs is not None:  # an epoch is one pass over the training images
        cfg.train.steps = args.epochs * model.data.steps_per_epoch(cfg.data.batch_size)
    report = _Report()
    # The timeline (saved with the run) lets `export` show past steps of a run trained with no window.
    timeline = timeline_for(data_kind(cfg.data.dataset)) if recording_on() else None  # off: bench's A/B runs only
    trainer = Trainer(model, callbacks=report, timeline=timeline)
    steps = cfg.train.steps
    print(f"genviz: training {cfg.model} on {cfg.data.dataset} for {steps} steps on {model.device}",
          file=sys.stderr)
    bar = tqdm(total=steps, unit="step", dynamic_ncols=True, mininterval=0.5, disable=None)
    try:
        while trainer.step < steps and report.failure is None:
            trainer.run(max_steps=min(steps, trainer.step + max(1, int(SAVE_EVERY_S * max(trainer.steps_per_sec, 1)))),
                        progress_bar=bar)
            save_run(out, trainer)
    except KeyboardInterrupt:
        save_run(out, trainer)
        bar.close()
        print(f"genviz: interrupted; saved step {trainer.step} to {out}", file=sys.stderr)
        return 1
    bar.close()
    save_run(out, trainer)
    if report.failure:
        print(f"genviz: training stopped: {report.failure}; the last good state is saved in {out}",
              file=sys.stderr)
        return 1
    rate = trainer.step / max(trainer.train_seconds, 1e-9)
    print(f"genviz: done, {trainer.step} steps at {rate:.0f} steps/s; run saved in {out}", file=sys.stderr)
    return 0


def _flatten(metrics: dict) -> dict:
    return {k: (float(v) if isinstance(v, (float, np.floating)) else v) for k, v in metrics.items()}


class _EvalBar:
    """A progress bar on stderr, so stdout stays the bare metrics (one JSON object with --json). It is
    made at the model's first report, when the total is known; a quick evaluation that reports nothing
    shows none. Its units are the model's own (e.g. decoded samples): it shows the share done and time left."""

    def __init__(self):
        self.bar: tqdm | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = tqdm(total=total, desc="evaluating", file=sys.stderr, disable=None, leave=False,
                            bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}",
                            dynamic_ncols=True, mininterval=0.5)
        self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def evaluate(args) -> int:
    iwae_k = getattr(args, "iwae_k", None)
    if iwae_k is not None:
        from core.models.vae_config import VAEConfig

        try:  # a value out of range exits 2 before the run is loaded
            VAEConfig(iwae_k=iwae_k)
        except ConfigError as exc:
            raise ConfigError(f"--iwae-k {iwae_k}: {str(exc).split('; ', 1)[-1]}") from None
    run = load_run(args.run_dir, device=args.device)
    if iwae_k is not None:
        if run.cfg.model != "vae":
            raise ConfigError(f"--iwae-k applies to VAE runs; {args.run_dir!r} is a {run.cfg.model} run")
        run.model.params.iwae_k = iwae_k
    # one-time work (e.g. training the held-out classifier) is not part of eval_seconds
    run.model.prepare_evaluation(lambda message: print(f"genviz: {message}", file=sys.stderr))
    t0 = time.perf_counter()
    bar = _EvalBar()
    try:
        metrics = _flatten(run.model.evaluate(progress=bar))
    finally:
        bar.close()
    metrics = {"model": run.cfg.model, "dataset": run.cfg.data.dataset, "step": run.step, **metrics,
               "eval_seconds": round(time.perf_counter() - t0, 3)}
    if args.json:
        print(json.dumps(metrics, indent=2))
    else:
        for key, value in metrics.items():
            print(f"{key:>20}: {value:.4f}" if isinstance(value, float) else f"{key:>20}: {value}")
    return 0


def sample(args) -> int:
    if args.n < 1 or args.n > 10_000_000:
        raise ConfigError(f"--n {args.n} is out of range; allowed: 1 to 10000000")
    out = Path(args.out)
    if out.suffix != ".npy":
        raise ConfigError(f"--out {str(out)!r} must end in .npy")
    if not out.parent.exists():
        raise ConfigError(f"--out {str(out)!r}: folder {str(out.parent)!r} does not exist")
    run = load_run(args.run_dir, device=args.device)
    chunks, left = [], args.n
    with torch.no_grad():
        while left > 0:
            take = min(left, 65536)
            chunks.append(run.model.sample(take, seed=run.cfg.train.seed + len(chunks) + 1).float().cpu().numpy())
            left -= take
    np.save(out, np.concatenate(chunks).astype(np.float32))
    print(f"genviz: wrote {args.n} samples to {out}", file=sys.stderr)
    return 0
