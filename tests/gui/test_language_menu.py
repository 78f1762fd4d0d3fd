"""Which language the window speaks: the system's (Russian when the system locale is Russian, else English)
until the person picks one in View > Language; the pick is remembered and used from the next window on."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QLocale, QSettings

from gui import i18n
from tests.gui.helpers import close_window
from tests.gui.test_layout import no_engine, open_sized_window  # noqa: F401 (no_engine: autouse, no training)

SYSTEM_LANGUAGE = i18n.system_language  # the real one: tests/gui/conftest.py makes windows English by default


@pytest.mark.parametrize("language, expected", [(QLocale.Russian, "ru"), (QLocale.German, "en"),
                                                (QLocale.English, "en")])
def test_without_a_choice_the_window_follows_the_system_locale(monkeypatch, language, expected):
    monkeypatch.setattr(i18n, "system_language", SYSTEM_LANGUAGE)
    monkeypatch.setattr(QLocale, "system", staticmethod(lambda: QLocale(language)))
    assert i18n.chosen_language() == expected
    i18n.remember_language("en" if expected == "ru" else "ru")  # a choice in the menu wins over the locale
    assert i18n.chosen_language() != expected


def test_language_menu_remembers_the_choice_for_the_next_window(qtbot, screen_of_size):
    try:
        w = open_sized_window(qtbot, screen_of_size, (1366, 768), "gan", "ring8", None)
        actions = w.actions_by_name
        assert (actions["language_en"].text(), actions["language_ru"].text()) == ("English", "Русский")
        assert actions["language_en"].isChecked() and not actions["language_ru"].isChecked()
        assert actions["train"].text() == "Train"

        actions["language_ru"].trigger()
        assert QSettings().value(i18n.SETTING_KEY) == "ru"
        assert w.last_message == ("notice", "The language changes when genviz is next opened.")
        assert actions["train"].text() == "Train"  # this window keeps its language, as the menu says
        close_window(w)

        w = open_sized_window(qtbot, screen_of_size, (1366, 768), "gan", "ring8", None)  # make_app installs it
        assert i18n.installed_language() == "ru"
        assert w.actions_by_name["train"].text() == "Обучать"
        assert w.actions_by_name["language_ru"].isChecked()
        assert w.settings_dock.windowTitle() == "Настройки"
        close_window(w)
    finally:
        i18n.install("en")
