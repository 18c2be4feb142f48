"""The review screen, driven with Textual's Pilot: settle disagreements end to end."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from coder.team.review import disagreements
from coder.tui.screens.review import ReviewScreen
from tests.helpers import code_phrase, make_project, phrase_span
from tests.tui.pilot import SIZE, ReviewTestApp, run

CODERS = ["alice", "bob"]
NOFORCE = "No vamos a combatir el fuego con fuego."
ROOT = "Vamos a atender a los jóvenes del barrio."


@pytest.fixture
def coded(tmp_path):
    with make_project(tmp_path, documents=2, coders=("alice", "bob")) as project:
        code_phrase(project, "alice", 1, "DES.NOFORCE", NOFORCE)
        code_phrase(project, "bob", 1, "DES.NOFORCE", NOFORCE, trim=(3, 0))
        code_phrase(project, "alice", 2, "DES.ROOT", ROOT)
        for coder in CODERS:   # both coded document 2 (and agree on this one)
            code_phrase(project, coder, 2, "SEC.WAR", "Ya no hay guerra en la sierra.")
        yield project


def gold(project):
    return project.rows('SELECT a.* FROM annotations a JOIN coders k ON k.id = a.coder_id'
                        " WHERE k.is_gold = 1 AND a.deleted = 0 ORDER BY a.id")


def test_settle_with_reason_then_undo(coded):
    run(_settle_with_reason_then_undo(coded))


async def _settle_with_reason_then_undo(coded):
    app = ReviewTestApp(coded, CODERS, "dana")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        table = screen.query_one("#review-queue", DataTable)
        assert table.row_count == 2
        # Worst first: document 2 (a whole sentence only alice coded) before document 1.
        assert (screen.current.document_id, screen.current.code_id) == (2, "DES.ROOT")
        await pilot.press("r")
        await pilot.press(*"tiene sentido: 1 u 0 q")   # keys of the screen are text here
        await pilot.press("enter")
        assert screen.reason == "tiene sentido: 1 u 0 q"
        assert gold(coded) == []
        await pilot.press("1")                      # take alice's version
        await pilot.pause()
        root = phrase_span(coded, 2, ROOT)
        rows = gold(coded)
        assert [(r["document_id"], r["code_id"], r["start"], r["end"], r["origin"])
                for r in rows] == [(2, "DES.ROOT", *root, "adjudicated")]
        assert rows[0]["memo"] == "adjudicated by dana: alice's version; tiene sentido: 1 u 0 q"
        assert screen.reason == ""                  # a reason goes with one decision
        assert [d.settled for d in screen.items] == [True, False]
        assert screen.current.document_id == 1      # moved on to the next open one
        await pilot.press("2")                      # bob's version in document 1
        await pilot.pause()
        start, end = phrase_span(coded, 1, NOFORCE)
        assert [(r["document_id"], r["start"], r["end"]) for r in gold(coded)] == [
            (2, *root), (1, start + 3, end)]
        assert all(d.settled for d in disagreements(coded, CODERS))
        await pilot.press("z")                      # undo bob's version
        await pilot.pause()
        assert [(r["document_id"], r["start"]) for r in gold(coded)] == [(2, root[0])]
        assert [d.settled for d in disagreements(coded, CODERS)] == [True, False]


def test_union_none_own_span_and_navigation(coded):
    run(_union_none_own_span_and_navigation(coded))


async def _union_none_own_span_and_navigation(coded):
    app = ReviewTestApp(coded, CODERS, "erin")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("j")
        assert screen.current.document_id == 1
        await pilot.press("k")
        assert screen.current.document_id == 2
        await pilot.press("0")                      # document 2: not coded
        await pilot.pause()
        assert gold(coded) == [] and screen.items[0].settled
        assert screen.current.document_id == 1
        await pilot.press("u")                      # union in document 1
        await pilot.pause()
        start, end = phrase_span(coded, 1, NOFORCE)
        assert [(r["start"], r["end"]) for r in gold(coded)] == [(start, end)]
        await pilot.press("e")                      # decide document 1 again: own span
        prompt = screen.query_one("#review-prompt")
        prompt.value = f"{start}-{start + 10}"
        await pilot.press("enter")
        await pilot.pause()
        assert [(r["start"], r["end"]) for r in gold(coded)] == [(start, start + 10)]
        assert "erin: own span" in gold(coded)[0]["memo"]
        await pilot.press("9")                      # no coder 9: nothing happens
        await pilot.pause()
        assert len(gold(coded)) == 1


def test_detail_pane_shows_versions(coded):
    run(_detail_pane_shows_versions(coded))


async def _detail_pane_shows_versions(coded):
    app = ReviewTestApp(coded, CODERS, "dana")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        detail = app.screen.render_detail().plain
        assert ROOT in detail and "2 bob: not coded" in detail
        await pilot.press("j")
        detail = app.screen.render_detail().plain
        assert NOFORCE in detail
        assert "1 alice:" in detail and "2 bob:" in detail and "not coded" not in detail


def test_workbench_factory_opens_the_review_screen(coded):
    from coder.tui.app import create_app

    coded.close()
    app = create_app(coded.path, "dana", mode="review", review_coders=CODERS, adjudicator="dana")

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, ReviewScreen)
            await pilot.press("1")                  # alice's version of the first disagreement
            await pilot.pause()
            rows = gold(app.project)
            assert [(r["document_id"], r["code_id"], r["origin"]) for r in rows] == [
                (2, "DES.ROOT", "adjudicated")]
            await pilot.press("q")

    run(scenario())


def _events(project):
    import json

    return [(e["action"], json.loads(e["after"] or "{}").get("adjudication", {}).get("key"))
            for e in project.rows("SELECT * FROM events WHERE entity = 'adjudication' ORDER BY id")]


def test_undo_returns_to_the_undone_item_and_redo_chains(coded):
    run(_undo_returns_to_the_undone_item(coded))


async def _undo_returns_to_the_undone_item(coded):
    app = ReviewTestApp(coded, CODERS, "dana")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        first, second = (d.key for d in screen.items)
        await pilot.press("1")                      # settle the first: the cursor moves on
        await pilot.pause()
        assert screen.current.key == second
        await pilot.press("z")                      # undo: back on the first, not the second
        await pilot.pause()
        assert screen.current.key == first and gold(coded) == []
        await pilot.press("2")                      # so the next decision settles the first
        await pilot.pause()
        rows = gold(coded)
        assert [r["document_id"] for r in rows] == [2] or rows == []   # bob: not coded there
        settled = {d.key for d in disagreements(coded, CODERS) if d.settled}
        assert settled == {first}
        # Each adjudication event names the disagreement it settles.
        assert [k for a, k in _events(coded) if a == "create"] == [first, first]
        # A chain: settle the second, undo twice, redo twice, checked against the database.
        await pilot.press("1")
        await pilot.pause()
        assert {d.key for d in disagreements(coded, CODERS) if d.settled} == {first, second}
        await pilot.press("z")
        await pilot.pause()
        assert screen.current.key == second
        await pilot.press("z")
        await pilot.pause()
        assert screen.current.key == first
        assert not any(d.settled for d in disagreements(coded, CODERS))
        await pilot.press("Z")
        await pilot.pause()
        assert screen.current.key == first
        assert {d.key for d in disagreements(coded, CODERS) if d.settled} == {first}
        await pilot.press("Z")
        await pilot.pause()
        assert screen.current.key == second
        assert {d.key for d in disagreements(coded, CODERS) if d.settled} == {first, second}
        await pilot.press("Z")                      # nothing left to redo
        await pilot.pause()
        assert "nothing to redo" in screen.message
