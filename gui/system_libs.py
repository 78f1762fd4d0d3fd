"""Before Qt starts on X11: are the system libraries of Qt's xcb platform plugin there?

Without one of them Qt aborts with "Could not load the Qt platform plugin xcb" and names only the
first library it missed, so a user installs one package per try. This checks them all first and
says the one apt-get line that installs every missing one.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping

# What libqxcb.so and libQt6XcbQpa.so link beyond Qt itself and what QtGui already needs (ldd on
# PySide6 6.x), with the Debian / Ubuntu package that holds each.
XCB_PLUGIN_LIBRARIES = {
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
}

LOADER: Callable[[str], object] = ctypes.CDLL  # dlopen, as Qt's plugin loader does


def qt_will_use_xcb(environ: Mapping[str, str] = os.environ, platform: str = sys.platform) -> bool:
    """Whether Qt is about to load its xcb plugin: Linux, an X display, and no other platform chosen."""
    if not platform.startswith("linux") or not environ.get("DISPLAY"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(";")[0].split(":")[0] == "xcb"
    return not environ.get("WAYLAND_DISPLAY")  # a Wayland session uses Qt's wayland plugin first


def missing_libraries(load: Callable[[str], object] | None = None) -> dict[str, str]:
    """The plugin's libraries that `load` (default: the system's dlopen) cannot open, each with its package."""
    load = load or LOADER
    missing = {}
    for library, package in XCB_PLUGIN_LIBRARIES.items():
        try:
            load(library)
        except OSError:
            missing[library] = package
    return missing


def xcb_problem(environ: Mapping[str, str] = os.environ, platform: str = sys.platform,
                load: Callable[[str], object] | None = None) -> str | None:
    """One line naming every missing library and the command that installs them, or None when fine."""
    if not qt_will_use_xcb(environ, platform):
        return None
    missing = missing_libraries(load)
    if not missing:
        return None
    return (f"Qt's X11 (xcb) platform plugin cannot load: missing {', '.join(missing)}; on Debian or Ubuntu "
            f"install them with: sudo apt-get install {' '.join(dict.fromkeys(missing.values()))}")
