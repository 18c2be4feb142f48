"""Code matrices by document / turn / month, co-occurrence, the sentence splitter."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from coder.cli import main
from coder.errors import CoderError
from coder.export.matrix import (
    code_matrix,
    cooccurrence,
    cooccurrence_rows,
    matrix_frame,
    split_sentences,
)
from tests.helpers import build_coded

CODES = ["SEC", "SEC.WAR", "DES", "DES.NOFORCE", "DES.ROOT"]


@pytest.fixture
def coded(project, tmp_path):
    build_coded(project, tmp_path)
    return project


def cells(row: dict, names=CODES) -> list:
    return [row[name] for name in names]


def test_matrix_by_document_counts_and_presence(coded):
    columns, rows = code_matrix(coded, by="document", counts=True, exact=True)
    assert columns == ["document_id", "date", "title", "words", *CODES]
    assert [r["document_id"] for r in rows] == [1, 2]
    # Hand-counted from build_coded: doc 1 has SEC.WAR, DES.NOFORCE x3 (alice, bob, gold),
    # DES.ROOT; doc 2 has SEC (bob), SEC.WAR, DES.NOFORCE (the removed one does not count).
    assert cells(rows[0]) == [0, 1, 0, 3, 1]
    assert cells(rows[1]) == [1, 1, 0, 1, 0]
    _, presence = code_matrix(coded, by="document", exact=True)
    assert cells(presence[0]) == [0, 1, 0, 1, 1]
    assert rows[0]["words"] == coded.db.execute("SELECT words FROM documents WHERE id = 1").fetchone()[0]


def test_matrix_default_columns_count_descendants(coded):
    """As in stats and every --code filter, a parent column counts its children's segments."""
    columns, rows = code_matrix(coded, by="document", counts=True)
    assert columns[4:] == CODES  # still every code, parents first
    # doc 1: SEC = its SEC.WAR; DES = NOFORCE x3 + ROOT.  doc 2: SEC = SEC (bob) + SEC.WAR.
    assert cells(rows[0]) == [1, 1, 4, 3, 1]
    assert cells(rows[1]) == [2, 1, 1, 1, 0]
    _, presence = code_matrix(coded, by="document")
    assert cells(presence[0]) == [1, 1, 1, 1, 1]  # SEC is 1 where only SEC.WAR was coded
    # The parent column equals the family column --code SEC gives.
    _, family = code_matrix(coded, by="document", counts=True, codes=["SEC", "DES"])
    assert [r["SEC"] for r in family] == [r["SEC"] for r in rows]
    assert [r["DES"] for r in family] == [r["DES"] for r in rows]
    # --exact with --code: only segments of exactly SEC (bob's in doc 2).
    _, exact = code_matrix(coded, by="document", counts=True, codes=["SEC"], exact=True)
    assert [r["SEC"] for r in exact] == [0, 1]


def test_matrix_code_families_and_filters(coded):
    columns, rows = code_matrix(coded, by="document", counts=True, codes=["SEC", "DES"])
    assert columns[-2:] == ["SEC", "DES"]
    assert [cells(r, ["SEC", "DES"]) for r in rows] == [[1, 4], [2, 1]]
    _, alice = code_matrix(coded, by="document", counts=True, codes="SEC,DES", coder="alice")
    assert [cells(r, ["SEC", "DES"]) for r in alice] == [[1, 2], [1, 1]]
    _, gold = code_matrix(coded, by="document", counts=True, gold=True)
    assert [cells(r) for r in gold] == [[0, 0, 1, 1, 0], [0, 0, 0, 0, 0]]  # zero rows stay
    _, april = code_matrix(coded, by="document", since="2019-04")
    assert [r["document_id"] for r in april] == [2]


def test_matrix_by_turn(coded):
    columns, rows = code_matrix(coded, by="turn", counts=True, coder="alice", exact=True)
    assert columns[:7] == ["turn_id", "document_id", "date", "paragraph", "speaker", "speaker_kind", "words"]
    assert len(rows) == 6 + 3  # every turn of both documents
    found = {(r["document_id"], r["paragraph"]): cells(r) for r in rows if any(cells(r))}
    assert found == {  # paragraphs counted from 1, as the workbench's ¶
        (1, 1): [0, 0, 0, 0, 1],   # atender las causas
        (1, 3): [0, 1, 0, 0, 0],   # guerra contra el narco
        (1, 6): [0, 0, 0, 1, 0],   # abrazos, no balazos
        (2, 1): [0, 0, 0, 1, 0],
        (2, 2): [0, 1, 0, 0, 0],   # the press question
    }
    assert next(r for r in rows if (r["document_id"], r["paragraph"]) == (2, 2))["speaker_kind"] == "press"


def test_matrix_by_month_has_no_gaps(coded, tmp_path):
    from coder.corpus.importer import import_paths
    from tests.helpers import write_transcript

    import_paths(coded, [write_transcript(tmp_path, "in/2019/junio/01--c.txt",
                                          "Un mensaje | 1 de junio, 2019\nAutor\n01 de junio de 2019\n---\n"
                                          "PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR\nPalabras de junio.\n")])
    columns, rows = code_matrix(coded, by="month", counts=True, codes=["SEC", "DES"])
    assert columns == ["month", "documents", "words", "SEC", "DES"]
    assert [(r["month"], r["documents"], r["SEC"], r["DES"]) for r in rows] == [
        ("2019-03", 1, 1, 4), ("2019-04", 1, 2, 1), ("2019-05", 0, 0, 0), ("2019-06", 1, 0, 0)]


def test_matrix_frame_and_bad_unit(coded):
    frame = matrix_frame(coded, by="month", counts=False)
    assert list(frame.columns) == ["month", "documents", "words", *CODES]
    assert frame["DES.NOFORCE"].tolist() == [1, 1]
    with pytest.raises(CoderError, match="^by must be one of"):
        code_matrix(coded, by="week")


def test_cooccurrence_by_turn_is_symmetric_with_hand_counts(coded):
    result = cooccurrence(coded, unit="turn")
    names = result.codes
    assert names == ["SEC", "SEC.WAR", "DES.NOFORCE", "DES.ROOT"]  # only codes in use
    m = {(a, b): result.matrix[i][j] for i, a in enumerate(names) for j, b in enumerate(names)}
    assert all(m[a, b] == m[b, a] for a in names for b in names)
    # Units with codes: d1t0 {ROOT, NOFORCE(bob)}, d1t2 {WAR}, d1t5 {NOFORCE}, d2t0 {NOFORCE},
    # d2t1 {WAR}, d2t2 {SEC}.
    assert m["DES.NOFORCE", "DES.NOFORCE"] == 3
    assert m["SEC.WAR", "SEC.WAR"] == 2
    assert m["DES.ROOT", "DES.NOFORCE"] == 1
    assert m["SEC.WAR", "DES.NOFORCE"] == 0
    assert result.units == 9 and result.coded_units == 6


def test_cooccurrence_by_document_and_sentence(coded):
    by_doc = cooccurrence(coded, unit="document", codes=["SEC.WAR", "DES.NOFORCE", "DES.ROOT"])
    assert by_doc.matrix == [[2, 2, 1], [2, 2, 1], [1, 1, 1]]
    # "la estrategia de paz" (bob) and "atender las causas" (alice) share a turn, not a sentence.
    by_sentence = cooccurrence(coded, unit="sentence", codes=["DES.NOFORCE", "DES.ROOT"])
    assert by_sentence.matrix == [[3, 0], [0, 1]]
    # Families: SEC counts SEC.WAR too; DES with its children.
    families = cooccurrence(coded, unit="document", codes=["SEC", "DES"])
    assert families.matrix == [[2, 2], [2, 2]]
    columns, rows = cooccurrence_rows(families)
    assert columns == ["code", "SEC", "DES"] and rows[0] == {"code": "SEC", "SEC": 2, "DES": 2}


def test_split_sentences_spanish():
    text = "Buenos días. ¿Cómo están? El Sr. Pérez llegó.\nOtra línea sin punto\n\n¡Bien! fin"
    sentences = [text[s:e] for s, e in split_sentences(text)]
    assert sentences == ["Buenos días.", "¿Cómo están?", "El Sr. Pérez llegó.",
                         "Otra línea sin punto", "¡Bien! fin"]
    inner = text.index("El Sr.")
    assert [text[s:e] for s, e in split_sentences(text, inner, inner + 19)] == ["El Sr. Pérez llegó."]


@given(st.text(alphabet="ab ¿?.!\nAB", max_size=80))
def test_split_sentences_partitions_the_text(text):
    spans = split_sentences(text)
    covered = [False] * len(text)
    last_end = 0
    for s, e in spans:
        assert last_end <= s < e <= len(text)
        assert not text[s].isspace() and not text[e - 1].isspace()
        for i in range(s, e):
            covered[i] = True
        last_end = e
    # Every non-space character is in exactly one sentence.
    assert all(covered[i] for i, c in enumerate(text) if not c.isspace())


def test_cli_matrix_and_cooccurrence(coded, tmp_path):
    runner = CliRunner()
    out = tmp_path / "m.csv"
    result = runner.invoke(main, ["export", str(out), "--by", "month", "--counts", "--code", "SEC,DES",
                                  "-p", str(coded.path)])
    assert result.exit_code == 0, result.output
    assert "counting the segments of 3 coders together" in result.output
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["month"], r["SEC"], r["DES"]) for r in rows] == [("2019-03", "1", "4"), ("2019-04", "2", "1")]
    result = runner.invoke(main, ["cooccurrence", "--unit", "document", "--coder", "alice",
                                  "--csv", str(tmp_path / "c.csv"), "-p", str(coded.path)])
    assert result.exit_code == 0, result.output
    with open(tmp_path / "c.csv", newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    assert table[0] == ["code", "SEC.WAR", "DES.NOFORCE", "DES.ROOT"]
    assert table[1] == ["SEC.WAR", "2", "2", "1"]
    result = runner.invoke(main, ["cooccurrence", "--json", "-p", str(coded.path), "--gold"])
    assert result.exit_code == 0, result.output
    assert '"coded_units": 1' in result.output
    # The JSON keys are the Cooccurrence fields: renaming one breaks scripts that read them.
    assert list(json.loads(result.output)) == ["unit", "codes", "units", "coded_units", "matrix"]


def test_cli_matrix_by_month_rolls_children_up(coded, tmp_path):
    """The QA case: SEC was 0 in months where only SEC.WAR was coded."""
    runner = CliRunner()
    out = tmp_path / "m.csv"
    result = runner.invoke(main, ["export", str(out), "--by", "month", "--coder", "alice",
                                  "-p", str(coded.path)])
    assert result.exit_code == 0, result.output
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # alice: SEC.WAR in both months, never SEC itself.
    assert [(r["month"], r["SEC"], r["SEC.WAR"], r["DES"]) for r in rows] == [
        ("2019-03", "1", "1", "1"), ("2019-04", "1", "1", "1")]
    result = runner.invoke(main, ["export", str(out), "--by", "month", "--coder", "alice", "--exact",
                                  "-p", str(coded.path)])
    assert result.exit_code == 0, result.output
    with open(out, newline="", encoding="utf-8") as handle:
        assert [r["SEC"] for r in csv.DictReader(handle)] == ["0", "0"]
    result = runner.invoke(main, ["export", str(tmp_path / "s.csv"), "--exact", "-p", str(coded.path)])
    assert result.exit_code == 1 and "--exact is for a matrix" in result.output
    help_text = " ".join(runner.invoke(main, ["export", "--help"]).output.split())
    assert "each counting its descendants" in help_text and "--exact" in help_text


def test_cooccurrence_default_stays_exact(coded):
    """Rolled-up parents would trivially co-occur with their children; co-occurrence keeps exact codes."""
    result = cooccurrence(coded, unit="turn")
    assert "DES" not in result.codes  # nobody coded DES itself


@pytest.mark.parametrize("by", ["document", "turn", "month"])
def test_an_empty_matrix_has_the_schema_of_a_full_one(coded, tmp_path, by):
    """`coder export e.dta --by ... --since 2030` (no rows) wrote every column as text:
    do-files written against a full export broke on an empty subset.  Stata, Parquet and
    the pandas frame now have the same types whatever the rows."""
    from tests.helpers import parquet_schema, stata_schema

    def export(name: str, *more: str):
        result = CliRunner().invoke(main, ["export", str(tmp_path / name), "--by", by,
                                           "--coder", "alice", *more, "-p", str(coded.path)])
        assert result.exit_code == 0, result.output
        return tmp_path / name

    full, empty = export("m.dta"), export("e.dta", "--since", "2030-01-01")
    assert stata_schema(empty) == stata_schema(full)
    kinds = {name: kind for name, kind, *_ in stata_schema(empty)["variables"]}
    assert kinds["words"] == "l" and kinds["SEC_WAR"] == "l"
    if by != "month":
        assert kinds["document_id"] == "l"
        assert ("date", "d", "%td", "") in stata_schema(empty)["variables"]
    full, empty = export("m.parquet"), export("e.parquet", "--since", "2030-01-01")
    assert parquet_schema(empty) == parquet_schema(full)
    assert ("SEC.WAR", "int64", False) in parquet_schema(empty)
    frames = [matrix_frame(coded, by=by, coders=["alice"], **since)
              for since in ({}, {"since": "2030-01-01"})]
    assert len(frames[0]) and not len(frames[1])
    assert frames[1].dtypes.to_dict() == frames[0].dtypes.to_dict()


def test_a_code_called_like_a_row_key_keeps_the_key(project, tmp_path):
    """A code whose id is a row key ("date", "words") overwrote that key's cells: the
    date column held the code's 0/1.  Its column is now "date (code)"."""
    from coder.annotate import apply_code
    from coder.codebook import parse_codebook, store_codebook
    from coder.corpus.importer import import_paths
    from tests.helpers import TRANSCRIPT, write_transcript

    import_paths(project, [write_transcript(tmp_path, "in/2019/marzo/05--a.txt", TRANSCRIPT)])
    store_codebook(project, parse_codebook(
        "codebook: {name: t, languages: [es]}\ncodes:\n  - {id: date, name: A date}\n"
        "  - {id: words, name: Words}\n"))
    apply_code(project, "alice", 1, "date", 0, 10)
    columns, rows = code_matrix(project, by="document", counts=True)
    assert columns == ["document_id", "date", "title", "words", "date (code)", "words (code)"]
    assert rows[0]["date"] == "2019-03-05" and rows[0]["date (code)"] == 1
    assert rows[0]["words"] > 1 and rows[0]["words (code)"] == 0
    _, turns = code_matrix(project, by="turn")
    assert turns[0]["date"] == "2019-03-05"
