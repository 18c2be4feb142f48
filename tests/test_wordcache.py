"""The user's cache of lookup-table answers (coder.suggest.wordcache): exact, and harmless
when missing, stale, corrupt or unwritable."""

from __future__ import annotations

import json

import pytest

from coder.suggest import wordcache
from coder.suggest.pipeline import LemmaData, lemma_table_path, table_costs, word_costs
from coder.suggest.wordcache import WordFacts, cache_dir, source_stamp

TABLE = {"guerras": "guerra", "guerra": "guerra", "declaró": "declarar", "declaramos": "declarar",
         "paces": "paz"}


def scanner(calls: list):
    """A stand-in for LemmaData.entries over TABLE that records what it was asked."""
    def scan(keys, values):
        calls.append((set(keys), set(values)))
        return {k: v for k, v in TABLE.items() if k in keys or v in values}
    return scan


def test_answers_are_the_tables_and_are_asked_once(tmp_path):
    calls: list = []
    first = WordFacts("xx", tmp_path).lemma_entries("t1", {"guerras", "nada"}, {"declarar"},
                                                    scanner(calls))
    assert first == {"guerras": "guerra", "declaró": "declarar", "declaramos": "declarar"}
    # A new process (a new WordFacts reads the file): the same answer, no scan.
    again = WordFacts("xx", tmp_path).lemma_entries("t1", {"guerras", "nada"}, {"declarar"},
                                                    scanner(calls))
    assert again == first and len(calls) == 1
    # Only the new words are looked up; the old ones still count.
    more = WordFacts("xx", tmp_path).lemma_entries("t1", {"guerras", "paces"}, {"declarar", "paz"},
                                                   scanner(calls))
    assert calls[-1] == ({"paces"}, {"paz"})
    assert more == {k: v for k, v in TABLE.items()
                    if k in {"guerras", "paces"} or v in {"declarar", "paz"}}


def test_a_changed_table_discards_what_was_remembered(tmp_path):
    calls: list = []
    WordFacts("xx", tmp_path).lemma_entries("t1", {"guerras"}, set(), scanner(calls))
    WordFacts("xx", tmp_path).lemma_entries("t2", {"guerras"}, set(), scanner(calls))
    assert len(calls) == 2
    data = json.loads((tmp_path / "words-xx.json").read_text(encoding="utf-8"))
    assert data["lemma"]["source"] == "t2"


@pytest.mark.parametrize("content", [
    "{not json", '["a list"]', '{"format": 99, "lemma": {}}',
    '{"format": 1, "lemma": {"source": "t1", "lemma_of": {"guerras": 7}, "forms_of": {}}}',
    '{"format": 1, "lemma": {"source": "t1", "lemma_of": {}, "forms_of": {"guerra": "x"}}}',
    '{"format": 1, "cost": {"source": "c1", "of": {"guerra": "cheap"}}}',
])
def test_a_corrupt_cache_is_passed_over_and_rewritten(tmp_path, content):
    path = tmp_path / "words-xx.json"
    path.write_text(content, encoding="utf-8")
    calls: list = []
    facts = WordFacts("xx", tmp_path)
    assert facts.lemma_entries("t1", {"guerras"}, {"declarar"}, scanner(calls)) == {
        "guerras": "guerra", "declaró": "declarar", "declaramos": "declarar"}
    assert facts.costs("c1", {"guerra"}, lambda words: dict.fromkeys(words, 0.5)) == {"guerra": 0.5}
    assert calls
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == wordcache.FORMAT and data["lemma"]["lemma_of"] == {"guerras": "guerra"}


def test_an_unwritable_folder_costs_only_the_saving(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    facts = WordFacts("xx", blocker / "cache")  # a folder under a file cannot be made
    calls: list = []
    assert facts.lemma_entries("t1", {"guerras"}, set(), scanner(calls)) == {"guerras": "guerra"}
    assert not (blocker / "cache").exists() and list(tmp_path.iterdir()) == [blocker]


def test_the_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CODER_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"
    monkeypatch.setenv("CODER_CACHE_DIR", "")
    assert cache_dir() is None  # keep nothing
    calls: list = []
    assert WordFacts("xx", None).lemma_entries("t1", {"guerras"}, set(), scanner(calls)) == {
        "guerras": "guerra"}
    monkeypatch.delenv("CODER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "coder"


def test_no_table_means_no_remembering(tmp_path):
    assert source_stamp(None) == "" and source_stamp(tmp_path / "missing.json") == ""
    calls: list = []
    facts = WordFacts("xx", tmp_path)
    facts.lemma_entries("", {"guerras"}, set(), scanner(calls))
    facts.lemma_entries("", {"guerras"}, set(), scanner(calls))
    assert len(calls) == 2 and not (tmp_path / "words-xx.json").exists()


def test_the_spanish_table_remembered_gives_what_it_gives_scanned(tmp_path, monkeypatch):
    """The real table: remembered answers equal a scan, and a warm run reads no table."""
    monkeypatch.setenv("CODER_CACHE_DIR", str(tmp_path))
    keys = {"guerras", "declaró", "fuimos", "palabra-que-no-existe"}
    values = {"declarar", "atender", "ser"}
    scanned = LemmaData(lemma_table_path("es")).entries(keys, values)
    cold = LemmaData(lemma_table_path("es"), "es")
    assert cold.remembered(keys, values) == scanned
    wordcache._FACTS.clear()  # as a new process would
    warm = LemmaData(lemma_table_path("es"), "es")
    assert warm.remembered(keys, values) == scanned
    assert warm._text is None and warm._table is None  # never read
    words = {"guerra", "del", "mes", "zzzq"}
    assert word_costs("es", words) == table_costs("es", words)
    wordcache._FACTS.clear()
    assert word_costs("es", words) == table_costs("es", words)
    assert json.loads((tmp_path / "words-es.json").read_text(encoding="utf-8"))["cost"]["of"].keys() \
        == words


def test_past_the_bound_a_section_starts_again_and_still_answers(tmp_path, monkeypatch):
    monkeypatch.setattr(wordcache, "MAX_WORDS", 3)
    calls: list = []
    facts = WordFacts("xx", tmp_path)
    facts.lemma_entries("t1", {"guerras", "paces"}, set(), scanner(calls))
    assert facts.lemma_entries("t1", {"guerras", "paces", "declaró"}, {"paz"}, scanner(calls)) == {
        "guerras": "guerra", "paces": "paz", "declaró": "declarar"}
    assert calls[-1] == ({"guerras", "paces", "declaró"}, {"paz"})  # all asked again
    facts.costs("c1", {"a", "b"}, lambda words: dict.fromkeys(words, 1.0))
    assert facts.costs("c1", {"a", "c", "d"}, lambda words: dict.fromkeys(words, 2.0)) == {
        "a": 2.0, "c": 2.0, "d": 2.0}
