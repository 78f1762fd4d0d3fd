"""Model registry: which class trains a given (model, data set) pair."""

from __future__ import annotations

import importlib

from core.config import MODELS, ConfigError
from core.dataset_names import IMAGE_DATASETS, PLANE_DATASETS

# (model, kind of data) -> "module:Class"; modules are imported only when used.
_REGISTRY = {
    ("gan", "plane"): "core.models.gan2d:GAN2D",
    ("gan", "image"): "core.models.gan_image:ImageGAN",
    ("vae", "plane"): "core.models.vae:VAE",
    ("vae", "image"): "core.models.vae:VAE",
    ("realnvp", "plane"): "core.models.realnvp:RealNVP",
    ("realnvp", "image"): "core.models.realnvp:RealNVP",
}


def data_kind(dataset: str) -> str:
    if dataset in PLANE_DATASETS:
        return "plane"
    if dataset in IMAGE_DATASETS:
        return "image"
    raise ConfigError(f"data.dataset = {dataset!r} is unknown; allowed: "
                      f"{', '.join(PLANE_DATASETS + IMAGE_DATASETS)}")


def model_class(model: str, dataset: str):
    if model not in MODELS:
        raise ConfigError(f"model {model!r} is unknown; allowed: {', '.join(MODELS)}")
    kind = data_kind(dataset)
    target = _REGISTRY.get((model, kind))
    if target is None:
        raise ConfigError(f"{model} on {kind} data ({dataset!r}) is not available yet")
    module, name = target.split(":")
    try:
        module_obj = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        raise ConfigError(f"{model} on {kind} data ({dataset!r}) is not available yet") from None
    return getattr(module_obj, name)
