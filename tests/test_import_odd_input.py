"""Importing odd input, round two: UTF-8 with stray Windows-1252 bytes, bold labels alone
in their paragraph, table rows that repeat a text, workbooks with several sheets, pipes
and devices, and odd names.  Every text here was written for the tests."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from coder.cli import main
from coder.corpus import prepare
from coder.corpus.formats import read_file as read_format
from coder.corpus.importer import import_paths
from coder.corpus.prepare import read_file
from coder.corpus.text import decode_bytes
from coder.errors import ImportProblem
from tests.helpers import REPO

PRESIDENTA = "PRESIDENTA CLAUDIA SHEINBAUM PARDO"


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def stored(project) -> list[dict]:
    return project.rows("SELECT id, text, words, sha256 FROM documents ORDER BY id")


# -- 1. UTF-8 with a few stray Windows-1252 bytes -------------------------------------------

MIXED = ("Rueda de prensa\n24 de marzo de 2026\n\n" + PRESIDENTA + ": Buenos días.\n\n"
         "PREGUNTA: ¿La ").encode() + b"\x93guerra\x94?\n"


def test_utf8_with_stray_windows_1252_bytes_is_mended_with_a_warning(project, tmp_path):
    path = tmp_path / "mezcla.txt"
    path.write_bytes(MIXED)
    report = import_paths(project, [path])
    [doc] = stored(project)
    assert doc["text"] == MIXED[:-10].decode() + "“guerra”?\n"
    assert "Ã" not in doc["text"]
    [warning] = [w for w in report.files[0].warnings if "Windows-1252" in w]
    assert "2 stray byte(s)" in warning and "line 6" in warning
    # Hash, offsets and word counts are those of the stored text.
    assert doc["sha256"] == hashlib.sha256(doc["text"].encode()).hexdigest()
    turns = project.rows("SELECT start, \"end\", words FROM turns ORDER BY seq")
    assert [doc["text"][t["start"]:t["end"]] for t in turns] == ["Buenos días.",
                                                                  "¿La “guerra”?"]
    assert sum(t["words"] for t in turns) == doc["words"] == 4


def test_a_windows_1252_file_is_still_read_as_windows_1252():
    text = "CAMPAÑA”: qué señal, ¿cuándo? él sabrá; canción también."
    # "Ñ”" is a well-formed UTF-8 pair by chance; the rest is not UTF-8 at all.
    assert decode_bytes(text.encode("cp1252")) == text
    warnings: list[str] = []
    assert decode_bytes("sólo “comillas”".encode("cp1252"), warnings=warnings) == \
        "sólo “comillas”"
    assert warnings == []


def test_stray_bytes_in_a_csv_and_an_html_page_are_mended_and_said(tmp_path):
    table = tmp_path / "t.csv"
    table.write_bytes("texto\nMás días y sí: ".encode() + b"\x93hola\x94\n")
    [doc] = read_format(table, "csv")
    assert doc.text == "Más días y sí: “hola”"
    assert any("2 stray byte(s)" in w and "line 2" in w for w in doc.warnings)
    page = tmp_path / "p.html"
    page.write_bytes("<html><body><p>Está bien, sí: ".encode() + b"\x93hola\x94</p></body></html>")
    [doc] = read_format(page, "html")
    assert doc.text == "Está bien, sí: “hola”"
    assert any("Windows-1252" in w for w in doc.warnings)


# -- 2. a bold NAME: alone in its paragraph --------------------------------------------------

def test_html_bold_label_alone_in_its_paragraph_is_one_turn(tmp_path):
    path = tmp_path / "v.html"
    path.write_text(
        "<html><body><h1>Versión estenográfica. Conferencia del 21 de marzo de 2026</h1>"
        f'<div class="article-body"><p><strong>{PRESIDENTA}:</strong></p><p>Buenos días.</p>'
        "<p><strong>INTERLOCUTOR:</strong></p><p>¿Hay guerra?</p></div></body></html>",
        encoding="utf-8")
    [doc] = read_format(path, "html")
    assert [(t.speaker, doc.text[t.start:t.end]) for t in doc.turns] == [
        (PRESIDENTA, "Buenos días."), ("INTERLOCUTOR", "¿Hay guerra?")]


def test_docx_bold_label_alone_in_its_paragraph_is_one_turn(tmp_path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    for label, speech in ((PRESIDENTA, "Buenos días."), ("INTERLOCUTOR", "¿Hay guerra?"),
                          (PRESIDENTA, "No.")):
        document.add_paragraph().add_run(f"{label}:").bold = True
        document.add_paragraph(speech)
    path = tmp_path / "v.docx"
    document.save(str(path))
    [doc] = read_format(path, "docx")
    assert [(t.speaker, doc.text[t.start:t.end]) for t in doc.turns] == [
        (PRESIDENTA, "Buenos días."), ("INTERLOCUTOR", "¿Hay guerra?"), (PRESIDENTA, "No.")]


# -- 3. table rows whose text is already there ------------------------------------------------

def make_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(str(path))
    return path


@pytest.mark.parametrize("kind", ["csv", "tsv", "xlsx"])
def test_a_row_repeating_a_row_or_a_document_is_counted_and_named(project, tmp_path, kind):
    earlier = tmp_path / "antes.txt"
    earlier.write_text("Ya estaba.", encoding="utf-8")
    import_paths(project, [earlier])
    rows = [["fecha", "texto"], ["2026-03-23", "Gracias."], ["2026-03-24", "Gracias."],
            ["2026-03-25", "Ya estaba."], ["2026-03-26", "Otra."]]
    path = tmp_path / f"t.{kind}"
    if kind == "xlsx":
        make_xlsx(path, {"Hoja": rows})
    else:
        sep = "\t" if kind == "tsv" else ","
        path.write_text("".join(sep.join(row) + "\n" for row in rows), encoding="utf-8")
    report = import_paths(project, [path])
    assert report.documents == 2 and report.present == 2
    assert report.files[0].notes == [
        "row 3: same text as row 2 (document #2); stored once",
        "row 4: same text as document #1, already in the project"]
    result = cli("import", path, "--project", project.path)
    assert "4 already present" in result.output  # all of them, now
    assert "already imported as document #2, #1, #3" in result.output


def test_cli_names_the_repeated_row(project, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("fecha,texto\n2026-03-23,Gracias.\n2026-03-24,Gracias.\n", encoding="utf-8")
    result = cli("import", path, "--project", project.path)
    assert result.exit_code == 0
    assert "t.csv: row 3: same text as row 2 (document #1); stored once" in result.output
    assert "imported 1 document(s) from 1 file(s); 1 already present" in result.output


# -- 4. workbooks with several sheets ---------------------------------------------------------

def test_other_sheets_are_named_and_sheet_chooses(project, tmp_path):
    path = make_xlsx(tmp_path / "libro.xlsx", {
        "Uno": [["texto"], ["Hoja uno."]], "Dos": [["texto"], ["Hoja dos."], ["Hoja uno."]],
        "Vacía": [], "Notas": [["apunte"], ["sin texto"]]})
    [doc] = read_format(path, "xlsx")
    assert doc.text == "Hoja uno."
    [warning] = [w for w in doc.warnings if "sheet" in w]
    assert "only sheet 'Uno' read; not read: 'Dos', 'Notas'" in warning
    assert "--" not in warning  # the core names no command-line flag

    every = read_format(path, "xlsx", sheet="all")
    assert [d.text for d in every] == ["Hoja uno.", "Hoja dos.", "Hoja uno."]
    assert [d.origin for d in every] == ["sheet 'Uno', row 2", "sheet 'Dos', row 2",
                                         "sheet 'Dos', row 3"]
    assert any("sheet 'Notas' not read: no text column" in w for w in every[0].warnings)
    assert [d.text for d in read_format(path, "xlsx", sheet=["Dos", "1"])] == [
        "Hoja dos.", "Hoja uno.", "Hoja uno."]

    result = cli("import", path, "--sheet", "dos", "--project", project.path)
    assert result.exit_code == 0, result.output
    assert "imported 2 document(s)" in result.output and "not read" not in result.output
    result = cli("import", path, "--sheet", "all", "--project", project.path)
    assert "imported 0 document(s)" in result.output and "3 already present" in result.output
    assert "--sheet" in cli("import", "--help").output


# -- 5. pipes and devices ---------------------------------------------------------------------

SPEECH = f"Mensaje\n26 de marzo de 2026\n\n{PRESIDENTA}: No habrá guerra.\n\nPREGUNTA: ¿Seguro?\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_a_named_pipe_is_read_once_whole(project, tmp_path):
    pipe = tmp_path / "tubo.txt"
    os.mkfifo(pipe)

    def write():
        with open(pipe, "w", encoding="utf-8") as handle:
            handle.write(SPEECH)

    writer = threading.Thread(target=write)
    writer.start()
    report = import_paths(project, [pipe])
    writer.join(5)
    assert report.documents == 1 and not report.failed
    assert stored(project)[0]["text"] == SPEECH


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_a_named_pipe_nobody_writes_to_gives_up(tmp_path, monkeypatch):
    pipe = tmp_path / "tubo.txt"
    os.mkfifo(pipe)
    monkeypatch.setattr(prepare, "PIPE_WAIT_SECONDS", 0.2)
    with pytest.raises(ImportProblem, match="tubo.txt: a pipe with nothing written to it"):
        read_file(pipe)


def test_dev_stdin_from_a_pipe_is_imported(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = [sys.executable, "-m", "coder"]
    subprocess.run([*run, "init"], cwd=tmp_path, env=env, check=True, capture_output=True)
    done = subprocess.run([*run, "import", "/dev/stdin"], cwd=tmp_path, env=env,
                          input=SPEECH.encode(), capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert b"imported 1 document(s)" in done.stdout


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_is_not_a_file():
    with pytest.raises(ImportProblem, match="/dev/zero: not a regular file \\(a device\\)"):
        read_file(Path("/dev/zero"))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_a_folder_scan_passes_over_pipes_and_broken_links(project, tmp_path):
    folder = tmp_path / "carpeta"
    folder.mkdir()
    (folder / "bien.txt").write_text(SPEECH, encoding="utf-8")
    os.mkfifo(folder / "tubo.txt")
    (folder / "roto.txt").symlink_to(folder / "no-existe.txt")
    result = cli("import", folder, "--project", project.path)
    assert result.exit_code == 0, result.output
    assert "2 file(s) of other types passed over (roto.txt (a broken link), " \
           "tubo.txt (a named pipe))" in result.output
    assert "imported 1 document(s)" in result.output


# -- 6. row numbers, Markdown titles, UTF-32, names with a newline ----------------------------

def test_warnings_number_rows_as_the_spreadsheet_does(tmp_path):
    path = tmp_path / "filas.csv"
    path.write_text("\n\ntexto,fecha,otra\nHola.,mañana,\n,,algo\n", encoding="utf-8")
    [doc] = read_format(path, "csv")
    assert "row 4: unreadable date 'mañana'" in doc.warnings
    assert any("(row 5)" in w for w in doc.warnings)
    assert doc.metadata["row"] == 1  # the stored row number keeps its meaning
    book = make_xlsx(tmp_path / "filas.xlsx", {"H": [["texto", "fecha"], ["Hola.", "nunca"]]})
    assert "row 2: unreadable date 'nunca'" in read_format(book, "xlsx")[0].warnings


def test_a_markdown_title_loses_its_marks(tmp_path):
    path = tmp_path / "nota.md"
    path.write_text("# Conferencia de prensa #\n\nVOCERA: Hola.\n\nREPORTERO: Adiós.\n",
                    encoding="utf-8")
    [doc] = read_file(path)
    assert doc.title == "Conferencia de prensa"
    plain = tmp_path / "sin.md"
    plain.write_text("## Notas sueltas\n\nSin hablantes.\n", encoding="utf-8")
    assert read_file(plain)[0].title == "Notas sueltas"


@pytest.mark.parametrize("encoding", ["utf-32", "utf-32-be"])
def test_utf32_with_a_mark_is_decoded(tmp_path, encoding):
    path = tmp_path / "ancho.txt"
    data = "Hola, qué tal.\r\nBien.\n".encode(encoding)
    if encoding == "utf-32-be":
        data = b"\x00\x00\xfe\xff" + data
    path.write_bytes(data)
    assert read_file(path)[0].text == "Hola, qué tal.\nBien.\n"


def test_a_name_with_a_newline_stays_on_one_line(project, tmp_path):
    path = tmp_path / "uno\ndos.txt"
    try:
        path.write_bytes(b"")
    except OSError:
        pytest.skip("this file system refuses the name")
    report = import_paths(project, [path])
    [failed] = report.failed
    assert "\n" not in failed.message and "uno\\ndos.txt: the file is empty" in failed.message
    path.write_text(SPEECH, encoding="utf-8")
    import_paths(project, [path])
    source, metadata = project.db.execute("SELECT source, metadata FROM documents").fetchone()
    assert source.endswith("uno\\ndos.txt")
    assert json.loads(metadata)["source_bytes"].endswith("uno%0Ados.txt")
