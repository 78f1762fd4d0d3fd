"""RealNVP's bits/dim on 8-bit images counts every step of the pre-processing (README, "Bits per dimension"):
the dequantisation's 1/256 scaling, the logit transform's log-det and the Gaussian prior on its output.

With the flow's body replaced by the identity, the model is the pre-processing alone, so its figure
can be worked out by hand: per pixel at level k, with y = (k + u) / 256 and y' = alpha + (1 - 2 alpha) y,

    -log p = 1/2 w^2 + 1/2 log 2 pi  -  log(1 - 2 alpha) + log y' + log(1 - y')  +  log 256,  w = logit y',

and bits/dim is its mean over pixels divided by log 2.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from core.build import build_model
from core.presets import build_config

ALPHA = 0.05
LEVELS = (0, 1, 64, 128, 254, 255)
IMAGES_PER_LEVEL = 40
SIDE = 8


class IdentityBody(nn.Module):
    """z = w, log|det| = 0: the flow's body does nothing."""

    def forward(self, w):
        return w.flatten(1), w.new_zeros(len(w))

    def inverse(self, z):
        return z.reshape(-1, 1, SIDE, SIDE)


def identity_flow(tmp_path, dequantize: bool):
    """A RealNVP image model whose test set holds IMAGES_PER_LEVEL flat images at each level, body = identity."""
    test = np.repeat(np.array(LEVELS, np.uint8), IMAGES_PER_LEVEL)[:, None, None, None] * np.ones(
        (1, 1, SIDE, SIDE), np.uint8)
    path = tmp_path / "flat.npz"
    np.savez(path, x_train=test[:8], x_test=test)
    cfg = build_config("realnvp", "array", overrides={
        "data.path": str(path), "train.device": "cpu", "realnvp.scales": 1, "realnvp.channels": 4,
        "realnvp.blocks": 1, "realnvp.logit_alpha": ALPHA, "realnvp.dequantize": dequantize})
    model = build_model(cfg)
    model.flow.body = IdentityBody()
    return model


def per_pixel_nll(level: int, u: np.ndarray) -> np.ndarray:
    """-log p of a pixel at `level` dequantised by u, in nats, by the formula in the module docstring."""
    y = (level + u) / 256
    squeezed = ALPHA + (1 - 2 * ALPHA) * y
    w = np.log(squeezed) - np.log1p(-squeezed)
    return (0.5 * w**2 + 0.5 * math.log(2 * math.pi) - math.log(1 - 2 * ALPHA)
            + np.log(squeezed) + np.log1p(-squeezed) + math.log(256))


def test_identity_flow_without_noise_gives_the_closed_form(tmp_path):
    """dequantize off: every pixel sits at the centre of its bin, u = 1/2, and the figure is exact."""
    bits = identity_flow(tmp_path, dequantize=False).evaluate()["bits_per_dim"]
    expected = np.mean([per_pixel_nll(k, np.float64(0.5)) for k in LEVELS]) / math.log(2)
    assert bits == pytest.approx(expected, rel=1e-5)


def test_identity_flow_on_uniformly_dequantized_data_gives_the_analytic_value(tmp_path):
    """dequantize on: u ~ U[0, 1) per pixel, so the figure is an average over the noise; its expectation
    is the integral over u of the formula (a fine midpoint rule), and the measured figure lies within
    4 standard errors of it (the spread of the formula over u, over the 15,360 noisy pixels)."""
    bits = identity_flow(tmp_path, dequantize=True).evaluate()["bits_per_dim"]
    u = (np.arange(100_000) + 0.5) / 100_000
    values = [per_pixel_nll(k, u) / math.log(2) for k in LEVELS]
    expected = np.mean([v.mean() for v in values])
    pixels_per_level = IMAGES_PER_LEVEL * SIDE * SIDE
    stderr = math.sqrt(sum(v.var() for v in values) * pixels_per_level) / (pixels_per_level * len(LEVELS))
    assert abs(bits - expected) < 4 * stderr
    # the change of variables is in the figure: without the logit's log-det it would be this far off
    logit_log_det = np.mean([np.mean(-math.log(1 - 2 * ALPHA) + np.log(s) + np.log1p(-s)) for s in
                             (ALPHA + (1 - 2 * ALPHA) * (k + u) / 256 for k in LEVELS)]) / math.log(2)
    assert abs(logit_log_det) > 100 * stderr


def test_the_training_metric_is_the_same_bits_per_dim(tmp_path):
    """The figure the window plots while training is the same quantity (one batch, the same formula)."""
    model = identity_flow(tmp_path, dequantize=False)
    x = model.data.test_images[:IMAGES_PER_LEVEL]  # all at level 0
    nll = model.nll_terms(x)[0]
    assert float(model.bits_per_dim(nll.mean())) == pytest.approx(
        float(per_pixel_nll(LEVELS[0], np.float64(0.5))) / math.log(2), rel=1e-5)
    assert torch.isfinite(nll).all()
