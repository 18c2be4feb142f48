"""Snapshots of the coding stripes and the full-size code card (#13).

Checked by eye when recorded: overlapping codings as parallel stripes with their keys and
names beside the text; at 80x24 the card at full size with its definition, rules and
examples, and the footer still showing undo and help.
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
def overlapping(tmp_path: Path) -> Path:
    """Document 1 with three overlapping codings of alice's and one of bob's."""
    path = build_project(tmp_path, speech=True)
    with Project(path) as project:
        start = TRANSCRIPT.index("No vamos a responder")
        apply_code(project, "alice", 1, "SEC.WAR", start, start + 36)
        start = TRANSCRIPT.index("la violencia con más")
        apply_code(project, "alice", 1, "DES.ROOT", start, start + 30)
        start = TRANSCRIPT.index("Hoy vamos")
        apply_code(project, "alice", 1, "DES.NOFORCE", start, TRANSCRIPT.index("atender"))
        start = TRANSCRIPT.index("mando civil")
        apply_code(project, "bob", 1, "DES.NOFORCE", start, start + 11)
    return path


def test_coding_stripes(overlapping, snap_compare):
    app = create_app(overlapping, "alice", document_id=1)
    assert snap_compare(app, terminal_size=SIZE, press=["ctrl+s", "o"])


def test_coding_stripes_at_80x24(overlapping, snap_compare):
    app = create_app(overlapping, "alice", document_id=1)
    assert snap_compare(app, terminal_size=(80, 24), press=["ctrl+s"])


def test_full_card_at_80x24(tmp_path, snap_compare):
    path = build_project(tmp_path, suggestions=False)
    with Project(path) as project:
        start = TRANSCRIPT.index("No vamos a responder")
        apply_code(project, "alice", 1, "SEC.WAR", start, start + 36)
    app = create_app(path, "alice", document_id=1)
    # Onto the coding (the card explains War framing), then the card at full size.
    assert snap_compare(app, terminal_size=(80, 24), press=["left", "ctrl+e"])
