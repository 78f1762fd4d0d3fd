"""The VAE's settings section ("vae" in config.json and --set vae.NAME=VALUE)."""

from __future__ import annotations

from dataclasses import dataclass

from core.config import Section, setting

# The β lesson (preset "beta-tradeoff"): its "raise β" button sets this; on MNIST about half the
# latent dimensions collapse within ~1,000 steps of it (tests/core/test_vae_lesson.py).
LESSON_RAISED_BETA = 10.0

LIKELIHOODS = ("bernoulli", "bernoulli-binarized", "gaussian-fixed", "gaussian-learned")


@dataclass
class VAEConfig(Section):
    SECTION = "vae"
    encoder: str = setting("mlp", choices=("mlp", "conv"), help="q(z|x): fully connected or convolutional")
    decoder: str = setting("mlp", choices=("mlp", "conv"), help="p(x|z): fully connected or convolutional")
    hidden: int = setting(400, low=4, high=4096, help="width of each fully connected hidden layer")
    depth: int = setting(1, low=1, high=8, help="fully connected hidden layers in the encoder and the decoder")
    channels: int = setting(32, low=4, high=256, help="conv: channels of the first conv layer (doubled in the second)")
    activation: str = setting("relu", choices=("relu", "leaky_relu", "elu", "silu", "tanh"))
    latent_dim: int = setting(20, low=1, high=512, help="size of z; the prior is N(0, I)")
    likelihood: str = setting(
        "bernoulli", choices=LIKELIHOODS,
        help="p(x|z): bernoulli = BCE on [0,1] pixels; bernoulli-binarized = pixels resampled as 0/1 each step; "
        "gaussian = decoder(z) + noise of std sigma (fixed) or learned per dimension",
    )
    sigma: float = setting(0.1, low=1e-4, high=100.0, live=True,
                           help="gaussian-fixed: the noise std; gaussian-learned: its starting value")
    beta: float = setting(1.0, low=0.0, high=100.0, live=True, help="weight of the KL term (1 = the ELBO)")
    lr: float = setting(1e-3, low=1e-7, high=1.0, live=True, help="Adam learning rate")
    beta1: float = setting(0.9, low=0.0, high=0.999)
    beta2: float = setting(0.999, low=0.0, high=0.9999)
    reduction: str = setting(
        "mean", choices=("mean", "sum"),
        help="the batch loss is the mean or the sum over examples (sum, as the PyTorch example; "
        "Adam makes the two nearly the same)",
    )
    lr_schedule: str = setting("constant", choices=("constant", "cosine"))
    lr_final: float = setting(0.0, low=0.0, high=1.0, help="cosine schedule: final lr as a fraction")
    test_every: int = setting(1000, low=0, high=1_000_000, live=True,
                              help="steps between passes over the test set (0 = never during training)")
    iwae_k: int = setting(64, low=1, high=5000, help="importance samples for eval's IWAE bound on -log p(x)")
