"""The documents screen, the help screen, the command palette and the user's keymap."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from coder.annotate import apply_code
from coder.project import Project
from coder.tui.app import create_app
from coder.tui.screens.coding import CodingScreen
from coder.tui.screens.documents import DocumentsScreen, date_matches
from coder.tui.screens.help import HelpScreen
from tests.helpers import build_project, codings
from tests.tui.pilot import SIZE, find, keys, run, screen, selected, view


@pytest.fixture
def two_documents(tmp_path: Path) -> Path:
    path = build_project(tmp_path, speech=True)
    with Project(path) as project:
        apply_code(project, "alice", 1, "SEC.WAR", 200, 210)
    return path


def table_ids(app) -> list[int]:
    table = app.screen.query_one(DataTable)
    return [int(key.value) for key in table.rows]


# -- documents ------------------------------------------------------------------------------------

def test_date_filter():
    assert date_matches("2019-03-05", "2019-03")
    assert not date_matches("2019-03-05", "2019-04")
    assert date_matches("2019-03-05", "2019-03-01..2019-03-31")
    assert date_matches("2019-03-05", "..2019-03")
    assert not date_matches("2019-03-05", "2019-03-06..")
    assert not date_matches(None, "2019")
    assert date_matches(None, "")


def test_documents_screen_filters_and_opens(two_documents):
    async def body():
        app = create_app(two_documents, "alice", document_id=1)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+o")
            assert isinstance(app.screen, DocumentsScreen)
            assert table_ids(app) == [1, 2]
            statuses = [str(row[-1]) for row in (app.screen.query_one(DataTable).get_row(k)
                                                 for k in ("1", "2"))]
            assert statuses == ["in progress", "not started"]
            app.screen.query_one("#date", Input).value = "2019-03-09"
            await pilot.pause()
            assert table_ids(app) == [2]
            app.screen.query_one("#date", Input).value = ""
            await pilot.pause()
            # Speaker filter: the Secretary of Defence speaks only in document 1.
            app.screen.query_one("#speaker", Input).value = "defensa"
            await pilot.pause()
            assert table_ids(app) == [1]
            app.screen.query_one("#speaker", Input).value = ""
            await pilot.pause()
            # Full text: words of the speech, case and accents ignored.
            await pilot.press("ctrl+f", *keys("clinica"), "enter")
            assert table_ids(app) == [2]
            await pilot.press("enter")  # open it
            assert isinstance(app.screen, CodingScreen)
            assert screen(app).document_id == 2
            assert view(app).text.startswith("Mensaje en la inauguración")
            await find(pilot, "un derecho")
            await pilot.press("3")
        assert codings(two_documents)[-1] == ("DES.ROOT", "un derecho")
        with Project(two_documents) as project:
            assert project.rows("SELECT document_id FROM annotations WHERE code_id = 'DES.ROOT'"
                                ) == [{"document_id": 2}]

    run(body())


def test_documents_screen_escape_keeps_the_document(two_documents):
    async def body():
        app = create_app(two_documents, "alice", document_id=1)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+o", "escape")
            assert isinstance(app.screen, CodingScreen) and screen(app).document_id == 1

    run(body())


# -- help -----------------------------------------------------------------------------------------

def help_rows(app) -> dict[str, str]:
    from coder.tui.screens.help import binding_rows, screen_sources

    coding = next(s for s in app.screen_stack if isinstance(s, CodingScreen))
    rows = binding_rows(screen_sources(coding), app._keymap, app.get_key_display)
    return {description: key for _group, key, description, _id in rows}


def test_help_lists_every_binding_from_the_bindings(tui_project):
    from coder.tui.keymap import ALL_KEYS

    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            rows = help_rows(app)
            shown = {spec.description for spec in ALL_KEYS if not spec.id.startswith("documents")}
            assert shown <= set(rows)
            assert rows["Accept the suggestion"] == "a"
            assert rows["Code: War framing"] == "1"   # the codes' keys, from the codebook
            assert rows["Undo your last change"] == "u"
            await pilot.press("escape")
            assert isinstance(app.screen, CodingScreen)

    run(body())


def test_keymap_file_remaps_a_binding(tui_project, tmp_path, monkeypatch):
    keymap = tmp_path / "keymap.toml"
    keymap.write_text('"suggestion.accept" = "y"\n"select.sentence" = ["s", "ctrl+s"]\n',
                      encoding="utf-8")
    monkeypatch.setenv("CODER_KEYMAP", str(keymap))

    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("n", "a")       # `a` is no longer accept
            assert codings(tui_project) == []
            await pilot.press("y")
            assert codings(tui_project) == [("DES.ROOT", "atender las causas")]
            await find(pilot, "Va a tener")
            await pilot.press("escape", "ctrl+s")
            assert selected(app) == "Va a tener mando civil, y se acabó la guerra contra el narco."
            await pilot.press("question_mark")
            assert help_rows(app)["Accept the suggestion"] == "y"

    run(body())


def test_a_code_key_never_takes_a_workbench_key(tui_project, tmp_path, monkeypatch):
    # The codebook validator keeps codes off the workbench's default keys; a keymap can
    # still move a command onto a code's key.  The command keeps it, and says so.
    keymap = tmp_path / "keymap.toml"
    keymap.write_text('"view.others" = "3"\n', encoding="utf-8")
    monkeypatch.setenv("CODER_KEYMAP", str(keymap))

    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            assert screen(app).key_clashes == ["DES.ROOT key '3' is a workbench key"]
            await find(pilot, "mando civil")
            await pilot.press("3")
            assert screen(app).show_others is True
        assert codings(tui_project) == []

    run(body())


# -- the command palette --------------------------------------------------------------------------

def test_palette_applies_a_code_and_runs_commands(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "mando civil")
            await pilot.press("ctrl+p", *keys("no force"))
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            assert codings(tui_project) == [("DES.NOFORCE", "mando civil")]
            await pilot.press("ctrl+p", *keys("undo your"))
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            assert codings(tui_project) == []

    run(body())


def test_palette_jumps_to_a_document(tmp_path):
    path = build_project(tmp_path, speech=True)

    async def body():
        app = create_app(path, "alice", document_id=1)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+p", *keys("doc clinica"))
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            assert screen(app).document_id == 2

    run(body())
