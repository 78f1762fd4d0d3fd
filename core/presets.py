"""Presets: named settings stored as JSON in resources/presets/<model>.json.

A configuration is built in layers: the dataclass defaults, then the model's
defaults for the chosen data set, then a named preset, then --set overrides.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from core.config import MODELS, ConfigError, RunConfig

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
    layers = [{"data.dataset": dataset}]
    for key in ("*", dataset):
        layers.append(table["by_dataset"].get(key, {}))
    if preset:
        if preset not in table["presets"]:
            known = ", ".join(preset_names(model)) or "none"
            raise ConfigError(f"preset {preset!r} is unknown for {model}; allowed: {known}")
        layers.append(table["presets"][preset]["settings"])
    layers.append(overrides or {})
    for layer in layers:
        cfg = cfg.with_overrides(layer)
    return cfg
