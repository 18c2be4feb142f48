"""The audit screen: each drawn suggestion in turn, c / b / w with a reason, stored at once."""

from __future__ import annotations

import pytest

from coder.errors import CoderError
from coder.project import Project
from coder.team.audit import draw_audit
from tests.helpers import build_project, db_rows
from tests.tui.pilot import SIZE, notices, run


@pytest.fixture
def drawn(tmp_path):
    path = build_project(tmp_path)
    with Project(path) as project:
        draw_audit(project, "ana", per_code=5, seed=3)
        draw_audit(project, "ben", per_code=5, seed=3)
    return path


def verdicts(path, judge="ana"):
    return [(r["code_id"], r["verdict"], r["reason"]) for r in db_rows(
        path, "SELECT i.code_id, i.verdict, i.reason FROM audit_items i JOIN coders k"
        " ON k.id = i.judge_id WHERE k.name = ? ORDER BY i.seq", [judge])]


def test_judge_each_item_with_keys_and_a_reason(drawn):
    from coder.tui.app import create_app

    async def body():
        app = create_app(drawn, "ana", mode="audit")
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            first = screen.item
            assert first["code_id"] in screen.query_one("#audit-header").render().plain
            assert first["text"] in screen.query_one("#audit-text").render().plain
            await pilot.press("c")
            assert screen.index == 1
            await pilot.press("r")
            for key in "protocol":
                await pilot.press(key)
            await pilot.press("enter")
            await pilot.press("w")
            await pilot.press("b")
            assert "All 3 items judged" in " ".join(notices(app))
            # Stored before the screen moved on (read through another connection).
            assert verdicts(drawn)[1] == (screen.items[1]["code_id"], "wrong", "protocol")
            await pilot.press("p")              # back to the second one, and take it back
            await pilot.press("0")
            await pilot.press("q")

    run(body())
    stored = verdicts(drawn)
    assert [v for _, v, _ in stored] == ["correct", None, "borderline"]
    # Ben's items are untouched: judges are blind to each other.
    assert all(v is None for _, v, _ in verdicts(drawn, "ben"))


def test_audit_screen_needs_a_draw(tmp_path):
    from coder.tui.app import create_app

    path = build_project(tmp_path)
    with pytest.raises(CoderError, match="no audit items drawn for cy"):
        create_app(path, "cy", mode="audit")
    with Project(path) as project:  # a launch that fails adds no coder
        assert project.rows("SELECT 1 FROM coders WHERE name = 'cy'") == []


def test_previous_turn_set_aside_and_reason_after_the_verdict(tmp_path):
    from coder.tui.app import create_app

    path = build_project(tmp_path)
    with Project(path) as project:
        with project.transaction():
            project.db.execute("UPDATE suggestions SET marked = 1 WHERE code_id = 'SEC.WAR'")
        draw_audit(project, "ana", per_code=5, seed=3)

    async def body():
        app = create_app(path, "ana", mode="audit")
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            war = next(i for i, item in enumerate(screen.items) if item["code_id"] == "SEC.WAR")
            screen.index = war
            screen.show()
            # The answer is shown under the question it answers, and as set aside.
            text = screen.query_one("#audit-text").render().plain
            assert "Guardia Nacional va a depender" in text
            assert text.index("Guardia Nacional") < text.index("guerra contra el narco")
            assert "set aside" in screen.query_one("#audit-header").render().plain
            # Verdict first, reason after: `e` writes the reason of the verdict just given.
            await pilot.press("w")
            assert screen.index != war
            await pilot.press("e")
            for key in "no threat":
                await pilot.press("space" if key == " " else key)
            await pilot.press("enter")
            assert verdicts(path)[war] == ("SEC.WAR", "wrong", "no threat")
            # `r` on a judged item edits its own reason, the verdict stays.
            screen.index = war
            screen.show()
            await pilot.press("r")
            screen.query_one("#audit-reason").value = "a rejected war"
            await pilot.press("enter")
            assert verdicts(path)[war] == ("SEC.WAR", "wrong", "a rejected war")
            assert "reason: a rejected war" in screen.query_one("#audit-text").render().plain
            await pilot.press("q")

    run(body())
    others = [v for i, v in enumerate(verdicts(path)) if v[0] != "SEC.WAR"]
    assert all(verdict is None for _, verdict, _ in others)
