"""Typeset maths without a web engine: LaTeX -> SVG with ziamath (pure Python, MIT, its own
STIX Two Math font), drawn by Qt's SVG renderer into a pixmap that is kept.

Each piece of a formula is rendered once (cached by its LaTeX, size and colour) and painted from
its pixmap at every repaint; live numbers beside the maths are ordinary labels, so no frame ever
typesets again. A piece knows its baseline, so pieces set side by side line up as one equation."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QWidget

with warnings.catch_warnings():  # ziamath finds its font with a deprecated importlib call: not ours to fix
    warnings.simplefilter("ignore", DeprecationWarning)
    import ziamath

# Qt's SVG renderer reads SVG 1.1/Tiny: ziamath's SVG 2 output (href without xlink) would draw nothing.
ziamath.config.svg2 = False

MATH_SIZE = 15.0  # ziamath's font size (SVG px): a little above the window's text, so sub- and superscripts read
MATH_COLOUR = "#202020"


@dataclass(frozen=True)
class MathPicture:
    """One typeset piece: its SVG, size in px, and the height of its baseline above its bottom edge."""

    svg: bytes
    width: float
    height: float
    ascent: float  # from the top edge down to the baseline

    @property
    def descent(self) -> float:
        return self.height - self.ascent


@lru_cache(maxsize=512)
def typeset(latex: str, size: float = MATH_SIZE, colour: str = MATH_COLOUR) -> MathPicture:
    """LaTeX -> SVG, once per (latex, size, colour)."""
    maths = ziamath.Latex(latex, size=size, color=colour)
    box, margin = maths.node.bbox, maths.margin
    return MathPicture(maths.svg().encode(), width=box.xmax - box.xmin + 2 * margin,
                       height=box.ymax - box.ymin + 2 * margin, ascent=box.ymax + margin)


def rasterise(picture: MathPicture, ratio: float) -> QPixmap:
    """The picture as a pixmap at a device pixel ratio, so it is crisp on high-DPI screens too."""
    size = QSize(max(1, round(picture.width * ratio)), max(1, round(picture.height * ratio)))
    pixmap = QPixmap(size)
    pixmap.fill(Qt.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    QSvgRenderer(QByteArray(picture.svg)).render(painter, QRectF(0, 0, size.width(), size.height()))
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


class MathPiece(QWidget):
    """A typeset piece of a formula. `baseline` (px from the top) lines it up with its neighbours;
    `hover_colour` makes it a term: tinted under the mouse, with `hovered(True/False)` on enter and leave."""

    hovered = Signal(bool)

    def __init__(self, latex: str, size: float = MATH_SIZE, hover_colour: str | None = None, parent=None):
        super().__init__(parent)
        self.latex = latex
        self.picture = typeset(latex, size)
        self.hover_colour = hover_colour
        self.highlighted = False
        self._pixmap: QPixmap | None = None
        self._baseline = self.picture.ascent
        self._depth = self.picture.descent
        if hover_colour:
            self.setAttribute(Qt.WA_Hover)
            self.setCursor(Qt.PointingHandCursor)
        self._fix_size()

    def align(self, ascent: float, descent: float) -> None:
        """Share a row's baseline: the row's tallest ascent above it, its deepest descent below."""
        self._baseline, self._depth = ascent, descent
        self._fix_size()

    def _fix_size(self) -> None:
        self.setFixedSize(int(self.picture.width + 0.999) + 2, int(self._baseline + self._depth + 0.999) + 2)

    def pixmap(self) -> QPixmap:
        """The piece drawn once per device pixel ratio (a window moved to another screen redraws it)."""
        ratio = self.devicePixelRatioF()
        if self._pixmap is None or self._pixmap.devicePixelRatio() != ratio:
            self._pixmap = rasterise(self.picture, ratio)
        return self._pixmap

    def set_highlighted(self, on: bool) -> None:
        if on != self.highlighted:
            self.highlighted = on
            self.update()

    def enterEvent(self, event) -> None:
        if self.hover_colour:
            self.set_highlighted(True)
            self.hovered.emit(True)
        super().enterEvent(event)

    def leaveEvent(self, event) -> None:
        if self.hover_colour:
            self.set_highlighted(False)
            self.hovered.emit(False)
        super().leaveEvent(event)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        if self.hover_colour:  # a term: a faint underline says it can be hovered, a tint that it is
            colour = QColor(self.hover_colour)
            if self.highlighted:
                colour.setAlpha(45)
                painter.fillRect(self.rect(), colour)
                colour.setAlpha(255)
            else:
                colour.setAlpha(110)
            painter.fillRect(1, self.height() - 2, self.width() - 2, 2, colour)
        painter.drawPixmap(1, round(1 + self._baseline - self.picture.ascent), self.pixmap())
        painter.end()
