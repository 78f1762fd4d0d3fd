"""Invertible building blocks of RealNVP (Dinh, Sohl-Dickstein and Bengio, 2017).

Every layer maps x to y and returns the log-determinant of its Jacobian per example,
so a stack of them gives the change of variables

    p_x(x) = p_z(f(x)) |det df/dx|,   log p_x(x) = log p_z(z) + sum over layers of log|det J_layer|.

Shapes: (N, D) for points, (N, C, H, W) for images. Per-feature parameters broadcast
over the spatial positions of an image, so their log|det| is counted H*W times.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

LOG_2PI = math.log(2 * math.pi)


def standard_normal_log_prob(z: torch.Tensor) -> torch.Tensor:
    """log N(z; 0, I) per example: sum_j (-z_j^2 / 2 - log(2 pi) / 2)."""
    return (-0.5 * z.pow(2) - 0.5 * LOG_2PI).flatten(1).sum(1)


def _feature_shape(x: torch.Tensor) -> tuple[int, ...]:
    """(1, C) for points, (1, C, 1, 1) for images: one parameter per feature / channel."""
    return (1, x.shape[1]) + (1,) * (x.dim() - 2)


def _positions(x: torch.Tensor) -> int:
    """How many times a per-channel factor appears in the Jacobian: H*W for images, 1 for points."""
    return int(math.prod(x.shape[2:]))


def _reduce_dims(x: torch.Tensor) -> list[int]:
    return [0] + list(range(2, x.dim()))


class ActNorm(nn.Module):
    """y = (x + bias) * exp(log_scale), per feature; log|det J| = (H*W) * sum_c log_scale_c.

    Glow's data-dependent initialisation: the first training batch sets bias and scale so
    that y has zero mean and unit variance per feature; after that they are plain weights.
    """

    def __init__(self, features: int, image: bool = False):
        super().__init__()
        shape = (1, features, 1, 1) if image else (1, features)
        self.bias = nn.Parameter(torch.zeros(shape))
        self.log_scale = nn.Parameter(torch.zeros(shape))
        self.register_buffer("initialized", torch.zeros((), dtype=torch.uint8))
        self._ready: bool | None = None  # Python copy of `initialized`, so a step never syncs a GPU

    def _load_from_state_dict(self, *args, **kwargs):
        self._ready = None
        super()._load_from_state_dict(*args, **kwargs)

    def _initialise(self, x: torch.Tensor) -> None:
        with torch.no_grad():
            dims = _reduce_dims(x)
            mean = x.mean(dims, keepdim=True)
            std = x.std(dims, keepdim=True) if x.shape[0] > 1 else torch.ones_like(mean)
            self.bias.copy_(-mean)
            self.log_scale.copy_(-torch.log(std.clamp_min(1e-3)))
            self.initialized.fill_(1)
        self._ready = True

    def forward(self, x):
        if self._ready is None:
            self._ready = bool(self.initialized)
        if self.training and not self._ready:
            self._initialise(x)
        y = (x + self.bias) * torch.exp(self.log_scale)
        log_det = self.log_scale.sum() * _positions(x)
        return y, log_det.expand(x.shape[0])

    def inverse(self, y):
        return y * torch.exp(-self.log_scale) - self.bias


class FlowBatchNorm(nn.Module):
    """y = (x - mu) / sqrt(var + eps) * exp(log_gamma) + beta, per feature (RealNVP's batch norm).

    log|det J| = (H*W) * sum_c (log_gamma_c - log(var_c + eps) / 2). While training, mu and var
    are the batch's (and update running averages); in evaluation and in the inverse they are the
    running averages, so the layer is an exact bijection there.
    """

    def __init__(self, features: int, image: bool = False, momentum: float = 0.05, eps: float = 1e-5):
        super().__init__()
        shape = (1, features, 1, 1) if image else (1, features)
        self.log_gamma = nn.Parameter(torch.zeros(shape))
        self.beta = nn.Parameter(torch.zeros(shape))
        self.register_buffer("running_mean", torch.zeros(shape))
        self.register_buffer("running_var", torch.ones(shape))
        self.momentum, self.eps = momentum, eps

    def forward(self, x):
        if self.training:
            dims = _reduce_dims(x)
            mean = x.mean(dims, keepdim=True)
            var = x.var(dims, keepdim=True, unbiased=False)
            with torch.no_grad():
                self.running_mean.lerp_(mean, self.momentum)
                self.running_var.lerp_(var, self.momentum)
        else:
            mean, var = self.running_mean, self.running_var
        y = (x - mean) * torch.rsqrt(var + self.eps) * torch.exp(self.log_gamma) + self.beta
        log_det = (self.log_gamma - 0.5 * torch.log(var + self.eps)).sum() * _positions(x)
        return y, log_det.expand(x.shape[0])

    def inverse(self, y):
        std = torch.sqrt(self.running_var + self.eps)
        return (y - self.beta) * torch.exp(-self.log_gamma) * std + self.running_mean


class AffineCoupling(nn.Module):
    """The affine coupling layer, written with a binary mask b (1 = kept half x_{1:d}):

        z_{1:d}   = x_{1:d}
        z_{d+1:D} = x_{d+1:D} * exp(s(x_{1:d})) + t(x_{1:d})
        log|det J| = sum_j s(x_{1:d})_j                      (J is triangular: its diagonal is exp(s))
        inverse:   x_{d+1:D} = (z_{d+1:D} - t(x_{1:d})) * exp(-s(x_{1:d}))

    `net` maps the kept half (the other half zeroed) to 2*features outputs: raw s and t.
    With scale_fn = "tanh", s = scale * tanh(raw) with a learned per-feature scale, so exp(s)
    stays bounded early in training. The net's last layer starts at zero: the layer starts as
    the identity.
    """

    def __init__(self, mask: torch.Tensor, net: nn.Module, scale_fn: str = "tanh"):
        super().__init__()
        self.register_buffer("mask", mask)  # shape (1, D) or (1, C, H, W)
        self.net = net
        self.scale_fn = scale_fn
        features = mask.shape[1]
        self.scale = nn.Parameter(torch.ones((1, features) + (1,) * (mask.dim() - 2)))

    def s_and_t(self, x_kept: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raw, t = self.net(x_kept).chunk(2, dim=1)
        s = self.scale * torch.tanh(raw) if self.scale_fn == "tanh" else raw
        free = 1 - self.mask  # s and t act only on the transformed half x_{d+1:D}
        return s * free, t * free

    def forward(self, x):
        b = self.mask
        s, t = self.s_and_t(x * b)
        z = b * x + (1 - b) * (x * torch.exp(s) + t)
        return z, s.flatten(1).sum(1)

    def inverse(self, z):
        b = self.mask
        s, t = self.s_and_t(z * b)  # z_{1:d} = x_{1:d}, so s and t are the same as going forward
        return b * z + (1 - b) * ((z - t) * torch.exp(-s))


class Squeeze(nn.Module):
    """(C, H, W) -> (4C, H/2, W/2): each 2x2 patch becomes 4 channels. A permutation: log|det| = 0."""

    def forward(self, x):
        return F.pixel_unshuffle(x, 2), x.new_zeros(x.shape[0])

    def inverse(self, y):
        return F.pixel_shuffle(y, 2)


class LogitTransform(nn.Module):
    """Pixels y in [0, 1] to the real line: y' = alpha + (1 - 2 alpha) y, w = log y' - log(1 - y').

    log|det J| = sum_j [log(1 - 2 alpha) - log y'_j - log(1 - y'_j)].
    """

    def __init__(self, alpha: float):
        super().__init__()
        self.alpha = alpha

    def forward(self, y):
        squeezed = self.alpha + (1 - 2 * self.alpha) * y
        w = torch.log(squeezed) - torch.log1p(-squeezed)
        log_det = math.log(1 - 2 * self.alpha) - torch.log(squeezed) - torch.log1p(-squeezed)
        return w, log_det.flatten(1).sum(1)

    def inverse(self, w):
        return (torch.sigmoid(w) - self.alpha) / (1 - 2 * self.alpha)


class FlowSequence(nn.Module):
    """Layers applied in order; the log-determinants add up. inverse() runs them backwards."""

    def __init__(self, layers):
        super().__init__()
        self.layers = nn.ModuleList(layers)

    def forward(self, x, keep_states: bool = False):
        log_det = x.new_zeros(x.shape[0])
        states = [x]
        for layer in self.layers:
            x, ld = layer(x)
            log_det = log_det + ld
            if keep_states:
                states.append(x)
        return (x, log_det, states) if keep_states else (x, log_det)

    def inverse(self, z):
        for layer in reversed(self.layers):
            z = layer.inverse(z)
        return z


class InverseFlow(nn.Module):
    """The generator direction z -> x of a flow, as a module a GUI can copy and call."""

    def __init__(self, flow: nn.Module, clamp: tuple[float, float] | None = None):
        super().__init__()
        self.flow, self.clamp = flow, clamp

    def forward(self, z):
        x = self.flow.inverse(z)
        return x.clamp(*self.clamp) if self.clamp else x


def make_norm(kind: str, features: int, image: bool) -> list[nn.Module]:
    if kind == "actnorm":
        return [ActNorm(features, image)]
    if kind == "batchnorm":
        return [FlowBatchNorm(features, image)]
    return []


# -- convolutional s/t networks and masks for images ----------------------------------------------

class ResidualBlock(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return x + self.conv2(F.relu(self.conv1(F.relu(x))))


def resnet_st(in_channels: int, channels: int, blocks: int) -> nn.Sequential:
    """A small ResNet from the kept half to raw s and t (2 * in_channels maps); the last conv is zero."""
    last = nn.Conv2d(channels, 2 * in_channels, 3, padding=1)
    nn.init.zeros_(last.weight)
    nn.init.zeros_(last.bias)
    return nn.Sequential(nn.Conv2d(in_channels, channels, 3, padding=1),
                         *[ResidualBlock(channels) for _ in range(blocks)], nn.ReLU(), last)


def checkerboard_mask(channels: int, height: int, width: int, parity: int) -> torch.Tensor:
    """1 where (i + j + parity) is even: the kept pixels, alternating like a chessboard."""
    i, j = torch.meshgrid(torch.arange(height), torch.arange(width), indexing="ij")
    board = ((i + j + parity) % 2 == 0).float()
    return board.expand(1, channels, height, width).clone()


def channel_mask(channels: int, height: int, width: int, parity: int) -> torch.Tensor:
    """1 on the first half of the channels (or the second, for parity 1)."""
    keep = torch.zeros(channels)
    half = channels // 2
    keep[:half] = 1
    if parity:
        keep = 1 - keep
    return keep.reshape(1, channels, 1, 1).expand(1, channels, height, width).clone()
