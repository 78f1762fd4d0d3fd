"""Latent-space helpers for the sliders: a CPU copy of the decoder, and interpolation.

The GUI decodes slider moves on its own copy of the decoder network, refreshed
from the snapshots' weights, so a slider never waits for the training thread.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from torch import nn
# torch itself is imported where a decoder is used: the window imports this module for the paths, and
# shows itself before torch has loaded.


class LatentDecoder:
    def __init__(self, module: nn.Module):
        self.net = copy.deepcopy(module).to("cpu").eval().requires_grad_(False)

    def load(self, state: dict[str, np.ndarray]) -> None:
        import torch

        self.net.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in state.items()})

    def decode(self, z: np.ndarray) -> np.ndarray:
        """z: (n, latent_dim) or (latent_dim,) -> decoded outputs as float32 NumPy."""
        import torch

        z = np.asarray(z, np.float32)
        single = z.ndim == 1
        with torch.inference_mode():
            out = self.net(torch.from_numpy(z[None] if single else z)).numpy()
        return out[0] if single else out


def lerp(z0: np.ndarray, z1: np.ndarray, t: np.ndarray) -> np.ndarray:
    t = np.asarray(t, np.float64)[:, None]
    return ((1 - t) * z0 + t * z1).astype(np.float32)


def slerp(z0: np.ndarray, z1: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Spherical interpolation: keeps |z| near the typical set of N(0, I), unlike lerp."""
    t = np.asarray(t, np.float64)[:, None]
    a, b = np.asarray(z0, np.float64), np.asarray(z1, np.float64)
    cos = np.dot(a, b) / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12)
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if omega < 1e-6:
        return lerp(z0, z1, t[:, 0])
    out = (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)
    return out.astype(np.float32)


def interpolate(z0, z1, steps: int, mode: str = "slerp") -> np.ndarray:
    t = np.linspace(0.0, 1.0, steps)
    return slerp(z0, z1, t) if mode == "slerp" else lerp(z0, z1, t)
