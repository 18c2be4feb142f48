"""Fixtures of the workbench (TUI) tests; they apply to every test module in ``tests/tui/``.

TUI tests drive the real app headless (``App.run_test`` and its Pilot) on a small project
written for the tests (``tests.helpers.build_project``), and check what matters in the
database through a second connection. Pilot helpers are in ``tests/tui/pilot.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import build_project


@pytest.fixture(autouse=True)
def no_user_keymap(monkeypatch, tmp_path):
    """Tests see the default keys, whatever keymap the developer running them has."""
    monkeypatch.delenv("CODER_KEYMAP", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))


@pytest.fixture
def tui_project(tmp_path: Path) -> Path:
    """The path of the small workbench project (``build_project``: one transcript, the test
    codebook, three suggestions on document 1)."""
    return build_project(tmp_path)
