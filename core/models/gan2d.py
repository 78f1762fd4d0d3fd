"""An MLP GAN on 2-D data: D(x) = sigmoid(logit), real data is class 1, G(z) is class 0."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from core.config import ConfigError
from core.metrics import grid_histogram, histogram_divergences, mode_coverage, sliced_wasserstein
from core.models.base import mlp, numpy_copies
from core.models.gan_base import GANBase, PackedCritic, d_output, is_probability
from core.models.gan_losses import generator_loss

VIEW_POINTS = 512  # generated / real points drawn in the 2-D view
ARROW_POINTS = 96  # generated points that carry a gradient arrow
HEAT_RES = 48  # D's heatmap is HEAT_RES x HEAT_RES (4096 points cost D 3 ms on a CPU core)
GRID_LINES, GRID_POINTS = 11, 41  # G's warped latent grid
QUALITY_SAMPLES = 2500  # real and generated samples behind the live quality measures (as eval's modes)
QUALITY_BINS = 32  # the divergences compare 2-D histograms on QUALITY_BINS x QUALITY_BINS cells over the bounds


class GAN2D(GANBase):
    def __init__(self, cfg, data, device, noise):
        super().__init__(cfg, data, device, noise)
        p = self.params
        if p.arch != "mlp":
            raise ConfigError(f"gan.arch = {p.arch!r} needs image data; 2-D points ({cfg.data.dataset!r}) "
                              "allow only gan.arch = mlp")
        if cfg.data.batch_size % p.pack:
            raise ConfigError(
                f"data.batch_size = {cfg.data.batch_size} must be a multiple of gan.pack = {p.pack}"
            )
        self.latent_dim = p.latent_dim
        self.G = mlp(p.latent_dim, data.dim, p.hidden, p.depth, p.activation)
        wrap = spectral_norm if p.spectral_norm else None
        self.D = PackedCritic(mlp(data.dim * p.pack, 1, p.hidden, p.depth, p.activation, wrap), p.pack)
        self.finish_init()
        # Fixed inputs for the views, from their own RNG so drawing never shifts the training stream.
        view_rng = torch.Generator(device=device).manual_seed(cfg.train.seed + 7919)
        self.register_buffer("fixed_z", torch.randn(VIEW_POINTS, p.latent_dim, generator=view_rng, device=device))
        self.register_buffer("view_real", data.batch(VIEW_POINTS, view_rng))
        # The live quality measures' fixed samples: plain tensors (not in checkpoints), their own RNG.
        quality_rng = torch.Generator(device=device).manual_seed(cfg.train.seed + 104729)
        self.quality_z = torch.randn(QUALITY_SAMPLES, p.latent_dim, generator=quality_rng, device=device)
        self.quality_real = grid_histogram(data.batch(QUALITY_SAMPLES, quality_rng), data.info.bounds, QUALITY_BINS)
        self.setup()

    def decoder(self) -> nn.Module:
        return self.G

    def snapshot(self) -> dict[str, np.ndarray]:
        p = self.params
        saturating = is_probability(p.loss)

        def to_d(logits):
            return d_output(p.loss, logits)

        fake = self.G(self.fixed_z)
        x0, x1, y0, y1 = self.data.info.bounds
        # D at the centres of HEAT_RES x HEAT_RES cells tiling the bounds exactly; heat[i, j] is at
        # (xs[i], ys[j]), so the first axis is x (the view's image axis order is "col-major").
        centres = (torch.arange(HEAT_RES, device=self.device, dtype=torch.float32) + 0.5) / HEAT_RES
        xs, ys = x0 + (x1 - x0) * centres, y0 + (y1 - y0) * centres
        gx, gy = torch.meshgrid(xs, ys, indexing="ij")
        # D of each grid point in a pack with real data (gan.pack > 1): would D take x for a real sample?
        heat = to_d(self.D.pointwise(torch.stack([gx.reshape(-1), gy.reshape(-1)], 1), self.view_real)
                    ).reshape(HEAT_RES, HEAT_RES)

        # Arrows: the direction G's loss pushes each generated point, -dL_G/dx.
        with torch.enable_grad():
            pts = fake[:ARROW_POINTS].detach().requires_grad_(True)
            # each point's own pack, with other samples of G as its companions (as G is trained)
            loss = generator_loss(p.loss, self.D.pointwise(pts, fake.detach())) * ARROW_POINTS
            (grad,) = torch.autograd.grad(loss, pts)
        lines = self._latent_grid()
        out = {
            "real": self.view_real,
            "fake": fake,
            "heat": heat,
            "arrow_pos": pts.detach(),
            "arrow_dir": -grad,
            "d_real_values": to_d(self.D.pointwise(self.view_real)),
            "d_fake_values": to_d(self.D.pointwise(fake)),
            "grid_lines": lines,
        }
        snap = numpy_copies({k: v.float() for k, v in out.items()})
        snap["bounds"] = np.asarray(self.data.info.bounds, np.float32)
        snap["d_is_probability"] = np.asarray(saturating)
        snap["decoder_state"] = numpy_copies(self.G.state_dict())
        snap.update(self.quality())
        return snap

    def known_modes(self) -> int | None:
        """How many modes SPEC.md's modes and hq_fraction count on this data (ring8, grid25), else None."""
        info = self.data.info
        return len(info.means) if info.means is not None and info.name in ("ring8", "grid25") else None

    def quality(self) -> dict[str, np.ndarray]:
        """Live sample quality, as GAN Lab shows it: KL(real ‖ fake) and JS between 2-D histograms of
        QUALITY_SAMPLES fixed real points and G on fixed z, and on ring8/grid25 SPEC.md's modes and
        hq_fraction of the same generated points. A few ms: computed with the views, never in training."""
        fake = self.G(self.quality_z)
        info = self.data.info
        kl, js = histogram_divergences(self.quality_real, grid_histogram(fake, info.bounds, QUALITY_BINS))
        out = {"quality_kl": np.asarray(kl, np.float32), "quality_js": np.asarray(js, np.float32)}
        if self.known_modes() is not None:
            modes, hq = mode_coverage(fake, info.means, info.std)
            out.update(quality_modes=np.asarray(modes, np.int64), quality_total_modes=np.asarray(len(info.means)),
                       quality_hq_fraction=np.asarray(hq, np.float32))
        return out

    def _latent_grid(self) -> torch.Tensor:
        """G applied to grid lines in the plane of z's first two dimensions (others 0)."""
        t = torch.linspace(-2.5, 2.5, GRID_POINTS, device=self.device)
        c = torch.linspace(-2.5, 2.5, GRID_LINES, device=self.device)
        z = torch.zeros(2, GRID_LINES, GRID_POINTS, self.latent_dim, device=self.device)
        z[0, :, :, 0] = t  # lines along z0, one per value of z1
        if self.latent_dim > 1:
            z[0, :, :, 1] = c[:, None]
            z[1, :, :, 0] = c[:, None]
            z[1, :, :, 1] = t
        out = self.G(z.reshape(-1, self.latent_dim)).reshape(2 * GRID_LINES, GRID_POINTS, -1)
        return out if self.latent_dim > 1 else out[:GRID_LINES]

    @torch.no_grad()
    def evaluate(self, progress=None) -> dict:
        """Mode coverage and sliced Wasserstein distance of 2,500 samples (well under a second: no progress)."""
        samples = self.sample(2500)
        result: dict = {"samples": 2500}
        info = self.data.info
        if info.means is not None and info.name in ("ring8", "grid25"):
            modes, hq = mode_coverage(samples, info.means, info.std)
            result.update(modes=modes, total_modes=len(info.means), hq_fraction=hq)
        ref_rng = torch.Generator(device=self.device).manual_seed(2**20 + 1)
        real = self.data.batch(2500, ref_rng)
        result["sliced_wasserstein"] = sliced_wasserstein(samples, real)
        return result
