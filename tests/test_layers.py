"""The layer rules in pyproject.toml's [tool.importlinter] hold: core/ never imports Qt, pyqtgraph
or gui/, gui.panels never imports the window or the session, and the panel registry sits above
the per-model panel builders, which sit above PanelSet (no import cycle). import-linter reads the source
statically, so a rule broken by an import that only runs in some branch fails here too."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# In a child process: the linter puts the working directory on sys.path and sets up logging.
RUN = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"


def test_import_contracts_are_kept():
    proc = subprocess.run([sys.executable, "-c", RUN], cwd=ROOT, capture_output=True, text=True, timeout=120)
    report = proc.stdout + proc.stderr
    assert proc.returncode == 0, report
    # The contracts were read and checked, not skipped: an empty [tool.importlinter] would pass too.
    for name in ("core is pure PyTorch/NumPy", "panels do not import the window or the session",
                 "panel registry above the per-model builders"):
        assert re.search(rf"{re.escape(name)}.* KEPT", report), report
    counts = re.search(r"Contracts: (\d+) kept, (\d+) broken", report)
    assert counts and int(counts[1]) >= 3 and counts[2] == "0", report
