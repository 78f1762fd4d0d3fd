"""Fixtures shared by the window tests."""

from __future__ import annotations

import pytest

PLACEMENTS = ("process", "thread")


@pytest.fixture(params=PLACEMENTS)
def placement(request) -> str:
    """Where the window's engine runs: a child process (the default) or a QThread of the test's
    own process. A test that needs the live model (to poison a step, read an optimizer) pins
    itself to one with @pytest.mark.parametrize("placement", ["thread"])."""
    return request.param
