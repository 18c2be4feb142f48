"""Long jobs that commit as they go (suggest, import) say what was really kept when the
project file stops them half-way (a full disk), never "nothing was changed"."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from coder.cli import main
from coder.project import Project

CODEBOOK = """\
codebook:
  name: Small
  languages: [es]
codes:
  - id: WAR
    name: War
    patterns:
      - {id: war, lang: es, pattern: "guerra"}
"""

FULL = "database or disk is full"


def _transcript(n: int) -> str:
    return (f"Conferencia {n}\nPresidencia\n{n:02d} de marzo de 2019\n---\n"
            f"PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR\n"
            f"Nadie habla de guerra hoy, número {n}. La guerra no vuelve.\n")


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "corpus"
    root.mkdir()
    for n in range(1, 7):
        (root / f"c{n}.txt").write_text(_transcript(n), encoding="utf-8")
    (tmp_path / "book.yaml").write_text(CODEBOOK, encoding="utf-8")
    return root


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CODER_PROJECT", raising=False)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, [*args, "-p", "p.db"])


def _full_after(monkeypatch, module, name: str, calls: int, project_of=lambda a: a[0]):
    """Make ``module.name`` fail like a full disk from call ``calls + 1`` on, inside the
    transaction it opened (as SQLite does when a page cannot be added)."""
    real = getattr(module, name)
    seen = [0]

    def wrapped(*args, **kwargs):
        seen[0] += 1
        if seen[0] > calls:
            with project_of(args).transaction():
                raise sqlite3.OperationalError(FULL)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapped)


def test_suggest_on_a_full_disk_says_what_was_kept(cli, folder, tmp_path, monkeypatch):
    import coder.suggest.store as store

    assert cli("init").exit_code == 0
    assert cli("import", str(folder)).exit_code == 0
    assert cli("codebook", "load", str(tmp_path / "book.yaml")).exit_code == 0
    _full_after(monkeypatch, store, "write_document", 2)
    result = cli("suggest")
    assert result.exit_code == 1
    line = result.output.strip()
    assert "\n" not in line and "nothing was changed" not in line
    assert line.startswith("coder: p.db: disk full while storing suggestions: "
                           "4 suggestion(s) in 2 document(s) were saved, the rest not; "
                           "run `coder suggest` again after freeing space")
    with Project(tmp_path / "p.db") as project:
        assert project.db.execute("SELECT count(*) FROM suggestions").fetchone()[0] == 4
        assert project.db.execute("SELECT count(*) FROM suggest_runs").fetchone()[0] == 2
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CODER_PROJECT", raising=False)
    again = cli("suggest")
    assert again.exit_code == 0 and "4 matched, 2 up to date" in again.output


def test_suggest_full_before_the_first_document_says_nothing_was_saved(cli, folder, tmp_path,
                                                                       monkeypatch):
    import coder.suggest.store as store

    cli("init"), cli("import", str(folder)), cli("codebook", "load", str(tmp_path / "book.yaml"))
    _full_after(monkeypatch, store, "write_document", 0)
    result = cli("suggest")
    assert result.exit_code == 1 and "nothing was saved;" in result.output


def test_import_on_a_full_disk_says_what_was_kept_and_reconciles_on_the_rerun(
        cli, folder, tmp_path, monkeypatch):
    import coder.corpus.importer as importer

    assert cli("init").exit_code == 0
    monkeypatch.setattr(importer, "COMMIT_SECONDS", 0)  # one file per commit
    real = importer._store_file
    _full_after(monkeypatch, importer, "_store_file", 3)
    result = cli("import", str(folder), "--workers", "1")
    assert result.exit_code == 1
    assert result.output.strip().startswith(
        "coder: p.db: disk full while importing: 3 document(s) from 3 file(s) were saved, "
        "the rest not; run `coder import` again after freeing space")
    with Project(tmp_path / "p.db") as project:
        assert project.db.execute("SELECT count(*) FROM documents").fetchone()[0] == 3
        assert project.setting(importer.UNSETTLED) is True  # speakers still owed
    monkeypatch.setattr(importer, "_store_file", real)
    again = cli("import", str(folder), "--workers", "1")
    assert again.exit_code == 0 and "imported 3 document(s)" in again.output
    with Project(tmp_path / "p.db") as project:
        assert project.setting(importer.UNSETTLED) is None


def test_an_import_stopped_before_reconciling_reconciles_on_the_next_run(
        cli, folder, tmp_path, monkeypatch):
    import coder.corpus.importer as importer

    assert cli("init").exit_code == 0

    def full(project):
        raise sqlite3.OperationalError(FULL)

    monkeypatch.setattr(importer, "reconcile", full)
    result = cli("import", str(folder))
    assert result.exit_code == 1
    assert ("disk full while reconciling speakers after the import: the 6 new document(s) "
            "were saved, who is who among the speakers not yet") in result.output
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CODER_PROJECT", raising=False)
    calls = []
    real = importer.reconcile
    monkeypatch.setattr(importer, "reconcile", lambda project: calls.append(1) or real(project))
    again = cli("import", str(folder))
    assert again.exit_code == 0 and "imported 0 document(s)" in again.output
    assert calls == [1]  # nothing new, yet the owed reconciling ran
    assert cli("import", str(folder)).exit_code == 0 and calls == [1]
