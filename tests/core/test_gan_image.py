"""The image GAN: network shapes and ranges, the training step, snapshots, checkpoints, sampling, config errors."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import torch

import core.classifier
import main
from core.build import build_model
from core.checkpoint import load_run, save_run, trainer_from_run
from core.config import ConfigError
from core.coverage import coverage_report
from core.models.gan_base import GANBase
from core.models.gan_image import GRID_IMAGES, HIST_EVERY, HIST_IMAGES, VIEW_IMAGES, ImageGAN
from core.presets import build_config
from core.trainer import Trainer, TrainerCallbacks

torch.set_num_threads(1)

SMALL = {"gan.channels": 8, "gan.hidden": 32, "gan.depth": 2, "gan.latent_dim": 8, "data.batch_size": 16,
         "train.device": "cpu", "train.seed": 5}
METRICS = ("loss_d", "loss_g", "d_real", "d_fake", "grad_norm_g", "grad_norm_d")


@pytest.fixture(autouse=True)
def no_cached_classifier(monkeypatch):
    """Tests see no classifier unless they provide one, whatever this machine has cached."""
    monkeypatch.setattr(ImageGAN, "_cached_classifier", lambda self: None)
    monkeypatch.setattr(ImageGAN, "_classifier_applies", lambda self: False)


class FakeClassifier:
    """Stands in for the digit classifier: the class is the brightest of ten fixed image regions."""

    def __init__(self):
        self.calls = 0
        self.masks = torch.randperm(28 * 28, generator=torch.Generator().manual_seed(0))[:780].reshape(10, 78)

    def probabilities(self, images):
        self.calls += 1
        flat = torch.as_tensor(images).flatten(1)
        sums = torch.stack([flat[:, m].sum(1) for m in self.masks], 1)
        return torch.softmax(20 * sums, 1)


@pytest.fixture
def fake_classifier(monkeypatch):
    fake = FakeClassifier()
    monkeypatch.setattr(ImageGAN, "_cached_classifier", lambda self: fake)
    monkeypatch.setattr(ImageGAN, "_classifier_applies", lambda self: True)
    monkeypatch.setattr(core.classifier, "reference_score", lambda dataset, device: 9.5)
    held_out = FakeClassifier()  # eval's held-out judge (tests/core/test_held_out_classifier.py has the real one)
    held_out.reference_score = 8.0
    monkeypatch.setattr(ImageGAN, "_held_out_classifier", lambda self, progress=None: held_out)
    return fake


def small_gan(dataset="mnist", preset=None, **overrides):
    return build_model(build_config("gan", dataset, preset, {**SMALL, **overrides}))


def write_array(tmp_path, side: int, n: int = 40) -> str:
    x = (np.random.default_rng(0).random((n, side, side)) * 255).astype(np.uint8)
    path = tmp_path / f"tiny{side}.npy"
    np.save(path, x)
    return str(path)


@pytest.mark.parametrize("arch", ["dcgan", "mlp"])
def test_networks_map_latents_to_images_in_range_and_images_to_one_logit(arch):
    model = small_gan(**{"gan.arch": arch, "gan.spectral_norm": True})
    assert isinstance(model, ImageGAN) and isinstance(model, GANBase)
    z = torch.randn(5, 8) * 10  # far out, so the tanh saturates: the output must still lie in [0, 1]
    x = model.G(z).detach()
    assert x.shape == (5, 1, 28, 28)
    assert float(x.min()) >= 0 and float(x.max()) <= 1
    assert model.D(x).shape == (5,)
    assert model.D(model.data.batch(7)).shape == (7,)
    assert model.metric_names == METRICS


def test_pacgan_packs_images_along_channels():
    model = small_gan(**{"gan.pack": 2}).eval()  # eval: spectral norm's power iteration stays put
    x = model.data.batch(16)
    assert model.D(x).shape == (8,)
    assert model.D.pointwise(x).shape == (16,)
    # Pack (a, b) is judged on the two images side by side in the channel axis.
    expected = model.D.net(torch.cat([x[2:3], x[3:4]], 1)).reshape(-1)
    torch.testing.assert_close(model.D(x)[1:2], expected)


def test_pointwise_judges_each_example_in_a_pack_with_others_not_with_copies_of_itself():
    model = small_gan(**{"gan.pack": 4}).eval()
    x, real = model.data.batch(5), model.data.batch(4)

    def pack_of(first, others, i):  # example i, then the next three of `others`, cyclically
        return torch.cat([first[i:i + 1]] + [others[(i + k) % len(others)][None] for k in (1, 2, 3)], 1)

    with torch.no_grad():
        own, among_real = model.D.pointwise(x), model.D.pointwise(x, real)
        for i in range(5):
            torch.testing.assert_close(own[i:i + 1], model.D.net(pack_of(x, x, i)).reshape(-1))
            torch.testing.assert_close(among_real[i:i + 1], model.D.net(pack_of(x, real, i)).reshape(-1))
        copies = model.D.net(x.repeat(1, 4, 1, 1)).reshape(-1)
    assert not torch.allclose(own, copies)


@pytest.mark.parametrize("loss", ["minimax", "non-saturating", "wgan-gp", "hinge"])
def test_training_step_returns_every_metric_as_a_finite_0d_tensor(loss):
    model = small_gan(**{"gan.loss": loss, "gan.d_steps": 2, "gan.r1_gamma": 1.0 if loss == "hinge" else 0.0})
    before = [p.detach().clone() for p in model.G.parameters()]
    metrics = model.training_step(0)
    assert tuple(metrics) == METRICS
    for name, value in metrics.items():
        assert torch.is_tensor(value) and value.dim() == 0 and torch.isfinite(value), name
    assert any(not torch.equal(a, b) for a, b in zip(before, model.G.parameters(), strict=True))
    if loss in ("minimax", "non-saturating"):
        assert 0 < float(metrics["d_real"]) < 1 and 0 < float(metrics["d_fake"]) < 1


def test_ema_generator_follows_g_and_carries_its_batch_norm_statistics():
    model = small_gan(**{"gan.ema": 0.9, "gan.g_norm": "batch"})
    start = [p.detach().clone() for p in model.G_ema.parameters()]
    model.training_step(0)
    for e, g, s in zip(model.G_ema.parameters(), model.G.parameters(), start, strict=True):
        torch.testing.assert_close(e, 0.9 * s + 0.1 * g)  # lerp by 1 - decay
    for e, g in zip(model.G_ema.buffers(), model.G.buffers(), strict=True):
        assert torch.equal(e, g)
    assert model.decoder() is model.G_ema is model.sampling_generator()
    assert small_gan(**{"gan.ema": 0.0}).decoder() is not None


def test_snapshot_without_a_classifier():
    model = small_gan(**{"gan.loss": "non-saturating"})
    Trainer(model).run(max_steps=3)
    model.eval()
    with torch.no_grad():
        snap = model.snapshot()
    assert snap["kind"] == "image"
    assert snap["samples"].shape == (GRID_IMAGES, 1, 28, 28) and snap["samples"].dtype == np.float32
    assert 0 <= snap["samples"].min() and snap["samples"].max() <= 1
    for key in ("d_real_values", "d_fake_values"):
        assert snap[key].shape == (VIEW_IMAGES,) and snap[key].dtype == np.float32
        assert ((snap[key] > 0) & (snap[key] < 1)).all()  # sigmoid outputs for a SPEC loss
    assert snap["d_is_probability"].dtype == bool and bool(snap["d_is_probability"])
    assert not {"class_fractions", "mnist_score", "kl_to_uniform"} & set(snap)
    # The samples come from the fixed z: the same weights give the same grid.
    with torch.no_grad():
        again = model.snapshot()
    np.testing.assert_array_equal(snap["samples"], again["samples"])
    # The GUI's own copy of the decoder, loaded with decoder_state, draws what the model draws.
    gui_decoder = copy.deepcopy(model.decoder()).cpu().eval()
    gui_decoder.load_state_dict({k: torch.from_numpy(v) for k, v in snap["decoder_state"].items()})
    with torch.no_grad():
        np.testing.assert_allclose(gui_decoder(model.fixed_z[:GRID_IMAGES]).numpy(), snap["samples"], atol=1e-6)


def test_snapshot_with_a_classifier_reports_coverage_and_refreshes_it_every_few_snapshots(fake_classifier):
    model = small_gan(**{"gan.ema": 0.9})
    Trainer(model).run(max_steps=2)
    model.eval()
    with torch.no_grad():
        snap = model.snapshot()
        expected = coverage_report(fake_classifier.probabilities(model.G_ema(model.hist_z)))
    assert model.hist_z.shape == (HIST_IMAGES, 8)
    assert snap["class_fractions"].shape == (10,) and snap["class_fractions"].dtype == np.float32
    np.testing.assert_allclose(snap["class_fractions"], expected["class_fractions"], rtol=1e-6)
    assert snap["class_fractions"].sum() == pytest.approx(1.0)
    for key in ("mnist_score", "kl_to_uniform"):
        assert snap[key].shape == () and snap[key].dtype == np.float32
        assert float(snap[key]) == pytest.approx(expected[key], rel=1e-6)
    calls = fake_classifier.calls
    with torch.no_grad():
        later = [model.snapshot() for _ in range(HIST_EVERY)]
    assert fake_classifier.calls == calls + 1  # the cached histogram is reused in between
    assert all("class_fractions" in s for s in later)


def test_prepare_trains_the_classifier_once_through_the_trainer(monkeypatch):
    fake, calls = FakeClassifier(), []

    def load_or_train(dataset, device, progress=None):
        calls.append(dataset)
        progress(0.5, "training the mnist classifier")
        return fake

    monkeypatch.setattr(ImageGAN, "_classifier_applies", lambda self: True)
    monkeypatch.setattr(core.classifier, "load_or_train_classifier", load_or_train)
    events = []

    class Recorder(TrainerCallbacks):
        def on_event(self, trainer, kind, message):
            events.append((kind, message))

    model = small_gan()
    assert model.classifier is None
    trainer = Trainer(model, callbacks=Recorder())
    trainer.run(max_steps=1)
    trainer.run(max_steps=2)
    assert calls == ["mnist"] and model.classifier is fake
    assert ("status", "training the mnist classifier (50%)") in events


def test_evaluate_reports_coverage_score_and_reference(fake_classifier):
    model = small_gan()
    result = model.evaluate()
    assert result["samples"] == 10_000
    assert set(result) >= {"class_fractions", "classes_present", "min_class_fraction", "kl_to_uniform",
                           "mnist_score", "reference_score", "sliced_wasserstein"}
    assert len(result["class_fractions"]) == 10 and sum(result["class_fractions"]) == pytest.approx(1.0)
    assert result["min_class_fraction"] == pytest.approx(min(result["class_fractions"]))
    assert result["reference_score"] == 9.5
    assert 1.0 <= result["mnist_score"] <= 10.0
    assert result["classifier"] == "genviz-cnn" and result["held_out_classifier"] == "held-out-cnn"
    assert result["held_out_score"] == pytest.approx(result["mnist_score"])  # the stand-ins judge alike
    assert result["held_out_score_ratio"] == pytest.approx(result["held_out_score"] / 8.0)
    json.dumps(result)  # plain Python values, ready for eval --json


def test_snapshot_d_values_are_raw_scores_for_hinge():
    model = small_gan(**{"gan.loss": "hinge"})
    model.eval()
    with torch.no_grad():
        snap = model.snapshot()
        raw = model.D.pointwise(model.view_real).numpy()
    assert not bool(snap["d_is_probability"])
    np.testing.assert_allclose(snap["d_real_values"], raw, rtol=1e-6, atol=1e-6)


def test_sample_shape_range_and_seed():
    model = small_gan()
    a, b = model.sample(6, seed=1), model.sample(6, seed=1)
    assert a.shape == (6, 1, 28, 28) and torch.equal(a, b)
    assert not torch.equal(a, model.sample(6, seed=2))
    assert float(a.min()) >= 0 and float(a.max()) <= 1


@pytest.mark.parametrize("arch", ["dcgan", "mlp"])
def test_exact_resume(tmp_path, arch):
    overrides = {"gan.arch": arch, "gan.ema": 0.99, "gan.d_steps": 2}
    straight = Trainer(small_gan(**overrides))
    straight.run(max_steps=10)
    first = Trainer(small_gan(**overrides))
    first.run(max_steps=5)
    save_run(tmp_path / "run", first)
    torch.manual_seed(12345)  # disturb the global stream: the checkpoint must restore it
    resumed = trainer_from_run(load_run(tmp_path / "run"))
    assert isinstance(resumed.model, ImageGAN) and resumed.step == 5
    resumed.run(max_steps=10)
    want, got = straight.model.state_dict(), resumed.model.state_dict()
    assert want.keys() == got.keys()
    for key in want:
        assert torch.equal(want[key], got[key]), key
    np.testing.assert_array_equal(straight.history.last, resumed.history.last)


def test_a_non_multiple_of_four_needs_the_mlp(tmp_path):
    path = write_array(tmp_path, 30)
    with pytest.raises(ConfigError, match=r"gan.arch = dcgan .*divisible by 4.*30x30"):
        small_gan("array", **{"data.path": path, "gan.arch": "dcgan"})
    model = small_gan("array", **{"data.path": path, "gan.arch": "mlp"})
    assert model.sample(3).shape == (3, 1, 30, 30)
    assert small_gan("array", **{"data.path": write_array(tmp_path, 12), "gan.arch": "dcgan"}).sample(2).shape == (
        2, 1, 12, 12)


def test_colour_images_keep_their_channels(tmp_path):
    x = (np.random.default_rng(1).random((40, 16, 16, 3)) * 255).astype(np.uint8)  # N x H x W x C
    np.save(tmp_path / "rgb.npy", x)
    for arch in ("dcgan", "mlp"):
        model = small_gan("array", **{"data.path": str(tmp_path / "rgb.npy"), "gan.arch": arch})
        metrics = model.training_step(0)
        assert torch.isfinite(metrics["loss_d"])
        samples = model.sample(3)
        assert samples.shape == (3, 3, 16, 16) and float(samples.min()) >= 0 and float(samples.max()) <= 1


def test_dcgan_on_points_is_a_config_error():
    with pytest.raises(ConfigError, match=r"gan.arch = 'dcgan' needs image data.*mlp"):
        build_model(build_config("gan", "ring8", overrides={"gan.arch": "dcgan", "train.device": "cpu"}))
    with pytest.raises(ConfigError, match="gan.arch"):
        build_config("gan", "mnist", overrides={"gan.arch": "resnet"})


def test_batch_must_be_a_multiple_of_the_pack():
    with pytest.raises(ConfigError, match="multiple of gan.pack"):
        small_gan(**{"gan.pack": 3})


def test_presets_give_images_a_dcgan_and_leave_points_alone():
    image = build_config("gan", "mnist").params
    assert (image.arch, image.latent_dim) == ("dcgan", 64)
    points = build_config("gan", "ring8").params
    assert (points.arch, points.latent_dim) == ("mlp", 2)
    for dataset in ("mnist", "fashion-mnist", "images", "array"):
        assert build_config("gan", dataset).params.arch == "dcgan"
    mlp = build_config("gan", "mnist", "mlp").params
    assert mlp.arch == "mlp" and mlp.hidden == 512
    assert build_config("gan", "ring8", "mlp").params.hidden == build_config("gan", "ring8").params.hidden
    # The vanishing-gradient lesson: the minimax loss everywhere. Images: a strong D, no spectral norm.
    # Points: G's Adam with a large eps holds the saturated state (tests/core/test_gan_vanishing.py).
    vg = build_config("gan", "mnist", "vanishing-gradient").params
    assert (vg.loss, vg.d_steps, vg.spectral_norm) == ("minimax", 5, False) and vg.lr_d > vg.lr_g
    vg = build_config("gan", "ring8", "vanishing-gradient").params
    assert (vg.loss, vg.eps_g, vg.pack) == ("minimax", 0.01, 4)
    assert build_config("gan", "ring8").params.eps_g == 1e-8  # only the lesson changes Adam's eps
    # --set still wins over every preset layer.
    assert build_config("gan", "mnist", "vanishing-gradient", {"gan.spectral_norm": True}).params.spectral_norm


def test_cli_train_eval_sample(tmp_path, capsys):
    run_dir = str(tmp_path / "run")
    sets = [a for key, value in SMALL.items() for a in ("--set", f"{key}={value}")]
    assert main.run(["train", "--model", "gan", "--dataset", "mnist", "--steps", "6", *sets, "--out", run_dir]) == 0
    capsys.readouterr()
    assert main.run(["eval", run_dir, "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["model"] == "gan" and metrics["step"] == 6 and metrics["samples"] == 10_000
    assert metrics["mnist_score"] is None and "score_unavailable" in metrics
    assert metrics["sliced_wasserstein"] > 0
    assert main.run(["sample", run_dir, "--n", "7", "--out", str(tmp_path / "s.npy")]) == 0
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == (7, 1, 28, 28) and samples.dtype == np.float32
    assert samples.min() >= 0 and samples.max() <= 1
