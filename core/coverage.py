"""How well image samples cover the classes of a data set, judged by a classifier.

Pure functions on labels or class probabilities (NumPy arrays or torch tensors):

* class_histogram: the share of samples given to each class (argmax of the probabilities);
* kl_to_uniform: KL(p ‖ uniform) = Σ_k p_k log(p_k K), in nats; 0 when every class is
  equally common, log K when all samples fall in one class;
* classifier_score: exp(mean_i KL(p(y|x_i) ‖ p(y))) with p(y) = mean_i p(y|x_i), the
  Inception-Score formula with our own classifier. It is high (up to K) when each sample
  is confidently one class and the classes are equally common, and 1 when every sample
  gets the same class distribution.
"""

from __future__ import annotations

import math

import numpy as np

N_CLASSES = 10


def _as_array(values, dtype=np.float64) -> np.ndarray:
    if hasattr(values, "detach"):  # a torch tensor, on any device
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=dtype)


def _check_probs(probs) -> np.ndarray:
    p = _as_array(probs)
    if p.ndim != 2 or p.shape[0] == 0 or p.shape[1] < 2:
        raise ValueError(f"class probabilities must be shaped (N >= 1, K >= 2); got {p.shape}")
    if not np.isfinite(p).all() or (p < 0).any():
        raise ValueError("class probabilities must be finite and non-negative")
    worst = float(np.abs(p.sum(axis=1) - 1).max())
    if worst > 1e-3:
        raise ValueError(f"each row of class probabilities must sum to 1; one is off by {worst:.3g}")
    return p


def class_histogram(labels_or_probs, n_classes: int = N_CLASSES) -> np.ndarray:
    """The fraction of samples in each class: labels (N,) as they are, probabilities (N, K) by argmax."""
    values = _as_array(labels_or_probs)
    if values.ndim == 2:
        if values.shape[1] != n_classes:
            raise ValueError(f"probabilities have {values.shape[1]} classes, expected {n_classes}")
        labels = _check_probs(values).argmax(axis=1)
    elif values.ndim == 1:
        if len(values) and (values != np.round(values)).any():
            raise ValueError("labels must be whole numbers")
        labels = values.astype(np.int64)
    else:
        raise ValueError(f"expected labels (N,) or probabilities (N, K); got shape {values.shape}")
    if len(labels) == 0:
        raise ValueError("no samples to count")
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(f"labels must lie in 0..{n_classes - 1}; found {labels.min()}..{labels.max()}")
    return np.bincount(labels, minlength=n_classes) / len(labels)


def kl_to_uniform(fractions) -> float:
    """KL(p ‖ uniform over K classes) = Σ_k p_k log(p_k K) in nats, with 0 log 0 = 0."""
    p = _as_array(fractions)
    if p.ndim != 1 or len(p) < 2 or (p < 0).any() or abs(p.sum() - 1) > 1e-6:
        raise ValueError(f"fractions must be a distribution over K >= 2 classes; got {p.tolist()}")
    present = p[p > 0]
    return float(np.sum(present * np.log(present * len(p))))


def classifier_score(probs) -> float:
    """exp(mean_i KL(p(y|x_i) ‖ p(y))), p(y) = mean_i p(y|x_i); between 1 and K."""
    p = _check_probs(probs)
    marginal = p.mean(axis=0)
    # Terms with p(y|x_i) = 0 contribute 0 (0 log 0 = 0); where p(y|x_i) > 0, p(y) > 0 too.
    safe_p = np.where(p > 0, p, 1.0)
    safe_marginal = np.where(marginal > 0, marginal, 1.0)
    kl_per_sample = np.sum(np.where(p > 0, p * (np.log(safe_p) - np.log(safe_marginal)), 0.0), axis=1)
    return float(math.exp(kl_per_sample.mean()))


def coverage_report(probs, min_fraction: float = 0.05) -> dict:
    """The coverage figures for `eval --json`: which classes the samples show, and how evenly."""
    p = _check_probs(probs)
    if not 0 <= min_fraction <= 1:
        raise ValueError(f"min_fraction = {min_fraction} must lie in [0, 1]")
    fractions = class_histogram(p, n_classes=p.shape[1])
    return {
        "class_fractions": [float(f) for f in fractions],
        "classes_present": [int(k) for k in np.flatnonzero(fractions >= min_fraction)],
        "min_class_fraction": float(fractions.min()),
        "kl_to_uniform": kl_to_uniform(fractions),
        "mnist_score": classifier_score(p),
    }
