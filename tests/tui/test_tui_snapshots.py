"""Snapshots of the coding, documents and help screens at a fixed terminal size.

The SVGs under ``tests/tui/__snapshots__/`` were checked by eye when made; a change in how
the screens look fails these tests until ``pytest --snapshot-update`` records it again
(and someone looks at the new pictures).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from coder.annotate import apply_code
from coder.project import Project
from coder.tui.app import create_app
from tests.helpers import TRANSCRIPT, build_project
from tests.tui.pilot import SIZE


@pytest.fixture
def coded_project(tmp_path: Path) -> Path:
    """Document 1 with two overlapping codings of alice's and one of bob's (hidden)."""
    path = build_project(tmp_path, speech=True)
    with Project(path) as project:
        start = TRANSCRIPT.index("No vamos a responder")
        apply_code(project, "alice", 1, "SEC.WAR", start, start + 36)
        start = TRANSCRIPT.index("la violencia con más")
        apply_code(project, "alice", 1, "DES.ROOT", start, start + 30)
        start = TRANSCRIPT.index("mando civil")
        apply_code(project, "bob", 1, "DES.NOFORCE", start, start + 11)
    return path


def test_coding_screen(coded_project, snap_compare):
    app = create_app(coded_project, "alice", document_id=1)
    # The next suggestion, then a selection on the press question.
    assert snap_compare(app, terminal_size=SIZE,
                        press=["n", "right_curly_bracket", "right_curly_bracket",
                               *["shift+right"] * 10])


def test_coding_screen_with_others_shown(coded_project, snap_compare):
    app = create_app(coded_project, "alice", document_id=1)
    assert snap_compare(app, terminal_size=SIZE, press=["o"])


def test_documents_screen(coded_project, snap_compare):
    app = create_app(coded_project, "alice", document_id=1)
    assert snap_compare(app, terminal_size=SIZE, press=["ctrl+o"])


def test_help_screen(coded_project, snap_compare):
    app = create_app(coded_project, "alice", document_id=1)
    assert snap_compare(app, terminal_size=SIZE, press=["question_mark"])
