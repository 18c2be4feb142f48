"""Changing the code tree in place (issue #13, item 4): each change a new version, undoable."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from coder.annotate import apply_code, document_annotations
from coder.cli import main
from coder.codebook import current_codebook, load_codebook, store_codebook
from coder.codebook.edit import (
    add_code,
    codebook_yaml,
    merge_codes,
    move_code,
    recolour_code,
    rekey_code,
    rename_code,
    undo_edit,
)
from coder.corpus.importer import import_paths
from coder.errors import CodebookError

FLAT = """codebook:
  name: Flat
codes:
  - id: A
    name: Alpha
    key: "1"
  - id: A.X
    name: Alpha x
    parent: A
  - id: B
    name: Beta
    key: "2"
"""


@pytest.fixture
def coded(project, transcript, codebook_file):
    """The test transcript and codebook, with alice's codings of SEC.WAR and DES.ROOT."""
    import_paths(project, [transcript])
    store_codebook(project, load_codebook(codebook_file))
    apply_code(project, "alice", 1, "SEC.WAR", 0, 10)
    apply_code(project, "alice", 1, "DES.ROOT", 20, 30)
    apply_code(project, "bob", 1, "DES.ROOT", 0, 10)
    return project


def _codes(project) -> list[tuple]:
    return sorted((a["coder"], a["code_id"], a["start"]) for a in document_annotations(project, 1))


def test_rename_recolour_rekey_keep_the_id_and_make_versions(coded):
    first = coded.setting("codebook_version")
    rename_code(coded, "SEC.WAR", "War talk")
    recolour_code(coded, "SEC.WAR", "#123456")
    rekey_code(coded, "SEC.WAR", "9")
    book = current_codebook(coded)
    war = book.code("SEC.WAR")
    assert (war.name, war.color, war.key) == ("War talk", "#123456", "9")
    assert coded.setting("codebook_version") != first
    assert coded.db.execute("SELECT count(*) FROM codebooks").fetchone()[0] == 4
    assert ("alice", "SEC.WAR", 0) in _codes(coded)
    undo_edit(coded)
    assert current_codebook(coded).code("SEC.WAR").key == "1"


def test_a_change_that_breaks_the_codebook_is_refused_and_changes_nothing(coded):
    version = coded.setting("codebook_version")
    with pytest.raises(CodebookError, match="duplicate key '2'"):
        rekey_code(coded, "SEC.WAR", "2")
    with pytest.raises(CodebookError, match="inside it"):
        move_code(coded, "DES", "DES.ROOT")
    with pytest.raises(CodebookError, match="no code 'NOPE'"):
        rename_code(coded, "NOPE", "x")
    with pytest.raises(CodebookError, match="already a code"):
        add_code(coded, "DES.ROOT", "again")
    assert coded.setting("codebook_version") == version


def test_new_and_move_in_a_nested_codebook(coded):
    add_code(coded, "DES.NEW", "Something new", parent="DES", key="7")
    assert current_codebook(coded).code("DES.NEW").parent == "DES"
    move_code(coded, "DES.NEW", "SEC")
    book = current_codebook(coded)
    assert book.code("DES.NEW").parent == "SEC"
    assert [c.id for c in book.children("SEC")] == ["SEC.WAR", "DES.NEW"]
    move_code(coded, "DES.NEW", None)
    assert current_codebook(coded).code("DES.NEW").parent is None


def test_merge_moves_codings_retires_the_source_and_undo_brings_all_back(coded):
    before = _codes(coded)
    _, moved, _ = merge_codes(coded, "DES.ROOT", "SEC.WAR")
    assert moved == 2
    # bob's DES.ROOT moved; alice's DES.ROOT on 20-30 moved too; nothing is lost.
    assert _codes(coded) == sorted([("alice", "SEC.WAR", 0), ("alice", "SEC.WAR", 20),
                                    ("bob", "SEC.WAR", 0)])
    retired = coded.db.execute("SELECT retired FROM codes WHERE id = 'DES.ROOT'").fetchone()[0]
    assert retired == 1
    assert "DES.ROOT" not in [c.id for c in current_codebook(coded).codes]
    event = undo_edit(coded)
    assert event is not None and _codes(coded) == before
    assert "DES.ROOT" in [c.id for c in current_codebook(coded).codes]
    assert undo_edit(coded) is None


def test_merge_onto_an_identical_coding_removes_the_duplicate(coded):
    apply_code(coded, "alice", 1, "DES.ROOT", 0, 10)
    merge_codes(coded, "DES.ROOT", "SEC.WAR")
    assert _codes(coded).count(("alice", "SEC.WAR", 0)) == 1


def test_flat_codebooks_stay_flat(project, tmp_path):
    path = tmp_path / "flat.yaml"
    path.write_text(FLAT, encoding="utf-8")
    store_codebook(project, load_codebook(path))
    move_code(project, "A.X", "B")
    merge_codes(project, "A", "B")
    text = codebook_yaml(project)
    assert "children" not in text and "parent: B" in text
    assert [c.id for c in current_codebook(project).codes] == ["B", "A.X"]


def test_save_round_trips_through_load(coded, tmp_path, monkeypatch):
    monkeypatch.setenv("CODER_PROJECT", str(coded.path))
    runner = CliRunner()
    assert runner.invoke(main, ["codebook", "rename", "SEC.WAR", "War talk"]).exit_code == 0
    result = runner.invoke(main, ["codebook", "merge", "DES.ROOT", "SEC.WAR"])
    assert result.exit_code == 0 and "2 coding(s) moved" in result.output
    out = tmp_path / "saved.yaml"
    assert runner.invoke(main, ["codebook", "save", str(out)]).exit_code == 0
    again = load_codebook(out)
    assert again.version == current_codebook(coded).version
    assert again.code("SEC.WAR").name == "War talk"
    result = runner.invoke(main, ["codebook", "rekey", "SEC.WAR", "2"])
    assert result.exit_code == 1 and result.output.startswith("coder: duplicate key")
    assert "undid the merge of DES.ROOT" in runner.invoke(main, ["codebook", "undo"]).output


def _read_like_taguette(path) -> list[dict]:
    """How Taguette's "Import codebook" reads a CSV: a header row (case ignored), the tag
    from exactly one of tag/name/path, description and parent when present, other
    columns ignored, blank rows skipped, an empty tag refused."""
    import csv

    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = [cell.lower() for cell in rows[0]]
    assert sum(name in header for name in ("tag", "name", "path")) == 1
    tag = header.index("tag")
    out = []
    for row in rows[1:]:
        if not any(row):
            continue
        assert row[tag].strip()
        out.append({"tag": row[tag].strip(), "description": row[header.index("description")],
                    "parent": row[header.index("parent")]})
    return out


def test_codebook_save_writes_a_taguette_codebook_csv(coded, tmp_path, monkeypatch):
    monkeypatch.setenv("CODER_PROJECT", str(coded.path))
    runner = CliRunner()
    out = tmp_path / "taguette.csv"
    result = runner.invoke(main, ["codebook", "save", str(out)])
    assert result.exit_code == 0 and "as a Taguette codebook" in result.output
    tags = _read_like_taguette(out)
    book = current_codebook(coded)
    assert [t["tag"] for t in tags] == [c.id for c in book.codes]
    seen = set()
    for tag in tags:  # a parent is always a tag met before
        assert tag["parent"] == "" or tag["parent"] in seen
        seen.add(tag["tag"])
    war = next(t for t in tags if t["tag"] == "SEC.WAR")
    code = book.code("SEC.WAR")
    assert war["parent"] == "SEC" and war["description"].startswith(f"{code.name}: ")
    assert "\n" not in war["description"]
    # --format says it for any name; the YAML is still the default for other names.
    assert runner.invoke(main, ["codebook", "save", str(tmp_path / "t.txt"), "--format",
                                "taguette"]).exit_code == 0
    assert (tmp_path / "t.txt").read_bytes() == out.read_bytes()
    runner.invoke(main, ["codebook", "save", str(tmp_path / "b.yaml")])
    assert load_codebook(tmp_path / "b.yaml").version == book.version
