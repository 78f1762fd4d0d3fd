"""A VAE on images or 2-D points: maximise the ELBO, E_q(z|x) log p(x|z) - KL(q(z|x) || N(0, I)).

q(z|x) = N(mu(x), diag exp(logvar(x))) is the encoder; z = mu + exp(logvar/2) * eps is the
reparameterisation trick, so gradients flow through the sample. The KL to the N(0, I)
prior is analytic. p(x|z) is Bernoulli on [0, 1] pixels (continuous BCE, as in the
PyTorch example, or on pixels resampled to 0/1 each step) or Gaussian around decoder(z).
"loss" is the negative ELBO per example in nats summed over dimensions, whatever beta is;
beta only weighs the KL in the objective that is minimised.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core.config import ConfigError
from core.datasets2d import component_labels
from core.device import autocast
from core.models import data_kind
from core.models.base import GenerativeModel, Progress, mlp, numpy_copies, progress_counter

LOG_2PI = math.log(2 * math.pi)
MIN_LOG_SIGMA = math.log(1e-4)  # a learned sigma may not collapse to 0 (the likelihood would blow up)
TEST_CHUNK = 2000  # test examples per forward pass in a test pass
# decoder passes per chunk of the IWAE bound: a conv decoder's largest activation for 8192 images is ~0.4 GB;
# at 32768 (1.6 GB) allocating it cost more system time (k = 16, binarized preset, 2 CPU cores: 22 s, not 13 s)
IWAE_DECODES = 8192
SCATTER_POINTS = 2000  # test examples whose mu the latent scatter shows
RECON_IMAGES, SAMPLE_IMAGES, KL_EXAMPLES = 16, 16, 1000
MANIFOLD_SIDE = 15  # a latent_dim == 2 model's decoded grid is MANIFOLD_SIDE x MANIFOLD_SIDE
PLANE_TEST_POINTS, PLANE_VIEW_POINTS = 5000, 512
GRID_LINES, GRID_POINTS = 11, 41  # 2-D data: the warped latent grid, as the GAN draws it
EVAL_SEED = 2**20 + 3  # the noise of test passes and eval is fixed, so figures compare across time


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, 1)) per latent dimension, in closed form."""
    return 0.5 * (mu.square() + logvar.exp() - 1 - logvar)


def log_normal(x: torch.Tensor, mean: torch.Tensor, log_sigma: torch.Tensor | float) -> torch.Tensor:
    """Elementwise log N(x; mean, sigma^2)."""
    if not torch.is_tensor(log_sigma):
        log_sigma = torch.tensor(log_sigma, device=x.device)
    return -0.5 * ((x - mean) * torch.exp(-log_sigma)).square() - log_sigma - 0.5 * LOG_2PI


def iwae_bound(log_w: torch.Tensor, k: int) -> torch.Tensor:
    """-L_k per example from K = m * k importance log-weights (K, B): the K draws form m groups of k,
    L_k = log (1/k) sum_{i in group} w_i for each group, averaged over the groups (in float64).

    E[L_k] is the IWAE bound (Burda et al. 2016): L_1 is the ELBO, and the bound never loosens as k
    grows. On the same draws it holds exactly too: where k divides k', each of the k'-group's
    log-means is at least the mean of its k-groups' log-means (Jensen), so -L_k' <= -L_k."""
    draws = log_w.shape[0]
    if k < 1 or draws % k:
        raise ValueError(f"k = {k} must divide the {draws} importance draws")
    groups = log_w.double().reshape(draws // k, k, *log_w.shape[1:])
    return -(torch.logsumexp(groups, 1) - math.log(k)).mean(0)


def activation(name: str) -> nn.Module:
    return {"relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.2), "elu": nn.ELU,
            "silu": nn.SiLU, "tanh": nn.Tanh}[name]()


class MLPEncoder(nn.Module):
    """x -> (mu, logvar) through a fully connected net (784-400-(20+20) in the PyTorch example)."""

    def __init__(self, dim: int, hidden: int, depth: int, latent: int, act: str):
        super().__init__()
        self.net = mlp(dim, 2 * latent, hidden, depth, act)

    def forward(self, x):
        return self.net(x.flatten(1)).chunk(2, dim=1)


class ConvEncoder(nn.Module):
    """Two stride-2 convolutions (H, W -> H/4, W/4), a hidden layer, then (mu, logvar)."""

    def __init__(self, shape, channels: int, hidden: int, latent: int, act: str):
        super().__init__()
        c, h, w = shape
        self.net = nn.Sequential(
            nn.Conv2d(c, channels, 4, 2, 1), activation(act),
            nn.Conv2d(channels, 2 * channels, 4, 2, 1), activation(act), nn.Flatten(),
            nn.Linear(2 * channels * (h // 4) * (w // 4), hidden), activation(act),
            nn.Linear(hidden, 2 * latent),
        )

    def forward(self, x):
        return self.net(x).chunk(2, dim=1)


class ConvDecoderBody(nn.Sequential):
    """The mirror image of ConvEncoder: z -> hidden -> (2C, H/4, W/4) -> two stride-2 transposed convs."""

    def __init__(self, shape, channels: int, hidden: int, latent: int, act: str):
        c, h, w = shape
        super().__init__(
            nn.Linear(latent, hidden), activation(act),
            nn.Linear(hidden, 2 * channels * (h // 4) * (w // 4)), activation(act),
            nn.Unflatten(1, (2 * channels, h // 4, w // 4)),
            nn.ConvTranspose2d(2 * channels, channels, 4, 2, 1), activation(act),
            nn.ConvTranspose2d(channels, c, 4, 2, 1),
        )


class Decoder(nn.Module):
    """z (B, latent) -> the mean of p(x|z), shaped like the data.

    Self-contained (the GUI deep-copies it to its CPU and loads `decoder_state` into it).
    `raw` is the output before the sigmoid: Bernoulli likelihoods use it as logits.
    """

    def __init__(self, body: nn.Module, shape: tuple[int, ...], squash: bool):
        super().__init__()
        self.body, self.shape, self.squash = body, tuple(shape), squash

    def raw(self, z: torch.Tensor) -> torch.Tensor:
        return self.body(z).reshape(-1, *self.shape)

    def squash_raw(self, raw: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(raw) if self.squash else raw

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.squash_raw(self.raw(z))


class VAE(GenerativeModel):
    metric_names = ("loss", "recon", "kl", "test_loss", "test_recon", "test_kl")

    def __init__(self, cfg, data, device, noise):
        super().__init__(cfg, data, device, noise)
        p = self.params
        self.is_image = data_kind(cfg.data.dataset) == "image"
        self.shape = tuple(data.shape) if self.is_image else (data.dim,)
        if not self.is_image and (p.encoder == "conv" or p.decoder == "conv"):
            raise ConfigError("vae.encoder/decoder = conv needs image data; for 2-D points use mlp")
        if not self.is_image and p.likelihood.startswith("bernoulli"):
            raise ConfigError(f"vae.likelihood = {p.likelihood} needs pixels in [0, 1]; "
                              "for 2-D points use gaussian-fixed or gaussian-learned")
        if "conv" in (p.encoder, p.decoder) and (self.shape[1] % 4 or self.shape[2] % 4):
            raise ConfigError(f"vae conv networks need image sides divisible by 4; these images are "
                              f"{self.shape[1]}x{self.shape[2]} (use mlp, or resize them)")
        self.latent_dim = p.latent_dim
        if p.encoder == "conv":
            self.enc = ConvEncoder(self.shape, p.channels, p.hidden, p.latent_dim, p.activation)
        else:
            self.enc = MLPEncoder(data.dim, p.hidden, p.depth, p.latent_dim, p.activation)
        body = (ConvDecoderBody(self.shape, p.channels, p.hidden, p.latent_dim, p.activation)
                if p.decoder == "conv" else mlp(p.latent_dim, data.dim, p.hidden, p.depth, p.activation))
        # Image means live in [0, 1] (a sigmoid); 2-D means are unbounded coordinates.
        self.dec = Decoder(body, self.shape, squash=self.is_image)
        if p.likelihood == "gaussian-learned":  # one sigma per data dimension, independent of z
            self.log_sigma = nn.Parameter(torch.full((data.dim,), math.log(p.sigma)))
        self.register_buffer("last_test", torch.zeros(3))  # latest periodic (loss, recon, kl) on the test set
        self._build_views(device)
        self.setup()

    # -- fixed data for test passes and views ----------------------------------------------
    def _build_views(self, device) -> None:
        view_rng = torch.Generator(device=device).manual_seed(self.cfg.train.seed + 7919)
        if self.is_image:
            self.test_x = self.data.test_images
            self.test_labels = self.data.test_labels
        else:
            test_rng = torch.Generator(device=device).manual_seed(self.cfg.train.seed + 15485863)
            self.test_x = self.data.batch(PLANE_TEST_POINTS, test_rng)
            self.test_labels = self._nearest_mode(self.test_x)
            self.view_points = self.data.batch(PLANE_VIEW_POINTS, view_rng)
        if self.params.likelihood == "bernoulli-binarized":  # one fixed binarisation, as is usual
            bin_rng = torch.Generator(device=device).manual_seed(EVAL_SEED)
            self.test_target = torch.bernoulli(self.test_x, generator=bin_rng)
        else:
            self.test_target = self.test_x
        n_fixed = SAMPLE_IMAGES if self.is_image else PLANE_VIEW_POINTS
        self.fixed_z = torch.randn(n_fixed, self.latent_dim, generator=view_rng, device=device)

    def _nearest_mode(self, x: torch.Tensor) -> torch.Tensor:
        """Labels for 2-D points: the mode, moon, ring or arm each lies on (all 0 for data in one piece)."""
        labels = component_labels(self.data.info.name, x)
        return torch.zeros(len(x), dtype=torch.int64, device=x.device) if labels is None else labels

    # -- the model -----------------------------------------------------------------------
    def configure_optimizers(self):
        p = self.params
        return {"main": torch.optim.Adam(self.parameters(), lr=p.lr, betas=(p.beta1, p.beta2))}

    def decoder(self) -> nn.Module:
        return self.dec

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.enc(x)

    @torch.no_grad()
    def encode_mean(self, x: torch.Tensor) -> torch.Tensor:
        """mu(x) for data in the data set's own coordinates and range."""
        mu, _ = self.enc(torch.as_tensor(x, dtype=torch.float32, device=self.device))
        return mu

    def current_log_sigma(self) -> torch.Tensor | float:
        if self.params.likelihood == "gaussian-learned":
            return self.log_sigma.clamp(min=MIN_LOG_SIGMA).view(self.shape)
        return math.log(self.params.sigma)

    def reconstruction_nll(self, raw: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """-log p(x|z) per example, summed over dimensions; raw is the decoder's pre-squash output."""
        if self.params.likelihood.startswith("bernoulli"):
            nll = F.binary_cross_entropy_with_logits(raw, target, reduction="none")
        else:
            nll = -log_normal(target, self.dec.squash_raw(raw), self.current_log_sigma())
        return nll.flatten(1).sum(1)

    def elbo_terms(self, x: torch.Tensor, target: torch.Tensor, generator: torch.Generator):
        """(recon, kl) per example, with one reparameterised z per example drawn from `generator`."""
        mu, logvar = self.enc(x)
        eps = torch.randn(mu.shape, generator=generator, device=mu.device)
        z = mu + torch.exp(0.5 * logvar) * eps
        recon = self.reconstruction_nll(self.dec.raw(z), target)
        return recon, gaussian_kl(mu, logvar).sum(1)

    def training_step(self, step: int):
        p = self.params
        self.apply_lr(step)
        if step == 0 or (p.test_every and step % p.test_every == 0):
            self.last_test = self._test_pass()  # a new tensor: earlier returned rows keep their values
        x = self.data.batch(self.cfg.data.batch_size)
        target = torch.bernoulli(x, generator=self.noise) if p.likelihood == "bernoulli-binarized" else x
        x_in = target if p.likelihood == "bernoulli-binarized" else x
        with autocast(self.cfg.train.precision, self.device):  # bf16 on CUDA when asked; the sums below in fp32
            recon, kl = self.elbo_terms(x_in, target, self.noise)
        recon, kl = recon.float(), kl.float()
        per_example = recon + p.beta * kl
        objective = per_example.sum() if p.reduction == "sum" else per_example.mean()
        opt = self.optimizers["main"]
        opt.zero_grad(set_to_none=True)
        objective.backward()
        opt.step()
        recon, kl = recon.detach().mean(), kl.detach().mean()
        return {
            "loss": recon + kl,
            "recon": recon,
            "kl": kl,
            "test_loss": self.last_test[0],
            "test_recon": self.last_test[1],
            "test_kl": self.last_test[2],
        }

    @torch.no_grad()
    def _test_pass(self, advance: Callable[[int], None] | None = None) -> torch.Tensor:
        """Mean (loss, recon, kl) over the whole test set, one z per example, as tensors (no sync).
        advance(n) is told of each chunk of n examples done."""
        g = torch.Generator(device=self.device).manual_seed(EVAL_SEED)
        was_training = self.training
        self.eval()
        sums = torch.zeros(2, device=self.device)
        for start in range(0, len(self.test_x), TEST_CHUNK):
            x_in, target = self._test_inputs(start, start + TEST_CHUNK)
            recon, kl = self.elbo_terms(x_in, target, g)
            sums += torch.stack([recon.sum(), kl.sum()])
            if advance is not None:
                advance(len(target))
        self.train(was_training)
        recon, kl = sums / len(self.test_x)
        return torch.stack([recon + kl, recon, kl])

    def _test_inputs(self, start: int, stop: int) -> tuple[torch.Tensor, torch.Tensor]:
        target = self.test_target[start:stop]
        x_in = target if self.params.likelihood == "bernoulli-binarized" else self.test_x[start:stop]
        return x_in, target

    # -- sampling, evaluation and views ----------------------------------------------------
    @torch.no_grad()
    def sample(self, n: int, seed: int | None = None) -> torch.Tensor:
        """Images: the decoder's mean image for z ~ N(0, I). 2-D: mean plus the Gaussian noise."""
        g = torch.Generator(device=self.device).manual_seed(self.cfg.train.seed + 104729 if seed is None else seed)
        z = torch.randn(n, self.latent_dim, generator=g, device=self.device)
        mean = self.dec(z)
        if self.is_image:
            return mean
        noise = torch.randn(mean.shape, generator=g, device=self.device)
        return mean + torch.exp(torch.as_tensor(self.current_log_sigma(), device=self.device)) * noise

    def iwae_log_weights(self, x_in: torch.Tensor, target: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        """log w = log p(x|z) + log p(z) - log q(z|x) at z = mu(x) + sigma(x) * eps, for eps (K, B, latent):
        (K, B), K importance weights for each of the B examples."""
        mu, logvar = self.enc(x_in)
        z = mu + torch.exp(0.5 * logvar) * eps  # (K, B, L)
        k = eps.shape[0]
        raw = self.dec.raw(z.reshape(-1, self.latent_dim))
        rep = target.unsqueeze(0).expand(k, *target.shape).reshape(-1, *target.shape[1:])
        log_px_z = -self.reconstruction_nll(raw, rep).view(k, -1)
        log_pz = log_normal(z, 0.0, 0.0).sum(-1)
        log_qz = log_normal(z, mu, 0.5 * logvar).sum(-1)
        return log_px_z + log_pz - log_qz

    @torch.no_grad()
    def iwae_nll(self, k: int, advance: Callable[[int], None] | None = None) -> torch.Tensor:
        """-log p(x) per test example by the importance-weighted bound with k samples (IWAE, k=1 is the ELBO).
        advance(n) is told of each chunk's decoded samples (k per example)."""
        g = torch.Generator(device=self.device).manual_seed(EVAL_SEED + 1)
        chunk = max(1, IWAE_DECODES // k)
        total = torch.zeros((), dtype=torch.float64, device=self.device)
        for start in range(0, len(self.test_x), chunk):
            x_in, target = self._test_inputs(start, start + chunk)
            eps = torch.randn((k, len(target), self.latent_dim), generator=g, device=self.device)
            total += iwae_bound(self.iwae_log_weights(x_in, target, eps), k).sum()
            if advance is not None:
                advance(k * len(target))
        return total / len(self.test_x)

    @torch.no_grad()
    def evaluate(self, progress: Progress | None = None) -> dict:
        k = self.params.iwae_k
        # progress in decoded samples: one per test example for the ELBO, k each for IWAE (most of the time)
        advance = progress_counter(progress, len(self.test_x) * (1 + k))
        test_loss, test_recon, test_kl = self._test_pass(advance).tolist()
        was_training = self.training
        self.eval()
        iwae = float(self.iwae_nll(k, advance))
        self.train(was_training)
        return {
            "test_loss": test_loss,
            "test_recon": test_recon,
            "test_kl": test_kl,
            "iwae_nll": iwae,
            "k": k,
            "test_examples": len(self.test_x),
        }

    def main_view_keys(self) -> tuple[str, ...]:
        # Image VAEs: the main view is the latent scatter, whose encoder pass is most of a snapshot's
        # cost; the pictures (reconstructions, samples, the manifold) refresh a few times a second.
        return ("latent_mu", "latent_labels", "kl_per_dim") if self.is_image else ()

    def main_view_snapshot(self) -> dict:
        return numpy_copies(self._latent_arrays())

    def _latent_arrays(self) -> dict[str, torch.Tensor]:
        n_scatter = min(SCATTER_POINTS, len(self.test_x))
        mu, logvar = self.enc(self.test_x[:max(n_scatter, min(KL_EXAMPLES, len(self.test_x)))])
        return {
            "latent_mu": mu[:n_scatter],
            "latent_labels": self.test_labels[:n_scatter],
            "kl_per_dim": gaussian_kl(mu[:KL_EXAMPLES], logvar[:KL_EXAMPLES]).mean(0),
        }

    def snapshot(self) -> dict:
        """Small arrays for the GUI; see the keys below. Called with grad disabled, in eval mode."""
        out = self._latent_arrays()
        if self.is_image:
            inputs = self.test_x[:RECON_IMAGES]
            out.update(recon_inputs=inputs, recon_outputs=self.dec(self.enc(inputs)[0]),
                       samples=self.dec(self.fixed_z))
            if self.latent_dim == 2:
                side = torch.linspace(0.05, 0.95, MANIFOLD_SIDE, device=self.device)
                coords = math.sqrt(2) * torch.erfinv(2 * side - 1)  # N(0, 1) quantiles, as in Kingma & Welling
                gz = torch.stack(torch.meshgrid(coords, coords.flip(0), indexing="xy"), -1).reshape(-1, 2)
                out["manifold"] = self.dec(gz).reshape(MANIFOLD_SIDE, MANIFOLD_SIDE, *self.shape)
                out["manifold_z"] = coords
        else:
            out.update(data=self.view_points, recon=self.dec(self.enc(self.view_points)[0]),
                       samples=self.dec(self.fixed_z),
                       sigma=torch.exp(torch.as_tensor(self.current_log_sigma(), device=self.device)).reshape(-1)
                       .expand(self.shape[0]))
            if self.latent_dim == 2:
                out["grid_lines"] = self._latent_grid()
        snap = numpy_copies(out)
        snap["kind"] = "image" if self.is_image else "plane"
        if not self.is_image:
            snap["bounds"] = np.asarray(self.data.info.bounds, np.float32)
        snap["decoder_state"] = numpy_copies(self.dec.state_dict())
        return snap

    def _latent_grid(self) -> torch.Tensor:
        """The decoder applied to grid lines of the latent plane: (2 * GRID_LINES, GRID_POINTS, 2)."""
        t = torch.linspace(-2.5, 2.5, GRID_POINTS, device=self.device)
        c = torch.linspace(-2.5, 2.5, GRID_LINES, device=self.device)
        z = torch.zeros(2, GRID_LINES, GRID_POINTS, 2, device=self.device)
        z[0, :, :, 0], z[0, :, :, 1] = t, c[:, None]
        z[1, :, :, 0], z[1, :, :, 1] = c[:, None], t
        return self.dec(z.reshape(-1, 2)).reshape(2 * GRID_LINES, GRID_POINTS, -1)
