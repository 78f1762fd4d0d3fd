"""GAN losses on D's logits (sigmoid(logit) = D(x)), written to match SPEC.md.

L(D, G) = -(1/n) sum log D(x_i) - (1/n) sum log(1 - D(G(z_i))); D minimises L.
Using softplus keeps the logs finite: -log sigmoid(a) = softplus(-a) and
-log(1 - sigmoid(a)) = softplus(a).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

LOSSES = ("minimax", "non-saturating", "wgan-gp", "hinge")


def gan_value(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """L(D, G) of SPEC.md from logits."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def discriminator_loss(kind: str, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    if kind in ("minimax", "non-saturating"):
        return gan_value(real_logits, fake_logits)  # the same for D in both
    if kind == "wgan-gp":
        return fake_logits.mean() - real_logits.mean()  # gradient penalty added by the caller
    if kind == "hinge":
        return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()
    raise ValueError(f"unknown GAN loss {kind!r}")


def generator_loss(kind: str, fake_logits: torch.Tensor) -> torch.Tensor:
    if kind == "minimax":
        # G maximises L, i.e. minimises (1/n) sum log(1 - D(G(z))): it saturates when D wins.
        return -F.softplus(fake_logits).mean()
    if kind == "non-saturating":
        return F.softplus(-fake_logits).mean()  # -(1/n) sum log D(G(z))
    if kind in ("wgan-gp", "hinge"):
        return -fake_logits.mean()
    raise ValueError(f"unknown GAN loss {kind!r}")


def gradient_penalty(critic, real: torch.Tensor, fake: torch.Tensor, generator=None) -> torch.Tensor:
    """WGAN-GP: E[(|grad critic(x_hat)| - 1)^2] on random interpolates.

    One eps per example, shaped (N, 1, ...) to broadcast over points (N, d) and images (N, C, H, W)."""
    eps = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), dtype=real.dtype, device=real.device,
                     generator=generator)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()


def r1_penalty(real_logits: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """R1: E|grad_x D(x)|^2 on real data (real must require grad)."""
    (grad,) = torch.autograd.grad(real_logits.sum(), real, create_graph=True)
    return grad.flatten(1).pow(2).sum(1).mean()
