"""Coding rules where codings are made: a bulk accept is one undo step; a suggestion covered
by a same-code coding of the coder is resolved (``covered``), not pending."""

from __future__ import annotations

from coder.annotate import accept_pattern, apply_code, document_suggestions, redo, undo
from coder.project import Project
from tests.test_tui_common import add_suggestion, build_project


def _span(project: Project, phrase: str) -> tuple[int, int]:
    text = project.db.execute("SELECT text FROM documents WHERE id = 1").fetchone()[0]
    start = text.index(phrase)
    return start, start + len(phrase)


def _live(project: Project) -> int:
    return project.db.execute("SELECT count(*) FROM annotations WHERE deleted = 0").fetchone()[0]


def test_bulk_accept_is_one_undo_step(tmp_path):
    path = build_project(tmp_path, suggestions=False)
    with Project(path) as project:
        for phrase in ("violencia", "guerra", "balazos"):
            add_suggestion(project, 1, "SEC.WAR", *_span(project, phrase), "bulk")
        add_suggestion(project, 1, "DES.ROOT", *_span(project, "causas"), "other")
        accepted = accept_pattern(project, "alice", 1, "bulk")
        assert len(accepted) == 3 and _live(project) == 3
        events = project.rows("SELECT * FROM events WHERE action = 'accept'")
        assert len(events) == 1                          # one event for the whole bulk accept
        undo(project, "alice")                           # one undo takes all three back
        assert _live(project) == 0
        assert project.db.execute("SELECT count(*) FROM decisions").fetchone()[0] == 0
        assert {s["status"] for s in document_suggestions(project, 1, "alice")} == {"pending"}
        redo(project, "alice")
        assert _live(project) == 3
        statuses = {s["pattern_id"]: s["status"] for s in document_suggestions(project, 1, "alice")}
        assert statuses == {"bulk": "accepted", "other": "pending"}


def test_covered_suggestion_is_resolved_not_pending(tmp_path):
    path = build_project(tmp_path, suggestions=False)
    with Project(path) as project:
        add_suggestion(project, 1, "SEC.WAR", *_span(project, "guerra contra el narco"), "war")
        add_suggestion(project, 1, "DES.ROOT", *_span(project, "atender las causas"), "root")
        start, end = _span(project, "se acabó la guerra contra el narco")
        apply_code(project, "alice", 1, "SEC.WAR", start, end)          # covers "war"
        apply_code(project, "alice", 1, "SEC.WAR", *_span(project, "atender las causas"))
        mine = {s["pattern_id"]: s["status"] for s in document_suggestions(project, 1, "alice")}
        assert mine == {"war": "covered", "root": "pending"}   # another code does not cover
        theirs = {s["pattern_id"]: s["status"] for s in document_suggestions(project, 1, "bob")}
        assert theirs == {"war": "pending", "root": "pending"}  # per coder
        # A bulk accept skips covered ones; removing the covering coding makes it pending again.
        assert accept_pattern(project, "alice", 1, "war") == []
        undo(project, "alice")
        undo(project, "alice")
        assert {s["status"] for s in document_suggestions(project, 1, "alice")} == {"pending"}
