"""An MLP GAN on 2-D data: D(x) = sigmoid(logit), real data is class 1, G(z) is class 0."""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from core.config import ConfigError
from core.metrics import mode_coverage, sliced_wasserstein
from core.models.base import GenerativeModel, grad_norm, mlp, numpy_copies
from core.models.gan_losses import (
    discriminator_loss,
    generator_loss,
    gradient_penalty,
    r1_penalty,
)

VIEW_POINTS = 512  # generated / real points drawn in the 2-D view
ARROW_POINTS = 96  # generated points that carry a gradient arrow
HEAT_RES = 48  # D's heatmap is HEAT_RES x HEAT_RES (4096 points cost D 3 ms on a CPU core)
GRID_LINES, GRID_POINTS = 11, 41  # G's warped latent grid


class PackedCritic(nn.Module):
    """PacGAN: D judges `pack` samples at once, concatenated, so it can see a lack of variety."""

    def __init__(self, net: nn.Module, pack: int):
        super().__init__()
        self.net, self.pack = net, pack

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.reshape(-1, x.shape[1] * self.pack)).reshape(-1)

    def pointwise(self, x: torch.Tensor) -> torch.Tensor:
        """D's logit for each point alone (repeated `pack` times), for maps and histograms."""
        return self.net(x.repeat(1, self.pack)).reshape(-1)


class GAN2D(GenerativeModel):
    metric_names = ("loss_d", "loss_g", "d_real", "d_fake", "grad_norm_g", "grad_norm_d")

    def __init__(self, cfg, data, device, noise):
        super().__init__(cfg, data, device, noise)
        p = self.params
        if cfg.data.batch_size % p.pack:
            raise ConfigError(
                f"data.batch_size = {cfg.data.batch_size} must be a multiple of gan.pack = {p.pack}"
            )
        self.latent_dim = p.latent_dim
        self.G = mlp(p.latent_dim, data.dim, p.hidden, p.depth, p.activation)
        wrap = spectral_norm if p.spectral_norm else None
        self.D = PackedCritic(mlp(data.dim * p.pack, 1, p.hidden, p.depth, p.activation, wrap), p.pack)
        self.G_ema = copy.deepcopy(self.G).requires_grad_(False) if p.ema > 0 else None
        # Fixed inputs for the views, from their own RNG so drawing never shifts the training stream.
        view_rng = torch.Generator(device=device).manual_seed(cfg.train.seed + 7919)
        self.register_buffer("fixed_z", torch.randn(VIEW_POINTS, p.latent_dim, generator=view_rng, device=device))
        self.register_buffer("view_real", data.batch(VIEW_POINTS, view_rng))
        self.setup()

    def configure_optimizers(self):
        p = self.params
        betas = (p.beta1, p.beta2)
        return {
            "g": torch.optim.Adam(self.G.parameters(), lr=p.lr_g, betas=betas),
            "d": torch.optim.Adam(self.D.parameters(), lr=p.lr_d, betas=betas),
        }

    def _z(self, n: int) -> torch.Tensor:
        return torch.randn(n, self.latent_dim, generator=self.noise, device=self.device)

    def training_step(self, step: int):
        p, batch = self.params, self.cfg.data.batch_size
        self.apply_lr(step)
        opt_g, opt_d = self.optimizers["g"], self.optimizers["d"]
        for _ in range(p.d_steps):
            real = self.data.batch(batch)
            with torch.no_grad():
                fake = self.G(self._z(batch))
            if p.r1_gamma > 0:
                real.requires_grad_(True)
            real_logits, fake_logits = self.D(real), self.D(fake)
            loss_d = discriminator_loss(p.loss, real_logits, fake_logits)
            total = loss_d
            if p.r1_gamma > 0:
                total = total + 0.5 * p.r1_gamma * r1_penalty(real_logits, real)
            if p.loss == "wgan-gp":
                total = total + p.gp_lambda * gradient_penalty(self.D, real.detach(), fake, self.noise)
            opt_d.zero_grad(set_to_none=True)
            total.backward()
            norm_d = grad_norm(self.D.parameters())
            opt_d.step()

        fake_logits_g = self.D(self.G(self._z(batch)))
        loss_g = generator_loss(p.loss, fake_logits_g)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        norm_g = grad_norm(self.G.parameters())
        opt_g.step()
        if self.G_ema is not None:
            with torch.no_grad():
                torch._foreach_lerp_(list(self.G_ema.parameters()), list(self.G.parameters()), 1 - p.ema)

        saturating = p.loss in ("minimax", "non-saturating")
        to_d = torch.sigmoid if saturating else (lambda t: t)
        return {
            "loss_d": loss_d.detach(),
            "loss_g": loss_g.detach(),
            "d_real": to_d(real_logits.detach()).mean(),
            "d_fake": to_d(fake_logits.detach()).mean(),
            "grad_norm_g": norm_g,
            "grad_norm_d": norm_d,
        }

    def sampling_generator(self) -> nn.Module:
        return self.G_ema if self.G_ema is not None else self.G

    def decoder(self) -> nn.Module:
        return self.G

    @torch.no_grad()
    def sample(self, n: int, seed: int | None = None) -> torch.Tensor:
        g = torch.Generator(device=self.device).manual_seed(self.cfg.train.seed + 104729 if seed is None else seed)
        z = torch.randn(n, self.latent_dim, generator=g, device=self.device)
        return self.sampling_generator()(z)

    def snapshot(self) -> dict[str, np.ndarray]:
        p = self.params
        saturating = p.loss in ("minimax", "non-saturating")
        to_d = torch.sigmoid if saturating else (lambda t: t)
        fake = self.G(self.fixed_z)
        x0, x1, y0, y1 = self.data.info.bounds
        xs = torch.linspace(x0, x1, HEAT_RES, device=self.device)
        ys = torch.linspace(y0, y1, HEAT_RES, device=self.device)
        gx, gy = torch.meshgrid(xs, ys, indexing="ij")
        heat = to_d(self.D.pointwise(torch.stack([gx.reshape(-1), gy.reshape(-1)], 1))).reshape(HEAT_RES, HEAT_RES)

        # Arrows: the direction G's loss pushes each generated point, -dL_G/dx.
        with torch.enable_grad():
            pts = fake[:ARROW_POINTS].detach().requires_grad_(True)
            loss = generator_loss(p.loss, self.D.pointwise(pts)) * ARROW_POINTS
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
        return snap

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
    def evaluate(self) -> dict:
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
