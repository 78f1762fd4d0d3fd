"""2-D data sets, generated on the training device in batches from a seedable generator.

ring8 and grid25 are the mode-coverage benchmarks (SPEC.md); the rest follow the
FFJORD toy sets (moons as scikit-learn's make_moons with noise 0.05, unscaled).
Every sampler draws from an explicit torch.Generator so runs are reproducible
and the stream can be saved in a checkpoint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.config import ConfigError
from core.dataset_names import PLANE_DATASETS


def _randn(n, g, device, cols=2):
    return torch.randn(n, cols, generator=g, device=device)


def _rand(n, g, device, cols=1):
    return torch.rand(n, cols, generator=g, device=device)


def _pick(means: torch.Tensor, n, g, device) -> torch.Tensor:
    idx = torch.randint(len(means), (n,), generator=g, device=device)
    return means.to(device)[idx]


def ring8_means() -> torch.Tensor:
    # 2*pi*i/8 for i = 0..7: linspace(0, 2*pi, 8) would repeat the first mode.
    angles = 2 * math.pi * torch.arange(8, dtype=torch.float64) / 8
    return (2 * torch.stack([angles.cos(), angles.sin()], 1)).float()


def grid25_means() -> torch.Tensor:
    ticks = torch.tensor([-4.0, -2.0, 0.0, 2.0, 4.0])
    gx, gy = torch.meshgrid(ticks, ticks, indexing="ij")
    return torch.stack([gx.reshape(-1), gy.reshape(-1)], 1)


def eight_gaussians_means() -> torch.Tensor:
    s = 1 / math.sqrt(2)
    centers = [(1, 0), (-1, 0), (0, 1), (0, -1), (s, s), (s, -s), (-s, s), (-s, -s)]
    return torch.tensor(centers, dtype=torch.float32) * 4 / 1.414


def _mixture(means_fn, std):
    def sample(n, g, device):
        return _pick(means_fn(), n, g, device) + std * _randn(n, g, device)

    return sample


def _moons(n, g, device, noise=0.05):
    # make_moons: upper half circle, and a lower one shifted by (1, 0.5).
    t = math.pi * _rand(n, g, device)
    upper = torch.cat([t.cos(), t.sin()], 1)
    lower = torch.cat([1 - t.cos(), 0.5 - t.sin()], 1)
    which = _rand(n, g, device) < 0.5
    return torch.where(which, upper, lower) + noise * _randn(n, g, device)


def _circles(n, g, device):
    # FFJORD: make_circles(factor=0.5, noise=0.08) scaled by 3.
    t = 2 * math.pi * _rand(n, g, device)
    radius = torch.where(_rand(n, g, device) < 0.5, 1.0, 0.5)
    return 3 * (radius * torch.cat([t.cos(), t.sin()], 1) + 0.08 * _randn(n, g, device))


def _spirals(n, g, device):
    # FFJORD "2spirals".
    r = torch.sqrt(_rand(n, g, device)) * 540 * (2 * math.pi) / 360
    x = -r.cos() * r + 0.5 * _rand(n, g, device)
    y = r.sin() * r + 0.5 * _rand(n, g, device)
    sign = torch.where(_rand(n, g, device) < 0.5, 1.0, -1.0)
    return sign * torch.cat([x, y], 1) / 3 + 0.1 * _randn(n, g, device)


def _checkerboard(n, g, device):
    x1 = 4 * _rand(n, g, device) - 2
    x2 = _rand(n, g, device) - 2 * torch.randint(0, 2, (n, 1), generator=g, device=device)
    x2 = x2 + torch.floor(x1) % 2
    return 2 * torch.cat([x1, x2], 1)


def _pinwheel(n, g, device, radial_std=0.3, tangential_std=0.1, arms=5, rate=0.25):
    rads = torch.arange(arms, device=device) * 2 * math.pi / arms
    feats = _randn(n, g, device) * torch.tensor([radial_std, tangential_std], device=device)
    feats[:, 0] += 1
    labels = torch.randint(arms, (n,), generator=g, device=device)
    angles = rads[labels] + rate * feats[:, 0].exp()
    c, s = angles.cos(), angles.sin()
    rot = torch.stack([torch.stack([c, -s], -1), torch.stack([s, c], -1)], -2)  # (n, 2, 2)
    return 2 * torch.einsum("ti,tij->tj", feats, rot)


def _swissroll(n, g, device, noise=1.0):
    # make_swiss_roll keeps (x, z); FFJORD divides by 5.
    t = 1.5 * math.pi * (1 + 2 * _rand(n, g, device))
    pts = torch.cat([t * t.cos(), t * t.sin()], 1) + noise * _randn(n, g, device)
    return pts / 5


@dataclass(frozen=True)
class PlaneInfo:
    name: str
    bounds: tuple[float, float, float, float]  # xmin, xmax, ymin, ymax of the default view
    means: torch.Tensor | None = None  # mixture means, for the mode metrics
    std: float | None = None


_SAMPLERS = {
    "ring8": (_mixture(ring8_means, 0.02), PlaneInfo("ring8", (-3, 3, -3, 3), ring8_means(), 0.02)),
    "grid25": (_mixture(grid25_means, 0.05), PlaneInfo("grid25", (-6, 6, -6, 6), grid25_means(), 0.05)),
    "8gaussians": (
        _mixture(eight_gaussians_means, 0.5 / 1.414),
        PlaneInfo("8gaussians", (-4.5, 4.5, -4.5, 4.5), eight_gaussians_means(), 0.5 / 1.414),
    ),
    "moons": (_moons, PlaneInfo("moons", (-1.5, 2.5, -1.25, 1.75))),
    "circles": (_circles, PlaneInfo("circles", (-4, 4, -4, 4))),
    "spirals": (_spirals, PlaneInfo("spirals", (-4.5, 4.5, -4.5, 4.5))),
    "checkerboard": (_checkerboard, PlaneInfo("checkerboard", (-4.5, 4.5, -4.5, 4.5))),
    "pinwheel": (_pinwheel, PlaneInfo("pinwheel", (-4, 4, -4, 4))),
    "swissroll": (_swissroll, PlaneInfo("swissroll", (-3.5, 3.5, -3.5, 3.5))),
}

assert tuple(_SAMPLERS) + ("csv",) == PLANE_DATASETS, "core.dataset_names must list every sampler"


def _skeletons(name: str) -> list[torch.Tensor] | None:
    """Each part of a data set as points on its noise-free curve (or its mean), for component_labels."""
    info = _SAMPLERS.get(name, (None, None))[1]
    if info is not None and info.means is not None:
        return [m[None, :] for m in info.means]
    t = torch.linspace(0, math.pi, 200)[:, None]
    if name == "moons":
        return [torch.cat([t.cos(), t.sin()], 1), torch.cat([1 - t.cos(), 0.5 - t.sin()], 1)]
    if name == "circles":
        ring = torch.cat([(2 * t).cos(), (2 * t).sin()], 1)
        return [3 * ring, 1.5 * ring]
    if name == "spirals":
        r = torch.linspace(0, 3 * math.pi, 600)[:, None]
        arm = torch.cat([-r.cos() * r + 0.25, r.sin() * r + 0.25], 1) / 3
        return [arm, -arm]
    if name == "pinwheel":
        radial = torch.linspace(0, 2.2, 200)[:, None]
        return [2 * radial * torch.cat([(a + 0.25 * radial.exp()).cos(), (a + 0.25 * radial.exp()).sin()], 1)
                for a in torch.arange(5) * 2 * math.pi / 5]
    return None  # checkerboard, swissroll and csv points: no parts a point could be told apart by


def component_labels(name: str, x: torch.Tensor) -> torch.Tensor | None:
    """For each point, the part of the data set it lies nearest to: the mode of ring8, grid25 and
    8gaussians, the moon (0 upper, 1 lower), the ring of circles (0 outer, 1 inner), the arm of spirals
    and pinwheel. None for data sets without such parts. The samplers draw the part first and add
    noise, so this recovers the part each point was drawn from wherever the parts do not overlap."""
    parts = _skeletons(name)
    if parts is None:
        return None
    points = torch.cat(parts).to(x.device, x.dtype)
    owner = torch.cat([torch.full((len(p),), k, dtype=torch.int64) for k, p in enumerate(parts)]).to(x.device)
    return owner[torch.cdist(x, points).argmin(1)]


def load_csv_points(path: str | Path) -> np.ndarray:
    """Read an (N, 2) point file; a header line is allowed. Bad files raise ConfigError."""
    p = Path(path)
    if not str(path):
        raise ConfigError("data.path is empty; the csv data set needs a file of x,y rows")
    if not p.is_file():
        raise ConfigError(f"data.path {str(p)!r} does not exist or is not a file")
    try:
        text = p.read_text(encoding="utf-8", errors="strict")
        rows = [r for r in text.splitlines() if r.strip()]
        try:
            [float(v) for v in rows[0].split(",")]
        except (IndexError, ValueError):
            rows = rows[1:]  # the first line is a header such as "x,y"
        pts = np.array([[float(v) for v in r.split(",")] for r in rows], dtype=np.float32)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"data.path {str(p)!r} is not a CSV of numbers x,y: {exc}") from None
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 2:
        raise ConfigError(f"data.path {str(p)!r} must hold at least 2 rows of exactly 2 columns x,y")
    if not np.isfinite(pts).all():
        raise ConfigError(f"data.path {str(p)!r} holds NaN or infinite values")
    return pts


class PlaneData:
    """A 2-D data set bound to a device and a generator: `batch(n)` returns an (n, 2) tensor."""

    def __init__(self, name: str, device: torch.device, generator: torch.Generator, path: str = "",
                 points: np.ndarray | None = None):
        self.name, self.device, self.generator = name, device, generator
        self.dim = 2
        if name == "csv" or points is not None:
            pts = load_csv_points(path) if points is None else np.asarray(points, np.float32)
            self._points = torch.as_tensor(pts, device=device)
            lo, hi = pts.min(0), pts.max(0)
            pad = 0.15 * (hi - lo).max() + 1e-3
            self.info = PlaneInfo(name, (lo[0] - pad, hi[0] + pad, lo[1] - pad, hi[1] + pad))
            self._sampler = self._sample_points
        elif name in _SAMPLERS:
            self._sampler, self.info = _SAMPLERS[name]
        else:
            raise ConfigError(f"data.dataset = {name!r} is unknown; allowed: {', '.join(PLANE_DATASETS)}")

    def _sample_points(self, n, g, device):
        return self._points[torch.randint(len(self._points), (n,), generator=g, device=device)]

    def batch(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n points drawn with the data set's own stream, or with `generator` when given."""
        return self._sampler(n, generator or self.generator, self.device)


def sample_plane(name: str, n: int, seed: int = 0, device: str = "cpu") -> torch.Tensor:
    """Convenience for tests and tools: n points of a named data set."""
    dev = torch.device(device)
    g = torch.Generator(device=dev)
    g.manual_seed(seed)
    return PlaneData(name, dev, g).batch(n)
