"""Reliability data from the project: documents, units, spans, segment matching, coverage."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coder.agreement import units as U
from coder.agreement.sweep import sweep
from coder.annotate import remove_annotation
from coder.errors import CoderError
from coder.project import now
from coder.team.sample import draw_sample, set_status
from tests.helpers import code_phrase, make_project, phrase_span, turns

CODERS = ["alice", "bob", "carol"]


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One project reused by the property tests (annotations are replaced per example)."""
    with make_project(tmp_path_factory.mktemp("units"), documents=3) as project:
        yield project


def put(project, spans: dict[str, list[tuple[int, int, int, str]]]) -> None:
    """Replace every annotation by these (document, start, end, code) spans per coder."""
    with project.transaction():
        project.db.execute("DELETE FROM annotations")
        for coder, items in spans.items():
            coder_id = project.coder_id(coder)
            for doc, start, end, code_id in items:
                project.db.execute(
                    'INSERT INTO annotations(uuid, document_id, code_id, coder_id, start, "end",'
                    " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?)",
                    [str(uuid.uuid4()), doc, code_id, coder_id, start, end, now(), now()])


def lengths(project):
    return dict(project.db.execute("SELECT id, length(text) FROM documents").fetchall())


span_lists = st.lists(st.tuples(st.integers(1, 3), st.integers(0, 480), st.integers(1, 120),
                                st.sampled_from(["SEC.WAR", "DES.NOFORCE", "DES.ROOT"])),
                      max_size=8)


# -- sentences ------------------------------------------------------------------------------


def test_split_sentences():
    text = ("Buenos días. El Sr. Pérez llegó a las 9.30 horas; ¿qué pasó? ¡Nada! "
            "Dijo: «ya veremos». Luego\nsiguió otro párrafo. Le dije que no. J. R. vino "
            "en el año 2019. Fin...  ")
    got = [text[s:e] for s, e in U.split_sentences(text)]
    assert got == ["Buenos días.", "El Sr. Pérez llegó a las 9.30 horas; ¿qué pasó?", "¡Nada!",
                   "Dijo: «ya veremos».", "Luego", "siguió otro párrafo.", "Le dije que no.",
                   "J. R. vino en el año 2019.", "Fin..."]
    inner = U.split_sentences(text, 13, 40)
    assert inner[0][0] == 13 and all(13 <= s < e <= 40 for s, e in inner)
    assert U.split_sentences("   ") == []


# -- documents --------------------------------------------------------------------------------


def test_select_documents(tmp_path):
    with make_project(tmp_path, documents=6) as project:
        with pytest.raises(CoderError, match="no document has been coded"):
            U.select_documents(project, ["alice", "bob"], "all")
        code_phrase(project, "alice", 1, "SEC.WAR", "Ya no hay guerra")
        code_phrase(project, "bob", 1, "SEC.WAR", "Ya no hay guerra")
        code_phrase(project, "alice", 2, "SEC.WAR", "Ya no hay guerra")
        scope = U.select_documents(project, ["alice", "bob"])
        assert scope.rule == "all" and scope.documents == [1]
        sample = draw_sample(project, ["alice", "bob"], size=3, seed=4)
        first, second, third = sample.reliability
        code_phrase(project, "alice", first, "DES.ROOT", "jóvenes del barrio")
        code_phrase(project, "bob", first, "DES.ROOT", "jóvenes del barrio")
        set_status(project, "alice", second, "done")     # bob has not finished it
        scope = U.select_documents(project, ["alice", "bob"])
        assert scope.rule == "reliability"
        assert scope.documents == [first] and scope.left_out == [second, third]
        assert any("left out" in n for n in scope.notes)
        set_status(project, "bob", second, "done")       # coded nothing there, but done
        scope = U.select_documents(project, ["alice", "bob"], "reliability")
        assert scope.documents == [first, second] and scope.left_out == [third]
        assert U.select_documents(project, ["alice", "bob"], "all").documents == sorted(
            {1, first, second})
        listed = U.select_documents(project, ["alice", "bob"], "4,5")
        assert listed.documents == [4, 5] and listed.rule == "listed"
        with pytest.raises(CoderError):
            U.select_documents(project, ["alice", "bob"], "99")
        with pytest.raises(CoderError):
            U.select_documents(project, ["alice"], "all")
        with pytest.raises(CoderError):
            U.parse_docs("one,two")


def test_deleted_annotations_do_not_count(tmp_path):
    with make_project(tmp_path, documents=1) as project:
        a = code_phrase(project, "alice", 1, "SEC.WAR", "Ya no hay guerra")
        code_phrase(project, "bob", 1, "SEC.WAR", "Ya no hay guerra")
        code_phrase(project, "alice", 1, "DES.ROOT", "atender a los jóvenes")
        remove_annotation(project, "alice", a["id"])
        scope = U.select_documents(project, ["alice", "bob"], "all")
        data = U.reliability_data(project, scope, ["SEC.WAR"], "turn")
        assert data.data["SEC.WAR"].sum(axis=1).tolist() == [0, 1]


# -- predefined units (property: same as a brute-force overlap check) -------------------------


@settings(max_examples=40, deadline=None)
@given(alice=span_lists, bob=span_lists, carol=span_lists,
       unit=st.sampled_from(["turn", "sentence", "document"]))
def test_units_match_brute_force(shared, alice, bob, carol, unit):
    length = lengths(shared)
    spans = {name: [(d, min(s, length[d] - 1), min(s + w, length[d]), c) for d, s, w, c in items]
             for name, items in (("alice", alice), ("bob", bob), ("carol", carol))}
    put(shared, spans)
    scope = U.select_documents(shared, CODERS, [1, 2, 3])
    codes = ["SEC.WAR", "DES.NOFORCE", "DES.ROOT"]
    data = U.reliability_data(shared, scope, codes, unit)
    units = data.units
    for code_id in codes:
        for i, name in enumerate(CODERS):
            expected = [int(any(d == units.document_ids[u] and c == code_id
                                and (unit == "document" or (s < units.ends[u] and e > units.starts[u]))
                                for d, s, e, c in spans[name]))
                        for u in range(len(units))]
            assert data.data[code_id][i].tolist() == expected
    # The exclusive group: the code present, "none", or both joined.
    labels = np.vectorize(lambda v: data.group_label("STANCE", v), otypes=[object])(
        data.groups["STANCE"])
    war, noforce = data.data["SEC.WAR"].astype(bool), data.data["DES.NOFORCE"].astype(bool)
    assert ((labels == "none") == (~war & ~noforce)).all()
    assert ((labels == "SEC.WAR") == (war & ~noforce)).all()
    assert ((labels == "SEC.WAR+DES.NOFORCE") == (war & noforce)).all()
    assert data.group_overlaps["STANCE"] == int((war & noforce).sum())


def test_turn_units_are_the_turns(tmp_path):
    with make_project(tmp_path, documents=2) as project:
        units = U.predefined_units(project, [1, 2], "turn")
        assert list(zip(units.starts[:4].tolist(), units.ends[:4].tolist())) == turns(project, 1)
        assert units.document_ids.tolist() == [1] * 4 + [2] * 4
        sentences = U.predefined_units(project, [1], "sentence")
        first_turn = turns(project, 1)[0]
        inside = [(s, e) for s, e in zip(sentences.starts, sentences.ends) if e <= first_turn[1]]
        assert len(inside) == 4  # the president's first turn has four sentences


# -- characters ---------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(alice=span_lists, bob=span_lists)
def test_coverage_per_document_matches_character_arrays(shared, alice, bob):
    length = lengths(shared)
    spans = {name: [(d, min(s, length[d] - 1), min(s + w, length[d]), c) for d, s, w, c in items]
             for name, items in (("alice", alice), ("bob", bob))}
    put(shared, spans)
    scope = U.select_documents(shared, ["alice", "bob"], [1, 2, 3])
    loaded = U.load_spans(shared, scope, ["SEC.WAR"])
    cont = U.continuum(shared, scope.documents)
    cov = U.coverages(loaded, scope, cont, ["SEC.WAR"])["SEC.WAR"]
    per_doc = U.per_document_covered(cov, cont.offsets)
    for row, doc in zip(per_doc, [1, 2, 3]):
        marks = np.zeros((2, length[doc]), dtype=int)  # the oracle may be per character
        for i, name in enumerate(["alice", "bob"]):
            for d, s, e, c in spans[name]:
                if d == doc and c == "SEC.WAR":
                    marks[i, s:e] = 1
        counts = marks.sum(axis=0)
        assert row.tolist() == [int((counts == j).sum()) for j in range(3)]


def test_continuum_offsets(tmp_path):
    with make_project(tmp_path, documents=3) as project:
        cont = U.continuum(project, [3, 1])
        length = lengths(project)
        assert cont.documents == [1, 3]
        assert cont.offsets.tolist() == [0, length[1], length[1] + length[3]]
        shifted = cont.shifted({3: [[(0, 5)], []]}, 2)
        assert shifted[0].tolist() == [[length[1], length[1] + 5]] and len(shifted[1]) == 0
        cov = sweep({"a": shifted[0], "b": shifted[1]}, cont.length, ["a", "b"])
        assert cov.covered_by().tolist() == [cont.length - 5, 5, 0]


# -- segment matching -------------------------------------------------------------------------


def test_overlap_ratio():
    assert U.overlap_ratio((0, 10), (0, 10)) == 1.0
    assert U.overlap_ratio((0, 10), (1, 10)) == pytest.approx(0.9)
    assert U.overlap_ratio((0, 10), (5, 15)) == pytest.approx(5 / 15)
    assert U.overlap_ratio((0, 10), (10, 20)) == 0.0


def test_match_segments():
    spans = {"K": {1: [[(0, 100), (200, 250)], [(5, 100), (300, 320)]],
                   2: [[(10, 20)], []]}}
    got = U.match_segments(spans, ["a", "b"], 0.9)["K"]
    # a's (0,100) matches b's (5,100) at 0.95 and back; (200,250), (300,320), (10,20) do not.
    assert got.segments == [3, 2]
    assert (got.agreements, got.disagreements) == (2, 3)
    assert got.percent == pytest.approx(0.4)
    assert got.pairs == {"a~b": (2, 3)}
    strict = U.match_segments(spans, ["a", "b"], 0.96)["K"]
    assert strict.agreements == 0
    three = U.match_segments({"K": {1: [[(0, 10)], [(0, 10)], []]}}, ["a", "b", "c"], 0.9)["K"]
    # a~b agree both ways; a and b each miss c; c has nothing to check.
    assert (three.agreements, three.disagreements) == (2, 2)
    with pytest.raises(CoderError):
        U.match_segments(spans, ["a", "b"], 0)


def test_load_spans_in_scope_order(tmp_path):
    with make_project(tmp_path, documents=2) as project:
        code_phrase(project, "carol", 1, "DES.ROOT", "atender a los jóvenes")
        code_phrase(project, "alice", 1, "DES.ROOT", "jóvenes del barrio")
        scope = U.select_documents(project, ["carol", "alice"], [1])
        spans = U.load_spans(project, scope, ["DES.ROOT", "SEC.WAR"])
        assert spans["SEC.WAR"] == {}
        carol, alice = spans["DES.ROOT"][1]
        assert carol == [phrase_span(project, 1, "atender a los jóvenes")]
        assert alice == [phrase_span(project, 1, "jóvenes del barrio")]
