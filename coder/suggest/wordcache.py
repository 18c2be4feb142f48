"""What the lookup tables say about a codebook's words, remembered between runs.

Every run of the fast pass asks spacy-lookups-data's tables the same few questions: the
lemma of each word of a LEMMA phrase, the surface forms of each LEMMA value, and how
common each anchor candidate is.  Answering them means decompressing and scanning a
15 MB lemma table and parsing the head of the frequency table, most of a second per run
for Spanish and English, although the answers change only when the tables do.

So the answers are kept in one small JSON file per language in the user's cache folder
(``$CODER_CACHE_DIR``, else ``$XDG_CACHE_HOME/coder``, else ``~/.cache/coder``; set
``CODER_CACHE_DIR`` to an empty string to keep nothing), each section stamped with the
table file it came from (path, size, modification time) and discarded when that
changes.  A question the file does not answer is asked of the table and its answer
added.  Like Python's ``__pycache__``, the folder holds only derived data: deleting it
costs one slower run, and an unreadable, corrupt or unwritable cache is passed over in
silence.  Answers are exact: a remembered lookup gives what the table gives.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

FORMAT = 1
MAX_WORDS = 50_000  # per section; past it the section starts again (a bound, rarely reached)


def cache_dir() -> Path | None:
    """The folder of coder's caches, or None when ``CODER_CACHE_DIR`` is set empty."""
    chosen = os.environ.get("CODER_CACHE_DIR")
    if chosen is not None:
        return Path(chosen).expanduser() if chosen.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "coder"


def source_stamp(path: Path | None, *extra: object) -> str:
    """Identifies a table file's contents (path, size, mtime) plus anything else the
    answers depend on; "" when there is no file."""
    if path is None:
        return ""
    try:
        info = path.stat()
    except OSError:
        return ""
    return "|".join(str(part) for part in (path, info.st_size, info.st_mtime_ns, *extra))


class WordFacts:
    """One language's remembered answers: lemmas of words, forms of lemmas, word costs."""

    def __init__(self, lang: str, folder: Path | None) -> None:
        self.lang = lang
        self.path = folder / f"words-{lang}.json" if folder is not None else None
        self._data = self._read()

    def _read(self) -> dict:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            return {}
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return {}
        return data

    def _section(self, name: str, source: str, checks: dict[str, Callable[[object], bool]]
                 ) -> dict:
        """The section ``name`` if it came from ``source`` and every entry has the right
        shape; else a fresh, empty one (which replaces it)."""
        section = self._data.get(name)
        if (isinstance(section, dict) and section.get("source") == source
                and all(isinstance(section.get(part), dict)
                        and all(isinstance(k, str) and check(v)
                                for k, v in section[part].items())
                        for part, check in checks.items())):
            return section
        section = {"source": source, **{part: {} for part in checks}}
        self._data[name] = section
        return section

    def lemma_entries(self, source: str, keys: Iterable[str], values: Iterable[str],
                      scan: Callable[[set[str], set[str]], dict[str, str]]) -> dict[str, str]:
        """What ``scan(keys, values)`` returns (every table entry whose key is in ``keys`` or
        whose value is in ``values``), scanning only for the words not remembered."""
        keys, values = set(keys), set(values)
        if not source:
            return scan(keys, values)
        section = self._section("lemma", source, {
            "lemma_of": lambda v: v is None or isinstance(v, str),
            "forms_of": lambda v: isinstance(v, list) and all(isinstance(f, str) for f in v)})
        lemma_of, forms_of = section["lemma_of"], section["forms_of"]
        new_keys = keys - lemma_of.keys()
        new_values = values - forms_of.keys()
        if new_keys or new_values:
            if len(lemma_of) + len(forms_of) + len(new_keys) + len(new_values) > MAX_WORDS:
                lemma_of.clear()
                forms_of.clear()
                new_keys, new_values = keys, values
            found = scan(new_keys, new_values)
            for key in new_keys:
                lemma_of[key] = found.get(key)
            for value in new_values:
                forms_of[value] = []
            for key, value in sorted(found.items()):
                if value in new_values:
                    forms_of[value].append(key)
            self._save()
        result = {key: lemma_of[key] for key in keys if lemma_of[key] is not None}
        for value in values:
            for form in forms_of[value]:
                result[form] = value
        return result

    def costs(self, source: str, words: Iterable[str],
              compute: Callable[[set[str]], dict[str, float]]) -> dict[str, float]:
        """What ``compute(words)`` returns, computing only for the words not remembered."""
        words = set(words)
        if not source:
            return compute(words)
        section = self._section("cost", source, {
            "of": lambda v: type(v) in (int, float) and math.isfinite(v)})
        known = section["of"]
        new = words - known.keys()
        if new:
            if len(known) + len(new) > MAX_WORDS:
                known.clear()
                new = words
            known.update(compute(new))
            self._save()
        return {word: float(known[word]) for word in words}

    def _save(self) -> None:
        """Write the file whole (a temporary file renamed over it); any failure is ignored:
        the answers were only a saving."""
        if self.path is None:
            return
        self._data["format"] = FORMAT
        temporary = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name,
                                                 suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(self._data, out, ensure_ascii=False)
            os.replace(temporary, self.path)
        except OSError:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)


_FACTS: dict[tuple[str, Path | None], WordFacts] = {}


def word_facts(lang: str) -> WordFacts:
    """The language's remembered answers (read once per process and cache folder)."""
    folder = cache_dir()
    facts = _FACTS.get((lang, folder))
    if facts is None:
        facts = _FACTS[(lang, folder)] = WordFacts(lang, folder)
    return facts
