"""Fixtures shared by the window tests."""

from __future__ import annotations

import pytest

PLACEMENTS = ("process", "thread")


@pytest.fixture(params=PLACEMENTS)
def placement(request) -> str:
    """Where the window's engine runs: a child process (the default) or a QThread of the test's
    own process. A test that needs the live model (to poison a step, read an optimizer) pins
    itself to one with @pytest.mark.parametrize("placement", ["thread"])."""
    return request.param


@pytest.fixture
def screen_of_size(monkeypatch):
    """screen_of_size(w, h): the window's screen reports this available size (the window fits itself to it)."""
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QScreen

    def use(width: int, height: int) -> None:
        monkeypatch.setattr(QScreen, "availableGeometry", lambda self: QRect(0, 0, width, height))

    return use


@pytest.fixture(autouse=True)
def english_window(monkeypatch):
    """Windows open in English, whatever the machine's locale (gui.i18n follows the system's language
    where none is set); tests/gui/test_translation.py sets Russian itself."""
    import gui.i18n

    monkeypatch.setattr(gui.i18n, "system_language", lambda: "en")


@pytest.fixture(scope="module")
def stand_in_classifier_cache(tmp_path_factory):
    """A classifier cache that holds an untrained stand-in for the MNIST digit classifier. An engine in another
    process is out of reach of a test's monkeypatches: with CACHE_ENV set to this, its prepare() (and the
    window's) loads the stand-in instead of training the real classifier, and the image GAN's class
    histogram has figures to show."""
    import torch

    import core.classifier as clf

    root = tmp_path_factory.mktemp("classifier-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(clf.CACHE_ENV, str(root))
        torch.manual_seed(0)
        clf.save_classifier(clf.DigitClassifier({
            "format": clf.FORMAT, "architecture_version": clf.ARCHITECTURE_VERSION, "dataset": "mnist",
            "data_md5": clf._data_md5("mnist"), "test_accuracy": 0.1, "reference_score": 1.0}))
    return root
