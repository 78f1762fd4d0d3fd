"""data.binarize = dynamic: binarised MNIST as the likelihood literature uses it (Burda et al., IWAE).

Training images are a fresh Bernoulli draw each time they are used (so each epoch sees a new one);
the test set is one fixed draw from a fixed seed, the same on every call.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.build import build_data, build_model
from core.config import ConfigError
from core.device import make_generator
from core.images import ImageData
from core.presets import build_config


def grey_data(binarize: str, seed: int = 0) -> ImageData:
    """One training image of mid-grey pixels (so every draw is a coin toss per pixel), and a test set."""
    rng = np.random.default_rng(5)
    train = np.full((1, 1, 8, 8), 128, np.uint8)
    test = rng.integers(0, 256, (6, 1, 8, 8), dtype=np.uint8)
    return ImageData("array", train, np.zeros(1, np.int64), test, np.zeros(6, np.int64), torch.device("cpu"),
                     make_generator(torch.device("cpu"), seed), binarize=binarize)


def test_training_batches_are_a_fresh_draw_every_epoch():
    data = grey_data("dynamic")
    epochs = [data.batch(1) for _ in range(4)]  # a one-image set: each batch is a new epoch of the same image
    assert data.epoch == 4
    for i in range(len(epochs)):
        for j in range(i):
            assert not torch.equal(epochs[i], epochs[j]), f"epochs {j} and {i} drew the same pixels"
    assert all(set(e.unique().tolist()) == {0.0, 1.0} for e in epochs)


def test_without_binarize_every_epoch_sees_the_same_grey_image():
    data = grey_data("none")
    first, second = data.batch(1), data.batch(1)
    assert torch.equal(first, second)
    assert torch.equal(first.unique(), torch.tensor([128.0]) / 255)


def test_the_test_set_is_one_fixed_draw_the_same_on_every_call():
    a, b = grey_data("dynamic", seed=0), grey_data("dynamic", seed=99)  # other training seeds: same test set
    assert torch.equal(a.test_images, b.test_images)
    assert set(a.test_images.unique().tolist()) == {0.0, 1.0}
    grey = grey_data("none").test_images
    assert ((a.test_images == 1) <= (grey > 0)).all() and ((a.test_images == 0) <= (grey < 1)).all()


def test_binarized_mnist_every_value_is_0_or_1_and_the_test_set_is_fixed():
    cfg = build_config("vae", "mnist", overrides={"data.binarize": "dynamic", "train.device": "cpu"})
    data, again = build_data(cfg, torch.device("cpu")), build_data(cfg, torch.device("cpu"))
    assert torch.equal(data.test_images, again.test_images)
    batches = [data.batch(512), data.batch(512, torch.Generator().manual_seed(1)), data.test_images]
    for x in batches:
        assert ((x == 0) | (x == 1)).all()


def test_the_binarized_vae_preset_trains_on_binarized_data():
    cfg = build_config("vae", "mnist", "binarized", {"train.device": "cpu", "data.batch_size": 8,
                                                     "vae.channels": 4, "vae.hidden": 16})
    assert cfg.data.binarize == "dynamic" and cfg.params.likelihood == "bernoulli"
    model = build_model(cfg)
    assert ((model.test_x == 0) | (model.test_x == 1)).all()
    metrics = model.training_step(0)
    assert torch.isfinite(metrics["loss"])


def test_binarize_needs_image_data():
    cfg = build_config("vae", "moons", overrides={"data.binarize": "dynamic", "train.device": "cpu"})
    with pytest.raises(ConfigError, match="needs an image data set"):
        build_data(cfg, torch.device("cpu"))
