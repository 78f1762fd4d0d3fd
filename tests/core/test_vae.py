"""The VAE: its KL and ELBO maths, learning on MNIST and 2-D data, exact resume, views and eval."""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pytest
import torch

import main
from core.build import build_model
from core.checkpoint import load_run, save_run, trainer_from_run
from core.config import ConfigError
from core.models.vae import gaussian_kl
from core.presets import build_config
from core.trainer import Trainer

SMALL = {"vae.hidden": 32, "vae.latent_dim": 4, "vae.iwae_k": 4}


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the test machine's cores are shared
    yield
    torch.set_num_threads(before)


def small_model(dataset="mnist", **overrides):
    return build_model(build_config("vae", dataset, overrides={**SMALL, **overrides}))


def test_analytic_kl_matches_monte_carlo():
    g = torch.Generator().manual_seed(0)
    mu = torch.randn(3, 5, generator=g)
    logvar = torch.randn(3, 5, generator=g)
    std = torch.exp(0.5 * logvar)
    z = mu + std * torch.randn(400_000, 3, 5, generator=g)
    normal = torch.distributions.Normal
    mc = (normal(mu, std).log_prob(z) - normal(0.0, 1.0).log_prob(z)).mean(0)
    torch.testing.assert_close(gaussian_kl(mu, logvar), mc, atol=0.02, rtol=0.01)


def test_batch_elbo_equals_the_formula_by_hand():
    model = small_model()
    x = model.data.test_images[:8]
    recon, kl = model.elbo_terms(x, x, torch.Generator().manual_seed(5))
    with torch.no_grad():
        mu, logvar = model.enc.net(x.flatten(1)).chunk(2, 1)
        z = mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=torch.Generator().manual_seed(5))
        p = torch.sigmoid(model.dec.body(z)).clamp(1e-7, 1 - 1e-7)
        xf = x.flatten(1)
        recon_hand = -(xf * p.log() + (1 - xf) * (1 - p).log()).sum(1)
        kl_hand = -0.5 * (1 + logvar - mu**2 - logvar.exp()).sum(1)
    torch.testing.assert_close(recon.detach(), recon_hand, rtol=1e-4, atol=1e-3)
    torch.testing.assert_close(kl.detach(), kl_hand, rtol=1e-5, atol=1e-5)


def test_gaussian_elbo_on_2d_points_by_hand():
    model = small_model("ring8", **{"vae.likelihood": "gaussian-fixed", "vae.sigma": 0.3})
    x = model.data.batch(6, torch.Generator().manual_seed(1))
    recon, kl = model.elbo_terms(x, x, torch.Generator().manual_seed(2))
    with torch.no_grad():
        mu, logvar = model.enc(x)
        z = mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=torch.Generator().manual_seed(2))
        mean = model.dec(z)
        recon_hand = (((x - mean) / 0.3) ** 2 / 2 + math.log(0.3) + 0.5 * math.log(2 * math.pi)).sum(1)
    torch.testing.assert_close(recon.detach(), recon_hand, rtol=1e-5, atol=1e-5)
    assert kl.shape == (6,) and (kl >= 0).all()


def test_loss_falls_on_mnist_within_a_few_hundred_steps():
    model = build_model(build_config("vae", "mnist", "pytorch-example", {"vae.test_every": 0}))
    losses = [model.training_step(step)["loss"] for step in range(250)]
    first, last = torch.stack(losses[:10]).mean(), torch.stack(losses[-20:]).mean()
    assert first > 400 and last < 165, (first, last)  # 543 nats at the start, ~150 after 250 steps


def test_2d_defaults_learn_ring8():
    cfg = build_config("vae", "ring8")
    assert cfg.params.likelihood.startswith("gaussian") and cfg.params.latent_dim == 2
    model = build_model(cfg.with_overrides({"vae.test_every": 100}))
    rows = [model.training_step(step) for step in range(300)]
    assert float(rows[-1]["test_loss"]) < float(rows[0]["test_loss"]) - 1.0
    assert model.sample(100).shape == (100, 2)


def test_bad_combinations_are_config_errors():
    with pytest.raises(ConfigError, match="needs image data"):
        small_model("moons", **{"vae.encoder": "conv"})
    with pytest.raises(ConfigError, match="needs pixels in"):
        small_model("moons", **{"vae.likelihood": "bernoulli"})


def run_steps(trainer: Trainer, until: int) -> None:
    trainer.run(max_steps=until)


@pytest.mark.parametrize("overrides", [
    {"vae.likelihood": "bernoulli-binarized", "vae.test_every": 7},  # MNIST, with binarisation noise
])
def test_exact_resume_on_mnist(tmp_path, overrides):
    cfg = build_config("vae", "mnist", overrides={**SMALL, **overrides, "data.batch_size": 64})
    k = 12
    straight = Trainer(build_model(cfg))
    run_steps(straight, 2 * k)

    first = Trainer(build_model(cfg))
    run_steps(first, k)
    save_run(tmp_path / "run", first)
    resumed = trainer_from_run(load_run(tmp_path / "run"))
    run_steps(resumed, 2 * k)

    want, got = straight.model.state_dict(), resumed.model.state_dict()
    assert want.keys() == got.keys()
    for key in want:
        assert torch.equal(want[key], got[key]), key
    np.testing.assert_array_equal(straight.history.last, resumed.history.last)
    assert torch.equal(straight.model.data.get_state(), resumed.model.data.get_state())


def test_exact_resume_across_epochs_with_conv(tmp_path):
    """A tiny array set so the resume point and the end lie in different epochs."""
    x = (np.random.default_rng(0).random((44, 8, 8)) * 255).astype(np.uint8)  # 40 train, 4 test
    np.save(tmp_path / "tiny.npy", x)
    cfg = build_config("vae", "array", overrides={
        **SMALL, "data.path": str(tmp_path / "tiny.npy"), "data.batch_size": 16,
        "vae.encoder": "conv", "vae.decoder": "conv", "vae.channels": 4, "vae.test_every": 5})
    straight = Trainer(build_model(cfg))
    run_steps(straight, 14)  # 3 steps (16, 16, 8) per epoch: the run ends 2 steps into epoch 4
    first = Trainer(build_model(cfg))
    run_steps(first, 7)
    save_run(tmp_path / "run", first)
    resumed = trainer_from_run(load_run(tmp_path / "run"))
    run_steps(resumed, 14)
    for key, value in straight.model.state_dict().items():
        assert torch.equal(value, resumed.model.state_dict()[key]), key
    assert straight.model.data.get_state()[:2].tolist() == [32, 4]


def test_image_snapshot_and_decoder_copy():
    model = small_model(**{"vae.latent_dim": 2})
    model.eval()
    with torch.no_grad():
        snap = model.snapshot()
    assert snap["recon_inputs"].shape == snap["recon_outputs"].shape == (16, 1, 28, 28)
    assert snap["samples"].shape == (16, 1, 28, 28) and 0 <= snap["samples"].min() and snap["samples"].max() <= 1
    assert snap["kl_per_dim"].shape == (2,)
    assert snap["latent_mu"].shape == (2000, 2) and snap["latent_labels"].shape == (2000,)
    assert snap["manifold"].shape == (15, 15, 1, 28, 28)
    # The GUI's own CPU copy of the decoder, loaded with decoder_state, decodes as the model does.
    gui_decoder = copy.deepcopy(model.decoder()).cpu()
    gui_decoder.load_state_dict({k: torch.from_numpy(v) for k, v in snap["decoder_state"].items()})
    z = torch.randn(3, 2)
    with torch.no_grad():
        torch.testing.assert_close(gui_decoder(z), model.decoder()(z))
        mu = model.encode_mean(model.data.test_images[:5])
    assert mu.shape == (5, 2)
    np.testing.assert_allclose(mu.numpy(), snap["latent_mu"][:5], rtol=1e-5, atol=1e-6)


def test_plane_snapshot():
    model = small_model("ring8", **{"vae.latent_dim": 2})
    with torch.no_grad():
        snap = model.snapshot()
    assert snap["data"].shape == snap["recon"].shape == (512, 2)
    assert snap["samples"].shape == (512, 2) and snap["grid_lines"].shape == (22, 41, 2)
    assert set(np.unique(snap["latent_labels"])) <= set(range(8))


def test_live_settings_change_the_optimiser_and_beta():
    model = small_model()
    model.apply_setting("lr", 5e-4)
    model.apply_lr(0)
    assert model.optimizers["main"].param_groups[0]["lr"] == 5e-4
    model.apply_setting("beta", 0.0)
    assert model.params.beta == 0.0
    with pytest.raises(ConfigError):
        model.apply_setting("beta", -1)


def test_iwae_bound_is_at_least_as_tight_as_the_elbo():
    model = small_model()
    for step in range(30):
        model.training_step(step)
    with torch.no_grad():
        elbo_nll = float(model._test_pass()[0])
        assert float(model.iwae_nll(1)) == pytest.approx(elbo_nll, abs=1.0)
        assert float(model.iwae_nll(16)) < elbo_nll


def test_cli_train_eval_sample(tmp_path, capsys):
    run_dir = str(tmp_path / "run")
    sets = [a for key, value in SMALL.items() for a in ("--set", f"{key}={value}")]
    assert main.run(["train", "--model", "vae", "--dataset", "mnist", "--steps", "20", *sets, "--out", run_dir]) == 0
    capsys.readouterr()
    assert main.run(["eval", run_dir, "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert {"test_loss", "test_recon", "test_kl", "iwae_nll", "k"} <= set(metrics)
    assert metrics["k"] == 4
    assert metrics["test_loss"] == pytest.approx(metrics["test_recon"] + metrics["test_kl"], rel=1e-5)
    assert main.run(["sample", run_dir, "--n", "7", "--out", str(tmp_path / "s.npy")]) == 0
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == (7, 1, 28, 28) and samples.dtype == np.float32
    assert samples.min() >= 0 and samples.max() <= 1


def test_presets_pick_the_right_defaults():
    example = build_config("vae", "mnist", "pytorch-example").params
    assert (example.hidden, example.depth, example.latent_dim, example.activation) == (400, 1, 20, "relu")
    assert (example.lr, example.reduction, example.lr_schedule, example.likelihood) == (1e-3, "sum", "constant",
                                                                                         "bernoulli")
    assert build_config("vae", "mnist", "pytorch-example").data.batch_size == 128
    for dataset in ("mnist", "fashion-mnist", "images", "array"):
        assert build_config("vae", dataset).params.likelihood == "bernoulli"
    for dataset in ("ring8", "moons", "csv"):
        params = build_config("vae", dataset).params
        assert params.likelihood == "gaussian-learned" and params.latent_dim == 2
