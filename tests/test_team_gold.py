"""The gold layer as a coder: a document the adjudicator settled counts as coded by gold,
even when every decision there was "not coded" and left no gold coding."""

from __future__ import annotations

import pytest

from coder.agreement.report import agreement_report
from coder.agreement.units import select_documents
from coder.analysis import coded_documents, frequencies
from coder.annotate import apply_code
from coder.team.review import (
    adjudicate,
    adopt_unanimous,
    disagreements,
    redo_adjudication,
    undo_adjudication,
)
from tests.helpers import code_phrase, make_project, phrase_span

NOFORCE = "No vamos a combatir el fuego con fuego."


@pytest.fixture
def settled_none(tmp_path):
    """alice and bob agree on document 1; only alice codes document 2, and the adjudicator
    settles that as "not coded": gold has a coding in document 1 and none in document 2."""
    with make_project(tmp_path, documents=3) as project:
        for coder in ("alice", "bob"):
            code_phrase(project, coder, 1, "DES.NOFORCE", NOFORCE)
        code_phrase(project, "alice", 2, "DES.NOFORCE", NOFORCE)
        assert adopt_unanimous(project, ["alice", "bob"], adjudicator="dana", docs=[1, 2]) == 1
        [item] = disagreements(project, ["alice", "bob"], docs=[1, 2])
        assert item.document_id == 2
        assert adjudicate(project, item, choice="none", adjudicator="dana") == []
        yield project


def test_a_document_settled_as_none_is_coded_by_gold(settled_none):
    project = settled_none
    scope = select_documents(project, ["alice", "gold"])
    assert scope.documents == [1, 2]
    assert not any("gold has no codings" in note for note in scope.notes)
    assert coded_documents(project, gold=True) == {1, 2}


def test_agreement_with_gold_counts_the_document_settled_as_none(settled_none):
    project = settled_none
    default = agreement_report(project, ["alice", "gold"])
    listed = agreement_report(project, ["alice", "gold"], docs=[1, 2])
    assert default.documents == listed.documents == [1, 2]
    row = {r.id: r for r in default.rows}["DES.NOFORCE"]
    # alice coded a turn in each document, gold only in document 1: they disagree on one
    # of eight turns, so alpha is below 1 (over document 1 alone it would be 1).
    assert row.coded == [2, 1] and row.n == 8
    assert row.alpha == pytest.approx({r.id: r for r in listed.rows}["DES.NOFORCE"].alpha)
    assert row.alpha < 0.7


def test_statistics_of_gold_count_the_words_of_the_document_settled_as_none(settled_none):
    project = settled_none
    columns, rows = frequencies(project, by="document", codes="DES", gold=True)
    counts = {r["document_id"]: r["DES"] for r in rows}
    # Document 2 was looked at (settled as "not coded"): 0, not missing like document 3.
    assert counts == {1: 1, 2: 0, 3: None}
    month = dict(project.db.execute("SELECT id, substr(date, 1, 7) FROM documents").fetchall())
    assert month[1] != month[2] == month[3]   # the fixture's layout, relied on below
    columns, rows = frequencies(project, by="month", codes="DES", gold=True)
    by_month = {r["month"]: r for r in rows}
    # Document 2's month: one document coded by gold (3 is not), its words, 0 segments.
    words = project.db.execute("SELECT words FROM documents WHERE id = 2").fetchone()[0]
    assert words > 0
    assert [by_month[month[2]][k] for k in ("documents", "words", "DES")] == [1, words, 0]
    assert [by_month[month[1]][k] for k in ("documents", "DES")] == [1, 1]


def test_an_undone_adjudication_no_longer_counts(settled_none):
    project = settled_none
    assert undo_adjudication(project) is not None
    assert coded_documents(project, gold=True) == {1}
    assert select_documents(project, ["alice", "gold"]).documents == [1]
    assert redo_adjudication(project) is not None
    assert coded_documents(project, gold=True) == {1, 2}


def test_none_that_only_removes_gold_codings_settles_and_counts(tmp_path):
    """"Not coded" where the gold layer had a coding (adopted as unanimous) removes it: the
    adjudication is logged as a removal, and still settles the disagreement and counts."""
    with make_project(tmp_path, documents=2) as project:
        start, end = phrase_span(project, 1, NOFORCE)
        code_phrase(project, "alice", 1, "DES.NOFORCE", NOFORCE)
        code_phrase(project, "bob", 1, "DES.NOFORCE", NOFORCE)
        apply_code(project, "alice", 1, "DES.NOFORCE", start + 4, end + 10)  # and further
        assert adopt_unanimous(project, ["alice", "bob"], adjudicator="dana") == 1
        [item] = disagreements(project, ["alice", "bob"])
        assert adjudicate(project, item, choice="none", adjudicator="dana") == []
        assert project.db.execute(
            "SELECT count(*) FROM annotations a JOIN coders k ON k.id = a.coder_id"
            " WHERE k.name = 'gold' AND a.deleted = 0").fetchone()[0] == 0
        [again] = disagreements(project, ["alice", "bob"])
        assert again.settled
        assert coded_documents(project, gold=True) == {1}
