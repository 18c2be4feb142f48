"""Retrieval (issue #13, item 1): a code's segments across documents with the shared
filters, in their sentences; the workbench's retrieval screen (enter on a code in the tree,
or the palette) and the jump to a segment in its document."""

from __future__ import annotations

from pathlib import Path

import pytest

from coder.annotate import apply_code
from coder.errors import CoderError
from coder.export.segments import retrieve_segments, sentence_context
from coder.project import Project
from coder.tui.app import create_app
from coder.tui.screens.retrieval import RetrievalScreen, parse_filter
from tests.helpers import SPEECH, build_project
from tests.tui.pilot import SIZE, find, keys, run, screen, view


def _code(project: Project, coder: str, document_id: int, code: str, phrase: str) -> dict:
    text = project.db.execute("SELECT text FROM documents WHERE id = ?",
                              [document_id]).fetchone()[0]
    start = text.index(phrase)
    return apply_code(project, coder, document_id, code, start, start + len(phrase))


@pytest.fixture
def coded(tmp_path: Path) -> Path:
    """Two documents; alice coded SEC.WAR (president, press) and DES in both; bob once."""
    path = build_project(tmp_path, speech=True)
    with Project(path) as project:
        _code(project, "alice", 1, "SEC.WAR", "se acabó la guerra contra el narco")
        press = _code(project, "alice", 1, "SEC.WAR", "la Guardia Nacional")
        project.db.execute("UPDATE annotations SET attributes = ? WHERE id = ?",
                           ['{"source": "quoted"}', press["id"]])
        _code(project, "alice", 2, "SEC", "La salud no es un privilegio")
        _code(project, "alice", 1, "DES.NOFORCE", "abrazos, no balazos")
        _code(project, "bob", 1, "SEC.WAR", "guerra contra el narco")
    return path


def test_a_code_with_its_descendants_across_documents_in_sentences(coded):
    with Project(coded) as project:
        rows = retrieve_segments(project, "SEC", coders=["alice"])
        assert [(r["document_id"], r["code_id"], r["text"]) for r in rows] == [
            (1, "SEC.WAR", "la Guardia Nacional"),
            (1, "SEC.WAR", "se acabó la guerra contra el narco"),
            (2, "SEC", "La salud no es un privilegio"),
        ]
        assert rows[1]["sentence"] == ("Va a tener mando civil, y "
                                       "[[se acabó la guerra contra el narco]].")
        assert rows[2]["sentence"] == "[[La salud no es un privilegio]], es un derecho del pueblo."
        # Filters: speaker kind, attribute values, dates, coders.
        press = retrieve_segments(project, "SEC", roles=["press"])
        assert [r["text"] for r in press] == ["la Guardia Nacional"]
        assert [r["text"] for r in retrieve_segments(project, "SEC", attributes={
            "source": "quoted"})] == ["la Guardia Nacional"]
        assert [r["document_id"] for r in retrieve_segments(
            project, "SEC", since="2019-03-09")] == [2]
        assert [r["coder"] for r in retrieve_segments(project, "SEC.WAR", coders=["bob"])] == [
            "bob"]
        with pytest.raises(CoderError, match="no attribute 'tone'"):
            retrieve_segments(project, "SEC", attributes={"tone": "dry"})
        with pytest.raises(CoderError, match="no turn with the role"):
            retrieve_segments(project, "SEC", roles=["astronaut"])


def test_sentence_context_stays_in_the_paragraph():
    text = "Primera frase aquí. Segunda con la parte codificada dentro. Tercera.\nOtro párrafo."
    start = text.index("la parte")
    assert sentence_context(text, start, start + 8) == \
        "Segunda con [[la parte]] codificada dentro."
    across = text.index("Tercera")
    assert "[[Tercera. Otro]]" in sentence_context(text, across, across + 14)


def test_filter_line_words():
    assert parse_filter("coder:alice,bob kind:press since:2019-03 doc:2 source=own gold") == {
        "coders": ["alice", "bob"], "roles": ["press"], "since": "2019-03", "document_ids": [2],
        "attributes": {"source": "own"}, "gold": True}
    assert parse_filter("") == {}
    with pytest.raises(CoderError, match="not understood"):
        parse_filter("whatever")


def test_enter_on_a_code_opens_its_segments_and_jumps_to_one(coded):
    async def body():
        app = create_app(coded, "alice", document_id=1)
        async with app.run_test(size=SIZE) as pilot:
            tree = app.screen.query_one("#codebook")
            tree.focus()
            line = next(i for i in range(tree.last_line + 1)
                        if tree.get_node_at_line(i).data == "SEC")
            tree.cursor_line = line
            await pilot.press("enter")
            await pilot.pause()
            retrieval = app.screen
            assert isinstance(retrieval, RetrievalScreen)
            # The coder's own segments (blind by default), the code and its descendants.
            assert [(r["document_id"], r["text"]) for r in retrieval.rows] == [
                (1, "la Guardia Nacional"), (1, "se acabó la guerra contra el narco"),
                (2, "La salud no es un privilegio")]
            # Filter to the president's turns, then go to the one in document 2.
            await pilot.press("slash", "end", *keys(" kind:president"), "enter")
            await pilot.pause()
            assert [r["text"] for r in retrieval.rows] == [
                "se acabó la guerra contra el narco", "La salud no es un privilegio"]
            await pilot.press("down", "enter")
            await pilot.pause()
            await pilot.pause()
            assert screen(app).document_id == 2
            start = SPEECH.index("La salud")
            selection = view(app).selection
            assert selection is not None
            assert view(app).text[selection[0]:selection[1]] == "La salud no es un privilegio"
            assert start >= 0 and view(app).has_focus
            # The palette's "segments of code…" asks for the code; the filter line stays.
            await pilot.press("ctrl+p", *keys("segments of code"))
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press(*keys("no force"), "enter")
            await pilot.pause()
            assert isinstance(app.screen, RetrievalScreen)
            assert app.screen.filter_line == "coder:alice kind:president"
            assert [r["text"] for r in app.screen.rows] == ["abrazos, no balazos"]
            await pilot.press("escape")
            assert screen(app).document_id == 2

    run(body())


def test_retrieval_screen_snapshot(coded, snap_compare):
    app = create_app(coded, "alice", document_id=1)

    async def open_retrieval(pilot):
        await pilot.press("ctrl+p", *keys("segments of code"))
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*keys("securitizing"), "enter")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=open_retrieval)


def test_cli_segments_takes_the_same_filters(coded, monkeypatch):
    from click.testing import CliRunner

    from coder.cli import main

    monkeypatch.delenv("CODER_PROJECT", raising=False)

    def run_cli(*args):
        return CliRunner().invoke(main, [*args, "-p", str(coded), "--as", "alice"],
                                  catch_exceptions=False)

    result = run_cli("segments", "SEC", "--role", "press", "--sentence")
    assert result.exit_code == 0, result.output
    assert "Presidente, ¿[[la Guardia Nacional]] va a depender de la Defensa?" in result.output
    assert "1 segment(s)" in result.output
    quoted = run_cli("segments", "SEC", "--attribute", "source=quoted", "--json")
    assert [r["text"] for r in __import__("json").loads(quoted.output)] == ["la Guardia Nacional"]
    bad = run_cli("segments", "SEC", "--attribute", "source")
    assert bad.exit_code == 1 and "DIMENSION=VALUE" in bad.output


def test_ctrl_g_retrieves_the_code_on_the_card_and_an_empty_filter_says_why(coded):
    async def body():
        app = create_app(coded, "alice", document_id=1)
        async with app.run_test(size=SIZE) as pilot:
            await find(pilot, "mando civil")
            await pilot.press("2")  # the card: No force
            await pilot.press("ctrl+g")
            await pilot.pause()
            retrieval = app.screen
            assert isinstance(retrieval, RetrievalScreen) and retrieval.code_id == "DES.NOFORCE"
            assert [r["text"] for r in retrieval.rows] == ["mando civil", "abrazos, no balazos"]
            await pilot.press("slash", "end", *keys(" kind:official"), "enter")
            await pilot.pause()
            assert retrieval.rows == []
            note = str(retrieval.query_one("#retrieval-note").render())
            assert "kept from your last retrieval" in note

    run(body())
