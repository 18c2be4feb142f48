"""Attribute dimensions of codings: declared by the codebook, set per coding, undoable."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from coder.annotate import (
    accept_suggestion,
    apply_code,
    attribute_values,
    clear_attribute,
    code_attributes,
    redo,
    set_attribute,
    undo,
)
from coder.cli import main
from coder.codebook import codebook_attributes, parse_codebook, store_codebook
from coder.corpus.importer import import_paths
from coder.errors import CodebookError, CoderError
from coder.project import now
from tests.helpers import with_attributes


@pytest.fixture
def coded(project, transcript):
    import_paths(project, [transcript])
    store_codebook(project, parse_codebook(with_attributes()))
    return project


def test_codebook_declares_dimensions_and_the_codes_they_apply_to():
    codebook = parse_codebook(with_attributes())
    assert [a.id for a in codebook.attributes] == ["source", "polarity", "audience"]
    source = codebook.attributes[0]
    assert source.values == ["own", "attributed", "quoted"]
    assert source.value_names == {"own": "Own move"}
    # Children inherit their parent's dimensions; `codes` omitted means every code.
    assert [a.id for a in codebook.attributes_for("SEC.WAR")] == ["source", "polarity", "audience"]
    assert [a.id for a in codebook.attributes_for("DES.ROOT")] == ["source", "audience"]


@pytest.mark.parametrize(("attributes", "message"), [
    ("attributes:\n  - id: source\n    values: []\n", r"line 5: attribute source: `values` must be"),
    ("attributes:\n  - id: Source\n    values: [a]\n", r"line 5: attribute id 'Source'"),
    ("attributes:\n  - id: source\n    values: [a, a]\n", r"line 5: attribute source: duplicate value 'a'"),
    ("attributes:\n  - id: source\n    codes: [NOPE]\n    values: [a]\n", r"line 5: .*unknown code\(s\) NOPE"),
    ("attributes:\n  - id: source\n    valuse: [a]\n", r"line 5: .*unknown field 'valuse' \(did you mean 'values'\?\)"),
    ("attributes:\n  - id: s\n    values: [a]\n  - id: s\n    values: [b]\n", r"line 7: duplicate attribute 's' \(first on line 5\)"),
    ("attributes:\n  - id: s\n    values: ['a b']\n", r"value 'a b' must be a word"),
])
def test_bad_attributes_name_the_line(attributes, message):
    with pytest.raises(CodebookError, match=message):
        parse_codebook(with_attributes(attributes))


def test_dimensions_are_stored_with_the_codebook_version(coded):
    dimensions = codebook_attributes(coded)
    assert [d.id for d in dimensions] == ["source", "polarity", "audience"]
    version = coded.setting("codebook_version")
    stored = json.loads(coded.db.execute("SELECT attributes FROM codebooks WHERE version = ?",
                                         [version]).fetchone()[0])
    assert stored[0]["values"] == ["own", "attributed", "quoted"]
    assert [d.id for d in code_attributes(coded, "DES.NOFORCE")] == ["source", "audience"]


def test_set_clear_and_undo_an_attribute_value(coded):
    coding = apply_code(coded, "alice", 1, "SEC.WAR", 10, 25)
    set_attribute(coded, "alice", coding["id"], "source", "attributed")
    row = set_attribute(coded, "alice", coding["id"], "polarity", "negated")
    assert attribute_values(row) == {"source": "attributed", "polarity": "negated"}
    event = coded.rows("SELECT * FROM events ORDER BY id DESC LIMIT 1")[0]
    assert (event["action"], event["entity"], event["entity_id"]) == ("update", "annotation", coding["id"])
    assert json.loads(event["after"])["attribute"] == {"polarity": "negated"}

    row = clear_attribute(coded, "alice", coding["id"], "source")
    assert attribute_values(row) == {"polarity": "negated"}
    undo(coded, "alice")  # brings the cleared value back
    stored = coded.rows("SELECT attributes FROM annotations WHERE id = ?", [coding["id"]])[0]
    assert attribute_values(stored) == {"source": "attributed", "polarity": "negated"}
    undo(coded, "alice")
    stored = coded.rows("SELECT attributes FROM annotations WHERE id = ?", [coding["id"]])[0]
    assert attribute_values(stored) == {"source": "attributed"}
    redo(coded, "alice")
    stored = coded.rows("SELECT attributes FROM annotations WHERE id = ?", [coding["id"]])[0]
    assert attribute_values(stored) == {"source": "attributed", "polarity": "negated"}


def test_bad_values_change_nothing(coded):
    coding = apply_code(coded, "alice", 1, "DES.NOFORCE", 10, 25)
    events = coded.db.execute("SELECT count(*) FROM events").fetchone()[0]
    with pytest.raises(CoderError, match="does not apply to code DES.NOFORCE"):
        set_attribute(coded, "alice", coding["id"], "polarity", "negated")
    with pytest.raises(CoderError, match="no value 'mine'"):
        set_attribute(coded, "alice", coding["id"], "source", "mine")
    with pytest.raises(CoderError, match="belongs to another coder"):
        set_attribute(coded, "bob", coding["id"], "source", "own")
    assert coded.db.execute("SELECT count(*) FROM events").fetchone()[0] == events
    assert coded.rows("SELECT attributes FROM annotations")[0]["attributes"] == "{}"


def _suggestion(project, code="SEC.WAR", **columns):
    names = ", ".join(columns)
    marks = ", ".join("?" * len(columns))
    return project.db.execute(
        'INSERT INTO suggestions(document_id, code_id, start, "end", pattern_id, codebook_version,'
        f" pipeline, created_at{', ' + names if names else ''}) VALUES (1, ?, 10, 20, 'p', 'v',"
        f" 'test', ?{', ' + marks if marks else ''})", [code, now(), *columns.values()]).lastrowid


def test_accepting_copies_predicted_attributes(coded):
    # Suggestions without predicted columns (an older project): nothing to copy.
    plain = _suggestion(coded, code="DES.NOFORCE")
    assert attribute_values(accept_suggestion(coded, "alice", plain)) == {}
    # With the columns the rule engine stores (coder.suggest.moves), the values the code
    # carries are copied.
    predicted = _suggestion(coded, source="attributed", polarity="negated")
    accepted = accept_suggestion(coded, "alice", predicted)
    assert attribute_values(accepted) == {"source": "attributed", "polarity": "negated"}
    # A value the codebook does not declare is ignored, not stored.
    odd = _suggestion(coded, code="DES.ROOT", source="rumoured", polarity="negated")
    assert attribute_values(accept_suggestion(coded, "alice", odd)) == {}
    undo(coded, "alice")
    assert coded.db.execute("SELECT count(*) FROM annotations WHERE code_id = 'DES.ROOT'"
                            " AND deleted = 0").fetchone()[0] == 0


def test_cli_lists_and_sets_values(coded, monkeypatch):
    coding = apply_code(coded, "alice", 1, "SEC.WAR", 10, 25)
    runner = CliRunner()
    path = str(coded.path)
    result = runner.invoke(main, ["attributes", "list", "-p", path])
    assert result.exit_code == 0 and "source  (Source of the move)  codes: SEC, DES" in result.output
    result = runner.invoke(main, ["attributes", "set", str(coding["id"]), "source", "quoted",
                                  "--coder", "alice", "-p", path])
    assert result.exit_code == 0, result.output
    assert "source=quoted" in result.output
    result = runner.invoke(main, ["attributes", "set", str(coding["id"]), "source", "nope",
                                  "--coder", "alice", "-p", path])
    assert result.exit_code == 1 and "no value 'nope'" in result.output
    result = runner.invoke(main, ["attributes", "clear", str(coding["id"]), "source",
                                  "--coder", "alice", "-p", path])
    assert result.exit_code == 0
    assert coded.rows("SELECT attributes FROM annotations")[0]["attributes"] == "{}"


def test_shipped_codebook_declares_source_and_polarity_for_moves():
    from coder.codebook import load_codebook
    from tests.helpers import REPO

    codebook = load_codebook(REPO / "codebooks" / "securitization.yaml")
    dimensions = {a.id: a for a in codebook.attributes}
    assert dimensions["source"].values == ["own", "attributed", "quoted"]
    assert dimensions["polarity"].values == ["affirmed", "negated", "hypothetical", "question"]
    assert {a.id for a in codebook.attributes_for("DES.ENDWAR")} >= {"source", "polarity", "sector"}
    assert not codebook.attributes_for("CTX")


# -- exports ----------------------------------------------------------------------------------

def test_exports_carry_attribute_columns(coded, tmp_path):
    import csv

    from coder.export.segments import (
        SEGMENT_COLUMNS,
        segment_columns,
        segments_frame,
        segments_rows,
    )
    from coder.export.tables import export_segments

    first = apply_code(coded, "alice", 1, "SEC.WAR", 10, 25)
    apply_code(coded, "alice", 1, "DES.NOFORCE", 30, 40)
    set_attribute(coded, "alice", first["id"], "source", "attributed")
    set_attribute(coded, "alice", first["id"], "polarity", "negated")
    columns = segment_columns(coded)
    assert columns == SEGMENT_COLUMNS + ["attr_source", "attr_polarity", "attr_audience"]
    rows = segments_rows(coded)
    assert [(r["code_id"], r["attr_source"], r["attr_polarity"]) for r in rows] == [
        ("SEC.WAR", "attributed", "negated"), ("DES.NOFORCE", None, None)]
    export_segments(coded, tmp_path / "s.csv")
    with open(tmp_path / "s.csv", encoding="utf-8", newline="") as handle:
        parsed = list(csv.DictReader(handle))
    assert parsed[0]["attr_source"] == "attributed" and parsed[1]["attr_source"] == ""
    export_segments(coded, tmp_path / "s.jsonl")
    first_line = json.loads((tmp_path / "s.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first_line["attr_polarity"] == "negated"
    export_segments(coded, tmp_path / "s.parquet")
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "s.parquet")
    assert table.column("attr_source").to_pylist() == ["attributed", None]
    frame = segments_frame(coded)
    assert list(frame.columns) == columns
    export_segments(coded, tmp_path / "s.xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "s.xlsx").active
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert header[-3:] == ["attr_source", "attr_polarity", "attr_audience"]


def test_refi_keeps_attribute_values_as_value_codes(coded, tmp_path):
    from coder.export.refi import export_qdpx, import_refi
    from coder.project import Project
    from tests.helpers import validate_qdpx

    first = apply_code(coded, "alice", 1, "SEC.WAR", 10, 25)
    apply_code(coded, "alice", 1, "DES.NOFORCE", 30, 40)
    set_attribute(coded, "alice", first["id"], "source", "quoted")
    set_attribute(coded, "alice", first["id"], "polarity", "question")
    export_qdpx(coded, tmp_path / "p.qdpx")
    qde = validate_qdpx(tmp_path / "p.qdpx").decode("utf-8")
    assert 'name="Attributes of codings" isCodable="false"' in qde
    assert 'name="source: quoted"' in qde and "Attribute value: source=quoted" in qde
    # Into a new project: the values come back onto the coding, not as codes or codings.
    with Project(tmp_path / "new.db", create=True) as other:
        import_refi(other, tmp_path / "p.qdpx")
        rows = other.rows("SELECT code_id, attributes FROM annotations ORDER BY start")
        assert [(r["code_id"], json.loads(r["attributes"])) for r in rows] == [
            ("SEC.WAR", {"polarity": "question", "source": "quoted"}), ("DES.NOFORCE", {})]
        assert not other.rows("SELECT id FROM codes WHERE name LIKE 'source:%'")
        export_qdpx(other, tmp_path / "again.qdpx")
        assert "Attribute value: polarity=question" in validate_qdpx(tmp_path / "again.qdpx").decode()


# -- agreement ----------------------------------------------------------------------------------

def test_agreement_per_attribute_over_matched_segments(coded):
    from coder.agreement.attributes import attribute_agreement, matched_units
    from coder.agreement.measures import krippendorff_alpha

    # Four passages both coded SEC.WAR (bob's spans shifted a little), one only alice coded,
    # one both coded but too far apart to match.
    spans = [(10, 40), (60, 90), (110, 140), (160, 190)]
    alice_values = ["own", "own", "attributed", "attributed"]
    bob_values = ["own", "own", "attributed", "own"]
    for (start, end), a, b in zip(spans, alice_values, bob_values):
        one = apply_code(coded, "alice", 1, "SEC.WAR", start, end)
        two = apply_code(coded, "bob", 1, "SEC.WAR", start + 2, end)
        set_attribute(coded, "alice", one["id"], "source", a)
        set_attribute(coded, "bob", two["id"], "source", b)
    set_attribute(coded, "alice", apply_code(coded, "alice", 1, "SEC.WAR", 200, 220)["id"],
                  "source", "quoted")
    far_a = apply_code(coded, "alice", 1, "SEC.WAR", 230, 240)
    far_b = apply_code(coded, "bob", 1, "SEC.WAR", 236, 260)
    set_attribute(coded, "alice", far_a["id"], "source", "own")
    set_attribute(coded, "bob", far_b["id"], "source", "quoted")
    result = attribute_agreement(coded, ["alice", "bob"], docs="all", overlap=0.5)
    rows = {(r["dimension"], r["code"]): r for r in result["rows"]}
    pooled = rows[("source", None)]
    assert pooled["units"] == 4 and pooled["pairable"] == 4
    expected = krippendorff_alpha([alice_values, bob_values]).value
    assert pooled["alpha"] == pytest.approx(expected, abs=1e-4)
    assert pooled["percent"] == 0.75
    assert rows[("source", "SEC.WAR")]["alpha"] == pooled["alpha"]
    # polarity: nobody set it, so nothing is pairable.
    assert rows[("polarity", None)]["pairable"] == 0 and rows[("polarity", None)]["alpha"] is None
    # The matcher pairs each segment with the other coder's best overlap only.
    units = matched_units([[{"start": 0, "end": 10}], [{"start": 1, "end": 10},
                                                       {"start": 0, "end": 10}]], 0.5)
    assert units[0][1] == {"start": 0, "end": 10} and len(units) == 2


def test_agreement_cli_attributes(coded):
    one = apply_code(coded, "alice", 1, "SEC.WAR", 10, 40)
    two = apply_code(coded, "bob", 1, "SEC.WAR", 10, 40)
    set_attribute(coded, "alice", one["id"], "polarity", "negated")
    set_attribute(coded, "bob", two["id"], "polarity", "affirmed")
    runner = CliRunner()
    result = runner.invoke(main, ["agreement", "--coders", "alice,bob", "--attributes",
                                  "--docs", "all", "-p", str(coded.path)])
    assert result.exit_code == 0, result.output
    assert "polarity" in result.output and "(all codes)" in result.output
    result = runner.invoke(main, ["agreement", "--coders", "alice,bob", "--attributes",
                                  "--docs", "all", "--json", "-p", str(coded.path)])
    rows = json.loads(result.output)["rows"]
    polarity = next(r for r in rows if r["dimension"] == "polarity" and r["code"] is None)
    assert polarity["percent"] == 0.0 and polarity["values"] == {"affirmed": 1, "negated": 1}


# -- statistics and matrices ----------------------------------------------------------------

def test_stats_and_matrix_split_by_attribute(coded):
    from coder.analysis import frequencies
    from coder.export.matrix import code_matrix

    values = ["own", "attributed", "attributed", None]
    for n, value in enumerate(values):
        coding = apply_code(coded, "alice", 1, "SEC.WAR", 10 + 20 * n, 25 + 20 * n)
        if value:
            set_attribute(coded, "alice", coding["id"], "source", value)
    apply_code(coded, "alice", 1, "DES.NOFORCE", 5, 9)
    columns, rows = frequencies(coded, by="year", codes=["SEC", "DES"], attribute="source")
    assert columns[3:] == ["SEC source=own", "SEC source=attributed", "SEC source=quoted",
                           "SEC source=-", "DES source=own", "DES source=attributed",
                           "DES source=quoted", "DES source=-"]
    (row,) = rows
    assert [row[c] for c in columns[3:]] == [1, 2, 0, 1, 0, 0, 0, 1]
    # Unsplit, the columns add up to the same counts.
    _, plain = frequencies(coded, by="year", codes=["SEC", "DES"])
    assert plain[0]["SEC"] == 4 and plain[0]["DES"] == 1
    columns, rows = code_matrix(coded, by="document", counts=True, codes=["SEC.WAR"],
                                attribute="source")
    assert rows[0]["SEC.WAR source=attributed"] == 2 and rows[0]["SEC.WAR source=-"] == 1
    with pytest.raises(CoderError, match="no attribute 'tone'"):
        frequencies(coded, by="year", attribute="tone")
    runner = CliRunner()
    result = runner.invoke(main, ["stats", "--by", "year", "--codes", "SEC", "--by-attribute",
                                  "source", "--json", "-p", str(coded.path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["SEC source=attributed"] == 2


def test_cooccurrence_split_by_attribute(coded):
    from coder.export.matrix import cooccurrence

    text = coded.db.execute("SELECT text FROM documents WHERE id = 1").fetchone()[0]
    start = text.index("No vamos a responder")
    war = apply_code(coded, "alice", 1, "SEC.WAR", start, start + 20)
    set_attribute(coded, "alice", war["id"], "polarity", "negated")
    apply_code(coded, "alice", 1, "DES.ROOT", start + 30, start + 60)
    result = cooccurrence(coded, unit="turn", codes=["SEC.WAR", "DES.ROOT"], attribute="polarity")
    names = result.codes
    assert "SEC.WAR polarity=negated" in names and "DES.ROOT polarity=-" in names
    i, j = names.index("SEC.WAR polarity=negated"), names.index("DES.ROOT polarity=-")
    assert result.matrix[i][j] == 1
    assert result.matrix[names.index("SEC.WAR polarity=affirmed")][j] == 0


def test_gold_codings_carry_the_values_the_coders_agree_on(coded):
    from coder.team.review import adopt_unanimous

    for coder, polarity in (("alice", "negated"), ("bob", "affirmed")):
        coding = apply_code(coded, coder, 1, "SEC.WAR", 10, 40)
        set_attribute(coded, coder, coding["id"], "source", "attributed")
        set_attribute(coded, coder, coding["id"], "polarity", polarity)
    apply_code(coded, "alice", 1, "DES.ROOT", 50, 60)
    apply_code(coded, "bob", 1, "DES.ROOT", 50, 60)
    assert adopt_unanimous(coded, ["alice", "bob"], adjudicator="dana", docs="all") == 2
    gold = coded.rows("SELECT a.code_id, a.attributes FROM annotations a JOIN coders k"
                      " ON k.id = a.coder_id WHERE k.name = 'gold' ORDER BY a.start")
    # They agree on source, not on polarity: the adjudicator sets that one.
    assert [(r["code_id"], json.loads(r["attributes"])) for r in gold] == [
        ("SEC.WAR", {"source": "attributed"}), ("DES.ROOT", {})]
