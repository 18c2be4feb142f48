"""Coding stripes, code keys on the segment under the cursor, reselecting, the card's
suggestion preview, the full card and the footer on small and large terminals (#13)."""

from __future__ import annotations

import pytest

from coder.annotate import apply_code
from coder.codebook import parse_codebook
from coder.errors import CodebookError
from coder.project import Project
from coder.tui.app import create_app
from coder.tui.recode import ADD, REPLACE, SAME, plan
from coder.tui.widgets.code_card import CodeCard
from coder.tui.widgets.document_view import Span
from coder.tui.widgets.stripes import LANES, assign_lanes, margin_width
from tests.helpers import CODEBOOK, REPO, TRANSCRIPT, add_suggestion, build_project, codings
from tests.tui.pilot import SIZE, find, notices, run, view


def line_text(app, line: int) -> str:
    """What the document view draws on display line ``line`` (scrolled to the top)."""
    document = view(app)
    return "".join(segment.text for segment in document.render_line(line - document.scroll_offset.y))


def code(path, code_id: str, phrase: str, length: int | None = None, coder: str = "alice") -> None:
    with Project(path) as project:
        start = TRANSCRIPT.index(phrase)
        apply_code(project, coder, 1, code_id, start, start + (length or len(phrase)))


# -- lanes and the margin (no app) ----------------------------------------------------------------

def test_overlapping_codings_take_different_lanes_and_lanes_are_reused():
    outer, inner, beside, later = Span(0, 100, "A", 1), Span(10, 20, "B", 2), \
        Span(30, 40, "C", 3), Span(200, 250, "D", 4)
    lanes = assign_lanes([later, beside, inner, outer])
    assert lanes[outer] == 0                    # the long one keeps the inner lane
    assert lanes[inner] == lanes[beside] == 1   # a lane is free again once a coding ends
    assert lanes[later] == 0


def test_the_margin_keeps_the_text_wide_on_small_terminals():
    margin, label = margin_width(50)
    assert label == 0 and margin == LANES + 1      # 80 columns: stripes with keys, no names
    margin, label = margin_width(150)
    assert label > 0 and 150 - margin >= 100       # wide: names, and the text keeps its measure


# -- stripes in the workbench ---------------------------------------------------------------------

def test_stripes_show_one_labelled_stripe_per_coding(tui_project):
    code(tui_project, "SEC.WAR", "No vamos a responder", 36)
    code(tui_project, "DES.ROOT", "la violencia con más", 30)

    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            document = view(app)
            war = TRANSCRIPT.index("No vamos a responder")
            assert "War framing" not in line_text(app, document.text_layout.line_of(war))
            await pilot.press("ctrl+s")                         # off by default; on
            assert document.stripes_on
            layout = document.text_layout                       # wrapped again, narrower
            root = TRANSCRIPT.index("la violencia con más")
            for start, key, name in ((war, "1", "War framing"), (root, "3", "Root causes")):
                # The coding's first line: its key on the stripe, then its name.
                margin = line_text(app, layout.line_of(start))[3 + layout.width:]
                assert key in margin.split()[0] and name[:4] in margin, margin
            # Where both codings go on, two stripes side by side.
            both = line_text(app, layout.line_of(root + 29))[3 + layout.width:]
            assert both.split()[0] in ("┃┃", "13", "31", "┃3", "3┃", "1┃", "┃1"), both
            lanes = {span.code: lane for span, lane in document._stripes.lane_of.items()}
            assert lanes["SEC.WAR"] != lanes["DES.ROOT"]
            await pilot.press("ctrl+s")
            assert not document.stripes_on
            assert "War framing" not in line_text(app, document.text_layout.line_of(war))

    run(body())


def test_stripes_follow_a_new_coding_and_its_removal(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+s")
            await find(pilot, "la estrategia de paz")
            await pilot.press("3")
            document = view(app)
            line = document.text_layout.line_of(TRANSCRIPT.index("la estrategia de paz"))
            assert "Root causes" in line_text(app, line)
            await pilot.press("x")
            assert codings(tui_project) == []
            assert "Root causes" not in line_text(app, line)
            assert document._stripes.lane_of == {}

    run(body())


# -- a code key with nothing selected ------------------------------------------------------------

def test_recode_plan():
    segment = {"id": 1, "code_id": "DES.ROOT", "start": 0, "end": 5}
    parents = {"DES.ROOT": "DES", "DES.NOFORCE": "DES", "SEC.WAR": "SEC", "DES": None, "SEC": None}
    own = [segment]
    assert plan(segment, "SEC.WAR", own, parents, []) == (ADD, True)
    assert plan(segment, "DES.NOFORCE", own, parents, []) == (REPLACE, True)
    assert plan(segment, "DES.ROOT", own, parents, []) == (SAME, True)
    assert plan(segment, "SEC.WAR", own, parents, [{"SEC.WAR", "DES.ROOT"}]) == (REPLACE, False)


def test_code_key_adds_to_the_segment_under_the_cursor(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "la estrategia de paz")
            await pilot.press("3")                   # coded; the cursor is on its end
            assert view(app).selection is None
            await pilot.press("left", "left")      # inside the segment, nothing selected
            await pilot.press("1")                 # not an alternative: added to the span
            assert sorted(codings(tui_project)) == [("DES.ROOT", "la estrategia de paz"),
                                                    ("SEC.WAR", "la estrategia de paz")]
            await pilot.press("1")                 # already there: nothing changes
            assert len(codings(tui_project)) == 2

    run(body())


def test_code_key_replaces_a_sibling_after_asking(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "la estrategia de paz")
            await pilot.press("3", "left")
            await pilot.press("2")                 # No force is Root causes' sibling: asks
            assert codings(tui_project) == [("DES.ROOT", "la estrategia de paz")]
            await pilot.press("escape")            # cancel: nothing changes
            assert codings(tui_project) == [("DES.ROOT", "la estrategia de paz")]
            await pilot.press("2", "y")            # replace: one coding, the new code
            assert codings(tui_project) == [("DES.NOFORCE", "la estrategia de paz")]
            await pilot.press("u")                 # one undo brings the old code back
            assert codings(tui_project) == [("DES.ROOT", "la estrategia de paz")]
            await pilot.press("left", "2", "a")    # or keep both
            assert sorted(codings(tui_project)) == [("DES.NOFORCE", "la estrategia de paz"),
                                                    ("DES.ROOT", "la estrategia de paz")]

    run(body())


def test_reselect_the_last_segment(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "la estrategia de paz")
            await pilot.press("3", "ctrl+down", "ctrl+down")
            assert view(app).selection is None
            await pilot.press("ctrl+l")
            start = TRANSCRIPT.index("la estrategia de paz")
            assert view(app).selection == (start, start + len("la estrategia de paz"))
            await pilot.press("1")                 # a code key now codes that span
            assert ("SEC.WAR", "la estrategia de paz") in codings(tui_project)

    run(body())


def test_curly_brackets_land_on_a_turn_start_not_across_a_paragraph(tui_project):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("right_curly_bracket")
            document = view(app)
            turn = document.turn_index_at()
            assert document.cursor == app.screen.turns[turn]["start"]
            await pilot.press("left_curly_bracket")
            assert document.cursor == app.screen.turns[document.turn_index_at()]["start"]

    run(body())


def test_card_previews_the_suggestion_under_the_cursor(tui_project):
    code(tui_project, "DES.NOFORCE", "Va a tener mando civil")

    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=SIZE) as pilot:
            document = view(app)
            # The coding under the cursor first, then onto the suggestion in the same turn.
            document.move_to(TRANSCRIPT.index("mando civil"))
            await pilot.pause()
            assert app.screen.current_code == "DES.NOFORCE"
            document.move_to(TRANSCRIPT.index("guerra contra el narco") + 3)
            await pilot.pause()
            assert app.screen.current_code == "SEC.WAR"   # what `a` would accept
            assert "a accepts" in app.screen.query_one(CodeCard).text.plain
            await pilot.press("a")
            assert ("SEC.WAR", "guerra contra el narco") in codings(tui_project)

    run(body())


# -- small and large terminals --------------------------------------------------------------------

@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
def test_footer_keeps_undo_and_help_visible(tui_project, size):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=size) as pilot:
            # The footer lays out its keys after the screen's first refresh, which a busy
            # machine can put after the first pause: wait for them (at most 50 pauses).
            for _ in range(50):
                await pilot.pause()
                shown = {key.action: key for key in app.screen.query("FooterKey")}
                if shown and all(key.region.width for key in shown.values()):
                    break
            for action in ("undo", "help"):
                assert action in shown, sorted(shown)
                region = shown[action].region
                assert region.width > 0 and 0 <= region.x and region.right <= size[0], region
                assert region.y == size[1] - 1

    run(body())


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
def test_card_toggles_to_full_size(tui_project, size):
    async def body():
        app = create_app(tui_project, "alice")
        async with app.run_test(size=size) as pilot:
            await find(pilot, "la estrategia de paz")
            await pilot.press("1")                 # the card explains War framing
            card = app.screen.query_one(CodeCard)
            small = card.region
            await pilot.press("ctrl+e")
            await pilot.pause()
            full = card.region
            assert full.height > small.height and full.width >= small.width
            assert not app.screen.query_one("#codebook").display
            text = card.text.plain
            for part in ("The issue is framed as a war.", "Use:", "Not:", "e.g."):
                assert part in text
            # Everything the card holds fits in it.
            assert len(card.text.wrap(app.console, full.width - 2)) <= full.height
            await pilot.press("ctrl+e")
            await pilot.pause()
            assert app.screen.query_one("#codebook").display
            assert card.region.height == small.height

    run(body())


def test_full_card_scrolls_to_the_last_line_of_a_long_code_at_80x24(tmp_path):
    """The shipped codebook's longest card does not fit 80x24: at full size it takes the
    focus and scrolls to its last example; escape gives the keys back to the text."""
    shipped = (REPO / "codebooks" / "securitization.yaml").read_text(encoding="utf-8")
    path = build_project(tmp_path, suggestions=False, codebook=shipped)
    with Project(path) as project:
        text = project.db.execute("SELECT text FROM documents WHERE id = 1").fetchone()[0]
        start = text.index("la estrategia de paz")
        apply_code(project, "alice", 1, "SEC", start, start + len("la estrategia de paz"))

    async def body():
        app = create_app(path, "alice")
        async with app.run_test(size=(80, 24)) as pilot:
            await find(pilot, "la estrategia de paz")
            await pilot.press("escape", "ctrl+e")
            await pilot.pause()
            card = app.screen.query_one(CodeCard)
            assert card.full and card.has_focus and "Securitizing" in card.text.plain
            lines = card.lines()
            height = card.size.height
            assert len(lines) > height            # it does not fit: the last row says so
            assert "more line(s)" in card.render().plain.splitlines()[-1]
            await pilot.press("j", "j")
            assert card.top == 2
            for _ in range(len(lines)):
                await pilot.press("pagedown")
            await pilot.pause()
            shown = card.render().plain.splitlines()
            assert shown[-1] == lines[-1].plain   # the last example's last line is in view
            assert "more line(s)" not in card.render().plain
            await pilot.press("home")
            assert card.top == 0
            await pilot.press("escape")           # back: compact card, the text has the keys
            await pilot.pause()
            assert not card.full and view(app).has_focus
            before = view(app).cursor
            await pilot.press("down")
            assert view(app).cursor != before

    run(body())


# -- keys that differ only by case ---------------------------------------------------------------

def test_keys_that_differ_only_by_case_are_refused_unless_opted_in():
    book = CODEBOOK.replace('key: "2"', 'key: "p"').replace('key: "3"', 'key: "P"')
    with pytest.raises(CodebookError, match=r"keys 'p' \(DES.NOFORCE\) and 'P' \(DES.ROOT\) "
                                            r"differ only by case"):
        parse_codebook(book)
    opted = book.replace("  languages: [es, en]\n", "  languages: [es, en]\n  case_sensitive_keys: true\n")
    assert {c.key for c in parse_codebook(opted).codes if c.key} == {"1", "p", "P"}
    with pytest.raises(CodebookError, match="case_sensitive_keys must be true or false"):
        parse_codebook(book.replace("  languages: [es, en]\n",
                                    "  languages: [es, en]\n  case_sensitive_keys: maybe\n"))


def test_shipped_codebook_has_no_case_pairs():
    from coder.codebook import load_codebook
    from coder.demo import SHIPPED_CODEBOOK

    keys = [c.key for c in load_codebook(SHIPPED_CODEBOOK).codes if c.key]
    assert len({k.casefold() for k in keys}) == len(keys) == 43



def test_caps_lock_slips_ask_or_warn(tmp_path):
    """`T` (Caps Lock on `t`) on a coded segment asks before adding; in a codebook that
    keeps case-sensitive keys, coding a selection with `P` when `p` is another code warns."""

    book = CODEBOOK.replace('key: "1"', 'key: "T"').replace('key: "2"', 'key: "p"') \
        .replace('key: "3"', 'key: "P"') \
        .replace("  languages: [es, en]\n", "  languages: [es, en]\n  case_sensitive_keys: true\n")
    path = build_project(tmp_path, codebook=book, suggestions=False)

    async def body():
        app = create_app(path, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "la estrategia de paz")
            await pilot.press("P")                 # DES.ROOT by the upper-case twin of p
            assert codings(path) == [("DES.ROOT", "la estrategia de paz")]
            assert any("Caps Lock" in n for n in notices(app))
            await pilot.press("left", "T")         # SEC.WAR by `T`, t being "select the turn"
            assert codings(path) == [("DES.ROOT", "la estrategia de paz")]  # asked first
            await pilot.press("y")
            assert sorted(codings(path)) == [("DES.ROOT", "la estrategia de paz"),
                                             ("SEC.WAR", "la estrategia de paz")]

    run(body())


def test_a_capital_bound_to_nothing_says_caps_lock_and_codes_nothing(tmp_path):
    """`P` with Caps Lock on, when only `p` is a code key: nothing is coded, a notice says
    why and which code `p` is; `p` itself still codes."""
    book = CODEBOOK.replace('key: "2"', 'key: "p"')
    path = build_project(tmp_path, codebook=book, suggestions=False)

    async def body():
        app = create_app(path, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "la estrategia de paz")
            await pilot.press("P")
            await pilot.pause()
            assert codings(path) == []
            notes = notices(app)
            assert any("P is not a code key (Caps Lock on?): p codes" in n for n in notes), notes
            await pilot.press("p")
            assert codings(path) == [("DES.NOFORCE", "la estrategia de paz")]

    run(body())


def test_coding_with_the_capital_of_a_command_key_says_caps_lock_once(tmp_path):
    """`S` is a code, `s` selects a sentence: coding a selection with `S` is not silent (a
    notice with the undo), the first time in a session; the codebook meant that capital."""
    book = CODEBOOK.replace('key: "2"', 'key: "S"')
    path = build_project(tmp_path, codebook=book, suggestions=False)

    async def body():
        app = create_app(path, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "la estrategia de paz")
            await pilot.press("S")
            await pilot.pause()
            assert codings(path) == [("DES.NOFORCE", "la estrategia de paz")]
            slips = [n for n in notices(app) if "Caps Lock" in n]
            assert len(slips) == 1 and "s is select" in slips[0] and "u undoes" in slips[0]
            await find(pilot, "mando civil")
            await pilot.press("S")
            await pilot.pause()
            assert len(codings(path)) == 2
            assert len([n for n in notices(app) if "Caps Lock" in n]) == 1

    run(body())


def test_covered_suggestions_match_the_brute_force_rule(tui_project):
    """document_suggestions marks 'covered' exactly when a live same-code coding of the
    coder spans the suggestion (computed by bisection since #13's first-paint figures)."""
    import random

    from coder.annotate import document_suggestions, remove_annotation

    rng = random.Random(5)
    n = len(TRANSCRIPT) - 60
    with Project(tui_project) as project:
        for index in range(60):
            start = rng.randrange(200, n)
            add_suggestion(project, 1, rng.choice(["SEC.WAR", "DES.ROOT"]), start,
                           start + rng.randint(3, 30), f"p{index}")
        live = []
        for _ in range(25):
            start = rng.randrange(200, n)
            row = apply_code(project, rng.choice(["alice", "bob"]), 1,
                             rng.choice(["SEC.WAR", "DES.ROOT"]), start, start + rng.randint(5, 60))
            live.append(row)
        gone = remove_annotation(project, "alice", next(a["id"] for a in live
                                                        if a["coder_id"] == project.coder_id("alice")))
        live = [a for a in live if a["id"] != gone["id"]]
        alice = project.coder_id("alice")
        rows = document_suggestions(project, 1, "alice")
        covered = [r for r in rows if r["status"] == "covered"]
        assert covered  # the draw covers some
        for r in rows:
            expected = any(a["coder_id"] == alice and a["code_id"] == r["code_id"]
                           and a["start"] <= r["start"] and a["end"] >= r["end"] for a in live)
            assert (r["status"] == "covered") == expected, r
