"""The workbench's factory and command.

TUI tests drive the real app headless (``App.run_test`` and its Pilot) on a small project
written for the tests, and check what matters on the database, through a second
connection: what the screen shows is only trusted once it is stored. Their fixtures are in
``tests/tui/conftest.py``, their helpers in ``tests/helpers.py`` and ``tests/tui/pilot.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from coder.errors import CoderError
from coder.project import Project
from tests.helpers import build_project
from tests.tui.pilot import run

# -- the factory ----------------------------------------------------------------------------------

def test_create_app_starts_on_the_first_uncoded_document(tmp_path):
    from coder.annotate import apply_code
    from coder.tui.app import create_app

    path = build_project(tmp_path, speech=True)
    with Project(path) as project:
        apply_code(project, "alice", 1, "SEC.WAR", 200, 210)
    app = create_app(path, "alice")
    assert app.document_id == 2          # document 1 is already coded by alice
    app.project.close()
    app = create_app(path, "bob")
    assert app.document_id == 1
    app.project.close()


def test_create_app_prefers_the_next_assignment(tmp_path):
    from coder.tui.app import create_app

    path = build_project(tmp_path, speech=True)
    with Project(path) as project:
        coder_id = project.coder_id("alice")
        with project.transaction():  # test set-up: an assignment as `coder sample` writes it
            project.db.execute("INSERT INTO assignments(document_id, coder_id, status)"
                               " VALUES (2, ?, 'todo')", [coder_id])
    app = create_app(path, "alice")
    assert app.document_id == 2
    app.project.close()


def test_create_app_errors_are_one_line(tmp_path):
    from coder.tui.app import create_app

    with pytest.raises(CoderError, match="no project file"):
        create_app(tmp_path / "missing.db", "alice")
    path = build_project(tmp_path)
    with pytest.raises(CoderError, match="no document #99"):
        create_app(path, "alice", document_id=99)
    with pytest.raises(CoderError, match="coder name"):
        create_app(path, "  ")
    with pytest.raises(CoderError, match="mode"):
        create_app(path, "alice", mode="edit")
    empty = tmp_path / "empty.db"
    Project(empty, create=True).close()
    with pytest.raises(CoderError, match="no documents yet"):
        create_app(empty, "alice")


def test_review_mode_opens_the_review_screen(tmp_path):
    from coder.tui.app import create_app

    path = build_project(tmp_path)
    with pytest.raises(CoderError, match="no coder named 'alice'"):
        create_app(path, "carol", mode="review", review_coders=["alice", "bob"])
    from coder.annotate import apply_code

    with Project(path) as project:
        apply_code(project, "alice", 1, "SEC.WAR", 200, 230)
        apply_code(project, "bob", 1, "SEC.WAR", 210, 240)
    app = create_app(path, "carol", mode="review", review_coders=["alice", "bob"],
                     adjudicator="carol")

    async def body():
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert type(app.screen).__name__ == "ReviewScreen"

    run(body())


def test_bad_keymap_file_is_reported(tmp_path, monkeypatch):
    from coder.tui.app import create_app

    path = build_project(tmp_path)
    keymap = tmp_path / "keymap.toml"
    keymap.write_text('"suggestion.acept" = "y"\n', encoding="utf-8")
    monkeypatch.setenv("CODER_KEYMAP", str(keymap))
    with pytest.raises(CoderError, match="unknown binding id 'suggestion.acept'.*suggestion.accept"):
        create_app(path, "alice")
    keymap.write_text('"suggestion.accept" = \n', encoding="utf-8")
    with pytest.raises(CoderError, match="not valid TOML"):
        create_app(path, "alice")


# -- the command ----------------------------------------------------------------------------------

def test_tui_command_passes_project_coder_and_document(tmp_path, monkeypatch):
    import coder.tui.run
    from coder.cli import main

    calls = []
    monkeypatch.setattr(coder.tui.run, "run_tui",
                        lambda path, coder_name, document_id=None: calls.append(
                            (Path(path).name, coder_name, document_id)))
    path = build_project(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["tui", "-p", str(path), "--coder", "alice", "--doc", "1"])
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("CODER_NAME", "bob")
    result = runner.invoke(main, ["tui", "-p", str(path)])
    assert result.exit_code == 0, result.output
    assert calls == [("tui.db", "alice", 1), ("tui.db", "bob", None)]


def test_tui_command_reports_errors_in_one_line(tmp_path):
    from coder.cli import main

    result = CliRunner().invoke(main, ["tui", "-p", str(tmp_path / "nope.db"), "--coder", "a"])
    assert result.exit_code == 1
    assert "coder:" in result.output and "no project file" in result.output
    assert "Traceback" not in result.output
