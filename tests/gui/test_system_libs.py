"""Qt's xcb plugin needs system libraries; when some are missing the app names all of them and exits 1."""

from __future__ import annotations

import pytest

from gui import app, system_libs

X11 = {"DISPLAY": ":0"}
NOT_ON_A_BARE_SERVER = ("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1")


def loader_without(*absent):
    def load(name):
        if name in absent:
            raise OSError(f"{name}: cannot open shared object file: No such file or directory")
        return object()
    return load


def test_every_missing_library_is_named_with_the_packages_to_install():
    problem = system_libs.xcb_problem(X11, "linux", loader_without(*NOT_ON_A_BARE_SERVER))
    assert "\n" not in problem
    for library in NOT_ON_A_BARE_SERVER:
        assert library in problem
    assert problem.endswith("sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1")


def test_no_problem_when_every_library_loads():
    asked = []
    assert system_libs.xcb_problem(X11, "linux", lambda name: asked.append(name)) is None
    assert set(asked) == set(system_libs.XCB_PLUGIN_LIBRARIES)
    assert set(NOT_ON_A_BARE_SERVER) <= set(asked)


@pytest.mark.parametrize("environ, platform", [
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux"),
    ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, "linux"),
    ({}, "linux"),
    ({"DISPLAY": ":0"}, "darwin"),
])
def test_only_checked_when_qt_will_use_xcb(environ, platform):
    assert system_libs.xcb_problem(environ, platform, loader_without(*NOT_ON_A_BARE_SERVER)) is None


def test_xcb_chosen_explicitly_is_checked():
    environ = {"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "QT_QPA_PLATFORM": "xcb"}
    assert "libxcb-cursor.so.0" in system_libs.xcb_problem(environ, "linux", loader_without("libxcb-cursor.so.0"))


def test_the_window_command_exits_1_with_the_message_before_qt_starts(monkeypatch, capsys):
    monkeypatch.setattr(app.sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":63")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(system_libs, "LOADER", loader_without("libxcb-icccm.so.4", "libxcb-keysyms.so.1"))
    monkeypatch.setattr(app, "make_app", lambda: pytest.fail("Qt started despite missing libraries"))
    assert app.run_gui("vae", "moons") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in err[0] and "apt-get install libxcb-icccm4 libxcb-keysyms1" in err[0]
