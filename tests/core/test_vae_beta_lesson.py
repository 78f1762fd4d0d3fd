"""The β lesson (preset beta-tradeoff): vae.beta is a live setting that the training step reads every
step. Raising it mid-run collapses latent dimensions (KLⱼ < 0.05 nats, the lesson's and the KL panel's
threshold) that were all in use at β = 1; lowering it to 0 lets the codes leave the prior (the KL term
grows several-fold). Each is compared with a control run carried on at β = 1 from the same weights for
the same steps, on the whole test set:

* raising β makes reconstructions worse (the recon term −log p(x|z) rises) and samples from the prior
  better: the decoded prior samples lie nearer the test images, and the aggregate posterior comes closer
  to N(0, I) (so z ~ N(0, I) lands where the decoder was trained);
* β = 0 makes reconstructions better (recon falls below the control's) and samples from the prior worse.

How far samples from the prior are from the data, measured two ways (no classifier to train):
* the aggregate posterior's KL to the prior. Prior samples decode to digits only where the decoder was
  trained, which is where q(z) = mean over x of q(z|x) puts its mass. The KL of q(z)'s moment-matched
  Gaussian (mean of μ(x), covariance Cov μ(x) + mean diag σ²(x)) to N(0, I) says how much of N(0, I) falls
  outside it; a Gaussian is only q(z)'s first two moments, so this is a proxy, but one that measures
  exactly the mismatch β = 0 creates (the codes spread away from the prior);
* the mean squared distance of each decoded prior sample (the decoder's mean image) to its nearest test
  image: noise is far from every digit."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.build import build_model
from core.models.vae_config import LESSON_RAISED_BETA
from core.presets import build_config
from core.trainer import Trainer

COLLAPSED_NATS = 0.05  # gui.panels.vae_views.COLLAPSED_NATS (core tests import no Qt)
WARM_STEPS = 300  # at β = 1 every dimension is in use by then
RAISED_STEPS = 800  # then β is raised (or not, for the control run) for this long


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the test machine's cores are shared
    yield
    torch.set_num_threads(before)


def lesson_run():
    model = build_model(build_config("vae", "mnist", "beta-tradeoff",
                                     {"train.device": "cpu", "train.seed": 0, "vae.test_every": 0}))
    return model, Trainer(model)


@torch.no_grad()
def kl_per_dim(model) -> np.ndarray:
    """What the lesson and the KL panel show: the mean KL per dimension over test examples."""
    model.eval()
    kl = model.main_view_snapshot()["kl_per_dim"]
    model.train()
    return kl


@torch.no_grad()
def prior_sample_distance(model, n: int = 500) -> float:
    """Mean over n decoded prior samples of the squared distance to the nearest test image."""
    samples = model.sample(n, seed=5).flatten(1)
    return float(torch.cdist(samples, model.test_x.flatten(1)).min(1).values.square().mean())


@torch.no_grad()
def aggregate_posterior_kl(model) -> float:
    """KL(N(m, C) ‖ N(0, I)) for the Gaussian with the aggregate posterior's mean and covariance on the test set."""
    mu, logvar = model.enc(model.test_x)
    m = mu.mean(0)
    c = torch.cov(mu.T) + torch.diag(logvar.exp().mean(0))
    return float(0.5 * (torch.trace(c) + m @ m - len(m) - torch.logdet(c)))


@torch.no_grad()
def picture(model) -> dict[str, float]:
    """What the lesson's student looks at, as numbers on the whole test set (see the module's docstring)."""
    model.eval()
    _, recon, kl = model._test_pass().tolist()
    out = {"recon": recon, "kl": kl, "aggregate_kl": aggregate_posterior_kl(model),
           "sample_distance": prior_sample_distance(model)}
    model.train()
    return out


@torch.no_grad()
def terms_on_test_set(model) -> tuple[float, float]:
    """(recon, KL) per test example on the whole test set."""
    model.eval()
    _, recon, kl = model._test_pass().tolist()
    model.train()
    return recon, kl


def test_the_preset_starts_at_the_elbo_and_beta_is_live():
    model, _ = lesson_run()
    field = next(f for f in model.params.__dataclass_fields__.values() if f.name == "beta")
    assert field.metadata["live"]
    assert model.params.beta == 1.0


def test_raising_beta_collapses_at_least_half_the_dimensions():
    model, trainer = lesson_run()
    trainer.run(max_steps=WARM_STEPS)
    before = kl_per_dim(model)
    assert (before < COLLAPSED_NATS).sum() == 0  # all in use at β = 1
    state = {k: v.clone() for k, v in model.state_dict().items()}

    model.apply_setting("beta", LESSON_RAISED_BETA)
    trainer.run(max_steps=WARM_STEPS + RAISED_STEPS)
    raised = kl_per_dim(model)
    print("KL per dimension at beta 1:", before.round(2), f"after beta {LESSON_RAISED_BETA:g}:", raised.round(2))
    assert (raised < COLLAPSED_NATS).sum() >= len(raised) / 2

    # The control: the same run carried on at β = 1 keeps its dimensions (so the collapse is β's doing).
    control, control_trainer = lesson_run()
    control_trainer.run(max_steps=WARM_STEPS)
    assert all(torch.equal(v, state[k]) for k, v in control.state_dict().items())  # the same start
    control_trainer.run(max_steps=WARM_STEPS + RAISED_STEPS)
    assert (kl_per_dim(control) < COLLAPSED_NATS).sum() < len(raised) / 4

    # Reconstructions blur, samples from the prior improve (seen ~159 vs 89 nats, 23 vs 26, 0.05 vs 0.6)
    high, elbo = picture(model), picture(control)
    print(f"beta {LESSON_RAISED_BETA:g}:", high, "control at beta 1:", elbo)
    assert high["recon"] > 1.4 * elbo["recon"]
    assert high["sample_distance"] < 0.95 * elbo["sample_distance"]
    assert high["aggregate_kl"] < 0.5 * elbo["aggregate_kl"]


def test_beta_zero_lets_the_codes_leave_the_prior():
    model, trainer = lesson_run()
    trainer.run(max_steps=WARM_STEPS)
    recon_elbo, kl_elbo = terms_on_test_set(model)
    model.apply_setting("beta", 0.0)
    trainer.run(max_steps=2 * WARM_STEPS)
    recon_zero, kl_zero = terms_on_test_set(model)
    print(f"beta 1: recon {recon_elbo:.1f} KL {kl_elbo:.1f}; beta 0: recon {recon_zero:.1f} KL {kl_zero:.1f}")
    assert kl_zero > 2 * kl_elbo

    # Against a control carried on at β = 1 for the same steps: reconstructions sharpen, samples from the
    # prior get worse (seen: recon 82 vs 94 nats, aggregate KL 14.8 vs 0.95, sample distance 44 vs 27)
    control, control_trainer = lesson_run()
    control_trainer.run(max_steps=2 * WARM_STEPS)
    zero, elbo = picture(model), picture(control)
    print("beta 0:", zero, "control at beta 1:", elbo)
    assert zero["recon"] < 0.93 * elbo["recon"]
    assert zero["aggregate_kl"] > 5 * elbo["aggregate_kl"]
    assert zero["sample_distance"] > 1.3 * elbo["sample_distance"]
