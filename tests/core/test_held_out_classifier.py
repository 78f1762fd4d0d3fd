"""The held-out classifier that scores image GANs in `eval`: another network and seed than the project's
own (which the window shows while training), cached beside it, never used in training, and named in
eval's output next to the project's score.

The classifiers here are trained for a few dozen steps only: these tests check the mechanics, not the
accuracy (tests/core/test_classifier.py trains the project's classifier fully)."""

from __future__ import annotations

import pytest
import torch

import core.classifier as clf
from core.build import build_model
from core.coverage import classifier_score
from core.presets import build_config

STEPS = 40
TINY_GAN = {"gan.channels": 4, "gan.latent_dim": 8, "data.batch_size": 16, "gan.ema": 0.0, "train.device": "cpu"}


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A cache holding both mnist classifiers, each trained for STEPS steps."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the test machine's cores are shared
    root = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(clf.CACHE_ENV, str(root))
        for kind in clf.KINDS:
            clf.save_classifier(clf.train_classifier("mnist", "cpu", max_steps=STEPS, kind=kind))
    yield root
    torch.set_num_threads(before)


@pytest.fixture
def use_cache(cache, monkeypatch):
    monkeypatch.setenv(clf.CACHE_ENV, str(cache))
    return cache


def test_held_out_is_another_network_from_another_seed():
    project, held_out = clf.DigitClassifier(), clf.HeldOutClassifier()
    shapes = {k: tuple(v.shape) for k, v in project.state_dict().items()}
    other = {k: tuple(v.shape) for k, v in held_out.state_dict().items()}
    assert shapes != other
    assert clf.HeldOutClassifier.SEED != clf.DigitClassifier.SEED
    assert clf.HELD_OUT != clf.PROJECT


def test_each_kind_is_cached_under_its_own_name_and_loads_as_itself(use_cache):
    project_paths, held_paths = clf.cache_paths("mnist"), clf.cache_paths("mnist", clf.HELD_OUT)
    assert set(project_paths).isdisjoint(held_paths)
    assert all(p.is_file() for p in (*project_paths, *held_paths))
    held = clf.load_classifier("mnist", "cpu", clf.HELD_OUT)
    project = clf.load_classifier("mnist", "cpu")
    assert type(held) is clf.HeldOutClassifier and type(project) is clf.DigitClassifier
    assert held.info["classifier"] == clf.HELD_OUT and held.info["seed"] == clf.HeldOutClassifier.SEED


def test_a_held_out_entry_is_never_read_as_the_project_classifier(tmp_path, use_cache, monkeypatch):
    """Copied over the project's file names, the held-out entry is refused (it names itself)."""
    root = tmp_path / "swapped"
    (root / "classifiers").mkdir(parents=True)
    for src, dst in zip(clf.cache_paths("mnist", clf.HELD_OUT), clf.cache_paths("mnist"), strict=True):
        (root / "classifiers" / dst.name).write_bytes(src.read_bytes())
    monkeypatch.setenv(clf.CACHE_ENV, str(root))
    assert clf.load_classifier("mnist", "cpu") is None


def test_gan_eval_reports_both_scores_by_name_and_trains_without_the_held_out_one(use_cache, monkeypatch):
    loaded = []
    real_load = clf.load_classifier
    monkeypatch.setattr(clf, "load_classifier", lambda dataset, device, kind=clf.PROJECT: (
        loaded.append(kind), real_load(dataset, device, kind))[1])
    model = build_model(build_config("gan", "mnist", overrides=TINY_GAN))
    model.prepare()
    for step in range(3):
        model.training_step(step)
    with torch.no_grad():
        model.eval()
        model.snapshot()
        model.train()
    assert clf.HELD_OUT not in loaded  # no part in training or in what the window shows

    judged = []  # (classifier class, images, probabilities) of every call during evaluate
    real_probabilities = clf.DigitClassifier.probabilities

    def recording(self, images, *args, **kwargs):
        probs = real_probabilities(self, images, *args, **kwargs)
        judged.append((type(self), images, probs))
        return probs

    monkeypatch.setattr(clf.DigitClassifier, "probabilities", recording)
    model.prepare_evaluation()
    metrics = model.evaluate()
    assert clf.HELD_OUT in loaded
    held = real_load("mnist", "cpu", clf.HELD_OUT)
    assert metrics["classifier"] == clf.PROJECT and metrics["held_out_classifier"] == clf.HELD_OUT
    assert metrics["held_out_reference_score"] == held.reference_score
    assert metrics["held_out_score_ratio"] == pytest.approx(metrics["held_out_score"] / held.reference_score)
    assert metrics["score_ratio"] == pytest.approx(metrics["mnist_score"] / metrics["reference_score"])
    assert sum(metrics["held_out_class_fractions"]) == pytest.approx(1.0)
    # both judge the same 10,000 samples, each score is its own classifier's
    (_, project_images, project_probs), = [j for j in judged if j[0] is clf.DigitClassifier]
    (_, held_images, held_probs), = [j for j in judged if j[0] is clf.HeldOutClassifier]
    assert len(held_images) == 10_000 and torch.equal(held_images, project_images)
    assert metrics["held_out_score"] == pytest.approx(classifier_score(held_probs))
    assert metrics["mnist_score"] == pytest.approx(classifier_score(project_probs))
