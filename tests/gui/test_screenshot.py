"""`screenshot` saves the real window, and says so with exit 1 when training fails, wherever the
engine runs."""

from __future__ import annotations

import pytest

from core.models.gan2d import GAN2D
from gui.screenshot import take_screenshot
from tests.gui.helpers import patch_engine_processes

BROKEN = "a deliberately broken training step"
# In the engine's process: the same broken step as the monkeypatch below, out of its reach.
BREAK_THE_ENGINE = f'''
from core.models.gan2d import GAN2D

def broken_step(self, step):
    raise RuntimeError({BROKEN!r})

GAN2D.training_step = broken_step
'''


def test_screenshot_saves_a_png_of_the_trained_window(tmp_path, placement):
    out = tmp_path / "shot.png"
    assert take_screenshot("gan", "ring8", None, 5, str(out), engine=placement) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000


def test_screenshot_exits_1_when_training_fails(tmp_path, monkeypatch, capsys, placement):
    def broken_step(self, step):
        raise RuntimeError(BROKEN)

    if placement == "thread":
        monkeypatch.setattr(GAN2D, "training_step", broken_step)
    else:
        patch_engine_processes(monkeypatch, tmp_path, BREAK_THE_ENGINE)
    out = tmp_path / "shot.png"
    assert take_screenshot("gan", "ring8", None, 5, str(out), engine=placement) == 1
    err = capsys.readouterr().err
    assert BROKEN in err and "genviz: failed:" in err
    assert not out.exists()


@pytest.mark.parametrize("placement", ["process"])
def test_screenshot_exits_1_when_the_engine_dies(tmp_path, monkeypatch, capsys, placement):
    """An engine that dies (here: exits before it reads a command) fails the command too."""
    patch_engine_processes(monkeypatch, tmp_path, "import os\nos._exit(3)\n")
    out = tmp_path / "shot.png"
    assert take_screenshot("gan", "ring8", None, 5, str(out), engine=placement) == 1
    assert "exited with code 3" in capsys.readouterr().err
    assert not out.exists()
