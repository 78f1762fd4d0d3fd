"""genviz GUI: PySide6 + pyqtgraph. It presents and controls; the maths lives in core/."""
