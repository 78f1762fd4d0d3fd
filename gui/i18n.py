"""The window's languages: English (the source text) and Russian, with Qt's translation system.

Every string a person reads in the window goes through translate(context, text) (Qt's
QCoreApplication.translate, under a name pyside6-lupdate recognises) or, where it is a constant
defined at import time, through noop(context, text) and then translate() where it is shown.
The Russian text lives in resources/i18n/genviz_ru.ts; the compiled genviz_ru.qm beside it is what
the window loads (both are kept in git; `make i18n` updates the .ts from gui/ and recompiles the .qm).

The language is the one remembered in QSettings ("language"), else the system locale's:
Russian when the system is Russian, else English. It applies when the window is next opened.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QSettings, QTranslator

I18N_DIR = Path(__file__).resolve().parent.parent / "resources" / "i18n"
LANGUAGES = {"en": "English", "ru": "Русский"}  # each language's name in itself, as the menu shows it
SETTING_KEY = "language"
_installed: list[QTranslator] = []  # kept alive: Qt does not own an installed translator


def translate(context: str, text: str, disambiguation: str | None = None, n: int = -1) -> str:
    """The text in the window's language (the English source text where there is no translation)."""
    return QCoreApplication.translate(context, text, disambiguation, n)


def noop(context: str, text: str) -> str:
    """Marks a constant for translation (pyside6-lupdate reads it) without translating it yet: the
    constant is defined before the translator is installed, so translate it where it is shown."""
    return text


def system_language() -> str:
    return "ru" if QLocale.system().language() == QLocale.Russian else "en"


def chosen_language() -> str:
    """The language set in the window's Language menu, or else the system's."""
    value = QSettings().value(SETTING_KEY, "")
    return value if value in LANGUAGES else system_language()


def remember_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    QSettings().setValue(SETTING_KEY, language)


def install(language: str | None = None) -> str:
    """Load the translations of `language` (default: chosen_language()) into the running application,
    replacing any installed before; returns the language used. English needs no translator."""
    language = language or chosen_language()
    app = QCoreApplication.instance()
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    if language == "en":
        return language
    ours = QTranslator()
    if not ours.load(str(I18N_DIR / f"genviz_{language}.qm")):
        raise FileNotFoundError(f"no compiled translations for {language!r} in {I18N_DIR}")
    qt_own = QTranslator()  # Qt's own dialogs' buttons (Yes, No, Cancel, Open…)
    if qt_own.load(f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.TranslationsPath)):
        _installed.append(qt_own)
    _installed.append(ours)
    for translator in _installed:
        app.installTranslator(translator)
    return language


def installed_language() -> str:
    return "en" if not _installed else Path(_installed[-1].filePath()).stem.split("_")[-1]
