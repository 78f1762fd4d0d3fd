"""`--help` describes every option of every command, with its allowed values."""

from __future__ import annotations

import argparse

import pytest

import main


def subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = main.build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return {"": parser, **sub.choices}


@pytest.mark.parametrize("command", list(subparsers()))
def test_every_option_has_a_description(command):
    parser = subparsers()[command]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            assert all(a.help for a in action._choices_actions), "a command without a description"
            continue
        name = "/".join(action.option_strings) or action.dest
        assert action.help and action.help.strip() and action.help != argparse.SUPPRESS, f"{command} {name}"


@pytest.mark.parametrize("command", list(subparsers()))
def test_every_allowed_value_is_shown(command):
    parser = subparsers()[command]
    text = parser.format_help()
    for action in parser._actions:
        for choice in action.choices or ():
            assert choice in text, f"{command}: {choice!r} missing from --help"


def test_the_data_set_and_preset_names_in_help_are_the_real_ones():
    from core.datasets2d import PLANE_DATASETS
    from core.models import IMAGE_DATASETS
    from core.presets import preset_names

    help_text = " ".join(subparsers()["train"].format_help().split()).replace("- ", "-")
    for name in PLANE_DATASETS + IMAGE_DATASETS:
        assert name in help_text, name
    for model in main.MODELS:
        for preset in preset_names(model):
            assert preset in help_text, preset


def test_help_answers_without_loading_torch():
    import subprocess
    import sys
    from pathlib import Path

    code = "import sys, main; main.build_parser().format_help(); print('torch' in sys.modules)"
    res = subprocess.run([sys.executable, "-c", code], cwd=Path(main.__file__).parent, capture_output=True,
                         text=True, timeout=60)
    assert res.stdout.strip() == "False", res.stderr
