"""The vanishing-gradient lesson on MNIST and ring8 (SPEC.md: when D separates the two classes, G's gradient vanishes).

With the minimax loss, G minimises (1/n) sum log(1 - D(G(z))); its derivative in D's logit a is
-sigmoid(a) = -D(G(z)), which goes to 0 with D(G(z)). The non-saturating loss -log D(G(z)) has the
derivative -(1 - D(G(z))), near -1 there. The tests measure both the cause (the gradient ratio at
one D state) and the symptom in a real run of the `vanishing-gradient` preset; on ring8 the run is as
long as a student would watch it, then the loss is switched and G must cover the modes.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from core.build import build_model
from core.checkpoint import load_run, save_run, trainer_from_run
from core.metrics import sliced_wasserstein
from core.models.base import grad_norm
from core.models.gan_image import ImageGAN
from core.models.gan_losses import generator_loss
from core.presets import build_config
from core.trainer import Trainer

torch.set_num_threads(1)

SMALL = {"gan.channels": 8, "gan.latent_dim": 16, "data.batch_size": 32, "train.device": "cpu", "train.seed": 1}
SEPARATE_STEPS = 60  # the preset's strong D separates real from fake within a few dozen steps
BRANCH_STEPS = 120  # then each loss carries on this long from the same state


@pytest.fixture(autouse=True)
def no_classifier(monkeypatch):
    monkeypatch.setattr(ImageGAN, "_cached_classifier", lambda self: None)
    monkeypatch.setattr(ImageGAN, "_classifier_applies", lambda self: False)


def lesson_model():
    return build_model(build_config("gan", "mnist", "vanishing-gradient", SMALL))


def g_grad_norm(model, loss: str, z: torch.Tensor) -> tuple[float, torch.Tensor]:
    """|grad_theta_G| of G's loss on the batch z, with D as it is; also D(G(z))."""
    model.G.zero_grad(set_to_none=True)
    logits = model.D(model.G(z))
    generator_loss(loss, logits).backward()
    norm = float(grad_norm(model.G.parameters()))
    model.G.zero_grad(set_to_none=True)
    return norm, torch.sigmoid(logits.detach())


def window(history, name: str, first: int, last: int) -> np.ndarray:
    """The recorded values of one metric for steps first .. last - 1 (short runs keep every step)."""
    steps, values = history.arrays()
    return values[(steps >= first) & (steps < last), history.names.index(name)]


def test_minimax_gradient_is_orders_of_magnitude_smaller_at_the_same_d_state():
    model = lesson_model()
    Trainer(model).run(max_steps=SEPARATE_STEPS)
    model.eval()  # freeze spectral-norm / batch-norm state: both losses see exactly the same networks
    z = torch.randn(256, model.latent_dim, generator=torch.Generator().manual_seed(0))
    minimax, d_fake = g_grad_norm(model, "minimax", z)
    non_saturating, d_fake_again = g_grad_norm(model, "non-saturating", z)
    assert torch.equal(d_fake, d_fake_again)  # the same D state and batch for both
    assert float(d_fake.mean()) < 1e-2  # D has separated the classes
    print(f"D(G(z)) mean {float(d_fake.mean()):.2e}: |grad G| minimax {minimax:.3e}, "
          f"non-saturating {non_saturating:.3e}, ratio {minimax / non_saturating:.1e}")
    assert minimax < 1e-2 * non_saturating  # at least two orders of magnitude

    # Why: per example the two losses' gradients in the logit differ by D(G(z)) / (1 - D(G(z))),
    # so weighting the non-saturating backward pass by that factor gives the minimax gradient exactly.
    model.G.zero_grad(set_to_none=True)
    logits = model.D(model.G(z))
    weight = d_fake / (1 - d_fake)
    (F.softplus(-logits) * weight).mean().backward()  # -log D(G(z)), weighted per example
    weighted = float(grad_norm(model.G.parameters()))
    assert weighted == pytest.approx(minimax, rel=1e-3)


def sample_distance(model) -> float:
    """Sliced Wasserstein distance between 1,000 samples of G and 1,000 test images: falls as G learns."""
    z = torch.randn(1000, model.latent_dim, generator=torch.Generator().manual_seed(0))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        fake = model.G(z).flatten(1)
    model.train(was_training)
    return sliced_wasserstein(fake, model.data.test_images[:1000].flatten(1))


def geometric_mean(values: np.ndarray) -> float:
    return float(np.exp(np.log(np.maximum(values, 1e-30)).mean()))


def test_the_preset_run_saturates_and_switching_to_non_saturating_makes_g_learn_again(tmp_path):
    trainer = Trainer(lesson_model())
    trainer.run(max_steps=SEPARATE_STEPS)
    history = trainer.history
    start_g = window(history, "grad_norm_g", 0, 3).mean()
    end = (SEPARATE_STEPS - 10, SEPARATE_STEPS)
    d_fake_before = geometric_mean(window(history, "d_fake", *end))
    g_before = window(history, "grad_norm_g", *end).mean()
    loss_d_before = window(history, "loss_d", *end).mean()
    print(f"minimax: D(G(z)) {window(history, 'd_fake', 0, 3).mean():.2e} -> {d_fake_before:.2e}, "
          f"|grad G| {start_g:.2e} -> {g_before:.2e}, loss_d -> {loss_d_before:.2e}")
    assert d_fake_before < 1e-3  # D(G(z)) -> ~0
    assert loss_d_before < 1e-2  # L -> 0
    assert g_before < 1e-2 * start_g  # G's gradient fell by orders of magnitude

    # From this one state, carry on with each loss (the same D, G, optimizers and random streams).
    save_run(tmp_path / "saturated", trainer)
    end = SEPARATE_STEPS + BRANCH_STEPS
    after = (SEPARATE_STEPS + BRANCH_STEPS // 3, end)
    outcome = {}
    for loss in ("minimax", "non-saturating"):
        branch = trainer_from_run(load_run(tmp_path / "saturated"))
        branch.model.apply_setting("loss", loss)  # a live setting, as the GUI changes it
        branch.run(max_steps=end)
        outcome[loss] = {"grad_norm_g": window(branch.history, "grad_norm_g", *after).mean(),
                         "d_fake": geometric_mean(window(branch.history, "d_fake", *after)),
                         "distance": sample_distance(branch.model)}
    print({loss: {k: f"{v:.3g}" for k, v in o.items()} for loss, o in outcome.items()},
          f"distance at the switch {sample_distance(trainer.model):.3g}")
    stay, switch = outcome["minimax"], outcome["non-saturating"]
    at_switch = sample_distance(trainer.model)
    # Staying with minimax, G has stopped learning: its samples stay where they were.
    assert abs(stay["distance"] - at_switch) < 0.002
    assert stay["grad_norm_g"] < 1e-2 * start_g
    # Switching gives G its gradient back, and G uses it: D(G(z)) rises (against both its value at
    # the switch and the minimax branch's, which keeps falling) and the samples move to the data.
    assert switch["grad_norm_g"] > 100 * g_before
    assert switch["d_fake"] > 2 * d_fake_before and switch["d_fake"] > 5 * stay["d_fake"]
    assert switch["distance"] < at_switch - 0.03


# -- the same lesson on ring8, as the window runs it ----------------------------------------------------

RING8 = {"train.device": "cpu", "train.seed": 0}
SATURATED_BY = 300  # D(G(z)) < 1e-3 from here on
HOLD_STEPS = 3000  # a student watches the stuck G this long, and longer
LEARN_STEPS = 1250  # after the switch to non-saturating


def recorded_steps(model) -> list[dict[str, float]]:
    """Every training step's own d_fake and grad_norm_g (the history averages pairs of steps in long runs)."""
    rows: list[dict[str, float]] = []
    real_step = model.training_step

    def recording(step):
        out = real_step(step)
        rows.append({"d_fake": float(out["d_fake"]), "grad_norm_g": float(out["grad_norm_g"])})
        return out

    model.training_step = recording
    return rows


def test_ring8_preset_holds_g_stuck_until_the_switch_then_g_learns_and_covers_the_modes():
    model = build_model(build_config("gan", "ring8", "vanishing-gradient", RING8))
    rows = recorded_steps(model)
    trainer = Trainer(model)
    z = torch.randn(256, model.latent_dim, generator=torch.Generator().manual_seed(0))
    trainer.run(max_steps=SATURATED_BY)
    with torch.no_grad():
        stuck_at = model.G(z)
    minimax_early, _ = g_grad_norm(model, "minimax", z)
    non_saturating_early, _ = g_grad_norm(model, "non-saturating", z)
    trainer.run(max_steps=HOLD_STEPS)

    # Saturated all along: D rejects G's samples, G's minimax gradient is orders of magnitude below
    # what the non-saturating loss would give at the same state, and so G's samples stay where they were.
    held = rows[SATURATED_BY:HOLD_STEPS]
    assert max(r["d_fake"] for r in held) < 1e-3
    minimax, d_fake = g_grad_norm(model, "minimax", z)
    non_saturating, _ = g_grad_norm(model, "non-saturating", z)
    with torch.no_grad():
        moved = (model.G(z) - stuck_at).norm(dim=1).mean().item()
    at_switch = model.evaluate()
    print(f"step {SATURATED_BY}: |grad G| minimax {minimax_early:.2e}, non-saturating {non_saturating_early:.2e}; "
          f"step {HOLD_STEPS}: D(G(z)) {float(d_fake.mean()):.1e}, minimax {minimax:.2e}, "
          f"non-saturating {non_saturating:.2e}; samples moved {moved:.4f}; {at_switch}")
    assert minimax_early < 1e-2 * non_saturating_early and minimax < 1e-3 * non_saturating
    assert max(r["grad_norm_g"] for r in held) < 1e-2 * min(non_saturating_early, non_saturating)
    radius = model.data.info.means.norm(dim=1).mean().item()  # how far G's blob at the centre is from the modes
    assert moved < 0.05 * radius  # in 2,700 steps G's samples crept less than 5% of the way
    assert at_switch["modes"] == 0  # stuck in a blob, off the ring

    # The student switches G's loss, as the lesson's button does: G's gradient comes back, and G learns.
    model.apply_setting("loss", "non-saturating")
    trainer.run(max_steps=HOLD_STEPS + LEARN_STEPS)
    after = rows[HOLD_STEPS:]
    learned = model.evaluate()
    first = ", ".join(f"{r['grad_norm_g']:.2g}" for r in after[:3])
    print(f"after the switch: |grad G| in the first steps {first}; {learned}")
    assert after[0]["grad_norm_g"] > 1e3 * rows[HOLD_STEPS - 1]["grad_norm_g"]
    assert np.mean([r["d_fake"] for r in after[-100:]]) > 0.1  # D no longer rejects G's samples
    assert learned["modes"] >= 6  # most of ring8's 8 modes, not one
    assert learned["sliced_wasserstein"] < 0.25 * at_switch["sliced_wasserstein"]
