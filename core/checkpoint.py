"""Run folders: save and load a whole training state without pickles.

RUN_DIR/
  checkpoint.safetensors  weights, optimizer tensors, RNG states and metric history;
                          its metadata holds the config and state JSON. This one file is
                          the source of truth, so a save is atomic by one rename.
  config.json             the configuration, for people and other tools
  state.json              step, elapsed time, optimizer hyper-parameters
  history.csv             the downsampled metric history (whole steps; see write_history_csv)
  timeline.safetensors    the weights at regular step intervals (core.timeline), for showing past steps
                          again; written before the checkpoint, so it never ends before the saved step.
                          A run loads without it (and says why) when it is missing or unreadable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, safe_open, save_file

from core.atomic import atomic_write
from core.build import build_model
from core.config import ConfigError, RunConfig
from core.history import MetricHistory
from core.models import data_kind
from core.timeline import TIMELINE, Timeline, TimelineError, timeline_for

CHECKPOINT = "checkpoint.safetensors"
FORMAT = "genviz-run-1"


class CheckpointError(ConfigError):
    """A file or folder is not a readable genviz run."""


def _atomic_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: Path(tmp).write_text(text))


def _flatten_optimizer(name: str, opt: torch.optim.Optimizer, tensors: dict) -> dict:
    """Tensors go to `tensors`; everything else is returned as JSON-able data."""
    sd = opt.state_dict()
    scalars: dict = {}
    for idx, entry in sd["state"].items():
        for key, value in entry.items():
            if torch.is_tensor(value):
                tensors[f"optim.{name}.{idx}.{key}"] = value.detach().cpu().contiguous()
            else:
                scalars[f"{idx}.{key}"] = value
    return {"param_groups": sd["param_groups"], "scalars": scalars, "indices": list(sd["state"])}


def _unflatten_optimizer(name: str, meta: dict, tensors: dict) -> dict:
    state: dict = {int(i): {} for i in meta["indices"]}
    prefix = f"optim.{name}."
    for key, value in tensors.items():
        if key.startswith(prefix):
            idx, field = key[len(prefix):].split(".", 1)
            state[int(idx)][field] = value
    for key, value in meta["scalars"].items():
        idx, field = key.split(".", 1)
        state[int(idx)][field] = value
    return {"state": state, "param_groups": meta["param_groups"]}


def save_run(run_dir: str | Path, trainer) -> Path:
    """Write the trainer's whole state into run_dir. Safe to call between steps."""
    run_dir = Path(run_dir)
    # A save cut short (the engine killed mid-write) leaves its temporary file: one engine saves a
    # folder at a time, so any that are here now are such leftovers.
    for leftover in run_dir.glob(".*.tmp") if run_dir.is_dir() else ():
        leftover.unlink(missing_ok=True)
    model = trainer.model
    tensors = {f"model.{k}": v.detach().cpu().contiguous().clone() for k, v in model.state_dict().items()}
    timeline = getattr(trainer, "timeline", None)
    if timeline is not None:  # it ends at the saved step: the clones above are its last frame, not copied again
        timeline.record(trainer.step, {k[len("model."):]: v.numpy() for k, v in tensors.items()}, force=True)
        timeline.save(run_dir / TIMELINE)
    optim_meta = {name: _flatten_optimizer(name, opt, tensors) for name, opt in model.optimizers.items()}
    for key, value in trainer.rng_state().items():
        tensors[f"rng.{key}"] = value.cpu()
    for key, value in trainer.history.state().items():
        tensors[f"history.{key}"] = torch.from_numpy(np.ascontiguousarray(value))
    state = {
        "format": FORMAT,
        "step": trainer.step,
        "train_seconds": trainer.train_seconds,
        "metric_names": list(model.metric_names),
        "base_lr": model.base_lr,
        "optimizers": optim_meta,
    }
    config_json = model.cfg.to_json()
    metadata = {"format": FORMAT, "config": config_json, "state": json.dumps(state)}
    atomic_write(run_dir / CHECKPOINT, lambda tmp: save_file(tensors, tmp, metadata=metadata))
    _atomic_text(run_dir / "config.json", config_json + "\n")
    _atomic_text(run_dir / "state.json", json.dumps({k: v for k, v in state.items() if k != "optimizers"},
                                                    indent=2) + "\n")
    write_history_csv(run_dir / "history.csv", trainer.history)
    trainer.saved_step = trainer.step
    return run_dir


def whole_step_rows(history: MetricHistory) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(step, steps_averaged, values) of each downsampled row: the mean over `steps_averaged`
    consecutive steps, and `step` the last of them, a whole number."""
    steps, values = history.arrays()
    return np.rint(steps + (history.stride - 1) / 2), np.full(len(steps), history.stride), values


def write_history_csv(path: Path, history: MetricHistory) -> None:
    """Whole steps: each row is the mean over `steps_averaged` consecutive steps (the history's
    downsampling), and `step` is the last of them."""
    last_step, averaged, values = whole_step_rows(history)
    header = "step,steps_averaged," + ",".join(history.names)
    rows = np.column_stack([last_step, averaged, values]) if len(values) else np.zeros((0, 2 + len(history.names)))
    fmt = ["%d", "%d"] + ["%.7g"] * len(history.names)
    atomic_write(path, lambda tmp: np.savetxt(tmp, rows, delimiter=",", header=header, comments="", fmt=fmt))


def write_runs_csv(path: Path, runs: list[tuple[str, MetricHistory]]) -> None:
    """Every metric of several runs as one table at whole steps, as write_history_csv, with a first
    column `run` naming each; a metric that a run does not have is left empty in its rows."""
    import csv

    names = list(dict.fromkeys(name for _, history in runs for name in history.names))

    def write(tmp: str) -> None:
        with open(tmp, "w", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["run", "step", "steps_averaged", *names])
            for run, history in runs:
                cols = [history.names.index(n) if n in history.names else None for n in names]
                for step, averaged, row in zip(*whole_step_rows(history), strict=True):
                    out.writerow([run, int(step), int(averaged),
                                  *("" if c is None else f"{row[c]:.7g}" for c in cols)])

    atomic_write(path, write)


@dataclass
class LoadedRun:
    cfg: RunConfig
    model: object
    history: MetricHistory
    step: int
    train_seconds: float
    rng: dict
    timeline: Timeline | None = None  # with load_run(..., timeline=True), if it could be read
    timeline_note: str = ""  # why there is none (one line), when there is none


def read_metadata(run_dir: str | Path) -> tuple[RunConfig, dict]:
    """The config and state of a run folder, checked; raises CheckpointError for anything else."""
    path = Path(run_dir)
    if path.is_dir():
        path = path / CHECKPOINT
    if not path.is_file():
        raise CheckpointError(f"{str(run_dir)!r} is not a genviz run folder (no {CHECKPOINT} in it)")
    try:
        with safe_open(str(path), framework="pt") as fh:
            meta = fh.metadata() or {}
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{str(path)!r} is not a genviz checkpoint: {exc}") from None
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{str(path)!r} is not a genviz checkpoint (format {meta.get('format')!r})")
    try:
        cfg = RunConfig.from_dict(json.loads(meta["config"]))
        state = json.loads(meta["state"])
    except (KeyError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{str(path)!r} has a damaged configuration: {exc}") from None
    return cfg, state


def load_run(run_dir: str | Path, device: str | None = None, timeline: bool = False) -> LoadedRun:
    """Rebuild the model, optimizers, RNG streams and history exactly as saved; with `timeline`,
    its timeline too (or none, and a note saying why: the run itself loads either way)."""
    cfg, state = read_metadata(run_dir)
    path = Path(run_dir)
    path = path / CHECKPOINT if path.is_dir() else path
    if device is not None:
        cfg = cfg.with_overrides({"train.device": device})
    model = build_model(cfg)
    tensors = load_file(str(path), device="cpu")
    weights = {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}
    try:
        model.load_state_dict(weights)
        for name, opt in model.optimizers.items():
            opt.load_state_dict(_unflatten_optimizer(name, state["optimizers"][name], tensors))
    except (RuntimeError, KeyError, ValueError) as exc:
        raise CheckpointError(f"{str(path)!r} does not match its configuration: {exc}") from None
    model.base_lr.update(state.get("base_lr", {}))
    hist_state = {k[len("history."):]: v.numpy() for k, v in tensors.items() if k.startswith("history.")}
    history = MetricHistory.from_state(state["metric_names"], hist_state)
    rng = {k[len("rng."):]: v for k, v in tensors.items() if k.startswith("rng.")}
    loaded = LoadedRun(cfg, model, history, int(state["step"]), float(state["train_seconds"]), rng)
    if timeline:
        loaded.timeline, loaded.timeline_note = load_timeline(run_dir, loaded.step)
    return loaded


def load_timeline(run_dir: str | Path, step: int) -> tuple[Timeline | None, str]:
    """The run folder's timeline up to `step` (the checkpoint's), or None and one line saying why."""
    path = Path(run_dir)
    path = (path if path.is_dir() else path.parent) / TIMELINE
    try:
        timeline = Timeline.load(path)
    except TimelineError as exc:
        if not path.exists():
            return None, f"this run has no timeline ({TIMELINE} is missing): past steps cannot be shown"
        return None, f"the run's timeline could not be read, so past steps cannot be shown: {exc}"
    timeline.truncate_after(step)
    return timeline, ""


def read_history(run_dir: str | Path) -> MetricHistory:
    """Only the metric history of a run folder (no model is built)."""
    _, state = read_metadata(run_dir)
    path = Path(run_dir)
    path = path / CHECKPOINT if path.is_dir() else path
    try:
        with safe_open(str(path), framework="numpy") as fh:
            hist_state = {k[len("history."):]: fh.get_tensor(k) for k in fh.keys() if k.startswith("history.")}
        return MetricHistory.from_state(state["metric_names"], hist_state)
    except (SafetensorError, OSError, ValueError, KeyError) as exc:
        raise CheckpointError(f"{str(path)!r} has a damaged metric history: {exc}") from None


def trainer_from_run(loaded: LoadedRun, **trainer_kwargs):
    from core.trainer import Trainer

    # A run that has no readable timeline starts a new one at its step: later steps are recorded.
    timeline = loaded.timeline
    if timeline is None:
        timeline = timeline_for(data_kind(loaded.cfg.data.dataset))
        timeline.note = loaded.timeline_note
    trainer = Trainer(loaded.model, history=loaded.history, step=loaded.step,
                      train_seconds=loaded.train_seconds, timeline=timeline, **trainer_kwargs)
    trainer.set_rng_state(loaded.rng)
    return trainer
