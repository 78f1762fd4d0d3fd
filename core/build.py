"""Turn a RunConfig into live objects: the device, the data and the model."""

from __future__ import annotations

import torch

from core.config import ConfigError, RunConfig
from core.datasets2d import PlaneData
from core.device import make_generator, pick_device, seed_everything
from core.models import data_kind, model_class
from core.models.base import VIEWS_ONLY


def build_data(cfg: RunConfig, device: torch.device):
    gen = make_generator(device, cfg.train.seed)
    name = cfg.data.dataset
    if data_kind(name) == "plane":
        if cfg.data.binarize != "none":
            raise ConfigError(f"data.binarize = {cfg.data.binarize} needs an image data set; {name!r} is 2-D points")
        return PlaneData(name, device, gen, path=cfg.data.path)
    from core.images import build_image_data  # image data sets: MNIST and friends

    return build_image_data(cfg.data, device, gen)


def build_model(cfg: RunConfig, device: str | torch.device | None = None, views_only: bool = False):
    """A freshly initialised model (seeded by cfg.train.seed) with its data and optimizers.
    views_only: a copy that only computes views from streamed weights (no optimizers)."""
    dev = pick_device(cfg.train.device) if device is None else torch.device(device)
    seed_everything(cfg.train.seed)
    cls = model_class(cfg.model, cfg.data.dataset)
    data = build_data(cfg, dev)
    token = VIEWS_ONLY.set(views_only)
    try:
        return cls(cfg, data, dev, make_generator(dev, cfg.train.seed + 1))
    finally:
        VIEWS_ONLY.reset(token)
