"""The β lesson (preset beta-tradeoff): vae.beta is a live setting that the training step reads every
step. Raising it mid-run collapses latent dimensions (KLⱼ < 0.05 nats, the lesson's and the KL panel's
threshold) that were all in use at β = 1; lowering it to 0 lets the codes leave the prior (the KL term
grows several-fold)."""

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


def test_beta_zero_lets_the_codes_leave_the_prior():
    model, trainer = lesson_run()
    trainer.run(max_steps=WARM_STEPS)
    recon_elbo, kl_elbo = terms_on_test_set(model)
    model.apply_setting("beta", 0.0)
    trainer.run(max_steps=2 * WARM_STEPS)
    recon_zero, kl_zero = terms_on_test_set(model)
    print(f"beta 1: recon {recon_elbo:.1f} KL {kl_elbo:.1f}; beta 0: recon {recon_zero:.1f} KL {kl_zero:.1f}")
    assert kl_zero > 2 * kl_elbo
