"""The spaCy pipelines behind suggestions, their recorded names, and the lemma table.

The default pipeline for a language is ``spacy.blank(lang)`` + ``lemmatizer`` in lookup
mode (tables from spacy-lookups-data) + ``sentencizer``; a trained pipeline is used when
the user names one (``--model``).  Each suggestion records the pipeline's name, e.g.
``blank:es+lookup/spacy-3.8.18/lookups-1.0.5`` or ``es_core_news_sm/3.8.0``.

A language without a lookup table gets ``blank:xx/spacy-...``: LEMMA patterns then
compare against lowercase text (the caller warns).

:class:`LemmaData` reads a lookup table's JSON text without building its half-million
entry dict: the fast pass only needs the lemmas of a few words and the surface forms of
a few lemmas, and a worker process then carries a table of just those entries.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import CoderError

# What a trained component's ``assigns`` metadata tells us it gives to the matchers.
_ASSIGNS = {
    "token.pos": {"POS"}, "token.tag": {"TAG"}, "token.morph": {"MORPH"},
    "token.dep": {"DEP"}, "token.head": {"DEP"}, "token.lemma": {"LEMMA"},
    "token.ent_type": {"ENT_TYPE"}, "token.ent_iob": {"ENT_IOB"},
    "token.ent_kb_id": {"ENT_KB_ID"}, "token.ent_id": {"ENT_ID"},
    "doc.ents": {"ENT_TYPE", "ENT_IOB", "ENT_ID"},
    "token.is_sent_start": {"SENT_START", "IS_SENT_START"},
    "doc.sents": {"SENT_START", "IS_SENT_START"},
}


@dataclass(frozen=True)
class PipelineSpec:
    """What a pipeline is called and what it can give to the matchers."""

    lang: str
    model: str | None
    name: str           # recorded on every suggestion
    display: str        # short name for messages (es_blank, es_core_news_sm)
    lemma_table: bool   # a blank pipeline with a lookup lemma table
    provides: frozenset[str]

    @property
    def blank(self) -> bool:
        return self.model is None

    @property
    def lexical_lemma(self) -> bool:
        """True when a token's lemma depends on its text only (a lookup table)."""
        return self.blank and self.lemma_table


def spacy_version() -> str:
    from spacy.about import __version__

    return __version__


def lookups_version() -> str:
    try:
        from spacy_lookups_data import __version__
    except ImportError:
        return "none"
    return __version__


@functools.cache
def lemma_table_path(lang: str) -> Path | None:
    """The spacy-lookups-data file of ``lang``'s lookup lemma table (None: there is none)."""
    from spacy.util import registry

    try:
        if lang not in registry.lookups:
            return None
        data = registry.lookups.get(lang)
    except Exception:  # a broken or missing lookups package: no table
        return None
    path = data.get("lemma_lookup") if isinstance(data, dict) else None
    if path is None:
        return None
    return _existing(Path(str(path)))


@functools.cache
def lexeme_prob_path(lang: str) -> Path | None:
    """The lexeme probability table (word frequencies), used to pick rare anchor words."""
    from spacy.util import registry

    try:
        if lang not in registry.lookups:
            return None
        data = registry.lookups.get(lang)
    except Exception:
        return None
    path = data.get("lexeme_prob") if isinstance(data, dict) else None
    return _existing(Path(str(path))) if path is not None else None


def _existing(path: Path) -> Path | None:
    if path.exists():
        return path
    gz = path.with_name(path.name + ".gz")
    return gz if gz.exists() else None


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return raw.decode("utf-8")


def pipeline_spec(lang: str, model: str | None = None) -> PipelineSpec:
    """The spec of the pipeline used for ``lang`` (a trained ``model`` is loaded to look)."""
    if model is not None:  # "" too: _load_model refuses an empty name
        nlp = load_pipeline(lang, model)
        return _model_spec(lang, model, nlp)
    return _blank_spec(lang)


@functools.cache
def _blank_spec(lang: str) -> PipelineSpec:
    table = lemma_table_path(lang) is not None and _lookup_mode_works(lang)
    base = f"blank:{lang}+lookup" if table else f"blank:{lang}"
    name = f"{base}/spacy-{spacy_version()}" + (f"/lookups-{lookups_version()}" if table else "")
    provides = {"SENT_START", "IS_SENT_START"} | ({"LEMMA"} if table else set())
    return PipelineSpec(lang=lang, model=None, name=name, display=f"{lang}_blank",
                        lemma_table=table, provides=frozenset(provides))


@functools.cache
def _lookup_mode_works(lang: str) -> bool:
    """Some languages' lemmatizers have no lookup mode; they count as having no table."""
    try:
        # Tried on the cached tokenizer-only pipeline (building one costs 0.05-0.2 s) and
        # taken off again: an uninitialised lemmatizer left there would break nlp(text).
        nlp = _blank_nlp(lang)
        nlp.add_pipe("lemmatizer", name="coder_lookup_check", config={"mode": "lookup"})
    except Exception:
        return False
    nlp.remove_pipe("coder_lookup_check")
    return True


def _model_spec(lang: str, model: str, nlp) -> PipelineSpec:
    provides: set[str] = set()
    for name in nlp.pipe_names:
        for assigned in nlp.get_pipe_meta(name).assigns:
            provides |= _ASSIGNS.get(assigned, set())
        factory = nlp.get_pipe_meta(name).factory
        if factory in ("sentencizer", "senter", "parser"):
            provides |= {"SENT_START", "IS_SENT_START"}
    meta = nlp.meta
    name = f"{meta.get('lang', lang)}_{meta.get('name', model)}/{meta.get('version', '0')}"
    return PipelineSpec(lang=lang, model=model, name=name, display=model, lemma_table=False,
                        provides=frozenset(provides))


@functools.cache
def load_pipeline(lang: str, model: str | None = None):
    """The full pipeline for ``lang`` (cached per process): the reference the naive pass uses.

    Blank: tokenizer + lookup lemmatizer (when the language has a table) + sentencizer.
    A trained ``model`` is loaded with spaCy and must be of language ``lang``.
    """

    if model is not None:
        nlp = _load_model(model)
        if nlp.lang != lang:
            raise CoderError(f"pipeline {model!r} is for language {nlp.lang!r}, not {lang!r}")
        return nlp
    nlp = _blank(lang)
    if _blank_spec(lang).lemma_table:
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.add_pipe("sentencizer")
    nlp.initialize()
    return nlp


def model_language(model: str) -> str:
    """The language of an installed trained pipeline (loads it, cached)."""
    return _load_model(model).lang


@functools.cache
def _load_model(model: str):
    import spacy

    if not model.strip():  # spaCy would not say so; the default pipeline is asked by no model
        raise CoderError("model is empty: name an installed spaCy pipeline (such as "
                         "es_core_news_sm) or a pipeline folder, or give none for the default",
                         option="model")
    try:
        return spacy.load(model)
    except OSError:
        # Only a name that could be a package gets the pip hint: `pip install ../x` would
        # install whatever that path holds.
        if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]*", model) and not Path(model).exists():
            raise CoderError(f"spaCy pipeline {model!r} is not installed; install it "
                             f"(pip install {model}) or use the default pipeline",
                             option="model") from None
        if not Path(model).exists():
            raise CoderError(f"no spaCy pipeline {model!r}: there is no such folder (and it is "
                             "not a package name)", option="model") from None
        what = "a folder" if Path(model).is_dir() else "a file"
        raise CoderError(f"{model!r} is {what} spaCy cannot load as a pipeline (a pipeline is "
                         "an installed package or a folder with config.cfg and meta.json)",
                         option="model") from None


def fast_pipeline(lang: str, table: dict[str, str] | None):
    """A blank pipeline whose lookup lemmatizer carries only ``table`` (None: no lemmatizer).

    For the fast pass: when every LEMMA comparison in the patterns is an equality with
    known lemmas, a table holding just the surface forms of those lemmas (and those
    lemmas themselves) gives every pattern the same answer as the full table.
    """
    from spacy.lookups import Lookups

    nlp = _blank(lang)
    if table is not None:
        lemmatizer = nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        lookups = Lookups()
        lookups.add_table("lemma_lookup", table)
        lemmatizer.initialize(lookups=lookups)
    nlp.add_pipe("sentencizer")  # needs no initialising (and nlp.initialize() would reload tables)
    return nlp


def tokenizer_only(lang: str):
    """``spacy.blank(lang)``: a tokenizer without tables (cached), for phrase tokens."""
    return _blank_nlp(lang)


@functools.cache
def _blank_nlp(lang: str):
    return _blank(lang)


def _blank(lang: str):
    """``spacy.blank(lang)`` that takes a text of any length.

    spaCy refuses texts over ``max_length`` (a million characters) because a parser or
    an entity recogniser needs about 1 GB per 100,000 of them; a blank pipeline's
    tokenizer, lookup lemmatizer and sentencizer need memory in proportion to the text,
    so a speech transcribed as one long turn is matched like any other.
    """
    import spacy

    nlp = spacy.blank(lang)
    nlp.max_length = sys.maxsize
    return nlp


class LemmaData:
    """Read-only access to one language's lookup lemma table, read as JSON text.

    Building the table's dict costs ~100 MB for Spanish; the fast pass only asks for a
    few entries, so :meth:`entries` scans the file text once per question.  Results are
    exactly what the table's dict would say (the last of duplicate keys wins, as in
    ``json.load``).
    """

    _PAIR = re.compile(r'"([^"]*)"\s*:\s*"([^"]*)"')

    def __init__(self, path: Path, lang: str | None = None) -> None:
        self.path = path
        self.lang = lang  # names the remembered answers (see :meth:`remembered`)
        self._text: str | None = None  # read at the first scan (remembered answers need none)
        self._table: dict[str, str] | None = None

    def _read(self) -> None:
        self._text = _read_text(self.path)
        # The scan assumes plain "key": "value" pairs without escapes; any other shape
        # falls back to json.load (exact, only heavier).
        colons = self._text.count('":')
        pairs = self._text.count('": "')  # the usual spacing; any other is counted exactly
        if pairs != colons:
            pairs = len(re.findall(r'"\s*:\s*"', self._text))
        if "\\" in self._text or pairs != colons:
            self._table = json.loads(self._text)
            self._text = ""

    @classmethod
    @functools.cache
    def for_lang(cls, lang: str) -> LemmaData | None:
        """The language's table (cached per process), or None when it has none."""
        path = lemma_table_path(lang)
        return cls(path, lang) if path is not None else None

    def entries(self, keys: set[str] = frozenset(), values: set[str] = frozenset()) -> dict[str, str]:
        """Every entry whose key is in ``keys`` or whose value is in ``values``."""
        if self._text is None:
            self._read()
        if self._table is not None:
            return {k: v for k, v in self._table.items() if k in keys or v in values}
        found: dict[str, str] = {}
        for match in self._PAIR.finditer(self._text):
            key, value = match.group(1, 2)
            if key in keys or value in values:
                found[key] = value
            elif key in found:
                del found[key]  # a later duplicate of the key replaces it
        return found

    def remembered(self, keys: set[str] = frozenset(), values: set[str] = frozenset()
                   ) -> dict[str, str]:
        """:meth:`entries`, answered from the user's cache of earlier answers where it can
        be (:mod:`coder.suggest.wordcache`): the table is read only for new words."""
        if self.lang is None:
            return self.entries(keys, values)
        from .wordcache import source_stamp, word_facts

        return word_facts(self.lang).lemma_entries(
            source_stamp(self.path, "lemma", lookups_version()), keys, values, self.entries)


COSTS_VERSION = 1  # bump when the estimate below changes: remembered costs are then redone


def word_costs(lang: str, words: set[str]) -> dict[str, float]:
    """:func:`table_costs`, answered from the user's cache of earlier answers where it can
    be (:mod:`coder.suggest.wordcache`): the tables are read only for new words."""
    from .wordcache import source_stamp, word_facts

    source = source_stamp(lexeme_prob_path(lang), "cost", COSTS_VERSION, spacy_version())
    return word_facts(lang).costs(source, words, lambda new: table_costs(lang, new))


def table_costs(lang: str, words: set[str]) -> dict[str, float]:
    """Each word's estimated frequency (spacy-lookups-data's lexeme_prob, exp of log-prob).

    Only the most frequent 100,000 words are read; rarer words cost less than all of
    them.  Without a table, shorter words cost more.  spaCy's stop words of the language
    cost at least as much as the table's stop word at the upper quartile (a quarter of
    them are more frequent): the table counts words as its source corpus tokenised them,
    so a contraction such as Spanish "del" (split into "de el" there) looks rare although
    it is among the commonest words.  Used to pick the rarest token of a pattern as its
    anchor: it decides speed, never results.
    """
    import math

    probs = _frequent_words(lang)
    floor = min(probs.values()) - 1.0 if probs else None
    stop, stop_floor = _stop_words(lang)
    costs = {}
    for word in words:
        if floor is not None:
            log_prob = probs.get(word, floor)
            if word in stop and stop_floor is not None:
                log_prob = max(log_prob, stop_floor)
            costs[word] = math.exp(log_prob)
        else:
            costs[word] = 10.0 ** -min(len(word), 8)
    return costs


@functools.lru_cache(maxsize=4)
def _stop_words(lang: str) -> tuple[frozenset[str], float | None]:
    """spaCy's stop words of ``lang`` and the upper quartile of the log-probabilities the
    lexeme table gives those of them it holds (None without a table or stop words)."""
    try:
        from spacy.util import get_lang_class

        stop = frozenset(w.lower() for w in get_lang_class(lang).Defaults.stop_words)
    except ImportError:  # a language spaCy does not know: no stop words
        return frozenset(), None
    probs = _frequent_words(lang)
    known = sorted((probs[w] for w in stop if w in probs), reverse=True)
    return stop, (known[len(known) // 4] if known else None)


# A "word": log-probability line of the lexeme_prob table (one entry per line).
_PROB_LINES = re.compile(r'^[^\S\n]*"((?:[^"\\\n]|\\.)*)"[^\S\n]*:[^\S\n]*(-?[0-9.eE+\-]+)',
                         re.MULTILINE)


def _json_pairs(head: str) -> list[tuple[str, float]] | None:
    """The entries of the first lines of a JSON object (C-speed parse), or None when they
    are not plain ``"word": number`` lines."""
    body = head.rstrip()
    if not body.endswith("}"):
        body = body.rstrip(",") + "}"
    try:
        pairs = json.loads(body, object_pairs_hook=list)
    except ValueError:
        return None
    if not isinstance(pairs, list) or not all(
            type(prob) in (int, float) for _, prob in pairs):
        return None
    return [(word, float(prob)) for word, prob in pairs]


@functools.lru_cache(maxsize=4)
def _frequent_words(lang: str, limit: int = 100_000) -> dict[str, float]:
    """The first ``limit`` entries of the lexeme_prob table (it is sorted by frequency)."""
    path = lexeme_prob_path(lang)
    if path is None:
        return {}
    opener = gzip.open if path.name.endswith(".gz") else open
    # Read just the bytes that hold the first lines, then parse them in one go: a
    # line-by-line read of the compressed file cost most of a run's set-up.
    data = b""
    with opener(path, "rb") as handle:
        while data.count(b"\n") <= limit:
            block = handle.read(1 << 20)
            if not block:
                break
            data += block
    lines = data.decode("utf-8", errors="replace").replace("\r\n", "\n").split("\n", limit + 1)
    head = "\n".join(lines[:limit + 1])
    pairs = _json_pairs(head)
    if pairs is None:  # not one entry per line: pick the entries out with a regex
        pairs = []
        for match in _PROB_LINES.finditer(head):
            word = match.group(1)
            if "\\" in word:
                try:
                    word = json.loads(f'"{word}"')
                except ValueError:
                    continue
            try:
                pairs.append((word, float(match.group(2))))
            except ValueError:
                continue
    probs: dict[str, float] = {}
    for word, prob in pairs:
        low = word.lower()
        if prob > probs.get(low, -1e9):
            probs[low] = prob
    return probs
