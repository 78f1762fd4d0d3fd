"""GAN losses on logits equal the formulas of SPEC.md written on probabilities."""

from __future__ import annotations

import pytest
import torch

from core.models.gan_losses import discriminator_loss, gan_value, generator_loss, gradient_penalty, r1_penalty

P_REAL = torch.tensor([0.9, 0.6, 0.99, 0.3, 0.75], dtype=torch.float64)
P_FAKE = torch.tensor([0.1, 0.45, 0.02, 0.8, 0.5, 0.33], dtype=torch.float64)


def logit(p: torch.Tensor) -> torch.Tensor:
    return torch.log(p / (1 - p))


@pytest.mark.parametrize("kind", ["minimax", "non-saturating"])
def test_discriminator_loss_is_the_spec_formula(kind):
    expected = -torch.log(P_REAL).mean() - torch.log(1 - P_FAKE).mean()
    got = discriminator_loss(kind, logit(P_REAL), logit(P_FAKE))
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(gan_value(logit(P_REAL), logit(P_FAKE)), expected, rtol=1e-12, atol=1e-12)


def test_minimax_generator_loss():
    # G maximises L, i.e. minimises (1/n) sum log(1 - D(G(z))).
    expected = torch.log(1 - P_FAKE).mean()
    torch.testing.assert_close(generator_loss("minimax", logit(P_FAKE)), expected, rtol=1e-12, atol=1e-12)


def test_non_saturating_generator_loss():
    expected = -torch.log(P_FAKE).mean()
    torch.testing.assert_close(generator_loss("non-saturating", logit(P_FAKE)), expected, rtol=1e-12, atol=1e-12)


def test_wgan_and_hinge():
    real = torch.tensor([2.0, -0.5, 0.3, 1.5], dtype=torch.float64)
    fake = torch.tensor([-1.5, 0.7, -0.2], dtype=torch.float64)
    torch.testing.assert_close(discriminator_loss("wgan-gp", real, fake), fake.mean() - real.mean())
    torch.testing.assert_close(generator_loss("wgan-gp", fake), -fake.mean())
    hinge_d = torch.clamp(1 - real, min=0).mean() + torch.clamp(1 + fake, min=0).mean()
    # By hand: real terms max(0, 1 - r) = 0, 1.5, 0.7, 0 ; fake terms max(0, 1 + f) = 0, 1.7, 0.8.
    torch.testing.assert_close(hinge_d, torch.tensor((1.5 + 0.7) / 4 + (1.7 + 0.8) / 3, dtype=torch.float64))
    torch.testing.assert_close(discriminator_loss("hinge", real, fake), hinge_d)
    torch.testing.assert_close(generator_loss("hinge", fake), -fake.mean())


def test_unknown_loss():
    x = torch.zeros(3)
    with pytest.raises(ValueError):
        discriminator_loss("lsgan", x, x)
    with pytest.raises(ValueError):
        generator_loss("lsgan", x)


def _grad_wrt_logit(kind: str, p: float) -> float:
    a = logit(torch.tensor([p], dtype=torch.float64)).requires_grad_(True)
    generator_loss(kind, a).backward()
    return float(a.grad[0])


def test_minimax_gradient_vanishes_when_d_wins_but_non_saturating_does_not():
    # d/da log(1 - sigmoid(a)) = -sigmoid(a) = -p ; d/da -log sigmoid(a) = -(1 - p).
    p = 1e-4
    mm, ns = _grad_wrt_logit("minimax", p), _grad_wrt_logit("non-saturating", p)
    assert mm == pytest.approx(-p, rel=1e-6)
    assert ns == pytest.approx(-(1 - p), rel=1e-6)
    assert abs(mm) < 1e-3 * abs(ns)
    # and it keeps shrinking as D(G(z)) -> 0, while the non-saturating one stays near 1
    mags = [abs(_grad_wrt_logit("minimax", q)) for q in (1e-2, 1e-4, 1e-6)]
    assert mags[0] > mags[1] > mags[2]
    assert all(abs(_grad_wrt_logit("non-saturating", q)) > 0.98 for q in (1e-2, 1e-4, 1e-6))


def test_r1_penalty_of_a_linear_discriminator():
    w = torch.tensor([[0.5], [-2.0]], dtype=torch.float64)
    x = torch.randn(16, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0)).requires_grad_(True)
    logits = (x @ w + 0.3).reshape(-1)
    # grad_x D = w for every x, so E|grad|^2 = 0.25 + 4.
    torch.testing.assert_close(r1_penalty(logits, x), torch.tensor(4.25, dtype=torch.float64))


def test_r1_penalty_of_a_quadratic_discriminator():
    x = torch.randn(16, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1)).requires_grad_(True)
    logits = (x**2).sum(1)
    # grad_x = 2x, |grad|^2 = 4|x|^2.
    expected = (4 * (x.detach() ** 2).sum(1)).mean()
    penalty = r1_penalty(logits, x)
    torch.testing.assert_close(penalty, expected)
    assert penalty.requires_grad  # create_graph: the penalty can be trained on


class Linear(torch.nn.Module):
    def __init__(self, w):
        super().__init__()
        self.w = torch.nn.Parameter(torch.tensor(w, dtype=torch.float64))

    def forward(self, x):
        return x @ self.w


def test_gradient_penalty_zero_for_unit_gradient_critic():
    g = torch.Generator().manual_seed(2)
    real = torch.randn(32, 2, dtype=torch.float64, generator=g)
    fake = torch.randn(32, 2, dtype=torch.float64, generator=g) * 3
    unit = Linear([0.6, 0.8])
    assert gradient_penalty(unit, real, fake, torch.Generator().manual_seed(3)).detach().item() == pytest.approx(0, abs=1e-12)
    # |grad| = 2 everywhere gives (2 - 1)^2 = 1, and |grad| = 0.5 gives 0.25.
    assert gradient_penalty(Linear([0.0, 2.0]), real, fake).detach().item() == pytest.approx(1.0)
    assert gradient_penalty(Linear([0.3, 0.4]), real, fake).detach().item() == pytest.approx(0.25)


class HalfSquare(torch.nn.Module):
    """critic(x) = 0.5 |x|^2 per example, so grad critic(x_hat) = x_hat."""

    def forward(self, x):
        return 0.5 * x.flatten(1).pow(2).sum(1)


def test_gradient_penalty_on_images_uses_one_eps_per_image():
    # real = 0 and fake = 1 everywhere: x_hat = (1 - eps) * 1, so |grad| = (1 - eps) sqrt(C H W),
    # which holds only if each image's pixels share one eps, drawn as torch.rand(N) from the generator.
    n, shape = 5, (2, 4, 4)
    real, fake = torch.zeros(n, *shape, dtype=torch.float64), torch.ones(n, *shape, dtype=torch.float64)
    eps = torch.rand(n, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    expected = (((1 - eps) * 32**0.5 - 1) ** 2).mean()
    got = gradient_penalty(HalfSquare(), real, fake, torch.Generator().manual_seed(7))
    torch.testing.assert_close(got.detach(), expected)
