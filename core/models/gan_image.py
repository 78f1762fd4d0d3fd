"""A GAN on images: a DCGAN (convolutional G and D) or an MLP GAN, on pixels in [0, 1].

G ends in tanh, mapped to [0, 1], so samples live in the data's own range; D maps its
[0, 1] input to [-1, 1] first. The training step, losses, EMA and sampling are GANBase's,
the same as the 2-D GAN's. Quality on MNIST and Fashion-MNIST is judged by a small digit
(or clothing) classifier, trained once and cached: the class histogram of the samples, its
KL to uniform, and the "MNIST score" exp(E_x KL(p(y|x) || p(y))) (the Inception score with
the classifier in place of Inception).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from core.config import ConfigError
from core.metrics import sliced_wasserstein
from core.models.base import numpy_copies
from core.models.gan_base import GANBase, PackedCritic, d_output, is_probability

# Snapshot sizes. A snapshot runs in the training thread; at the default sizes (c = 16) on one
# CPU core G costs ~0.055 ms an image, D ~0.016 ms and the classifier ~0.018 ms, so a snapshot
# costs ~15 ms (G 128 + D 256 + EMA G 64) plus ~19 ms for the class histogram every HIST_EVERY-th.
# 256 D values each would cost 30 ms: the trainer's snapshot budget would then halve the rate.
VIEW_IMAGES = 128  # real images, and G(fixed z), whose D outputs the histograms show
GRID_IMAGES = 64  # samples in the image grid, G(first 64 of the fixed z)
HIST_IMAGES = 256  # samples whose classes the live class histogram counts (1.9% std per class share)
HIST_EVERY = 5  # the live class histogram is recomputed every this many snapshots
EVAL_IMAGES = 10_000  # samples that `eval` classifies
EVAL_CHUNK = 1000  # images per forward pass in eval (bounds memory)
CLASSIFIER_SHAPE = (1, 28, 28)  # the cached classifiers read 28 x 28 grey images


def activation(name: str) -> nn.Module:
    return {"relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.2), "elu": nn.ELU,
            "silu": nn.SiLU, "tanh": nn.Tanh}[name]()


class ToSymmetric(nn.Module):
    """[0, 1] pixels -> [-1, 1], the range G's tanh produces and D's weights are initialised for."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 2 - 1


class ImageGenerator(nn.Module):
    """z (N, latent) -> images (N, C, H, W) in [0, 1]. Self-contained: the GUI deep-copies it."""

    def __init__(self, body: nn.Module, shape: tuple[int, ...]):
        super().__init__()
        self.body, self.shape = body, tuple(shape)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return 0.5 * (torch.tanh(self.body(z).reshape(-1, *self.shape)) + 1)


def dcgan_generator(shape, latent: int, channels: int, norm: str, act: str) -> nn.Module:
    """z -> linear -> (2c, H/4, W/4) -> transposed conv to (c, H/2, W/2) -> transposed conv to (C, H, W)."""
    c, h, w = shape
    small = 2 * channels * (h // 4) * (w // 4)

    def normed(n_features: int, two_d: bool) -> list[nn.Module]:
        if norm == "none":
            return []
        return [nn.BatchNorm2d(n_features) if two_d else nn.BatchNorm1d(n_features)]

    return nn.Sequential(
        nn.Linear(latent, small), *normed(small, False), activation(act),
        nn.Unflatten(1, (2 * channels, h // 4, w // 4)),
        nn.ConvTranspose2d(2 * channels, channels, 4, 2, 1), *normed(channels, True), activation(act),
        nn.ConvTranspose2d(channels, c, 4, 2, 1),
    )


def dcgan_discriminator(shape, channels: int, pack: int, wrap) -> nn.Module:
    """The mirror of the generator (two stride-2 convolutions, LeakyReLU 0.2) and one more stride-2
    convolution to (4c, H/8, W/8) before the linear logit: on MNIST that third layer raised the
    classifier score after 3,000 steps from 6.8 to 7.4 for a quarter more time per step."""
    c, h, w = shape
    h8, w8 = (h // 4 + 1) // 2, (w // 4 + 1) // 2  # a 3x3, stride-2, padding-1 convolution rounds up
    return nn.Sequential(
        ToSymmetric(),
        wrap(nn.Conv2d(c * pack, channels, 4, 2, 1)), nn.LeakyReLU(0.2),
        wrap(nn.Conv2d(channels, 2 * channels, 4, 2, 1)), nn.LeakyReLU(0.2),
        wrap(nn.Conv2d(2 * channels, 4 * channels, 3, 2, 1)), nn.LeakyReLU(0.2),
        nn.Flatten(), wrap(nn.Linear(4 * channels * h8 * w8, 1)),
    )


def mlp_generator(dim: int, latent: int, hidden: int, depth: int, norm: str, act: str) -> nn.Module:
    layers: list[nn.Module] = []
    width = latent
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), *([nn.BatchNorm1d(hidden)] if norm == "batch" else []), activation(act)]
        width = hidden
    return nn.Sequential(*layers, nn.Linear(width, dim))


def mlp_discriminator(dim: int, hidden: int, depth: int, pack: int, wrap) -> nn.Module:
    layers: list[nn.Module] = [ToSymmetric(), nn.Flatten()]
    width = dim * pack
    for _ in range(depth):
        layers += [wrap(nn.Linear(width, hidden)), nn.LeakyReLU(0.2)]
        width = hidden
    return nn.Sequential(*layers, wrap(nn.Linear(width, 1)))


class ImageGAN(GANBase):
    def __init__(self, cfg, data, device, noise):
        super().__init__(cfg, data, device, noise)
        p = self.params
        self.shape = tuple(data.shape)
        c, h, w = self.shape
        if p.arch == "dcgan" and (h % 4 or w % 4):
            raise ConfigError(f"gan.arch = dcgan needs image sides divisible by 4; these images are {h}x{w} "
                              "(use gan.arch = mlp, or resize them)")
        if cfg.data.batch_size % p.pack:
            raise ConfigError(f"data.batch_size = {cfg.data.batch_size} must be a multiple of gan.pack = {p.pack}")
        self.latent_dim = p.latent_dim

        def no_wrap(m):
            return m

        wrap = spectral_norm if p.spectral_norm else no_wrap
        if p.arch == "dcgan":
            body = dcgan_generator(self.shape, p.latent_dim, p.channels, p.g_norm, p.activation)
            d_net = dcgan_discriminator(self.shape, p.channels, p.pack, wrap)
        else:
            body = mlp_generator(data.dim, p.latent_dim, p.hidden, p.depth, p.g_norm, p.activation)
            d_net = mlp_discriminator(data.dim, p.hidden, p.depth, p.pack, wrap)
        self.G = ImageGenerator(body, self.shape)
        self.D = PackedCritic(d_net, p.pack)
        self.finish_init()
        # Fixed inputs for the views, from their own RNG so drawing never shifts the training stream.
        view_rng = torch.Generator(device=device).manual_seed(cfg.train.seed + 7919)
        # Not saved in checkpoints: the seed rebuilds them, and view sizes may change between versions.
        self.register_buffer("fixed_z", torch.randn(VIEW_IMAGES, p.latent_dim, generator=view_rng, device=device),
                             persistent=False)
        self.register_buffer("view_real", data.batch(VIEW_IMAGES, view_rng), persistent=False)
        self.register_buffer("hist_z", torch.randn(HIST_IMAGES, p.latent_dim, generator=view_rng, device=device),
                             persistent=False)
        # The classifier is a helper, not part of the model: kept out of parameters() and checkpoints.
        self._helpers: dict = {"classifier": self._cached_classifier(), "coverage": None, "snapshots": 0}
        self.setup()

    # -- the classifier that judges samples ---------------------------------------------------
    def _classifier_applies(self) -> bool:
        from core.classifier import CLASSIFIER_DATASETS

        return self.cfg.data.dataset in CLASSIFIER_DATASETS and self.shape == CLASSIFIER_SHAPE

    def _cached_classifier(self):
        if not self._classifier_applies():
            return None
        from core.classifier import load_classifier

        return load_classifier(self.cfg.data.dataset, self.device)

    @property
    def classifier(self):
        """The cached classifier for this data set, or None (no classifier, or not trained yet)."""
        return self._helpers["classifier"]

    def prepare(self, progress=None) -> None:
        """Train the data set's classifier on first use (once per machine; later runs load it)."""
        if self.classifier is None and self._classifier_applies():
            from core.classifier import load_or_train_classifier

            def report(fraction: float, message: str) -> None:
                if progress is not None:
                    progress(f"{message} ({fraction:.0%})")

            self._helpers["classifier"] = load_or_train_classifier(self.cfg.data.dataset, self.device, report)

    def prepare_evaluation(self, progress=None) -> None:
        """Before `evaluate`: the held-out classifier, trained on first use (once per machine)."""
        self.prepare(progress)
        if self._classifier_applies():
            self._held_out_classifier(progress)

    def _held_out_classifier(self, progress=None):
        """The data set's held-out classifier, from the cache, or trained now (and cached)."""
        from core.classifier import HELD_OUT, load_or_train_classifier

        def report(fraction: float, message: str) -> None:
            if progress is not None:
                progress(f"{message} ({fraction:.0%})")

        return load_or_train_classifier(self.cfg.data.dataset, self.device, report, kind=HELD_OUT)

    def _held_out_scores(self, samples: torch.Tensor) -> dict:
        """The score by the held-out classifier, which plays no part in training, in the window or in
        choosing a checkpoint (core.classifier.HeldOutClassifier): the figure to compare across runs."""
        from core.classifier import HELD_OUT
        from core.coverage import coverage_report

        judge = self._held_out_classifier()
        report = coverage_report(judge.probabilities(samples))
        return {
            "held_out_classifier": HELD_OUT,
            "held_out_score": report["mnist_score"],
            "held_out_reference_score": judge.reference_score,
            "held_out_score_ratio": report["mnist_score"] / judge.reference_score,
            "held_out_class_fractions": report["class_fractions"],
            "held_out_min_class_fraction": report["min_class_fraction"],
        }

    def _coverage(self, images: torch.Tensor) -> dict:
        from core.coverage import coverage_report

        return coverage_report(self.classifier.probabilities(images))

    # -- views and figures ----------------------------------------------------------------------
    def decoder(self) -> nn.Module:
        """The generator the sliders use: the EMA copy when EMA is on (the one samples come from)."""
        return self.sampling_generator()

    def snapshot(self) -> dict:
        """Small arrays for the GUI. Called with grad disabled, in eval mode, in the training thread."""
        p = self.params
        fake = self.G(self.fixed_z)  # the live G: what D is judging right now
        samples = fake[:GRID_IMAGES] if self.G_ema is None else self.G_ema(self.fixed_z[:GRID_IMAGES])
        out = {
            "samples": samples,
            "d_real_values": d_output(p.loss, self.D.pointwise(self.view_real)),
            "d_fake_values": d_output(p.loss, self.D.pointwise(fake)),
        }
        snap = numpy_copies({k: v.float() for k, v in out.items()})
        snap["kind"] = "image"
        snap["d_is_probability"] = np.asarray(is_probability(p.loss))
        if self.classifier is not None:
            # Classifying costs as much as the rest of the snapshot, so it is refreshed every few.
            helpers = self._helpers
            if helpers["coverage"] is None or helpers["snapshots"] % HIST_EVERY == 0:
                report = self._coverage(self.sampling_generator()(self.hist_z))
                helpers["coverage"] = {
                    "class_fractions": np.asarray(report["class_fractions"], np.float32),
                    "mnist_score": np.asarray(report["mnist_score"], np.float32),
                    "kl_to_uniform": np.asarray(report["kl_to_uniform"], np.float32),
                }
            helpers["snapshots"] += 1
            snap.update({k: v.copy() for k, v in helpers["coverage"].items()})
        snap["decoder_state"] = numpy_copies(self.decoder().state_dict())
        return snap

    @torch.no_grad()
    def evaluate(self, progress=None) -> dict:
        """Class coverage and the classifier score of 10,000 samples, with the real test set's score.
        progress(done, total) follows the samples drawn."""
        was_training = self.training
        self.eval()
        self.prepare()
        g = torch.Generator(device=self.device).manual_seed(self.cfg.train.seed + 2**20 + 5)
        gen = self.sampling_generator()
        chunks = []
        for i in range(0, EVAL_IMAGES, EVAL_CHUNK):
            chunks.append(gen(torch.randn(min(EVAL_CHUNK, EVAL_IMAGES - i), self.latent_dim, generator=g,
                                          device=self.device)))
            if progress is not None:
                progress(i + len(chunks[-1]), EVAL_IMAGES)
        samples = torch.cat(chunks)
        self.train(was_training)
        result: dict = {"samples": EVAL_IMAGES}
        if self.classifier is not None:
            from core.classifier import PROJECT, reference_score

            report = self._coverage(samples)
            result["classifier"] = PROJECT
            result.update({k: _plain(v) for k, v in report.items()})
            result["reference_score"] = _plain(reference_score(self.cfg.data.dataset, self.device))
            result["score_ratio"] = result["mnist_score"] / result["reference_score"]
            result.update(self._held_out_scores(samples))
        else:
            result["mnist_score"] = None
            result["score_unavailable"] = (f"no classifier for data set {self.cfg.data.dataset!r} "
                                           f"{'x'.join(map(str, self.shape))}; the class histogram and score "
                                           "need mnist or fashion-mnist at 1x28x28")
        test = self.data.test_images
        n = min(len(test), EVAL_IMAGES)
        result["sliced_wasserstein"] = sliced_wasserstein(samples[:n].flatten(1), test[:n].flatten(1))
        return result


def _plain(value):
    """NumPy / torch numbers and arrays as JSON-ready Python values."""
    if torch.is_tensor(value):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return value.tolist() if value.ndim else value.item()
    if isinstance(value, np.generic):
        return value.item()
    return value
