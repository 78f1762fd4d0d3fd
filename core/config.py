"""Run configuration: dataclasses with validation, saved as JSON with every run.

Each field carries its allowed range or choices in `metadata`, so one generic
validator gives every bad value the same clear message (field, value, allowed),
and the GUI builds its settings form from the same metadata.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field, fields
from typing import Any

MODELS = ("gan", "vae", "realnvp")
BINARIZE_CHOICES = ("none", "dynamic")


class ConfigError(ValueError):
    """A setting has a value outside what is allowed. The message says which and why."""


def setting(default, *, low=None, high=None, choices=None, live=False, help=""):
    """A dataclass field with its allowed values.

    live=True marks settings that can change while training runs (no reset needed).
    """
    meta = {"low": low, "high": high, "choices": choices, "live": live, "help": help}
    return field(default=default, metadata=meta)


def allowed_text(f: dataclasses.Field) -> str:
    m = f.metadata
    if m.get("choices"):
        return "one of " + ", ".join(str(c) for c in m["choices"])
    low, high = m.get("low"), m.get("high")
    if low is not None and high is not None:
        return f"{low} to {high}"
    if low is not None:
        return f"at least {low}"
    if high is not None:
        return f"at most {high}"
    return "any value"


def check_value(section: str, f: dataclasses.Field, value: Any) -> Any:
    """Coerce `value` to the field's type and check its range; raise ConfigError if it is bad."""
    name = f"{section}.{f.name}"
    kind = type(f.default)
    try:
        if kind is bool:
            if isinstance(value, str):
                low = value.strip().lower()
                if low not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
                    raise ValueError
                value = low in ("true", "1", "yes", "on")
            else:
                value = bool(value)
        elif kind is int:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            value = int(float(value)) if isinstance(value, str) and "e" in value.lower() else int(value)
        elif kind is float:
            value = float(value)
            if not math.isfinite(value):
                raise ValueError
        else:
            value = str(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{name} = {value!r} is not a valid {kind.__name__}; allowed: {allowed_text(f)}"
        ) from None
    m = f.metadata
    if m.get("choices") and value not in m["choices"]:
        raise ConfigError(f"{name} = {value!r} is not allowed; allowed: {allowed_text(f)}")
    if m.get("low") is not None and value < m["low"] or m.get("high") is not None and value > m["high"]:
        raise ConfigError(f"{name} = {value!r} is out of range; allowed: {allowed_text(f)}")
    return value


class Section:
    """Mixin for config sections: validate all fields after construction."""

    SECTION = ""

    def __post_init__(self):
        for f in fields(self):
            object.__setattr__(self, f.name, check_value(self.SECTION, f, getattr(self, f.name)))


@dataclass
class DataConfig(Section):
    SECTION = "data"
    dataset: str = setting("ring8", help="data set name")
    path: str = setting("", help="file for csv / image data sets")
    batch_size: int = setting(256, low=1, high=65536, help="examples per step")
    binarize: str = setting(
        "none", choices=BINARIZE_CHOICES,
        help="image data: dynamic = every pixel p becomes 1 with probability p, drawn afresh each time a "
        "training image is used (so each epoch sees a new draw), and the test set is binarised once from "
        "a fixed seed (binarised MNIST, as in the likelihood literature); none = grey levels as they are",
    )


@dataclass
class TrainConfig(Section):
    SECTION = "train"
    steps: int = setting(5000, low=1, high=100_000_000, help="training steps (generator steps for a GAN)")
    seed: int = setting(0, low=0, high=2**31 - 1)
    device: str = setting("auto", choices=("auto", "cpu", "cuda", "mps"))
    precision: str = setting(
        "fp32", choices=("fp32", "bf16"),
        help="bf16: the forward passes run under bfloat16 autocast on a CUDA device where that is safe "
        "(the VAE; the GAN except its gradient penalties; never a flow's log-determinants); losses, "
        "weights and optimiser state stay float32. Ignored on the CPU",
    )


@dataclass
class GANConfig(Section):
    SECTION = "gan"
    latent_dim: int = setting(2, low=1, high=512, help="size of z ~ N(0, I)")
    hidden: int = setting(128, low=4, high=4096, help="width of each hidden layer")
    depth: int = setting(3, low=1, high=12, help="hidden layers in G and D")
    activation: str = setting("leaky_relu", choices=("relu", "leaky_relu", "elu", "silu", "tanh"))
    loss: str = setting(
        "non-saturating", choices=("minimax", "non-saturating", "wgan-gp", "hinge"), live=True,
        help="minimax: G minimises log(1 - D(G(z))) as in the formula; "
        "non-saturating: G minimises -log D(G(z))",
    )
    lr_g: float = setting(2e-4, low=1e-7, high=1.0, live=True, help="generator learning rate")
    lr_d: float = setting(2e-4, low=1e-7, high=1.0, live=True, help="discriminator learning rate")
    beta1: float = setting(0.0, low=0.0, high=0.999)
    beta2: float = setting(0.9, low=0.0, high=0.9999)
    eps_g: float = setting(
        1e-8, low=0.0, high=1.0,
        help="Adam's ε in G's optimizer. Adam divides each gradient by its running size plus ε, so with a tiny ε "
        "even a vanished gradient moves G a full step; a gradient much smaller than ε moves G in proportion "
        "to its size, as plain gradient descent does",
    )
    d_steps: int = setting(1, low=1, high=20, live=True, help="D updates per G update")
    r1_gamma: float = setting(0.0, low=0.0, high=1000.0, live=True, help="R1 penalty gamma/2 E|grad D(x)|^2")
    gp_lambda: float = setting(10.0, low=0.0, high=1000.0, help="WGAN-GP gradient penalty weight")
    spectral_norm: bool = setting(False, help="spectral normalisation on D's layers")
    pack: int = setting(1, low=1, high=16, help="PacGAN packing: D sees this many samples at once")
    lr_schedule: str = setting("constant", choices=("constant", "cosine"))
    lr_final: float = setting(0.0, low=0.0, high=1.0, help="cosine schedule: final lr as a fraction")
    ema: float = setting(0.0, low=0.0, high=0.99999, help="EMA decay of G's weights for sampling (0 = off)")
    arch: str = setting(
        "mlp", choices=("mlp", "dcgan"),
        help="mlp: fully connected G and D (hidden, depth); dcgan: convolutional G and D for images "
        "(channels), sides divisible by 4",
    )
    channels: int = setting(64, low=4, high=1024, help="dcgan: D's first and G's last layer have this "
                            "many channels, the layers at a quarter of the image size twice as many")
    g_norm: str = setting("batch", choices=("batch", "none"),
                          help="image GANs: normalisation of G's hidden layers (batch norm, or none)")


# Each model's settings section; the VAE's and RealNVP's live beside their models.
_SECTION_PATHS = {
    "vae": "core.models.vae_config:VAEConfig",
    "realnvp": "core.models.realnvp_config:RealNVPConfig",
}


def section_class(model: str) -> type:
    if model == "gan":
        return GANConfig
    if model not in MODELS:
        raise ConfigError(f"model = {model!r} is not allowed; allowed: one of {', '.join(MODELS)}")
    import importlib

    module, name = _SECTION_PATHS[model].split(":")
    try:
        return getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        raise ConfigError(f"model {model!r} is not available yet") from None


@dataclass
class RunConfig:
    """Everything needed to rebuild a run: saved as config.json in the run folder."""

    model: str = "gan"
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    params: Any = None  # the model's own section, e.g. GANConfig

    def __post_init__(self):
        if self.params is None:
            self.params = section_class(self.model)()

    @property
    def sections(self) -> dict[str, Any]:
        return {"data": self.data, "train": self.train, self.model: self.params}

    def to_dict(self) -> dict:
        out = {"model": self.model}
        for name, sec in self.sections.items():
            out[name] = dataclasses.asdict(sec)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict) -> RunConfig:
        if not isinstance(d, dict) or "model" not in d:
            raise ConfigError("configuration must be an object with a 'model' key")
        model = d["model"]
        built = {}
        for name, kind in (("data", DataConfig), ("train", TrainConfig), (model, section_class(model))):
            values = d.get(name, {}) or {}
            known = {f.name for f in fields(kind)}
            unknown = set(values) - known
            if unknown:
                raise ConfigError(
                    f"unknown setting {name}.{sorted(unknown)[0]}; allowed: {', '.join(sorted(known))}"
                )
            built[name] = kind(**values)
        return cls(model=model, data=built["data"], train=built["train"], params=built[model])

    def with_overrides(self, assignments: dict[str, Any]) -> RunConfig:
        """Apply {"gan.lr_g": "1e-4", "steps": 100, ...}; a bare key is looked up in every section."""
        d = self.to_dict()
        for key, value in assignments.items():
            section, name = self._locate(key)
            d[section][name] = value
        return RunConfig.from_dict(d)

    def _locate(self, key: str) -> tuple[str, str]:
        secs = self.sections
        if "." in key:
            section, name = key.split(".", 1)
            if section in secs and name in {f.name for f in fields(secs[section])}:
                return section, name
        else:
            owners = [s for s, sec in secs.items() if key in {f.name for f in fields(sec)}]
            if len(owners) == 1:
                return owners[0], key
        allowed = sorted(f"{s}.{f.name}" for s, sec in secs.items() for f in fields(sec))
        raise ConfigError(f"unknown setting {key!r}; allowed: {', '.join(allowed)}")


def parse_assignments(items: list[str]) -> dict[str, str]:
    """Turn ["a.b=1", "c=x"] into a dict; a missing '=' is a ConfigError."""
    out = {}
    for item in items or []:
        if "=" not in item:
            raise ConfigError(f"--set {item!r} must look like key=value, e.g. gan.lr_g=1e-4")
        key, value = item.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def field_info(section_obj) -> list[dataclasses.Field]:
    return list(fields(section_obj))
