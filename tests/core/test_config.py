"""Configuration: validation messages, overrides, parsing --set, JSON round trips, presets."""

from __future__ import annotations

import json

import pytest

from core.config import ConfigError, DataConfig, GANConfig, RunConfig, TrainConfig, parse_assignments
from core.presets import build_config


@pytest.mark.parametrize(
    "section, kwargs, pieces",
    [
        (GANConfig, {"hidden": 2}, ["gan.hidden", "2", "4 to 4096"]),
        (GANConfig, {"hidden": 5000}, ["gan.hidden", "5000", "4 to 4096"]),
        (GANConfig, {"lr_g": 0.0}, ["gan.lr_g", "0.0", "1e-07 to 1.0"]),
        (GANConfig, {"lr_d": "abc"}, ["gan.lr_d", "'abc'", "1e-07 to 1.0"]),
        (GANConfig, {"lr_d": "nan"}, ["gan.lr_d", "nan", "1e-07 to 1.0"]),
        (GANConfig, {"depth": 2.5}, ["gan.depth", "2.5", "1 to 12"]),
        (GANConfig, {"depth": "three"}, ["gan.depth", "'three'", "1 to 12"]),
        (GANConfig, {"loss": "lsgan"}, ["gan.loss", "'lsgan'", "one of minimax, non-saturating, wgan-gp, hinge"]),
        (GANConfig, {"spectral_norm": "maybe"}, ["gan.spectral_norm", "'maybe'"]),
        (GANConfig, {"r1_gamma": -1}, ["gan.r1_gamma", "-1", "0.0 to 1000.0"]),
        (DataConfig, {"batch_size": 0}, ["data.batch_size", "0", "1 to 65536"]),
        (TrainConfig, {"steps": 0}, ["train.steps", "0", "1 to 100000000"]),
        (TrainConfig, {"device": "tpu"}, ["train.device", "'tpu'", "one of auto, cpu, cuda, mps"]),
    ],
)
def test_validation_error_names_field_value_and_range(section, kwargs, pieces):
    with pytest.raises(ConfigError) as info:
        section(**kwargs)
    message = str(info.value)
    for piece in pieces:
        assert piece in message, (piece, message)
    assert "\n" not in message


def test_values_are_coerced_from_text():
    g = GANConfig(hidden="32", lr_g="1e-3", spectral_norm="yes", loss="hinge")
    assert g.hidden == 32 and isinstance(g.hidden, int)
    assert g.lr_g == pytest.approx(1e-3) and isinstance(g.lr_g, float)
    assert g.spectral_norm is True
    assert GANConfig(spectral_norm="off").spectral_norm is False
    assert TrainConfig(steps="1e3").steps == 1000
    assert GANConfig(hidden=4).hidden == 4 and GANConfig(hidden=4096).hidden == 4096  # bounds are inclusive


def test_with_overrides_dotted_and_bare_keys():
    cfg = RunConfig(model="gan")
    new = cfg.with_overrides({"gan.lr_g": "1e-4", "hidden": "32", "steps": 100, "data.batch_size": "64",
                              "dataset": "moons"})
    assert new.params.lr_g == pytest.approx(1e-4)
    assert new.params.hidden == 32
    assert new.train.steps == 100
    assert new.data.batch_size == 64
    assert new.data.dataset == "moons"
    # The original is untouched.
    assert cfg.params.hidden == GANConfig().hidden and cfg.train.steps == TrainConfig().steps


def test_with_overrides_validates():
    with pytest.raises(ConfigError, match=r"gan\.hidden = 1 .*4 to 4096"):
        RunConfig(model="gan").with_overrides({"gan.hidden": "1"})


@pytest.mark.parametrize("key", ["gan.nope", "nope", "foo.hidden", "data.hidden", "gan.", ".hidden", "vae.hidden"])
def test_unknown_keys(key):
    with pytest.raises(ConfigError) as info:
        RunConfig(model="gan").with_overrides({key: "1"})
    message = str(info.value)
    assert repr(key) in message
    assert "gan.lr_g" in message and "data.batch_size" in message  # it lists what is allowed


def test_parse_assignments():
    assert parse_assignments(["gan.lr_g=1e-4", " steps = 10 ", "data.path=a=b.csv"]) == {
        "gan.lr_g": "1e-4", "steps": "10", "data.path": "a=b.csv"}
    assert parse_assignments([]) == {}
    assert parse_assignments(None) == {}
    with pytest.raises(ConfigError, match="'gan.lr_g'.*key=value"):
        parse_assignments(["steps=1", "gan.lr_g"])


def test_round_trip_dict_and_json():
    cfg = RunConfig(model="gan").with_overrides({"gan.hidden": 48, "gan.loss": "hinge", "train.seed": 7,
                                                 "data.dataset": "grid25", "gan.spectral_norm": True})
    d = cfg.to_dict()
    assert d["model"] == "gan" and d["gan"]["hidden"] == 48 and d["train"]["seed"] == 7
    again = RunConfig.from_dict(d)
    assert again == cfg
    assert RunConfig.from_dict(json.loads(cfg.to_json())) == cfg
    assert again.to_json() == cfg.to_json()


def test_from_dict_rejects_bad_input():
    with pytest.raises(ConfigError, match="model"):
        RunConfig.from_dict({"gan": {}})
    with pytest.raises(ConfigError, match="model"):
        RunConfig.from_dict([1, 2])
    with pytest.raises(ConfigError, match="gan.bogus"):
        RunConfig.from_dict({"model": "gan", "gan": {"bogus": 1}})
    with pytest.raises(ConfigError, match="'diffusion'"):
        RunConfig.from_dict({"model": "diffusion"})
    with pytest.raises(ConfigError, match=r"train\.steps = -5"):
        RunConfig.from_dict({"model": "gan", "train": {"steps": -5}})


def test_build_config_layers():
    cfg = build_config("gan", "moons", overrides={"gan.hidden": "24", "train.steps": "12"})
    assert cfg.model == "gan" and cfg.data.dataset == "moons"
    assert cfg.params.hidden == 24 and cfg.train.steps == 12


def test_build_config_unknown_preset_and_model():
    with pytest.raises(ConfigError) as info:
        build_config("gan", "ring8", preset="no-such-preset")
    assert "no-such-preset" in str(info.value) and "allowed" in str(info.value)
    with pytest.raises(ConfigError, match="'gpt'"):
        build_config("gpt", "ring8")


def test_preset_layers_apply_in_order(monkeypatch):
    """defaults < by_dataset["*"] < ["kind:<kind>"] < [dataset] < preset settings < the preset's own
    by_dataset (kind, then data set) < overrides. Each layer sets one field nobody after it touches."""
    import core.presets as presets

    fields = ["latent_dim", "hidden", "depth", "channels", "pack", "d_steps", "gp_lambda"]
    names = ["*", "kind:image", "mnist"]
    by_dataset = {name: {f"gan.{f}": 4 + i for f in fields[i:]} for i, name in enumerate(names)}
    by_dataset["kind:plane"] = {"gan.depth": 11}  # another kind's layer: never applied to mnist
    table = {"by_dataset": by_dataset, "presets": {"p": {
        "settings": {f"gan.{f}": 7 for f in fields[3:]},
        "by_dataset": {"kind:image": {f"gan.{f}": 8 for f in fields[4:]},
                       "mnist": {f"gan.{f}": 9 for f in fields[5:]}, "ring8": {"gan.gp_lambda": 99.0}}}}}
    monkeypatch.setattr(presets, "_load", lambda model: table)
    params = build_config("gan", "mnist", "p", {"gan.gp_lambda": 10.0}).params
    assert [getattr(params, f) for f in fields] == [4, 5, 6, 7, 8, 9, 10]
    plane = build_config("gan", "ring8", "p").params
    assert (plane.depth, plane.pack, plane.gp_lambda) == (11, 7, 99.0)
