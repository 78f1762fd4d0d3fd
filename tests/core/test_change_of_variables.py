"""The change-of-variables lesson on a 2-D RealNVP trained a little: the area of f(small square) over
the square's area (shoelace formula on f of its boundary) equals |det ∂f/∂x| = exp(Σ s) (with any
normalisation's log-scales) at the square's centre within 1%; f⁻¹(f(x)) = x to float rounding."""

from __future__ import annotations

import math

import pytest
import torch

from core.build import build_model
from core.models.realnvp import change_of_variables_at, polygon_area, square_boundary
from core.presets import build_config
from core.trainer import Trainer

TRAIN_STEPS = 200  # moons: enough for a map far from the identity (|det| from ~1 to ~12 over the data)


@pytest.fixture(scope="module")
def trained():
    torch.set_num_threads(1)
    model = build_model(build_config("realnvp", "moons", overrides={"train.device": "cpu", "train.seed": 0}))
    Trainer(model).run(max_steps=TRAIN_STEPS)
    model.eval()
    return model


def test_shoelace_area_of_known_shapes():
    assert polygon_area(square_boundary((3.0, -1.0), 0.5, 16)) == pytest.approx(1.0, rel=1e-12)
    triangle = torch.tensor([[0.0, 0.0], [4.0, 0.0], [0.0, 3.0]])
    assert polygon_area(triangle) == pytest.approx(6.0)
    assert polygon_area(triangle.flip(0)) == pytest.approx(6.0)  # either orientation


def test_area_ratio_agrees_with_exp_sum_s_within_one_percent(trained):
    points = trained.view_data[:40]
    dets = torch.exp(trained.log_det_at(points))
    assert float(dets.max() / dets.min()) > 3  # trained: the flow stretches different places differently
    for point, det in zip(points.tolist(), dets.tolist(), strict=True):
        ratio = trained.area_ratio(point)
        assert ratio == pytest.approx(det, rel=0.01), point


def test_the_log_det_is_the_couplings_sum_of_s_plus_the_normalisations(trained):
    point = trained.view_data[:1]
    lesson = change_of_variables_at(trained.flow, point[0].tolist())
    with torch.no_grad():
        _, log_det = trained.flow(point)
    assert lesson["log_det"] == pytest.approx(float(log_det[0]), abs=1e-5)
    s_sum = 0.0
    with torch.no_grad():  # Σ_j s_j of each coupling, from its own s network
        x = point
        for layer in trained.flow.layers:
            if hasattr(layer, "s_and_t"):
                s, _ = layer.s_and_t(x * layer.mask)
                s_sum += float(s.sum())
            x, _ = layer(x)
    assert lesson["coupling_log_det"] == pytest.approx(s_sum, abs=1e-5)
    assert lesson["area_ratio"] == pytest.approx(math.exp(lesson["log_det"]), rel=0.01)


def test_the_inverse_undoes_f_to_rounding(trained):
    assert trained.reconstruction_gap() < 1e-4
