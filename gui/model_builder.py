"""The window's copy of a model: built on the GUI thread, or in a thread of its own so that the window
shows itself and answers at once after launch (the first build also imports torch, about a second on a
small machine).

The copy only computes views (no optimizers, see core.build). A background build's `built` and `failed`
carry its generation number, so a build the person has since replaced (Reset, another model) is dropped."""

from __future__ import annotations

import os

from PySide6.QtCore import QThread, Signal

from gui.live_threads import LIVE_THREADS


def gui_torch_threads(placement: str = "thread") -> int:
    """With training in this process, leave one core to the GUI thread: on a busy machine a second
    OpenMP thread spins and stalls every op. With training elsewhere, the window's own torch work
    (the shadow's snapshots, slider decodes) keeps to one thread and leaves the engine its cores."""
    return max(1, (os.cpu_count() or 2) - 1) if placement == "thread" else 1


def build_view_model(cfg, placement: str):
    """The window's copy of a model, on the CPU: it only computes views."""
    import torch  # here, not at the top: the window shows itself before torch has loaded

    from core.build import build_model

    torch.set_num_threads(gui_torch_threads(placement))
    return build_model(cfg.with_overrides({"train.device": "cpu"}), device="cpu", views_only=True)


class ModelBuilder(QThread):
    built = Signal(object, object, int)  # cfg, model, generation
    failed = Signal(str, int)  # message, generation

    def __init__(self, cfg, generation: int, placement: str, parent=None):
        super().__init__(parent)
        self.setObjectName("genviz-model-builder")
        self.cfg, self.generation, self.placement = cfg, generation, placement
        LIVE_THREADS.add(self)

    def run(self) -> None:
        try:
            model = build_view_model(self.cfg, self.placement)
        except Exception as exc:  # bad settings the form could not catch, a missing data file
            self.failed.emit(str(exc), self.generation)
            return
        self.built.emit(self.cfg, model, self.generation)
