"""Importing with worker processes: the same project as one process makes, bad files and
bugs reported as before, Ctrl-C keeps what was stored and leaves no worker behind."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coder.corpus import parallel
from coder.corpus.importer import expand_paths, import_paths
from coder.errors import ImportProblem
from coder.project import Project
from tests.helpers import REPO, TRANSCRIPT

SAMPLE = REPO / "corpus"


def sample_files(tmp_path: Path) -> list[Path]:
    """The bundled sample, a duplicate, other encodings and two bad files."""
    folder = tmp_path / "in"
    shutil.copytree(SAMPLE, folder)
    first = sorted(folder.rglob("*.txt"))[0]
    (folder / "copy.txt").write_bytes(first.read_bytes())
    (folder / "cp1252.txt").write_bytes(TRANSCRIPT.replace("Hoy", "Ayer").encode("cp1252"))
    (folder / "bom-crlf.txt").write_bytes(
        b"\xef\xbb\xbf" + TRANSCRIPT.replace("Hoy", "Mañana").replace("\n", "\r\n").encode())
    (folder / "notes.md").write_text("Rueda de prensa\n\nREPORTERA: ¿Y la Guardia?\n"
                                     "VOCERO: Tendrá mando civil.\n", encoding="utf-8")
    (folder / "rows.csv").write_text("fecha,texto\n2019-03-05,Primera nota de prensa.\n"
                                     "2019-03-06,Segunda nota de prensa.\n", encoding="utf-8")
    (folder / "zz-binary.txt").write_bytes(bytes(range(256)) * 4)
    (folder / "zz-empty.txt").write_bytes(b"")
    files = expand_paths([folder])
    assert len(files) >= parallel.MIN_FILES  # enough for the default to use workers
    return files


def contents(project: Project) -> dict:
    """Everything an import writes, but the import time."""
    return {
        "documents": project.db.execute(
            "SELECT id, title, date, kind, source, lang, sha256, text, words, metadata"
            " FROM documents ORDER BY id").fetchall(),
        "turns": project.db.execute("SELECT * FROM turns ORDER BY id").fetchall(),
        "speakers": project.db.execute("SELECT * FROM speakers ORDER BY id").fetchall(),
        "aliases": project.db.execute("SELECT * FROM speaker_aliases ORDER BY id").fetchall(),
    }


def outcome(report) -> list[tuple]:
    return [(f.path, f.status, f.message, f.warnings, f.document_ids) for f in report.files]


def test_workers_import_what_one_process_imports(tmp_path):
    files = sample_files(tmp_path)
    with Project(tmp_path / "one.db", create=True) as one, \
            Project(tmp_path / "two.db", create=True) as two:
        alone = import_paths(one, files, workers=1)
        pooled = import_paths(two, files, workers=2)
        assert outcome(pooled) == outcome(alone)
        assert contents(two) == contents(one)
        assert len(contents(one)["documents"]) == len(files) - 3 + 1  # the CSV holds two
    assert alone.count("failed") == 2 and alone.count("duplicate") == 1
    assert [Path(f.path).name for f in alone.failed] == ["zz-binary.txt", "zz-empty.txt"]


def test_strict_import_with_workers_stores_nothing_when_a_file_is_bad(tmp_path):
    files = sample_files(tmp_path)
    with Project(tmp_path / "p.db", create=True) as project:
        with pytest.raises(ImportProblem, match="zz-binary.txt"):
            import_paths(project, files, workers=2, strict=True)
        assert multiprocessing.active_children() == []
        assert project.db.execute("SELECT count(*) FROM documents").fetchone()[0] == 0
        assert project.db.execute("SELECT count(*) FROM speakers").fetchone()[0] == 0
        # The good files alone go in, whole.
        good = [f for f in files if not f.name.startswith("zz-")]
        report = import_paths(project, good, workers=2, strict=True)
        assert report.count("imported") == len(good) - 1 and report.count("duplicate") == 1


def test_prepared_files_keep_their_order(tmp_path):
    files = sample_files(tmp_path)
    serial = list(parallel.prepared_files(files, workers=1))
    for workers in (2, 3):
        pooled = list(parallel.prepared_files(files, workers=workers))
        assert [path for path, _ in pooled] == files
        for (_, mine), (_, theirs) in zip(pooled, serial):
            if isinstance(theirs, ImportProblem):
                assert isinstance(mine, ImportProblem) and str(mine) == str(theirs)
            else:
                assert [(d.sha256, d.turns, d.title, d.date, d.lang) for d in mine] == \
                    [(d.sha256, d.turns, d.title, d.date, d.lang) for d in theirs]
    assert multiprocessing.active_children() == []


def test_results_that_come_back_early_wait_for_their_turn(tmp_path, monkeypatch):
    """The first chunk is held until a later one is done: the order must not change."""
    files = sample_files(tmp_path)
    gate = multiprocessing.get_context("fork").Event()  # shared with the forked workers
    real = parallel._prepare_chunk

    def held(paths, *args):
        if paths[0] == files[0]:
            assert gate.wait(timeout=30)
        result = real(paths, *args)
        if files[0] not in paths:
            gate.set()  # a later chunk is done: let the first one go
        return result

    expected = [digest(result) for _, result in parallel.prepared_files(files, workers=1)]
    monkeypatch.setattr(parallel, "_prepare_chunk", held)
    got = list(parallel.prepared_files(files, workers=2))
    assert [path for path, _ in got] == files
    assert [digest(result) for _, result in got] == expected
    assert gate.is_set()


def digest(result) -> object:
    """What identifies a file's preparation: its problem, or its documents' hashes."""
    if isinstance(result, ImportProblem):
        return str(result)
    return [doc.sha256 for doc in result]


def test_ctrl_c_keeps_the_finished_files_and_stops_the_workers(tmp_path):
    files = [f for f in sample_files(tmp_path) if not f.name.startswith(("zz-", "copy"))]
    stored = []

    def progress(n: int) -> None:
        stored.append(n)
        if len(stored) == 5:
            raise KeyboardInterrupt

    with Project(tmp_path / "p.db", create=True) as project:
        with pytest.raises(KeyboardInterrupt):
            import_paths(project, files, workers=2, progress=progress)
        assert multiprocessing.active_children() == []
        # The five files finished before Ctrl-C are committed, whole.
        assert project.db.execute("SELECT count(*) FROM documents").fetchone()[0] == 5
        assert project.db.execute(
            "SELECT count(*) FROM documents d WHERE NOT EXISTS"
            " (SELECT 1 FROM turns t WHERE t.document_id = d.id)").fetchone()[0] == 0
        assert project.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        # Importing again carries on where it stopped.
        report = import_paths(project, files, workers=2)
        assert report.count("duplicate") == 5 and report.count("imported") == len(files) - 5


def test_workers_that_die_leave_the_rest_to_this_process(tmp_path, monkeypatch):
    files = sample_files(tmp_path)
    with Project(tmp_path / "one.db", create=True) as one:
        expected = outcome(import_paths(one, files, workers=1))
    # Forked workers run the patched function: they exit at once, with no reply.
    monkeypatch.setattr(parallel, "_worker_main", lambda *args: os._exit(3))
    with Project(tmp_path / "two.db", create=True) as two:
        assert outcome(import_paths(two, files, workers=2)) == expected
    assert multiprocessing.active_children() == []


def test_a_bug_in_a_worker_reaches_the_caller(tmp_path, monkeypatch):
    files = sample_files(tmp_path)
    real = parallel.prepare_file

    def broken(path, *args):
        if path.name == "copy.txt":
            raise RuntimeError("a bug in a reader")
        return real(path, *args)

    monkeypatch.setattr(parallel, "prepare_file", broken)
    with Project(tmp_path / "p.db", create=True) as project:
        with pytest.raises(RuntimeError, match="a bug in a reader"):
            import_paths(project, files, workers=2)
        assert multiprocessing.active_children() == []
        assert project.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_default_workers():
    assert parallel.default_workers(parallel.MIN_FILES - 1) == 1
    assert 1 <= parallel.default_workers(1000) <= parallel.MAX_WORKERS


def test_ctrl_c_in_a_terminal_stops_the_cli_import(tmp_path):
    """The real thing: a terminal (a pty, so the progress bar shows) and Ctrl-C, which the
    terminal sends to the whole process group, workers included."""
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(2000):
        (folder / f"{i:05d}.txt").write_text(TRANSCRIPT.replace("Hoy", f"El día {i}"),
                                            encoding="utf-8")
    # A large last file keeps a worker busy for a while: the import is surely running.
    (folder / "zz-large.txt").write_text("Una línea de texto sin turnos.\n" * 600_000,
                                         encoding="utf-8")
    db = tmp_path / "p.db"
    env = {**os.environ, "CODER_PROJECT": str(db), "COLUMNS": "100"}
    subprocess.run([sys.executable, "-m", "coder", "init"], env=env, check=True,
                   capture_output=True)
    terminal, their_terminal = pty.openpty()
    child = subprocess.Popen([sys.executable, "-m", "coder", "import", str(folder)], env=env,
                             stdout=subprocess.PIPE, stderr=their_terminal,
                             start_new_session=True)
    os.close(their_terminal)
    seen = b""
    try:
        deadline = time.monotonic() + 60
        while b"importing" not in seen:  # the progress bar is up: files are being stored
            assert time.monotonic() < deadline and child.poll() is None, seen
            if select.select([terminal], [], [], 0.1)[0]:
                seen += os.read(terminal, 4096)
        os.killpg(child.pid, signal.SIGINT)
        deadline = time.monotonic() + 30
        while child.poll() is None and time.monotonic() < deadline:
            if select.select([terminal], [], [], 0.1)[0]:
                with contextlib.suppress(OSError):
                    seen += os.read(terminal, 4096)
        assert child.poll() == 130, seen
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        os.close(terminal)
    assert b"interrupted; everything committed before the interruption is kept" in seen
    with pytest.raises(ProcessLookupError):  # no worker outlived it
        os.killpg(child.pid, 0)
    with Project(db) as project:
        assert project.db.execute("SELECT count(*) FROM documents").fetchone()[0] < 2001
        assert project.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert project.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
