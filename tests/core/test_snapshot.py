"""core.snapshot: a main-view refresh replaces only its own arrays, and says which are new."""

import numpy as np
import pytest
import torch

from core.build import build_model
from core.presets import build_config
from core.snapshot import Snapshot


def test_a_refresh_replaces_its_arrays_keeps_the_others_and_says_which_are_new():
    full = Snapshot(10, {"density": np.zeros(3), "layers": np.ones(2), "step": 99})
    assert full.is_full and full["step"] == 10 and set(full) == {"step", "density", "layers"}
    quick = full.refreshed(12, {"density": np.full(3, 2.0)})
    assert quick["step"] == 12 and not quick.is_full
    assert np.array_equal(quick["density"], np.full(3, 2.0))
    assert quick["layers"] is full["layers"]  # kept, not recomputed
    assert quick.fresh(("density",)) and not quick.fresh(("layers",)) and not quick.fresh()
    assert quick.serial_of(("density", "layers")) == quick.serial > full.serial
    assert quick.serial_of() == full.serial == quick.serial_of(("layers",))  # no names: the last full one
    assert np.array_equal(full["density"], np.zeros(3))  # the older snapshot is unchanged
    later = quick.refreshed(13, {"density": np.full(3, 3.0)})
    assert later.serial_of(("density",)) != quick.serial_of(("density",)) and later.serial_of() == full.serial


@pytest.mark.parametrize("model, dataset, main", [("realnvp", "moons", {"density", "inverse_samples"}),
                                                  ("vae", "mnist", {"latent_mu", "kl_per_dim"})])
def test_a_main_view_snapshot_equals_the_full_snapshots_arrays(model, dataset, main):
    torch.manual_seed(0)
    net = build_model(build_config(model, dataset))
    for step in range(1, 4):  # trained a little, so the views are not the initial ones
        net.training_step(step)
    keys = net.main_view_keys()
    assert set(keys) >= main
    net.eval()
    with torch.no_grad():
        full, quick = net.snapshot(), net.main_view_snapshot()
    assert set(quick) == set(keys) and len(keys) < len(full)
    for key in keys:
        assert quick[key].shape == full[key].shape
        assert np.allclose(quick[key], full[key], rtol=1e-5, atol=1e-6), key


def test_an_image_flow_has_no_quick_main_view():
    model = build_model(build_config("realnvp", "mnist", "quick-images", {"realnvp.blocks": 1, "realnvp.channels": 8}))
    assert model.main_view_keys() == ()
