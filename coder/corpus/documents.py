"""Listing and reading the documents of a project; their attributes, exclusion from
analyses, same-day near-duplicates and coverage over time.

*Attributes* live in the document's ``metadata`` (a JSON object): the reader's own (author
...), two the importer derives (``genre``: press conference, speech or event, from the
title; ``administration``: the head of government in office on the document's date), and
any a user sets (``coder documents set DOC key=value``).  All are exported as REFI-QDA
Variables and filter analyses with ``--where key=value``.

*Excluded* documents (``coder documents exclude DOC``) are kept but left out of stats,
search, matrices, exports and samples unless asked for (``--include-excluded``, or naming
the document by id).

*Near-duplicates*: the same conference published twice on one day.  Each document's text
is cut into overlapping runs of :data:`SHINGLE` words; two documents of the same date are
compared by the share of runs they have in common (Jaccard) and by how much of the
shorter one is in the longer one (containment).
"""

from __future__ import annotations

import json
import re
import unicodedata
import zlib
from collections.abc import Iterable

from ..errors import CoderError
from ..project import Project

SHINGLE = 8  # words per shingle: long enough that common phrases do not make documents alike
SKETCH = 128  # smallest shingle hashes kept per document for the import-time check
DUPLICATE_CONTAINMENT = 0.8  # this much of the shorter document in the longer: a duplicate
# Columns ``--where`` can name besides metadata keys.
_WHERE_COLUMNS = {"kind", "lang", "title", "date", "source", "id"}
_WORD = re.compile(r"\w+")
# Unicode categories of characters a key may not hold: controls (tab, newline ...), format
# characters (invisible), separators of lines and paragraphs, surrogates, unassigned.
_UNPRINTABLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def list_documents(project: Project, *, where: Iterable[str] = (), excluded: bool | None = None,
                   since: str | None = None, until: str | None = None) -> list[dict]:
    """Documents by date: id, title, date, kind, genre, administration, lang, source, sha256,
    turns, words, excluded.  ``where`` (``key=value``), ``excluded`` (True: only those,
    False: none of them, None: all) and ``since``/``until`` (YYYY[-MM[-DD]]) filter."""
    sql, params = listing_sql(where=where, excluded=excluded, since=since, until=until)
    return project.rows(
        "SELECT d.id, d.title, d.date, d.kind, json_extract(d.metadata, '$.genre') AS genre,"
        " json_extract(d.metadata, '$.administration') AS administration, d.lang, d.source,"
        " d.sha256, (SELECT count(*) FROM turns t WHERE t.document_id = d.id) AS turns, d.words,"
        " d.excluded FROM documents d WHERE 1 = 1" + sql +
        " ORDER BY d.date IS NULL, d.date, d.id", params)


def listing_sql(*, where: Iterable[str] = (), excluded: bool | None = None,
                since: str | None = None, until: str | None = None) -> tuple[str, list]:
    """``AND ...`` clauses over documents ``d`` for the filters of the documents listing:
    attributes (``where``), ``excluded`` (True: only those, False: none of them, None:
    all) and ``since``/``until`` (normalised YYYY[-MM[-DD]] prefixes, inclusive)."""
    sql, params = where_sql(where)
    if excluded is not None:
        sql += " AND d.excluded = ?"
        params.append(int(excluded))
    if since:
        sql += " AND d.date >= ?"
        params.append(since)
    if until:  # the same-length prefix: "2019-03" runs to the end of March
        sql += f" AND substr(d.date, 1, {len(until)}) <= ?"
        params.append(until)
    return sql, params


def parse_where(where: Iterable[str]) -> list[tuple[str, str]]:
    """``["genre=speech", ...]`` as (key, value) pairs; CoderError on a malformed one."""
    return _pairs(where, "where", "genre=speech")


def _pairs(items: Iterable[str], option: str | None, example: str) -> list[tuple[str, str]]:
    """``key=value`` items as (key, value) pairs.  A malformed one is a CoderError about
    ``option`` (the argument the items came in; None: the message names no option)."""
    pairs = []
    for item in items or ():
        key, sep, value = str(item).partition("=")
        key = key.strip()
        if not sep or not key:
            if option is None:
                raise CoderError(f"{item!r} is not key=value (e.g. {example})")
            raise CoderError(f"{option} {item!r}: write key=value (e.g. {example})",
                             option=option)
        pairs.append((key, value.strip()))
    return pairs


def where_sql(where: Iterable[str], d: str = "d") -> tuple[str, list]:
    """``AND ...`` clauses keeping documents whose attribute (a metadata key, or one of
    kind, lang, title, date, source, id) equals the value (case-insensitive); several
    ``--where`` must all hold."""
    sql, params = "", []
    for key, value in parse_where(where):
        if key in _WHERE_COLUMNS:
            sql += f" AND lower(CAST({d}.{key} AS TEXT)) = lower(?)"
        else:
            sql += f" AND lower(CAST(json_extract({d}.metadata, ?) AS TEXT)) = lower(?)"
            params.append(_json_path(key))
        params.append(value)
    return sql, params


def _json_path(key: str) -> str:
    return '$."' + key.replace('"', '""') + '"'


def _check_settable(key: str) -> None:
    """A CoderError when ``key`` cannot be a user attribute: a document's own column, the
    exclusion flag, a key kept for REFI-QDA round trips, or one with a control character
    (keys become REFI-QDA variable names and table columns, where those cannot be shown)."""
    if key == "excluded":
        raise CoderError("'excluded' is not an attribute you can set; use "
                         "`coder documents exclude/include` to exclude a document")
    if key in _WHERE_COLUMNS or key in ("text", "sha256", "metadata"):
        raise CoderError(f"{key!r} is not an attribute you can set: it is the document's own "
                         f"{key}, kept as imported")
    if key.startswith("refi_"):
        raise CoderError(f"{key!r} is not an attribute you can set: keys starting with refi_ "
                         "are kept for REFI-QDA round trips")
    bad = next((c for c in key if unicodedata.category(c) in _UNPRINTABLE), None)
    if bad is not None:
        raise CoderError(f"the key {key!r} holds a control character (U+{ord(bad):04X}); "
                         "use letters, digits and punctuation")


def get_document(project: Project, document_id: int) -> dict:
    """One document row including its text (CoderError if there is none with that id)."""
    rows = project.rows("SELECT * FROM documents WHERE id = ?", [document_id])
    if not rows:
        raise CoderError(f"no document #{document_id}; see `coder documents`")
    return rows[0]


def _document_ids(project: Project, ids: Iterable[object]) -> list[int]:
    found = []
    for raw in ids:
        try:
            document_id = int(str(raw).lstrip("#"))
        except ValueError:
            raise CoderError(f"{raw!r} is not a document id; see `coder documents`") from None
        get_document(project, document_id)
        found.append(document_id)
    if not found:
        raise CoderError("name at least one document id")
    return found


def set_attributes(project: Project, document_id: object, assignments: Iterable[str]) -> dict:
    """Set ``key=value`` attributes on a document (an empty value removes the key); one
    transaction, logged (nothing is written when the attributes stay as they were).
    Returns the new attributes.  A key naming a column (date, title ...), ``excluded`` or
    holding a control character is refused."""
    [doc_id] = _document_ids(project, [document_id])
    # The assignments are an argument of their own: a problem names none of the filters.
    pairs = _pairs(assignments, None, "venue=Palacio")
    if not pairs:
        raise CoderError("give at least one key=value")
    for key, _ in pairs:
        _check_settable(key)
    with project.transaction():
        (raw,) = project.db.execute("SELECT metadata FROM documents WHERE id = ?", [doc_id]).fetchone()
        try:
            before = json.loads(raw or "{}")
        except ValueError:
            before = {}
        if not isinstance(before, dict):
            before = {}
        after = dict(before)
        for key, value in pairs:
            if value == "":
                after.pop(key, None)
            else:
                after[key] = value
        if after == before:
            return after  # nothing changes: no write, no event
        project.db.execute("UPDATE documents SET metadata = ? WHERE id = ?",
                           [json.dumps(after, ensure_ascii=False), doc_id])
        project.log_event("set", "document", doc_id, before=before, after=after)
    return after


def set_excluded(project: Project, ids: Iterable[object], excluded: bool = True) -> list[int]:
    """Exclude documents from analyses (or include them again); they are never deleted.
    One transaction, logged when something changed.  Returns the ids changed (those
    already excluded, or already included, are not)."""
    doc_ids = _document_ids(project, ids)
    with project.transaction():
        changed = [d for d in doc_ids if project.db.execute(
            "UPDATE documents SET excluded = ? WHERE id = ? AND excluded != ?",
            [int(excluded), d, int(excluded)]).rowcount]
        if changed:  # a no-op (all already so) is not an action: no event
            project.log_event("exclude" if excluded else "include", "document", None,
                              after={"documents": changed})
    return changed


def coverage(project: Project, *, where: Iterable[str] = (), include_excluded: bool = False,
             excluded: bool | None = None, since: str | None = None, until: str | None = None
             ) -> list[dict]:
    """Documents and words per month, every month from the first dated document to the last
    (months with none show 0, so gaps are visible).

    The filters are the listing's (:func:`list_documents`): ``where``, ``since``/``until``
    and ``excluded=True`` (only the excluded documents); otherwise excluded documents are
    left out unless ``include_excluded``.  With ``since``/``until`` the months run from
    since's month to until's, kept within the months the project has documents in, so a
    gap at either end of the range shows too.
    """
    if excluded is None and not include_excluded:
        excluded = False
    sql, params = listing_sql(where=where, excluded=excluded, since=since, until=until)
    counts = {month: (docs, words) for month, docs, words in project.db.execute(
        "SELECT substr(d.date, 1, 7), count(*), sum(d.words) FROM documents d"
        " WHERE d.date IS NOT NULL" + sql + " GROUP BY 1 ORDER BY 1", params)}
    if not counts:
        return []
    first, last = min(counts), max(counts)
    if since or until:
        start, end = project.db.execute(
            "SELECT min(substr(date, 1, 7)), max(substr(date, 1, 7)) FROM documents"
            " WHERE date IS NOT NULL").fetchone()
        if since:  # every matching month is >= since's month and >= start
            first = max(since[:7] if len(since) >= 7 else f"{since}-01", start)
        if until:
            last = min(until[:7] if len(until) >= 7 else f"{until}-12", end)
    year, month = int(first[:4]), int(first[5:7])
    rows = []
    while f"{year:04d}-{month:02d}" <= last:
        key = f"{year:04d}-{month:02d}"
        docs, words = counts.get(key, (0, 0))
        rows.append({"month": key, "documents": docs, "words": words or 0})
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return rows


WORDS_ALIKE = 0.02  # word counts this close: maybe one text laid out anew (page headers
#   of a PDF add a few words; see may_be_duplicates)
_SQUEEZE = bytes.maketrans(b"?!", b"..")
_SQUEEZED_OUT = b" \t\n\r,;:\"'()[]-"


def sentence_hashes(text: str | bytes) -> frozenset[int]:
    """Hashes of the text's sentences of 32 bytes or more, read without spaces, line breaks
    and commas: the same text wrapped at another width (a PDF's lines) or with its
    punctuation edited has the same sentences, though no line in common."""
    utf8 = text.encode("utf-8") if isinstance(text, str) else text
    squeezed = utf8.translate(_SQUEEZE, _SQUEEZED_OUT)  # one pass in C
    return frozenset(map(zlib.crc32, [s for s in squeezed.split(b".") if len(s) >= 32]))


def may_be_duplicates(lines: tuple[frozenset, frozenset], share: float,
                      words: tuple[int, int], texts) -> bool:
    """Whether two documents are worth measuring word by word (:func:`overlap`): they share
    ``share`` of the smaller one's long lines (:func:`coder.corpus.prepare.paragraph_hashes`,
    at least 5), or, laid out anew (no line in common), their word counts are within
    :data:`WORDS_ALIKE` of each other and they share that much of their sentences.
    ``texts()`` gives both texts; it is called only for the second test, which is rare."""
    a, b = lines
    smaller = min(len(a), len(b))
    if smaller >= 5 and len(a & b) >= share * smaller:
        return True
    if not all(words) or abs(words[0] - words[1]) > WORDS_ALIKE * max(words):
        return False
    first, second = (sentence_hashes(text) for text in texts())
    smaller = min(len(first), len(second))
    return smaller >= 5 and len(first & second) >= share * smaller


def shingles(text: str, size: int = SHINGLE) -> set[int]:
    """Hashes of every run of ``size`` consecutive words (lower-cased)."""
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return {zlib.crc32(" ".join(words).encode())} if words else set()
    return {zlib.crc32(" ".join(words[i:i + size]).encode()) for i in range(len(words) - size + 1)}


def sketch(text: str) -> list[int]:
    """The :data:`SKETCH` smallest shingle hashes: a small summary that estimates how alike
    two documents are (bottom-k MinHash)."""
    return sorted(shingles(text))[:SKETCH]


def sketch_overlap(a: list[int], b: list[int]) -> float:
    """Estimated Jaccard similarity of two documents from their sketches."""
    if not a or not b:
        return 0.0
    union = sorted(set(a) | set(b))[:SKETCH]
    both = set(a) & set(b)
    return sum(1 for h in union if h in both) / len(union)


def overlap(a: set[int], b: set[int]) -> tuple[float, float]:
    """(Jaccard, containment of the smaller in the larger) of two shingle sets."""
    if not a or not b:
        return 0.0, 0.0
    common = len(a & b)
    return common / len(a | b), common / min(len(a), len(b))


def duplicates(project: Project, *, threshold: float = DUPLICATE_CONTAINMENT,
               include_excluded: bool = True, where: Iterable[str] = (),
               excluded: bool | None = None, since: str | None = None,
               until: str | None = None) -> list[dict]:
    """Pairs of documents of the same date whose texts overlap: containment (of the shorter
    in the longer) at least ``threshold``.  Each with both ids and titles, Jaccard and
    containment, the longer first.

    The listing's filters (``where``, ``excluded``, ``since``/``until``, as for
    :func:`list_documents`) keep a pair when *either* of its documents passes them: a
    duplicate is found to be left out, so a matching document's twin outside the filter
    (another genre, already excluded) is still shown beside it.
    """
    sql = "" if include_excluded else " AND excluded = 0"
    by_date: dict[str, list[int]] = {}
    for document_id, date in project.db.execute(
            "SELECT id, date FROM documents WHERE date IS NOT NULL" + sql + " ORDER BY date, id"):
        by_date.setdefault(date, []).append(document_id)
    passing: set[int] | None = None
    if where or excluded is not None or since or until:
        more, params = listing_sql(where=where, excluded=excluded, since=since, until=until)
        passing = {r[0] for r in project.db.execute(
            "SELECT d.id FROM documents d WHERE 1 = 1" + more, params)}
    pairs = []
    for date, ids in by_date.items():
        if len(ids) < 2 or (passing is not None and passing.isdisjoint(ids)):
            continue
        docs = {row["id"]: row for row in project.rows(
            f"SELECT id, title, words, excluded, text FROM documents WHERE id IN ({','.join('?' * len(ids))})",
            ids)}
        from .prepare import paragraph_hashes

        lines = {i: paragraph_hashes(docs[i]["text"]) for i in ids}
        sets: dict[int, set[int]] = {}
        for n, first in enumerate(ids):
            for second in ids[n + 1:]:
                if passing is not None and first not in passing and second not in passing:
                    continue
                # Lines or sentences first (cheap): texts that share few are not duplicates.
                if not may_be_duplicates(
                        (lines[first], lines[second]), 0.3,
                        (docs[first]["words"], docs[second]["words"]),
                        lambda: (docs[first]["text"], docs[second]["text"])):  # noqa: B023
                    continue
                for i in (first, second):
                    if i not in sets:
                        sets[i] = shingles(docs[i]["text"])
                jaccard, contained = overlap(sets[first], sets[second])
                if contained >= threshold:
                    a, b = sorted((first, second), key=lambda i: (-docs[i]["words"], i))
                    pairs.append({"date": date, "document": a, "duplicate": b,
                                  "title": docs[a]["title"], "duplicate_title": docs[b]["title"],
                                  "jaccard": round(jaccard, 3), "containment": round(contained, 3),
                                  "excluded": docs[b]["excluded"]})
    return pairs


def document_turns(project: Project, document_id: int) -> list[dict]:
    """The turns of a document in order, with speaker name, kind and role."""
    return project.rows(
        'SELECT t.id, t.seq, t.start, t."end", t.words, t.question_id, t.speaker_id,'
        " s.name AS speaker, COALESCE(t.kind, s.kind) AS speaker_kind,"
        " COALESCE(t.role, s.role) AS speaker_role, a.alias"
        " FROM turns t LEFT JOIN speakers s ON s.id = t.speaker_id"
        " LEFT JOIN speaker_aliases a ON a.id = t.alias_id"
        " WHERE t.document_id = ? ORDER BY t.seq", [document_id]
    )
