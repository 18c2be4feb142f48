"""A project someone else holds: a read-only folder, another process's write lock."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys

import pytest
from click.testing import CliRunner

from coder.cli import main
from coder.project import Project


def _without_root_powers() -> None:
    """In the child: as root, drop the power to ignore file permissions (so a read-only
    folder is read-only, as for any user); others are bound by permissions anyway."""
    if os.geteuid() != 0:
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.fixture
def read_only_project(tmp_path, transcript):
    from coder.corpus.importer import import_paths

    folder = tmp_path / "shared"
    folder.mkdir()
    path = folder / "p.db"
    with Project(path, create=True) as project:
        import_paths(project, [transcript])
    path.chmod(0o444)
    folder.chmod(0o555)
    yield path
    folder.chmod(0o755)
    path.chmod(0o644)


def _coder(path, *args) -> subprocess.CompletedProcess:
    from tests.helpers import REPO

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("CODER_PROJECT", None)
    try:
        return subprocess.run([sys.executable, "-m", "coder", *args, "-p", str(path)], env=env,
                              capture_output=True, text=True, timeout=120,
                              preexec_fn=_without_root_powers)
    except subprocess.SubprocessError as exc:
        pytest.skip(f"cannot drop root's file powers here ({exc})")


def test_a_project_in_a_read_only_folder_can_be_read_not_changed(read_only_project):
    before = hashlib.sha256(read_only_project.read_bytes()).hexdigest()
    listed = _coder(read_only_project, "documents", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [d["title"] for d in json.loads(listed.stdout)] and listed.stderr == ""
    assert _coder(read_only_project, "speakers").returncode == 0
    # Search builds its index in memory when it cannot store it.
    found = _coder(read_only_project, "search", "guerra", "--json")
    assert found.returncode == 0, found.stderr
    assert "guerra" in json.dumps(json.loads(found.stdout)[0], ensure_ascii=False)
    added = _coder(read_only_project, "coders", "add", "zoe")
    assert added.returncode == 1
    assert added.stderr == (f"coder: {read_only_project}: cannot change it: the project is "
                            "read-only here (the file or its folder is not writable); commands "
                            "that only read it work\n")
    assert hashlib.sha256(read_only_project.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in read_only_project.parent.iterdir()) == ["p.db"]


@pytest.fixture
def held(project, monkeypatch):
    """The project with another connection holding its write lock, and a short notice
    delay; ``release()`` ends the other connection's transaction."""
    import coder.project

    monkeypatch.setattr(coder.project, "WAIT_NOTICE_MS", 50)
    other = sqlite3.connect(project.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield project.path, lambda: other.execute("COMMIT")
    if other.in_transaction:
        other.execute("COMMIT")
    other.close()


def test_a_write_waiting_on_another_process_says_so_once(held, monkeypatch):
    path, release = held
    waits = []

    def notice(where):
        waits.append(where)
        release()  # the other process finishes while we wait

    monkeypatch.setattr(Project, "on_wait", notice)
    with Project(path) as project:
        project.set_setting("note", 1)
        assert project.setting("note") == 1
    assert waits == [path]


def test_the_cli_prints_a_waiting_line(held, monkeypatch):
    import coder.commands.common as common

    path, release = held
    lines = []

    def warn(message):
        lines.append(message)
        release()

    monkeypatch.setattr(common, "warn", warn)
    monkeypatch.delenv("CODER_PROJECT", raising=False)
    result = CliRunner().invoke(main, ["coders", "add", "zoe", "-p", str(path)])
    assert result.exit_code == 0, result.output
    assert lines == [f"waiting for {path}: it is locked by another coder process (up to 30 s)…"]
