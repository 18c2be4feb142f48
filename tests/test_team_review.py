"""Review: the disagreement queue, adjudication into the gold layer, undo, unanimous codings."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from coder.annotate import undo
from coder.commands.team import review as review_command
from coder.errors import CoderError
from coder.team.review import (
    adjudicate,
    adopt_unanimous,
    choice_spans,
    context,
    disagreements,
    undo_adjudication,
)
from tests.helpers import code_phrase, make_project, phrase_span

CODERS = ["alice", "bob", "carol"]
NOFORCE = "No vamos a combatir el fuego con fuego."
ROOT = "Vamos a atender a los jóvenes del barrio."
WAR = "Ya no hay guerra en la sierra."


@pytest.fixture
def coded(tmp_path):
    with make_project(tmp_path, documents=3) as project:
        for doc in (1, 2, 3):
            for coder in CODERS:
                code_phrase(project, coder, doc, "SEC.WAR", WAR)           # unanimous
        code_phrase(project, "alice", 1, "DES.NOFORCE", NOFORCE)
        code_phrase(project, "bob", 1, "DES.NOFORCE", NOFORCE, trim=(3, 0))
        code_phrase(project, "carol", 1, "DES.NOFORCE", NOFORCE)
        code_phrase(project, "alice", 2, "DES.ROOT", ROOT)                 # alice only
        code_phrase(project, "bob", 2, "DES.NOFORCE", NOFORCE)             # bob only
        code_phrase(project, "carol", 2, "DES.ROOT", "los jóvenes del barrio")
        yield project


def gold(project, name="gold"):
    return [(r["document_id"], r["code_id"], r["start"], r["end"], r["origin"], r["memo"])
            for r in project.rows(
                'SELECT a.* FROM annotations a JOIN coders k ON k.id = a.coder_id'
                ' WHERE k.name = ? AND a.deleted = 0 ORDER BY a.document_id, a.start', [name])]


def test_queue(coded):
    items = disagreements(coded, CODERS)
    keys = [(d.document_id, d.code_id) for d in items]
    # Document 2 has two disagreements, document 1 one; the unanimous war framing none.
    assert keys == [(2, "DES.NOFORCE"), (2, "DES.ROOT"), (1, "DES.NOFORCE")]
    first = next(d for d in items if d.document_id == 1)
    start, end = phrase_span(coded, 1, NOFORCE)
    assert (first.start, first.end) == (start, end)
    assert first.kind == "boundaries"
    assert first.versions == {"alice": [(start, end)], "bob": [(start + 3, end)],
                              "carol": [(start, end)]}
    assert first.splits == [(start, start + 3, ("alice", "carol"))]
    assert first.split_chars == 3 and not first.settled
    root = next(d for d in items if d.code_id == "DES.ROOT")
    assert root.kind == "unmatched" and root.coders_with == ["alice", "carol"]
    assert all(len(ids) == len(root.versions[c]) for c, ids in root.annotations.items())
    only_doc_1 = disagreements(coded, CODERS, document_id=1)
    assert [(d.document_id, d.code_id) for d in only_doc_1] == [(1, "DES.NOFORCE")]
    assert disagreements(coded, CODERS, code="DES.ROOT")[0].code_id == "DES.ROOT"


def test_choices(coded):
    d = next(x for x in disagreements(coded, CODERS) if x.code_id == "DES.ROOT")
    a = phrase_span(coded, 2, ROOT)
    c = phrase_span(coded, 2, "los jóvenes del barrio")
    assert choice_spans(d, "alice") == [a]
    assert choice_spans(d, "bob") == []
    assert choice_spans(d, "union") == [a]          # carol's span lies inside alice's
    assert choice_spans(d, "none") == []
    assert choice_spans(d, (c[0], a[1])) == [(c[0], a[1])]
    with pytest.raises(CoderError):
        choice_spans(d, "zoe")


def test_adjudicate_coder_version(coded):
    d = disagreements(coded, CODERS, document_id=1)[0]
    created = adjudicate(coded, d, choice="bob", adjudicator="dana", reason="the first words are framing")
    start, end = phrase_span(coded, 1, NOFORCE)
    assert len(created) == 1
    assert gold(coded) == [(1, "DES.NOFORCE", start + 3, end, "adjudicated",
                            "adjudicated by dana: bob's version; the first words are framing")]
    assert coded.db.execute("SELECT is_gold FROM coders WHERE name = 'gold'").fetchone()[0] == 1
    event = coded.rows("SELECT * FROM events WHERE entity = 'adjudication'")[-1]
    info = json.loads(event["after"])["adjudication"]
    assert info["adjudicator"] == "dana" and info["choice"] == "bob"
    assert info["reason"] == "the first words are framing"
    assert info["versions"]["alice"] == [[start, end]]
    again = disagreements(coded, CODERS, document_id=1)[0]
    assert again.settled and again.gold == [(start + 3, end)]


def test_readjudication_replaces_and_undo_restores(coded):
    d = disagreements(coded, CODERS, document_id=1)[0]
    adjudicate(coded, d, choice="bob", adjudicator="dana")
    first = gold(coded)
    adjudicate(coded, d, choice="union", adjudicator="dana", reason="whole sentence")
    start, end = phrase_span(coded, 1, NOFORCE)
    assert [(g[2], g[3]) for g in gold(coded)] == [(start, end)]
    assert coded.db.execute("SELECT count(*) FROM annotations a JOIN coders k ON"
                            " k.id = a.coder_id WHERE k.name = 'gold' AND a.deleted = 1"
                            ).fetchone()[0] == 1
    undo_adjudication(coded)
    assert gold(coded) == first
    undo(coded, "gold")
    assert gold(coded) == []
    assert not disagreements(coded, CODERS, document_id=1)[0].settled


def test_none_and_own_span(coded):
    items = disagreements(coded, CODERS, document_id=2)
    noforce = next(d for d in items if d.code_id == "DES.NOFORCE")
    root = next(d for d in items if d.code_id == "DES.ROOT")
    assert adjudicate(coded, noforce, choice="none", adjudicator="dana", reason="not a rejection") == []
    assert gold(coded) == []
    after = {d.code_id: d for d in disagreements(coded, CODERS, document_id=2)}
    assert after["DES.NOFORCE"].settled and not after["DES.ROOT"].settled
    c = phrase_span(coded, 2, "los jóvenes del barrio")
    adjudicate(coded, root, choice=(c[0] - 3, c[1]), adjudicator="erin")
    assert [(g[2], g[3]) for g in gold(coded)] == [(c[0] - 3, c[1])]
    assert "erin: own span" in gold(coded)[0][5]
    with pytest.raises(CoderError):
        adjudicate(coded, root, choice=(5, 10**7), adjudicator="erin")
    with pytest.raises(CoderError):
        adjudicate(coded, root, choice="alice", adjudicator=" ")
    assert len(gold(coded)) == 1  # the failed calls changed nothing


def test_adopt_unanimous(coded):
    assert adopt_unanimous(coded, CODERS, adjudicator="dana") == 3
    assert [(g[0], g[1]) for g in gold(coded)] == [(1, "SEC.WAR"), (2, "SEC.WAR"), (3, "SEC.WAR")]
    assert adopt_unanimous(coded, CODERS, adjudicator="dana") == 0   # nothing twice
    undo(coded, "gold")
    assert gold(coded) == []


def test_context(coded):
    d = disagreements(coded, CODERS, document_id=1)[0]
    ctx = context(coded, d, width=40)
    assert ctx["text"] == NOFORCE
    assert ctx["speaker"] == "Andrés Manuel López Obrador"
    text = coded.db.execute("SELECT text FROM documents WHERE id = 1").fetchone()[0]
    assert text[ctx["offset"]: ctx["offset"] + len(ctx["before"])] == ctx["before"]


def test_command_lists_the_queue(coded):
    runner = CliRunner()
    result = runner.invoke(review_command, ["-p", str(coded.path), "--coders", "alice,bob,carol",
                                            "--adjudicator", "dana", "--json",
                                            "--adopt-unanimous"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[result.output.index("["):])
    assert len(data) == 3 and {d["code_id"] for d in data} == {"DES.NOFORCE", "DES.ROOT"}
    assert len(gold(coded)) == 3


def test_same_coverage_cut_differently_is_no_disagreement(coded):
    # In document 3 every coder has the war phrase; alice adds a span nested inside it.
    code_phrase(coded, "alice", 3, "SEC.WAR", WAR, trim=(3, 3))
    assert [d for d in disagreements(coded, CODERS) if d.document_id == 3] == []
