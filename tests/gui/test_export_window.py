"""The window's Export menu (issue 12): pictures of a panel or the whole window as shown now (a scrubbed
past step included), films of the run's timeline written a frame per tick with a progress dialog whose
Cancel leaves no file, all runs' metrics as one CSV; an unwritable place gives a dialog and keeps what
was there. Files are opened with independent readers (Pillow, imageio, an XML parser, the csv module)."""

from __future__ import annotations

import csv
import os
import re
import xml.etree.ElementTree as ET

import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from core.build import build_model
from core.checkpoint import read_history, save_run
from core.presets import build_config
from core.timeline import timeline_for
from core.trainer import Trainer
from gui.replay import grab_rgb, rgb_array
from tests.gui.helpers import TIMEOUT_MS, close_window, open_window, press, wait_drawn

SMALL = {"gan.hidden": "16", "data.batch_size": "32"}


@pytest.fixture
def window(qtbot):
    w = open_window(qtbot, "gan", "ring8", settings=SMALL, placement="thread")
    w.ask_export_target = w.ask_export_path = lambda *a: pytest.fail("no dialog was expected")
    yield w
    close_window(w)


def steps(qtbot, w, n: int) -> None:
    for _ in range(n):
        target = w.session.step + 1
        press(qtbot, w, "step")
        qtbot.waitUntil(lambda t=target: w.session.snapshot is not None and w.session.snapshot["step"] == t
                        and w.session.snapshot.is_full, timeout=TIMEOUT_MS)


def rgb_of(widget) -> np.ndarray:
    return rgb_array(grab_rgb(widget))


def test_picture_of_a_panel_and_the_window_as_shown_at_a_scrubbed_step(qtbot, window, tmp_path):
    w = window
    steps(qtbot, w, 6)
    w.timeline_bar.sync()
    w.timeline_bar.slider.setValue(w.timeline_bar._steps.index(2))  # back to step 2
    wait_drawn(qtbot, w)
    main = w.panels.main
    out = tmp_path / "plane.png"
    assert w.export_picture(main.object_name, out)
    assert np.array_equal(np.asarray(Image.open(out).convert("RGB")), rgb_of(main))  # what is shown: step 2
    whole = tmp_path / "window.png"
    assert w.export_picture("window", whole)
    assert Image.open(whole).size == (w.width(), w.height())
    svg = tmp_path / "losses.svg"
    assert w.export_picture("gan_losses", svg)
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and "step 2" in root.find("{*}title").text
    assert root.findall(".//{*}path") or root.findall(".//{*}polyline")


def test_film_of_the_timeline_with_progress_then_cancel_leaves_no_file(qtbot, window, tmp_path):
    w = window
    steps(qtbot, w, 5)
    n = len(w.session.timeline)
    out = tmp_path / "film.gif"
    job = w.export_film("main", out, fps=20)
    assert job is not None and job.progress.isVisible() and job.progress.maximum() == n
    with qtbot.waitSignal(job.done, timeout=TIMEOUT_MS) as done:
        pass
    assert done.args[0] is True and not job.progress.isVisible()
    gif = Image.open(out)
    assert gif.n_frames == n and gif.info["duration"] == 50

    mp4 = tmp_path / "whole.mp4"
    job = w.export_film(None, mp4)
    with qtbot.waitSignal(job.done, timeout=TIMEOUT_MS):
        pass
    frames = list(iio.imiter(mp4, plugin="FFMPEG"))
    assert len(frames) == n and frames[0].shape == (960, 1600, 3)

    # Cancel part-way: the window keeps drawing meanwhile, nothing is written, the old file stays
    old = out.read_bytes()
    job = w.export_film(None, out)
    advance = job.writer.advance

    def hold_after_two():  # the film waits after its second frame, so Cancel comes part-way for sure
        last = advance()
        if job.writer.done == 2:
            job.timer.stop()
        return last

    job.writer.advance = hold_after_two
    qtbot.waitUntil(lambda: job.writer.done == 2 and not job.timer.isActive(), timeout=TIMEOUT_MS)
    assert job.progress.value() == 2 and job.progress.isVisible()
    press(qtbot, w, "step")  # the window is live while the film is written
    qtbot.waitUntil(lambda: w.session.step == 6, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(job.done, timeout=TIMEOUT_MS) as done:
        qtbot.mouseClick(job.progress.findChild(QPushButton), Qt.LeftButton)  # its Cancel button
    assert done.args[0] is False and job.writer.done < job.writer.total
    assert out.read_bytes() == old and sorted(p.name for p in tmp_path.iterdir()) == ["film.gif", "whole.mp4"]


def test_csv_of_this_and_the_compared_runs(qtbot, window, tmp_path):
    cfg = build_config("gan", "ring8", None, {"gan.hidden": 16, "data.batch_size": 32, "train.device": "cpu"})
    trainer = Trainer(build_model(cfg), timeline=timeline_for("plane"))
    trainer.run(max_steps=12)
    save_run(tmp_path / "other", trainer)
    w = window
    steps(qtbot, w, 3)
    assert w.compare_with(tmp_path / "other")
    out = tmp_path / "all.csv"
    assert w.export_csv(out)
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["run"] for r in rows} == {"this run", "other"}
    other = [r for r in rows if r["run"] == "other"]
    history = read_history(tmp_path / "other")
    assert [int(r["step"]) for r in other] == list(range(12))
    assert np.allclose([float(r["loss_d"]) for r in other], history.column("loss_d"), rtol=1e-6)
    mine = [r for r in rows if r["run"] == "this run"]
    assert [int(r["step"]) for r in mine] == [0, 1, 2]
    assert np.allclose([float(r["loss_g"]) for r in mine], w.session.metrics.column("loss_g"), rtol=1e-6)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_place_says_so_and_keeps_what_was_there(qtbot, window, tmp_path):
    _unwritable(qtbot, window, tmp_path)


def test_an_unwritable_place_as_root_says_so_and_keeps_what_was_there(qtbot, window, tmp_path, monkeypatch):
    """As above, the folder made unwritable by refusing the temporary file (root ignores permissions)."""
    import tempfile

    real = tempfile.mkstemp

    def refuse(*a, dir=None, **k):
        if str(dir) == str(tmp_path / "locked"):
            raise PermissionError(13, "Permission denied")
        return real(*a, dir=dir, **k)

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    monkeypatch.setattr(os, "access", lambda path, mode: not str(path).startswith(str(tmp_path / "locked")))
    _unwritable(qtbot, window, tmp_path)


def _unwritable(qtbot, w, tmp_path):
    steps(qtbot, w, 2)
    locked = tmp_path / "locked"
    locked.mkdir()
    kept = locked / "plane.png"
    kept.write_bytes(b"saved before")
    locked.chmod(0o555)
    try:
        for export in (lambda: w.export_picture("window", kept), lambda: w.export_csv(locked / "m.csv"),
                       lambda: w.export_film("main", locked / "f.gif")):
            w.last_message = ("", "")
            assert not export()
            assert w.last_message[0] == "error" and "cannot write" in w.last_message[1]
            assert w.error_box.isVisible()
        assert kept.read_bytes() == b"saved before" and sorted(p.name for p in locked.iterdir()) == ["plane.png"]
        assert not w.export_picture("window", tmp_path / "nofolder" / "x.png")
        assert "does not exist" in w.last_message[1]
        press(qtbot, w, "step")  # the window goes on
        qtbot.waitUntil(lambda: w.session.step == 3, timeout=TIMEOUT_MS)
    finally:
        locked.chmod(0o755)


SVG = "{http://www.w3.org/2000/svg}"


def svg_shapes(root) -> list[tuple[str, np.ndarray]]:
    """Every path, polyline and image of a Qt SVG as (tag, its points in the document's coordinates): Qt
    writes each state change as a <g transform="matrix(...)"> around the shapes it draws."""
    parents = {child: parent for parent in root.iter() for child in parent}
    shapes = []
    for element in root.iter():
        tag = element.tag.removeprefix(SVG)
        if tag not in ("path", "polyline", "image"):
            continue
        transform = parents[element].get("transform", "matrix(1,0,0,1,0,0)")
        a, b, c, d, e, f = (float(v) for v in transform.removeprefix("matrix(").rstrip(")").split(","))
        if tag == "image":
            x, y, w, h = (float(element.get(k)) for k in ("x", "y", "width", "height"))
            points = np.array([[x, y], [x + w, y + h]])
        else:
            numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", element.get("points") or element.get("d"))]
            points = np.array(numbers[: len(numbers) // 2 * 2]).reshape(-1, 2)
        shapes.append((tag, points @ np.array([[a, b], [c, d]]) + [e, f]))
    return shapes


def in_window(plot, w, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Data points of a pyqtgraph plot where the window draws them, in the window's pixels."""
    from PySide6.QtCore import QPoint, QPointF

    box = plot.getPlotItem().getViewBox()
    origin = plot.viewport().mapTo(w, QPoint(0, 0))
    out = []
    for px, py in zip(x, y, strict=True):
        at = plot.viewportTransform().map(box.mapViewToScene(QPointF(float(px), float(py))))
        out.append((at.x() + origin.x(), at.y() + origin.y()))
    return np.array(out)


def test_svg_of_the_whole_window_through_the_export_menu(qtbot, window, tmp_path):
    """Export > Picture, "The whole window", a name ending .svg: one SVG document the window's size, with the
    main view's points and the D outputs panel's histograms where the window draws them."""
    w = window
    steps(qtbot, w, 6)
    wait_drawn(qtbot, w)
    out = tmp_path / "window.svg"
    asked = []
    w.ask_export_target = lambda title, choices: asked.append(choices) or "window"  # the dialogs' answers
    w.ask_export_path = lambda title, kinds, proposed: asked.append(kinds) or out
    w.actions_by_name["export_picture"].trigger()
    assert "window" in asked[0] and "svg" in asked[1] and w.last_message[0] == "notice"

    root = ET.parse(out).getroot()
    assert root.tag == f"{SVG}svg" and "step 6" in root.find(f"{SVG}title").text
    assert [float(v) for v in root.get("viewBox").split()] == [0, 0, w.width(), w.height()]
    width_mm, height_mm = (float(root.get(k).removesuffix("mm")) for k in ("width", "height"))
    assert width_mm / height_mm == pytest.approx(w.width() / w.height(), rel=1e-3)
    shapes = svg_shapes(root)

    # The main view: a dot (a small image) centred on each real point it shows
    plane, snap = w.panels.main, w.session.snapshot
    (x0, x1), (y0, y1) = plane.plot.getViewBox().viewRange()
    real = np.asarray(snap["real"])
    real = real[(real[:, 0] > x0) & (real[:, 0] < x1) & (real[:, 1] > y0) & (real[:, 1] < y1)]
    dots = np.array([points.mean(0) for tag, points in shapes if tag == "image" and np.ptp(points[:, 0]) < 20])
    where = in_window(plane.plot, w, real[:, 0], real[:, 1])
    nearest = np.min(np.linalg.norm(where[:, None] - dots[None], axis=2), axis=1)
    assert len(real) > 100 and np.mean(nearest < 1.0) > 0.95

    # The D outputs panel, in a dock of its own: each histogram's bars, every corner a vertex of a drawn line
    d_outputs = next(p for p in w.panels.all() if p.object_name == "gan_d_outputs")
    vertices = np.concatenate([points for tag, points in shapes if tag != "image"])
    for curve in (d_outputs.hist_real, d_outputs.hist_fake):
        edges, fractions = np.asarray(curve.xData), np.asarray(curve.yData)
        assert len(edges) == d_outputs.BINS + 1 and fractions.max() > 0
        corners = in_window(d_outputs.hist, w, np.c_[edges[:-1], edges[1:]].ravel(), np.repeat(fractions, 2))
        nearest = np.min(np.linalg.norm(corners[:, None] - vertices[None], axis=2), axis=1)
        assert nearest.max() < 1.0
    assert not window_rect(w, d_outputs).intersects(window_rect(w, plane))  # two panels, apart


def window_rect(w, widget):
    from PySide6.QtCore import QPoint, QRect

    return QRect(widget.mapTo(w, QPoint(0, 0)), widget.size())
