"""Fashion-MNIST in the window: a progress dialog while it downloads (from a local server),
and a clear error, with the app still up, when there is no network."""

from __future__ import annotations

import socket

import platformdirs
import pytest
from PySide6.QtWidgets import QProgressDialog

from core import images
from core.images import DownloadError
from tests.gui.helpers import close_window, open_window


@pytest.fixture
def window(qtbot):
    w = open_window(qtbot, "gan", "ring8", show=False)  # the engine in its own process, as the app runs
    yield w
    close_window(w)


def test_download_shows_progress_and_fills_the_cache(qtbot, window, served, tmp_path, monkeypatch):
    from gui.download_dialog import ensure_fashion_mnist

    url, md5s, requests = served
    for name, digest in md5s.items():
        monkeypatch.setitem(images.FASHION_MD5, name, digest)
    monkeypatch.setenv(images.FASHION_URL_ENV, url)
    monkeypatch.setattr(platformdirs, "user_cache_dir", lambda *a, **k: str(tmp_path / "cache"))
    values = []
    real_set_value = QProgressDialog.setValue
    monkeypatch.setattr(QProgressDialog, "setValue", lambda self, v: (values.append(v), real_set_value(self, v)))
    ensure_fashion_mnist(window)
    assert images.fashion_mnist_ready()
    assert values[-1] == 100 and len(values) >= 4  # the dialog moved with the data
    assert len(requests) == 4
    ensure_fashion_mnist(window)  # cached: no second download, no dialog
    assert len(requests) == 4


def test_no_network_gives_a_clear_error_and_keeps_the_app(qtbot, window, tmp_path, monkeypatch):
    with socket.socket() as s:  # a port on 127.0.0.1 that nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv(images.FASHION_URL_ENV, f"http://127.0.0.1:{port}/")
    monkeypatch.setattr(platformdirs, "user_cache_dir", lambda *a, **k: str(tmp_path / "cache"))
    model_before, run_before = window.session.model, window.session.run_id
    window.settings_panel.dataset_box.setCurrentText("fashion-mnist")
    window.on_reset()
    assert window.last_message[0] == "error"
    assert "no network" in window.last_message[1] and "still work" in window.last_message[1]
    assert window.session.model is model_before  # the GAN the person had is untouched
    assert window.session.run_id == run_before and window.session.state != "dead"  # and so is its engine
    with pytest.raises(DownloadError):
        images.download_fashion_mnist()
