"""What every GAN here shares: two optimizers, the alternating training step, EMA and sampling.

Real data is class 1 and G(z) is class 0; D outputs logits (D(x) = sigmoid(logit) for the
minimax and non-saturating losses, a raw score for wgan-gp and hinge). Subclasses build
`self.G` (z -> data) and `self.D` (data -> one logit per example) and their views.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from core.device import autocast
from core.models.base import GenerativeModel, grad_norm
from core.models.gan_losses import discriminator_loss, generator_loss, gradient_penalty, r1_penalty

SAMPLE_SEED_OFFSET = 104729  # sample(n) with no seed draws z from train.seed + this


class PackedCritic(nn.Module):
    """PacGAN: D judges `pack` samples at once, concatenated, so it can see a lack of variety.

    Points (N, d) become (N/pack, d*pack); images (N, C, H, W) become (N/pack, C*pack, H, W).
    """

    def __init__(self, net: nn.Module, pack: int):
        super().__init__()
        self.net, self.pack = net, pack

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.reshape(-1, x.shape[1] * self.pack, *x.shape[2:])).reshape(-1)

    def pointwise(self, x: torch.Tensor, companions: torch.Tensor | None = None) -> torch.Tensor:
        """D's logit for each example, for maps and histograms: x in a pack with pack - 1 others, the
        next examples of x itself (cyclically), or of `companions` (e.g. real data, for a map over the
        plane). Not x repeated: a PacGAN D learns that a pack of copies has no variety, so copies of
        even a real point are judged fake, and the map and the histograms would say nothing about x."""
        if self.pack == 1:
            return self.net(x).reshape(-1)
        others = x if companions is None else companions
        index = torch.arange(len(x), device=x.device)
        pack = [x] + [others[(index + k) % len(others)] for k in range(1, self.pack)]
        return self.net(torch.cat(pack, 1)).reshape(-1)


def is_probability(loss: str) -> bool:
    """Whether D's output is read as a probability, sigmoid(logit), for this loss."""
    return loss in ("minimax", "non-saturating")


def d_output(loss: str, logits: torch.Tensor) -> torch.Tensor:
    """What the plots show as D(x): sigmoid(logit) for the two SPEC losses, the raw score otherwise."""
    return torch.sigmoid(logits) if is_probability(loss) else logits


class GANBase(GenerativeModel):
    metric_names = ("loss_d", "loss_g", "d_real", "d_fake", "grad_norm_g", "grad_norm_d")

    # Subclasses set these before calling `finish_init`.
    G: nn.Module
    D: PackedCritic

    def finish_init(self) -> None:
        """Call at the end of a subclass's __init__, once G and D exist: EMA copy and optimizers."""
        self.G_ema = copy.deepcopy(self.G).requires_grad_(False) if self.params.ema > 0 else None

    def configure_optimizers(self):
        p = self.params
        betas = (p.beta1, p.beta2)
        return {
            "g": torch.optim.Adam(self.G.parameters(), lr=p.lr_g, betas=betas, eps=p.eps_g),
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
            if len(real) % p.pack:  # an epoch's last, short batch of a finite image set
                real = real[: len(real) - len(real) % p.pack]
            with torch.no_grad(), self._autocast():
                fake = self.G(self._z(len(real)))
            if p.r1_gamma > 0:
                real.requires_grad_(True)
            # A gradient penalty differentiates D(real) by its input: that pass stays in float32.
            with self._autocast(p.r1_gamma == 0):
                real_logits = self.D(real).float()
            with self._autocast():
                fake_logits = self.D(fake.float()).float()
            loss_d = discriminator_loss(p.loss, real_logits, fake_logits)
            total = loss_d
            if p.r1_gamma > 0:
                total = total + 0.5 * p.r1_gamma * r1_penalty(real_logits, real)
            if p.loss == "wgan-gp":
                total = total + p.gp_lambda * gradient_penalty(self.D, real.detach(), fake.float(), self.noise)
            opt_d.zero_grad(set_to_none=True)
            total.backward()
            norm_d = grad_norm(self.D.parameters())
            opt_d.step()

        with self._autocast():
            fake_logits_g = self.D(self.G(self._z(batch))).float()
        loss_g = generator_loss(p.loss, fake_logits_g)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        norm_g = grad_norm(self.G.parameters())
        opt_g.step()
        self._update_ema()

        return {
            "loss_d": loss_d.detach(),
            "loss_g": loss_g.detach(),
            "d_real": d_output(p.loss, real_logits.detach()).mean(),
            "d_fake": d_output(p.loss, fake_logits.detach()).mean(),
            "grad_norm_g": norm_g,
            "grad_norm_d": norm_d,
        }

    def _autocast(self, allowed: bool = True):
        """bf16 autocast on CUDA where train.precision = bf16 (and `allowed`); otherwise nothing."""
        return autocast(self.cfg.train.precision if allowed else "fp32", self.device)

    @torch.no_grad()
    def _update_ema(self) -> None:
        if self.G_ema is None:
            return
        torch._foreach_lerp_(list(self.G_ema.parameters()), list(self.G.parameters()), 1 - self.params.ema)
        for ema_buf, buf in zip(self.G_ema.buffers(), self.G.buffers(), strict=True):
            ema_buf.copy_(buf)  # e.g. batch-norm statistics: copied, as is usual for an EMA generator

    def sampling_generator(self) -> nn.Module:
        """The generator that samples and evaluation use: the EMA copy when EMA is on."""
        return self.G_ema if self.G_ema is not None else self.G

    @torch.no_grad()
    def sample(self, n: int, seed: int | None = None) -> torch.Tensor:
        g = torch.Generator(device=self.device)
        g.manual_seed(self.cfg.train.seed + SAMPLE_SEED_OFFSET if seed is None else seed)
        z = torch.randn(n, self.latent_dim, generator=g, device=self.device)
        return self.sampling_generator()(z)
