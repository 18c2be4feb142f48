"""The workbench on real transcripts (skipped where the shared corpus is absent)."""

from __future__ import annotations

from coder.codebook import parse_codebook, store_codebook
from coder.corpus.importer import import_paths
from coder.project import Project
from coder.tui.app import create_app
from coder.tui.screens.coding import CodingScreen
from coder.tui.widgets.document_view import DocumentView
from tests.helpers import CODEBOOK, codings
from tests.tui.pilot import run


def test_code_a_sentence_of_a_real_press_conference(real_corpus, tmp_path):
    files = sorted((real_corpus / "2019" / "agosto").glob("*conferencia-de-prensa-matutina*"))[:1]
    assert files, "expected a morning press conference in 2019/agosto"
    path = tmp_path / "real.db"
    with Project(path, create=True) as project:
        import_paths(project, files)
        store_codebook(project, parse_codebook(CODEBOOK))
        turns = project.db.execute("SELECT count(*) FROM turns").fetchone()[0]

    async def body():
        app = create_app(path, "alice")
        async with app.run_test(size=(160, 45)) as pilot:
            screen = app.screen
            assert isinstance(screen, CodingScreen)
            view = screen.query_one(DocumentView)
            assert len(view.text_layout.heading_lines) == turns
            await pilot.press("right_curly_bracket", "s")
            start, end = view.selection
            sentence = view.text[start:end]
            assert sentence and sentence[-1] in ".?!…" and "\n" not in sentence
            await pilot.press("1")
            await pilot.press("ctrl+end", "pagedown", "ctrl+home")  # the whole text scrolls
        return sentence

    sentence = run(body())
    assert codings(path) == [("SEC.WAR", sentence)]
