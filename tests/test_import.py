"""Import: the transcript layout, plain text, encodings, duplicates, bad input, batches."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coder.corpus.dates import date_from_path, find_date
from coder.corpus.documents import document_turns, list_documents
from coder.corpus.importer import import_paths
from coder.corpus.prepare import detect_language, read_file
from coder.errors import ImportProblem
from coder.project import Project


def snapshot(project: Project) -> tuple:
    """Row counts of every content table, to prove a failed import changed nothing."""
    tables = ("documents", "turns", "speakers", "speaker_aliases")
    return tuple(project.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables)


def test_transcript_layout(project, transcript):
    report = import_paths(project, [transcript])
    assert report.count("imported") == 1
    [doc] = list_documents(project)
    assert doc["date"] == "2019-03-05"
    assert doc["kind"] == "press conference"
    assert doc["lang"] == "es"
    assert doc["turns"] == 6
    stored = project.rows("SELECT text, sha256 FROM documents")[0]
    assert stored["text"] == transcript.read_text(encoding="utf-8")
    assert stored["sha256"] == hashlib.sha256(stored["text"].encode()).hexdigest()
    turns = document_turns(project, doc["id"])
    text = stored["text"]
    first = text[turns[0]["start"]:turns[0]["end"]]
    assert first.startswith("Buenos días.") and first.endswith("atender las causas.")
    assert "PRESIDENTE" not in first
    assert [t["speaker_kind"] for t in turns] == ["president", "press", "president", "official",
                                                  "press", "president"]
    assert doc["words"] == sum(len(text[t["start"]:t["end"]].split()) for t in turns)


def test_questions_link_to_answers(project, transcript):
    import_paths(project, [transcript])
    turns = document_turns(project, 1)
    question, answer, official = turns[1], turns[2], turns[3]
    assert answer["question_id"] == question["id"]
    assert official["question_id"] == question["id"]  # the secretary answers the same question
    assert turns[5]["question_id"] == turns[4]["id"]
    assert turns[0]["question_id"] is None


def test_same_content_is_stored_once(project, transcript, tmp_path):
    copy = tmp_path / "copy.txt"
    copy.write_bytes(transcript.read_bytes())
    import_paths(project, [transcript])
    report = import_paths(project, [copy])
    assert report.count("duplicate") == 1
    assert "already imported as document #1" in report.files[0].message
    assert len(list_documents(project)) == 1


def test_plain_text_with_speaker_labels(project, tmp_path):
    path = tmp_path / "entrevista.txt"
    path.write_text("Entrevista del 3 de abril de 2020\n\nREPORTERO: ¿Qué opina de la amnistía?\n"
                    "SECRETARIO DE SEGURIDAD: Es una propuesta de paz.\nREPORTERO: Gracias.\n",
                    encoding="utf-8")
    import_paths(project, [path])
    [doc] = list_documents(project)
    assert doc["date"] == "2020-04-03" and doc["turns"] == 3
    text = project.rows("SELECT text FROM documents")[0]["text"]
    turns = document_turns(project, doc["id"])
    assert text[turns[1]["start"]:turns[1]["end"]] == "Es una propuesta de paz."
    assert turns[0]["speaker_kind"] == "press"


def test_no_turn_markers_gives_one_unknown_turn_and_a_warning(project, tmp_path):
    path = tmp_path / "nota.txt"
    path.write_text("Un comunicado breve sin marcas de turno.\nSegunda línea del comunicado.\n")
    report = import_paths(project, [path])
    assert report.files[0].warnings and "no speaker turns" in report.files[0].warnings[0]
    [turn] = document_turns(project, 1)
    assert turn["speaker_kind"] == "unknown"


@pytest.mark.parametrize("encoding,prefix", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"),
                                             ("cp1252", b""), ("latin-1", b"")])
def test_encodings(project, tmp_path, encoding, prefix):
    path = tmp_path / f"doc-{encoding}.txt"
    path.write_bytes(prefix + "Declaración: la niñez y la educación.\r\n".encode(encoding))
    import_paths(project, [path])
    text = project.rows("SELECT text FROM documents")[0]["text"]
    assert text == "Declaración: la niñez y la educación.\n"


def test_english_detected():
    assert detect_language("The president said that the war on drugs is over and the") == "en"
    assert detect_language("El presidente dijo que la guerra contra el narco se acabó") == "es"


def test_dates():
    assert find_date("01 de agosto de 2019") == dt.date(2019, 8, 1)
    assert find_date("Jueves 1o. de diciembre, 2018") == dt.date(2018, 12, 1)
    assert find_date("June 7, 2019") == dt.date(2019, 6, 7)
    assert find_date("7 June 2019") == dt.date(2019, 6, 7)
    assert find_date("sin fecha") is None
    assert date_from_path("mananeras/2019/agosto/01--slug.txt") == dt.date(2019, 8, 1)
    assert date_from_path("x/2020-02-29_briefing.txt") == dt.date(2020, 2, 29)


def test_date_from_file_name_when_text_has_none(project, tmp_path):
    path = tmp_path / "2020" / "enero" / "15--comunicado.txt"
    path.parent.mkdir(parents=True)
    path.write_text("Un texto sin fecha.\n")
    import_paths(project, [path])
    assert list_documents(project)[0]["date"] == "2020-01-15"


BAD_FILES = {
    "empty.txt": b"",
    "blank.txt": b"   \n\n  ",
    "binary.txt": bytes(range(256)) * 4,
    "zip-as-text.txt": b"PK\x03\x04" + b"\x00" * 100,
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_text_files_fail_cleanly(project, transcript, tmp_path, name):
    import_paths(project, [transcript])
    before = snapshot(project)
    path = tmp_path / name
    path.write_bytes(BAD_FILES[name])
    report = import_paths(project, [path])
    [failed] = report.failed
    assert name in failed.message and "\n" not in failed.message
    assert snapshot(project) == before


def test_batch_imports_good_files_and_reports_bad(project, transcript, tmp_path):
    bad = tmp_path / "2019" / "marzo" / "06--vacio.txt"
    bad.write_bytes(b"")
    report = import_paths(project, [tmp_path / "2019"])
    assert report.count("imported") == 1 and len(report.failed) == 1


def test_strict_batch_is_all_or_nothing(project, transcript, tmp_path):
    bad = tmp_path / "2019" / "marzo" / "06--vacio.txt"
    bad.write_bytes(b"")
    with pytest.raises(ImportProblem, match="06--vacio.txt"):
        import_paths(project, [tmp_path / "2019"], strict=True)
    assert snapshot(project) == (0, 0, 0, 0)


def test_ten_megabyte_single_line(project, tmp_path):
    path = tmp_path / "long.txt"
    path.write_text(("palabra " * 1_310_720).strip())
    report = import_paths(project, [path])
    assert report.count("imported") == 1
    assert list_documents(project)[0]["words"] == 1_310_720


def test_missing_path_is_a_clear_error(project, tmp_path):
    with pytest.raises(ImportProblem, match="no such file"):
        import_paths(project, [tmp_path / "nope"])


def test_read_file_rejects_unknown_format(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("hola")
    with pytest.raises(ImportProblem, match="unknown format"):
        read_file(path, fmt="odt")


def test_real_corpus_sample_imports(project, real_corpus):
    folder = real_corpus / "2019" / "agosto"
    report = import_paths(project, [folder])
    assert report.count("imported") == len(list(folder.glob("*.txt")))
    speakers = project.rows("SELECT kind, count(*) n FROM speakers GROUP BY kind")
    kinds = {row["kind"]: row["n"] for row in speakers}
    assert kinds["president"] == 1 and kinds["press"] == 1
    linked = project.db.execute("SELECT count(*) FROM turns WHERE question_id IS NOT NULL").fetchone()[0]
    assert linked > 100


def test_project_file_is_left_alone_by_a_failed_file(tmp_path):
    db = tmp_path / "p.db"
    with Project(db, create=True) as project:
        bad = tmp_path / "bad.txt"
        bad.write_bytes(b"\x00\x01\x02")
        import_paths(project, [bad])
        assert snapshot(project) == (0, 0, 0, 0)
    assert Path(db).exists()


def test_files_of_other_types_under_a_folder_are_named_not_imported(tmp_path, transcript,
                                                                    monkeypatch):
    from click.testing import CliRunner

    from coder.cli import main

    folder = transcript.parent
    (folder / "notas.py").write_text("print('hola')\n")
    (folder / "pyproject.toml").write_text("[x]\n")
    (folder / "README.md").write_text("# Notas\n")  # passed over quietly, as before
    (folder / ".oculto.json").write_text("{}\n")     # hidden: not mentioned
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CODER_PROJECT", raising=False)
    runner = CliRunner()
    assert runner.invoke(main, ["init"]).exit_code == 0
    result = runner.invoke(main, ["import", str(tmp_path / "2019")])
    assert result.exit_code == 0, result.output
    assert "note: 2 file(s) of other types passed over (notas.py, pyproject.toml)" in result.stderr
    assert "imported: no suffix, .csv," in result.stderr
    assert "imported 1 document(s) from 1 file(s)" in result.stdout


def test_folder_scan_passes_over_readme(project, transcript):
    (transcript.parent / "README.md").write_text("# Notas\nEsta carpeta tiene transcripciones.\n")
    report = import_paths(project, [transcript.parent])
    assert [Path(f.path).name for f in report.files] == [transcript.name]
    # Named explicitly, it is imported like any text file.
    assert import_paths(project, [transcript.parent / "README.md"]).count("imported") == 1


def test_sample_corpus_imports_cleanly(project):
    from coder.demo import SAMPLE_CORPUS

    report = import_paths(project, [SAMPLE_CORPUS])
    assert report.count("imported") >= 20 and not report.failed
    langs = {row["lang"] for row in list_documents(project)}
    assert langs == {"es", "en"}


def test_duplicate_rows_are_not_counted_twice(project, tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("texto,fecha\nPrimera declaración.,2020-01-01\nSegunda.,2020-01-02\n"
                    "Primera declaración.,2020-01-01\n", encoding="utf-8")
    report = import_paths(project, [path])
    assert report.documents == 2
    assert len(list_documents(project)) == 2


def test_decoded_text_keeps_the_file_bytes_only_when_they_are_its_utf8():
    from coder.corpus.text import decode_text

    plain = "Señor presidente, ¿y la Guardia?\n".encode()
    assert decode_text(plain) == (plain.decode(), plain)
    for data in (b"\xef\xbb\xbf" + plain, plain.replace(b"\n", b"\r\n"),
                 "Señor presidente\n".encode("cp1252")):
        text, utf8 = decode_text(data)
        assert utf8 is None and "\r" not in text and text.startswith("Señor")


def test_stored_text_is_the_decoded_text_for_every_encoding(project, tmp_path):
    """The importer stores UTF-8 bytes as TEXT: they must read back as the decoded text."""
    from tests.helpers import TRANSCRIPT

    variants = {"utf8.txt": TRANSCRIPT.encode(), "bom.txt": b"\xef\xbb\xbf" + TRANSCRIPT.encode(),
                "crlf.txt": TRANSCRIPT.replace("\n", "\r\n").replace("Hoy", "Ayer").encode(),
                "cp1252.txt": TRANSCRIPT.replace("Hoy", "Mañana").encode("cp1252")}
    for name, data in variants.items():
        (tmp_path / name).write_bytes(data)
    import_paths(project, [tmp_path / name for name in variants])
    for text, kind, sha in project.db.execute("SELECT text, typeof(text), sha256 FROM documents"):
        assert kind == "text" and "\r" not in text and text.startswith("Conferencia")
        assert sha == hashlib.sha256(text.encode()).hexdigest()
    assert project.db.execute("SELECT count(*) FROM documents").fetchone()[0] == 3  # bom = utf8


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("---\n \tAb")), max_size=40))
def test_separators_are_the_lines_of_three_dashes(text):
    from coder.corpus.text import _separators

    expected, offset = [], 0
    for line in text.split("\n"):
        if line.rstrip(" \t") == "---":
            expected.append((offset, offset + len(line)))
        offset += len(line) + 1
    assert _separators(text) == expected
