"""Attribute values in the workbench: `;` then one key, the value's; undo; accept."""

from __future__ import annotations

import json

from coder.tui.app import create_app
from tests.helpers import build_project, db_rows, with_attributes
from tests.tui.pilot import SIZE, run


def values(path):
    return [(r["code_id"], json.loads(r["attributes"])) for r in db_rows(
        path, "SELECT code_id, attributes FROM annotations WHERE deleted = 0 ORDER BY start")]


def test_semicolon_sets_and_clears_values(tmp_path):
    path = build_project(tmp_path, codebook=with_attributes())

    async def body():
        app = create_app(path, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("slash", *"la estrategia de paz", "escape")
            await pilot.press("1")                      # SEC.WAR: source, polarity, audience
            await pilot.press("semicolon", "a")          # source = attributed
            assert values(path) == [("SEC.WAR", {"source": "attributed"})]
            await pilot.press("semicolon", "n")          # polarity = negated
            assert values(path) == [("SEC.WAR", {"polarity": "negated", "source": "attributed"})]
            # The segment list shows them.
            table = app.screen.query_one("#segments")
            row = table.get_row_at(0)
            assert "neg·att" in str(row[-1])  # values by dimension name
            # So does the code card, for the segment under the cursor.
            await pilot.press("left")
            card = app.screen.query_one("#card").text.plain
            assert "source=attributed" in card and "polarity=negated" in card
            await pilot.press("semicolon", "a")          # the key of the value set clears it
            assert values(path) == [("SEC.WAR", {"polarity": "negated"})]
            await pilot.press("u")                       # undo brings it back
            assert values(path) == [("SEC.WAR", {"polarity": "negated", "source": "attributed"})]
            await pilot.press("semicolon", "escape")     # cancel: nothing changes
            assert values(path) == [("SEC.WAR", {"polarity": "negated", "source": "attributed"})]

    run(body())


def test_accepting_a_suggestion_copies_predicted_values(tmp_path):
    path = build_project(tmp_path, codebook=with_attributes())
    from coder.project import Project

    with Project(path) as project:  # a rule engine's predictions (the columns speech adds)
        for column in ("source", "polarity"):
            names = [r[1] for r in project.db.execute("PRAGMA table_info(suggestions)")]
            if column not in names:
                project.db.execute(f"ALTER TABLE suggestions ADD COLUMN {column} TEXT")
        project.db.execute("UPDATE suggestions SET source = 'own', polarity = 'negated'"
                           " WHERE code_id = 'SEC.WAR'")

    async def body():
        app = create_app(path, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("n", "r", "a")        # reject DES.ROOT, accept SEC.WAR
            assert values(path) == [("SEC.WAR", {"polarity": "negated", "source": "own"})]
            # The cursor moved on to the next suggestion: `;` still means the accepted one.
            await pilot.press("semicolon", "q")     # one key: source = quoted
    run(body())
    assert values(path) == [("SEC.WAR", {"polarity": "negated", "source": "quoted"})]


def test_one_key_per_value_across_dimensions():
    """Each value gets its own key, unique over every dimension, so `;` and one key set it;
    the shipped codebook's common corrections are the values' first letters."""
    from coder.codebook import load_codebook
    from coder.tui.screens.attributes import value_keys
    from tests.helpers import REPO

    book = load_codebook(REPO / "codebooks" / "securitization.yaml")
    dimensions = book.attributes_for("SEC")
    keys = value_keys(dimensions)
    pairs = [(d.id, v) for d in dimensions for v in d.values]
    assert sorted(keys.values()) == sorted(pairs)        # every value, each once
    assert keys["a"] == ("source", "attributed") and keys["q"] == ("source", "quoted")
    assert keys["n"] == ("polarity", "negated") and keys["h"] == ("polarity", "hypothetical")
    assert "0" not in keys
