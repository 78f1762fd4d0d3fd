"""`screenshot` saves the real window, and says so with exit 1 when training fails."""

from __future__ import annotations

from core.models.gan2d import GAN2D
from gui.screenshot import take_screenshot


def test_screenshot_saves_a_png_of_the_trained_window(tmp_path):
    out = tmp_path / "shot.png"
    assert take_screenshot("gan", "ring8", None, 5, str(out)) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000


def test_screenshot_exits_1_when_training_fails(tmp_path, monkeypatch, capsys):
    def broken_step(self, step):
        raise RuntimeError("a deliberately broken training step")

    monkeypatch.setattr(GAN2D, "training_step", broken_step)
    out = tmp_path / "shot.png"
    assert take_screenshot("gan", "ring8", None, 5, str(out)) == 1
    assert "deliberately broken" in capsys.readouterr().err
    assert not out.exists()
