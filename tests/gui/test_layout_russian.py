"""The window is as readable in Russian (whose text runs longer) as in English: for every model's panel set at
1366x768 and 1920x1080, tests/gui/test_layout.py's checks hold (plots tall enough, axis labels whole, the window
within the screen), and no caption covers more of a plot than the same caption does in English."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QLabel

from gui import i18n
from tests.gui.helpers import close_window
from tests.gui.test_layout import MODELS, no_engine, open_sized_window, problems  # noqa: F401 (no_engine: autouse)

SCREENS = [(1366, 768), (1920, 1080)]


def rect_in(window, widget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def covered_plots(w) -> dict[str, int]:
    """{panel: px} how far captions (labels outside a plot) reach over the plots on show, per panel."""
    covered: dict[str, int] = {}
    for plot in w.findChildren(pg.PlotWidget):
        area = rect_in(w, plot)
        if not plot.isVisible() or not w.rect().intersects(area):
            continue
        for label in w.findChildren(QLabel):
            if label.isVisible() and label.text() and rect_in(w, label).intersects(area):
                name = plot.parent().objectName()
                covered[name] = max(covered.get(name, 0), rect_in(w, label).intersected(area).height())
    return covered


def window_in(qtbot, screen_of_size, monkeypatch, language, size, model, dataset, preset):
    monkeypatch.setattr(i18n, "chosen_language", lambda: language)
    return open_sized_window(qtbot, screen_of_size, size, model, dataset, preset)


@pytest.mark.parametrize("size", SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
@pytest.mark.parametrize("model, dataset, preset", MODELS, ids=[f"{m}-{d}-{p or 'default'}" for m, d, p in MODELS])
def test_russian_window_is_as_readable_as_english(qtbot, screen_of_size, monkeypatch, size, model, dataset, preset):
    try:
        w = window_in(qtbot, screen_of_size, monkeypatch, "en", size, model, dataset, preset)
        english = covered_plots(w)
        close_window(w)
        w = window_in(qtbot, screen_of_size, monkeypatch, "ru", size, model, dataset, preset)
        assert i18n.installed_language() == "ru"
        assert problems(w) == []
        russian = covered_plots(w)
        worse = {panel: (px, english.get(panel, 0)) for panel, px in russian.items() if px > english.get(panel, 0)}
        assert worse == {}, "captions cover more of these plots in Russian than in English (px ru, en)"
        close_window(w)
    finally:
        i18n.install("en")
