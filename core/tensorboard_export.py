"""`export RUN_DIR --tensorboard OUT_DIR`: every scalar metric of one or more runs as TensorBoard event
files, for people who keep their runs in TensorBoard. An optional extra (`pip install 'genviz[tensorboard]'`,
which installs tensorboardX, a small writer without TensorFlow or torch): never needed by default.

Layout: OUT_DIR/<run name>/events.out.tfevents.*.genviz, one folder per run as `tensorboard --logdir
OUT_DIR` expects, each metric one scalar tag (its name in the history), one value per downsampled
history row at its whole step (the last of the steps it averages, as the CSV's `step`). Missing values
(NaN in the history, e.g. a test-set metric between evaluations) and infinite ones are left out, so the curves join the
values that exist. A run's event file is written in a temporary folder and then moved in, replacing
only an earlier genviz export of that run (files ending .genviz), never anything else there.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np

from core.checkpoint import whole_step_rows
from core.config import ConfigError
from core.history import MetricHistory

SUFFIX = ".genviz"  # our event files' names end so: a new export replaces only ours
INSTALL = "pip install 'genviz[tensorboard]' (or: pip install tensorboardX)"


def writer_class():
    """tensorboardX's SummaryWriter; ConfigError (one line: how to install it) when it is missing."""
    try:
        from tensorboardX import SummaryWriter
    except ImportError:  # tensorboardX itself, or its protobuf
        raise ConfigError(f"--tensorboard needs the optional package tensorboardX; install it with {INSTALL}") from None
    return SummaryWriter


def check_out_dir(out: Path) -> None:
    """ConfigError (one line) unless `out` is, or can be made, a writable folder."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--tensorboard {str(out)!r} is a file; it must be a folder (made if missing)")
    parent = out if out.exists() else out.parent
    if not parent.is_dir():
        raise ConfigError(f"--tensorboard: folder {str(parent)!r} does not exist")
    if not _writable(parent):
        raise ConfigError(f"--tensorboard: cannot write in {str(parent)!r} (permission denied)")


def _writable(folder: Path) -> bool:
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def write_tensorboard(out: Path, runs: list[tuple[str, MetricHistory]]) -> dict[str, int]:
    """Each (name, history) as OUT/name/events...genviz; the number of scalar values written per run.
    OSError when a file cannot be written."""
    SummaryWriter = writer_class()
    out.mkdir(exist_ok=True)
    counts = {}
    for name, history in runs:
        target = out / name
        with tempfile.TemporaryDirectory(dir=out, prefix=".genviz-tb-") as tmp:
            writer = SummaryWriter(tmp, filename_suffix=SUFFIX, flush_secs=3600)
            try:
                counts[name] = _add_scalars(writer, history)
            finally:
                writer.close()
            target.mkdir(exist_ok=True)
            for old in target.glob(f"events.out.tfevents.*{SUFFIX}"):
                old.unlink()
            for event_file in Path(tmp).iterdir():
                shutil.move(str(event_file), target / event_file.name)
    return counts


def _add_scalars(writer, history: MetricHistory) -> int:
    steps, _, values = whole_step_rows(history)
    written = 0
    for row, step in enumerate(steps.astype(np.int64)):
        for col, tag in enumerate(history.names):
            value = float(values[row, col])
            if np.isfinite(value):
                writer.add_scalar(tag, value, global_step=int(step))
                written += 1
    return written
