"""Code management from the workbench's command palette (issue #13, item 4): rename, merge,
split, rekey, undo — each a new codebook version in the database, the screen following."""

from __future__ import annotations

from coder.project import Project
from coder.tui.app import create_app
from coder.tui.screens.codebook_edit import new_code_id
from coder.tui.widgets.codebook_tree import CodebookTree
from tests.helpers import codings, db_rows
from tests.tui.pilot import SIZE, find, keys, run, screen


async def palette(pilot, command: str) -> None:
    await pilot.press("ctrl+p", *keys(command))
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


def _tree_labels(app) -> list[str]:
    tree = app.screen.query_one(CodebookTree)
    return [str(tree.get_node_at_line(i).label) for i in range(tree.last_line + 1)]


def test_rename_from_the_palette_renames_the_code_on_the_card(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "mando civil")
            await pilot.press("1")  # the card: SEC.WAR, the first code the picker offers
            await palette(pilot, "code: rename")
            await pilot.press("enter")  # the code on the card
            await pilot.pause()
            await pilot.press("ctrl+u", *keys("War talk"), "enter")
            await pilot.pause()
            assert any("War talk" in label for label in _tree_labels(app))
            assert screen(app).code_by_id["SEC.WAR"].name == "War talk"
        rows = db_rows(tui_project, "SELECT name FROM codes WHERE id = 'SEC.WAR'")
        assert rows == [{"name": "War talk"}]
        assert codings(tui_project) == [("SEC.WAR", "mando civil")]  # the coding stays

    run(body())


def test_merge_from_the_palette_moves_codings_and_undo_brings_them_back(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "mando civil")
            await pilot.press("2")  # DES.NOFORCE
            await palette(pilot, "code: merge")
            await pilot.press(*keys("no force"), "enter")
            await pilot.pause()
            await pilot.press(*keys("root causes"), "enter")
            await pilot.pause()
            # The question wraps: the target's name and the count are not cut off.
            from textual.widgets import Label

            question = app.screen.query(Label).first()
            assert "into Root causes (DES.ROOT)" in str(question.render())
            assert question.size.height >= 2
            await pilot.press("y")  # the confirmation says how many codings move
            await pilot.pause()
            assert codings(tui_project) == [("DES.ROOT", "mando civil")]
            assert "DES.NOFORCE" not in screen(app).code_by_id  # retired: not in the tree
            assert not any("No force" in label for label in _tree_labels(app))
            await palette(pilot, "undo the last codebook")
            assert codings(tui_project) == [("DES.NOFORCE", "mando civil")]
            assert "DES.NOFORCE" in screen(app).code_by_id
            # Its key works again after the undo.
            await find(pilot, "la estrategia de paz")
            await pilot.press("2")
        assert ("DES.NOFORCE", "la estrategia de paz") in codings(tui_project)

    run(body())


def test_split_and_rekey_from_the_palette(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "mando civil")
            await pilot.press("3")
            await find(pilot, "la estrategia de paz")
            await pilot.press("3")
            # The cursor sits on the segment just coded: split it off into a new code.
            await palette(pilot, "code: split")
            await pilot.press(*keys("Peace strategy"), "enter")
            await pilot.pause()
            assert sorted(codings(tui_project)) == [("DES.PEACE", "la estrategia de paz"),
                                                    ("DES.ROOT", "mando civil")]
            assert screen(app).code_by_id["DES.PEACE"].parent == "DES"
            await palette(pilot, "code: rekey")
            await pilot.press(*keys("peace"), "enter")
            await pilot.pause()
            await pilot.press("8", "enter")
            await pilot.pause()
            await find(pilot, "la delincuencia")
            await pilot.press("8")  # the new key codes at once
        assert ("DES.PEACE", "la delincuencia") in codings(tui_project)
        with Project(tui_project) as project:
            events = [row["after"] for row in project.rows(
                "SELECT after FROM events WHERE action = 'codebook-edit' ORDER BY id")]
        assert '"split"' in events[0] and '"rekey"' in events[1]

    run(body())


def test_new_code_ids_come_from_the_parent_and_the_name():
    assert new_code_id("SEC.MARK", "Siege talk", set()) == "SEC.MARK.SIEGE"
    assert new_code_id(None, "Ñandú ópera", set()) == "NANDU"
    assert new_code_id("DES", "Peace", {"DES.PEACE"}) == "DES.PEACE2"
