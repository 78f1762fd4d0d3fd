"""The one small interface that the GAN, VAE and RealNVP implement.

The training loop (core.trainer) knows nothing model-specific: it calls
`training_step`, records the returned scalar tensors without syncing, and asks
for `snapshot()` now and then for the GUI. Like Lightning's manual optimisation,
the model owns its optimizers because a GAN alternates between two of them.
"""

from __future__ import annotations

import contextvars
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from core.config import RunConfig, check_value

#: progress(done, total): how far a long computation is, in its own units (e.g. decoded examples)
Progress = Callable[[int, int], None]


def progress_counter(progress: Progress | None, total: int) -> Callable[[int], None]:
    """A function that adds `units` of finished work and reports the running sum to `progress`."""
    done = 0

    def advance(units: int) -> None:
        nonlocal done
        done += units
        if progress is not None:
            progress(done, total)

    return advance


class GenerativeModel(nn.Module):
    #: names of the scalars `training_step` returns, in order; the history keeps these columns
    metric_names: tuple[str, ...] = ()

    def __init__(self, cfg: RunConfig, data, device: torch.device, noise: torch.Generator):
        super().__init__()
        self.cfg = cfg
        self.params = cfg.params  # the model's own config section; live edits change it in place
        self.data = data
        self.device = device
        self.noise = noise  # RNG stream for z and other model noise
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.base_lr: dict[str, float] = {}

    # -- to implement ---------------------------------------------------------------
    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        raise NotImplementedError

    def training_step(self, step: int) -> dict[str, torch.Tensor]:
        """One optimisation step; returns 0-d float32 tensors named as in `metric_names`, on the
        training device (no .item(): the loop stacks them and syncs once per flush)."""
        raise NotImplementedError

    @torch.no_grad()
    def sample(self, n: int, seed: int | None = None) -> torch.Tensor:
        """n samples in the data set's own coordinates and value range, from a fixed seed."""
        raise NotImplementedError

    def snapshot(self) -> dict[str, np.ndarray]:
        """Small NumPy arrays describing the model's current visual state, for the GUI."""
        raise NotImplementedError

    def main_view_keys(self) -> tuple[str, ...]:
        """The arrays of `snapshot()` that the main view draws, when `main_view_snapshot()` computes
        them alone for much less than a full snapshot; the window then refreshes them more often
        than the rest. Empty (the default): every refresh is a full snapshot."""
        return ()

    def main_view_snapshot(self) -> dict[str, np.ndarray]:
        """Just the arrays named by `main_view_keys()`, as `snapshot()` would compute them."""
        raise NotImplementedError

    def evaluate(self, progress: Progress | None = None) -> dict[str, Any]:
        """Quality metrics for `eval --json`. A long evaluation reports how far it is to `progress`."""
        raise NotImplementedError

    #: size of the latent space the GUI's sliders span (0 if none)
    latent_dim: int = 0

    def decoder(self) -> nn.Module | None:
        """The network mapping z to data, which the GUI copies to decode slider moves."""
        return None

    def prepare(self, progress=None) -> None:
        """One-time work before training or evaluation, e.g. training a helper classifier on first
        use. progress(message) reports what is happening. The trainer calls it once before the
        first step; the default does nothing."""

    def prepare_evaluation(self, progress=None) -> None:
        """One-time work before `evaluate` (e.g. training the held-out classifier that judges image
        GANs), reported like prepare's. The default does nothing."""

    # -- shared ---------------------------------------------------------------------
    def setup(self) -> None:
        self.to(self.device)
        if VIEWS_ONLY.get():
            return
        self.optimizers = self.configure_optimizers()
        self.base_lr = {k: opt.param_groups[0]["lr"] for k, opt in self.optimizers.items()}

    def lr_factor(self, step: int) -> float:
        """Multiplier of the base learning rates at `step` (cosine decay when configured)."""
        schedule = getattr(self.params, "lr_schedule", "constant")
        if schedule != "cosine":
            return 1.0
        final = getattr(self.params, "lr_final", 0.0)
        t = min(step / max(self.cfg.train.steps, 1), 1.0)
        return final + (1 - final) * 0.5 * (1 + math.cos(math.pi * t))

    def apply_lr(self, step: int) -> None:
        f = self.lr_factor(step)
        for name, opt in self.optimizers.items():
            for group in opt.param_groups:
                group["lr"] = self.base_lr[name] * f

    def apply_setting(self, name: str, value) -> None:
        """Change a live setting (validated) between steps, e.g. a learning rate or the loss."""
        from dataclasses import fields

        f = {f.name: f for f in fields(self.params)}[name]
        value = check_value(self.cfg.model, f, value)
        setattr(self.params, name, value)
        if name.startswith("lr_") and name[3:] in self.base_lr:
            self.base_lr[name[3:]] = value
        elif name == "lr" and "main" in self.base_lr:
            self.base_lr["main"] = value

    def state_is_finite(self) -> bool:
        flags = [torch.isfinite(p).all() for p in self.parameters()]
        return bool(torch.stack(flags).all()) if flags else True


# Set while building a copy that only computes views (the window's shadow model): it never steps, so
# it needs no optimizers, and constructing torch's optimizers imports torch._dynamo, a second of the
# window's start-up.
VIEWS_ONLY: contextvars.ContextVar[bool] = contextvars.ContextVar("views_only", default=False)


def numpy_copies(tensors: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    """Copies as NumPy, never views: on the CPU `.numpy()` shares memory with the live
    tensor, and the training thread would change a snapshot after it was handed over."""
    return {k: v.detach().to("cpu", copy=True).numpy() for k, v in tensors.items()}


def grad_norm(params) -> torch.Tensor:
    """The global L2 norm of the gradients, as a tensor (no sync)."""
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return torch.zeros(())
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))


def mlp(n_in: int, n_out: int, hidden: int, depth: int, activation: str, wrap=None) -> nn.Sequential:
    """A plain MLP; `wrap` (e.g. spectral_norm) is applied to every Linear layer.

    ReLU and leaky ReLU work in place: a Linear's output is read by nothing else, autograd (R1's double
    backward included) needs only their output, and a fresh (batch, hidden) buffer per layer cost a flow's
    48x48 density map 10% of its time (and training 0-3%)."""
    acts = {
        "relu": lambda: nn.ReLU(inplace=True), "leaky_relu": lambda: nn.LeakyReLU(0.2, inplace=True), "elu": nn.ELU,
        "silu": nn.SiLU, "tanh": nn.Tanh,
    }
    layers: list[nn.Module] = []
    width = n_in
    for _ in range(depth):
        lin = nn.Linear(width, hidden)
        layers += [wrap(lin) if wrap else lin, acts[activation]()]
        width = hidden
    last = nn.Linear(width, n_out)
    layers.append(wrap(last) if wrap else last)
    return nn.Sequential(*layers)
