"""REFI-QDA export and import: schema validity, round trips, and every shared example file.

The shared examples and schemas are read from ``../shared/refi`` (never copied here); the
tests that need them skip where that folder is absent.  The project built here uses
text written for these tests.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from coder.annotate import apply_code
from coder.codebook import parse_codebook, store_codebook
from coder.corpus.importer import store_document
from coder.corpus.speakers import SpeakerResolver
from coder.errors import CoderError
from coder.export.refi import export_qdc, export_qdpx, import_refi
from coder.export.refi.common import code_guid, coder_guid, parse_description
from coder.project import Project
from tests.helpers import (
    REFI_CODEBOOK,
    REFI_TEXT_ONE,
    REFI_TEXT_TWO,
    build_refi_project,
    refi_file,
    validate_qdc,
    validate_qdpx,
)


def example(name: str) -> Path:
    return refi_file(f"examples/{name}")


def make_qdpx(path: Path, qde: str | bytes, sources: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", qde.encode("utf-8") if isinstance(qde, str) else qde)
        for name, data in (sources or {}).items():
            zf.writestr(name, data)
    return path


def table_counts(project: Project) -> dict:
    return {table: project.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("documents", "codes", "coders", "annotations", "memos", "codebooks",
                          "turns")}


# -- a project written for these tests ---------------------------------------------------------

def _span(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


@pytest.fixture
def built(tmp_path: Path) -> Project:
    project = build_refi_project(tmp_path / "built.db")
    yield project
    project.close()


def annotation_facts(project: Project) -> list[tuple]:
    """Each live annotation as (document sha, code, coder, start, end, text, memo)."""
    return sorted(
        (r["sha256"], r["code_id"], r["coder"], r["start"], r["end"], r["quote"], r["memo"])
        for r in project.rows(
            'SELECT d.sha256, a.code_id, k.name AS coder, a.start, a."end",'
            ' substr(d.text, a.start + 1, a."end" - a.start) AS quote, a.memo'
            " FROM annotations a JOIN documents d ON d.id = a.document_id"
            " JOIN coders k ON k.id = a.coder_id WHERE a.deleted = 0"))


# -- export ------------------------------------------------------------------------------------

def test_export_qdpx_is_valid_and_complete(built, tmp_path):
    out = tmp_path / "proyecto.qdpx"
    summary = export_qdpx(built, out)
    assert summary.documents == 2 and summary.annotations == 7 and summary.coders == 2
    assert summary.codes == 5 and summary.memos == 3 and summary.sets == 1
    qde = validate_qdpx(out).decode("utf-8")
    assert f'guid="{coder_guid("ana")}" name="ana"' in qde
    assert 'color="#2299bb"' in qde  # #29b written as #rrggbb
    with zipfile.ZipFile(out) as zf:
        texts = {zf.read(n).decode("utf-8") for n in zf.namelist()[1:]}
    assert texts == {REFI_TEXT_ONE, REFI_TEXT_TWO}
    # Positions are code points: the quote after the emoji still lines up.
    from lxml import etree

    root = etree.fromstring(qde.encode("utf-8"))
    ns = {"q": "urn:QDA-XML:project:1.0"}
    selection = root.xpath("//q:PlainTextSelection[q:Coding/q:CodeRef/@targetGUID=$g]",
                           namespaces=ns, g=code_guid("SEG"))[0]
    start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
    assert REFI_TEXT_ONE[start:end] == "¿Se acabó la guerra contra el crimen? 🙂 Dígalo claro."
    assert selection.get("name") == REFI_TEXT_ONE[start:end]
    nested = root.xpath("//q:Code[@name='Securitización']/q:Code/@name", namespaces=ns)
    assert nested == ["Marco de guerra"]
    description = root.xpath("//q:Code[@name='Marco de guerra']/q:Description/text()",
                             namespaces=ns)[0]
    assert "When not to use: Se declara terminada" in description
    assert "Code id: SEG.GUERRA" in description
    variables = {v.get("name"): v.get("typeOfVariable")
                 for v in root.xpath("//q:Variable", namespaces=ns)}
    # genre and administration are derived at import (coder.corpus.documents).
    assert variables == {"author": "Text", "date": "Date", "kind": "Text", "lang": "Text",
                         "oficial": "Boolean", "paginas": "Integer", "peso": "Float",
                         "temas": "Text", "genre": "Text", "administration": "Text"}


def test_export_is_deterministic(built, tmp_path):
    export_qdpx(built, tmp_path / "a.qdpx")
    export_qdpx(built, tmp_path / "b.qdpx")
    assert (tmp_path / "a.qdpx").read_bytes() == (tmp_path / "b.qdpx").read_bytes()


def test_export_qdc_is_valid(built, tmp_path):
    out = tmp_path / "codigos.qdc"
    summary = export_qdc(built, out)
    assert (summary.codes, summary.sets) == (5, 1)
    data = validate_qdc(out).decode("utf-8")
    assert 'name="Marco de guerra"' in data and "<MemberCode guid=" in data


def test_export_selected_coders(built, tmp_path):
    out = tmp_path / "ana.qdpx"
    summary = export_qdpx(built, out, coders=["ana"])
    assert summary.coders == 1 and summary.annotations == 4
    qde = validate_qdpx(out).decode("utf-8")
    assert coder_guid("beto") not in qde
    with pytest.raises(CoderError, match="no coder named 'zoe'"):
        export_qdpx(built, tmp_path / "zoe.qdpx", coders=["zoe"])
    assert not (tmp_path / "zoe.qdpx").exists()


def test_retired_codes_with_codings_are_still_exported(built, tmp_path):
    yaml_text = REFI_CODEBOOK.replace("      - id: DES.FUERZA\n        name: Sin fuerza\n", "")
    store_codebook(built, parse_codebook(yaml_text))
    out = tmp_path / "retirado.qdpx"
    export_qdpx(built, out)
    qde = validate_qdpx(out).decode("utf-8")
    assert code_guid("DES.FUERZA") in qde
    export_qdc(built, tmp_path / "actual.qdc")
    assert code_guid("DES.FUERZA") not in (tmp_path / "actual.qdc").read_text("utf-8")


def test_export_qdc_without_codes_is_a_clear_error(project, tmp_path):
    with pytest.raises(CoderError, match="no codes to export"):
        export_qdc(project, tmp_path / "x.qdc")


def test_empty_project_exports_a_valid_qdpx(project, tmp_path):
    summary = export_qdpx(project, tmp_path / "vacio.qdpx")
    assert summary.documents == 0
    validate_qdpx(tmp_path / "vacio.qdpx")


# -- round trips -------------------------------------------------------------------------------

def test_round_trip_is_byte_identical(built, tmp_path):
    first = tmp_path / "first.qdpx"
    export_qdpx(built, first)
    export_qdc(built, tmp_path / "first.qdc")
    validate_qdpx(first)
    validate_qdc(tmp_path / "first.qdc")
    (tmp_path / "fresh").mkdir()
    with Project(tmp_path / "fresh" / "built.db", create=True) as fresh:
        summary = import_refi(fresh, first)
        assert summary.annotations_created == 7 and summary.documents_created == 2
        assert summary.codes_created == 5 and summary.coders_created == 2
        assert summary.memos_created == 3
        assert summary.warnings == []
        assert annotation_facts(fresh) == annotation_facts(built)
        assert fresh.setting("project_name") == "built"
        codes = {r["id"]: r for r in fresh.rows("SELECT * FROM codes")}
        original = {r["id"]: r for r in built.rows("SELECT * FROM codes")}
        for code_id, row in original.items():
            for column in ("name", "parent_id", "definition", "when_to_use", "when_not_to_use",
                           "examples"):
                assert codes[code_id][column] == row[column], (code_id, column)
        assert fresh.rows("SELECT id, codes FROM code_groups") == \
            built.rows("SELECT id, codes FROM code_groups")
        docs = {r["sha256"]: r for r in fresh.rows("SELECT * FROM documents")}
        for row in built.rows("SELECT * FROM documents"):
            copy = docs[row["sha256"]]
            assert (copy["title"], copy["date"], copy["kind"], copy["lang"]) == \
                (row["title"], row["date"], row["kind"], row["lang"])
            metadata = json.loads(copy["metadata"])
            expected = json.loads(row["metadata"])
            if "temas" in expected:  # a list travels as a REFI text value (JSON)
                expected["temas"] = json.dumps(expected["temas"], ensure_ascii=False)
            assert {k: v for k, v in metadata.items() if not k.startswith("refi_")} == expected
        memos = sorted(r["text"] for r in fresh.rows("SELECT text FROM memos"))
        assert memos == ["El tono cambia después de la pregunta.\nSegunda línea.",
                         "Entrevista corta."]
        second = tmp_path / "second.qdpx"
        export_qdpx(fresh, second)
        export_qdc(fresh, tmp_path / "second.qdc")
    assert second.read_bytes() == first.read_bytes()
    assert (tmp_path / "second.qdc").read_bytes() == (tmp_path / "first.qdc").read_bytes()


def test_import_into_the_same_project_is_idempotent(built, tmp_path):
    out = tmp_path / "mismo.qdpx"
    export_qdpx(built, out)
    before = table_counts(built)
    facts = annotation_facts(built)
    summary = import_refi(built, out)
    assert summary.annotations_created == 0 and summary.annotations_existing == 7
    assert summary.codes_matched == 5 and summary.documents_reused == 2
    assert summary.memos_created == 0
    assert table_counts(built) == before
    assert annotation_facts(built) == facts
    summary = import_refi(built, out)
    assert table_counts(built) == before


def test_codebook_import_matches_existing_codes(built, tmp_path):
    export_qdc(built, tmp_path / "c.qdc")
    before = table_counts(built)
    summary = import_refi(built, tmp_path / "c.qdc")
    assert summary.codes_matched == 5 and summary.codes_created == 0
    assert table_counts(built) == before


def test_codebook_into_a_fresh_project_becomes_its_codebook(built, tmp_path):
    from coder.codebook import current_codebook

    export_qdc(built, tmp_path / "c.qdc")
    with Project(tmp_path / "other.db", create=True) as other:
        summary = import_refi(other, tmp_path / "c.qdc")
        assert summary.codes_created == 5
        book = current_codebook(other)
        assert [c.id for c in book.codes] == ["SEG", "SEG.GUERRA", "DES", "DES.PAZ", "DES.FUERZA"]
        war = book.code("SEG.GUERRA")
        assert war.examples == ["Estamos en guerra contra el crimen.", "Es una batalla\nsin cuartel."]
        assert war.color == "#e74c3c" and war.parent == "SEG"
        assert book.groups == {"postura": ["SEG.GUERRA", "DES.PAZ"]}


def test_new_codes_join_a_project_that_has_a_codebook(built, tmp_path):
    path = example("refi-spec-1.5_annexA1_codebook.qdc")
    version = built.setting("codebook_version")
    summary = import_refi(built, path)
    assert summary.codes_created == 6
    assert built.setting("codebook_version") == version  # the current codebook stays
    row = built.rows("SELECT * FROM codes WHERE name = 'Economy'")[0]
    assert row["id"] == "economy-d7aa29da" and row["color"] == "#ffff00"
    assert row["retired"] == 0
    assert built.rows("SELECT name FROM codebooks WHERE id = ?", [row["codebook_id"]])[0][
        "name"] == "refi-spec-1.5_annexA1_codebook"


# -- the shared example files ------------------------------------------------------------------

def codes_by_name(project: Project) -> dict[str, dict]:
    return {r["name"]: r for r in project.rows("SELECT * FROM codes")}


def test_annex_a1_codebook(project):
    summary = import_refi(project, example("refi-spec-1.5_annexA1_codebook.qdc"))
    assert summary.kind == "codebook" and summary.codes_created == 6
    codes = codes_by_name(project)
    assert set(codes) == {"Topics", "Economy", "Health care", "Values", "Conservatives",
                          "Liberals"}
    assert codes["Economy"]["definition"] == "Anything about jobs or taxes or business"
    assert codes["Health care"]["color"] == "#33cc33"
    assert codes["Liberals"]["color"] == "#0000ff"
    # Braced and bare GUIDs are both read: every code got its GUID-derived id.
    assert codes["Values"]["id"] == "values-9fa9bcb7"
    assert codes["Topics"]["id"] == "topics-5215cc69"
    assert any("not codable" in w for w in summary.warnings)


def test_invalid_guid_codebook_is_accepted_with_a_repair_warning(project):
    summary = import_refi(project, example("openqda_example_codebook_INVALID-guids.qdc"))
    assert summary.codes_created == 3
    warning = next(w for w in summary.warnings if "not GUIDs" in w)
    assert "'c001'" in warning and "replaced by derived GUIDs" in warning
    codes = codes_by_name(project)
    parent = codes["Negativ/Aufgeregt"]
    assert codes["Rage"]["parent_id"] == parent["id"] == codes["Anger"]["parent_id"]
    assert parent["definition"] == "All emotions with negative valence and positive arousal."
    assert codes["Rage"]["color"] == "#c95858"
    # Importing it again repairs the same way, so nothing is added.
    again = import_refi(project, example("openqda_example_codebook_INVALID-guids.qdc"))
    assert again.codes_created == 0 and again.codes_matched == 3


@pytest.mark.parametrize("name", ["atlasti8_spec-annexA2_project.qde",
                                  "skyloom_TestProject.qdpx"])
def test_annex_a2_project(project, name):
    summary = import_refi(project, example(name))
    assert summary.codes_created == 14 and summary.coders_created == 3
    assert summary.annotations_created == 7
    # The source texts are not in these files: three coded sources become placeholders.
    assert summary.documents_created == 3 and summary.placeholders == 3
    codes = codes_by_name(project)
    assert codes["Coke::diet Coke"]["definition"] == "non sucré"
    assert codes["Coke::diet Coke"]["color"] == "#966450"
    assert codes["cornflakes"]["definition"] == "breakfast cereal made by Kellogg’s"
    assert codes['"rushed"']["color"] == "#f00082"
    coders = {r["name"] for r in project.rows("SELECT name FROM coders")}
    assert coders == {"ATLAS.ti", "Friedrich Markgraf", "Sebastian Petrausch"}
    rows = project.rows(
        'SELECT a.start, a."end", substr(d.text, a.start + 1, a."end" - a.start) AS quote,'
        " c.name AS code, k.name AS coder, a.uuid, a.memo, d.title FROM annotations a"
        " JOIN documents d ON d.id = a.document_id JOIN codes c ON c.id = a.code_id"
        " JOIN coders k ON k.id = a.coder_id")
    diet = next(r for r in rows if r["code"] == "Coke::diet Coke")
    assert (diet["start"], diet["end"]) == (139, 195)
    assert diet["quote"] == "Oh, that was great. See you tomorrow? Eleven thirty. Mm."
    assert len(diet["quote"]) == 56
    assert diet["coder"] == "Friedrich Markgraf"
    assert diet["uuid"] == "445a6aec-1400-4502-919d-0867832ff211"
    assert diet["title"] == "1994 Diet Coke-Diet Coke Break.docx"
    simon = next(r for r in rows if r["start"] == 688)
    assert simon["memo"] == "why does Simon feel the need to do this?"
    soggy = next(r for r in rows if r["start"] == 215)
    assert soggy["quote"] == "I did try the gluten free bread, but it was always so soggy,"
    mabel = [r for r in rows if r["title"] == "Mabel.txt"]
    assert len(mabel) == 3 and mabel[0]["quote"].startswith("I'm a single mum")
    warnings = " | ".join(summary.warnings)
    assert "PDFSource" in warnings and "PictureSource" in warnings and "placeholder" in warnings
    metadata = json.loads(project.rows("SELECT metadata FROM documents WHERE title = 'Simon.docx'"
                                       )[0]["metadata"])
    assert metadata["refi_stub"] is True
    assert set(metadata["refi_sets"]) == {"gender: male", "Simon", "Text files", "age: 67"}
    before = table_counts(project)
    again = import_refi(project, example(name))
    assert again.annotations_created == 0 and again.annotations_existing == 7
    assert table_counts(project) == before


def test_placeholder_codings_move_onto_the_real_text(project, tmp_path):
    import_refi(project, example("atlasti8_spec-annexA2_project.qde"))
    quote = "Oh, that was great. See you tomorrow? Eleven thirty. Mm."
    text = ("Texto inventado para la prueba. " * 5)[:139] + quote + "\nFin.\n"
    qde = example("atlasti8_spec-annexA2_project.qde").read_bytes()
    path = make_qdpx(tmp_path / "with-source.qdpx", qde, {
        "sources/230B768E-5A3D-42B7-BE92-2A3721177944.txt": text.encode("utf-8")})
    summary = import_refi(project, path)
    assert summary.annotations_moved == 1 and summary.documents_created == 1
    assert summary.placeholders_replaced == 1
    titles = [r["title"] for r in project.rows("SELECT title FROM documents")]
    assert titles.count("1994 Diet Coke-Diet Coke Break.docx") == 1
    row = project.rows(
        'SELECT d.text, a.start, a."end", d.metadata FROM annotations a JOIN documents d'
        " ON d.id = a.document_id WHERE a.uuid = '445a6aec-1400-4502-919d-0867832ff211'")[0]
    assert row["text"] == text and row["text"][row["start"]:row["end"]] == quote
    assert "refi_stub" not in json.loads(row["metadata"])


def test_placeholders_round_trip_as_placeholders(project, tmp_path):
    import_refi(project, example("skyloom_TestProject.qdpx"))
    out = tmp_path / "again.qdpx"
    export_qdpx(project, out)
    qde = validate_qdpx(out).decode("utf-8")
    assert "Placeholder: the text of this source was missing" in qde
    with Project(tmp_path / "b.db", create=True) as other:
        summary = import_refi(other, out)
        assert summary.placeholders == 3 and summary.annotations_created == 7
        export_qdpx(other, tmp_path / "again2.qdpx")
    assert (tmp_path / "again2.qdpx").read_bytes() == out.read_bytes()


def test_atlas23_exports(project):
    blank = import_refi(project, example("atlasti23win_blank-atlas-project.qdpx"))
    assert blank.coders_created == 2 and blank.codes_created == 0
    assert {r["name"] for r in project.rows("SELECT name FROM coders")} == {
        "Enric Llagostera", "ATLAS.ti"}
    target = import_refi(project, example("atlasti23win_target-atlas-project.qdpx"))
    assert target.codes_created == 3 and target.coders_created == 0
    codes = codes_by_name(project)
    commits = codes["Commits"]
    children = [r["name"] for r in project.rows(
        "SELECT name FROM codes WHERE parent_id = ? ORDER BY sort", [commits["id"]])]
    assert children == ["2022-05-10T02:05:59Z 19e4dce", "2022-02-11T10:39:25Z cdbfd92"]


def test_every_example_reexports_valid(project, tmp_path):
    for path in sorted(refi_file("examples").iterdir()):
        import_refi(project, path)
    export_qdpx(project, tmp_path / "all.qdpx")
    validate_qdpx(tmp_path / "all.qdpx")
    export_qdc(project, tmp_path / "all.qdc")
    validate_qdc(tmp_path / "all.qdc")


# -- what other programs write -----------------------------------------------------------------

QDE = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Otro programa" creatingUserGUID="{{AAAAAAAA-0000-4000-8000-000000000001}}">
  <Users>
    <User guid="AAAAAAAA-0000-4000-8000-000000000001" name="Carla"/>
  </Users>
  <CodeBook><Codes>
    <Code guid="{{BBBBBBBB-0000-4000-8000-000000000001}}" name="Amenaza" isCodable="true" color="#AA0000">
      <Description>Se nombra una amenaza.</Description>
      <Code guid="b2b2b2b2-0000-4000-8000-000000000002" name="Crimen" isCodable="true"/>
    </Code>
  </Codes></CodeBook>
  <Variables>
    <Variable guid="dddddddd-0000-4000-8000-000000000001" name="estado" typeOfVariable="Text"/>
    <Variable guid="dddddddd-0000-4000-8000-000000000002" name="date" typeOfVariable="Date"/>
  </Variables>
  <Cases>
    <Case guid="eeeeeeee-0000-4000-8000-000000000001" name="Sonora">
      <VariableValue><VariableRef targetGUID="dddddddd-0000-4000-8000-000000000001"/><TextValue>Sonora</TextValue></VariableValue>
      <SourceRef targetGUID="cccccccc-0000-4000-8000-000000000001"/>
    </Case>
  </Cases>
  <Sources>
    <TextSource guid="cccccccc-0000-4000-8000-000000000001" name="nota.txt" {source}>
      {content}
      <PlainTextSelection guid="ffffffff-0000-4000-8000-000000000001" name="{name}" startPosition="{start}" endPosition="{end}" creatingUser="AAAAAAAA-0000-4000-8000-000000000001" creationDateTime="2020-05-01T10:00:00Z">
        <Coding guid="{{99999999-0000-4000-8000-000000000001}}" creatingUser="AAAAAAAA-0000-4000-8000-000000000001" creationDateTime="2020-05-01T10:00:00.5+02:00">
          <CodeRef targetGUID="B2B2B2B2-0000-4000-8000-000000000002"/>
          <NoteRef targetGUID="77777777-0000-4000-8000-000000000002"/>
        </Coding>
      </PlainTextSelection>
      <NoteRef targetGUID="77777777-0000-4000-8000-000000000001"/>
      <VariableValue><VariableRef targetGUID="dddddddd-0000-4000-8000-000000000002"/><DateValue>2020-04-30</DateValue></VariableValue>
    </TextSource>
  </Sources>
  <Notes>
    <Note guid="77777777-0000-4000-8000-000000000001" name="Sobre la nota" creatingUser="AAAAAAAA-0000-4000-8000-000000000001"><PlainTextContent>Nota del documento.</PlainTextContent></Note>
    <Note guid="77777777-0000-4000-8000-000000000002" name="Sobre la codificación"><PlainTextContent>Nota de la codificación.</PlainTextContent></Note>
  </Notes>
</Project>
"""

SOURCE_TEXT = "Línea uno.\nLa amenaza del crimen organizado crece 😟 cada día.\nÚltima línea.\n"
QUOTE = "amenaza del crimen organizado crece 😟 cada día"


def other_qde(*, start: int, end: int, name: str = QUOTE, inline: bool = False) -> str:
    if inline:
        source, content = "", f"<PlainTextContent>{SOURCE_TEXT}</PlainTextContent>"
    else:
        source, content = 'plainTextPath="internal://CCCC0001.txt"', ""
    return QDE.format(source=source, content=content, name=name, start=start, end=end)


def imported_quote(project: Project) -> str:
    row = project.rows('SELECT d.text, a.start, a."end" FROM annotations a JOIN documents d'
                       " ON d.id = a.document_id")[0]
    return row["text"][row["start"]:row["end"]]


@pytest.mark.parametrize("layout", ["Sources/CCCC0001.TXT", "sources/cccc0001.txt"])
def test_other_program_project(project, tmp_path, layout):
    start, end = _span(SOURCE_TEXT, QUOTE)
    path = make_qdpx(tmp_path / "otro.QDPX", other_qde(start=start, end=end),
                     {layout: SOURCE_TEXT.encode("utf-8")})
    summary = import_refi(project, path)
    assert summary.warnings == []
    assert summary.annotations_created == 1 and summary.memos_created == 2
    assert imported_quote(project) == QUOTE
    doc = project.rows("SELECT * FROM documents")[0]
    assert doc["title"] == "nota.txt" and doc["date"] == "2020-04-30"
    metadata = json.loads(doc["metadata"])
    assert metadata["estado"] == "Sonora" and metadata["refi_cases"] == ["Sonora"]
    assert metadata["refi_guid"] == "cccccccc-0000-4000-8000-000000000001"
    annotation = project.rows("SELECT * FROM annotations")[0]
    assert annotation["uuid"] == "99999999-0000-4000-8000-000000000001"
    assert annotation["created_at"] == "2020-05-01T08:00:00.500000+00:00"
    assert annotation["origin"] == "import"
    memos = project.rows("SELECT m.text, m.annotation_id, k.name FROM memos m"
                         " JOIN coders k ON k.id = m.coder_id ORDER BY m.text")
    assert [(m["text"], m["annotation_id"] is not None, m["name"]) for m in memos] == [
        ("Nota de la codificación.", True, "Carla"), ("Nota del documento.", False, "Carla")]
    codes = codes_by_name(project)
    assert codes["Crimen"]["parent_id"] == codes["Amenaza"]["id"] == "amenaza-bbbbbbbb"
    assert codes["Amenaza"]["color"] == "#aa0000"
    # Exported again, it validates and keeps the source's GUID.
    export_qdpx(project, tmp_path / "back.qdpx")
    assert "cccccccc-0000-4000-8000-000000000001" in validate_qdpx(
        tmp_path / "back.qdpx").decode("utf-8")


def test_inline_plain_text_content(project, tmp_path):
    start, end = _span(SOURCE_TEXT, QUOTE)
    qde = tmp_path / "inline.qde"
    qde.write_text(other_qde(start=start, end=end, inline=True), encoding="utf-8")
    summary = import_refi(project, qde)
    assert summary.annotations_created == 1
    assert imported_quote(project) == QUOTE


def test_crlf_source_is_stored_with_lf_and_positions_remapped(project, tmp_path):
    crlf = SOURCE_TEXT.replace("\n", "\r\n")
    start, end = _span(crlf, QUOTE)  # the vendor counts on the text as stored
    path = make_qdpx(tmp_path / "crlf.qdpx", other_qde(start=start, end=end, name="Cita 1"),
                     {"sources/CCCC0001.txt": b"\xef\xbb\xbf" + crlf.encode("utf-8")})
    summary = import_refi(project, path)
    assert imported_quote(project) == QUOTE
    assert project.rows("SELECT text FROM documents")[0]["text"] == SOURCE_TEXT
    assert any("CRLF" in w for w in summary.warnings)


def test_lf_positions_on_a_crlf_source_are_recognised_by_their_quote(project, tmp_path):
    start, end = _span(SOURCE_TEXT, QUOTE)  # counted without the CRs
    path = make_qdpx(tmp_path / "crlf-lf.qdpx", other_qde(start=start, end=end),
                     {"sources/CCCC0001.txt": SOURCE_TEXT.replace("\n", "\r\n").encode()})
    import_refi(project, path)
    assert imported_quote(project) == QUOTE


def test_utf16_positions_are_recognised_by_their_quote(project, tmp_path):
    start, end = _span(SOURCE_TEXT, QUOTE)
    # A program counting UTF-16 units sees the emoji as two: the end moves by one.
    path = make_qdpx(tmp_path / "u16.qdpx", other_qde(start=start, end=end + 1),
                     {"sources/CCCC0001.txt": SOURCE_TEXT.encode()})
    import_refi(project, path)
    assert imported_quote(project) == QUOTE


def test_selection_is_reanchored_on_its_quote(project, tmp_path):
    start, end = _span(SOURCE_TEXT, QUOTE)
    path = make_qdpx(tmp_path / "off.qdpx", other_qde(start=start + 5, end=end + 5),
                     {"sources/CCCC0001.txt": SOURCE_TEXT.encode()})
    summary = import_refi(project, path)
    assert imported_quote(project) == QUOTE
    assert any("re-anchored" in w for w in summary.warnings)


def test_label_names_are_not_taken_for_quotes(project, tmp_path):
    start, end = _span(SOURCE_TEXT, "crimen organizado crece")
    path = make_qdpx(tmp_path / "label.qdpx", other_qde(start=start, end=end, name="crimen"),
                     {"sources/CCCC0001.txt": SOURCE_TEXT.encode()})
    import_refi(project, path)
    assert imported_quote(project) == "crimen organizado crece"


def test_selection_outside_the_text_is_skipped_with_a_warning(project, tmp_path):
    path = make_qdpx(tmp_path / "out.qdpx", other_qde(start=70, end=900, name="x"),
                     {"sources/CCCC0001.txt": SOURCE_TEXT.encode()})
    summary = import_refi(project, path)
    assert summary.annotations_created == 0
    assert any("outside their source's text" in w for w in summary.warnings)


def test_codebook_namespace_typo_and_set_members(project, tmp_path):
    path = tmp_path / "typo.qdc"
    path.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1:0" origin="Vendor">
  <Codes>
    <Code guid="{1B2C3D4E-0000-4000-8000-00000000000A}" name="Paz" isCodable="true" color="#0a0">
      <Description>  Se habla de paz.  </Description>
    </Code>
    <Code guid="1b2c3d4e-0000-4000-8000-00000000000b" name="Guerra" isCodable="true"/>
  </Codes>
  <Sets>
    <Set guid="1b2c3d4e-0000-4000-8000-0000000000ff" name="Marcos">
      <Description>Mutually exclusive codes (an exclusive group in coder)</Description>
      <MemberCode guid="1B2C3D4E-0000-4000-8000-00000000000A"/>
      <MemberCode guid="{1b2c3d4e-0000-4000-8000-00000000000b}"/>
    </Set>
  </Sets>
</CodeBook>
""", encoding="utf-8")
    summary = import_refi(project, path)
    assert summary.codes_created == 2 and summary.warnings == []
    codes = codes_by_name(project)
    assert codes["Paz"]["color"] == "#00aa00" and codes["Paz"]["definition"] == "Se habla de paz."
    groups = project.rows("SELECT id, codes FROM code_groups")
    assert groups == [{"id": "Marcos", "codes": json.dumps(["paz-1b2c3d4e", "guerra-1b2c3d4e"])}]


def test_an_empty_sets_container_is_read_with_the_promised_warning(project, tmp_path):
    # Some programs write an empty <Sets/>, which the REFI-QDA schema does not allow.
    path = tmp_path / "empty-sets.qdc"
    path.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="Vendor">
  <Codes>
    <Code guid="1b2c3d4e-0000-4000-8000-00000000000c" name="Calma" isCodable="true"/>
  </Codes>
  <Sets/>
</CodeBook>
""", encoding="utf-8")
    summary = import_refi(project, path)
    assert summary.codes_created == 1
    assert [w for w in summary.warnings if "<Sets/>" in w] == [
        "empty <Sets/> (REFI-QDA requires at least one element in each): the file does not "
        "follow the REFI-QDA 1.5 schema; read anyway"]


# -- hostile and broken files ------------------------------------------------------------------

def assert_refused(project: Project, path: Path, message: str) -> None:
    before = table_counts(project)
    with pytest.raises(CoderError, match=message) as info:
        import_refi(project, path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)
    assert table_counts(project) == before


def test_entity_bomb_is_refused(project, tmp_path):
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
            '<Code guid="11111111-1111-4111-8111-111111111111" name="&lol2;" isCodable="true"/>'
            "</Codes></CodeBook>")
    (tmp_path / "bomb.qdc").write_text(bomb)
    assert_refused(project, tmp_path / "bomb.qdc", "DOCTYPE or entity")
    make_qdpx(tmp_path / "bomb.qdpx", bomb)
    assert_refused(project, tmp_path / "bomb.qdpx", "DOCTYPE or entity")


def test_external_entity_is_refused(project, tmp_path):
    (tmp_path / "xxe.qde").write_text(
        '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="&x;"/>')
    assert_refused(project, tmp_path / "xxe.qde", "DOCTYPE or entity")


def test_zip_member_path_traversal_is_refused(project, tmp_path):
    path = tmp_path / "evil.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", '<Project xmlns="urn:QDA-XML:project:1.0" name="x"/>')
        zf.writestr("../../evil.txt", "x")
    assert_refused(project, path, "path traversal")


def test_source_path_traversal_is_refused(project, tmp_path):
    start, end = _span(SOURCE_TEXT, QUOTE)
    qde = other_qde(start=start, end=end).replace("internal://CCCC0001.txt",
                                                   "internal://../../../etc/passwd")
    (tmp_path / "p.qde").write_text(qde, encoding="utf-8")
    assert_refused(project, tmp_path / "p.qde", "path traversal")
    make_qdpx(tmp_path / "p.qdpx", qde)
    assert_refused(project, tmp_path / "p.qdpx", "path traversal")


def test_zip_bomb_is_refused(project, tmp_path):
    path = tmp_path / "bomb.qdpx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", '<Project xmlns="urn:QDA-XML:project:1.0" name="x"/>')
        zf.writestr("sources/big.txt", b"\0" * (11 * 1024 * 1024))
    assert_refused(project, path, "zip bomb")


def test_deeply_nested_xml_is_refused(project, tmp_path):
    deep = ('<Project xmlns="urn:QDA-XML:project:1.0" name="x"><CodeBook><Codes>'
            + '<Code guid="11111111-1111-4111-8111-111111111111" name="a" isCodable="true">'
            * 10_000 + "</Code>" * 10_000 + "</Codes></CodeBook></Project>")
    (tmp_path / "deep.qde").write_text(deep)
    assert_refused(project, tmp_path / "deep.qde", "not well-formed XML")


def test_a_2000_deep_codebook_says_the_limit_not_xml_parse_huge(project, tmp_path):
    deep = ('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
            + '<Code guid="11111111-1111-4111-8111-111111111111" name="a" isCodable="true">'
            * 2000 + "</Code>" * 2000 + "</Codes></CodeBook>")
    (tmp_path / "deep.qdc").write_text(deep)
    with pytest.raises(CoderError) as caught:
        import_refi(project, tmp_path / "deep.qdc")
    message = str(caught.value)
    assert "XML_PARSE_HUGE" not in message and "\n" not in message
    assert message.startswith(f"{tmp_path / 'deep.qdc'}: ")
    assert "nested more than 256 levels deep; coder reads XML only up to that depth" in message


@pytest.mark.parametrize("name,content,message", [
    ("empty.qdpx", b"", "the file is empty"),
    ("text.qdpx", b"this is not a zip at all", "not a zip file"),
    ("truncated.qdpx", b"PK\x03\x04 broken", "corrupt or truncated"),
    ("broken.qde", b"<Project xmlns='urn:QDA-XML:project:1.0'><Users>", "not well-formed XML"),
    ("html.qde", b"<html><body>hola</body></html>", "root element is <html>"),
])
def test_broken_files_are_one_line_errors(project, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    assert_refused(project, path, message)


def test_zip_without_project_qde_is_refused(project, tmp_path):
    path = tmp_path / "noqde.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("sources/a.txt", "hola")
    assert_refused(project, path, "no project.qde")


def test_failure_half_way_changes_nothing(project, tmp_path, monkeypatch):
    from coder.export.refi import importer

    start, end = _span(SOURCE_TEXT, QUOTE)
    path = make_qdpx(tmp_path / "otro.qdpx", other_qde(start=start, end=end),
                     {"sources/CCCC0001.txt": SOURCE_TEXT.encode("utf-8")})

    def broken(self, *args, **kwargs):
        raise CoderError("simulated failure while storing notes")

    monkeypatch.setattr(importer._Store, "store_notes", broken)
    before = table_counts(project)
    with pytest.raises(CoderError, match="simulated"):
        import_refi(project, path)
    assert table_counts(project) == before


# -- the command line --------------------------------------------------------------------------

def test_cli_import_refi(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from coder.cli import main

    monkeypatch.delenv("CODER_PROJECT", raising=False)
    db = tmp_path / "cli.db"
    Project(db, create=True).close()
    runner = CliRunner()
    result = runner.invoke(main, ["import-refi", "-p", str(db),
                                  str(example("refi-spec-1.5_annexA1_codebook.qdc"))])
    assert result.exit_code == 0, result.output
    assert "imported refi-spec-1.5_annexA1_codebook.qdc: 6 new code(s)" in result.output
    bad = tmp_path / "bad.qdc"
    bad.write_text("<CodeBook><Codes>")
    result = runner.invoke(main, ["import-refi", "-p", str(db), str(bad)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("coder: ") and "not well-formed" in lines[0]


# -- pieces --------------------------------------------------------------------------------------

def test_description_round_trip():
    from coder.codebook import Code
    from coder.export.refi.common import code_description

    code = Code(id="A.B", name="x", definition="Uno.\n\nDos.", when_to_use="Cuando sí.",
                when_not_to_use="Cuando no.", examples=["uno", "dos\ntres"])
    fields = parse_description(code_description(code))
    assert fields == {"definition": "Uno.\n\nDos.", "when_to_use": "Cuando sí.",
                      "when_not_to_use": "Cuando no.", "examples": ["uno", "dos\ntres"],
                      "id": "A.B"}
    assert parse_description("Just a vendor's description.")["definition"] == \
        "Just a vendor's description."


def test_crlf_anchors_cover_the_same_characters():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from coder.export.refi.read import Anchors

    @settings(max_examples=200, deadline=None)
    @given(st.text(alphabet="ab\r\n😟é ", min_size=1, max_size=40), st.data())
    def check(raw, data):
        anchors = Anchors(raw)
        start = data.draw(st.integers(0, len(raw) - 1))
        end = data.draw(st.integers(start + 1, len(raw)))
        placed = anchors.resolve(start, end, "")
        expected = raw[start:end].replace("\r\n", "\n").replace("\r", "\n")
        if placed is None:
            return
        if anchors.crlf:
            s, e, _ = placed
            # The same characters, except a span that starts or ends inside a CRLF pair.
            if not (raw[start - 1:start + 1] == "\r\n" or raw[end - 1:end + 1] == "\r\n"):
                assert anchors.text[s:e] == expected
        else:
            assert placed[:2] == (start, end)

    check()


def test_bare_qde_reads_sources_from_a_folder_beside_it(project, tmp_path):
    start, end = _span(SOURCE_TEXT, QUOTE)
    (tmp_path / "Sources").mkdir()
    (tmp_path / "Sources" / "cccc0001.TXT").write_bytes(SOURCE_TEXT.encode("utf-8"))
    (tmp_path / "project.qde").write_text(other_qde(start=start, end=end), encoding="utf-8")
    summary = import_refi(project, tmp_path / "project.qde")
    assert summary.placeholders == 0 and imported_quote(project) == QUOTE


def test_coding_of_a_whole_source(project, tmp_path):
    start, end = _span(SOURCE_TEXT, QUOTE)
    qde = other_qde(start=start, end=end).replace(
        '<NoteRef targetGUID="77777777-0000-4000-8000-000000000001"/>',
        '<Coding guid="99999999-0000-4000-8000-00000000000f">'
        '<CodeRef targetGUID="bbbbbbbb-0000-4000-8000-000000000001"/></Coding>'
        '<NoteRef targetGUID="77777777-0000-4000-8000-000000000001"/>')
    path = make_qdpx(tmp_path / "whole.qdpx", qde, {"sources/CCCC0001.txt": SOURCE_TEXT.encode()})
    summary = import_refi(project, path)
    assert summary.annotations_created == 2
    whole = project.rows('SELECT start, "end", code_id FROM annotations WHERE code_id = ?',
                         ["amenaza-bbbbbbbb"])
    assert [(r["start"], r["end"]) for r in whole] == [(0, len(SOURCE_TEXT))]


def test_reimport_finds_codes_renamed_since(project, tmp_path):
    start, end = _span(SOURCE_TEXT, QUOTE)
    path = make_qdpx(tmp_path / "otro.qdpx", other_qde(start=start, end=end),
                     {"sources/CCCC0001.txt": SOURCE_TEXT.encode()})
    import_refi(project, path)
    project.db.execute("UPDATE codes SET name = 'Amenazas' WHERE id = 'amenaza-bbbbbbbb'")
    before = table_counts(project)
    summary = import_refi(project, path)
    assert summary.codes_created == 0 and summary.codes_matched == 2
    assert table_counts(project) == before


def test_characters_xml_cannot_hold_are_replaced(project, tmp_path):
    from coder.corpus.model import ParsedDocument, ParsedTurn

    text = "Página uno\x0cPágina dos: la campana\x07 sonó.\n"
    resolver = SpeakerResolver(project)
    with project.transaction():
        doc = ParsedDocument(text=text, turns=[ParsedTurn(0, len(text))], title="PDF\x01")
        document_id, _ = store_document(project, doc, source="x.pdf", resolver=resolver)
    store_codebook(project, parse_codebook(REFI_CODEBOOK))
    start, end = _span(text, "uno\x0cPágina dos: la campana\x07")
    apply_code(project, "ana", document_id, "DES.PAZ", start, end, memo="nota\x02")
    out = tmp_path / "control.qdpx"
    export_qdpx(project, out)
    qde = validate_qdpx(out).decode("utf-8")
    assert 'name="uno Página dos: la campana\ufffd"' in qde and "nota\ufffd" in qde
    with zipfile.ZipFile(out) as zf:
        assert text in {zf.read(n).decode("utf-8") for n in zf.namelist()[1:]}
    with Project(tmp_path / "back.db", create=True) as back:
        import_refi(back, out)
        assert imported_quote(back) == "uno\x0cPágina dos: la campana\x07"


def test_cli_import_refi_does_not_take_its_users_for_typos(tmp_path, monkeypatch):
    """A REFI-QDA file's users are new to the project by design (the summary counts them):
    no "is a new coder ... typo?" warning for each, which a coder's first use still gets."""
    from click.testing import CliRunner

    from coder.cli import main

    monkeypatch.delenv("CODER_PROJECT", raising=False)
    db = tmp_path / "cli.db"
    runner = CliRunner()
    assert runner.invoke(main, ["init", "-p", str(db)]).exit_code == 0
    assert runner.invoke(main, ["coders", "add", "alice", "-p", str(db)]).exit_code == 0
    result = runner.invoke(main, ["import-refi", "-p", str(db),
                                  str(example("atlasti23win_blank-atlas-project.qdpx"))])
    assert result.exit_code == 0, result.output
    assert "2 new coder(s)" in result.output and "is a new coder" not in result.stderr
