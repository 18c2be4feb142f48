"""Undoing an accept or a reject of a suggestion, through merge and through a schema upgrade.

Undo deleted the decision's row, so ``coder merge`` had nothing to match and the lead kept
the decision the coder had taken back (with the coding the accept had made only removed),
an undone change back to an earlier decision lost to the decision merged before, and
SQLite gave the undone row's id to the next decision.  Decisions are now kept, marked
deleted (schema 8), as undone codings are, and every reader of decisions skips them.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from coder.annotate import (
    accept_suggestion,
    document_annotations,
    document_suggestions,
    redo,
    reject_suggestion,
    undo,
)
from coder.cli import main
from coder.project import Project
from coder.schema import SCHEMA_VERSION
from coder.suggest import list_suggestions, pattern_report
from coder.team.merge import merge_project
from coder.tui.queries import coding_status
from tests.helpers import build_project, db_rows

# The schema before decisions had ``deleted`` and ``updated_at`` (migration 8).
BEFORE_SOFT_DECISIONS = 7


@pytest.fixture
def lead(tmp_path, monkeypatch) -> Path:
    """The lead's project file: one document, the test codebook, three suggestions."""
    monkeypatch.delenv("CODER_PROJECT", raising=False)
    monkeypatch.delenv("CODER_NAME", raising=False)
    return build_project(tmp_path)


def copy_for(lead: Path, name: str) -> Path:
    """A coder's copy of the lead's project file (taken while nothing has it open)."""
    copy = lead.with_name(f"{name}.db")
    shutil.copy(lead, copy)
    return copy


def coder_cli(*args: str):
    """Run ``coder ARGS``; the result (exit code, output)."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def suggestion_ids(project: Project) -> dict[str, int]:
    """The test suggestions by pattern."""
    return {r["pattern_id"]: r["id"] for r in project.rows("SELECT id, pattern_id FROM suggestions")}


def statuses(project: Project, coder: str = "alice") -> dict[str, str]:
    """The coder's status of each suggestion, by pattern, as the workbench lists them."""
    return {s["pattern_id"]: s["status"] for s in document_suggestions(project, 1, coder)}


def live_decisions(project: Project) -> list[tuple[str, str, str]]:
    """(coder, pattern, decision) of every decision in effect (before schema 8, every row:
    so these tests fail on what the old code did, not on the missing column)."""
    columns = {row[1] for row in project.db.execute("PRAGMA table_info(decisions)")}
    live = "d.deleted = 0" if "deleted" in columns else "1"
    return [tuple(r) for r in project.db.execute(
        "SELECT k.name, d.pattern_id, d.decision FROM decisions d JOIN coders k"
        f" ON k.id = d.coder_id WHERE {live} ORDER BY k.name, d.pattern_id")]


# -- undo in one file ------------------------------------------------------------------------------

def test_undone_accept_and_reject_are_marked_deleted_and_pending_everywhere(lead):
    with Project(lead) as project:
        ids = suggestion_ids(project)
        accepted = accept_suggestion(project, "alice", ids["causas"])
        reject_suggestion(project, "alice", ids["war-phrase"])
        undo(project, "alice")   # the reject
        undo(project, "alice")   # the accept
        assert project.rows("SELECT pattern_id FROM decisions ORDER BY id") \
            == [{"pattern_id": "causas"}, {"pattern_id": "war-phrase"}]   # kept ...
        rows = project.rows("SELECT pattern_id, decision, deleted FROM decisions ORDER BY id")
        assert rows == [{"pattern_id": "causas", "decision": "accept", "deleted": 1},
                        {"pattern_id": "war-phrase", "decision": "reject", "deleted": 1}]
        assert project.rows("SELECT deleted FROM annotations WHERE id = ?",
                            [accepted["id"]]) == [{"deleted": 1}]
        # Pending again wherever suggestions are listed or counted.
        assert set(statuses(project).values()) == {"pending"}
        assert {r["status"] for r in list_suggestions(project, coder="alice")} == {"pending"}
        assert {r["status"] for r in list_suggestions(project)} == {"pending"}
        assert all(r["decisions"] == {} for r in list_suggestions(project))
        report = pattern_report(project)
        assert sum(p.accepted + p.rejected + p.covered for p in report.patterns) == 0
        assert coding_status(project, "alice") == {}
    result = coder_cli("suggestions", "--coder", "alice", "--status", "pending", "-p", str(lead))
    assert result.exit_code == 0 and result.output.count("[pending]") == 3, result.output


def test_deciding_again_after_an_undo_revives_the_row_and_undo_takes_it_back(lead):
    with Project(lead) as project:
        ids = suggestion_ids(project)
        first = accept_suggestion(project, "alice", ids["causas"])
        decision_id = project.rows("SELECT id FROM decisions")[0]["id"]
        undo(project, "alice")
        # One row per coder and suggestion (the schema's unique key): the undone one is
        # kept and deciding again revives it, so the lead's copy that a merge matched by
        # that key follows.
        assert project.rows("SELECT id FROM decisions") == [{"id": decision_id}]
        assert reject_suggestion(project, "alice", ids["causas"])["id"] == decision_id
        assert statuses(project)["causas"] == "rejected"
        assert live_decisions(project) == [("alice", "causas", "reject")]
        assert project.db.execute("SELECT count(*) FROM decisions").fetchone()[0] == 1
        again = accept_suggestion(project, "alice", ids["causas"])
        assert again["id"] != first["id"] and statuses(project)["causas"] == "accepted"
        undo(project, "alice")   # back to the reject, not to the undone accept
        assert live_decisions(project) == [("alice", "causas", "reject")]
        undo(project, "alice")   # back to no decision
        assert live_decisions(project) == [] and statuses(project)["causas"] == "pending"
        redo(project, "alice")
        assert live_decisions(project) == [("alice", "causas", "reject")]


def test_an_undone_decision_keeps_its_id_so_redo_never_overwrites_another(lead):
    with Project(lead) as project:
        ids = suggestion_ids(project)
        accept_suggestion(project, "alice", ids["causas"])
        alices = project.rows("SELECT id FROM decisions")[0]["id"]
        undo(project, "alice")
        bobs = reject_suggestion(project, "bob", ids["causas"])
        assert bobs["id"] != alices
        redo(project, "alice")
        assert live_decisions(project) == [("alice", "causas", "accept"),
                                           ("bob", "causas", "reject")]


# -- undo through merge ----------------------------------------------------------------------------

def test_an_undone_accept_and_reject_leave_the_lead_at_the_next_merge(lead):
    alice_path = copy_for(lead, "alice")
    with Project(alice_path) as alice, Project(lead) as project:
        ids = suggestion_ids(alice)
        accept_suggestion(alice, "alice", ids["causas"])
        reject_suggestion(alice, "alice", ids["war-phrase"])
        merge_project(project, alice_path)
        assert live_decisions(project) == [("alice", "causas", "accept"),
                                           ("alice", "war-phrase", "reject")]
        assert [a["pattern_id"] for a in document_annotations(project, 1, coder="alice")] \
            == ["causas"]
        undo(alice, "alice")
        undo(alice, "alice")
        report = merge_project(project, alice_path)
        assert report.decisions_updated == 2 and report.annotations_updated == 1
        assert live_decisions(project) == []
        assert document_annotations(project, 1) == []   # the accept's coding went too
        assert set(statuses(project).values()) == {"pending"}
        assert not merge_project(project, alice_path).changed   # idempotent
        # A redo (an undone undo) wins over the undo merged before, as for codings.
        redo(alice, "alice")
        merge_project(project, alice_path)
        assert live_decisions(project) == [("alice", "causas", "accept")]
        assert [a["pattern_id"] for a in document_annotations(project, 1)] == ["causas"]


def test_an_undone_change_of_decision_wins_over_the_decision_merged_before(lead):
    alice_path = copy_for(lead, "alice")
    with Project(alice_path) as alice, Project(lead) as project:
        ids = suggestion_ids(alice)
        reject_suggestion(alice, "alice", ids["abrazos"])
        merge_project(project, alice_path)
        accept_suggestion(alice, "alice", ids["abrazos"])
        merge_project(project, alice_path)
        assert live_decisions(project) == [("alice", "abrazos", "accept")]
        undo(alice, "alice")   # back to the reject, whose decided_at is older than the accept
        merge_project(project, alice_path)
        assert live_decisions(project) == [("alice", "abrazos", "reject")]
        assert document_annotations(project, 1) == []
        assert statuses(project)["abrazos"] == "rejected"


def test_decided_again_after_an_undo_the_lead_follows(lead):
    alice_path = copy_for(lead, "alice")
    with Project(alice_path) as alice, Project(lead) as project:
        ids = suggestion_ids(alice)
        accept_suggestion(alice, "alice", ids["causas"])
        merge_project(project, alice_path)
        undo(alice, "alice")
        merge_project(project, alice_path)
        accept_suggestion(alice, "alice", ids["causas"])   # a new coding, the same decision row
        merge_project(project, alice_path)
        assert live_decisions(project) == [("alice", "causas", "accept")]
        live = document_annotations(project, 1)
        assert len(live) == 1
        # The lead's decision points at the live coding, not at the undone one.
        assert project.rows("SELECT annotation_id FROM decisions") \
            == [{"annotation_id": live[0]["id"]}]


def test_merge_command_carries_an_undone_accept(lead):
    alice_path = copy_for(lead, "alice")
    with Project(alice_path) as alice:
        accept_suggestion(alice, "alice", suggestion_ids(alice)["causas"])
    assert coder_cli("merge", str(alice_path), "-p", str(lead)).exit_code == 0
    assert coder_cli("undo", "--coder", "alice", "-p", str(alice_path)).exit_code == 0
    result = coder_cli("merge", str(alice_path), "-p", str(lead))
    assert result.exit_code == 0, result.output
    assert "decision [" in result.output, result.output   # listed as a conflict
    pending = coder_cli("suggestions", "--coder", "alice", "--status", "pending", "-p", str(lead))
    assert pending.exit_code == 0 and pending.output.count("[pending]") == 3, pending.output
    assert db_rows(lead, "SELECT decision, deleted FROM decisions") \
        == [{"decision": "accept", "deleted": 1}]
    assert db_rows(lead, "SELECT deleted FROM annotations") == [{"deleted": 1}]


# -- a project file from before ------------------------------------------------------------------

def as_before_soft_decisions(path: Path) -> None:
    """Make the project file at ``path`` one of schema 7: decisions without ``deleted`` and
    ``updated_at``, events whose decision snapshots lack them too."""
    conn = sqlite3.connect(path)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(decisions)")}
    for column in ("deleted", "updated_at"):
        if column in columns:
            conn.execute(f"ALTER TABLE decisions DROP COLUMN {column}")
    for event_id, before, after in conn.execute("SELECT id, before, after FROM events").fetchall():
        snapshots = []
        for text in (before, after):
            snapshot = json.loads(text) if text else None
            for row in ((snapshot or {}).get("decisions") or {}).values():
                if row:
                    row.pop("deleted", None)
                    row.pop("updated_at", None)
            snapshots.append(json.dumps(snapshot) if snapshot is not None else None)
        conn.execute("UPDATE events SET before = ?, after = ? WHERE id = ?", [*snapshots, event_id])
    conn.execute(f"PRAGMA user_version = {BEFORE_SOFT_DECISIONS}")
    conn.commit()
    conn.close()


def test_a_project_file_of_the_previous_schema_upgrades_and_keeps_its_decisions(lead):
    with Project(lead) as project:
        ids = suggestion_ids(project)
        accept_suggestion(project, "alice", ids["causas"])
        reject_suggestion(project, "alice", ids["war-phrase"])
        decided = {r["pattern_id"]: r["decided_at"] for r in
                   project.rows("SELECT pattern_id, decided_at FROM decisions")}
    as_before_soft_decisions(lead)
    old = copy_for(lead, "old")   # stays at schema 7: merged as it is, read-only
    with Project(lead) as project:
        assert project.schema_version == SCHEMA_VERSION
        rows = project.rows("SELECT pattern_id, decision, deleted, updated_at, decided_at"
                            " FROM decisions ORDER BY id")
        assert [(r["pattern_id"], r["decision"], r["deleted"]) for r in rows] \
            == [("causas", "accept", 0), ("war-phrase", "reject", 0)]
        assert {r["pattern_id"]: r["updated_at"] for r in rows} == decided
        assert statuses(project) == {"causas": "accepted", "war-phrase": "rejected",
                                     "abrazos": "pending"}
        undo(project, "alice")   # a reject logged before the upgrade
        assert live_decisions(project) == [("alice", "causas", "accept")]
        redo(project, "alice")
        assert live_decisions(project) == [("alice", "causas", "accept"),
                                           ("alice", "war-phrase", "reject")]
    fresh = build_project(lead.parent / "fresh")
    with Project(fresh) as project:
        report = merge_project(project, old)
        assert report.decisions_added == 2
        assert live_decisions(project) == [("alice", "causas", "accept"),
                                           ("alice", "war-phrase", "reject")]
