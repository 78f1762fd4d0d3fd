"""Coverage maths against its definitions, on label and probability sets with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from core.coverage import class_histogram, classifier_score, coverage_report, kl_to_uniform


def one_hot(labels, k=10) -> np.ndarray:
    return np.eye(k)[np.asarray(labels)]


def score_by_loop(probs: np.ndarray) -> float:
    """The Inception-Score formula written out term by term."""
    n, k = probs.shape
    marginal = [sum(probs[i, y] for i in range(n)) / n for y in range(k)]
    total = 0.0
    for i in range(n):
        total += sum(probs[i, y] * math.log(probs[i, y] / marginal[y]) for y in range(k) if probs[i, y] > 0)
    return math.exp(total / n)


def test_histogram_counts_labels_and_argmax_of_probabilities():
    labels = [0, 0, 1, 3, 3, 3, 9, 9]
    expected = np.array([2, 1, 0, 3, 0, 0, 0, 0, 0, 2]) / 8
    np.testing.assert_allclose(class_histogram(np.array(labels)), expected)
    # Soft probabilities whose largest entry is the label give the same counts.
    soft = 0.5 * one_hot(labels) + 0.05
    np.testing.assert_allclose(class_histogram(soft), expected)
    np.testing.assert_allclose(class_histogram(torch.tensor(soft, dtype=torch.float32)), expected)


def test_uniform_labels_have_zero_kl_and_score_ten_when_confident():
    labels = np.repeat(np.arange(10), 7)
    fractions = class_histogram(labels)
    np.testing.assert_allclose(fractions, np.full(10, 0.1))
    assert kl_to_uniform(fractions) == pytest.approx(0.0, abs=1e-12)
    assert classifier_score(one_hot(labels)) == pytest.approx(10.0)


def test_one_class_has_kl_log_ten_and_score_one():
    fractions = class_histogram(np.full(50, 4))
    assert fractions[4] == 1.0 and fractions.sum() == 1.0
    assert kl_to_uniform(fractions) == pytest.approx(math.log(10))
    assert classifier_score(one_hot(np.full(50, 4))) == pytest.approx(1.0)


def test_half_and_half_over_two_classes():
    labels = np.array([2] * 30 + [7] * 30)
    fractions = class_histogram(labels)
    # Σ p log(p K) = 2 · 0.5 · log(0.5 · 10) = log 5.
    assert kl_to_uniform(fractions) == pytest.approx(math.log(5))
    # Each one-hot sample is log 2 nats from the half/half marginal, so the score is 2.
    assert classifier_score(one_hot(labels)) == pytest.approx(2.0)


def test_identical_soft_predictions_score_one_whatever_they_are():
    row = np.random.default_rng(0).dirichlet(np.ones(10))
    assert classifier_score(np.tile(row, (40, 1))) == pytest.approx(1.0)


def test_kl_to_uniform_matches_the_sum_on_a_skewed_distribution():
    p = np.array([0.5, 0.25, 0.125, 0.125, 0, 0, 0, 0, 0, 0])
    expected = 0.5 * math.log(5) + 0.25 * math.log(2.5) + 2 * 0.125 * math.log(1.25)
    assert kl_to_uniform(p) == pytest.approx(expected)


@pytest.mark.parametrize("concentration", [0.05, 0.5, 5.0])
def test_score_matches_a_direct_loop_on_random_probabilities(concentration):
    rng = np.random.default_rng(int(concentration * 100))
    probs = rng.dirichlet(np.full(10, concentration), size=200)
    probs[:5, 3] = 0.0  # exact zeros follow 0 log 0 = 0
    probs[:5] /= probs[:5].sum(axis=1, keepdims=True)
    expected = score_by_loop(probs)
    assert classifier_score(probs) == pytest.approx(expected, rel=1e-10)
    assert classifier_score(torch.tensor(probs)) == pytest.approx(expected, rel=1e-6)
    assert 1.0 <= expected <= 10.0


def test_report_on_a_set_missing_classes():
    # 40% zeros, 40% ones, 16% twos, 4% threes (below the 5% floor), nothing else.
    labels = np.array([0] * 40 + [1] * 40 + [2] * 16 + [3] * 4)
    probs = one_hot(labels)
    report = coverage_report(probs, min_fraction=0.05)
    assert set(report) == {"class_fractions", "classes_present", "min_class_fraction", "kl_to_uniform", "mnist_score"}
    assert report["class_fractions"] == pytest.approx([0.4, 0.4, 0.16, 0.04, 0, 0, 0, 0, 0, 0])
    assert report["classes_present"] == [0, 1, 2]
    assert report["min_class_fraction"] == 0.0
    fractions = np.array(report["class_fractions"])
    assert report["kl_to_uniform"] == pytest.approx(kl_to_uniform(fractions))
    # One-hot samples: KL(p(y|x) ‖ p(y)) = -log p(y = label), so the score is exp(H(fractions)).
    entropy = -sum(f * math.log(f) for f in fractions if f > 0)
    assert report["mnist_score"] == pytest.approx(math.exp(entropy))
    assert all(type(v) is float for v in report["class_fractions"])


def test_report_on_full_coverage():
    report = coverage_report(one_hot(np.repeat(np.arange(10), 3)))
    assert report["classes_present"] == list(range(10))
    assert report["min_class_fraction"] == pytest.approx(0.1)
    assert report["kl_to_uniform"] == pytest.approx(0.0, abs=1e-12)
    assert report["mnist_score"] == pytest.approx(10.0)


@pytest.mark.parametrize("bad, message", [
    (np.ones((3, 10)), "sum to 1"),
    (np.full((2, 10), np.nan), "finite"),
    (np.zeros((0, 10)), "shaped"),
    (np.ones(10) / 10, "shaped"),
])
def test_bad_probabilities_are_refused_with_a_clear_message(bad, message):
    with pytest.raises(ValueError, match=message):
        classifier_score(bad)


def test_bad_labels_and_fractions_are_refused():
    with pytest.raises(ValueError, match="0..9"):
        class_histogram(np.array([0, 10]))
    with pytest.raises(ValueError, match="no samples"):
        class_histogram(np.array([], dtype=np.int64))
    with pytest.raises(ValueError, match="distribution"):
        kl_to_uniform([0.5, 0.6])
