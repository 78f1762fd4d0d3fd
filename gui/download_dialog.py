"""A progress dialog for data that is downloaded on first use (Fashion-MNIST)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QProgressDialog

from core.images import download_fashion_mnist, fashion_mnist_ready
from gui.i18n import translate


def ensure_fashion_mnist(parent) -> None:
    """Download Fashion-MNIST into the cache with a cancellable progress dialog, once.

    Raises core.images.DownloadError (a ConfigError) with a clear message when there is no
    network, a checksum fails, or the person cancels; the caller shows it and carries on."""
    if fashion_mnist_ready():
        return
    dialog = QProgressDialog(translate("DownloadDialog", "Downloading Fashion-MNIST (about 30 MB, once)…"), translate("DownloadDialog", "Cancel"), 0, 100, parent)
    dialog.setObjectName("download_dialog")
    dialog.setWindowTitle("Fashion-MNIST")
    dialog.setWindowModality(Qt.WindowModal)
    dialog.setMinimumDuration(0)
    dialog.setValue(0)

    def progress(name: str, done: int, total: int) -> bool:
        dialog.setLabelText(translate("DownloadDialog", "Downloading Fashion-MNIST: {}\n{:.1f} of {:.1f} MB").format(
            name, done / 1e6, total / 1e6) if total else
            translate("DownloadDialog", "Downloading {}: {:.1f} MB").format(name, done / 1e6))
        dialog.setValue(int(100 * done / total) if total else 0)
        QApplication.processEvents()  # the window stays responsive and Cancel works
        return not dialog.wasCanceled()

    try:
        download_fashion_mnist(progress=progress)
        dialog.setValue(100)
    finally:
        dialog.close()
        dialog.deleteLater()
