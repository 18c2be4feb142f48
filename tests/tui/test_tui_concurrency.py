"""Two coders on one project file at once (WAL): both writes land, each sees their own."""

from __future__ import annotations

from coder.annotate import apply_code, remove_annotation
from coder.project import Project
from coder.tui.app import create_app
from tests.helpers import TRANSCRIPT, codings
from tests.tui.pilot import SIZE, find, run, screen


def test_two_workbenches_on_one_file(tui_project):
    async def body():
        alice = create_app(tui_project, "alice")
        bob = create_app(tui_project, "bob")
        async with alice.run_test(size=SIZE) as a, bob.run_test(size=SIZE) as b:
            await find(a, "mando civil")
            await find(b, "se acabó la guerra")
            await a.press("3")
            await b.press("1")
            await find(a, "abrazos")
            await a.press("2")
            # Each screen shows its own coder's work only (blind coding) ...
            assert [x["code_id"] for x in screen(alice).own] == ["DES.ROOT", "DES.NOFORCE"]
            assert [x["code_id"] for x in screen(bob).own] == ["SEC.WAR"]
            assert screen(alice).others == [] and screen(bob).others == []
            # ... and one key shows the other's, read from the shared file.
            await a.press("o")
            assert [x["coder"] for x in screen(alice).others] == ["bob"]
            # Undo is per coder: bob's undo never touches alice's codings.
            await b.press("u")
        assert codings(tui_project, "alice") == [("DES.ROOT", "mando civil"),
                                                 ("DES.NOFORCE", "abrazos")]
        assert codings(tui_project, "bob") == []

    run(body())


def test_workbench_and_a_second_connection_interleave(tui_project):
    """A script (or the CLI) writing through its own connection while a coder works."""

    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "Guardia Nacional")
            with Project(tui_project) as other:
                start = TRANSCRIPT.index("Con su permiso")
                row = apply_code(other, "carol", 1, "DES.ROOT", start, start + 14)
                await pilot.press("1")  # alice writes while carol's connection is open
                remove_annotation(other, "carol", row["id"])
                apply_code(other, "carol", 1, "SEC.WAR", start, start + 6)
            await pilot.press("o")
            assert [(x["coder"], x["code_id"]) for x in screen(app).others] == [("carol", "SEC.WAR")]
        assert codings(tui_project, "alice") == [("SEC.WAR", "Guardia Nacional")]
        assert codings(tui_project, "carol") == [("SEC.WAR", "Con su")]

    run(body())
