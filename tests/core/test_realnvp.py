"""RealNVP: exact inverses, log-determinants that match autograd, densities that integrate to 1,
learning on moons, exact checkpoint resume, and the metrics `eval` prints."""

from __future__ import annotations

import json
from argparse import Namespace

import numpy as np
import pytest
import torch

from core.build import build_model
from core.checkpoint import load_run, save_run, trainer_from_run
from core.commands import evaluate as eval_command
from core.config import DataConfig, RunConfig, TrainConfig
from core.models.flows import ActNorm, AffineCoupling, FlowBatchNorm, channel_mask, checkerboard_mask, resnet_st
from core.models.realnvp import DENSITY_RES, ImageFlow, RealNVP, jacobian_gap, plane_flow
from core.models.realnvp_config import RealNVPConfig
from core.presets import build_config
from core.trainer import Trainer

torch.set_num_threads(1)


def randomise(module: torch.nn.Module, seed: int = 0, size: float = 0.3) -> torch.nn.Module:
    """Move every weight away from its (identity) initialisation, so tests see a non-trivial map."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(size * torch.randn(p.shape, generator=g))
        for name, buf in module.named_buffers():
            if name.endswith("running_mean"):
                buf.copy_(0.5 * torch.randn(buf.shape, generator=g))
            elif name.endswith("running_var"):
                buf.copy_(0.5 + torch.rand(buf.shape, generator=g))
            elif name.endswith("initialized"):
                buf.fill_(1)
    return module.eval()


def autograd_log_abs_det(fn, x: torch.Tensor) -> torch.Tensor:
    """log|det df/dx| for each example from the full autograd Jacobian of fn on the batch."""
    flat_in = x.flatten(1)
    n, d = flat_in.shape
    jac = torch.autograd.functional.jacobian(lambda v: fn(v.reshape(x.shape))[0].flatten(1), flat_in)
    idx = torch.arange(n)
    return torch.linalg.slogdet(jac[idx, :, idx, :])[1]


# -- 2-D flow: inverse and log-det ---------------------------------------------------------------------

@pytest.mark.parametrize("norm", ["none", "actnorm", "batchnorm"])
def test_plane_flow_inverts_exactly(norm):
    flow = randomise(plane_flow(2, RealNVPConfig(couplings=6, hidden=32, norm=norm)), size=0.2)
    x = 2 * torch.randn(1000, 2, generator=torch.Generator().manual_seed(1))
    z, _ = flow(x)
    assert (z - x).abs().max() > 0.1  # the map is far from the identity
    assert torch.allclose(flow.inverse(z), x, atol=1e-4)
    assert torch.allclose(flow(flow.inverse(x))[0], x, atol=1e-4)


@pytest.mark.parametrize("scale_fn", ["tanh", "none"])
def test_single_coupling_log_det_matches_autograd(scale_fn):
    p = RealNVPConfig(couplings=1, hidden=16, scale_fn=scale_fn, norm="none")
    layer = randomise(plane_flow(2, p)).layers[0]
    assert isinstance(layer, AffineCoupling)
    x = torch.randn(8, 2, dtype=torch.float64)
    layer.double()
    z, log_det = layer(x)
    assert torch.equal(z[:, 0], x[:, 0])  # z_{1:d} = x_{1:d}
    assert torch.allclose(log_det, autograd_log_abs_det(layer, x), atol=1e-10)


@pytest.mark.parametrize("layer", [ActNorm(2), FlowBatchNorm(2)], ids=["actnorm", "batchnorm"])
def test_norm_layer_log_det_matches_autograd(layer):
    layer = randomise(layer).double()
    x = torch.randn(8, 2, dtype=torch.float64)
    assert torch.allclose(layer(x)[1], autograd_log_abs_det(layer, x), atol=1e-10)
    assert torch.allclose(layer.inverse(layer(x)[0]), x, atol=1e-10)


@pytest.mark.parametrize("norm", ["none", "actnorm", "batchnorm"])
def test_whole_plane_flow_log_det_matches_autograd(norm):
    flow = randomise(plane_flow(2, RealNVPConfig(couplings=5, hidden=24, norm=norm))).double()
    x = torch.randn(8, 2, dtype=torch.float64)
    assert torch.allclose(flow(x)[1], autograd_log_abs_det(flow, x), atol=1e-9)
    assert float(jacobian_gap(flow, x)) < 1e-9  # the figure the GUI shows


def test_actnorm_first_batch_initialisation_standardises():
    layer = ActNorm(2).train()
    x = torch.randn(4096, 2) * torch.tensor([3.0, 0.5]) + torch.tensor([1.0, -2.0])
    y, _ = layer(x)
    assert torch.allclose(y.mean(0), torch.zeros(2), atol=1e-4)
    assert torch.allclose(y.std(0), torch.ones(2), atol=1e-3)
    assert int(layer.initialized) == 1


# -- densities integrate to one -------------------------------------------------------------------

def grid_integral(log_prob, low=-8.0, high=8.0, res=400) -> float:
    ticks = torch.linspace(low, high, res, dtype=torch.float64)
    gx, gy = torch.meshgrid(ticks, ticks, indexing="ij")
    with torch.no_grad():
        dens = log_prob(torch.stack([gx.reshape(-1), gy.reshape(-1)], 1)).exp().reshape(res, res)
    return float(torch.trapezoid(torch.trapezoid(dens, ticks, dim=1), ticks))


@pytest.mark.parametrize("norm", ["actnorm", "batchnorm"])
def test_untrained_density_integrates_to_one(norm):
    from core.models.flows import standard_normal_log_prob

    flow = randomise(plane_flow(2, RealNVPConfig(couplings=6, hidden=32, norm=norm)), size=0.15).double()

    def log_prob(x):
        z, log_det = flow(x)
        return standard_normal_log_prob(z) + log_det

    assert grid_integral(log_prob) == pytest.approx(1.0, abs=0.01)


# -- training on moons --------------------------------------------------------------------------------

def small_plane_config(steps: int, **params) -> RunConfig:
    overrides = {"train.steps": steps, "realnvp.couplings": 6, "realnvp.hidden": 64, "data.batch_size": 256}
    overrides.update({f"realnvp.{k}": v for k, v in params.items()})
    return build_config("realnvp", "moons", overrides=overrides)


def test_nll_falls_on_moons_and_learned_density_integrates_to_one():
    model = build_model(small_plane_config(400))
    before = model.evaluate()["test_nll"]
    Trainer(model).run(max_steps=400)
    after = model.evaluate()
    assert before > 2.0
    assert after["test_nll"] < 0.9 < before - 1.0
    assert after["test_nll"] == pytest.approx(-(after["test_log_pz"] + after["test_log_det"]), abs=1e-5)
    model.eval().double()
    assert grid_integral(model.log_prob, res=800) == pytest.approx(1.0, abs=0.02)
    history = model.metric_names
    assert history[:3] == ("nll", "log_pz", "log_det")


def test_exact_resume_from_checkpoint(tmp_path):
    steps = 30
    straight = build_model(small_plane_config(2 * steps))
    Trainer(straight).run(max_steps=2 * steps)

    first = build_model(small_plane_config(2 * steps))
    trainer = Trainer(first)
    trainer.run(max_steps=steps)
    save_run(tmp_path / "run", trainer)
    resumed = trainer_from_run(load_run(tmp_path / "run"))
    resumed.run(max_steps=2 * steps)

    expected, got = straight.state_dict(), resumed.model.state_dict()
    assert expected.keys() == got.keys()
    for key in expected:
        assert torch.equal(expected[key], got[key]), key
    opt_a = straight.optimizers["main"].state_dict()["state"]
    opt_b = resumed.model.optimizers["main"].state_dict()["state"]
    for idx in opt_a:
        assert torch.equal(opt_a[idx]["exp_avg"], opt_b[idx]["exp_avg"])


def test_live_lr_and_eval_command(tmp_path, capsys):
    model = build_model(small_plane_config(5))
    model.apply_setting("lr", 5e-4)
    assert model.base_lr["main"] == 5e-4
    trainer = Trainer(model)
    trainer.run(max_steps=5)
    assert model.optimizers["main"].param_groups[0]["lr"] == pytest.approx(5e-4 * model.lr_factor(4))
    save_run(tmp_path / "run", trainer)
    assert eval_command(Namespace(run_dir=str(tmp_path / "run"), json=True, device=None)) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert {"test_nll", "test_log_pz", "test_log_det", "step"} <= set(metrics)
    assert np.isfinite(metrics["test_nll"]) and metrics["step"] == 5


def test_plane_snapshot_and_sampling():
    model = build_model(small_plane_config(10))
    Trainer(model).run(max_steps=10)
    model.eval()
    with torch.no_grad():
        snap = model.snapshot()
    n_layers = len(model.flow.layers)
    assert snap["density"].shape == snap["log_det_map"].shape == (DENSITY_RES, DENSITY_RES)
    assert snap["data"].shape == snap["forward_z"].shape == snap["inverse_samples"].shape == (512, 2)
    assert snap["inverse_grid"].shape == (22, 41, 2)
    assert snap["layers"].shape == (n_layers + 1, 512, 2)
    assert np.allclose(snap["layers"][0], snap["data"]) and np.allclose(snap["layers"][-1], snap["forward_z"])
    assert snap["jacobian_check"].shape == () and float(snap["jacobian_check"]) < 1e-3
    assert (snap["density"] >= 0).all() and np.isfinite(snap["density"]).all()
    decoder = model.decoder()
    decoder.load_state_dict({k: torch.as_tensor(v) for k, v in snap["decoder_state"].items()})
    z = torch.from_numpy(snap["forward_z"])
    assert torch.allclose(decoder(z), torch.from_numpy(snap["data"]), atol=1e-4)
    a, b = model.sample(100, seed=3), model.sample(100, seed=3)
    assert a.shape == (100, 2) and torch.equal(a, b)


# -- image flow ------------------------------------------------------------------------------------

class RandomImages:
    """Stands in for an image data set: 8-bit levels scaled to [0, 1], (N, 1, 28, 28)."""

    shape = (1, 28, 28)

    def __init__(self, device, generator):
        self.device, self.generator = device, generator
        self.test_images = self.batch(64, torch.Generator().manual_seed(5))
        self.test_labels = torch.zeros(64, dtype=torch.long)

    def batch(self, n, generator=None):
        levels = torch.randint(0, 256, (n, *self.shape), generator=generator or self.generator)
        return levels.float() / 255


def small_image_params(**kw) -> RealNVPConfig:
    return RealNVPConfig(**{"channels": 8, "blocks": 1, "scales": 2, **kw})


@pytest.mark.parametrize("norm,scales", [("none", 1), ("actnorm", 2), ("batchnorm", 3)])
def test_image_flow_inverts_exactly(norm, scales):
    flow = randomise(ImageFlow((1, 28, 28), small_image_params(norm=norm, scales=scales)), size=0.05)
    y = torch.rand(4, 1, 28, 28) * 0.98 + 0.01
    z, log_det = flow(y)
    assert z.shape == (4, 784) and log_det.shape == (4,)
    assert torch.allclose(flow.inverse(z), y, atol=1e-4)


@pytest.mark.parametrize("make_mask", [checkerboard_mask, channel_mask])
def test_image_coupling_log_det_matches_autograd(make_mask):
    mask = make_mask(2, 4, 4, 1)
    layer = randomise(AffineCoupling(mask, resnet_st(2, 4, 1)), size=0.2).double()
    x = torch.randn(3, 2, 4, 4, dtype=torch.float64)
    z, log_det = layer(x)
    assert torch.equal(z * mask, x * mask)  # the kept half passes through
    assert torch.allclose(log_det, autograd_log_abs_det(layer, x), atol=1e-9)


def test_image_model_trains_samples_and_evaluates():
    cfg = RunConfig(model="realnvp", data=DataConfig(dataset="mnist", batch_size=8),
                    train=TrainConfig(steps=3), params=small_image_params())
    gen = torch.Generator().manual_seed(0)
    model = RealNVP(cfg, RandomImages(torch.device("cpu"), gen), torch.device("cpu"),
                    torch.Generator().manual_seed(1))
    assert "bits_per_dim" in model.metric_names
    first = model.training_step(0)
    assert all(v.dim() == 0 for v in first.values())
    assert torch.isclose(first["bits_per_dim"], first["nll"] / (784 * np.log(2)))
    # Uniform noise on 8-bit levels: a fresh flow is far worse than 8 bits/dim, and must not be NaN.
    assert torch.isfinite(first["nll"])
    result = model.evaluate()
    assert set(result) >= {"bits_per_dim", "test_nll"} and np.isfinite(result["bits_per_dim"])
    samples = model.sample(5, seed=2)
    assert samples.shape == (5, 1, 28, 28) and samples.min() >= 0 and samples.max() <= 1
    model.eval()
    with torch.no_grad():
        snap = model.snapshot()
    assert snap["samples"].shape == (3, 16, 1, 28, 28) and snap["temperatures"].shape == (3,)


def test_flow_on_bundled_mnist_takes_steps():
    cfg = build_config("realnvp", "mnist", "quick-images", {"train.steps": 2, "data.batch_size": 4})
    model = build_model(cfg)
    assert model.latent_dim == 784 and model.image_shape == (1, 28, 28)
    Trainer(model).run(max_steps=2)
    x = model.data.batch(4)
    model.eval()
    with torch.no_grad():
        y = model._dequantize(x, torch.Generator().manual_seed(0))
        z, _ = model(y)
        assert torch.allclose(model.inverse(z), y, atol=1e-4)
        assert torch.equal(torch.floor(y * 256), torch.round(x * 255))  # the noise stays inside each level's bin


def test_image_sides_must_suit_the_scales():
    from core.config import ConfigError

    with pytest.raises(ConfigError, match="divisible by 8"):
        ImageFlow((1, 28, 28), small_image_params(scales=4))
