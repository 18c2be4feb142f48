"""Memos on codes, documents and segments (issue #13, item 5): the core, `coder memo`,
`coder memos [--json] [--out]`, and REFI-QDA Notes on codes, sources and selections."""

from __future__ import annotations

import csv
import json
import zipfile

import pytest
from click.testing import CliRunner

from coder.annotate import apply_code, redo, undo, update_annotation
from coder.cli import main
from coder.errors import CoderError
from coder.export.refi import export_qdpx, import_refi
from coder.memos import MEMO_COLUMNS, export_memos, list_memos, memo_on
from coder.project import Project
from tests.helpers import build_refi_project, validate_qdpx


def _span(project: Project, phrase: str, document_id: int = 1) -> tuple[int, int]:
    text = project.db.execute("SELECT text FROM documents WHERE id = ?",
                              [document_id]).fetchone()[0]
    start = text.index(phrase)
    return start, start + len(phrase)


@pytest.fixture
def memo_project(tmp_path, transcript, codebook_file) -> Project:
    """The test transcript and codebook; alice coded two segments, one with a memo."""
    from coder.codebook import load_codebook, store_codebook
    from coder.corpus.importer import import_paths

    project = Project(tmp_path / "memos.db", create=True)
    import_paths(project, [transcript])
    store_codebook(project, load_codebook(codebook_file))
    war = apply_code(project, "alice", 1, "SEC.WAR", *_span(project, "guerra contra el narco"))
    apply_code(project, "alice", 1, "DES.NOFORCE", *_span(project, "abrazos, no balazos"))
    update_annotation(project, "alice", war["id"], memo="war talk, but about the past")
    yield project
    project.close()


def test_memos_on_a_code_a_document_and_a_segment(memo_project):
    project = memo_project
    memo_on(project, "alice", "a family of its own?", code="SEC.WAR")
    memo_on(project, "alice", "first pass done", document_id=1)
    memo_on(project, "bob", "bob thinks otherwise", code="SEC.WAR")
    rows = list_memos(project)
    assert [(r["on"], r["coder"], r["code_id"], r["memo"]) for r in rows] == [
        ("code", "alice", "SEC.WAR", "a family of its own?"),
        ("code", "bob", "SEC.WAR", "bob thinks otherwise"),
        ("document", "alice", None, "first pass done"),
        ("segment", "alice", "SEC.WAR", "war talk, but about the past"),
    ]
    segment = rows[-1]
    assert segment["text"] == "guerra contra el narco"
    assert "[[guerra contra el narco]]" in segment["context"]
    assert set(rows[0]) == set(MEMO_COLUMNS)
    # Writing again replaces the coder's memo; an empty text removes it.
    memo_on(project, "alice", "not a family: a frame", code="SEC.WAR")
    memo_on(project, "bob", "", code="SEC.WAR")
    assert [r["memo"] for r in list_memos(project, on=["code"])] == ["not a family: a frame"]


def test_filters_select_memos_as_the_exports_do(memo_project):
    project = memo_project
    memo_on(project, "alice", "on war", code="SEC.WAR")
    memo_on(project, "alice", "on the root", code="DES")
    memo_on(project, "alice", "the document", document_id=1)
    # A code includes its descendants; a segment memo of a coding of it comes along.
    by_code = list_memos(project, codes=["SEC"])
    assert [(r["on"], r["memo"]) for r in by_code] == [
        ("code", "on war"), ("segment", "war talk, but about the past")]
    # Document filters keep memos on documents and segments, never code memos.
    by_doc = list_memos(project, document_ids=[1])
    assert {r["on"] for r in by_doc} == {"document", "segment"}
    assert list_memos(project, since="2020") == []
    project.coder_id("bob")
    assert list_memos(project, coders=["bob"]) == []
    with pytest.raises(CoderError, match="unknown memo kind"):
        list_memos(project, on=["paragraph"])


def test_every_memo_is_one_undoable_change(memo_project):
    project = memo_project
    memo_on(project, "alice", "first thought", code="SEC.WAR")
    memo_on(project, "alice", "second thought", code="SEC.WAR")
    events = project.rows("SELECT action, entity FROM events WHERE action = 'memo'")
    assert events == [{"action": "memo", "entity": "memo"}] * 2
    undo(project, "alice")
    assert [r["memo"] for r in list_memos(project, on=["code"])] == ["first thought"]
    undo(project, "alice")
    assert list_memos(project, on=["code"]) == []
    redo(project, "alice")
    assert [r["memo"] for r in list_memos(project, on=["code"])] == ["first thought"]


@pytest.mark.parametrize("kwargs, message", [
    ({"code": "NO.SUCH"}, "no code 'NO.SUCH'"),
    ({"document_id": 99}, "no document #99"),
    ({"annotation_id": 99}, "no annotation #99"),
    ({}, "a memo is on one thing"),
    ({"code": "SEC", "document_id": 1}, "a memo is on one thing"),
])
def test_bad_targets_are_one_line_errors_and_change_nothing(memo_project, kwargs, message):
    before = memo_project.rows("SELECT * FROM memos")
    with pytest.raises(CoderError, match=message):
        memo_on(memo_project, "alice", "text", **kwargs)
    assert memo_project.rows("SELECT * FROM memos") == before


def test_memo_export_writes_csv_and_jsonl(memo_project, tmp_path):
    memo_on(memo_project, "alice", "code memo, with a comma\nand a line", code="SEC.WAR")
    summary = export_memos(memo_project, tmp_path / "memos.csv")
    assert summary.rows == 2
    with open(tmp_path / "memos.csv", encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert list(table[0]) == MEMO_COLUMNS
    assert table[0]["memo"] == "code memo, with a comma\nand a line"
    export_memos(memo_project, tmp_path / "memos.jsonl", on=["segment"])
    lines = (tmp_path / "memos.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["memo"] for line in lines] == ["war talk, but about the past"]
    with pytest.raises(CoderError, match="suffix"):
        export_memos(memo_project, tmp_path / "memos.txt")


def test_cli_memo_and_memos(memo_project, tmp_path, monkeypatch):
    path = str(memo_project.path)
    memo_project.close()
    monkeypatch.delenv("CODER_PROJECT", raising=False)
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, [*args, "-p", path], catch_exceptions=False)

    result = run("memo", "--code", "War framing", "the frame of the past", "--coder", "alice")
    assert result.exit_code == 0, result.output
    assert "memo on code War framing" in result.output
    assert run("memo", "--doc", "1", "off topic at the end", "--coder", "alice").exit_code == 0
    listed = run("memos")
    assert listed.exit_code == 0
    assert "✎ the frame of the past" in listed.output and "3 memo(s)" in listed.output
    as_json = json.loads(run("memos", "--on", "document", "--json").output)
    assert [r["memo"] for r in as_json] == ["off topic at the end"]
    out = tmp_path / "out.csv"
    assert run("memos", "--code", "SEC", "--out", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8").count("\n") >= 3
    stata = run("memos", "--out", str(tmp_path / "out.dta"))
    assert stata.exit_code == 0 and "end -> _end" in stata.output  # as the segments export says
    bad = run("memo", "--code", "NOPE", "x", "--coder", "alice")
    assert bad.exit_code == 1 and bad.output.count("\n") == 1
    assert run("undo", "--coder", "alice").exit_code == 0
    assert "off topic" not in run("memos").output


# -- REFI-QDA Notes --------------------------------------------------------------------------------

def test_code_memos_are_refi_notes_and_come_back(tmp_path):
    project = build_refi_project(tmp_path / "built.db")
    memo_on(project, "ana", "¿Separar la guerra contra el crimen?", code="SEG.GUERRA")
    target = tmp_path / "with-notes.qdpx"
    export_qdpx(project, target)
    qde = validate_qdpx(target)  # the schema allows NoteRef on codes, sources, selections
    from lxml import etree

    root = etree.fromstring(qde)
    ns = {"r": "urn:QDA-XML:project:1.0"}
    code = root.xpath("//r:Code[@name='Marco de guerra']", namespaces=ns)[0]
    ref = code.xpath("r:NoteRef/@targetGUID", namespaces=ns)
    assert len(ref) == 1
    note = root.xpath(f"//r:Notes/r:Note[@guid='{ref[0]}']", namespaces=ns)[0]
    assert note.xpath("string(r:PlainTextContent)", namespaces=ns) == \
        "¿Separar la guerra contra el crimen?"
    # Every memo kind is a note: two on sources, one on a selection, one on a code.
    assert len(root.xpath("//r:Notes/r:Note", namespaces=ns)) == 4
    project.close()
    # Importing into a fresh project brings the code's memo back, on the code, by its coder.
    with Project(tmp_path / "fresh.db", create=True) as fresh:
        import_refi(fresh, target)
        code_memos = list_memos(fresh, on=["code"])
        assert [(r["code_id"], r["coder"], r["memo"]) for r in code_memos] == [
            ("SEG.GUERRA", "ana", "¿Separar la guerra contra el crimen?")]
        again = tmp_path / "again.qdpx"
        export_qdpx(fresh, again)
    with zipfile.ZipFile(target) as one, zipfile.ZipFile(again) as two:
        assert one.read("project.qde") == two.read("project.qde")
