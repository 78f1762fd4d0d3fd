"""How a model's docks share the window. On a small screen the docks of one area are stacked as tabs,
so every plot that shows keeps a readable size: the right column gets as many stacks as fit its height,
the bottom row as many as fit its width; the others wait in tabs. Qt-free grouping, Qt-side placing."""

from __future__ import annotations

from itertools import combinations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QTabBar, QTabWidget

from gui.style import PLOT_MIN_HEIGHT, PLOT_MIN_WIDTH

DOCK_TITLE = 24  # px: a dock's title bar
TAB_BAR = 30  # px: the tab bar of stacked docks
SEPARATOR = 6  # px: the splitter between two docks
BOTTOM_SHARE = 0.42  # the bottom row takes at most this share of the height under the toolbar
COMFORT = 0.75  # a dock shown beside others gets at least this share of its panel's preferred size


def group_docks(needs: list[int], available: int, extra: int = DOCK_TITLE, tab: int = TAB_BAR) -> list[list[int]]:
    """Split items 0..n-1, in order, into runs shown side by side (or one above another); the items
    of one run are tabs. A run costs its largest need plus `extra`, plus `tab` when it has tabs.
    The most runs whose costs fit `available` (the cheapest such split); one run when none fits."""
    n = len(needs)
    for count in range(n, 0, -1):
        best = None
        for cuts in combinations(range(1, n), count - 1):
            bounds = (0, *cuts, n)
            groups = [list(range(a, b)) for a, b in zip(bounds, bounds[1:], strict=False)]
            cost = sum(max(needs[i] for i in g) + extra + (tab if len(g) > 1 else 0) for g in groups)
            cost += SEPARATOR * (count - 1)
            if cost <= available and (best is None or cost < best[0]):
                best = (cost, groups)
        if best is not None:
            return best[1]
    return [list(range(n))] if n else []


def whole_tab_titles(bar: QTabBar) -> None:
    """A stack's tabs show their whole titles; when they outgrow the stack's width the bar scrolls
    (arrows at its end) instead of cutting every title to a few letters ("Loss…", "Sample qua…")."""
    bar.setElideMode(Qt.ElideNone)
    bar.setUsesScrollButtons(True)


def readable_plots(panel) -> None:
    """No plot in a panel smaller than PLOT_MIN_HEIGHT x PLOT_MIN_WIDTH: below it axis labels clip and ticks crowd."""
    for plot in panel.findChildren(pg.PlotWidget):
        plot.setMinimumHeight(max(plot.minimumHeight(), PLOT_MIN_HEIGHT))
        plot.setMinimumWidth(max(plot.minimumWidth(), PLOT_MIN_WIDTH))


def need(dock: QDockWidget, vertical: bool) -> int:
    """The size a dock asks for along the area's direction: its panel's minimum, or most of its preferred size."""
    panel = dock.widget()
    least, preferred = panel.minimumSizeHint(), panel.sizeHint()
    if vertical:
        return max(least.height(), int(COMFORT * preferred.height()))
    return max(least.width(), int(COMFORT * preferred.width()))


def dock_region(window: QMainWindow, left_width: int) -> tuple[int, int]:
    """(width, height) the docks and the centre share: the window less its menu, tool and status bars
    and the left column."""
    bars = window.menuBar().sizeHint().height() + window.statusBar().sizeHint().height()
    bars += sum(bar.sizeHint().height() for bar in window.findChildren(pg.QtWidgets.QToolBar))
    return window.width() - left_width - SEPARATOR, window.height() - bars


def arrange(window: QMainWindow, right: list[QDockWidget], bottom: list[QDockWidget], left_width: int):
    """Stack the right and bottom docks into tabs so that each shown one gets its panel's minimum size, at once
    (so the window's minimum size never outgrows the screen); return a function that sizes the stacks, to be
    called once Qt has placed the docks (sizes set before that are lost)."""
    window.setTabPosition(Qt.AllDockWidgetAreas, QTabWidget.North)
    for dock in right + bottom:
        readable_plots(dock.widget())
    width, height = dock_region(window, left_width)
    sizes = []  # (docks, sizes, direction) for resizeDocks
    bottom_height = 0
    if bottom:
        hints = [d.widget().sizeHint().height() for d in bottom]
        least = max(d.widget().minimumSizeHint().height() for d in bottom) + DOCK_TITLE + TAB_BAR
        bottom_height = max(least, min(max(hints) + DOCK_TITLE, int(BOTTOM_SHARE * height)))
        sizes.append((bottom[:1], [bottom_height], Qt.Vertical))
        sizes.append(_stack(window, bottom, [need(d, vertical=False) for d in bottom], width, Qt.Horizontal,
                            extra=SEPARATOR, tab=0))
    if right:
        sizes.append(_stack(window, right, [need(d, vertical=True) for d in right], height - bottom_height - SEPARATOR,
                            Qt.Vertical))

    def size_stacks() -> None:
        for docks, lengths, direction in sizes:
            if docks:
                window.resizeDocks(docks, lengths, direction)

    return size_stacks


def _stack(window, docks: list[QDockWidget], needs: list[int], available: int, direction, extra: int = DOCK_TITLE,
           tab: int = TAB_BAR) -> tuple[list, list, object]:
    """Tab the docks of each group together; return how to share `available` among the groups: in proportion
    to their needs (otherwise Qt shares it by size hints, and a long caption starves a plot beside it)."""
    groups = group_docks(needs, available, extra, tab)
    for group in groups:
        for i in group[1:]:
            window.tabifyDockWidget(docks[group[0]], docks[i])
        docks[group[0]].raise_()
    if len(groups) < 2:
        return [], [], direction
    group_needs = [max(needs[i] for i in g) for g in groups]
    return ([docks[g[0]] for g in groups], [max(n, int(available * n / sum(group_needs))) for n in group_needs],
            direction)
