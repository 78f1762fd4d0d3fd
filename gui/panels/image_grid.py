"""Many small images drawn as one: tiled into a single array with NumPy and shown by one ImageItem.

One ImageItem per grid (not one per image) keeps a redraw to a single texture upload.
Levels are fixed to (0, 1), the pixels' range, so no frame scans the data for min/max.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

PAD = 1  # pixels between tiles
PAD_VALUE = 0.55  # mid grey: visible against both black and white backgrounds


def as_hw_images(images: np.ndarray, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """(N, C, H, W), (N, H, W) or flat (N, C*H*W) with shape=(C, H, W) -> (N, H, W) or (N, H, W, 3)."""
    a = np.asarray(images, np.float32)
    if shape is not None:
        a = a.reshape(len(a), *shape)
    if a.ndim == 3:
        return a
    channels = a.shape[1]
    if channels == 3:
        return np.moveaxis(a, 1, -1)
    return a[:, 0]  # one channel (or an unusual count: show the first)


def best_columns(n: int, tile_aspect: float, view_aspect: float) -> int:
    """The column count that makes n tiles largest in a view of width/height view_aspect."""
    def tile_scale(cols: int) -> float:
        rows = math.ceil(n / cols)
        return min(view_aspect / (cols * tile_aspect), 1.0 / rows)

    return max(range(1, n + 1), key=tile_scale)


def tile_images(images: np.ndarray, cols: int | None = None, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Images -> one row-major array (as on screen: row 0 at the top), `cols` tiles per row."""
    a = as_hw_images(images, shape)
    n, h, w = a.shape[:3]
    cols = max(1, min(n, cols or math.ceil(math.sqrt(n))))
    rows = max(1, math.ceil(n / cols))
    out = np.full((rows * (h + PAD) - PAD, cols * (w + PAD) - PAD, *a.shape[3:]), PAD_VALUE, np.float32)
    for i in range(n):
        r, c = divmod(i, cols)
        out[r * (h + PAD): r * (h + PAD) + h, c * (w + PAD): c * (w + PAD) + w] = a[i]
    return out


def tile_grid(grid: np.ndarray) -> np.ndarray:
    """(rows, cols, C, H, W) -> one row-major array, keeping the grid's own rows and columns."""
    rows, cols = grid.shape[:2]
    return tile_images(grid.reshape(rows * cols, *grid.shape[2:]), cols=cols)


class ImageGridView(pg.GraphicsLayoutWidget):
    """A titled view of one tiled image; y points down so pictures are upright."""

    def __init__(self, title: str = "", parent=None):
        super().__init__(parent)
        self.ci.layout.setContentsMargins(2, 2, 2, 2)
        if title:
            self.addLabel(title, size="9pt")
            self.nextRow()
        self.view = self.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.image = pg.ImageItem()
        self.image.setLevels((0.0, 1.0))
        self.view.addItem(self.image)
        self.count = 0  # how many tiles the image holds
        self._extent = None

    def show_tiled(self, tiled: np.ndarray, count: int) -> None:
        """tiled: row-major (H, W) or (H, W, 3). pyqtgraph is column-major here, hence the swap."""
        self.image.setImage(np.swapaxes(tiled, 0, 1), autoLevels=False, levels=(0.0, 1.0))
        self.count = count
        extent = tiled.shape[:2]
        if extent != self._extent:  # fit once per size change, never per frame
            self._extent = extent
            self.view.setRange(QRectF(0, 0, extent[1], extent[0]), padding=0.02)

    def show_images(self, images: np.ndarray, cols: int | None = None, shape=None) -> None:
        """cols=None: as many columns as make the tiles largest in the view's current shape."""
        if cols is None:
            a = as_hw_images(images, shape)
            size = self.view.size()
            if size.height() > 1 and size.width() > 1:
                cols = best_columns(len(a), a.shape[2] / a.shape[1], size.width() / size.height())
            images, shape = a, None
        self.show_tiled(tile_images(images, cols, shape), len(images))

    def displayed(self) -> np.ndarray | None:
        """The picture as on screen, row-major (for tests and readouts)."""
        return None if self.image.image is None else np.swapaxes(self.image.image, 0, 1)

    def clear_image(self) -> None:
        self.image.clear()
        self.count = 0

    def show_or_clear(self, images: np.ndarray | None, cols: int | None = None) -> None:
        """show_images, or an empty view when there are none."""
        if images is None or len(images) == 0:
            self.clear_image()
        else:
            self.show_images(np.asarray(images, np.float32), cols)
