"""The command line as a user meets it: help, JSON output, one-line errors, exit codes."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from coder.cli import main


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CODER_PROJECT", raising=False)
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


def test_help_teaches(run):
    result = run("--help")
    assert result.exit_code == 0
    assert "coder import" in result.output and "coder demo" in result.output
    assert "--strict" in run("import", "--help").output


def test_init_import_list(run, transcript, codebook_file, tmp_path):
    assert run("init").exit_code == 0
    assert (tmp_path / "coder.db").exists()
    result = run("import", str(transcript.parent))
    assert result.exit_code == 0 and "imported 1 document(s)" in result.output
    docs = json.loads(run("documents", "--json").output)
    assert set(docs[0]) >= {"id", "title", "date", "kind", "source", "sha256", "turns", "words"}
    assert docs[0]["date"] == "2019-03-05" and docs[0]["turns"] == 6
    speakers = json.loads(run("speakers", "--json").output)
    amlo = next(s for s in speakers if s["kind"] == "president")
    assert set(amlo) >= {"name", "role", "aliases", "turns"} and amlo["turns"] == 3
    assert run("codebook", "load", str(codebook_file)).exit_code == 0
    tree = json.loads(run("codebook", "show", "--json").output)
    assert [c["id"] for c in tree] == ["SEC", "DES"]
    assert tree[0]["children"][0]["key"] == "1"
    assert "SEC.WAR" in run("codebook", "show").output


def test_project_option_and_env(run, transcript, tmp_path, monkeypatch):
    assert run("-p", "a.db", "init").exit_code == 0
    assert run("init", "-p", "b.db").exit_code == 0
    monkeypatch.setenv("CODER_PROJECT", str(tmp_path / "c.db"))
    assert run("init").exit_code == 0
    assert {p.name for p in tmp_path.glob("*.db")} == {"a.db", "b.db", "c.db"}


def test_missing_project_is_one_line(run):
    result = run("documents")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "coder init" in result.output


def test_bad_file_exit_code_and_message(run, tmp_path):
    run("init")
    bad = tmp_path / "vacío.txt"
    bad.write_bytes(b"")
    result = run("import", str(bad))
    assert result.exit_code == 1
    assert "vacío.txt: the file is empty" in result.output
    assert "Traceback" not in result.output


def test_bad_codebook_is_one_line(run, tmp_path):
    run("init")
    bad = tmp_path / "cb.yaml"
    bad.write_text('codes:\n  - {id: A, name: A, key: "1"}\n  - {id: B, name: B, key: "1"}\n')
    result = run("codebook", "load", str(bad))
    assert result.exit_code == 1
    assert result.output.strip().endswith("duplicate key '1': codes A and B")
    assert "cb.yaml: line 3" in result.output


def test_speakers_merge_command(run, transcript):
    run("init")
    run("import", str(transcript))
    result = run("speakers", "merge", "Luis Cresencio Sandoval González", "Andrés Manuel López Obrador")
    assert result.exit_code == 0 and "merged" in result.output
    speakers = json.loads(run("speakers", "--json").output)
    assert not any(s["name"].startswith("Luis Cresencio") for s in speakers)
    result = run("speakers", "merge", "Nadie", "Press")
    assert result.exit_code == 1 and result.output.startswith("coder: no speaker 'Nadie'")


def test_speakers_split_command(run, transcript):
    run("init")
    run("import", str(transcript))
    result = run("speakers", "split", "INTERLOCUTORA", "--into", "Reportera de El Universal")
    assert result.exit_code == 0
    assert result.output.startswith("moved 'INTERLOCUTORA' (1 turn) to Reportera de El Universal")
    speakers = {s["name"]: s for s in json.loads(run("speakers", "--json").output)}
    assert speakers["Reportera de El Universal"]["aliases"] == ["INTERLOCUTORA"]
    assert speakers["Press"]["aliases"] == ["PREGUNTA"]
    result = run("speakers", "split", "PREGUNTA")
    assert result.exit_code == 1 and "--into" in result.output
    assert "speakers split" in run("speakers", "--help").output


def test_demo_builds_without_tui(run, tmp_path):
    result = run("demo", "--no-tui")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "coder-demo.db").exists()
    docs = json.loads(run("-p", "coder-demo.db", "documents", "--json").output)
    assert len(docs) >= 15
    assert "reusing" in run("demo", "--no-tui").output


def test_foreign_sqlite_is_refused_and_unchanged(run, tmp_path):
    import hashlib
    import sqlite3

    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE mydata (x)")
    conn.commit()
    conn.close()
    digest = hashlib.md5(path.read_bytes()).hexdigest()
    for args in (("-p", str(path), "documents"), ("-p", str(path), "init")):
        result = run(*args)
        assert result.exit_code == 1 and "not a coder project file" in result.output
    assert hashlib.md5(path.read_bytes()).hexdigest() == digest


def test_folder_as_project_is_one_line(run, tmp_path):
    (tmp_path / "dir.db").mkdir()
    result = run("-p", "dir.db", "documents")
    assert result.exit_code == 1
    assert result.output.strip() == "coder: dir.db: is a folder, not a project file"
    result = run("-p", str(tmp_path / "nope" / "x.db"), "init")
    assert result.exit_code == 1 and "does not exist" in result.output


def test_database_errors_are_one_line(run, transcript, monkeypatch):
    import sqlite3

    import coder.corpus.importer as importer

    run("init")

    def readonly(*args, **kwargs):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(importer, "import_paths", readonly)
    result = run("import", str(transcript))
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "cannot be written" in result.output


def test_interrupt_exits_130(run, transcript, monkeypatch):
    import coder.corpus.importer as importer

    run("init")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(importer, "import_paths", interrupted)
    result = run("import", str(transcript))
    assert result.exit_code == 130 and "everything committed" in result.output


def test_loading_a_smaller_codebook_warns_about_retired_codes(run, codebook_file, tmp_path):
    run("init")
    run("codebook", "load", str(codebook_file))
    small = tmp_path / "small.yaml"
    small.write_text("codes:\n  - {id: SEC, name: Securitizing move}\n")
    result = run("codebook", "load", str(small))
    assert result.exit_code == 0
    assert "4 code(s) are not in this codebook and were retired" in result.output


def test_reimport_is_summarised(run, tmp_path):
    run("init")
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(8):
        (folder / f"{i}.txt").write_text(f"Documento número {i}.\n")
    run("import", str(folder))
    result = run("import", str(folder))
    assert "... and 3 more files already imported" in result.output
    assert "no speaker turns found; stored as one turn, speaker unknown: 8 documents" in result.output


def test_tui_without_a_terminal_is_a_clear_error(run):
    run("init")
    result = run("tui", "--coder", "alice")
    assert result.exit_code == 1 and "needs an interactive terminal" in result.output


def test_database_errors_name_the_file_given_with_p(tmp_path, transcript, monkeypatch):
    import sqlite3

    from click.testing import CliRunner

    import coder.corpus.importer as importer

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CODER_PROJECT", raising=False)
    project = tmp_path / "elsewhere.db"
    runner = CliRunner()
    assert runner.invoke(main, ["init", "-p", str(project)]).exit_code == 0

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(importer, "import_paths", full)
    result = runner.invoke(main, ["import", str(transcript), "-p", str(project)])
    assert result.exit_code == 1
    assert result.output.startswith(f"coder: {project}: ") and "coder.db" not in result.output


def test_a_closed_pipe_ends_quietly(tmp_path, transcript):
    import subprocess
    import sys

    from tests.helpers import REPO

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    project = tmp_path / "p.db"
    for args in (["init"], ["import", str(transcript)]):
        subprocess.run([sys.executable, "-m", "coder", *args, "-p", str(project)], env=env,
                       check=True, capture_output=True)
    proc = subprocess.Popen([sys.executable, "-m", "coder", "search", "violencia", "-p",
                             str(project)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # as `| head` does once it has its lines
    stderr = proc.stderr.read().decode()
    proc.wait(60)
    assert "Broken pipe" not in stderr and "Exception ignored" not in stderr
    assert proc.returncode == 0


@pytest.mark.parametrize("args, said", [
    (["import", "--bogus", "x"], "No such option '--bogus'; see 'main import --help'"),
    (["--bogus"], "No such option '--bogus'; see 'main --help'"),
    (["nosuch"], "No such command 'nosuch'; see 'main --help'"),
    (["speakers", "nosuch"], "No such command 'nosuch'; see 'main speakers --help'"),
    (["import"], "Missing argument 'PATHS...'; see 'main import --help'"),
    (["stats", "--by", "nope"], "Invalid value for '--by'"),
])
def test_a_wrong_command_line_is_one_line_with_exit_2(run, args, said):
    """click's four-line usage block becomes one line like coder's other errors; the exit
    status stays click's 2 (the command line was wrong, not the work)."""
    result = run(*args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("coder: ") and said in lines[0], lines
