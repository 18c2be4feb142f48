"""Memos in the workbench (issue #13, item 5): marks in the text, memos on codes from the
command palette, the memo panel; every change checked in the database."""

from __future__ import annotations

from coder.memos import list_memos
from coder.project import Project
from coder.tui.app import create_app
from coder.tui.widgets.memo_panel import MemoPanel
from tests.helpers import db_rows
from tests.tui.pilot import SIZE, find, keys, run, screen, view


def _line_text(app, line: int) -> str:
    strip = view(app)._render_text(line, view(app).scrollable_content_region.width)
    return "".join(segment.text for segment in strip)


def test_a_segment_memo_marks_its_line_and_undo_takes_it_away(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "mando civil")
            await pilot.press("2")
            layout = view(app).text_layout
            end = screen(app).own[0]["end"]
            line = layout.line_of(end - 1)
            assert "✎" not in _line_text(app, line)
            await pilot.press("m", *keys("civil, not military"), "ctrl+s")
            await pilot.pause()
            assert db_rows(tui_project, "SELECT memo FROM annotations") == [
                {"memo": "civil, not military"}]
            assert "✎" in _line_text(app, line)
            # Only that line is marked.
            assert view(app)._memo_lines == {line}
            await pilot.press("u")
            await pilot.pause()
            assert "✎" not in _line_text(app, line)

    run(body())


def test_ctrl_k_writes_the_memo_on_the_code_on_the_card(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "mando civil")
            await pilot.press("2")  # the card shows DES.NOFORCE
            await pilot.press("ctrl+k", *keys("civil command, not force"), "ctrl+s")
            await pilot.pause()
            await pilot.press("ctrl+k")  # again: the editor opens with the memo in it
            await pilot.pause()
            assert "civil command, not force" in app.screen.query_one("TextArea").text
        with Project(tui_project) as project:
            rows = list_memos(project, on=["code"])
        assert [(r["code_id"], r["memo"]) for r in rows] == [
            ("DES.NOFORCE", "civil command, not force")]

    run(body())


def test_a_memo_from_a_refi_import_or_merge_marks_its_segment(tui_project):
    """A REFI import and a team merge keep a segment's memo in the memos table, not on the
    annotation: its line gets the ✎ too (alice's own; bob's once others are shown)."""
    from coder.annotate import apply_code
    from tests.helpers import phrase_span

    with Project(tui_project) as project:
        mine = apply_code(project, "alice", 1, "DES.NOFORCE", *phrase_span(project, 1, "mando civil"))
        theirs = apply_code(project, "bob", 1, "SEC.WAR", *phrase_span(project, 1, "Guardia Nacional"))
        with project.transaction():
            for row, coder in ((mine, "alice"), (theirs, "bob")):
                project.db.execute(
                    "INSERT INTO memos(uuid, document_id, annotation_id, coder_id, text,"
                    " created_at, updated_at) VALUES (?, 1, ?, ?, 'imported', '', '')",
                    [f"u{row['id']}", row["id"], project.coder_id(coder)])

    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            layout = view(app).text_layout
            assert view(app)._memo_lines == {layout.line_of(mine["end"] - 1)}
            await pilot.press("o")                 # bob's codings shown: his memo'd line too
            await pilot.pause()
            assert view(app)._memo_lines == {layout.line_of(mine["end"] - 1),
                                             layout.line_of(theirs["end"] - 1)}

    run(body())


def test_memo_on_the_current_code_from_the_palette(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "mando civil")
            await pilot.press("2")  # the card now shows the code just applied (DES.NOFORCE)
            await pilot.press("ctrl+p", *keys("memo on the current code"))
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press(*keys("is this really war?"), "ctrl+s")
            await pilot.pause()
        with Project(tui_project) as project:
            rows = list_memos(project, on=["code"])
        assert [(r["code_id"], r["coder"], r["memo"]) for r in rows] == [
            ("DES.NOFORCE", "alice", "is this really war?")]

    run(body())


def test_memo_panel_lists_memos_and_enter_jumps_to_a_segment(tui_project):
    from coder.annotate import apply_code, update_annotation
    from coder.memos import memo_on

    with Project(tui_project) as project:
        text = project.db.execute("SELECT text FROM documents WHERE id = 1").fetchone()[0]
        start = text.index("abrazos, no balazos")
        row = apply_code(project, "alice", 1, "DES.NOFORCE", start, start + 19)
        update_annotation(project, "alice", row["id"], memo="a slogan")
        memo_on(project, "alice", "first reading", document_id=1)
        memo_on(project, "alice", "hugs as policy", code="DES.NOFORCE")
        memo_on(project, "alice", "not used here", code="DES.ROOT")
        memo_on(project, "bob", "bob's note", document_id=1)

    async def body():
        app = create_app(tui_project, "alice", document_id=1)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+home", "ctrl+n")
            await pilot.pause()
            panel = app.screen.query_one(MemoPanel)
            assert panel.display and panel.has_focus
            memos = sorted(r["memo"] for r in panel.memos.values())
            # Blind by default: bob's memo is not shown; DES.ROOT is not used here.
            assert memos == ["a slogan", "first reading", "hugs as policy"]
            order = [panel.memos[key.value]["on"] for key in panel.rows]
            segment_row = order.index("segment")
            await pilot.press(*["down"] * segment_row, "enter")
            await pilot.pause()
            assert view(app).selection == (start, start + 19)
            assert view(app).has_focus
            await pilot.press("ctrl+n")  # hidden again: the segment list is back
            assert not panel.display

    run(body())


def test_memo_panel_and_marks_snapshot(tmp_path, snap_compare):
    """The panel open over the segment list, a ✎ at the end of the memo'd segment's line."""
    from coder.annotate import apply_code, update_annotation
    from coder.memos import memo_on
    from tests.helpers import build_project

    path = build_project(tmp_path, speech=True)
    with Project(path) as project:
        text = project.db.execute("SELECT text FROM documents WHERE id = 1").fetchone()[0]
        start = text.index("No vamos a responder")
        row = apply_code(project, "alice", 1, "SEC.WAR", start, start + 36)
        update_annotation(project, "alice", row["id"], memo="Refusal of war, said as war.")
        memo_on(project, "alice", "A press question opens the security topic.", document_id=1)
        memo_on(project, "alice", "Keep apart from metaphors of struggle.", code="SEC.WAR")
    app = create_app(path, "alice", document_id=1)
    assert snap_compare(app, terminal_size=SIZE, press=["ctrl+n"])
