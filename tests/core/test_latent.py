"""Latent interpolation and the GUI's CPU copy of the decoder."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.build import build_model
from core.latent import LatentDecoder, interpolate, lerp, slerp
from core.presets import build_config
from core.trainer import Trainer

torch.set_num_threads(1)

RNG = np.random.default_rng(0)
Z0 = RNG.normal(size=5).astype(np.float32)
Z1 = RNG.normal(size=5).astype(np.float32)
T = np.linspace(0, 1, 9)


def test_lerp_end_points_and_midpoint():
    out = lerp(Z0, Z1, T)
    assert out.shape == (9, 5) and out.dtype == np.float32
    np.testing.assert_allclose(out[0], Z0, rtol=1e-6)
    np.testing.assert_allclose(out[-1], Z1, rtol=1e-6)
    np.testing.assert_allclose(out[4], (Z0 + Z1) / 2, rtol=1e-6)


def test_slerp_end_points():
    out = slerp(Z0, Z1, T)
    assert out.shape == (9, 5) and out.dtype == np.float32
    np.testing.assert_allclose(out[0], Z0, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out[-1], Z1, rtol=1e-5, atol=1e-6)


def test_slerp_keeps_the_norm_when_the_ends_share_it():
    z1 = Z1 / np.linalg.norm(Z1) * np.linalg.norm(Z0)
    out = slerp(Z0, z1, T)
    norms = np.linalg.norm(out, axis=1)
    np.testing.assert_allclose(norms, np.linalg.norm(Z0), rtol=1e-5)
    # lerp cuts the corner: its midpoint is shorter.
    assert np.linalg.norm(lerp(Z0, z1, T)[4]) < 0.99 * np.linalg.norm(Z0)
    # and slerp moves at constant angular speed
    cos = [np.dot(out[i], out[i + 1]) / np.linalg.norm(out[i]) ** 2 for i in range(8)]
    np.testing.assert_allclose(cos, cos[0], rtol=1e-5)


def test_slerp_of_parallel_vectors_is_lerp():
    out = slerp(Z0, 2.5 * Z0, T)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, lerp(Z0, 2.5 * Z0, T), rtol=1e-6)
    np.testing.assert_allclose(slerp(Z0, Z0, T), np.repeat(Z0[None], 9, 0), rtol=1e-6)


def test_interpolate_modes():
    np.testing.assert_allclose(interpolate(Z0, Z1, 9, "lerp"), lerp(Z0, Z1, T))
    np.testing.assert_allclose(interpolate(Z0, Z1, 9), slerp(Z0, Z1, T))


def test_latent_decoder_matches_the_generator_after_load():
    cfg = build_config("gan", "ring8", overrides={"gan.hidden": 16, "data.batch_size": 64,
                                                  "train.device": "cpu", "gan.lr_g": 1e-2})
    model = build_model(cfg)
    decoder = LatentDecoder(model.decoder())
    trainer = Trainer(model)
    trainer.run(max_steps=10)  # the generator moves on; the copy does not
    z = np.random.default_rng(1).normal(size=(32, cfg.params.latent_dim)).astype(np.float32)
    with torch.no_grad():
        expected = model.G(torch.from_numpy(z)).numpy()
    assert not np.allclose(decoder.decode(z), expected)  # stale until loaded

    with torch.no_grad():
        model.eval()
        snapshot = model.snapshot()
    decoder.load(snapshot["decoder_state"])
    out = decoder.decode(z)
    assert out.dtype == np.float32 and out.shape == (32, 2)
    np.testing.assert_array_equal(out, expected)
    single = decoder.decode(z[3])
    assert single.shape == (2,)
    np.testing.assert_allclose(single, expected[3], rtol=1e-6, atol=1e-7)
    # The copy is independent of the model: training on does not change it.
    trainer.run(max_steps=15)
    np.testing.assert_array_equal(decoder.decode(z), out)
    assert all(not p.requires_grad for p in decoder.net.parameters())


@pytest.mark.parametrize("shape", [(2,), (4, 2)])
def test_latent_decoder_shapes(shape):
    net = torch.nn.Linear(2, 3)
    dec = LatentDecoder(net)
    assert dec.decode(np.zeros(shape, np.float32)).shape == shape[:-1] + (3,)
