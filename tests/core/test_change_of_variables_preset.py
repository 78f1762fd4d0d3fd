"""The change-of-variables lesson's preset and button (gui.panels.flow_lesson) in core, on 2-D RealNVP:
the preset has no normalisation layers, so exp(Σ s) of the couplings alone is |det ∂f/∂x| and agrees
with the area ratio of a small square; the button's live realnvp.weight_decay = 1 pulls f to the
identity, so exp(Σ s) and the area ratio fall to 1 together and the density turns into p_z = N(0, I),
which a control run carried on without it does not do."""

from __future__ import annotations

import math

import pytest
import torch

from core.build import build_model
from core.models.realnvp import change_of_variables_at, log_det_parts
from core.models.realnvp_config import RealNVPConfig
from core.presets import build_config
from core.trainer import Trainer

PULL = 1.0  # gui.panels.flow_lesson.PULL_WEIGHT_DECAY (core tests import no Qt)
WARM_STEPS = 500  # trained: |det ∂f/∂x| from well below to well above 1 over the data
PULL_STEPS = 300  # then the weight decay pulls for this long (or not, for the control run)
GAUSS_ENTROPY = math.log(2 * math.pi * math.e)  # nats: E[−log N(z; 0, I)] for z ~ N(0, I) in 2-D


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the test machine's cores are shared
    yield
    torch.set_num_threads(before)


def lesson_run():
    model = build_model(build_config("realnvp", "moons", "change-of-variables", {"train.device": "cpu", "train.seed": 0}))
    return model, Trainer(model)


@torch.no_grad()
def picture(model) -> dict:
    """What the student sees: the couplings' log-det over the data (and any other layers'), the area ratio
    against exp(Σ s) at data points, and how far the flow's density is from N(0, I): the mean −log p_x of
    N(0, I) samples, which is the Gaussian's entropy exactly when p_x = N(0, I)."""
    model.eval()
    couplings, others = log_det_parts(model.flow, model.view_data)
    pairs = [(r["area_ratio"], math.exp(r["coupling_log_det"]))
             for r in (change_of_variables_at(model.flow, p) for p in model.view_data[:16].tolist())]
    z = torch.randn(4096, 2, generator=torch.Generator().manual_seed(1))
    nll_of_gaussian = float(-model.log_prob(z).mean())
    model.train()
    return {"mean_abs_sum_s": float(couplings.abs().mean()), "others": float(others.abs().max()), "pairs": pairs,
            "nll_of_gaussian": nll_of_gaussian}


def test_the_button_setting_is_live_and_within_its_range():
    field = RealNVPConfig.__dataclass_fields__["weight_decay"]
    assert field.metadata["live"]
    assert field.metadata["high"] == PULL


def test_pulling_f_to_the_identity_brings_ratio_and_exp_sum_s_to_one_together():
    model, trainer = lesson_run()
    assert model.params.norm == "none" and model.params.lr_schedule == "constant"
    assert model.params.weight_decay == 0.0
    trainer.run(max_steps=WARM_STEPS)
    before = picture(model)
    state = {k: v.clone() for k, v in model.state_dict().items()}

    model.apply_setting("weight_decay", PULL)
    trainer.run(max_steps=WARM_STEPS + PULL_STEPS)
    pulled = picture(model)

    control, control_trainer = lesson_run()
    control_trainer.run(max_steps=WARM_STEPS)
    assert all(torch.equal(v, state[k]) for k, v in control.state_dict().items())  # the same start
    control_trainer.run(max_steps=WARM_STEPS + PULL_STEPS)
    kept = picture(control)
    print({k: v for k, v in before.items() if k != "pairs"}, {k: v for k, v in pulled.items() if k != "pairs"},
          {k: v for k, v in kept.items() if k != "pairs"})

    for run in (before, pulled, kept):  # no other layers: exp(Σ s) is |det ∂f/∂x|, and the ratio agrees with it
        assert run["others"] == 0.0
        for ratio, exp_s in run["pairs"]:
            assert ratio == pytest.approx(exp_s, rel=0.01)
    ratios = [ratio for ratio, _ in before["pairs"]]
    assert max(ratios) / min(ratios) > 3  # trained: f stretches some places and squeezes others
    assert before["mean_abs_sum_s"] > 1.0 and kept["mean_abs_sum_s"] > 1.0
    assert pulled["mean_abs_sum_s"] < 0.1 * before["mean_abs_sum_s"]  # s → 0: exp(Σ s) → 1 ...
    assert all(abs(ratio - 1) < 0.25 for ratio, _ in pulled["pairs"])  # ... and the area ratio with it
    # The density turns into N(0, I): KL(N(0, I) ‖ p_x) = E[−log p_x(z)] − H(N(0, I)) falls from thousands
    # of nats (p_x puts almost nothing where N(0, I) is) to a tenth of a nat (~0.13 here: the data's pull
    # on f still balances the weight decay a little); without the pull p_x stays the moons.
    assert before["nll_of_gaussian"] - GAUSS_ENTROPY > 1000
    assert pulled["nll_of_gaussian"] - GAUSS_ENTROPY < 0.2
    assert kept["nll_of_gaussian"] - GAUSS_ENTROPY > 1000
