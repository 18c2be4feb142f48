"""Codings from the command line: code, annotations, segments, undo, redo (issue #13, item 7)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from coder.annotate import document_annotations
from coder.cli import main
from coder.project import Project


@pytest.fixture
def run(tmp_path, monkeypatch, transcript, codebook_file):
    """A project with the test transcript and codebook; ``run(*args)`` invokes coder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CODER_PROJECT", raising=False)
    monkeypatch.delenv("CODER_NAME", raising=False)
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, list(args), catch_exceptions=False)

    assert invoke("init").exit_code == 0
    assert invoke("import", str(transcript.parent)).exit_code == 0
    assert invoke("codebook", "load", str(codebook_file)).exit_code == 0
    return invoke


def _text(tmp_path) -> str:
    with Project(tmp_path / "coder.db") as project:
        return project.db.execute("SELECT text FROM documents WHERE id = 1").fetchone()[0]


def _live(tmp_path, coder="alice") -> list[tuple]:
    with Project(tmp_path / "coder.db") as project:
        return [(a["code_id"], a["start"], a["end"])
                for a in document_annotations(project, 1, coder=coder)]


def test_code_by_id_key_and_name_stores_the_span(run, tmp_path):
    text = _text(tmp_path)
    start = text.index("abrazos, no balazos")
    end = start + len("abrazos, no balazos")
    result = run("code", "1", "DES.NOFORCE", str(start), str(end), "--coder", "alice")
    assert result.exit_code == 0, result.output
    assert "annotation #1" in result.output and "abrazos, no balazos" in result.output
    war = text.index("guerra contra el narco")
    assert run("code", "1", "1", str(war), str(war + 22), "--coder", "alice").exit_code == 0
    assert run("code", "1", "root causes", "0", "5", "--coder", "alice").exit_code == 0
    assert sorted(_live(tmp_path)) == sorted([("DES.NOFORCE", start, end),
                                              ("SEC.WAR", war, war + 22), ("DES.ROOT", 0, 5)])
    # The same span and code twice is one segment.
    run("code", "1", "DES.NOFORCE", str(start), str(end), "--coder", "alice")
    assert len(_live(tmp_path)) == 3


@pytest.mark.parametrize("args, message", [
    (("1", "NOPE", "0", "5"), "no code 'NOPE'"),
    (("1", "SEC.WAR", "5", "5"), "span 5-5"),
    (("1", "SEC.WAR", "0", "999999"), "outside document #1"),
    (("9", "SEC.WAR", "0", "5"), "document"),
])
def test_code_refuses_bad_input_in_one_line(run, tmp_path, args, message):
    result = run("code", *args, "--coder", "alice")
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert _live(tmp_path) == []


def test_annotations_lists_with_the_export_filters(run, tmp_path):
    run("code", "1", "SEC.WAR", "0", "10", "--coder", "alice")
    run("code", "1", "DES.NOFORCE", "20", "30", "--coder", "bob")
    rows = json.loads(run("annotations", "--json").output)
    assert [(r["code_id"], r["coder"]) for r in rows] == [("SEC.WAR", "alice"),
                                                         ("DES.NOFORCE", "bob")]
    only_bob = json.loads(run("annotations", "--coder", "bob", "--json").output)
    assert [r["code_id"] for r in only_bob] == ["DES.NOFORCE"]
    # --code takes a family with its descendants, as in `coder export`.
    des = json.loads(run("annotations", "--code", "DES", "--json").output)
    assert [r["coder"] for r in des] == ["bob"]
    assert json.loads(run("annotations", "--until", "2018", "--json").output) == []
    table = run("annotations").output
    assert "SEC.WAR" in table and "bob" in table and "0:10" in table


def test_segments_retrieves_a_code_with_its_descendants_in_context(run, tmp_path):
    text = _text(tmp_path)
    war = text.index("guerra contra el narco")
    run("code", "1", "SEC.WAR", str(war), str(war + 22), "--coder", "alice")
    result = run("segments", "SEC", "--context", "20")
    assert result.exit_code == 0
    assert "[[guerra contra el narco]]" in result.output and "1 segment(s)" in result.output
    assert "No segments" in run("segments", "DES").output
    assert run("segments", "NOPE").exit_code == 1


def test_undo_and_redo_are_the_workbench_undo(run, tmp_path):
    run("code", "1", "SEC.WAR", "0", "10", "--coder", "alice")
    run("code", "1", "DES.ROOT", "20", "30", "--coder", "alice")
    result = run("undo", "--coder", "alice")
    assert result.exit_code == 0 and "undid the create" in result.output
    assert _live(tmp_path) == [("SEC.WAR", 0, 10)]
    assert "redid the create" in run("redo", "--coder", "alice").output
    assert sorted(_live(tmp_path)) == [("DES.ROOT", 20, 30), ("SEC.WAR", 0, 10)]
    assert "nothing to redo" in run("redo", "--coder", "alice").output
    run("undo", "--coder", "alice")
    run("undo", "--coder", "alice")
    assert _live(tmp_path) == []
    assert "nothing to undo" in run("undo", "--coder", "alice").output
    # An unknown coder is an error, not a new coder with nothing to undo.
    result = run("undo", "--coder", "nobody")
    assert result.exit_code == 1 and "no coder named 'nobody'" in result.output


def test_every_codings_command_has_help(run):
    for name in ("code", "annotations", "segments", "undo", "redo"):
        result = run(name, "--help")
        assert result.exit_code == 0 and len(result.output.splitlines()) > 4


def test_a_new_coder_beside_others_is_pointed_out(run, tmp_path):
    """The first coder of a project is made quietly; a name nobody used before, once others
    exist, gets a warning naming them (a typo would file the work under a new name)."""
    text = _text(tmp_path)
    start = text.index("abrazos, no balazos")
    span = [str(start), str(start + len("abrazos, no balazos"))]
    first = run("code", "1", "DES.NOFORCE", *span, "--coder", "alice")
    assert first.exit_code == 0 and "new coder" not in first.stderr
    assert run("coders", "add", "bob").exit_code == 0
    again = run("code", "1", "DES.NOFORCE", *span, "--coder", "bob")
    assert again.exit_code == 0 and "new coder" not in again.stderr
    typo = run("code", "1", "DES.NOFORCE", *span, "--coder", "alcie")
    assert typo.exit_code == 0
    assert "'alcie' is a new coder in this project (the others: alice, bob)" in typo.stderr
    assert "new coder" not in run("code", "1", "DES.NOFORCE", *span, "--coder", "alcie").stderr


def test_a_span_beyond_one_turn_is_stored_with_a_warning(run, tmp_path):
    text = _text(tmp_path)
    inside = text.index("abrazos, no balazos")
    ok = run("code", "1", "DES.NOFORCE", str(inside), str(inside + 7), "--coder", "alice")
    assert ok.exit_code == 0 and "turn" not in ok.stderr
    across = run("code", "1", "DES.NOFORCE", "0", str(len(text)), "--coder", "alice")
    assert across.exit_code == 0
    assert "turns and the speaker lines between them" in across.stderr
    header = run("code", "1", "DES.NOFORCE", "0", "5", "--coder", "alice")
    assert "lies outside every turn" in header.stderr
    assert len(_live(tmp_path)) == 3  # stored as asked
