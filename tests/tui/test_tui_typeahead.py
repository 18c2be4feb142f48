"""Keys typed in one fast burst after a key that opens a prompt (`/` search, `c` picker,
`m` memo, the audit's and the review's `r` reason) go to that prompt, never to the screen's
own keys: the burst "/guerra" once rejected two suggestions and accepted one (its `r`s and
`a` reached the coding screen before the search field had the focus).

Each burst is queued whole before the app handles its first key (``pilot.burst``), as a
terminal delivers fast typing; ``pilot.press`` would wait for the app between keys."""

from __future__ import annotations

from textual.widgets import Input, TextArea

from coder.project import Project
from coder.team.audit import draw_audit
from coder.tui.app import create_app
from coder.tui.screens.audit import AuditScreen
from coder.tui.screens.coding import CodingScreen
from coder.tui.screens.pickers import MemoEditor, Picker
from tests.helpers import build_project, code_phrase, codings, db_rows, make_project
from tests.tui.pilot import SIZE, ReviewTestApp, burst, run, selected, settle

GUERRA = "Va a tener mando civil, y se acabó la guerra contra el narco."


def decisions(path) -> list[tuple[str, str]]:
    """The suggestion decisions stored (read through another connection)."""
    return [(r["code_id"], r["decision"]) for r in db_rows(
        path, "SELECT code_id, decision FROM decisions ORDER BY id")]


def annotations(path) -> int:
    """How many annotations the project holds, live or deleted."""
    return db_rows(path, "SELECT count(*) AS n FROM annotations")[0]["n"]


def test_search_takes_a_fast_burst_and_codes_nothing(tui_project):
    """`n` (a suggestion is current: `a` would accept it, `r` reject it), then "/guerra"
    in one burst: the search field holds "guerra", its hit is selected, and nothing was
    decided or coded."""
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("n")
            assert app.screen.query_one("DocumentView").current_suggestion is not None
            burst(app, "/guerra")
            await settle(pilot)
            search = app.screen.query_one("#search", Input)
            assert search.value == "guerra"
            assert app.focused is search
            assert selected(app) == "guerra"
        assert decisions(tui_project) == []
        assert annotations(tui_project) == 0

    run(body())


def test_keys_after_escape_in_a_burst_go_back_to_the_text(tui_project):
    """"/guerra", escape, `s` in one burst: `s` selects the hit's sentence (it is not typed
    into the closed search field)."""
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            burst(app, "/guerra\x1bs")
            await settle(pilot)
            assert app.screen.query_one("#search", Input).value == "guerra"
            assert selected(app) == GUERRA
        assert annotations(tui_project) == 0

    run(body())


def test_prompt_keys_are_text_in_the_search_field(tui_project):
    """With the search field open, the keys that open prompts (`c` picker, `m` memo, `x`,
    `;`, `/`) are typed into it like any other."""
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("slash", "c", "m", "x", "semicolon", "slash")
            assert isinstance(app.screen, CodingScreen)
            assert app.screen.query_one("#search", Input).value == "cmx;/"

    run(body())


def test_code_picker_takes_a_fast_burst(tui_project):
    """`s`, then "cwar" and enter in one burst: the picker filters on "war" and codes the
    sentence as War framing."""
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("n", "escape")  # onto the SEC.WAR suggestion's sentence
            await pilot.press("s")
            sentence = selected(app)
            burst(app, "cwar")
            await settle(pilot)
            assert isinstance(app.screen, Picker)
            assert app.screen.query_one(Input).value == "war"
            burst(app, "\r")
            await settle(pilot)
            assert isinstance(app.screen, CodingScreen)
        assert [code for code, _ in codings(tui_project)] == ["SEC.WAR"]
        assert codings(tui_project)[0][1] == sentence
        assert decisions(tui_project) == []

    run(body())


def test_memo_box_takes_a_fast_burst(tui_project):
    """`m` and a memo in one burst: the whole memo is in the editor."""
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("n")
            burst(app, "marranque")
            await settle(pilot)
            assert isinstance(app.screen, MemoEditor)
            assert app.screen.query_one(TextArea).text == "arranque"
        assert decisions(tui_project) == []

    run(body())


def test_audit_reason_takes_a_fast_burst(tmp_path):
    """`r` and "correct" in one burst: the reason field holds "correct" and no item was
    judged (`c` judges correct)."""
    path = build_project(tmp_path)
    with Project(path) as project:
        draw_audit(project, "ana", per_code=5, seed=3)

    async def body():
        app = create_app(path, "ana", mode="audit")
        async with app.run_test(size=SIZE) as pilot:
            assert isinstance(app.screen, AuditScreen)
            burst(app, "rcorrect")
            await settle(pilot)
            field = app.screen.query_one("#audit-reason", Input)
            assert field.value == "correct"
            assert app.focused is field

    run(body())
    assert db_rows(path, "SELECT count(*) AS n FROM audit_items WHERE verdict IS NOT NULL"
                   )[0]["n"] == 0


def test_review_reason_takes_a_fast_burst(tmp_path):
    """`r` and "1u0" in one burst on the review screen: the reason holds "1u0", nothing is
    settled (`1` takes coder 1's version, `u` the union)."""
    noforce = "No vamos a combatir el fuego con fuego."
    with make_project(tmp_path, documents=1, coders=("alice", "bob")) as project:
        code_phrase(project, "alice", 1, "DES.NOFORCE", noforce)
        code_phrase(project, "bob", 1, "DES.NOFORCE", noforce, trim=(3, 0))

        async def body():
            app = ReviewTestApp(project, ["alice", "bob"], "dana")
            async with app.run_test(size=SIZE) as pilot:
                await pilot.pause()
                burst(app, "r1u0")
                await settle(pilot)
                assert app.screen.query_one("#review-prompt", Input).value == "1u0"

        run(body())
        gold = project.rows("SELECT a.id FROM annotations a JOIN coders k ON k.id = a.coder_id"
                            " WHERE k.is_gold = 1")
    assert gold == []



def test_every_priority_key_of_a_screen_stands_down_while_typing():
    """A key that opens a prompt is a priority binding (it runs before the keys typed after
    it are routed); when it is a key that can be typed, its action must let it be typed
    while a text field has the focus (``opens_prompt``), or `c` typed in the search field
    would open the code picker."""
    from coder.tui.screens.documents import DocumentsScreen
    from coder.tui.screens.retrieval import RetrievalScreen
    from coder.tui.screens.review import ReviewScreen

    checked = 0
    for screen in (CodingScreen, AuditScreen, ReviewScreen, DocumentsScreen, RetrievalScreen):
        for binding in screen.BINDINGS:
            typed = [key for key in binding.key.split(",") if "+" not in key]
            if binding.priority and typed:
                name = binding.action.split("(")[0]
                action = getattr(screen, f"action_{name}")
                assert getattr(action, "opens_prompt", False), (screen.__name__, name)
                checked += 1
    assert checked >= 9
