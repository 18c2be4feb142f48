"""Workbench bugs found by a hostile pass: `s` after a search, the toast after the code
picker, a project with no codebook, the review table's status column and the held-back
line of retrieval."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.geometry import Region
from textual.widgets import DataTable, Static

from coder.corpus.importer import import_paths
from coder.project import Project
from coder.team.coders import add_coders
from coder.team.sample import draw_sample
from coder.tui.app import create_app
from coder.tui.screens.coding import CodingScreen
from coder.tui.screens.retrieval import RetrievalScreen
from coder.tui.widgets.code_card import CodeCard
from coder.tui.widgets.codebook_tree import CodebookTree
from coder.tui.widgets.status import StatusBar
from tests.helpers import CODEBOOK, TRANSCRIPT, build_project, code_phrase, codings, make_project
from tests.tui.pilot import SIZE, ReviewTestApp, keys, notices, run, selected, view

GUERRA = "Va a tener mando civil, y se acabó la guerra contra el narco."


def drawn(widget) -> str:
    """The text ``widget`` draws on screen, line by line."""
    width, height = widget.size
    strips = widget.render_lines(Region(0, 0, width, height))
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


# -- 1. `s` with a selection takes the whole sentences it touches --------------------------------

def test_sentence_key_after_a_search_selects_the_whole_sentence(tui_project):
    """`/guerra` enter, esc, `s`: the sentence of the hit from its first word, not from the
    hit to the sentence's end."""
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("slash", *keys("guerra"), "enter", "escape")
            assert selected(app) == "guerra"
            await pilot.press("s")
            assert selected(app) == GUERRA
            await pilot.press("1")
        assert codings(tui_project) == [("SEC.WAR", GUERRA)]

    run(body())


def test_sentence_key_takes_every_sentence_a_selection_touches(tui_project):
    """A selection across a sentence break, made either way (cursor at its end or at its
    start): `s` selects from the first sentence's start to the last one's end."""
    both = "Buenos días. Hoy vamos a informar sobre la estrategia de paz."

    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("slash", *keys("días. Hoy"), "escape", "s")
            assert selected(app) == both
            start = TRANSCRIPT.index("Hoy vamos")
            view(app).place_cursor(start + 3)
            await pilot.press(*["shift+left"] * 8, "s")  # backwards: "días. Hoy"
            assert selected(app) == both

    run(body())


# -- 2. the code picker's toast says what was coded, no Caps Lock --------------------------------

@pytest.mark.parametrize("key,query,name", [("T", "war", "War framing"),
                                            ("S", "no force", "No force")])
def test_picker_coding_with_a_capital_key_code_says_no_caps_lock(tmp_path, key, query, name):
    """A code whose key is a capital (`T`: `t` selects a turn; `S`: `s` a sentence), chosen
    in the picker by name: coded, and the message says so, without a Caps Lock hint."""
    book = CODEBOOK.replace('key: "1"' if key == "T" else 'key: "2"', f'key: "{key}"')
    path = build_project(tmp_path, codebook=book, suggestions=False)

    async def body():
        app = create_app(path, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("slash", *keys("Hoy vamos"), "escape", "s")
            await pilot.press("c", *keys(query), "enter")
            await pilot.pause()
            code_id = "SEC.WAR" if key == "T" else "DES.NOFORCE"
            assert codings(path) == [(code_id, "Hoy vamos a informar sobre la estrategia de paz.")]
            assert not [n for n in notices(app) if "Caps Lock" in n], notices(app)
            assert any(n.startswith(f"Coded {name}") for n in notices(app)), notices(app)
            # The key itself still warns: a capital typed may be Caps Lock.
            await pilot.press("slash", *keys("mando civil"), "escape", key)
            await pilot.pause()
            assert len(codings(path)) == 2
            assert any("Caps Lock" in n for n in notices(app)), notices(app)

    run(body())


# -- 3. cosmetics ---------------------------------------------------------------------------------

def test_no_codebook_says_how_to_load_one(tmp_path):
    """A project with documents and no codebook: the status line, the card and the tree
    say so, and `c` says how to load one rather than opening an empty picker."""
    folder = tmp_path / "corpus" / "2019" / "marzo"
    folder.mkdir(parents=True)
    (folder / "05--conferencia.txt").write_text(TRANSCRIPT, encoding="utf-8")
    path = tmp_path / "empty.db"
    with Project(path, create=True) as project:
        import_paths(project, [tmp_path / "corpus"])

    async def body():
        app = create_app(path, "alice")
        async with app.run_test(size=SIZE) as pilot:
            load = "coder codebook load FILE.yaml"
            assert "no codebook loaded" in drawn(app.screen.query_one(StatusBar))
            assert "suggestions on" not in drawn(app.screen.query_one(StatusBar))
            assert load in app.screen.query_one(CodeCard).text.plain
            tree = app.screen.query_one(CodebookTree)
            assert "no codebook" in str(tree.root.children[0].label)
            await pilot.press("slash", *keys("Hoy vamos"), "escape", "s", "c")
            await pilot.pause()
            assert isinstance(app.screen, CodingScreen)  # no empty picker
            assert any(load in n for n in notices(app)), notices(app)

    run(body())


@pytest.mark.parametrize("size", [(80, 24), SIZE])
def test_review_status_column_shows_settled_whole(tmp_path, size):
    """Settling a disagreement writes "settled" in a column first sized by "open" rows."""
    with make_project(tmp_path, documents=2, coders=("alice", "bob")) as project:
        noforce = "No vamos a combatir el fuego con fuego."
        code_phrase(project, "alice", 1, "DES.NOFORCE", noforce)
        code_phrase(project, "bob", 1, "DES.NOFORCE", noforce, trim=(3, 0))

        async def body():
            app = ReviewTestApp(project, ["alice", "bob"], "dana")
            async with app.run_test(size=size) as pilot:
                await pilot.pause()
                table = app.screen.query_one("#review-queue", DataTable)
                await pilot.press("1")
                await pilot.pause()
                assert [d.settled for d in app.screen.items] == [True]
                table.scroll_to(x=table.max_scroll_x, animate=False)
                await pilot.pause()
                assert "settled" in drawn(table), drawn(table)

        run(body())


def test_retrieval_wraps_the_held_back_line(tmp_path):
    """Others' codings held back for blind coding: the whole note is on screen, wrapped
    (at 140 columns it is about twice as long)."""
    path = build_project(tmp_path)
    with Project(path) as project:
        add_coders(project, ["alice", "bob"])
        draw_sample(project, ["alice", "bob"], size="1", seed=1)
        code_phrase(project, "bob", 1, "SEC.WAR", "guerra contra el narco")

    async def body():
        with Project(path) as project:
            app = RetrievalApp(RetrievalScreen(project, "alice", "SEC", "Securitizing move",
                                               filter_line=""))
            async with app.run_test(size=SIZE) as pilot:
                await pilot.pause()
                note = app.screen.query_one("#retrieval-note", Static)
                shown = " ".join(drawn(note).split())
                assert shown.startswith("held back 1 coding(s) of others"), shown
                assert shown.endswith("in the workbench with a reason)"), shown

    run(body())


class RetrievalApp(App):
    """A minimal app that opens one retrieval screen."""

    def __init__(self, screen):
        super().__init__()
        self.retrieval = screen

    def on_mount(self) -> None:
        self.push_screen(self.retrieval)


# -- undo and redo with nothing to take back say so in plain words ---------------------------------

def test_undo_and_redo_with_nothing_to_do_say_nothing_to_undo_or_redo(tui_project):
    """`u` and ctrl+r with an empty history said "Nothing to undone." / "Nothing to
    redone." (the message was made from the past tense of the verb)."""

    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("u")
            await pilot.pause()
            assert "Nothing to undo." in notices(app)
            await pilot.press("ctrl+r")
            await pilot.pause()
            assert "Nothing to redo." in notices(app)
            assert not [n for n in notices(app) if "undone" in n or "redone" in n]

    run(body())
