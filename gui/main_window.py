"""The main window: toolbar, settings, dockable panels, status bar, and the redraw timer.

Drawing is pulled by a timer at a bounded rate (pyqtgraph's scrollingPlots
pattern); the worker's signals only store data. Slider moves are the exception:
they decode and draw at once, on the GUI thread's own copy of the decoder.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import numpy as np
import shiboken6
from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabBar,
    QToolBar,
)

from core.config import ConfigError
from gui import event_text
from gui.compare import CompareRuns, CompareView
from gui.controller import Session
from gui.dock_layout import arrange as arrange_docks
from gui.dock_layout import whole_tab_titles
from gui.draw_points import DATA_DIR_ENV
from gui.draw_scheduler import DrawScheduler
from gui.i18n import LANGUAGES, installed_language, remember_language, translate
from gui.panels.base import keeps_record
from gui.panels.registry import PanelSet, build_panels
from gui.settings_panel import SettingsPanel
from gui.timeline_bar import TimelineBar

REFRESH_HZ = 25  # the redraw timer; panels redraw only when their data changed. A little faster than the
# 20 Hz the views should change at, so that a new snapshot never waits a whole tick and frames are not lost to beating
STATUS_EVERY_S = 0.5  # the status bar at 4 Hz cost 0.35% of the GUI thread, at 2 Hz half that
REDECODE_EVERY_S = 0.5  # new weights re-decode the slider point and path at most this often
# With the engine in the window's own process (--engine thread), the GUI thread may use at most
# this share of its time while training runs: every Python line it runs holds the GIL that the
# training thread needs between torch ops. With the engine in its own process there is no budget.
GUI_CPU_BUDGET = 0.03
# The left (settings) and right columns' widths, px, and at most these shares of a narrow window's width,
# so the centre view keeps about 40% of it.
SETTINGS_WIDTH, SETTINGS_SHARE = 330, 0.22
RIGHT_WIDTH, RIGHT_SHARE = 520, 0.36


def runs_folder() -> Path:
    """Where runs are saved by default: <$GENVIZ_DATA_DIR or the user data folder>/runs."""
    root = os.environ.get(DATA_DIR_ENV)
    if not root:
        import platformdirs

        root = platformdirs.user_data_dir("genviz")
    return Path(root) / "runs"


LOADING_TEXT = QT_TRANSLATE_NOOP("MainWindow", "Loading PyTorch and building the model…")  # status bar, at launch
# The titles of the prompts that may discard work (confirm_discard gets the English name; tests answer by it)
ACTION_TITLES = {"Reset": QT_TRANSLATE_NOOP("MainWindow", "Reset"),
                 "Train from scratch": QT_TRANSLATE_NOOP("MainWindow", "Train from scratch"),
                 "Attach": QT_TRANSLATE_NOOP("MainWindow", "Attach"), "Load": QT_TRANSLATE_NOOP("MainWindow", "Load")}
STATES = {"idle": QT_TRANSLATE_NOOP("MainWindow", "idle"), "running": QT_TRANSLATE_NOOP("MainWindow", "running"),
          "paused": QT_TRANSLATE_NOOP("MainWindow", "paused"), "stopped": QT_TRANSLATE_NOOP("MainWindow", "stopped"),
          "dead": QT_TRANSLATE_NOOP("MainWindow", "dead")}

def run_folder_name(model: str, dataset: str, when: float | None = None) -> str:
    """A new run folder's proposed name, e.g. gan-ring8-20261202-103000."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when))
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{model}-{dataset}") + f"-{stamp}"


class MainWindow(QMainWindow):
    def __init__(self, model: str = "gan", dataset: str = "ring8", preset: str | None = None,
                 engine: str = "process", attach: str | None = None, key: bytes | None = None,
                 build_in_background: bool = False):
        """build_in_background: show at once and build the window's copy of the model in a thread
        (at launch, where that also imports torch); Train pressed meanwhile starts once it is built."""
        super().__init__()
        self.setWindowTitle("genviz")
        self.setObjectName("genviz_main")
        self.resize(1500, 950)
        self._shown_once = False
        self._restore_geometry()
        self.session = Session(self, placement="attach" if attach else engine, address=attach, key=key)
        self.session.ensure_engine()  # starts in the background while the window builds
        self.panels: PanelSet | None = None
        self.docks: list[QDockWidget] = []
        self.last_message = ("", "")  # (kind, text) of the last error or notice shown
        self.error_box: QMessageBox | None = None

        self.settings_panel = SettingsPanel(model, dataset, preset)
        self.settings_dock = self._dock(self.settings_panel, translate("MainWindow", "Settings"), "settings_dock", Qt.LeftDockWidgetArea)
        self.settings_panel.live_changed.connect(self._on_live_setting)
        self.settings_panel.validity_changed.connect(self._on_validity)
        self.settings_panel.points_chosen.connect(self.on_reset)  # drawn points: Train then trains on them
        # Settings keep the full left column; bottom docks span only the centre and right.
        self.setCorner(Qt.BottomLeftCorner, Qt.LeftDockWidgetArea)
        self._make_toolbar()
        self._make_status_bar()
        self.timeline_bar = TimelineBar(self.session, self)  # under the panels: scrub back to a recorded step
        self.addToolBar(Qt.BottomToolBarArea, self.timeline_bar)
        self.compare = CompareRuns(self.session, self)  # other runs: their curves here, their views beside
        self.compare_view: CompareView | None = None
        self.film_job = None  # a film being written (gui.export_dialog.FilmJob)

        self.session.state_changed.connect(self._on_state)
        self.session.event.connect(self._on_event)
        self.session.model_changed.connect(self._on_model_changed)
        self.session.snapshot_arrived.connect(self._on_snapshot_arrived)
        self.session.engine_died.connect(self._on_engine_died)
        self.session.view_changed.connect(self._redecode)  # the sliders decode with the shown step's decoder
        self.session.view_changed.connect(self._show_compared_step)

        self._marker_version = -1
        self._last_status = self._last_redecode = 0.0
        self.scheduler = DrawScheduler(self._draw_budget())
        self.died_box: QMessageBox | None = None
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.setInterval(int(1000 / REFRESH_HZ))
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        # A tick draws one panel, then hands back to the event loop before the next (see refresh).
        self._tick_plan = None
        self._next_in_tick = QTimer(self)
        self._next_in_tick.setSingleShot(True)
        self._next_in_tick.setInterval(0)
        self._next_in_tick.timeout.connect(self._draw_next_in_tick)
        self._train_when_built = False
        if not self.session.remote:  # attached, the window shows the engine's run when it arrives
            self._build_from_settings(background=build_in_background)
        self._on_state(self.session.state)

    # -- construction -----------------------------------------------------------------
    def _dock(self, widget, title: str, name: str, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _make_toolbar(self) -> None:
        bar = QToolBar(translate("MainWindow", "Training"))
        bar.setObjectName("training_toolbar")
        bar.setToolButtonStyle(Qt.ToolButtonTextOnly)
        self.addToolBar(bar)
        self.actions_by_name: dict[str, QAction] = {}
        for name, text, keys, slot in (
            ("train", translate("MainWindow", "Train"), "F5", self.on_train),
            ("pause", translate("MainWindow", "Pause"), "Space", self.on_pause),
            ("step", translate("MainWindow", "Step"), "Ctrl+Right", self.on_step),
            ("stop", translate("MainWindow", "Stop"), "Shift+F5", self.on_stop),
            ("save", translate("MainWindow", "Save"), QKeySequence.Save, self.on_save),
            ("save_as", translate("MainWindow", "Save As…"), "Ctrl+Shift+S", self.on_save_as),
            ("load", translate("MainWindow", "Load"), QKeySequence.Open, self.on_load),
            ("reset", translate("MainWindow", "Reset"), "Ctrl+R", self.on_reset),
        ):
            action = QAction(text, self)
            action.setObjectName(f"action_{name}")
            action.setShortcut(QKeySequence(keys))
            action.setToolTip(f"{text} ({QKeySequence(keys).toString(QKeySequence.NativeText)})")
            action.triggered.connect(slot)
            bar.addAction(action)
            self.actions_by_name[name] = action
        menu = self.menuBar().addMenu(translate("MainWindow", "&Engine"))
        for name, text, slot in (("attach", translate("MainWindow", "Attach to a remote engine…"), self.on_attach),
                                 ("download", translate("MainWindow", "Download the run from the engine…"), self.on_download)):
            action = QAction(text, self)
            action.setObjectName(f"action_{name}")
            action.triggered.connect(slot)
            menu.addAction(action)
            self.actions_by_name[name] = action
        for title, entries in (
            (translate("MainWindow", "E&xport"), (("export_picture", translate("MainWindow", "Picture of a panel or the window (PNG, SVG)…"),
                                             self.on_export_picture),
                         ("export_film", translate("MainWindow", "Film of the run's timeline (GIF, MP4)…"), self.on_export_film),
                         ("export_csv", translate("MainWindow", "Metrics of this and the compared runs (CSV)…"),
                          self.on_export_csv))),
            (translate("MainWindow", "&Compare"), (("compare", translate("MainWindow", "Compare with run…"), self.on_compare),
                          ("stop_comparing", translate("MainWindow", "Stop comparing"), self.stop_comparing))),
        ):
            menu = self.menuBar().addMenu(title)
            for name, text, slot in entries:
                action = QAction(text, self)
                action.setObjectName(f"action_{name}")
                action.triggered.connect(slot)
                menu.addAction(action)
                self.actions_by_name[name] = action
        self.actions_by_name["stop_comparing"].setEnabled(False)
        self._make_language_menu()

    def _make_language_menu(self) -> None:
        """View > Language: English or Russian, remembered; it applies when the window is next opened."""
        menu = self.menuBar().addMenu(translate("MainWindow", "&View")).addMenu(translate("MainWindow", "Language (applies on restart)"))
        menu.setObjectName("language_menu")
        group = QActionGroup(self)
        for code, name in LANGUAGES.items():
            action = QAction(name, self, checkable=True, checked=code == installed_language())
            action.setObjectName(f"action_language_{code}")
            action.triggered.connect(lambda _=False, c=code: self.choose_language(c))
            group.addAction(action)
            menu.addAction(action)
            self.actions_by_name[f"language_{code}"] = action

    def choose_language(self, language: str) -> None:
        remember_language(language)
        self.show_notice(translate("MainWindow", "The language changes when genviz is next opened.")
                         if language != installed_language() else "")

    def _make_status_bar(self) -> None:
        self.status_labels = {}
        for key in ("state", "step", "rate", "device", "elapsed"):
            label = QLabel("")
            label.setObjectName(f"status_{key}")
            label.setMinimumWidth(110)
            self.statusBar().addPermanentWidget(label)
            self.status_labels[key] = label

    def _build_from_settings(self, background: bool = False) -> bool:
        try:
            cfg = self.settings_panel.current_config()
            if cfg.data.dataset == "fashion-mnist":
                from gui.download_dialog import ensure_fashion_mnist

                ensure_fashion_mnist(self)
            self.session.build(cfg, background=background)
            if background:
                self.statusBar().showMessage(translate("MainWindow", LOADING_TEXT))
        except (ConfigError, OSError) as exc:
            self.show_error(translate("MainWindow", "Settings"), str(exc))
            return False
        return True

    def _on_model_changed(self) -> None:
        if self.session.remote:  # the engine's run: the form shows its settings
            self.settings_panel.show_config(self.session.cfg)
        self._save_layout()
        self._tick_plan = None  # its panels are about to go
        for dock in self.docks:
            self.removeDockWidget(dock)
            dock.deleteLater()
        self.docks.clear()
        self.panels = build_panels(self.session.model)
        self._replay_recorded_past()
        old = self.centralWidget()
        self.setCentralWidget(self.panels.main)
        if old is not None:
            old.deleteLater()
        for panel, area in self.panels.docks:
            self.docks.append(self._dock(panel, panel.title, f"dock_{panel.object_name}", area))
        size_docks = self._arrange_docks()  # tabs at once: the window's minimum size stays within the screen
        if self.isVisible():  # sized once the layout has placed the new docks (sizes set before are lost)
            QTimer.singleShot(0, lambda: self._place_docks(size_docks))
        else:
            self._place_docks(size_docks)
        if self.panels.sliders is not None:
            self.panels.sliders.z_changed.connect(self._on_z_changed)
        if self.panels.interpolation is not None:
            self.panels.interpolation.changed.connect(self._redecode)
        for request in self.panels.setting_requests:  # e.g. the lesson's loss switch: set as if typed
            request.connect(self.settings_panel.set_value)
        self.settings_panel.mark_applied(self.session.cfg)
        self.status_labels["device"].setText(translate("MainWindow", "device: {}").format(self.session.device or "…"))
        self._marker_version = -1
        if self.statusBar().currentMessage() == translate("MainWindow", LOADING_TEXT):
            self.statusBar().clearMessage()
        if self._train_when_built:  # after the engine has been told to build it (model_changed comes first)
            self._train_when_built = False
            QTimer.singleShot(0, self.on_train)

    def _place_docks(self, size_docks) -> None:
        """The docks as remembered for this panel set and screen, or else sized as arranged."""
        if self.panels is None or not all(shiboken6.isValid(d) for d in self.docks):
            return  # replaced meanwhile
        self.resizeDocks([self.settings_dock], [self._left_width()], Qt.Horizontal)
        right = self._docks_in(Qt.RightDockWidgetArea)
        if right:
            self.resizeDocks(right[:1], [int(min(RIGHT_WIDTH, RIGHT_SHARE * self.width()))], Qt.Horizontal)
        size_docks()
        self._restore_layout()

    def _left_width(self) -> int:
        return int(min(SETTINGS_WIDTH, SETTINGS_SHARE * self.width()))

    def _docks_in(self, area) -> list[QDockWidget]:
        return [d for d, (_, a) in zip(self.docks, self.panels.docks, strict=True) if a == area]

    def _arrange_docks(self):
        """Docks that do not fit at a readable size are stacked as tabs (gui.dock_layout); returns the
        function that sizes the stacks."""
        return arrange_docks(self, self._docks_in(Qt.RightDockWidgetArea), self._docks_in(Qt.BottomDockWidgetArea),
                             self._left_width())

    # -- layout memory ------------------------------------------------------------------
    def _layout_key(self) -> str:
        """Per panel set and per screen size: a layout arranged for a big screen does not fit a small one."""
        if not self.panels:
            return ""
        screen = self.screen() or QApplication.primaryScreen()
        size = screen.availableGeometry().size() if screen is not None else None
        return f"layout/{self.panels.key}/{size.width()}x{size.height()}" if size else f"layout/{self.panels.key}"

    def _save_layout(self) -> None:
        if self.panels is None:
            return
        settings = QSettings()
        settings.setValue(self._layout_key(), self.saveState())
        settings.setValue("geometry", self.saveGeometry())

    def _restore_layout(self) -> None:
        settings = QSettings()
        state = settings.value(self._layout_key())
        if state is not None:
            self.restoreState(state)
        self.fit_to_screen()

    def _restore_geometry(self) -> None:
        """The window's remembered size and place, once, before any panels: a later model change
        (Reset, Load) keeps the window where the person has it, and its docks where they were."""
        geometry = QSettings().value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        self.fit_to_screen()  # a remembered size from a bigger screen is clamped to this one

    def childEvent(self, event) -> None:
        """Qt makes a tab bar for each stack of docks as it needs one (and sets it to elide its titles):
        once polished, before it is first drawn, it shows whole titles instead."""
        super().childEvent(event)
        if event.type() == QEvent.ChildPolished and isinstance(event.child(), QTabBar):
            whole_tab_titles(event.child())

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._shown_once:  # only now is the frame known that the window manager adds
            self._shown_once = True
            self.fit_to_screen()

    def fit_to_screen(self) -> None:
        """Keep the window within the screen it opens on (its frame included)."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return
        area = screen.availableGeometry()
        frame_w = max(self.frameGeometry().width() - self.width(), 0)
        frame_h = max(self.frameGeometry().height() - self.height(), 0)
        w, h = min(self.width(), area.width() - frame_w), min(self.height(), area.height() - frame_h)
        if (w, h) != (self.width(), self.height()):
            self.resize(w, h)
        if not area.contains(self.frameGeometry()):
            self.move(max(area.left(), min(self.x(), area.right() - self.frameGeometry().width())),
                      max(area.top(), min(self.y(), area.bottom() - self.frameGeometry().height())))

    # -- toolbar ----------------------------------------------------------------------
    def on_train(self) -> None:
        s = self.session
        if s.state == "paused":
            s.resume()
            return
        if s.state == "running":
            return
        if s.building:  # the launch's model is still being built: train as soon as it is
            self._train_when_built = True
            return
        if (s.model is None or s.state == "dead") and not self._build_from_settings():
            return
        if s.state == "stopped" and s.step > 0:  # Stop, then Train: say which, never carry on silently
            answer = self.ask_continue_or_scratch(s.step)
            if answer == "cancel":
                return
            if answer == "scratch":
                if not self._discard_allowed("Train from scratch") or not self._build_from_settings():
                    return
        if s.step >= s.cfg.train.steps:
            self.show_notice(translate("MainWindow", "Reached train.steps = {}; raise it to train on.").format(s.cfg.train.steps))
            return
        s.start()

    def on_pause(self) -> None:
        self.session.toggle_pause()

    def on_step(self) -> None:
        self.session.step_once(1)

    def on_stop(self) -> None:
        self.session.stop()

    def on_reset(self) -> None:
        if self._discard_allowed("Reset"):
            self._build_from_settings()

    def _discard_allowed(self, action: str) -> bool:
        """Unsaved training is only thrown away when the person says so."""
        s = self.session
        if s.model is None or s.step <= s.saved_step:
            return True
        return self.confirm_discard(action, s.step - s.saved_step)

    def confirm_discard(self, action: str, unsaved_steps: int) -> bool:
        """Ask before losing work. Tests replace this to answer without a dialog."""
        title = translate("MainWindow", ACTION_TITLES.get(action, action))
        answer = QMessageBox.question(
            self, title, translate("MainWindow", "{action} discards {n:,} unsaved training steps. Go on?").format(
                action=title, n=unsaved_steps),
            QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Cancel)
        return answer == QMessageBox.Discard

    def ask_continue_or_scratch(self, step: int) -> str:
        """'continue', 'scratch' or 'cancel'. Tests replace this to answer without a dialog."""
        box = QMessageBox(QMessageBox.Question, translate("MainWindow", "Train"), translate("MainWindow", "This run stopped at step {:,}.").format(step),
                          QMessageBox.NoButton, self)
        go_on = box.addButton(translate("MainWindow", "Continue from step {:,}").format(step), QMessageBox.AcceptRole)
        scratch = box.addButton(translate("MainWindow", "Train from scratch"), QMessageBox.DestructiveRole)
        box.addButton(QMessageBox.Cancel)
        box.setDefaultButton(go_on)
        box.exec()
        return {go_on: "continue", scratch: "scratch"}.get(box.clickedButton(), "cancel")

    def on_save(self) -> None:
        """Save in place when the run has a folder (saved or loaded before); else ask for a new one."""
        s = self.session
        if s.model is not None and s.run_dir and not s.remote:
            self.save_to(s.run_dir)
        else:
            self.on_save_as()

    def on_save_as(self) -> None:
        if self.session.model is None:
            self.show_error(translate("MainWindow", "Save"), translate("MainWindow", "Nothing to save yet: press Train first."))
            return
        if self.session.remote:  # saved on the engine's disk, in a folder inside its run folder
            name, ok = QInputDialog.getText(self, translate("MainWindow", "Save on the engine"),
                                            translate("MainWindow", "Folder inside the engine's run folder:"),
                                            text=time.strftime("save-%Y%m%d-%H%M%S"))
            if ok and name:
                self.save_to(name)
            return
        folder = self.ask_new_run_folder()
        if folder:
            self.save_to(folder)

    @staticmethod
    def _runs_root() -> Path:
        """The runs folder (made if need be), where Save proposes and Open starts; home if it cannot be made."""
        root = runs_folder()
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError:
            return Path.home()
        return root

    def ask_new_run_folder(self) -> str | None:
        """A new folder for this run, named by the person (proposed: model-dataset-time, in the
        runs folder); it is created here. None when they cancel or the name cannot be used."""
        cfg = self.session.cfg
        proposed = self._runs_root() / run_folder_name(cfg.model, cfg.data.dataset)
        path, _ = QFileDialog.getSaveFileName(self, translate("MainWindow", "Save run as a new folder"), str(proposed),
                                              translate("MainWindow", "Run folder (*)"))
        if not path:
            return None
        folder = Path(path)
        if folder.exists() and not folder.is_dir():
            self.show_error(translate("MainWindow", "Save"), translate("MainWindow", "{} is a file: choose a name for a new folder.").format(folder))
            return None
        if folder.is_dir() and any(folder.iterdir()) and not (folder / "checkpoint.safetensors").is_file():
            self.show_error(translate("MainWindow", "Save"),
                            translate("MainWindow", "{} already holds other files: choose a name for a new folder.").format(folder))
            return None
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.show_error(translate("MainWindow", "Save"), translate("MainWindow", "Could not make {}: {}").format(folder, exc))
            return None
        return str(folder)

    def on_attach(self) -> None:
        """Watch and steer an engine started with `python main.py engine --listen ...`."""
        address, ok = QInputDialog.getText(self, translate("MainWindow", "Attach to an engine"),
                                           translate("MainWindow", "Engine address (as the engine printed it):"),
                                           text="tcp://127.0.0.1:5555")
        if not ok or not address:
            return
        key_file, _ = QFileDialog.getOpenFileName(self, translate("MainWindow", "The engine's key file"), str(Path.home()))
        if key_file:
            self.attach_to(address, key_file)

    def attach_to(self, address: str, key_file: str) -> bool:
        from gui.engine_link import parse_address, read_key_file

        try:
            parse_address(address)
            key = read_key_file(key_file)
        except ValueError as exc:
            self.show_error(translate("MainWindow", "Attach"), str(exc))
            return False
        if not self._discard_allowed("Attach"):
            return False
        self.session.attach(address, key)
        self.show_notice(translate("MainWindow", "Attaching to {}…").format(address))
        return True

    def on_download(self) -> None:
        if not self.session.remote:
            self.show_error(translate("MainWindow", "Download"), translate("MainWindow", "Download copies a remote engine's run folder; "
                                                                      "this window trains here. Use Save instead."))
            return
        folder = QFileDialog.getExistingDirectory(self, translate("MainWindow", "Download the run into folder"), str(Path.home()))
        if folder:
            self.session.download(folder)

    def save_to(self, folder: str) -> None:
        try:
            self.session.save(folder)
        except (OSError, RuntimeError) as exc:
            self.show_error(translate("MainWindow", "Save"), translate("MainWindow", "Could not save to {}: {}").format(folder, exc))

    def on_load(self) -> None:
        if not self._discard_allowed("Load"):
            return
        folder = QFileDialog.getExistingDirectory(self, translate("MainWindow", "Open a saved run folder"), str(self._runs_root()))
        if folder:
            self.load_from(folder)

    def load_from(self, folder: str) -> bool:
        try:
            self.session.load(folder)
        except (ConfigError, OSError) as exc:
            self.show_error(translate("MainWindow", "Load"), str(exc))
            return False
        self.settings_panel.show_config(self.session.cfg)
        self.show_notice(translate("MainWindow", "Loaded {} at step {}; press Train or Space to go on.").format(folder, self.session.step))
        return True

    # -- export -------------------------------------------------------------------------
    def shown_step(self) -> int:
        """The step the panels show: the scrubber's, or the run's present one."""
        s = self.session
        return s.viewing if s.viewing is not None else s.step

    def _export_name(self, what: str) -> Path:
        cfg = self.session.cfg
        base = f"{cfg.model}-{cfg.data.dataset}" if cfg is not None else "genviz"
        folder = Path(self.session.run_dir) if self.session.run_dir and not self.session.remote else Path.home()
        return folder / f"{base}-{what}-step{self.shown_step()}"

    def ask_export_target(self, title: str, choices: dict[str, str]) -> str | None:
        """Tests replace this to answer without a dialog."""
        from gui.export_dialog import ask_target

        return ask_target(self, title, choices)

    def ask_export_path(self, title: str, kinds: tuple[str, ...], proposed: Path) -> Path | None:
        """Tests replace this to answer without a dialog."""
        from gui.export_dialog import ask_path

        return ask_path(self, title, kinds, proposed)

    def on_export_picture(self) -> None:
        if self.panels is None:
            self.show_error(translate("MainWindow", "Export"), translate("MainWindow", "Nothing to export yet: no model is built."))
            return
        choices = {"window": translate("MainWindow", "The whole window")} | {p.object_name: p.title for p in self.panels.all()}
        target = self.ask_export_target(translate("MainWindow", "Export a picture"), choices)
        if target is None:
            return
        path = self.ask_export_path(translate("MainWindow", "Export a picture"), ("png", "svg"),
                                    self._export_name(target if target != "window" else "window"))
        if path is not None:
            self.export_picture(target, path)

    def export_picture(self, target: str, path: str | Path) -> bool:
        """A PNG or SVG (by the suffix) of what is shown now, the past step the scrubber shows included:
        one panel (by its name) or the whole window ("window")."""
        from gui.export import check_output, write_picture

        path = Path(path)
        widget = self if target == "window" else next((p for p in (self.panels.all() if self.panels else [])
                                                       if p.object_name == target), None)
        if widget is None:
            self.show_error(translate("MainWindow", "Export"), translate("MainWindow", "There is no panel named {!r} in this window.").format(target))
            return False
        try:
            check_output(path, path.suffix.lower()[1:] if path.suffix.lower() in (".png", ".svg") else "png")
            if widget is not self:
                widget.render(self.session)  # a panel in a hidden tab may not have drawn the newest data
            # Layout requests and view updates that drawing posted are applied first, or the picture can
            # be of a plot not yet laid out for what it now shows (seen once: a blank picture).
            QApplication.processEvents()
            cfg = self.session.cfg
            write_picture(widget, path, f"genviz: {cfg.model} on {cfg.data.dataset}, step {self.shown_step()}")
        except ConfigError as exc:
            self.show_error(translate("MainWindow", "Export"), str(exc))
            return False
        self.show_notice(translate("MainWindow", "Wrote {}").format(path))
        return True

    def on_export_film(self) -> None:
        from gui.replay import MAIN, drawable

        if self.panels is None:
            self.show_error(translate("MainWindow", "Export"), translate("MainWindow", "Nothing to export yet: no model is built."))
            return
        choices = {"whole": translate("MainWindow", "The whole set of panels"), MAIN: self.panels.main.title}
        choices |= {p.object_name: p.title for p in drawable(self.panels) if p is not self.panels.main}
        target = self.ask_export_target(translate("MainWindow", "Export a film of the run's timeline"), choices)
        if target is None:
            return
        path = self.ask_export_path(translate("MainWindow", "Export a film"), ("gif", "mp4"), self._export_name(f"{target}-film"))
        if path is not None:
            self.export_film(None if target == "whole" else target, path)

    def export_film(self, panel: str | None, path: str | Path, fps: int = 10):
        """A GIF or MP4 (by the suffix) of every recorded step of this run: one panel (a name of
        gui.replay.panel_names) or the whole set (None), drawn as `export` draws them. Written a frame
        per timer tick with a progress dialog; returns the FilmJob, or None if it could not start."""
        from gui.export import FILMS, FilmWriter, check_output
        from gui.export_dialog import FilmJob
        from gui.replay import Replay, UnknownPanel

        s, path = self.session, Path(path)
        if self.film_job is not None and self.film_job.running:
            self.show_error(translate("MainWindow", "Export"),
                            translate("MainWindow", "A film is being written already ({}).").format(self.film_job.writer.out.name))
            return None
        frames = s.timeline.frames() if s.timeline is not None else []
        if s.model is None or s.metrics is None or not frames:
            self.show_error(translate("MainWindow", "Export"),
                            translate("MainWindow", "Nothing recorded yet: a film shows the run's recorded steps; train first."))
            return None
        kind = path.suffix.lower()[1:]
        try:
            check_output(path, kind if kind in FILMS else "gif")
            replay = Replay(s.cfg, s.metrics, panel)
        except (ConfigError, UnknownPanel) as exc:
            self.show_error(translate("MainWindow", "Export"), str(exc) if isinstance(exc, ConfigError)
                            else translate("MainWindow", "No panel named {!r}.").format(panel))
            return None
        try:
            writer = FilmWriter(replay, frames, [], path, fps)
        except ConfigError as exc:
            replay.close()
            self.show_error(translate("MainWindow", "Export"), str(exc))
            return None
        self.film_job = job = FilmJob(writer, self)
        job.done.connect(self._on_film_done)
        job.start()
        return job

    def _on_film_done(self, ok: bool, message: str) -> None:
        if ok:
            self.show_notice(message)
        elif self.film_job is not None and self.film_job.cancelled:
            self.statusBar().showMessage(message, 8000)
        else:
            self.show_error(translate("MainWindow", "Export"), message)

    def on_export_csv(self) -> None:
        path = self.ask_export_path(translate("MainWindow", "Export metrics"), ("csv",), self._export_name("metrics"))
        if path is not None:
            self.export_csv(path)

    def export_csv(self, path: str | Path) -> bool:
        """Every metric of this run and of every compared run, one table at whole steps, a "run" column."""
        from gui.export import write_metrics_csv

        s, path = self.session, Path(path)
        if s.metrics is None:
            self.show_error(translate("MainWindow", "Export"), translate("MainWindow", "No metrics yet: train first."))
            return False
        own = Path(s.run_dir).name if s.run_dir and not s.remote else translate("MainWindow", "this run")
        runs = [(own, s.metrics)] + [(run.name, run.metrics) for run in self.compare.runs]
        try:
            write_metrics_csv(path, runs)
        except ConfigError as exc:
            self.show_error(translate("MainWindow", "Export"), str(exc))
            return False
        self.show_notice(translate("MainWindow", "Wrote {} (1 run)").format(path) if len(runs) == 1 else
                         translate("MainWindow", "Wrote {} ({} runs)").format(path, len(runs)))
        return True

    # -- compare ----------------------------------------------------------------------------
    def on_compare(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, translate("MainWindow", "Compare with run folder"), str(self._runs_root()))
        if folder:
            self.compare_with(folder)

    def compare_with(self, folder: str | Path) -> bool:
        """Overlay another run's curves and show its main view beside this run's, at the same step."""
        try:
            run = self.compare.add(folder)
        except (ConfigError, OSError) as exc:
            self.show_error(translate("MainWindow", "Compare"), str(exc))
            return False
        if self.compare_view is None:  # a window of its own beside this one: it takes no room from the panels
            self.compare_view = CompareView(self.compare, self)
            self.compare_view.setWindowFlag(Qt.Window)
            self.compare_view.setWindowTitle(translate("MainWindow", "genviz: compared runs"))
            self.compare_view.rebuild()
        self._place_compare_view()  # one view wider for each run
        self.compare_view.show()
        self._show_compared_step(force=True)
        self.actions_by_name["stop_comparing"].setEnabled(True)
        self.show_notice(translate("MainWindow", "Comparing with {} (step {:,})").format(run.name, run.step))
        return True

    def _place_compare_view(self) -> None:
        """Beside the window where the screen has room, else over its right side; one view wide per run."""
        view, n = self.compare_view, max(1, len(self.compare.runs))
        screen = (self.screen() or QApplication.primaryScreen()).availableGeometry()
        w, h = min(screen.width(), 380 * n + 20), min(screen.height(), 460)
        view.resize(w, h)
        frame = self.frameGeometry()
        beside = frame.right() + 1 + w <= screen.right()
        view.move(frame.right() + 1 if beside else max(screen.left(), min(frame.right() - w, screen.right() - w)),
                  max(screen.top(), min(frame.top() + 60, screen.bottom() - h)))

    def _show_compared_step(self, force: bool = False) -> None:
        if self.compare_view is not None and self.compare.runs and self.session.model is not None:
            self.compare_view.show_step(self.shown_step(), force=bool(force))

    def stop_comparing(self) -> None:
        self.compare.clear()
        if self.compare_view is not None:
            self.compare_view.close_views()
            self.compare_view.close()
            self.compare_view.deleteLater()
            self.compare_view = None
        self.actions_by_name["stop_comparing"].setEnabled(False)

    # -- reactions ----------------------------------------------------------------------
    def _on_state(self, state: str) -> None:
        a = self.actions_by_name
        a["pause"].setText(translate("MainWindow", "Resume") if state == "paused" else translate("MainWindow", "Pause"))
        a["pause"].setEnabled(state in ("running", "paused"))
        a["stop"].setEnabled(state in ("running", "paused"))
        a["train"].setEnabled(state != "running")
        self.status_labels["state"].setText(translate("MainWindow", STATES.get(state, state)))

    def _on_event(self, kind: str, message: str) -> None:
        message = event_text.shown(message)  # the engine writes English; the common messages are translated
        if kind == "error":
            self._train_when_built = False  # e.g. the model could not be built
        if kind in ("nan", "error"):
            self.show_error(translate("MainWindow", "Training paused") if kind == "nan" else translate("MainWindow", "Training error"), message)
        elif kind in ("saved", "downloaded", "link", "applied"):
            self.show_notice(message)
        elif kind == "status":  # progress of slow one-off work, e.g. training the digit classifier
            self.statusBar().showMessage(message, 10000)

    def _on_live_setting(self, section: str, name: str, value) -> None:
        self.session.apply_setting(section, name, value)

    def _on_validity(self, message: str) -> None:
        bar = self.statusBar()
        if message:
            bar.showMessage(message, 5000)
        elif bar.currentMessage() == self.settings_panel.last_error:  # a value typed halfway, valid now
            bar.clearMessage()

    def show_error(self, title: str, message: str) -> None:
        """A non-modal dialog: the app and training go on behind it."""
        self.last_message = ("error", message)
        self.statusBar().showMessage(message, 10000)
        if self.error_box is None:
            self.error_box = QMessageBox(QMessageBox.Warning, title, message, QMessageBox.Ok, self)
            self.error_box.setObjectName("error_box")
            self.error_box.setModal(False)
        self.error_box.setWindowTitle(title)
        self.error_box.setText(message)
        self.error_box.show()

    def show_notice(self, message: str) -> None:
        self.last_message = ("notice", message)
        self.statusBar().showMessage(message, 8000)

    # -- latent sliders and interpolation -------------------------------------------------
    def _on_z_changed(self, z: np.ndarray) -> None:
        p, decoder = self.panels, self.session.decoder
        if decoder is None or p is None or p.show_slider_output is None:
            return
        p.show_slider_output(decoder.decode(z))
        p.paint_slider_view()

    def _redecode(self) -> None:
        """New weights or new end points: decode the slider point and the path again."""
        p, decoder = self.panels, self.session.decoder
        if p is None or decoder is None:
            return
        if p.sliders is not None and p.show_slider_output is not None:
            p.show_slider_output(decoder.decode(p.sliders.z()))
        if p.interpolation is not None and p.show_path_output is not None:
            path_z = p.interpolation.path_z()
            p.show_path_output(None if path_z is None else decoder.decode(path_z))

    # -- the timer ----------------------------------------------------------------------
    def _draw_budget(self) -> float | None:
        """No budget when training runs in another process; a share of the GUI thread otherwise."""
        return GUI_CPU_BUDGET if self.session.placement == "thread" else None

    def refresh(self) -> None:
        s = self.session
        if self.panels is None:
            return
        now = time.perf_counter()
        if now - self._last_status >= STATUS_EVERY_S:
            self._last_status = now
            self._update_status()
            self.timeline_bar.sync()
            self._show_compared_step()
        self.scheduler.budget = self._draw_budget()
        main, docks = self.panels.main, [p for p, _ in self.panels.docks]
        # The tick's panels draw one per pass of the event loop, not in one go: a slider move, a click or
        # the next timer waits for one panel's draw (and its paint), not for the whole tick's.
        self._tick_plan = self.scheduler.plan(s.state == "running", main, docks)
        self._draw_next_in_tick()

    def _draw_next_in_tick(self) -> None:
        plan, s = self._tick_plan, self.session
        panel = next(plan, None) if plan is not None and self.panels is not None else None
        if panel is None:
            self._tick_plan = None
            return
        t0 = time.perf_counter()
        redecoded = self._redecode_new_weights(t0) if panel is self.panels.main else False
        drew = panel.refresh(s)
        if drew or redecoded:  # a re-decode alone takes the turn's time but is no frame of the main view
            self.scheduler.drew(panel, time.perf_counter() - t0, frame=drew)
        self._next_in_tick.start()

    @property
    def draw_count(self) -> int:
        """Panel redraws from the timer, for `bench`."""
        return self.scheduler.draws

    def _redecode_new_weights(self, now: float) -> bool:
        """With the main view's turn: new weights decode the slider point and the path again."""
        s = self.session
        if (s.snapshot_version == self._marker_version or s.snapshot is None
                or now - self._last_redecode < REDECODE_EVERY_S):
            return False
        # Decoding an image path costs the GUI thread tens of ms; slider moves still decode at once.
        self._marker_version = s.snapshot_version
        self._last_redecode = now
        self._redecode()
        return True

    def redraw_all(self) -> None:
        """Draw every panel whose data changed now (screenshots and tests), not in turns."""
        if self.panels is not None:
            for panel in self.panels.all():
                panel.refresh(self.session, off_screen_too=True)

    def _update_status(self) -> None:
        s, labels = self.session, self.status_labels
        if s.model is None:
            return
        labels["step"].setText(translate("MainWindow", "step {:,}").format(s.step))
        labels["rate"].setText(translate("MainWindow", "{:,.0f} steps/s").format(s.steps_per_sec) if s.state == "running" else "–")
        elapsed = int(s.elapsed)
        labels["elapsed"].setText(f"{elapsed // 3600:d}:{elapsed // 60 % 60:02d}:{elapsed % 60:02d}")
        if s.device:
            labels["device"].setText(translate("MainWindow", "device: {}").format(s.device))

    def _replay_recorded_past(self) -> None:
        """A loaded run's panels that keep a record over time (the D histograms, sample quality) get its past
        from its timeline: the shadow computes every recorded frame's views, oldest first, before any live
        ones (asked now, before the engine has the run, so none can come first). An attached window's
        timeline arrives in parts while live views flow, so its records start when it attached."""
        s = self.session
        if s.run_dir is None or s.remote or s.timeline is None or s.shadow is None:
            return
        if any(keeps_record(p) for p in self.panels.all()):
            s.shadow.past_ready.connect(self._on_past_views)
            s.shadow.replay(s.timeline.frames())

    def _on_past_views(self) -> None:
        shadow = self.session.shadow
        if self.panels is None or shadow is None:
            return
        for snap in shadow.take_past():
            self.panels.collect(snap)
        for panel in self.panels.all():
            if keeps_record(panel):
                panel.force_redraw()

    def _on_snapshot_arrived(self) -> None:
        """Panels that keep a record over time (the D histograms) take every snapshot as it comes,
        whether or not they get a draw turn."""
        if self.panels is not None and self.session.live_snapshot is not None:  # also while showing a past step
            self.panels.collect(self.session.live_snapshot)

    def _on_engine_died(self, line: str) -> None:
        """The window stays up and says so in one line; it offers to reopen the last save."""
        line = event_text.shown(line)
        s = self.session
        saved = s.run_dir if s.run_dir and (Path(s.run_dir) / "checkpoint.safetensors").is_file() else None
        offer = " " + (translate("MainWindow", "Reopen the last save ({}) to carry on from it.").format(saved) if saved else
                       translate("MainWindow", "Unsaved steps are lost; press Reset to start a new engine."))
        self.last_message = ("error", line)
        self.statusBar().showMessage(line + offer)
        box = self.died_box = QMessageBox(QMessageBox.Warning, translate("MainWindow", "Training engine stopped"), line + offer,
                                          QMessageBox.NoButton, self)
        box.setObjectName("engine_died_box")
        box.setModal(False)
        if saved:
            reopen = box.addButton(translate("MainWindow", "Reopen last save"), QMessageBox.AcceptRole)
            reopen.clicked.connect(lambda: self.load_from(saved))
        box.addButton(QMessageBox.Close)
        box.show()

    # -- closing ------------------------------------------------------------------------
    def ask_save_on_close(self) -> str:
        """'save', 'discard' or 'cancel'. Tests replace this to answer without a dialog."""
        training = self.session.is_training
        answer = QMessageBox.question(
            self, translate("MainWindow", "Training in progress") if training else translate("MainWindow", "Unsaved training"),
            translate("MainWindow", "Save this run before closing?") if training else
            translate("MainWindow", "{:,} training steps are not saved. Save this run before closing?").format(
                self.session.step - self.session.saved_step),
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)
        return {QMessageBox.Save: "save", QMessageBox.Discard: "discard"}.get(answer, "cancel")

    def closeEvent(self, event) -> None:
        s = self.session
        # A finished run not saved is lost too; a dead engine's steps cannot be saved any more.
        unsaved = s.is_training or (s.step > s.saved_step and s.state != "dead")
        if s.model is not None and unsaved and not s.remote:  # a remote engine keeps its run: detach only
            was_running = s.state == "running"
            s.pause()
            answer = self.ask_save_on_close()
            if answer == "cancel":
                if was_running:
                    s.resume()
                event.ignore()
                return
            if answer == "save":
                folder = s.run_dir or self.ask_new_run_folder()
                if not folder:
                    event.ignore()
                    return
                s.save(folder)  # the engine saves before it shuts down
        self.timer.stop()
        self._next_in_tick.stop()
        self._tick_plan = None
        if self.film_job is not None:
            self.film_job.cancel()
        self.stop_comparing()
        s.close()
        self._save_layout()
        event.accept()
