"""A small CNN that tells which class a 28x28 image shows, to judge image GAN samples.

genviz trains it itself on the data set's own training split the first time it is
needed (about 10-20 s of CPU time, 3 epochs), then keeps it in the user cache folder:

  <cache>/classifiers/<dataset>.safetensors   the weights (no pickle)
  <cache>/classifiers/<dataset>.json          architecture version, data set, the MD5 of the
                                               data set's arrays and of the weights file,
                                               test accuracy and the reference score

Two classifiers, by name:

* "genviz-cnn" (DigitClassifier): the project's own. The window's class histogram shows its
  judgement while a GAN trains, so a person may pick a run or a step by it.
* "held-out-cnn" (HeldOutClassifier): another architecture (3x3 convolutions with max-pooling
  and dropout) from another seed, used only by `eval`: it plays no part in training, in the
  window or in choosing a checkpoint, so a generator cannot have been tuned to please it.
  Cached as <dataset>-held-out-cnn.safetensors / .json.

<cache> is platformdirs.user_cache_dir("genviz"), or $GENVIZ_CACHE_DIR when set. A cache
entry whose architecture version, data or weights no longer match is ignored and, by
load_or_train_classifier, retrained; a broken file never surfaces as a traceback.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from core.atomic import atomic_write
from core.config import ConfigError
from core.coverage import classifier_score

log = logging.getLogger(__name__)

CLASSIFIER_DATASETS = ("mnist", "fashion-mnist")
CACHE_ENV = "GENVIZ_CACHE_DIR"
FORMAT = "genviz-classifier"
ARCHITECTURE_VERSION = 1  # bump when the network or its training changes: old cache entries then retrain
IMAGE_SHAPE = (1, 28, 28)

# Training recipe: 3 epochs of Adam with a one-cycle learning rate reach ~99.2% on MNIST.
SEED = 0
EPOCHS = 3
BATCH_SIZE = 128
PEAK_LR = 5e-3
EVAL_BATCH = 1000
PROGRESS_EVERY = 25  # steps between progress calls
TRAIN_SHARE = 0.97  # of the progress bar; testing on the test set takes the rest


# -- the networks --------------------------------------------------------------------------
class DigitClassifier(nn.Module):
    """Two strided 5x5 conv layers with batch norm, then a 64-unit hidden layer.

    Strided convolutions rather than conv + max-pool: on a CPU the pooling and its
    backward pass cost more than the convolutions here, for no gain in accuracy.
    `info` holds the cache metadata (dataset, test_accuracy, reference_score, ...).
    """

    NAME = "genviz-cnn"  # in eval's output and the held-out one's cache file names
    ARCHITECTURE_VERSION = ARCHITECTURE_VERSION
    SEED = SEED  # weights and batch order

    def __init__(self, info: dict | None = None):
        super().__init__()
        self.net = self.network()
        self.info = dict(info or {})

    @staticmethod
    def network() -> nn.Module:
        return nn.Sequential(
            nn.Conv2d(1, 16, 5, stride=2, padding=2, bias=False), nn.BatchNorm2d(16), nn.ReLU(),  # 14x14
            nn.Conv2d(16, 32, 5, stride=2, padding=2, bias=False), nn.BatchNorm2d(32), nn.ReLU(),  # 7x7
            nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 10),
        )

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    @property
    def test_accuracy(self) -> float:
        return float(self.info["test_accuracy"])

    @property
    def reference_score(self) -> float:
        return float(self.info["reference_score"])

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Logits (N, 10) of images (N, 1, 28, 28) in [0, 1]."""
        return self.net(images)

    @torch.no_grad()
    def probabilities(self, images, batch_size: int = EVAL_BATCH) -> torch.Tensor:
        """p(y | x) as a float32 (N, 10) tensor on the classifier's device.

        images: (N, 1, 28, 28) floats in [0, 1] (a tensor on any device, or an array),
        taken `batch_size` at a time so 10,000 images need little memory.
        """
        images = torch.as_tensor(images)
        if tuple(images.shape[1:]) != IMAGE_SHAPE:
            raise ConfigError(f"the classifier takes images shaped (N, 1, 28, 28); got {tuple(images.shape)}")
        was_training = self.training
        self.eval()
        try:
            out = [F.softmax(self(chunk.to(self.device, torch.float32)), dim=1)
                   for chunk in images.split(batch_size)]
        finally:
            self.train(was_training)
        return torch.cat(out) if out else torch.zeros(0, 10, device=self.device)


class HeldOutClassifier(DigitClassifier):
    """The held-out judge of `eval`: 3x3 convolutions (16 and 32 channels) each followed by 2x2
    max-pooling, no batch norm, dropout before a 128-unit hidden layer; its own seed. It shares
    no weights, layer shapes or random draws with DigitClassifier, so where the two agree on a
    generator's samples the figure is not an artefact of one network."""

    NAME = "held-out-cnn"
    ARCHITECTURE_VERSION = 1
    SEED = 1

    @staticmethod
    def network() -> nn.Module:
        return nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 14x14
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 7x7
            nn.Flatten(), nn.Dropout(0.25), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.25),
            nn.Linear(128, 10),
        )


PROJECT, HELD_OUT = DigitClassifier.NAME, HeldOutClassifier.NAME
KINDS = {PROJECT: DigitClassifier, HELD_OUT: HeldOutClassifier}


def _kind_class(kind: str) -> type[DigitClassifier]:
    if kind not in KINDS:
        raise ConfigError(f"classifier {kind!r} is unknown; allowed: {', '.join(KINDS)}")
    return KINDS[kind]


# -- data and cache locations ------------------------------------------------------------------
def _check_dataset(dataset: str) -> None:
    if dataset not in CLASSIFIER_DATASETS:
        raise ConfigError(f"no digit classifier for data set {dataset!r}; allowed: {', '.join(CLASSIFIER_DATASETS)}")


def _data_folder(dataset: str) -> Path:
    from core.images import MNIST_DIR, fashion_mnist_dir, fashion_mnist_ready

    if dataset == "mnist":
        return MNIST_DIR
    if not fashion_mnist_ready():
        raise ConfigError("the fashion-mnist classifier needs the Fashion-MNIST files, which are not downloaded yet; "
                          "train any model on fashion-mnist once to fetch them")
    return fashion_mnist_dir()


def _arrays(dataset: str) -> tuple[np.ndarray, ...]:
    """(train_x uint8 N,1,28,28, train_y, test_x, test_y) of the data set."""
    from core.images import load_idx_folder

    arrays = load_idx_folder(_data_folder(dataset))
    if tuple(arrays[0].shape[1:]) != IMAGE_SHAPE:
        raise ConfigError(f"{dataset}: images are {tuple(arrays[0].shape[1:])}, the classifier needs {IMAGE_SHAPE}")
    return arrays


def _data_md5(dataset: str) -> str:
    """MD5 of the data set's four arrays, so a changed data set (even one compressed differently) retrains."""
    folder = _data_folder(dataset)
    mtime = max((p.stat().st_mtime for p in folder.iterdir()), default=0.0)
    return _arrays_md5(str(folder), mtime)


@lru_cache(maxsize=4)
def _arrays_md5(folder: str, _mtime: float) -> str:
    # Once per process and folder version: hashing MNIST's 55 MB takes about 0.1 s.
    from core.images import load_idx_folder

    digest = hashlib.md5()
    for a in load_idx_folder(folder):
        digest.update(np.ascontiguousarray(a).data)
    return digest.hexdigest()


def cache_dir() -> Path:
    """Where classifiers are kept: <GENVIZ_CACHE_DIR or the user cache folder>/classifiers."""
    root = os.environ.get(CACHE_ENV)
    if not root:
        import platformdirs

        root = platformdirs.user_cache_dir("genviz")
    return Path(root) / "classifiers"


def cache_paths(dataset: str, kind: str = PROJECT) -> tuple[Path, Path]:
    """(weights, metadata JSON) paths of the data set's cached classifier of this kind."""
    _check_dataset(dataset)
    stem = dataset if _kind_class(kind) is DigitClassifier else f"{dataset}-{kind}"
    folder = cache_dir()
    return folder / f"{stem}.safetensors", folder / f"{stem}.json"


def _file_md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


# -- loading ---------------------------------------------------------------------------------
def _read_cache(dataset: str, device: torch.device, data_md5: str, kind: str = PROJECT) -> DigitClassifier:
    """The cached classifier, or a ValueError/OSError that says why it cannot be used."""
    cls = _kind_class(kind)
    weights_path, info_path = cache_paths(dataset, kind)
    try:
        info = json.loads(info_path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{info_path.name} is not valid JSON ({exc})") from None
    if not isinstance(info, dict) or info.get("format") != FORMAT:
        raise ValueError(f"{info_path.name} is not a genviz classifier description")
    if info.get("classifier", PROJECT) != kind:  # entries from before there were two name none: the project's
        raise ValueError(f"it describes the {info.get('classifier')} classifier, not {kind}")
    if info.get("architecture_version") != cls.ARCHITECTURE_VERSION:
        raise ValueError(f"architecture version {info.get('architecture_version')} is not {cls.ARCHITECTURE_VERSION}")
    if info.get("dataset") != dataset or info.get("data_md5") != data_md5:
        raise ValueError(f"it was trained on other data ({info.get('dataset')}, MD5 {info.get('data_md5')})")
    if _file_md5(weights_path) != info.get("weights_md5"):
        raise ValueError(f"{weights_path.name} does not match its description (changed or truncated)")
    for key in ("test_accuracy", "reference_score"):
        if not isinstance(info.get(key), (int, float)):
            raise ValueError(f"{info_path.name} has no {key}")
    try:
        state = load_file(weights_path)
    except SafetensorError as exc:
        raise ValueError(f"{weights_path.name} is not a readable safetensors file ({exc})") from None
    model = cls(info)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:  # missing, extra or mis-shaped tensors
        first_line = str(exc).strip().splitlines()[-1].strip()
        raise ValueError(f"{weights_path.name} holds other tensors than the classifier's ({first_line})") from None
    return _ready(model, device)


def _ready(model: DigitClassifier, device: torch.device) -> DigitClassifier:
    model = model.to(device).eval()
    model.requires_grad_(False)
    return model


def load_classifier(dataset: str, device, kind: str = PROJECT) -> DigitClassifier | None:
    """The cached classifier of this kind for `dataset` on `device`, or None; never trains.

    None also when the cache entry is stale (another architecture version or other data)
    or unreadable, or when the data set itself is not on disk (Fashion-MNIST not yet
    downloaded). The reason is logged.
    """
    _check_dataset(dataset)
    weights_path, info_path = cache_paths(dataset, kind)
    if not (weights_path.is_file() and info_path.is_file()):
        return None
    try:
        data_md5 = _data_md5(dataset)
    except ConfigError as exc:
        log.info("cached %s %s classifier not checked: %s", dataset, kind, exc)
        return None
    try:
        return _read_cache(dataset, torch.device(device), data_md5, kind)
    except (OSError, ValueError) as exc:
        log.warning("cached %s %s classifier in %s is not used: %s", dataset, kind, weights_path.parent, exc)
        return None


# -- training ---------------------------------------------------------------------------------
def train_classifier(dataset: str, device, progress=None, *, epochs: int = EPOCHS,
                     max_steps: int | None = None, kind: str = PROJECT) -> DigitClassifier:
    """Train a fresh classifier (seeded, deterministic on the CPU), test it, and return it.

    Writes nothing (see load_or_train_classifier). The global torch RNG is left as it
    was, so training a classifier in the middle of a GAN run does not change that run.
    max_steps cuts training short (for tests of the mechanics, not of the accuracy).
    """
    # Callers may be inside no_grad or inference mode (a model's evaluate()); training needs autograd.
    with torch.inference_mode(False), torch.enable_grad():
        return _train(dataset, torch.device(device), progress, epochs, max_steps, _kind_class(kind))


def _train(dataset: str, device: torch.device, progress, epochs: int, max_steps: int | None,
           cls: type[DigitClassifier]) -> DigitClassifier:
    _check_dataset(dataset)
    label = dataset if cls is DigitClassifier else f"{dataset} {cls.NAME}"  # in progress messages
    arrays = _arrays(dataset)
    train_x, train_y, test_x, test_y = (torch.as_tensor(np.array(a), device=device) for a in arrays)
    steps_per_epoch = -(-len(train_x) // BATCH_SIZE)
    total = min(epochs * steps_per_epoch, max_steps or epochs * steps_per_epoch)
    report = progress or (lambda fraction, message: None)

    started = time.perf_counter()
    with torch.random.fork_rng(devices=[]):  # weights are initialised on the CPU, before .to(device)
        torch.manual_seed(cls.SEED)
        model = cls().to(device, memory_format=torch.channels_last)
    order_gen = torch.Generator().manual_seed(cls.SEED)  # batch order: CPU generator, same on every device
    opt = torch.optim.Adam(model.parameters(), lr=PEAK_LR)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=PEAK_LR, total_steps=total, pct_start=0.2)
    model.train()
    report(0.0, f"training the {label} classifier (once; it is then cached)")
    step, loss = 0, torch.zeros(())
    while step < total:
        order = torch.randperm(len(train_x), generator=order_gen).to(device)
        for start in range(0, len(train_x), BATCH_SIZE):
            idx = order[start:start + BATCH_SIZE]
            x = train_x.index_select(0, idx).float().div_(255).contiguous(memory_format=torch.channels_last)
            loss = F.cross_entropy(model(x), train_y.index_select(0, idx))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            if step % PROGRESS_EVERY == 0 or step == total:
                epoch = step / steps_per_epoch
                report(TRAIN_SHARE * step / total,
                       f"training the {label} classifier: epoch {epoch:.1f}/{epochs}, loss {loss.item():.3f}")
            if step >= total:
                break
    train_seconds = time.perf_counter() - started

    report(TRAIN_SHARE, f"testing the {label} classifier on {len(test_x):,} test images")
    model = _ready(model, device)
    probs = model.probabilities(test_x.float().div_(255))
    accuracy = float((probs.argmax(dim=1) == test_y).float().mean())
    model.info = {
        "format": FORMAT,
        "classifier": cls.NAME,
        "architecture_version": cls.ARCHITECTURE_VERSION,
        "dataset": dataset,
        "data_md5": _data_md5(dataset),
        "test_accuracy": accuracy,
        "reference_score": classifier_score(probs),
        "train_seconds": round(train_seconds, 2),
        "steps": total,
        "epochs": epochs,
        "batch_size": BATCH_SIZE,
        "seed": cls.SEED,
        "device": str(device),
        "torch_version": torch.__version__,
    }
    report(1.0, f"{label} classifier ready: test accuracy {100 * accuracy:.2f}%")
    return model


def save_classifier(model: DigitClassifier) -> None:
    """Write weights then JSON, each atomically; the JSON names the weights' MD5, so a reader
    that catches the pair half-updated sees a mismatch and ignores it rather than misreading it."""
    dataset = model.info["dataset"]
    weights_path, info_path = cache_paths(dataset, model.info.get("classifier", PROJECT))
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    atomic_write(weights_path, lambda tmp: save_file(state, tmp, metadata={"format": FORMAT, "dataset": dataset}))
    info = dict(model.info, weights_md5=_file_md5(weights_path))
    atomic_write(info_path, lambda tmp: Path(tmp).write_text(json.dumps(info, indent=2) + "\n"))
    model.info = info


def load_or_train_classifier(dataset: str, device, progress=None, kind: str = PROJECT) -> DigitClassifier:
    """The cached classifier, or one trained now (and cached) when there is none usable.

    progress(fraction in [0, 1], message) is called now and then while training; it is
    not called when the cache answers.
    """
    model = load_classifier(dataset, device, kind)
    if model is not None:
        return model
    model = train_classifier(dataset, device, progress, kind=kind)
    try:
        save_classifier(model)
    except OSError as exc:  # a read-only cache: still usable for this process
        log.warning("could not cache the %s %s classifier in %s: %s", dataset, kind, cache_dir(), exc)
    return model


def reference_score(dataset: str, device, progress=None, kind: str = PROJECT) -> float:
    """The classifier score of the real test set (about 9.7 for MNIST): the best a generator can hope for.

    Computed once, when the classifier is trained, and stored in its JSON; trains the
    classifier first if none is cached.
    """
    return load_or_train_classifier(dataset, device, progress, kind).reference_score
