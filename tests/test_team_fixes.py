"""Team data found broken by a hostile pass: undo and merge, coder names, failed commands.

1. Undoing a new coding (or memo) deleted its row, so a merge had nothing to match and the
   lead's copy kept it, and SQLite gave its id to the next coding; an undone removal lost
   to the merged removal.  Undo now removes as ``x`` does and every undo or redo is the
   newest change to its row.
2. ``coder coders add`` refused names with spaces or commas, but a first coding, memo or
   workbench session created them (and ``--coder ""`` filed the work under the login
   name).  One rule now: :func:`coder.project.check_coder_name`, through ``coder_id``.
3. A command that failed (a bad span, no such document or segment) still added its coder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from coder.annotate import (
    accept_pattern,
    apply_code,
    document_annotations,
    document_memo,
    redo,
    reject_suggestion,
    remove_annotation,
    undo,
    write_memo,
)
from coder.cli import main
from coder.errors import CoderError
from coder.memos import list_memos
from coder.project import Project
from coder.team.blind import reveal
from coder.team.coders import add_coders, list_coders
from coder.team.merge import merge_project
from tests.helpers import build_project, db_rows


@pytest.fixture
def lead(tmp_path, monkeypatch) -> Path:
    """The lead's project file (one document, the test codebook, no coder yet)."""
    monkeypatch.delenv("CODER_PROJECT", raising=False)
    monkeypatch.delenv("CODER_NAME", raising=False)
    return build_project(tmp_path)


def coder_cli(*args: str):
    """Run ``coder ARGS``; the result (exit code, output with stderr)."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def copy_for(lead: Path, name: str) -> Path:
    """A coder's copy of the lead's project file (taken while nothing has it open)."""
    copy = lead.with_name(f"{name}.db")
    shutil.copy(lead, copy)
    return copy


def dump(path: Path) -> str:
    """Everything in the project file, as SQL: equal dumps, an unchanged project."""
    with Project(path) as project:
        return "\n".join(project.db.conn.iterdump())


def coders(path: Path) -> list[str]:
    return [r["name"] for r in db_rows(path, "SELECT name FROM coders ORDER BY id")]


# -- 1. undo through merge ------------------------------------------------------------------------

def test_an_undone_coding_is_removed_from_the_lead_by_the_next_merge_and_redo_brings_it_back(lead):
    bob = copy_for(lead, "bob")
    assert coder_cli("code", "1", "SEC.WAR", "40", "69", "--coder", "bob", "-p", str(bob)
                     ).exit_code == 0
    assert coder_cli("merge", str(bob), "-p", str(lead)).exit_code == 0
    assert coder_cli("undo", "--coder", "bob", "-p", str(bob)).exit_code == 0
    result = coder_cli("merge", str(bob), "-p", str(lead))
    assert result.exit_code == 0 and "1 updated" in result.output, result.output
    rows = db_rows(lead, "SELECT deleted FROM annotations")
    assert rows == [{"deleted": 1}]
    with Project(lead) as project:   # nothing that counts codings sees it
        assert document_annotations(project, 1) == []
        assert [c["annotations"] for c in list_coders(project)] == [0]
    assert coder_cli("redo", "--coder", "bob", "-p", str(bob)).exit_code == 0
    assert coder_cli("merge", str(bob), "-p", str(lead)).exit_code == 0
    with Project(lead) as project:
        assert [(a["coder"], a["start"], a["end"]) for a in document_annotations(project, 1)] \
            == [("bob", 40, 69)]


def test_an_undone_removal_wins_over_the_removal_merged_before(lead):
    bob_path = copy_for(lead, "bob")
    with Project(bob_path) as bob, Project(lead) as project:
        coding = apply_code(bob, "bob", 1, "DES.ROOT", 10, 30)
        merge_project(project, bob_path)
        remove_annotation(bob, "bob", coding["id"])
        merge_project(project, bob_path)
        assert document_annotations(project, 1) == []
        undo(bob, "bob")
        merge_project(project, bob_path)
        assert [a["uuid"] for a in document_annotations(project, 1)] == [coding["uuid"]]


def test_an_undone_memo_is_removed_from_the_lead_by_the_next_merge(lead):
    bob_path = copy_for(lead, "bob")
    with Project(bob_path) as bob, Project(lead) as project:
        document_memo(bob, "bob", 1, "Una nota inventada sobre el tono.")
        merge_project(project, bob_path)
        assert [m["memo"] for m in list_memos(project)] == ["Una nota inventada sobre el tono."]
        undo(bob, "bob")
        merge_project(project, bob_path)
        assert list_memos(project) == []


def test_an_undone_coding_keeps_its_id_so_redo_never_overwrites_another(lead):
    with Project(lead) as project:
        first = apply_code(project, "alice", 1, "SEC.WAR", 40, 69)
        undo(project, "alice")
        others = apply_code(project, "bob", 1, "DES.ROOT", 10, 30)
        assert others["id"] != first["id"]
        redo(project, "alice")
        assert sorted((a["coder"], a["code_id"]) for a in document_annotations(project, 1)) \
            == [("alice", "SEC.WAR"), ("bob", "DES.ROOT")]
        undo(project, "alice")
        again = apply_code(project, "alice", 1, "SEC.WAR", 70, 90)
        assert again["id"] not in (first["id"], others["id"])


# -- 2. one rule for coder names ------------------------------------------------------------------

@pytest.mark.parametrize("name", ["ana lópez", "a,b", " bob", ""])
@pytest.mark.parametrize("command", [
    ("code", "1", "SEC.WAR", "40", "69"),
    ("memo", "--doc", "1", "Nota inventada."),
])
def test_every_command_refuses_a_coder_name_coders_add_refuses(lead, command, name):
    before = dump(lead)
    result = coder_cli(*command, "--coder", name, "-p", str(lead))
    assert result.exit_code == 1
    assert "coder name" in result.output and len(result.output.strip().splitlines()) == 1
    assert dump(lead) == before


def test_the_core_and_the_workbench_use_the_same_name_rule(lead):
    from coder.tui.app import create_app

    with Project(lead) as project:
        with pytest.raises(CoderError, match="without spaces or commas") as added:
            add_coders(project, ["María José"])
        with pytest.raises(CoderError) as used:
            project.coder_id("María José")
        assert str(used.value) == str(added.value)
        with pytest.raises(CoderError, match="no coder name"):
            project.coder_id("")
    with pytest.raises(CoderError, match="coder name 'María José'"):
        create_app(lead, "María José")
    assert coders(lead) == []


# -- 3. a failed command adds no coder ------------------------------------------------------------

@pytest.mark.parametrize("command, message", [
    (("code", "1", "SEC.WAR", "10", "5", "--coder", "newguy1"), "span 10-5"),
    (("code", "999", "SEC.WAR", "10", "50", "--coder", "newguy3"), "no document #999"),
    (("memo", "--segment", "9999", "x", "--coder", "newguy5"), "no annotation #9999"),
    (("memo", "--doc", "999", "x", "--coder", "newguy6"), "no document #999"),
])
def test_a_failed_command_leaves_the_project_as_it_was(lead, command, message):
    with Project(lead) as project:   # with a coder already there, as in a team
        apply_code(project, "alice", 1, "SEC.WAR", 40, 69)
    before = dump(lead)
    result = coder_cli(*command, "-p", str(lead))
    assert result.exit_code == 1 and message in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert dump(lead) == before


def test_a_workbench_launch_on_a_missing_document_adds_no_coder(lead):
    from coder.tui.app import create_app

    with pytest.raises(CoderError, match="no document #999"):
        create_app(lead, "newguy7", document_id=999)
    assert coders(lead) == []


def test_core_actions_that_fail_or_change_nothing_add_no_coder(lead):
    with Project(lead) as project:
        assert undo(project, "ghost1") is None and redo(project, "ghost2") is None
        with pytest.raises(CoderError, match="no suggestion"):
            reject_suggestion(project, "ghost3", 9999)
        assert accept_pattern(project, "ghost4", 1, "no-such-pattern") == []
        assert write_memo(project, "ghost5", "", document_id=1) == {}
        with pytest.raises(CoderError, match="no document"):
            reveal(project, "ghost6", 999, via="test")
        with pytest.raises(CoderError, match="no annotation #9999"):
            remove_annotation(project, "ghost7", 9999)
    assert coders(lead) == []
