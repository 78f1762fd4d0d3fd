"""The window in Russian: every string of resources/i18n/genviz_ru.ts has a finished Russian translation,
the shipped .qm holds exactly those translations, the .ts holds every string gui/ marks for translation,
each string whose English names one of the lecture's ideas uses the lecture's Russian term for it, and a
window of each model, trained a few steps in Russian, shows no English word a person reads."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QTranslator
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton, QDockWidget, QGroupBox, QLabel, QTabBar, QToolBar

from gui import i18n
from gui.settings_panel import IDENTIFIER_PROPERTY
from tests.gui.helpers import TIMEOUT_MS, close_window, open_window, pause_and_settle, press, wait_drawn

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "i18n" / "genviz_ru.ts"
QM = ROOT / "resources" / "i18n" / "genviz_ru.qm"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")

# Latin words a Russian window may show: names (of models, data sets, formats, libraries), units and the
# symbols of the lecture's formulas. Anything else in Latin letters is English that escaped translation.
ALLOWED_WORDS = {
    "GAN", "WGAN", "GP", "VAE", "RealNVP", "MNIST", "Fashion", "ELBO", "KL", "JS", "NLL", "PyTorch", "genviz",
    "PNG", "SVG", "GIF", "MP4", "CSV", "csv", "npy", "npz", "English", "Ctrl", "Shift", "Space", "Right",
    "cpu", "cuda", "mps", "log", "exp", "det", "max", "min", "sin", "cos", "ln", "lerp", "slerp", "PC", "ActNorm",
    "AffineCoupling", "FlowBatchNorm", "Squeeze", "LogitTransform", "ring8", "grid25", "nan", "NaN", "inf", "tcp",
    "SIGKILL", "SIGTERM",
}
CONFIG_NAME = re.compile(r"\b[a-z]+\.[a-z_0-9]+\b")  # gan.loss, vae.beta, train.steps: typed as they are
FILE_PATTERN = re.compile(r"\*\.[a-z0-9]+")  # *.png in a file dialog's filter
UNFILLED = re.compile(r"\{[a-z_]+(?::[^}]*)?\}")  # {dims}, {step:,}; not a formula's x_{1:d}
LATIN_WORD = re.compile(r"[A-Za-z]{2,}[A-Za-z0-9]*")  # two letters at least: z0, x1, h3 are symbols


def ts_messages() -> list[tuple[str, str, ET.Element]]:
    """(context, source, translation element) of every message in the .ts."""
    root = ET.parse(TS).getroot()
    return [(ctx.findtext("name"), m.findtext("source"), m.find("translation"))
            for ctx in root.iter("context") for m in ctx.iter("message")]


def test_every_source_string_has_a_finished_russian_translation():
    messages = ts_messages()
    assert len(messages) > 300  # the whole window, not a sample
    for context, source, translation in messages:
        where = f"{context}: {source!r}"
        assert translation.get("type") not in ("unfinished", "vanished", "obsolete"), where
        text = translation.text or ""
        assert text.strip(), where
        assert english_words(PLACEHOLDER.sub(" ", text)) == [], where
        assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source)), where


def test_shipped_qm_holds_the_translations_of_the_ts(qapp):
    """The .qm in git is compiled from the .ts as it is: each translation comes back from it as written."""
    translator = QTranslator()
    assert translator.load(str(QM))
    stale = [(c, s) for c, s, t in ts_messages() if translator.translate(c, s) != (t.text or "")]
    assert stale == [], f"{len(stale)} translations differ in the .qm: run `make i18n`; first: {stale[:3]}"


# The lecture's Russian terms: wherever the English source names the idea, its translation uses the lecture's
# word for it (in any grammatical case: «функцию потерь», «регуляризатора», «декодировщика»). The English
# patterns skip identifiers: gan.loss, {loss} and loss_d are names, not the word.
LECTURE_TERMS = [
    ("loss", re.compile(r"(?<![.\w{])loss(es)?\b(?![_}])", re.I), re.compile(r"\bфункци[яиюей]{1,2} потерь\b", re.I)),
    ("regulariser", re.compile(r"\bregulari[sz]ers?\b", re.I), re.compile(r"\bрегуляризатор", re.I)),
    ("vanishing gradient", re.compile(r"\bvanishing[- ]gradients?\b", re.I),
     re.compile(r"\bзатухани[еяю]м? градиентов\b", re.I)),
    ("change of variables", re.compile(r"\bchange[- ]of[- ]variables\b", re.I),
     re.compile(r"\bтеорем[аыеуой]{1,2} о замене переменных\b", re.I)),
    ("encoder", re.compile(r"\bencoders?\b", re.I), re.compile(r"\bкодировщик", re.I)),  # \b: not «декодировщик»
    ("decoder", re.compile(r"\bdecoders?\b", re.I), re.compile(r"\bдекодировщик", re.I)),
]

# Where the term cannot fit, with the reason. The GAN loss plot's y axis ("loss", gui/panels/gan_history.py) is
# 110 px long in a 1366x768 window and «функция потерь» needs 115 (test_layout_russian fails on it); it reads
# «потери», and the same plot's legend («функция потерь D», «функция потерь G») and title carry the term.
TERM_EXCEPTIONS = {("loss", "Panels", "loss")}


def test_the_russian_uses_the_lectures_terms_where_the_english_names_them():
    checked = {term: 0 for term, _, _ in LECTURE_TERMS}
    wrong = []
    for context, source, translation in ts_messages():
        english, russian = plain(source), plain(translation.text or "")
        for term, in_english, in_russian in LECTURE_TERMS:
            if in_english.search(english) and (term, context, source) not in TERM_EXCEPTIONS:
                checked[term] += 1
                if not in_russian.search(russian):
                    wrong.append(f"{term}: {context}: {english[:70]!r} -> {russian[:90]!r}")
    assert all(checked.values()), checked  # each term is in the window somewhere
    assert wrong == [], "\n".join(wrong)


def test_the_lecture_term_patterns_tell_the_word_from_a_name():
    _, loss, loss_ru = LECTURE_TERMS[0]
    assert loss.search("G's loss in this run") and loss.search("Losses") and loss.search("D loss  L(D,G)")
    assert not loss.search("gan.loss now") and not loss.search("with gan.loss = {loss}: D") and not loss.search("loss_d")
    assert loss_ru.search("Функцию потерь G") and not loss_ru.search("потери D")
    encoder_ru = LECTURE_TERMS[4][2]
    assert encoder_ru.search("выход кодировщика") and not encoder_ru.search("выход декодировщика")


@pytest.mark.skipif(shutil.which("pyside6-lupdate", path=str(Path(__import__("sys").executable).parent)) is None,
                    reason="pyside6-lupdate is not installed")
def test_ts_holds_every_string_gui_marks_for_translation(tmp_path):
    """pyside6-lupdate finds no string in gui/ that the shipped .ts lacks (a new string needs `make i18n`)."""
    import sys

    lupdate = str(Path(sys.executable).parent / "pyside6-lupdate")
    fresh = tmp_path / "fresh.ts"
    sources = [str(p) for p in sorted((ROOT / "gui").rglob("*.py")) if p.name != "bench.py"]
    subprocess.run([lupdate, "-no-obsolete", *sources, "-ts", str(fresh)], check=True, capture_output=True)
    found = {(ctx.findtext("name"), m.findtext("source"))
             for ctx in ET.parse(fresh).getroot().iter("context") for m in ctx.iter("message")}
    shipped = {(c, s) for c, s, _ in ts_messages()}
    assert found - shipped == set()
    assert shipped - found == set()  # nothing left over that the window no longer shows


ENGINE_MESSAGES = [  # as core/ and gui/engine_link.py write them
    "saved step 120 to /tmp/runs/gan-ring8",
    "loss_d, loss_g became NaN or infinite at step 57; restored step 50 and paused. Try a lower learning rate.",
    "out of memory at step 9; restored step 8 and paused. Try a smaller batch size.",
    "attached to tcp://127.0.0.1:5555", "lost the engine at tcp://127.0.0.1:5555; reconnecting",
    "cannot reach the engine at tcp://10.0.0.2:5555", "The training engine stopped answering and was ended.",
    "The training engine exited with code 1.", "The training engine was killed (SIGKILL, perhaps out of memory).",
    "The training engine was killed (SIGTERM).",
    "receiving the engine's timeline (2 of 7 parts)",
    "this run has no timeline (timeline.safetensors is missing): past steps cannot be shown",
]


def test_the_engines_common_messages_are_shown_in_russian(qapp, russian):
    from gui.event_text import shown

    assert [shown(m) for m in ENGINE_MESSAGES] == ENGINE_MESSAGES  # English: as the engine wrote them
    i18n.install("ru")
    for message in ENGINE_MESSAGES:
        text = shown(message)
        names_and_places = re.sub(r"\S*[/:_]\S*", " ", text)  # metric names, folders, addresses stay as they are
        assert re.search("[а-яё]", text) and english_words(names_and_places) == [], text
        assert set(re.findall(r"\d+", message)) == set(re.findall(r"\d+", text))  # the numbers kept
    assert shown("unknown command 'x'") == "unknown command 'x'"  # anything else as it is


# -- the window in Russian ----------------------------------------------------------------------------------
@pytest.fixture
def russian(monkeypatch):
    """The window's language set to Russian, as the Language menu leaves it; English again afterwards."""
    monkeypatch.setattr(i18n, "chosen_language", lambda: "ru")
    yield
    i18n.install("en")


def plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", text)).replace("&", "")


def in_plot_menu(action) -> bool:
    """pyqtgraph's own right-click menu of a plot (View All, Export...): pyqtgraph's strings, not the window's."""
    parent = action.parent()
    while parent is not None:
        if isinstance(parent, pg.GraphicsView):
            return True
        parent = parent.parent()
    return False


def visible_texts(w) -> list[tuple[str, str]]:
    """(where, text) of every caption a person reads in the window: labels, buttons, actions and menus,
    dock, group and tab titles, plot axis labels and legend entries."""
    texts = [("window title", w.windowTitle())]
    texts += [(f"label {x.objectName()}", plain(x.text())) for x in w.findChildren(QLabel)
              if x.isVisibleTo(w) and not x.property(IDENTIFIER_PROPERTY)]
    texts += [(f"button {x.objectName()}", plain(x.text())) for x in w.findChildren(QAbstractButton)]
    actions = [x for x in w.findChildren(QAction) if not in_plot_menu(x)]
    texts += [(f"action {x.objectName()}", plain(x.text())) for x in actions]
    texts += [(f"tooltip {x.objectName()}", x.toolTip()) for x in actions if x.toolTip()]
    texts += [(f"menu {a.text()}", plain(a.text())) for a in w.menuBar().actions()]
    texts += [(f"dock {x.objectName()}", x.windowTitle()) for x in w.findChildren(QDockWidget)]
    texts += [(f"toolbar {x.objectName()}", x.windowTitle()) for x in w.findChildren(QToolBar)]
    texts += [(f"group {x.objectName()}", x.title()) for x in w.findChildren(QGroupBox)]
    texts += [(f"tab {i}", bar.tabText(i)) for bar in w.findChildren(QTabBar) for i in range(bar.count())]
    plots = [p.getPlotItem() for p in w.findChildren(pg.PlotWidget)]
    for view in w.findChildren(pg.GraphicsLayoutWidget):
        plots += [item for item in view.ci.items if isinstance(item, pg.PlotItem)]
    for plot in plots:
        for side in ("left", "bottom", "right", "top"):
            texts.append((f"axis {side}", plain(plot.getAxis(side).labelText or "")))
        if plot.legend is not None:
            texts += [("legend", plain(label.text)) for _sample, label in plot.legend.items]
    return texts


def english_words(text: str) -> list[str]:
    text = FILE_PATTERN.sub(" ", CONFIG_NAME.sub(" ", text))
    return [word for word in LATIN_WORD.findall(text) if word not in ALLOWED_WORDS]


def test_english_words_are_found_and_allowed_names_are_not():
    assert english_words("Шаг 10 · step") == ["step"]
    assert english_words("gan.loss = minimax; KL(q ‖ p) в натах, ELBO, MNIST, x_{1:d}") == ["minimax"]


WINDOWS = [  # each model, small so a few steps take seconds; each with its lesson on show
    ("gan", "ring8", "vanishing-gradient", {"gan.hidden": "32", "data.batch_size": "64"}),
    ("vae", "mnist", "beta-tradeoff", {"vae.hidden": "64", "data.batch_size": "64", "vae.test_every": "10"}),
    ("realnvp", "moons", None, {"realnvp.couplings": "4", "realnvp.hidden": "32", "data.batch_size": "128"}),
    ("gan", "mnist", None, {"gan.channels": "8", "gan.latent_dim": "8", "data.batch_size": "16", "gan.ema": "0"}),
]


@pytest.mark.parametrize("placement", ["thread"])
@pytest.mark.parametrize("model, dataset, preset, settings", WINDOWS, ids=[f"{m}-{d}" for m, d, *_ in WINDOWS])
def test_a_russian_window_shows_no_english(qtbot, russian, placement, model, dataset, preset, settings):
    w = open_window(qtbot, model, dataset, preset, settings, placement=placement)
    try:
        assert i18n.installed_language() == "ru"
        press(qtbot, w, "train")
        qtbot.waitUntil(lambda: w.session.history is not None and w.session.history["step"] >= 5
                        and w.session.snapshot is not None and w.session.snapshot["step"] > 0, timeout=TIMEOUT_MS)
        pause_and_settle(qtbot, w)
        wait_drawn(qtbot, w)
        w.redraw_all()  # the panels in hidden tabs too
        w._update_status()
        texts = visible_texts(w)
        untranslated = [(where, text) for where, text in texts if english_words(text)]
        assert untranslated == [], "\n".join(map(str, untranslated))
        unfilled = [(where, text) for where, text in texts if UNFILLED.search(text)]  # a {name} left unformatted
        assert unfilled == []
    finally:
        close_window(w)
