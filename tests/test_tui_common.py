"""The workbench's factory and command, plus the fixtures the other TUI tests share.

TUI tests drive the real app headless (``App.run_test`` and its Pilot) on a small project
written for the tests, and check what matters on the database, through a second
connection: what the screen shows is only trusted once it is stored.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner

from coder.codebook import parse_codebook, store_codebook
from coder.corpus.importer import import_paths
from coder.errors import CoderError
from coder.project import Project, now
from tests.conftest import CODEBOOK, TRANSCRIPT

# A second transcript, written for these tests: another date, a speech with one speaker.
SPEECH = """Mensaje en la inauguración de una clínica rural | Sábado 9 de marzo, 2019
Presidencia de la República
09 de marzo de 2019
---
PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR
Amigas y amigos: esta clínica atenderá a las familias del campo.
La salud no es un privilegio, es un derecho del pueblo.
"""

# (code, phrase of TRANSCRIPT, pattern id): suggestions as the suggestion engine would store them.
SUGGESTIONS = [
    ("DES.ROOT", "atender las causas", "causas"),
    ("SEC.WAR", "guerra contra el narco", "war-phrase"),
    ("DES.NOFORCE", "abrazos, no balazos", "abrazos"),
]


@pytest.fixture(autouse=True)
def no_user_keymap(monkeypatch, tmp_path):
    """Tests see the default keys, whatever keymap the developer running them has."""
    monkeypatch.delenv("CODER_KEYMAP", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))


def run(coroutine):
    """Run a Pilot test body (no async test plugin needed)."""
    return asyncio.run(coroutine)


def add_suggestion(project: Project, document_id: int, code: str, start: int, end: int,
                   pattern: str) -> int:
    """Store one suggestion row (the suggestion engine's output table)."""
    return project.db.execute(
        'INSERT INTO suggestions(document_id, code_id, start, "end", pattern_id, codebook_version,'
        " pipeline, created_at) VALUES (?, ?, ?, ?, ?, 'v', 'test', ?)",
        [document_id, code, start, end, pattern, now()]).lastrowid


def build_project(root: Path, *, suggestions: bool = True, speech: bool = False,
                  codebook: str = CODEBOOK, transcript: str = TRANSCRIPT) -> Path:
    """A project with TRANSCRIPT (document 1), optionally SPEECH (document 2), the test
    codebook and, by default, three suggestions on document 1."""
    folder = root / "corpus" / "2019" / "marzo"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "05--conferencia.txt").write_text(transcript, encoding="utf-8")
    if speech:
        (folder / "09--clinica.txt").write_text(SPEECH, encoding="utf-8")
    path = root / "tui.db"
    with Project(path, create=True) as project:
        import_paths(project, [root / "corpus"])
        store_codebook(project, parse_codebook(codebook))
        if suggestions:
            text = project.db.execute("SELECT text FROM documents WHERE id = 1").fetchone()[0]
            for code, phrase, pattern in SUGGESTIONS:
                start = text.index(phrase)
                add_suggestion(project, 1, code, start, start + len(phrase), pattern)
    return path


SIZE = (140, 40)  # the terminal size of the workbench tests and snapshots


def db_rows(path: Path, sql: str, params: list | tuple = ()) -> list[dict]:
    """Rows read through a new connection: proof that the change was committed."""
    with Project(path) as project:
        return project.rows(sql, params)


def codings(path: Path, coder: str = "alice") -> list[tuple[str, str]]:
    """The coder's live annotations as (code, covered text), in text order."""
    rows = db_rows(path, 'SELECT a.code_id, substr(d.text, a.start + 1, a."end" - a.start) AS t'
                   " FROM annotations a JOIN documents d ON d.id = a.document_id"
                   " JOIN coders k ON k.id = a.coder_id WHERE k.name = ? AND a.deleted = 0"
                   ' ORDER BY a.start, a."end"', [coder])
    return [(r["code_id"], r["t"]) for r in rows]


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
