"""The digit classifier: trained on the real bundled MNIST, cached, reloaded, and robust to a broken cache.

One real training run (about 20 s on one thread) is shared by the whole file.
"""

from __future__ import annotations

import json
import logging
import shutil

import numpy as np
import platformdirs
import pytest
import torch
from safetensors.torch import save_file

import core.classifier as clf
from core.config import ConfigError
from core.coverage import classifier_score
from core.images import MNIST_DIR, load_idx_folder


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the test machine's cores are shared; a second OpenMP thread spins and stalls
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """(cache root, classifier, progress calls) after one real training run into a fresh cache."""
    root = tmp_path_factory.mktemp("cache")
    calls = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(clf.CACHE_ENV, str(root))
        model = clf.load_or_train_classifier("mnist", "cpu", progress=lambda f, m: calls.append((f, m)))
    return root, model, calls


@pytest.fixture
def cache_copy(trained, tmp_path, monkeypatch):
    """A private copy of the trained cache, so a test may break it."""
    root = tmp_path / "cache"
    shutil.copytree(trained[0], root)
    monkeypatch.setenv(clf.CACHE_ENV, str(root))
    return root


def mnist_test_set():
    _, _, test_x, test_y = load_idx_folder(MNIST_DIR)
    return torch.from_numpy(test_x.astype(np.float32) / 255), torch.from_numpy(test_y)


def test_trained_classifier_is_accurate_and_confident_on_real_mnist(trained):
    _, model, _ = trained
    images, labels = mnist_test_set()
    probs = model.probabilities(images)
    assert probs.shape == (10_000, 10)
    torch.testing.assert_close(probs.sum(dim=1), torch.ones(10_000), atol=1e-5, rtol=0)
    accuracy = float((probs.argmax(dim=1) == labels).float().mean())
    score = classifier_score(probs)
    assert accuracy >= 0.985
    assert score >= 9.5
    # The figures stored beside the weights are the ones measured here.
    assert model.test_accuracy == pytest.approx(accuracy, abs=1e-6)
    assert model.reference_score == pytest.approx(score, rel=1e-6)


def test_training_reports_progress_from_zero_to_one(trained):
    _, _, calls = trained
    fractions = [f for f, _ in calls]
    assert len(calls) >= 10 and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert all(isinstance(m, str) and m for _, m in calls)


def test_cache_holds_safetensors_and_a_json_description(trained):
    root, model, _ = trained
    weights, info_path = root / "classifiers" / "mnist.safetensors", root / "classifiers" / "mnist.json"
    assert weights.read_bytes()[8:9] == b"{"  # a safetensors header, not a pickle
    info = json.loads(info_path.read_text())
    assert info["dataset"] == "mnist" and info["architecture_version"] == clf.ARCHITECTURE_VERSION
    assert info["test_accuracy"] == model.test_accuracy and info["reference_score"] == model.reference_score
    assert len(info["data_md5"]) == 32 and len(info["weights_md5"]) == 32
    assert not [p.name for p in root.rglob("*.tmp")]  # atomic writes leave no temp files


def test_second_call_loads_from_the_cache_without_training(trained, cache_copy, monkeypatch):
    _, first, _ = trained
    calls = []
    monkeypatch.setattr(clf, "train_classifier", lambda *a, **k: pytest.fail("trained again"))
    again = clf.load_or_train_classifier("mnist", "cpu", progress=lambda f, m: calls.append(f))
    assert calls == []
    assert not again.training and not any(p.requires_grad for p in again.parameters())
    images = mnist_test_set()[0][:300]
    torch.testing.assert_close(again.probabilities(images), first.probabilities(images))
    assert clf.reference_score("mnist", "cpu") == first.reference_score


def test_load_classifier_is_none_for_an_empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(clf.CACHE_ENV, str(tmp_path))
    assert clf.load_classifier("mnist", "cpu") is None
    assert not (tmp_path / "classifiers").exists()  # looking never trains or writes


def _set_info(root, **changes):
    path = root / "classifiers" / "mnist.json"
    info = json.loads(path.read_text())
    info.update(changes)
    path.write_text(json.dumps(info))


def _md5(path):
    import hashlib

    return hashlib.md5(path.read_bytes()).hexdigest()


def truncate_weights(root):
    path = root / "classifiers" / "mnist.safetensors"
    path.write_bytes(path.read_bytes()[:500])
    return "does not match"


def garbage_weights_described(root):
    # A file whose MD5 the JSON vouches for but that safetensors cannot parse.
    path = root / "classifiers" / "mnist.safetensors"
    path.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all" + bytes(64))
    _set_info(root, weights_md5=_md5(path))
    return "not a readable safetensors file"


def wrong_tensors_described(root):
    path = root / "classifiers" / "mnist.safetensors"
    save_file({"net.0.weight": torch.zeros(3, 3)}, str(path))
    _set_info(root, weights_md5=_md5(path))
    return "other tensors"


def broken_json(root):
    (root / "classifiers" / "mnist.json").write_text("{ half a file")
    return "not valid JSON"


def old_architecture(root):
    _set_info(root, architecture_version=clf.ARCHITECTURE_VERSION - 1)
    return "architecture version"


def other_data(root):
    _set_info(root, data_md5="0" * 32)
    return "other data"


BREAKAGES = [truncate_weights, garbage_weights_described, wrong_tensors_described, broken_json, old_architecture,
             other_data]


@pytest.mark.parametrize("breakage", BREAKAGES, ids=lambda f: f.__name__)
def test_a_broken_or_stale_cache_is_ignored_and_retrained(trained, cache_copy, breakage, monkeypatch, caplog):
    _, good, _ = trained
    reason = breakage(cache_copy)
    with caplog.at_level(logging.WARNING, logger="core.classifier"):
        assert clf.load_classifier("mnist", "cpu") is None
    assert reason in caplog.text
    assert "Traceback" not in caplog.text

    # load_or_train_classifier retrains (stood in for by the good model: the real training is tested above)
    # and writes a cache entry that loads again.
    retrained = []

    def fake_train(dataset, device, progress=None, kind=clf.PROJECT):
        retrained.append(dataset)
        progress(1.0, "done")
        fresh = clf.DigitClassifier({k: v for k, v in good.info.items() if k != "weights_md5"})
        fresh.load_state_dict(good.state_dict())
        return clf._ready(fresh, torch.device(device))

    monkeypatch.setattr(clf, "train_classifier", fake_train)
    calls = []
    model = clf.load_or_train_classifier("mnist", "cpu", progress=lambda f, m: calls.append(f))
    assert retrained == ["mnist"] and calls == [1.0]
    reloaded = clf.load_classifier("mnist", "cpu")
    assert reloaded is not None and reloaded.info == model.info
    images = mnist_test_set()[0][:50]
    torch.testing.assert_close(reloaded.probabilities(images), good.probabilities(images))


def test_training_is_deterministic_and_leaves_the_global_rng_alone():
    rng_before = torch.random.get_rng_state()
    a = clf.train_classifier("mnist", "cpu", max_steps=6)
    assert torch.equal(torch.random.get_rng_state(), rng_before)
    b = clf.train_classifier("mnist", "cpu", max_steps=6)
    for (name, ta), tb in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert torch.equal(ta, tb), name
    assert a.info["steps"] == 6


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode])
def test_training_works_when_called_without_autograd(mode):
    # A model's evaluate() runs under no_grad and may be the first to need the classifier.
    with mode():
        model = clf.train_classifier("mnist", "cpu", max_steps=3)
    assert model.info["steps"] == 3 and not model.training


def test_probabilities_batch_internally_and_check_the_shape(trained):
    _, model, _ = trained
    images = mnist_test_set()[0][:23]
    torch.testing.assert_close(model.probabilities(images, batch_size=5), model.probabilities(images))
    assert model.probabilities(images.numpy()).shape == (23, 10)
    with pytest.raises(ConfigError, match=r"\(N, 1, 28, 28\)"):
        model.probabilities(torch.zeros(4, 3, 28, 28))


def test_unknown_and_missing_data_sets_are_clear_errors(tmp_path, monkeypatch):
    monkeypatch.setenv(clf.CACHE_ENV, str(tmp_path))
    with pytest.raises(ConfigError, match="allowed: mnist, fashion-mnist"):
        clf.load_classifier("cifar10", "cpu")
    # Fashion-MNIST not downloaded: nothing to load, and training says why it cannot start.
    monkeypatch.setattr(platformdirs, "user_cache_dir", lambda *a, **k: str(tmp_path / "user-cache"))
    assert clf.load_classifier("fashion-mnist", "cpu") is None
    with pytest.raises(ConfigError, match="Fashion-MNIST files"):
        clf.load_or_train_classifier("fashion-mnist", "cpu")
