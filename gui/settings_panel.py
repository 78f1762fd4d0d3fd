"""The settings panel: model, data set, preset and every hyper-parameter, validated as typed.

The form is built from the config dataclasses' metadata, so a new setting in
core/ appears here with its range and help text. Live settings (marked ●) are
sent to the running trainer at once; the others apply on Reset.
"""

from __future__ import annotations

from dataclasses import fields

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.config import MODELS, ConfigError, RunConfig, allowed_text, check_value
from core.dataset_names import IMAGE_DATASETS, PLANE_DATASETS
from core.presets import build_config, preset_names
from gui.draw_points import DrawPointsDialog
from gui.i18n import translate

DEFAULT_PRESET = QT_TRANSLATE_NOOP("SettingsPanel", "(defaults)")  # shown translated
# The boxes of the form, one per config section; the fields in them keep their config names (as typed
# on the command line and in presets: --set gan.lr_g=...), which the translation test lets through.
SECTION_TITLES = {"data": QT_TRANSLATE_NOOP("SettingsPanel", "data"), "train": QT_TRANSLATE_NOOP("SettingsPanel", "train")}
IDENTIFIER_PROPERTY = "config_identifier"  # a label that shows a config name, the same in every language
ERROR_STYLE = "QLineEdit { border: 2px solid #d62728; background: #fff0f0; }"
HIDDEN_FIELDS = {("data", "dataset")}  # chosen by the combo above the form


class SettingsPanel(QWidget):
    live_changed = Signal(str, str, object)  # section, field, validated value
    selection_changed = Signal()  # model, data set or preset changed
    validity_changed = Signal(str)  # "" when every field is valid, else the first error
    points_chosen = Signal()  # the person chose new points to train on (drawn): build on them now

    def __init__(self, model: str = "gan", dataset: str = "ring8", preset: str | None = None, parent=None):
        super().__init__(parent)
        self.setObjectName("settings")
        self.model_box = QComboBox()
        self.model_box.addItems(list(MODELS))
        self.dataset_box = QComboBox()
        self.dataset_box.addItems(list(PLANE_DATASETS) + list(IMAGE_DATASETS))
        self.preset_box = QComboBox()
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText(translate("SettingsPanel", "file for csv / image data"))
        browse = QPushButton(translate("SettingsPanel", "Browse…"))
        browse.clicked.connect(self._browse)
        self.draw_button = QPushButton(translate("SettingsPanel", "Draw points…"))
        self.draw_button.setToolTip(translate("SettingsPanel", "Draw your own 2-D points with the mouse and train on them (csv data set)"))
        self.draw_button.clicked.connect(self.open_draw_dialog)
        self.draw_dialog: DrawPointsDialog | None = None
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #d62728;")
        self.pending = QLabel("")
        self.pending.setStyleSheet("color: #8c564b;")
        self.pending.setWordWrap(True)

        top = QFormLayout()
        top.addRow(translate("SettingsPanel", "model"), self.model_box)
        data_row = QHBoxLayout()
        data_row.addWidget(self.dataset_box, 1)
        data_row.addWidget(self.draw_button)
        top.addRow(translate("SettingsPanel", "data set"), data_row)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        top.addRow(translate("SettingsPanel", "file"), path_row)
        top.addRow(translate("SettingsPanel", "preset"), self.preset_box)
        self.form_host = QWidget()
        self.form_layout = QVBoxLayout(self.form_host)
        self.form_layout.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form_host)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.pending)
        layout.addWidget(self.message)

        self.editors: dict[tuple[str, str], QWidget] = {}
        self._fields: dict[tuple[str, str], object] = {}  # the dataclass field behind each editor
        self.errors: dict[tuple[str, str], str] = {}
        self.last_error = ""  # the newest error reported (validity_changed): the window clears it once valid
        self._values: dict[tuple[str, str], object] = {}
        self.applied: RunConfig | None = None  # the config of the model that exists now
        self._building = False
        self._select(model, dataset, preset)
        self.model_box.currentTextChanged.connect(self._on_selection)
        self.dataset_box.currentTextChanged.connect(self._on_selection)
        self.preset_box.currentTextChanged.connect(self._on_selection)

    # -- selection ----------------------------------------------------------------------
    def _select(self, model: str, dataset: str, preset: str | None) -> None:
        self._building = True
        self.model_box.setCurrentText(model)
        self.dataset_box.setCurrentText(dataset)
        self._fill_presets(model, preset)
        self._building = False
        self._rebuild()

    def _fill_presets(self, model: str, preset: str | None) -> None:
        self.preset_box.clear()
        self.preset_box.addItems([translate("SettingsPanel", DEFAULT_PRESET)] + preset_names(model))
        self.preset_box.setCurrentText(preset or translate("SettingsPanel", DEFAULT_PRESET))

    def _on_selection(self, *_):
        if self._building:
            return
        if self.sender() is self.model_box:
            self._building = True
            self._fill_presets(self.model_box.currentText(), None)
            self._building = False
        self._rebuild()
        self.selection_changed.emit()

    def selection(self) -> tuple[str, str, str | None]:
        preset = self.preset_box.currentText()
        return self.model_box.currentText(), self.dataset_box.currentText(), (
            None if preset in ("", translate("SettingsPanel", DEFAULT_PRESET)) else preset)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, translate("SettingsPanel", "Data file"), "",
                                              translate("SettingsPanel", "Data (*.csv *.npy *.npz);;All files (*)"))
        if path:
            self.path_edit.setText(path)
            if path.endswith(".csv"):
                self.dataset_box.setCurrentText("csv")

    def open_draw_dialog(self) -> None:
        """Open the drawing dialog (window-modal, not blocking); its saved points become the data."""
        self.draw_dialog = DrawPointsDialog(self)
        self.draw_dialog.setAttribute(Qt.WA_DeleteOnClose)
        self.draw_dialog.points_saved.connect(self.use_points_file)
        self.draw_dialog.open()

    def use_points_file(self, path: str) -> None:
        """Choose a CSV of x,y points as the data (data.dataset = csv, data.path = path) and say so
        with points_chosen, on which the window builds a fresh model on them."""
        self.path_edit.setText(path)  # first: choosing csv rebuilds the form with this path
        self.dataset_box.setCurrentText("csv")
        self._update_pending()
        self.points_chosen.emit()

    # -- the form ----------------------------------------------------------------------
    def _rebuild(self, cfg: RunConfig | None = None) -> None:
        model, dataset, preset = self.selection()
        self.draw_button.setVisible(dataset in PLANE_DATASETS)
        while self.form_layout.count():
            item = self.form_layout.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.editors.clear()
        self._fields.clear()
        self.errors.clear()
        self._values.clear()
        try:
            cfg = cfg or build_config(model, dataset, preset, {"data.path": self.path_edit.text()})
        except ConfigError as exc:
            self._report(str(exc))
            return
        self.message.setText("")
        for section, obj in cfg.sections.items():
            box = QGroupBox(translate("SettingsPanel", SECTION_TITLES[section]) if section in SECTION_TITLES
                            else section.upper() if section in ("gan", "vae") else "RealNVP" if section == "realnvp"
                            else section)
            form = QFormLayout(box)
            for f in fields(obj):
                if (section, f.name) in HIDDEN_FIELDS or (section, f.name) == ("data", "path"):
                    continue
                editor = self._editor(section, f, getattr(obj, f.name))
                label = QLabel(f"{f.name} ●" if f.metadata.get("live") else f.name)
                label.setProperty(IDENTIFIER_PROPERTY, True)
                tip = f"{f.metadata.get('help', '')}\n" + translate("SettingsPanel", "allowed: {}").format(allowed_text(f))
                if f.metadata.get("live"):
                    tip += "\n" + translate("SettingsPanel", "● applies while training runs")
                label.setToolTip(tip.strip())
                editor.setToolTip(tip.strip())
                form.addRow(label, editor)
                self.editors[(section, f.name)] = editor
                self._fields[(section, f.name)] = f
                self._values[(section, f.name)] = getattr(obj, f.name)
            self.form_layout.addWidget(box)
        self.form_layout.addStretch(1)
        self._report("")

    def _editor(self, section: str, f, value) -> QWidget:
        choices = f.metadata.get("choices")
        if choices:
            editor = QComboBox()
            editor.addItems([str(c) for c in choices])
            editor.setCurrentText(str(value))
            editor.currentTextChanged.connect(lambda text, s=section, f=f: self._edited(s, f, text))
        elif isinstance(f.default, bool):
            editor = QCheckBox()
            editor.setChecked(bool(value))
            editor.toggled.connect(lambda on, s=section, f=f: self._edited(s, f, on))
        else:
            editor = QLineEdit(f"{value:g}" if isinstance(value, float) else str(value))
            editor.textChanged.connect(lambda text, s=section, f=f, e=editor: self._edited(s, f, text, e))
        editor.setObjectName(f"{section}.{f.name}")
        return editor

    def _edited(self, section: str, f, raw, editor: QLineEdit | None = None) -> None:
        key = (section, f.name)
        try:
            value = check_value(section, f, raw)
        except ConfigError as exc:
            self.errors[key] = str(exc)
            if editor is not None:
                editor.setStyleSheet(ERROR_STYLE)
            self._report(str(exc))
            return
        self.errors.pop(key, None)
        if editor is not None:
            editor.setStyleSheet("")
        self._values[key] = value
        self._report(next(iter(self.errors.values()), ""))
        if f.metadata.get("live") or key == ("train", "steps"):
            self.live_changed.emit(section, f.name, value)
        self._update_pending()

    def _report(self, error: str) -> None:
        """Show the first error under the form and tell the window; "" once every field is valid."""
        self.message.setText(error)
        if error:
            self.last_error = error
        self.validity_changed.emit(error)

    def _update_pending(self) -> None:
        if self.applied is None:
            self.pending.setText("")
            return
        try:
            wanted = self.current_config().to_dict()
        except ConfigError:
            return
        have = self.applied.to_dict()
        changed = [f"{s}.{k}" for s in wanted if isinstance(wanted[s], dict)
                   for k in wanted[s] if have.get(s, {}).get(k) != wanted[s][k]
                   and not self._is_live(s, k)]
        self.pending.setText(translate("SettingsPanel", "Press Reset to apply: {}").format(", ".join(changed)) if changed else "")

    def _is_live(self, section: str, name: str) -> bool:
        editor_key = (section, name)
        if editor_key == ("train", "steps"):
            return True
        try:
            obj = self.current_config().sections[section]
        except (ConfigError, KeyError):
            return False
        return any(f.name == name and f.metadata.get("live") for f in fields(obj))

    # -- reading and writing -------------------------------------------------------------
    def set_value(self, section: str, name: str, value) -> None:
        """Set one field as if a person had entered it: the editor shows it, it is validated and a
        live field is applied (live_changed), so the form and the model agree. A field the form
        does not show now (it describes another model) still goes out as live_changed."""
        key = (section, name)
        editor = self.editors.get(key)
        if editor is None:
            self.live_changed.emit(section, name, value)
            return
        editor.blockSignals(True)  # one _edited call below, not one per editor signal
        if isinstance(editor, QComboBox):
            editor.setCurrentText(str(value))
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        else:
            editor.setText(f"{value:g}" if isinstance(value, float) else str(value))
        editor.blockSignals(False)
        self._edited(section, self._fields[key], value, editor if isinstance(editor, QLineEdit) else None)

    def current_config(self) -> RunConfig:
        """The configuration the form describes; raises ConfigError naming the first bad field."""
        if self.errors:
            raise ConfigError(next(iter(self.errors.values())))
        model, dataset, preset = self.selection()
        overrides = {f"{s}.{n}": v for (s, n), v in self._values.items()}
        overrides["data.path"] = self.path_edit.text()
        return build_config(model, dataset, preset, overrides)

    def show_config(self, cfg: RunConfig) -> None:
        """Show a loaded run's configuration (e.g. after Load)."""
        self._building = True
        self.model_box.setCurrentText(cfg.model)
        self.dataset_box.setCurrentText(cfg.data.dataset)
        self._fill_presets(cfg.model, None)
        self.path_edit.setText(cfg.data.path)
        self._building = False
        self._rebuild(cfg)
        self.applied = RunConfig.from_dict(cfg.to_dict())
        self._update_pending()

    def mark_applied(self, cfg: RunConfig) -> None:
        self.applied = RunConfig.from_dict(cfg.to_dict())
        self._update_pending()
