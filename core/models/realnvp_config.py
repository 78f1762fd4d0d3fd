"""RealNVP's settings section. The GUI builds its form from each field's metadata."""

from __future__ import annotations

from dataclasses import dataclass

from core.config import Section, setting


@dataclass
class RealNVPConfig(Section):
    SECTION = "realnvp"
    # -- the flow ---------------------------------------------------------------------
    couplings: int = setting(12, low=1, high=64, help="affine coupling layers of the 2-D flow; "
                             "each keeps one half x_{1:d} and scales and shifts the other")
    hidden: int = setting(96, low=4, high=4096, help="width of each hidden layer of the s and t networks (2-D)")
    depth: int = setting(2, low=1, high=12, help="hidden layers of the s and t networks (2-D)")
    activation: str = setting("relu", choices=("relu", "leaky_relu", "elu", "silu", "tanh"),
                              help="non-linearity of the s and t networks")
    scale_fn: str = setting("tanh", choices=("tanh", "none"),
                            help="tanh: s = scale * tanh(raw) with a learned scale, so exp(s) stays bounded; "
                            "none: s = raw (can blow up)")
    norm: str = setting("actnorm", choices=("none", "actnorm", "batchnorm"),
                        help="a normalising flow layer before each coupling: ActNorm (per-feature affine, "
                        "initialised from the first batch) or batch norm (batch statistics while training, "
                        "running averages in evaluation); its log|det| is counted")
    # -- optimiser ----------------------------------------------------------------------
    lr: float = setting(3e-3, low=1e-7, high=1.0, live=True, help="Adam learning rate")
    beta1: float = setting(0.9, low=0.0, high=0.999)
    beta2: float = setting(0.999, low=0.0, high=0.9999)
    lr_schedule: str = setting("cosine", choices=("constant", "cosine"))
    lr_final: float = setting(0.0, low=0.0, high=1.0, help="cosine schedule: final lr as a fraction")
    weight_decay: float = setting(0.0, low=0.0, high=1.0, live=True, help="L2 penalty on the weights")
    grad_clip: float = setting(0.0, low=0.0, high=1e6, live=True,
                               help="clip the gradients' global norm to this (0 = off)")
    # -- images (multi-scale architecture of Dinh et al.) --------------------------------
    scales: int = setting(2, low=1, high=4, help="image flow: scales; each but the last runs 3 checkerboard "
                          "couplings, a squeeze, 3 channel-wise couplings, then factors out half the channels")
    blocks: int = setting(2, low=1, high=16, help="image flow: residual blocks in each s/t network")
    channels: int = setting(32, low=4, high=512, help="image flow: feature channels of each s/t network")
    dequantize: bool = setting(True, help="image flow: add uniform noise u ~ U[0,1) to the pixel levels 0..255 "
                               "so a density is a bound on the discrete likelihood")
    logit_alpha: float = setting(0.05, low=1e-6, high=0.25,
                                 help="image flow: logit transform of alpha + (1 - 2 alpha) y, which keeps "
                                 "the logit away from 0 and 1")
