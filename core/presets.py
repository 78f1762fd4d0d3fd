"""Presets: named settings stored as JSON in resources/presets/<model>.json.

A configuration is built in layers, each overriding the one before:

1. the dataclass defaults;
2. the model's defaults: by_dataset["*"], then by_dataset["kind:plane" or "kind:image"]
   (every 2-D or every image data set), then by_dataset[<data set>];
3. a named preset's "settings", then its own optional "by_dataset" table, looked up the
   same way ("*" is not needed there: that is what "settings" is), so one preset can mean
   the same lesson on points and on images with values that suit each;
4. --set overrides.

Where training will run on CUDA (train.device "cuda", or "auto" on a machine with a GPU), a GPU
layer follows each of layers 2 and 3: the table's "gpu" entry (looked up by "*", kind and data
set, as by_dataset is) after the model's defaults, and a preset's own "gpu" settings after the
preset. The image models' GPU layers take bigger batches and bf16 autocast where it is safe; a
person's --set still wins over them. Checking for CUDA loads torch, so it is done only when a GPU
layer could apply.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from core.config import MODELS, ConfigError, RunConfig
from core.models import data_kind

PRESET_DIR = Path(__file__).resolve().parent.parent / "resources" / "presets"


@cache
def _load(model: str) -> dict:
    path = PRESET_DIR / f"{model}.json"
    if not path.is_file():
        return {"by_dataset": {}, "presets": {}}
    return json.loads(path.read_text())


def preset_names(model: str) -> list[str]:
    return sorted(_load(model)["presets"])


def preset_description(model: str, name: str) -> str:
    return _load(model)["presets"].get(name, {}).get("description", "")


def build_config(model: str, dataset: str, preset: str | None = None,
                 overrides: dict | None = None) -> RunConfig:
    if model not in MODELS:
        raise ConfigError(f"model {model!r} is unknown; allowed: {', '.join(MODELS)}")
    table = _load(model)
    cfg = RunConfig(model=model)
    kind = f"kind:{data_kind(dataset)}"
    layers = [{"data.dataset": dataset}]
    for key in ("*", kind, dataset):
        layers.append(table["by_dataset"].get(key, {}))
    gpu_layers = [table.get("gpu", {}).get(key, {}) for key in ("*", kind, dataset)]
    preset_layers, preset_gpu = [], {}
    if preset:
        if preset not in table["presets"]:
            known = ", ".join(preset_names(model)) or "none"
            raise ConfigError(f"preset {preset!r} is unknown for {model}; allowed: {known}")
        entry = table["presets"][preset]
        preset_layers.append(entry["settings"])
        for key in (kind, dataset):
            preset_layers.append(entry.get("by_dataset", {}).get(key, {}))
        preset_gpu = entry.get("gpu", {})
    overrides = overrides or {}
    if (any(gpu_layers) or preset_gpu) and _trains_on_cuda([*layers, *preset_layers, overrides]):
        layers += [*gpu_layers, *preset_layers, preset_gpu]
    else:
        layers += preset_layers
    layers.append(overrides)
    for layer in layers:
        cfg = cfg.with_overrides(layer)
    return cfg


def _trains_on_cuda(layers: list[dict]) -> bool:
    """Whether the device these layers end up asking for is CUDA: "cuda", or "auto" with a GPU present."""
    device = "auto"
    for layer in layers:
        for key in ("train.device", "device"):
            if key in layer:
                device = str(layer[key])
    if device != "auto":
        return device == "cuda"
    from core.device import cuda_present  # loads torch: only reached when a GPU layer could apply

    return cuda_present()
