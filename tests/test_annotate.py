"""Coding actions: apply, remove, resize, accept/reject, memos, undo and redo over all of them."""

from __future__ import annotations

import pytest

from coder.annotate import (
    accept_suggestion,
    annotations_at,
    apply_code,
    document_annotations,
    document_memo,
    document_suggestions,
    redo,
    reject_suggestion,
    remove_annotation,
    resize_annotation,
    undo,
)
from coder.codebook import parse_codebook, store_codebook
from coder.corpus.importer import import_paths
from coder.errors import CoderError
from coder.project import now
from tests.helpers import CODEBOOK


@pytest.fixture
def coded(project, transcript):
    import_paths(project, [transcript])
    store_codebook(project, parse_codebook(CODEBOOK))
    return project


def live(project, coder="alice"):
    return [(a["code_id"], a["start"], a["end"]) for a in document_annotations(project, 1, coder=coder)]


def add_suggestion(project, code="DES.NOFORCE", start=10, end=20, pattern="abrazos"):
    return project.db.execute(
        'INSERT INTO suggestions(document_id, code_id, start, "end", pattern_id, codebook_version,'
        " pipeline, created_at) VALUES (1, ?, ?, ?, ?, 'v', 'test', ?)",
        [code, start, end, pattern, now()]).lastrowid


def test_apply_is_committed_and_logged(coded, tmp_path):
    annotation = apply_code(coded, "alice", 1, "SEC.WAR", 10, 25)
    assert annotation["origin"] == "manual" and annotation["codebook_version"]
    # A second connection sees it: it was committed before apply_code returned.
    from coder.project import Project

    with Project(coded.path) as other:
        assert other.db.execute("SELECT count(*) FROM annotations").fetchone()[0] == 1
        assert other.db.execute("SELECT action FROM events ORDER BY id DESC").fetchone()[0] == "create"


def test_apply_validates(coded):
    with pytest.raises(CoderError, match="outside document"):
        apply_code(coded, "alice", 1, "SEC.WAR", 10, 10_000)
    with pytest.raises(CoderError, match="no code"):
        apply_code(coded, "alice", 1, "NOPE", 1, 2)
    with pytest.raises(CoderError, match="empty"):
        apply_code(coded, "alice", 1, "SEC.WAR", 5, 5)
    assert live(coded) == []


def test_same_span_twice_is_one_annotation(coded):
    a = apply_code(coded, "alice", 1, "SEC.WAR", 10, 25)
    b = apply_code(coded, "alice", 1, "SEC.WAR", 10, 25)
    assert a["id"] == b["id"]


def test_overlaps_and_coders_are_separate(coded):
    apply_code(coded, "alice", 1, "SEC.WAR", 10, 40)
    apply_code(coded, "alice", 1, "DES.ROOT", 20, 30)
    apply_code(coded, "bob", 1, "SEC.WAR", 10, 40)
    assert live(coded) == [("SEC.WAR", 10, 40), ("DES.ROOT", 20, 30)]
    assert len(document_annotations(coded, 1, coder="alice", others=True)) == 3
    assert [a["code_id"] for a in annotations_at(coded, 1, "alice", 25)] == ["DES.ROOT", "SEC.WAR"]


def test_undo_redo_chain_over_every_kind_of_change(coded):
    a = apply_code(coded, "alice", 1, "SEC.WAR", 10, 40)
    resize_annotation(coded, "alice", a["id"], 12, 44)
    suggestion = add_suggestion(coded)
    accept_suggestion(coded, "alice", suggestion)
    remove_annotation(coded, "alice", a["id"])
    states = [live(coded)]
    for _ in range(4):
        assert undo(coded, "alice") is not None
        states.append(live(coded))
    assert states == [
        [("DES.NOFORCE", 10, 20)],
        [("DES.NOFORCE", 10, 20), ("SEC.WAR", 12, 44)],
        [("SEC.WAR", 12, 44)],
        [("SEC.WAR", 10, 40)],
        [],
    ]
    assert undo(coded, "alice") is None
    assert document_suggestions(coded, 1, "alice")[0]["status"] == "pending"
    for expected in reversed(states[:-1]):
        assert redo(coded, "alice") is not None
        assert live(coded) == expected
    assert redo(coded, "alice") is None
    assert document_suggestions(coded, 1, "alice")[0]["status"] == "accepted"


def test_new_change_clears_redo(coded):
    apply_code(coded, "alice", 1, "SEC.WAR", 10, 40)
    undo(coded, "alice")
    apply_code(coded, "alice", 1, "DES.ROOT", 1, 5)
    assert redo(coded, "alice") is None
    assert live(coded) == [("DES.ROOT", 1, 5)]


def test_undo_is_per_coder(coded):
    apply_code(coded, "alice", 1, "SEC.WAR", 10, 40)
    apply_code(coded, "bob", 1, "SEC.WAR", 10, 40)
    undo(coded, "alice")
    assert live(coded, "alice") == [] and live(coded, "bob") == [("SEC.WAR", 10, 40)]


def test_reject_then_accept_keeps_one_decision(coded):
    suggestion = add_suggestion(coded)
    reject_suggestion(coded, "alice", suggestion)
    assert document_suggestions(coded, 1, "alice")[0]["status"] == "rejected"
    assert document_suggestions(coded, 1, "bob")[0]["status"] == "pending"
    accept_suggestion(coded, "alice", suggestion)
    rows = coded.rows("SELECT decision FROM decisions")
    assert rows == [{"decision": "accept"}]
    annotation = document_annotations(coded, 1, coder="alice")[0]
    assert (annotation["origin"], annotation["pattern_id"]) == ("suggestion", "abrazos")
    undo(coded, "alice")
    assert document_suggestions(coded, 1, "alice")[0]["status"] == "rejected"
    assert live(coded) == []


def test_cannot_touch_another_coders_annotation(coded):
    a = apply_code(coded, "alice", 1, "SEC.WAR", 10, 40)
    with pytest.raises(CoderError, match="another coder"):
        remove_annotation(coded, "bob", a["id"])


def test_document_memo_and_undo(coded):
    document_memo(coded, "alice", 1, "Primera lectura.")
    document_memo(coded, "alice", 1, "Segunda lectura.")
    assert coded.rows("SELECT text FROM memos WHERE deleted = 0") == [{"text": "Segunda lectura."}]
    undo(coded, "alice")
    assert coded.rows("SELECT text FROM memos WHERE deleted = 0") == [{"text": "Primera lectura."}]
