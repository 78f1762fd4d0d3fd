"""The IWAE bound on -log p(x) (Burda et al. 2016) that `eval` reports as iwae_nll with its k:
k = 1 is the ELBO, and the bound never loosens as k grows."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Normal

import main
from core.build import build_model
from core.models.vae import gaussian_kl, iwae_bound
from core.presets import build_config

# A tiny VAE on binarised MNIST: the Bernoulli likelihood is then exact, as in the literature.
SMALL = {"vae.hidden": 16, "vae.latent_dim": 4, "vae.iwae_k": 4, "data.binarize": "dynamic",
         "data.batch_size": 64, "train.device": "cpu"}
BATCH = 32


@pytest.fixture(scope="module")
def model():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the test machine's cores are shared
    vae = build_model(build_config("vae", "mnist", overrides=SMALL))
    for step in range(1, 31):  # past its start, so q(z|x) is not the prior
        vae.training_step(step)
    vae.eval()
    vae.test_x = vae.test_target = vae.test_x[:2000]  # eval's whole-test-set pass, on a fifth of it (speed)
    yield vae
    torch.set_num_threads(before)


def batch_and_noise(model, draws: int, seed: int = 0):
    x = model.test_x[:BATCH]
    eps = torch.randn(draws, BATCH, model.latent_dim, generator=torch.Generator().manual_seed(seed))
    return x, eps


@torch.no_grad()
def hand_elbo_terms(model, x, eps):
    """(log p(x|z), log p(z), log q(z|x)) at z = mu + sigma eps, from torch.distributions, not the model's maths."""
    mu, logvar = model.enc(x)
    q = Normal(mu, torch.exp(0.5 * logvar))
    z = mu + q.scale * eps
    log_px_z = -F.binary_cross_entropy_with_logits(model.dec.raw(z), x, reduction="none").flatten(1).sum(1)
    return log_px_z, Normal(0.0, 1.0).log_prob(z).sum(1), q.log_prob(z).sum(1)


@torch.no_grad()
def test_k_1_is_the_elbo_on_the_same_draw(model):
    x, eps = batch_and_noise(model, 1)
    nll_1 = iwae_bound(model.iwae_log_weights(x, x, eps), 1)
    log_px_z, log_pz, log_qz = hand_elbo_terms(model, x, eps[0])
    elbo = log_px_z + log_pz - log_qz  # the one-sample ELBO, E_q[log p(x, z) - log q(z|x)] at this z
    torch.testing.assert_close(nll_1, -elbo.double(), rtol=1e-6, atol=1e-4)


@torch.no_grad()
def test_k_1_averages_to_the_elbo_with_its_analytic_kl(model):
    """Over many draws, the mean of -L_1 is recon + KL(q || p) with the KL in closed form: the two
    differ at each draw only by log q(z|x) - log p(z) - KL, whose mean is 0 (within 4 standard errors)."""
    draws = 2000
    x, eps = batch_and_noise(model, draws, seed=1)
    nll_1 = torch.stack([iwae_bound(model.iwae_log_weights(x, x, e[None]), 1) for e in eps])  # (draws, B)
    mu, logvar = model.enc(x)
    recon = torch.stack([-hand_elbo_terms(model, x, e)[0] for e in eps]).double()
    gap = nll_1 - recon - gaussian_kl(mu, logvar).sum(1).double()
    stderr = gap.std(0) / draws ** 0.5
    assert (gap.mean(0).abs() < 4 * stderr).all()


@torch.no_grad()
def test_the_bound_never_loosens_as_k_grows_on_the_same_draws(model):
    x, eps = batch_and_noise(model, 64, seed=2)
    log_w = model.iwae_log_weights(x, x, eps)
    bounds = [iwae_bound(log_w, k) for k in (1, 2, 4, 8, 16, 32, 64)]
    for looser, tighter in zip(bounds, bounds[1:], strict=False):
        assert (tighter <= looser + 1e-9).all()
    assert (bounds[-1] < bounds[0]).all()  # and it does tighten: q(z|x) is not the posterior


@torch.no_grad()
def test_the_test_set_bound_tightens_from_k_1_to_k_64(model):
    """The test set, as eval computes it, with fresh draws for each k: the mean over 2,000 examples
    of -L_64 lies below that of -L_1."""
    loose, tight = float(model.iwae_nll(1)), float(model.iwae_nll(64))
    assert tight < loose
    assert float(model.iwae_nll(1)) == loose  # fixed draws: the same figure on every call


def test_k_must_divide_the_draws():
    with pytest.raises(ValueError, match="must divide"):
        iwae_bound(torch.zeros(6, 2), 4)


def test_eval_iwae_k_chooses_k(tmp_path, capsys):
    run_dir = str(tmp_path / "run")
    sets = [a for key, value in SMALL.items() for a in ("--set", f"{key}={value}")]
    assert main.run(["train", "--model", "vae", "--dataset", "mnist", "--steps", "5", *sets, "--out", run_dir]) == 0
    capsys.readouterr()
    assert main.run(["eval", run_dir, "--json", "--iwae-k", "2"]) == 0
    with_2 = json.loads(capsys.readouterr().out)
    assert main.run(["eval", run_dir, "--json"]) == 0
    with_4 = json.loads(capsys.readouterr().out)
    assert with_2["k"] == 2 and with_4["k"] == 4  # 4: the run's own vae.iwae_k
    assert with_2["iwae_nll"] != with_4["iwae_nll"]
    assert main.run(["eval", run_dir, "--iwae-k", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--iwae-k 0" in err and "1 to 5000" in err


def test_eval_iwae_k_is_refused_for_other_models(tmp_path, capsys):
    run_dir = str(tmp_path / "run")
    assert main.run(["train", "--model", "gan", "--dataset", "ring8", "--steps", "2", "--set", "gan.hidden=8",
                     "--device", "cpu", "--out", run_dir]) == 0
    capsys.readouterr()
    assert main.run(["eval", run_dir, "--iwae-k", "8"]) == 2
    assert "applies to VAE runs" in capsys.readouterr().err
