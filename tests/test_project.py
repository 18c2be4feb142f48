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
