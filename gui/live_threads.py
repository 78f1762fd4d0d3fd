"""Every QThread the window starts (the engine's, the engine link's reader, the shadow model's),
so tests can assert that none is left running."""

from __future__ import annotations

import weakref

from PySide6.QtCore import QThread

LIVE_THREADS: weakref.WeakSet[QThread] = weakref.WeakSet()
