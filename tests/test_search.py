"""Full-text search: the FTS5 index, accent-insensitive hits, KWIC, filters, suggestions."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from coder.cli import main
from coder.corpus.importer import import_paths
from coder.errors import CoderError
from coder.export.search import (
    INDEX_SETTING,
    ensure_index,
    fold_accents,
    hit_pattern,
    kwic_line,
    pending_turns,
    query_terms,
    search,
    suggest_hits,
)
from tests.helpers import build_coded, write_transcript


@pytest.fixture
def coded(project, tmp_path):
    build_coded(project, tmp_path)
    return project


def text_of(project, hit) -> str:
    text = project.db.execute("SELECT text FROM documents WHERE id = ?", [hit.document_id]).fetchone()[0]
    return text[hit.start:hit.end]


def test_case_and_accents_do_not_matter(coded):
    hits = search(coded, "violencia")
    matches = [h.match for h in hits]
    assert "VIOLENCIA" in matches and matches.count("violencia") == 3
    assert all(text_of(coded, h) == h.match for h in hits)  # offsets are the real words
    young = search(coded, "jovenes")
    assert sorted(h.match for h in young) == ["Jóvenes", "jóvenes", "jóvenes"]
    # Terms next to each other make one hit (and one KWIC line).
    assert [h.match for h in search(coded, "JÓVENES construyendo")] == ["Jóvenes Construyendo"]
    assert [h.match for h in search(coded, "abrazos balazos")] == ["abrazos", "balazos"]


def test_phrase_prefix_or_not_near(coded):
    phrase = search(coded, '"guerra contra el narco"')
    assert [(h.match, h.document_id, h.paragraph) for h in phrase] == [("guerra contra el narco", 1, 3)]
    assert {h.match for h in search(coded, "milit*")} == {"militar"}
    assert {h.match for h in search(coded, "homicidios OR balazos")} == {"homicidios", "balazos"}
    # NOT: turns with "guerra" but without "narco"; "narco" is never highlighted.
    not_narco = search(coded, "guerra NOT narco")
    assert {h.document_id for h in not_narco} == {2} and {h.match for h in not_narco} == {"guerra"}
    near = search(coded, "NEAR(estrategia militar, 2)")
    assert [h.match for h in near] == ["estrategia militar"]


def test_query_terms_and_pattern():
    assert query_terms('"Guerra contra" narco* NOT (paz OR abrazos) NEAR(a b, 5)') == [
        (["guerra", "contra"], False), (["narco"], True), (["a"], False), (["b"], False)]
    pattern = hit_pattern("jovenes")
    assert pattern.search("los JÓVENES y").group() == "JÓVENES"
    assert pattern.search("los jo\u0301venes").group() == "jo\u0301venes"  # decomposed accent
    assert not pattern.search("jovenesx")
    assert [m.group() for m in hit_pattern('"la paz" pa*').finditer("La  Paz, pasa")] == [
        "La  Paz", "pasa"]


@given(st.text())
def test_fold_keeps_offsets(text):
    assert len(fold_accents(text)) == len(text)


def test_malformed_query_is_a_one_line_error(coded):
    for query in ['"unclosed', "guerra AND (", "", "NEAR("]:
        with pytest.raises(CoderError, match="malformed search query|empty") as info:
            search(coded, query)
        assert "\n" not in str(info.value)


def test_kwic_shows_context_from_the_turn(coded):
    hit = search(coded, "balazos", kwic=20)[0]
    assert hit.match == "balazos" and hit.right == "."
    assert hit.left == "uencia: abrazos, no "  # the last 20 characters before the hit
    assert kwic_line(hit, 20).endswith("abrazos, no [balazos].")
    assert len(kwic_line(hit, 20).split("[")[0]) == 20  # left context right-aligned


def test_filters(coded):
    press = search(coded, "estrategia OR guardia", role="press")
    assert {h.speaker_kind for h in press} == {"press"} and len(press) == 2
    president = search(coded, "paz", speaker="López Obrador")
    assert president and {h.speaker for h in president} == {"Andrés Manuel López Obrador"}
    assert {h.document_id for h in search(coded, "violencia", since="2019-04")} == {2}
    assert {h.document_id for h in search(coded, "violencia", until="2019-03-31")} == {1}
    # Only hits inside a segment of DES (or a child): bob's "la estrategia de paz" and
    # alice's "La VIOLENCIA no se combate con violencia."
    coded_hits = search(coded, "violencia OR paz", codes=["DES"])
    assert sorted((h.document_id, h.match) for h in coded_hits) == [
        (1, "paz"), (2, "VIOLENCIA"), (2, "violencia")]
    assert [h.match for h in search(coded, "violencia OR paz", codes=["DES"], coder="alice")] == [
        "VIOLENCIA", "violencia"]
    with pytest.raises(CoderError, match="no speaker matching"):
        search(coded, "paz", speaker="Nadie Conocido")
    assert len(search(coded, "violencia", limit=2)) == 2


def test_index_is_built_once_and_refreshed_incrementally(coded, tmp_path):
    assert pending_turns(coded) == 9
    first = ensure_index(coded)
    assert first == {"added": 9, "turns": 9, "rebuilt": True}
    assert ensure_index(coded)["added"] == 0
    assert search(coded, "ornitorrinco") == []
    import_paths(coded, [write_transcript(tmp_path, "in/2019/mayo/02--c.txt",
                                          "Mensaje | 2 de mayo, 2019\nAutor\n02 de mayo de 2019\n---\n"
                                          "PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR\nUn ornitorrinco.\n"
                                          "---\nPREGUNTA\n¿Ornitorrincos?\n")])
    assert pending_turns(coded) == 2
    hits = search(coded, "ornitorrinco*")
    assert [h.match for h in hits] == ["ornitorrinco", "Ornitorrincos"]
    state = coded.setting(INDEX_SETTING)
    assert state["turns"] == 11
    assert state["max_turn_id"] == coded.db.execute("SELECT max(id) FROM turns").fetchone()[0]
    # A deleted turn makes the next search rebuild the index rather than trust it.
    with coded.transaction():
        coded.db.execute("DELETE FROM turns WHERE id = 1")
    assert ensure_index(coded)["rebuilt"] is True
    assert coded.setting(INDEX_SETTING)["turns"] == 10


def test_suggest_code_writes_suggestions_not_annotations(coded):
    annotations = coded.db.execute("SELECT count(*) FROM annotations").fetchone()[0]
    result = suggest_hits(coded, "violencia", "SEC.WAR")
    assert result.hits == 4 and result.suggestions == 4
    assert coded.db.execute("SELECT count(*) FROM annotations").fetchone()[0] == annotations
    rows = coded.rows('SELECT * FROM suggestions ORDER BY document_id, start')
    assert {r["pattern_id"] for r in rows} == {"search:violencia"}
    assert {r["pipeline"] for r in rows} == {"fts5"}
    assert {r["codebook_version"] for r in rows} == {coded.setting("codebook_version")}
    texts = [coded.db.execute("SELECT substr(text, ? + 1, ? - ?) FROM documents WHERE id = ?",
                              [r["start"], r["end"], r["start"], r["document_id"]]).fetchone()[0]
             for r in rows]
    assert sorted(texts) == ["VIOLENCIA", "violencia", "violencia", "violencia"]
    assert suggest_hits(coded, "violencia", "SEC.WAR").suggestions == 0  # already there
    assert coded.db.execute("SELECT action FROM events ORDER BY id DESC").fetchone()[0] == "suggest"
    with pytest.raises(CoderError, match="no code"):
        suggest_hits(coded, "violencia", "NOPE")


def test_cli_search(coded):
    runner = CliRunner()
    result = runner.invoke(main, ["search", "jovenes", "-p", str(coded.path), "--kwic", "15"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "[" in line]
    assert len(lines) == 3 and all("óvenes]" in line for line in lines)
    result = runner.invoke(main, ["search", "violencia", "--json", "--limit", "1", "-p", str(coded.path)])
    assert result.exit_code == 0
    start = result.output.index("[")
    hits = json.loads(result.output[start:result.output.rindex("]") + 1])
    assert len(hits) == 1 and hits[0]["match"].lower() == "violencia"
    result = runner.invoke(main, ["search", '"unclosed', "-p", str(coded.path)])
    assert result.exit_code == 1 and result.output.startswith("coder: malformed search query")
    result = runner.invoke(main, ["search", "guerra", "--suggest-code", "SEC.WAR", "--limit", "1",
                                  "-p", str(coded.path)])
    assert result.exit_code == 0, result.output
    assert "recorded 3 new suggestion(s) of SEC.WAR from 3 hit(s)" in result.output


def test_real_corpus_search(real_corpus, tmp_path):
    """Index a slice of the shared corpus; accent-insensitive hits land on real words."""
    from coder.project import Project

    with Project(tmp_path / "real.db", create=True) as project:
        import_paths(project, [real_corpus / "2019"])
        hits = search(project, "jovenes", limit=200)
        assert len(hits) == 200
        text_cache = {}
        for hit in hits:
            if hit.document_id not in text_cache:
                text_cache[hit.document_id] = project.db.execute(
                    "SELECT text FROM documents WHERE id = ?", [hit.document_id]).fetchone()[0]
            assert fold_accents(text_cache[hit.document_id][hit.start:hit.end]) == "jovenes"
        assert any(h.match == "jóvenes" for h in hits)


# -- natural queries, totals ----------------------------------------------------------------------

def test_plain_phrase():
    from coder.export.search import plain_phrase

    assert plain_phrase("¿por qué?") == '"por qué"'
    assert plain_phrase("López-Gatell") == '"López Gatell"'
    assert plain_phrase("¡Abrazos, no balazos!") == '"Abrazos no balazos"'
    assert plain_phrase("jo\u0301venes") == '"jóvenes"'  # composed first, one word
    for query in ['"unclosed', "milit*", "guerra AND (", "NEAR(", "paz OR", "¿?"]:
        assert plain_phrase(query) is None, query


def test_natural_spanish_queries_fall_back_to_a_phrase(coded):
    from coder.export.search import fts_query

    ensure_index(coded)
    hits = search(coded, "¿Qué opina?")
    assert [(h.document_id, h.match) for h in hits] == [(2, "Qué opina")]
    assert fts_query(coded, "¿Qué opina?") == '"Qué opina"'
    hyphen = search(coded, "jóvenes-construyendo")
    assert [h.match for h in hyphen] == ["Jóvenes Construyendo"]
    punctuated = search(coded, "abrazos, no balazos.")
    assert [h.match for h in punctuated] == ["abrazos, no balazos"]
    # A query FTS5 accepts runs as it is (both words, anywhere in the turn).
    assert fts_query(coded, "abrazos balazos") == "abrazos balazos"
    assert [h.match for h in search(coded, "abrazos balazos")] == ["abrazos", "balazos"]


def test_malformed_operator_queries_still_fail(coded):
    for query in ["guerra AND (", '"unclosed', "NEAR(", "paz OR", "¿?", "guerra AND ¿qué?"]:
        with pytest.raises(CoderError, match="malformed search query") as info:
            search(coded, query)
        assert "\n" not in str(info.value)


def test_search_page_counts_every_hit(coded):
    from coder.export.search import SearchPage, search_page

    page = search_page(coded, "violencia", limit=1)
    assert len(page.hits) == 1 and page.total == 4 and page.query == "violencia"
    everything = search_page(coded, "violencia", limit=0)
    assert [h.as_dict() for h in everything.hits] == [h.as_dict() for h in search(coded, "violencia", limit=0)]
    assert search_page(coded, "¿por qué?", limit=5) == SearchPage(hits=[], total=0, query='"por qué"')


def test_search_dates_are_checked(coded):
    with pytest.raises(CoderError, match=r"^since '2019-13' is not a date"):
        search(coded, "guerra", since="2019-13")
    with pytest.raises(CoderError, match=r"^until '2019-02-30' is not a date"):
        search(coded, "guerra", until="2019-02-30")


def test_cli_search_footer_and_fallback(coded):
    runner = CliRunner()
    result = runner.invoke(main, ["search", "violencia", "--limit", "2", "-p", str(coded.path)])
    assert result.exit_code == 0, result.output
    assert "2 of 4 hits shown (--limit 0 shows all)" in result.output
    result = runner.invoke(main, ["search", "violencia", "-p", str(coded.path)])
    assert "4 of 4 hits shown\n" in result.output and "--limit 0" not in result.output
    result = runner.invoke(main, ["search", "¿Qué opina?", "-p", str(coded.path)])
    assert result.exit_code == 0, result.output
    assert 'searching for the phrase "Qué opina"' in result.output
    assert "[Qué opina]" in result.output and "1 of 1 hit shown" in result.output
    result = runner.invoke(main, ["search", "guerra AND (", "-p", str(coded.path)])
    assert result.exit_code == 1 and result.output.count("\n") == 1
