"""Merging project files (idempotent, symmetric, read-only on the other file) and concurrent writers."""

from __future__ import annotations

import hashlib
import multiprocessing
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from coder.annotate import apply_code, document_memo, resize_annotation
from coder.commands.team import merge as merge_command
from coder.corpus.importer import import_paths
from coder.errors import CoderError
from coder.project import Project
from coder.team.merge import merge_project
from tests.helpers import code_phrase, make_project, phrase_span, team_transcript


def annotation_set(project: Project) -> set[tuple]:
    """Annotations as comparable content: document by hash, coder by name."""
    return {tuple(r) for r in project.db.execute(
        'SELECT a.uuid, d.sha256, a.code_id, k.name, a.start, a."end", a.deleted, a.memo'
        " FROM annotations a JOIN documents d ON d.id = a.document_id"
        " JOIN coders k ON k.id = a.coder_id")}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def pair(tmp_path):
    """Two copies of one project that diverged: A (alice's laptop) and B (bob's)."""
    with make_project(tmp_path, documents=3, name="a.db") as a:
        shared = code_phrase(a, "alice", 1, "SEC.WAR", "Ya no hay guerra en la sierra.")
    shutil.copy(tmp_path / "a.db", tmp_path / "b.db")
    a, b = Project(tmp_path / "a.db"), Project(tmp_path / "b.db")
    # B: bob codes; a new document arrives; alice's shared annotation is resized on B first ...
    code_phrase(b, "bob", 1, "DES.NOFORCE", "No vamos a combatir el fuego con fuego.")
    extra = tmp_path / "extra" / "2019" / "mayo" / "09--conferencia.txt"
    extra.parent.mkdir(parents=True)
    extra.write_text(team_transcript(99, "mayo", day=9), encoding="utf-8")
    import_paths(b, [extra])
    new_doc = b.db.execute("SELECT max(id) FROM documents").fetchone()[0]
    code_phrase(b, "bob", new_doc, "DES.ROOT", "jóvenes del barrio")
    with b.transaction():  # a code only B knows (added outside the codebook)
        b.db.execute("INSERT INTO codes(id, codebook_id, name) VALUES ('LOCAL.X', 1, 'Local code')")
    apply_code(b, "bob", 2, "LOCAL.X", 0, 10)
    document_memo(b, "bob", 2, "Revisar el tono de la pregunta.")
    start, end = phrase_span(b, 1, "Ya no hay guerra en la sierra.")
    resize_annotation(b, "alice", shared["id"], start + 1, end)
    # ... and later on A, so A's version is the newer one.
    resize_annotation(a, "alice", shared["id"], start, end - 1)
    code_phrase(a, "alice", 2, "DES.ROOT", "Vamos a atender a los jóvenes")
    yield a, b, shared
    a.close()
    b.close()


def test_merge_counts_conflicts_and_idempotence(pair, tmp_path):
    a, b, shared = pair
    b.close()
    before = digest(tmp_path / "b.db")
    report = merge_project(a, tmp_path / "b.db")
    assert digest(tmp_path / "b.db") == before            # opened read-only
    assert report.documents_imported == 1 and report.documents_matched == 3
    assert report.annotations_added == 3                  # bob's three
    assert report.annotations_unchanged == 0
    assert [c["uuid"] for c in report.conflicts] == [shared["uuid"]]
    assert report.conflicts[0]["kept"] == "ours" and report.annotations_updated == 0
    assert report.codes_added == ["LOCAL.X"] and any("LOCAL.X" in w for w in report.warnings)
    assert report.memos_added == 1
    start, end = phrase_span(a, 1, "Ya no hay guerra en la sierra.")
    kept = a.rows("SELECT start, \"end\" FROM annotations WHERE uuid = ?", [shared["uuid"]])[0]
    assert (kept["start"], kept["end"]) == (start, end - 1)
    new_doc = a.rows("SELECT id FROM documents WHERE title LIKE '%99%'")[0]["id"]
    assert len(a.rows("SELECT * FROM turns WHERE document_id = ?", [new_doc])) == 4
    assert a.db.execute("SELECT retired FROM codes WHERE id = 'LOCAL.X'").fetchone()[0] == 0
    snapshot = annotation_set(a)
    again = merge_project(a, tmp_path / "b.db")
    assert not again.changed and annotation_set(a) == snapshot
    assert again.annotations_unchanged == 3 and len(again.conflicts) == 1


def test_merge_is_symmetric(pair, tmp_path):
    a, b, _ = pair
    a.close()
    b.close()
    for name in ("a", "b"):
        shutil.copy(tmp_path / f"{name}.db", tmp_path / f"{name}2.db")
    with Project(tmp_path / "a.db") as a_into, Project(tmp_path / "b2.db") as b_into:
        merge_project(a_into, tmp_path / "b.db")
        merge_project(b_into, tmp_path / "a2.db")
        assert annotation_set(a_into) == annotation_set(b_into)
        assert len(annotation_set(a_into)) == 5


def test_merge_refuses_bad_files(tmp_path):
    with make_project(tmp_path, documents=1) as project:
        with pytest.raises(CoderError):
            merge_project(project, project.path)
        with pytest.raises(CoderError):
            merge_project(project, tmp_path / "missing.db")
        junk = tmp_path / "junk.db"
        junk.write_text("not a database at all, just some text " * 50)
        with pytest.raises(CoderError):
            merge_project(project, junk)


def test_merge_command(pair, tmp_path):
    a, b, _ = pair
    b.close()
    result = CliRunner().invoke(merge_command, ["-p", str(a.path), str(tmp_path / "b.db")])
    assert result.exit_code == 0, result.output
    assert "1 document imported" in result.output and "1 conflict (" in result.output


# -- concurrency --------------------------------------------------------------------------------


def _writer(path: str, coder: str, n: int) -> int:
    """Apply ``n`` codes as ``coder`` (one process of the concurrency test)."""
    from coder.annotate import apply_code as apply
    from coder.project import Project as P

    with P(path) as project:
        length = project.db.execute("SELECT length(text) FROM documents WHERE id = 1").fetchone()[0]
        for i in range(n):
            start = i % (length - 5)
            apply(project, coder, 1, "SEC.WAR", start, start + 1 + i // (length - 5))
    return n


def test_three_processes_lose_nothing(tmp_path):
    with make_project(tmp_path, documents=1, coders=("p0", "p1", "p2")):
        pass
    n = 200
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(3) as pool:
        done = pool.starmap(_writer, [(str(tmp_path / "team.db"), f"p{i}", n) for i in range(3)])
    assert done == [n] * 3
    with Project(tmp_path / "team.db") as project:
        counts = dict(project.db.execute(
            "SELECT k.name, count(*) FROM annotations a JOIN coders k ON k.id = a.coder_id"
            " WHERE a.deleted = 0 GROUP BY k.name").fetchall())
        assert counts == {"p0": n, "p1": n, "p2": n}
        events = project.db.execute("SELECT count(*) FROM events WHERE action = 'create'"
                                    " AND entity = 'annotation'").fetchone()[0]
        assert events == 3 * n


def test_merge_carries_attribute_values(pair):
    a, b, shared = pair
    with b.transaction():  # set-up: values as set_attribute stores them
        b.db.execute("UPDATE annotations SET attributes = ? WHERE code_id = 'DES.NOFORCE'",
                     ['{"polarity": "negated", "source": "own"}'])
    merge_project(a, b.path)
    rows = a.rows("SELECT attributes FROM annotations WHERE code_id = 'DES.NOFORCE'")
    assert [r["attributes"] for r in rows] == ['{"polarity": "negated", "source": "own"}']
    # A later change of values only is a change too: the newer version wins.
    with b.transaction():
        b.db.execute("UPDATE annotations SET attributes = ?, updated_at = '2999-01-01'"
                     " WHERE code_id = 'DES.NOFORCE'", ['{"source": "attributed"}'])
    merge_project(a, b.path)
    rows = a.rows("SELECT attributes FROM annotations WHERE code_id = 'DES.NOFORCE'")
    assert [r["attributes"] for r in rows] == ['{"source": "attributed"}']
