"""The formula panel: the lecture's equations for the model on show, typeset (gui.math_render), each
term with its value at the newest step beneath it. The mouse on a term thickens the curves it
drives in the other panels (history plots keep `curves` by metric name) and frames the pictures
it drives; leaving the term puts them back.

It is added to every model's panel set by gui.panels.registry; its content is gui.panels.formulas."""

from __future__ import annotations

import math

import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QT_TRANSLATE_NOOP, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from gui.math_render import MathPiece
from gui.panels.base import Panel
from gui.panels.formulas import CRITIC_LOSSES, Row, Term, rows_for, text

TITLE = QT_TRANSLATE_NOOP("Panels", "Formulas")
HIGHLIGHT = "#d62728"  # the frame round a picture a term drives, and a term's colour when it drives no curve
HIGHLIGHT_WIDTH = 4.0  # px: a driven curve's pen while its term is under the mouse
HIGHLIGHT_Z = 1000  # and drawn above the other curves


def number(value: float) -> str:
    """Four significant figures, a true minus sign."""
    if not math.isfinite(value):
        return text("no_value")
    return f"{value:#.4g}".replace("-", "−")  # "#": trailing zeros kept, so the width holds still


def shown_number(text: str) -> float:
    """The number in a value label (for tests and readers of the panel)."""
    word = text.replace("−", "-").split()[-1]
    return float(word)


class PanelFrame(QWidget):
    """A coloured frame drawn over a panel while a term that drives its picture is hovered."""

    def __init__(self, panel: QWidget):
        super().__init__(panel)
        self.setAttribute(Qt.WA_TransparentForMouseEvents)
        self.hide()

    def show_over(self) -> None:
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setPen(QPen(QColor(HIGHLIGHT), 3))
        painter.drawRect(self.rect().adjusted(1, 1, -2, -2))
        painter.end()


class Highlighter:
    """What each term drives among a panel set's panels, and turning its highlight on and off."""

    def __init__(self, panels: list[QWidget]):
        self.curves: dict[str, list[pg.PlotDataItem]] = {}
        self.panels: dict[str, QWidget] = {}
        for panel in panels:
            for name, curve in getattr(panel, "curves", {}).items():
                self.curves.setdefault(name, []).append(curve)
            self.panels.setdefault(panel.objectName(), panel)
        self._frames: dict[str, PanelFrame] = {}
        self._saved: dict[int, tuple] = {}  # id(curve) -> (curve, pen, z) while highlighted

    def driven(self, term: Term) -> tuple[list[pg.PlotDataItem], list[QWidget]]:
        curves = [c for name in term.curves for c in self.curves.get(name, [])]
        return curves, [self.panels[name] for name in term.panels if name in self.panels]

    def colour(self, term: Term) -> str:
        """The term's colour: its first curve's, so a reader sees which line it is."""
        curves, _ = self.driven(term)
        if curves:
            return pg.mkPen(curves[0].opts["pen"]).color().name()
        return HIGHLIGHT

    def set(self, term: Term, on: bool) -> None:
        curves, panels = self.driven(term)
        for curve in curves:
            if on and id(curve) not in self._saved:
                pen = pg.mkPen(curve.opts["pen"])
                self._saved[id(curve)] = (curve, curve.opts["pen"], curve.zValue())
                wide = pg.mkPen(pen)
                wide.setWidthF(max(HIGHLIGHT_WIDTH, 2 * pen.widthF()))
                curve.setPen(wide)
                curve.setZValue(HIGHLIGHT_Z)
            elif not on and id(curve) in self._saved:
                self._restore(id(curve))
        for panel in panels:
            frame = self._frames.get(panel.objectName())
            if frame is None:
                frame = self._frames[panel.objectName()] = PanelFrame(panel)
            frame.show_over() if on else frame.hide()

    def _restore(self, key: int) -> None:
        curve, pen, z = self._saved.pop(key)
        if shiboken6.isValid(curve):
            curve.setPen(pen)
            curve.setZValue(z)


class MathLine(QWidget):
    """Pieces of maths side by side on one baseline, each term's value centred under it. Laid out by
    hand: a value wider than its term (log = −1.234 under p_x(x)) may reach under its neighbours,
    where a grid column would push the maths apart."""

    VALUE_GAP = 8  # px between two values

    def __init__(self, pieces: list[MathPiece], values: dict[int, QLabel], parent=None):
        super().__init__(parent)
        self.pieces, self.values = pieces, values
        ascent = max(p.picture.ascent for p in pieces)
        descent = max(p.picture.descent for p in pieces)
        for piece in pieces:
            piece.setParent(self)
            piece.align(ascent, descent)
        for label in values.values():
            label.setParent(self)
        self._widths = None
        self.place()

    def place(self) -> None:
        """Put the values under their terms; only when a value's width changed, not every frame."""
        for label in self.values.values():
            label.adjustSize()
        widths = tuple(label.width() for label in self.values.values())
        if widths == self._widths:
            return
        self._widths = widths
        x = 0
        for piece in self.pieces:
            piece.move(x, 0)
            x += piece.width()
        right, bottom = x, max(p.height() for p in self.pieces)
        free = 0  # the first x a value may start at
        for index, label in self.values.items():
            piece = self.pieces[index]
            left = max(piece.x() + (piece.width() - label.width()) // 2, free)
            label.move(left, piece.height())
            free = left + label.width() + self.VALUE_GAP
            right, bottom = max(right, left + label.width()), max(bottom, piece.height() + label.height())
        self.setFixedSize(right, bottom)


class FormulaRow(QWidget):
    """A caption above one line of maths (MathLine)."""

    def __init__(self, row: Row, highlighter: Highlighter, parent=None):
        super().__init__(parent)
        self.row = row
        self.pieces: dict[str, MathPiece] = {}
        self.values: dict[str, QLabel] = {}
        caption = QLabel(text(row.caption))
        caption.setWordWrap(True)
        caption.setStyleSheet("color: #555;")
        widgets, values = [], {}
        for index, piece in enumerate(row.pieces):
            if not isinstance(piece, Term):
                widgets.append(MathPiece(piece))
                continue
            colour = highlighter.colour(piece)
            widget = MathPiece(piece.latex, hover_colour=colour)
            widget.setObjectName(f"term_{piece.key}")
            widget.hovered.connect(lambda on, term=piece: highlighter.set(term, on))
            widgets.append(widget)
            self.pieces[piece.key] = widget
            if piece.metric is not None:
                value = QLabel(text("no_value"))
                value.setObjectName(f"value_{piece.key}")
                value.setStyleSheet(f"color: {colour}; font-weight: bold;")
                values[index] = self.values[piece.key] = value
        self.line = MathLine(widgets, values)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(caption)
        layout.addWidget(self.line)


class FormulaPanel(Panel):
    title = TITLE
    object_name = "formulas"
    uses = ("history", "gan_loss")

    def __init__(self, rows: tuple[Row, ...], panels: list[QWidget], loss: str | None = None, parent=None):
        super().__init__(parent)
        self.highlighter = Highlighter(panels)
        self.rows = [FormulaRow(row, self.highlighter) for row in rows]
        self.terms: dict[str, Term] = {t.key: t for row in rows for t in row.terms()}
        self.pieces = {k: w for row in self.rows for k, w in row.pieces.items()}
        self.values = {k: w for row in self.rows for k, w in row.values.items()}
        self.step_label = QLabel(text("no_values"))
        self.step_label.setObjectName("formula_step")
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(f"color: {HIGHLIGHT};")
        self.note.hide()
        body = QWidget()
        inner = QVBoxLayout(body)
        inner.setContentsMargins(6, 4, 6, 4)
        inner.setSpacing(8)
        inner.addWidget(self.step_label)
        inner.addWidget(self.note)
        for row in self.rows:
            inner.addWidget(row)
        inner.addStretch(1)
        # Maths does not wrap: a narrow or short dock scrolls rather than squeezes it.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(scroll)
        self._loss: object = self  # none shown yet
        self._show_loss(loss)

    def sizeHint(self) -> QSize:
        return QSize(560, 300)

    def _version_of(self, session, name: str):
        if name == "gan_loss":  # G's loss row follows a live change of gan.loss
            return gan_loss(session.model)
        return super()._version_of(session, name)

    def render(self, session) -> None:
        self._show_loss(gan_loss(session.model))
        h = session.history
        if not h or not len(h["steps"]):
            self.step_label.setText(text("no_values"))
            for label in self.values.values():
                label.setText(text("no_value"))
            for row in self.rows:
                row.line.place()
            return
        # The run's step, as the status bar says it; the history's newest row may be a bucket of several steps.
        self.step_label.setText(text("values_at").format(step=int(h.get("step", h["steps"][-1]))))
        last = dict(zip(h["names"], h["last"], strict=True))
        critic = self._loss in CRITIC_LOSSES
        for key, label in self.values.items():
            term = self.terms[key]
            if term.needs_probability and critic:
                label.setText(text("no_value"))
                continue
            value = term.sign * float(last.get(term.metric, math.nan))
            label.setText(text(term.shows).format(v=number(value)))
        for row in self.rows:
            row.line.place()

    def _show_loss(self, loss) -> None:
        """Only G's loss row for this run's gan.loss, and a note when L(D, G) is not what D minimises."""
        if loss == self._loss:
            return
        self._loss = loss
        for row in self.rows:
            if row.row.gan_losses:
                row.setVisible(loss in row.row.gan_losses)
        self.note.setVisible(loss in CRITIC_LOSSES)
        self.note.setText(text("gan.not_this_loss").format(loss=loss))

    def shown_value(self, key: str) -> float:
        return shown_number(self.values[key].text())


def gan_loss(model) -> str | None:
    """A GAN's gan.loss now (it can change while training runs); None for other models."""
    params = getattr(model, "params", None)
    return getattr(params, "loss", None)


def build_formula_panel(model, panels: list[QWidget]) -> FormulaPanel | None:
    """The model's formula panel, wired to the curves and pictures of `panels`; None for a model it has no maths for."""
    rows = rows_for(model)
    return FormulaPanel(rows, panels, gan_loss(model)) if rows else None
