"""Suggestions from corpus search are kept when the pattern engine re-runs."""

from __future__ import annotations

from coder.codebook import parse_codebook, store_codebook
from coder.corpus.importer import import_paths
from coder.project import now
from coder.suggest import run_suggest
from coder.suggest.store import SEARCH_PIPELINE
from tests.helpers import CODEBOOK


def test_search_suggestions_survive_a_forced_run(project, transcript):
    import_paths(project, [transcript])
    store_codebook(project, parse_codebook(CODEBOOK))
    run_suggest(project)
    project.db.execute(
        'INSERT INTO suggestions(document_id, code_id, start, "end", pattern_id, codebook_version,'
        " pipeline, created_at) VALUES (1, 'SEC.WAR', 5, 9, 'search:guerra', 'v', ?, ?)",
        [SEARCH_PIPELINE, now()])
    engine = project.db.execute(
        "SELECT count(*) FROM suggestions WHERE pipeline != ?", [SEARCH_PIPELINE]).fetchone()[0]
    assert engine > 0
    run_suggest(project, force=True)
    rows = project.rows("SELECT pattern_id FROM suggestions WHERE pipeline = ?", [SEARCH_PIPELINE])
    assert rows == [{"pattern_id": "search:guerra"}]
    again = project.db.execute(
        "SELECT count(*) FROM suggestions WHERE pipeline != ?", [SEARCH_PIPELINE]).fetchone()[0]
    assert again == engine
