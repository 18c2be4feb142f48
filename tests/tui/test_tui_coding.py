"""The coding screen, driven by keys and the mouse; every change is checked in the database."""

from __future__ import annotations

from coder.annotate import apply_code, document_annotations
from coder.project import Project
from coder.tui.app import create_app
from coder.tui.screens.coding import CodingScreen
from coder.tui.widgets.document_view import DocumentView
from tests.helpers import TRANSCRIPT, add_suggestion, build_project, codings, db_rows
from tests.tui.pilot import SIZE, find, keys, run, screen, selected, view

# -- selecting and applying -----------------------------------------------------------------------

def test_code_key_applies_to_the_selection(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "la estrategia de paz")
            assert selected(app) == "la estrategia de paz"
            await pilot.press("3")
            assert codings(tui_project) == [("DES.ROOT", "la estrategia de paz")]
            assert view(app).selection is None  # applied: the selection is spent
            # The screen shows what is stored: one segment row, the span coloured.
            assert len(screen(app).own) == 1
            assert [s.code for s in view(app).own_spans_at(view(app).cursor - 1)] == ["DES.ROOT"]

    run(body())


def test_shift_arrows_select_characters_and_words(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("right_curly_bracket")  # the first uncoded answer: ¶1
            assert view(app).text[view(app).cursor:].startswith("Buenos días")
            await pilot.press(*["shift+right"] * 6)
            assert selected(app) == "Buenos"
            await pilot.press("ctrl+shift+right")  # selecting by words takes whole words
            assert selected(app) == "Buenos días"
            await pilot.press("ctrl+shift+right", "ctrl+shift+left")
            assert selected(app) == "Buenos días. "
            await pilot.press("1")
            await pilot.press("ctrl+down")  # next paragraph, then v-anchor selection
            await pilot.press("v", "ctrl+right", "ctrl+right", "ctrl+right")
            assert selected(app) == "No vamos a "
            await pilot.press("2")
        # Trailing spaces and punctuation of a selection are never coded.
        assert codings(tui_project) == [("SEC.WAR", "Buenos días."), ("DES.NOFORCE", "No vamos a")]

    run(body())


def test_sentence_and_turn_selection(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "Hoy vamos")
            await pilot.press("s")
            assert selected(app) == "Hoy vamos a informar sobre la estrategia de paz."
            await pilot.press("1")
            await find(pilot, "No vamos")
            await pilot.press("s", "s")  # again: the next sentence joins (here: none in ¶)
            await pilot.press("escape", "left", "t")
            await pilot.press("2")
        turn = TRANSCRIPT.split("---\n")[1].split("\n", 1)[1].strip()
        assert codings(tui_project) == [("DES.NOFORCE", turn),
                                        ("SEC.WAR", "Hoy vamos a informar sobre la estrategia de paz.")]

    run(body())


def test_sentence_again_adds_the_next_sentence(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "Con su permiso")
            await pilot.press("s")
            assert selected(app) == "Con su permiso, señor presidente."
            await pilot.press("s")
            assert selected(app) == ("Con su permiso, señor presidente. "
                                     "Presento el avance del reclutamiento.")
            await pilot.press("3")
        assert codings(tui_project)[0][1].endswith("reclutamiento.")

    run(body())


def test_picker_applies_the_chosen_code(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "mando civil")
            await pilot.press("c", *keys("root"), "enter")
            assert codings(tui_project) == [("DES.ROOT", "mando civil")]
            await find(pilot, "Guardia Nacional")
            await pilot.press("c", *keys("war"), "escape")  # cancelled: nothing new
            assert len(codings(tui_project)) == 1
            await pilot.press("c", "down", "enter")  # no filter: the second code in the tree
            assert codings(tui_project)[0] == ("SEC.WAR", "Guardia Nacional")

    run(body())


def test_nothing_selected_changes_nothing(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("right_curly_bracket", "1", "c")
            assert isinstance(app.screen, CodingScreen)  # no picker without a selection
        assert codings(tui_project) == []

    run(body())


# -- removing and resizing ------------------------------------------------------------------------

def test_remove_asks_which_when_codes_overlap(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "responder a la violencia")
            await pilot.press("1")
            await find(pilot, "la violencia")
            await pilot.press("2", "left", "left")
            await pilot.press("x")  # two codes here: the picker, the innermost first
            await pilot.press("enter")
            assert codings(tui_project) == [("SEC.WAR", "responder a la violencia")]
            await pilot.press("x")  # one code left: removed at once
            assert codings(tui_project) == []
            assert db_rows(tui_project, "SELECT count(*) AS n FROM annotations WHERE deleted = 1"
                           )[0]["n"] == 2

    run(body())


def test_brackets_grow_and_shrink_at_the_nearest_end(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "la violencia con")
            await pilot.press("1")  # the cursor sits at the segment's end
            await pilot.press("right_square_bracket")
            assert codings(tui_project) == [("SEC.WAR", "la violencia con más")]
            await pilot.press("left_square_bracket", "left_square_bracket")
            assert codings(tui_project) == [("SEC.WAR", "la violencia")]
            await pilot.press("ctrl+left", "ctrl+left")  # now nearer the start
            await pilot.press("right_square_bracket")
            assert codings(tui_project) == [("SEC.WAR", "a la violencia")]
            await pilot.press("left_square_bracket")
            assert codings(tui_project) == [("SEC.WAR", "la violencia")]

    run(body())


def test_grow_stops_at_the_end_of_the_turn(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "contra el narco")
            await pilot.press("1", "right_square_bracket", "right_square_bracket")
        assert codings(tui_project) == [("SEC.WAR", "contra el narco.")]

    run(body())


# -- suggestions ----------------------------------------------------------------------------------

def decisions(path):
    return [(r["code_id"], r["decision"]) for r in db_rows(
        path, "SELECT code_id, decision FROM decisions WHERE deleted = 0 ORDER BY start")]


def test_next_accept_reject(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("n")
            current = view(app).current_suggestion
            assert current is not None and current.code == "DES.ROOT"
            await pilot.press("a")  # accepted, and on to the next one
            assert codings(tui_project) == [("DES.ROOT", "atender las causas")]
            assert view(app).current_suggestion.code == "SEC.WAR"
            await pilot.press("r")
            assert view(app).current_suggestion.code == "DES.NOFORCE"
            await pilot.press("N")  # back: the rejected one is no longer pending
            assert view(app).current_suggestion.code == "DES.NOFORCE"
        assert decisions(tui_project) == [("DES.ROOT", "accept"), ("SEC.WAR", "reject")]
        origin = db_rows(tui_project, "SELECT origin FROM annotations")[0]["origin"]
        assert origin == "suggestion"

    run(body())


def test_accept_all_of_a_pattern_asks_first(tmp_path):
    path = build_project(tmp_path)
    with Project(path) as project:
        text = project.db.execute("SELECT text FROM documents WHERE id = 1").fetchone()[0]
        for word in ("violencia", "jóvenes"):
            start = text.index(word)
            add_suggestion(project, 1, "SEC.WAR", start, start + len(word), "war-phrase")

    async def body():
        app = create_app(path, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "guerra")
            await pilot.press("A", "n")  # asked, said no
            assert codings(path) == []
            await pilot.press("A", "y")
            assert sorted(c for c, _ in codings(path)) == ["SEC.WAR"] * 3
            pending = [s for s in screen(app).pending if s["pattern_id"] == "war-phrase"]
            assert pending == []
        assert sorted(d for _, d in decisions(path)) == ["accept"] * 3

    run(body())


def test_suggestions_hidden_for_a_blind_coder(tui_project):
    with Project(tui_project) as project:
        try:
            from coder.team.coders import set_suggestions_off
        except ImportError:  # pragma: no cover - before the team feature
            set_suggestions_off = None
        project.coder_id("blind")
        if set_suggestions_off:
            set_suggestions_off(project, ["blind"])
        else:
            with project.transaction():
                project.db.execute("UPDATE coders SET suggestions_off = 1 WHERE name = 'blind'")

    async def body():
        app = create_app(tui_project, "blind")
        async with app.run_test(size=SIZE) as pilot:
            assert screen(app).pending == []
            await pilot.press("n", "a")
            assert view(app).current_suggestion is None
            assert screen(app).query_one("#status").values["suggestions"] is False
        assert decisions(tui_project) == []

    run(body())


# -- memos ----------------------------------------------------------------------------------------

def test_memo_on_a_segment_and_on_the_document(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "mando civil")
            await pilot.press("2", "left", "m")
            await pilot.press(*keys("civil, not military"), "ctrl+s")
            await pilot.press("ctrl+home", "m")  # no segment here: the document's memo
            await pilot.press(*keys("first pass"), "escape")  # escape saves too
            await pilot.press("ctrl+home", "m")
            await pilot.press(*keys("!"), "tab", "enter")  # tab to Discard: edits dropped
        memo = db_rows(tui_project, "SELECT memo FROM annotations")[0]["memo"]
        assert memo == "civil, not military"
        memos = db_rows(tui_project, "SELECT text, annotation_id FROM memos WHERE deleted = 0")
        assert memos == [{"text": "first pass", "annotation_id": None}]

    run(body())


# -- undo and redo --------------------------------------------------------------------------------

def test_undo_redo_chain_over_every_kind_of_change(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "mando civil")
            await pilot.press("1")                                  # create
            await pilot.press("right_square_bracket")               # update
            await pilot.press("n", "a")                             # accept
            await pilot.press("r")                                  # reject
            after = (codings(tui_project), decisions(tui_project))
            assert after == ([("SEC.WAR", "mando civil, y"), ("SEC.WAR", "guerra contra el narco")],
                             [("SEC.WAR", "accept"), ("DES.NOFORCE", "reject")])
            await pilot.press("u", "u", "u", "u")
            assert codings(tui_project) == [] and decisions(tui_project) == []
            assert screen(app).own == [] and len(screen(app).pending) == 3
            await pilot.press("u")  # nothing left to undo: nothing changes
            await pilot.press("ctrl+r", "ctrl+r")
            assert codings(tui_project) == [("SEC.WAR", "mando civil, y")]
            await pilot.press("ctrl+r", "ctrl+r")
            assert (codings(tui_project), decisions(tui_project)) == after
            assert len(screen(app).own) == 2 and len(screen(app).pending) == 1

    run(body())


# -- moving ---------------------------------------------------------------------------------------

def test_braces_visit_uncoded_questions_and_answers(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            seen = []
            for _ in range(5):
                await pilot.press("right_curly_bracket")
                seen.append(view(app).turn_index_at())
            # Turns 0-2 and 4-5 are the president's or the press's; 3 is an official's.
            assert seen == [0, 1, 2, 4, 5]
            await pilot.press("t", "1", "left_curly_bracket")
            assert view(app).turn_index_at() == 4
            await pilot.press("right_curly_bracket")  # ¶6 is coded now: nothing below
            assert view(app).turn_index_at() == 4

    run(body())


def test_mouse_drag_selects_and_a_click_in_the_tree_codes(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            doc = view(app)
            layout = doc.text_layout
            line = layout.line_of(doc.text.index("Buenos"))
            # Column 3 is where the text starts (after the gutter).
            await pilot.mouse_down(DocumentView, offset=(3, line))
            await pilot.hover(DocumentView, offset=(9, line))
            await pilot.mouse_up(DocumentView, offset=(9, line))
            assert selected(app) == "Buenos"
            tree = app.screen.query_one("#codebook")
            line_of_no_force = next(i for i in range(tree.last_line + 1)
                                    if tree.get_node_at_line(i).data == "DES.NOFORCE")
            await pilot.click("#codebook", offset=(8, line_of_no_force))
            assert doc.has_focus  # back to the text after coding
        assert codings(tui_project) == [("DES.NOFORCE", "Buenos")]

    run(body())


def test_wide_characters_and_combining_marks_place_correctly(tmp_path):
    # Text of our own with a CJK name, an emoji and a decomposed accent (e + U+0301).
    transcript = TRANSCRIPT.replace("Buenos días.", "Buenos di\u0301as, 北京 🙂 amigos.")
    path = build_project(tmp_path, suggestions=False, transcript=transcript)

    async def body():
        app = create_app(path, "alice")
        async with app.run_test(size=SIZE) as pilot:
            doc = view(app)
            await pilot.press("right_curly_bracket")
            await pilot.press(*["shift+right"] * 10)   # the accent travels with its letter
            assert selected(app) == "Buenos di\u0301a"
            await pilot.press("shift+right", "shift+right", "shift+right", "shift+right")
            assert selected(app) == "Buenos di\u0301as, 北"
            await pilot.press("1")
            # A click on the second cell of a wide character lands on that character.
            start = doc.text.index("京")
            line = doc.text_layout.line_of(start)
            cell = doc.text_layout.cells_before(line, start)
            await pilot.click(DocumentView, offset=(3 + cell + 1, line))
            assert doc.cursor == start
            await pilot.press("shift+right", "shift+right", "shift+right")
            assert selected(app) == "京 🙂"
            await pilot.press("2")
        assert codings(path) == [("SEC.WAR", "Buenos di\u0301as, 北"), ("DES.NOFORCE", "京 🙂")]

    run(body())


# -- other coders ---------------------------------------------------------------------------------

def test_others_are_hidden_until_toggled(tui_project):
    with Project(tui_project) as project:
        apply_code(project, "bob", 1, "SEC.WAR", TRANSCRIPT.index("Va a tener"),
                   TRANSCRIPT.index("Va a tener") + 10)

    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            status = screen(app).query_one("#status")
            assert screen(app).others == [] and status.values["others"] is False
            await pilot.press("o")
            assert [a["coder"] for a in screen(app).others] == ["bob"]
            assert status.values["others"] is True
            await pilot.press("o")
            assert screen(app).others == []
        # Looking is not changing: bob's coding is untouched and alice has none.
        assert codings(tui_project, "bob") == [("SEC.WAR", "Va a tener")]
        assert codings(tui_project) == []

    run(body())


def test_the_screen_only_shows_what_the_database_holds(tui_project):
    """After each action the view is rebuilt from the database, not from the key press."""

    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "Guardia Nacional")
            await pilot.press("1")
            with Project(tui_project) as other:
                stored = document_annotations(other, 1, coder="alice")
            assert [(a["id"], a["start"], a["end"]) for a in screen(app).own] == \
                [(a["id"], a["start"], a["end"]) for a in stored]

    run(body())


def test_next_passes_suggestions_set_aside(tui_project):
    # A suggestion whose reading is not the speaker's own affirmed move, of a code that
    # counts only such moves, is set aside: dimmed, and `n` passes it.
    with Project(tui_project) as project, project.transaction():
        project.db.execute("UPDATE suggestions SET marked = 1 WHERE code_id = 'SEC.WAR'")

    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("n")
            assert view(app).current_suggestion.code == "DES.ROOT"
            await pilot.press("n")
            assert view(app).current_suggestion.code == "DES.NOFORCE"
            aside = [s["id"] for s in screen(app).pending if s["code_id"] == "SEC.WAR"]
            assert aside and view(app)._set_aside == set(aside)   # drawn dimmed
            await pilot.press("ctrl+d")                             # n stops at them too
            assert screen(app).include_set_aside
            assert "set aside, shown" in str(app.screen.query_one("#segments-title").render())
            await pilot.press("N")
            assert view(app).current_suggestion.code == "SEC.WAR"
            assert view(app)._set_aside == set(aside)               # still dimmed
            await pilot.press("ctrl+d", "n", "n")                   # passed again
            assert not screen(app).include_set_aside
            assert view(app).current_suggestion.code != "SEC.WAR"

    run(body())


def test_grow_stops_at_the_end_of_the_paragraph(tui_project):
    """`]` ends a segment on its paragraph's last period, never in the next paragraph of
    the same turn; `[` at the start does not reach back into the paragraph before."""
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "la estrategia de paz")
            await pilot.press("1", "right_square_bracket")
            assert codings(tui_project) == [("SEC.WAR", "la estrategia de paz.")]
            await pilot.press("right_square_bracket")  # the paragraph ends here: no change
            assert codings(tui_project) == [("SEC.WAR", "la estrategia de paz.")]
            await find(pilot, "No vamos")
            await pilot.press("2", "ctrl+left", "ctrl+left", "right_square_bracket")
            assert codings(tui_project) == [("SEC.WAR", "la estrategia de paz."),
                                            ("DES.NOFORCE", "No vamos")]

    run(body())


def test_sentence_at_the_end_of_a_paragraph(tui_project):
    """Where coding leaves the cursor (after a paragraph's last period), `s` selects that
    paragraph's last sentence."""
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "No vamos")
            await pilot.press("s", "1")
            assert view(app).text[view(app).cursor] == "\n"  # at the paragraph's end
            await pilot.press("s")
            assert selected(app) == ("No vamos a responder a la violencia con más violencia; "
                                     "vamos a atender las causas.")
            await pilot.press("2")
        assert codings(tui_project)[-1] == (
            "DES.NOFORCE", "No vamos a responder a la violencia con más violencia; "
            "vamos a atender las causas.")

    run(body())


def test_picker_ranks_a_name_starting_with_the_query_first(tui_project):
    """Typing "crime": "Crime statistics" above "Organised crime" (both have the word)."""
    from coder.tui.screens.pickers import Choice, Picker

    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            choices = [Choice("ORG", "■ 1 Organised crime  ORG", "Organised crime ORG 1"),
                       Choice("STAT", "■ 2 Crime statistics  STAT", "Crime statistics STAT 2")]
            picked = []
            app.push_screen(Picker("Code as …", choices), picked.append)
            await pilot.pause()
            await pilot.press(*keys("crime"), "enter")
            assert picked == ["STAT"]

    run(body())


def test_card_leaves_a_removed_code(tui_project):
    """After `x` the code card no longer shows the removed code."""
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "la estrategia de paz")
            await pilot.press("1")
            assert screen(app).current_code == "SEC.WAR"
            await pilot.press("x")
            assert codings(tui_project) == []
            assert screen(app).current_code is None

    run(body())
