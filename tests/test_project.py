"""The project file: creation, schema version, WAL, transactions, settings."""

from __future__ import annotations

import sqlite3

import pytest

from coder.errors import ProjectError
from coder.project import Project
from coder.schema import SCHEMA_VERSION


def test_create_and_reopen(tmp_path):
    path = tmp_path / "p.db"
    with pytest.raises(ProjectError, match="coder init"):
        Project(path)
    with Project(path, create=True) as project:
        assert project.schema_version == SCHEMA_VERSION
        assert project.wal
        assert project.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        tables = set(project.db.table_names())
    assert {"documents", "speakers", "speaker_aliases", "turns", "codebooks", "codes", "coders",
            "annotations", "suggestions", "decisions", "memos", "events"} <= tables
    with Project(path) as again:
        assert again.schema_version == SCHEMA_VERSION


def _indexed_leading_columns(conn, table):
    return {conn.execute(f"PRAGMA index_info('{name}')").fetchone()[2]
            for _, name, *_ in conn.execute(f"PRAGMA index_list('{table}')")}


def test_what_points_at_suggestions_is_indexed(tmp_path):
    """Every rerun of `coder suggest` deletes the suggestions it replaces; SQLite then finds
    the rows that point at each one (decisions, audit items: ON DELETE SET NULL) by a full
    scan unless their column leads an index, and a rerun grew with the number of decisions."""
    with Project(tmp_path / "p.db", create=True) as project:
        conn = project.db.conn
        pointing = [(table, fk[3]) for (table,) in conn.execute(
                        "SELECT name FROM sqlite_master WHERE type = 'table'")
                    for fk in conn.execute(f"PRAGMA foreign_key_list('{table}')")
                    if fk[2] == "suggestions"]
        assert {table for table, _ in pointing} >= {"decisions", "audit_items"}
        for table, column in pointing:
            assert column in _indexed_leading_columns(conn, table), (table, column)


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "p.db"
    Project(path, create=True).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(ProjectError, match="newer coder"):
        Project(path)


def test_not_a_database(tmp_path):
    path = tmp_path / "p.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ProjectError, match="not a coder project file"):
        Project(path)


def test_transaction_rolls_back_on_error(project):
    with pytest.raises(RuntimeError):
        with project.transaction():
            project.coder_id("alice")
            raise RuntimeError("boom")
    assert project.db.execute("SELECT count(*) FROM coders").fetchone()[0] == 0


def test_nested_transaction_is_a_savepoint(project):
    with project.transaction():
        project.coder_id("alice")
        with pytest.raises(RuntimeError):
            with project.transaction():
                project.coder_id("bob")
                raise RuntimeError("inner")
    names = [r["name"] for r in project.rows("SELECT name FROM coders")]
    assert names == ["alice"]


def test_settings_round_trip(project):
    assert project.setting("x", 5) == 5
    project.set_setting("x", {"a": [1, 2]})
    assert project.setting("x") == {"a": [1, 2]}


def test_doubly_nested_savepoints(project):
    """One savepoint name serves every level: an inner rollback keeps the outer work."""
    with project.transaction():
        project.coder_id("alice")
        with project.transaction():
            project.coder_id("bob")
            with pytest.raises(RuntimeError), project.transaction():
                project.coder_id("carol")
                raise RuntimeError("innermost")
            project.coder_id("dave")
    names = [r["name"] for r in project.rows("SELECT name FROM coders ORDER BY name")]
    assert names == ["alice", "bob", "dave"]


def test_new_projects_use_8k_pages(project):
    assert project.db.execute("PRAGMA page_size").fetchone()[0] == 8192


def pragmas(project: Project) -> tuple:
    return tuple(project.db.execute(f"PRAGMA {name}").fetchone()[0]
                 for name in ("journal_mode", "synchronous", "busy_timeout"))


def test_bulk_writes_alone_use_a_rollback_journal(project):
    before = pragmas(project)
    assert before == ("wal", 1, 30000)
    with project.bulk_writes():
        assert pragmas(project)[:2] == ("delete", 2)  # FULL: as durable as WAL
        with project.transaction():
            project.coder_id("alice")
    assert pragmas(project) == before


def test_bulk_writes_leave_wal_when_someone_else_is_there(tmp_path):
    path = tmp_path / "p.db"
    with Project(path, create=True) as project, Project(path) as other:
        other.db.execute("SELECT count(*) FROM coders").fetchone()
        with project.bulk_writes():
            assert pragmas(project) == ("wal", 1, 30000)  # no waiting for the lock either
            with project.transaction():
                project.coder_id("alice")
        assert other.rows("SELECT name FROM coders") == [{"name": "alice"}]


def test_a_project_opened_during_bulk_writes_returns_it_to_wal(tmp_path):
    path = tmp_path / "p.db"
    with Project(path, create=True) as project:
        with project.bulk_writes():
            with Project(path) as other:  # every open asks for WAL
                assert pragmas(other)[0] == "wal"
                with project.transaction():
                    project.coder_id("alice")
                assert other.rows("SELECT name FROM coders") == [{"name": "alice"}]
        assert pragmas(project)[0] == "wal"


def test_a_project_opened_while_a_bulk_import_writes_works_in_its_mode(tmp_path):
    """The switch to WAL needs a lock the import holds: the new connection carries on with
    the rollback journal (and FULL syncs) instead of failing."""
    path = tmp_path / "p.db"
    with Project(path, create=True) as project:
        with project.bulk_writes():
            with project.transaction():
                project.coder_id("alice")
                with Project(path) as other:
                    assert pragmas(other)[:2] == ("delete", 2)
                    assert other.rows("SELECT name FROM coders") == []  # not committed yet
            assert pragmas(project)[0] == "delete"
        assert pragmas(project)[0] == "wal"
    with Project(path) as again:
        assert pragmas(again)[0] == "wal"
        assert again.rows("SELECT name FROM coders") == [{"name": "alice"}]


def test_a_held_project_says_so(tmp_path, monkeypatch):
    """A lock that outlasts the busy timeout is a one-line 'try again', not 'not a project'."""
    import coder.project as project_module

    path = tmp_path / "p.db"
    Project(path, create=True).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(project_module, "BUSY_TIMEOUT_MS", 50)
    try:
        with pytest.raises(ProjectError, match="another coder command is holding it"):
            Project(path)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_opening_a_project_does_not_import_pandas_yet_pandas_still_imports(tmp_path):
    """sqlite-utils would import pandas (a third of a second per command) for nothing."""
    import subprocess
    import sys

    Project(tmp_path / "p.db", create=True).close()
    script = (
        "import sys\n"
        "from coder.project import Project\n"
        f"Project({str(tmp_path / 'p.db')!r}).close()\n"
        "assert 'pandas' not in sys.modules, 'pandas imported'\n"
        "import pandas\n"
        "assert pandas.DataFrame({'a': [1]}).shape == (1, 1)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
