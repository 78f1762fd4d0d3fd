"""Device choice (CUDA, then MPS, then CPU) and seeding."""

from __future__ import annotations

import contextlib
import random

import numpy as np
import torch

from core.config import ConfigError


def available_devices() -> list[str]:
    found = ["cpu"]
    if torch.cuda.is_available():
        found.insert(0, "cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        found.insert(0 if "cuda" not in found else 1, "mps")
    return found


def cuda_present() -> bool:
    """Whether a CUDA device is there (the presets' GPU layer applies then; tests monkeypatch this check)."""
    return torch.cuda.is_available()


def autocast(precision: str, device: torch.device):
    """bfloat16 autocast on CUDA when precision is "bf16"; otherwise a context that does nothing."""
    enabled = precision == "bf16" and torch.device(device).type == "cuda"
    return torch.autocast("cuda", dtype=torch.bfloat16, enabled=enabled) if enabled else contextlib.nullcontext()


def pick_device(name: str = "auto") -> torch.device:
    """'auto' prefers CUDA, then MPS, then the CPU; an explicit name must be available."""
    found = available_devices()
    if name == "auto":
        return torch.device(found[0])
    if name not in ("cpu", "cuda", "mps"):
        raise ConfigError(f"device {name!r} is unknown; allowed: auto, cpu, cuda, mps")
    if name not in found:
        raise ConfigError(f"device {name!r} is not available on this machine; available: {', '.join(found)}")
    return torch.device(name)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def make_generator(device: torch.device, seed: int) -> torch.Generator:
    """A private RNG stream on `device`, so data and noise are reproducible and checkpointable."""
    g = torch.Generator(device=device)
    g.manual_seed(seed)
    return g
