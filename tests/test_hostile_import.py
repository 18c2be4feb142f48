"""Importing hostile or odd input: byte file names, UTF-16, Markdown, CSV rows without text,
coder's own exports in the corpus folder, and workers that die with their importer."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote_to_bytes

import pytest
from click.testing import CliRunner

from coder.cli import main
from coder.corpus.importer import import_paths
from coder.corpus.prepare import read_file
from coder.errors import ImportProblem
from tests.helpers import REPO, TRANSCRIPT

DIALOGUE = "REPORTERA: ¿Habrá mando civil en la corporación?\nVOCERO: Sí, tendrá mando civil.\n"


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_a_name_that_is_not_utf8_is_imported_readable_and_recoverable(project, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    raw = os.fsencode(folder) + b"/caf\xe9 notas.txt"
    try:
        with open(raw, "w", encoding="utf-8") as handle:
            handle.write(DIALOGUE)
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    (folder / "bien.txt").write_text(DIALOGUE.replace("Sí", "No"), encoding="utf-8")
    report = import_paths(project, [folder])
    assert report.count("imported") == 2 and not report.failed
    source, metadata, title = project.db.execute(
        "SELECT source, metadata, title FROM documents WHERE source LIKE '%caf%'").fetchone()
    assert source.endswith("caf\ufffd notas.txt") and "\ufffd" in title
    assert unquote_to_bytes(json.loads(metadata)["source_bytes"]) == raw
    assert all(r.path.encode("utf-8") for r in report.files)  # printable


def test_a_bad_file_with_a_byte_name_is_one_printable_line(project, tmp_path):
    raw = os.fsencode(tmp_path) + b"/vac\xedo.txt"
    try:
        open(raw, "wb").close()
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    report = import_paths(project, [tmp_path])
    (failed,) = report.failed
    assert "vac\ufffdo.txt" in failed.message and "empty" in failed.message
    failed.message.encode("utf-8")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_or_without_a_mark_is_decoded(tmp_path, encoding):
    path = tmp_path / "nota.txt"
    path.write_bytes(TRANSCRIPT.replace("\n", "\r\n").encode(encoding))
    (doc,) = read_file(path)
    assert doc.text == TRANSCRIPT
    assert len(doc.turns) >= 5


def test_utf16_csv_and_binary_with_nuls_still_refused(tmp_path):
    path = tmp_path / "filas.csv"
    path.write_bytes("texto,fecha\nUna nota de prensa.,2019-03-05\n".encode("utf-16"))
    (doc,) = read_file(path)
    assert doc.text == "Una nota de prensa."
    binary = tmp_path / "ruido.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(ImportProblem, match="binary"):
        read_file(binary)


@pytest.mark.parametrize("char,kept", [("ó", 1), ("…", 1), ("…", 2)])
def test_a_utf8_file_cut_inside_a_character_is_refused_as_truncated(project, tmp_path, char, kept):
    path = tmp_path / "cortado.txt"
    path.write_bytes(TRANSCRIPT.encode("utf-8") + char.encode("utf-8")[:kept])
    report = import_paths(project, [path])
    (failed,) = report.failed
    assert "cortado.txt" in failed.message and "truncated" in failed.message
    assert project.db.execute("SELECT count(*) FROM documents").fetchone() == (0,)
    # A Windows-1252 file that happens to end in a byte UTF-8 would start a character with
    # is still read as Windows-1252.
    legacy = tmp_path / "ansi.txt"
    legacy.write_bytes("Conferencia\nPresidencia\n05 de marzo de 2019\n---\nPREGUNTA\n"
                       "¿Qué opina?\n".encode("cp1252") + b"\xc3")
    (doc,) = read_file(legacy)
    assert doc.text.endswith("¿Qué opina?\nÃ")


def test_markdown_bold_labels_start_turns(tmp_path):
    path = tmp_path / "notas.md"
    path.write_text("# Rueda de prensa\n\n**REPORTERA:** ¿Y la Guardia?\n\n"
                    "**Vocero**: Tendrá mando civil, dijo **hoy:** sin más.\n", encoding="utf-8")
    (doc,) = read_file(path)
    assert [(t.speaker, doc.text[t.start:t.end]) for t in doc.turns] == [
        ("REPORTERA", "¿Y la Guardia?"),
        ("Vocero", "Tendrá mando civil, dijo **hoy:** sin más."),
    ]


def test_format_md_is_accepted(tmp_path):
    path = tmp_path / "notas.text"
    path.write_text(DIALOGUE, encoding="utf-8")
    project = tmp_path / "p.db"
    assert cli("init", "-p", project).exit_code == 0
    result = cli("import", path, "--format", "md", "-p", project)
    assert result.exit_code == 0, result.output
    assert "imported 1 document(s)" in result.output


def test_a_csv_row_without_text_is_reported(project, tmp_path):
    path = tmp_path / "filas.csv"
    path.write_text("fecha,texto,medio\n2019-03-05,Primera nota.,radio\n2019-03-06,,prensa\n"
                    "\n2019-03-07,Tercera nota.,tv\n", encoding="utf-8")
    report = import_paths(project, [path])
    (result,) = report.files
    assert result.created == 2
    assert any("1 row(s) with no text" in w and "(row 3)" in w for w in result.warnings)


def test_an_export_in_the_corpus_folder_is_not_imported_back(tmp_path):
    from coder.project import Project
    from tests.helpers import build_coded

    with Project(tmp_path / "p.db", create=True) as project:
        build_coded(project, tmp_path)
    corpus = tmp_path / "in"
    before = _documents(tmp_path / "p.db")
    for name in ("segments.csv", "segments.xlsx"):
        result = cli("export", corpus / name, "-p", tmp_path / "p.db")
        assert result.exit_code == 0, result.output
    result = cli("import", corpus, "-p", tmp_path / "p.db")
    assert result.exit_code == 0, result.output
    assert "exported by coder" in result.output and "2 skipped" in result.output
    assert _documents(tmp_path / "p.db") == before


def _documents(path: Path) -> int:
    import sqlite3

    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM documents").fetchone()[0]


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            pass
    return found


def _alive(pid: int) -> bool:
    """Running, not a zombie (a reparented worker may wait for a reaper that never comes)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir() or
                    not Path(f"/proc/self/task/{os.getpid()}/children").exists(),
                    reason="needs Linux /proc children lists")
def test_kill_9_of_the_importer_leaves_no_worker(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    body = TRANSCRIPT * 40
    for number in range(300):
        (folder / f"{number:03d}.txt").write_text(body.replace("Hoy", f"Hoy {number}"),
                                                  encoding="utf-8")
    project = tmp_path / "p.db"
    assert cli("init", "-p", project).exit_code == 0
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "coder", "import", str(folder), "-p",
                             str(project), "--workers", "2"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and proc.poll() is None and time.monotonic() < deadline:
            workers |= _children(proc.pid)
            time.sleep(0.005)  # polling, not an assertion on time
        if not workers:
            pytest.skip("the import ended before its workers were seen")
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        deadline = time.monotonic() + 30
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.02)
        survivors = [w for w in workers if _alive(w)]
        assert survivors == []
    finally:
        for worker in workers:
            if _alive(worker):
                os.kill(worker, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
