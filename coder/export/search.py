"""Full-text search over turns (SQLite FTS5) with keyword-in-context lines.

The index is a contentless FTS5 table, ``turns_fts`` (rowid = ``turns.id``, tokenizer
``unicode61 remove_diacritics 2``: case- and accent-insensitive, so ``jovenes`` finds
``Jóvenes`` and ``violencia`` finds ``VIOLENCIA``).  It is built on the first search and
brought up to date on later ones: the ``search_index`` setting records the highest turn
id indexed and how many turns that covered, so new imports are added incrementally and a
deletion triggers a rebuild.  Documents are immutable, so indexed text never goes stale.

Queries use FTS5 syntax as it is: words (all must occur in the turn), ``"a phrase"``,
``prefix*``, ``OR``, ``NOT``, ``NEAR(a b, 10)``, parentheses.  Natural text that FTS5
rejects (``¿por qué?``, ``López-Gatell``) is searched as the phrase of its words, as
long as it uses none of the operators (quotes, ``*``, AND/OR/NOT/NEAR); a malformed
query with operators is a one-line error.  FTS5 finds the turns; the
hit positions inside each turn come from a regular expression built from the query's
terms, each letter a class of its case and accent variants (``jovenes`` ->
``[Jj][OoÓó...]venes``), run over the original text, so offsets (Python ``str`` indices
into ``documents.text``) and KWIC lines show the real words.  Every occurrence of a
term in a matching turn is a hit (for ``NEAR`` too, even one far from the other term),
terms separated only by spaces make one hit, and terms under ``NOT`` are never hits.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from ..corpus.turns import paragraph_number
from ..errors import CoderError
from ..project import Project
from ..selection import as_list, resolve_filters, role_condition, speaker_ids
from ..team.blind import blind_documents_of

if TYPE_CHECKING:
    from ..suggest.store import SearchSuggestions

FTS_TABLE = "turns_fts"
INDEX_SETTING = "search_index"
TOKENIZER = "unicode61 remove_diacritics 2"
_CREATE = (f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
           f"text, content='', tokenize='{TOKENIZER}')")
QUERY_HELP = 'words, "a phrase", prefix*, OR, NOT, NEAR(a b, 10), (groups)'


# -- folding --------------------------------------------------------------------------------------

class _FoldTable(dict):
    """A ``str.translate`` table mapping each character to one lower-case, accent-free one.

    One character in, one character out, so offsets in the folded text are offsets in
    the original.  Filled lazily (``__missing__``) with each new character met.
    """

    def __missing__(self, code: int) -> str:
        char = chr(code)
        base = unicodedata.normalize("NFD", char)[0].lower()
        folded = base if len(base) == 1 else char
        self[code] = folded
        return folded


_FOLD = _FoldTable()


def fold_accents(text: str) -> str:
    """Lower-case ``text`` without diacritics, keeping its length (and so its offsets)."""
    return text.translate(_FOLD)


# -- the index ------------------------------------------------------------------------------------

def _index_exists(project: Project) -> bool:
    return project.db.execute("SELECT 1 FROM sqlite_master WHERE name = ?",
                              [FTS_TABLE]).fetchone() is not None


def _plan(project: Project) -> tuple[bool, int, int]:
    """(rebuild?, highest turn id already indexed, turns left to index)."""
    state = project.setting(INDEX_SETTING) or {}
    indexed_max = int(state.get("max_turn_id", 0))
    rebuild = not _index_exists(project) or not state
    if not rebuild:
        covered = project.db.execute("SELECT count(*) FROM turns WHERE id <= ?",
                                     [indexed_max]).fetchone()[0]
        rebuild = covered != state.get("turns")  # turns were deleted: start again
    if rebuild:
        indexed_max = 0
    pending = project.db.execute("SELECT count(*) FROM turns WHERE id > ?",
                                 [indexed_max]).fetchone()[0]
    return rebuild, indexed_max, pending


def pending_turns(project: Project) -> int:
    """How many turns the next search has to add to the index (0: it is up to date)."""
    rebuild, _, pending = _plan(project)
    return pending if pending or not rebuild else 0


def ensure_index(project: Project, progress: Callable[[int], None] | None = None) -> dict:
    """Create or refresh the FTS index; returns ``{"added", "turns", "rebuilt"}``.

    One transaction.  ``progress(n)`` is called as turns are indexed.  The index is a
    cache of the turns, not a change to the data, so it is not in the events log.
    """
    rebuild, indexed_max, pending = _plan(project)
    if not rebuild and not pending:
        return {"added": 0, "turns": project.setting(INDEX_SETTING)["turns"], "rebuilt": False}
    if getattr(project, "read_only", False):
        return _temporary_index(project, progress)
    db = project.db
    try:
        with project.transaction():
            # Plan again under the write lock: another process may have just indexed.
            rebuild, indexed_max, pending = _plan(project)
            db.execute(_CREATE)
            if rebuild:
                db.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')")
            documents = [r[0] for r in db.execute(
                "SELECT DISTINCT document_id FROM turns WHERE id > ? ORDER BY document_id",
                [indexed_max])]
            added = 0
            for document_id in documents:
                text = db.execute("SELECT text FROM documents WHERE id = ?",
                                  [document_id]).fetchone()[0]
                turns = db.execute('SELECT id, start, "end" FROM turns'
                                   " WHERE document_id = ? AND id > ?",
                                   [document_id, indexed_max]).fetchall()
                db.conn.executemany(f"INSERT INTO {FTS_TABLE}(rowid, text) VALUES (?, ?)",
                                    [(tid, text[s:e]) for tid, s, e in turns])
                added += len(turns)
                if progress:
                    progress(len(turns))
            max_id, count = db.execute("SELECT coalesce(max(id), 0), count(*) FROM turns").fetchone()
            project.set_setting(INDEX_SETTING, {"max_turn_id": max_id, "turns": count})
    except sqlite3.OperationalError as exc:
        raise CoderError(f"cannot build the search index ({exc})", path=project.path) from None
    return {"added": added, "turns": count, "rebuilt": rebuild}


def _temporary_index(project: Project,
                     progress: Callable[[int], None] | None = None) -> dict:
    """For a project opened read-only whose index is missing or stale: the index is
    built in this connection's temporary schema, which shadows the stored one (an
    unqualified ``turns_fts`` names ``temp.turns_fts`` first), and is gone on close."""
    db = project.db
    if db.execute("SELECT 1 FROM sqlite_temp_master WHERE name = ?", [FTS_TABLE]).fetchone():
        count = db.execute("SELECT count(*) FROM turns").fetchone()[0]
        return {"added": 0, "turns": count, "rebuilt": False}
    db.execute(_CREATE.replace(f"EXISTS {FTS_TABLE}", f"EXISTS temp.{FTS_TABLE}"))
    added = 0
    for document_id, text in db.execute("SELECT id, text FROM documents ORDER BY id").fetchall():
        turns = db.execute('SELECT id, start, "end" FROM turns WHERE document_id = ?',
                           [document_id]).fetchall()
        db.conn.executemany(f"INSERT INTO temp.{FTS_TABLE}(rowid, text) VALUES (?, ?)",
                            [(tid, text[s:e]) for tid, s, e in turns])
        added += len(turns)
        if progress:
            progress(len(turns))
    return {"added": added, "turns": added, "rebuilt": True}


# -- queries → hit patterns -----------------------------------------------------------------------

_QUERY_TOKEN = re.compile(r'"(?:[^"]|"")*"|\{[^}]*\}|[()*^+:,]|[^\s"(){}*^+:,]+')
_WORD = re.compile(r"[^\W_]+")
_OPERATORS = {"AND", "OR", "NOT", "NEAR"}


def query_terms(query: str) -> list[tuple[list[str], bool]]:
    """The phrases of an FTS5 query to highlight: ``[(folded words, last word is a prefix)]``.

    Operators, column filters, ``NEAR`` distances and ``NOT`` branches are left out.
    """
    tokens = _QUERY_TOKEN.findall(query)
    terms: list[tuple[list[str], bool]] = []
    i, join_next = 0, False
    while i < len(tokens):
        token = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if token == "NOT":
            i = _skip_operand(tokens, i + 1)
            continue
        if token in ("(", ")", "^", "*") or token in _OPERATORS:
            i += 1
            continue
        if token == "+":
            join_next = True
            i += 1
            continue
        if token == ",":  # NEAR(a b, 10): skip the distance
            i += 2
            continue
        if following == ":" or token.startswith("{"):  # a column filter
            i += 2 if following == ":" else 1
            continue
        text = token[1:-1].replace('""', '"') if token.startswith('"') else token
        words = [fold_accents(w) for w in _WORD.findall(text)]
        prefix = following == "*"
        if words:
            if join_next and terms:
                terms[-1] = (terms[-1][0] + words, prefix)
            else:
                terms.append((words, prefix))
        join_next = False
        i += 2 if prefix else 1
    return terms


def _skip_operand(tokens: list[str], i: int) -> int:
    """The index after the operand starting at ``tokens[i]`` (a group, or a term)."""
    if i < len(tokens) and tokens[i] == "(":
        depth = 0
        while i < len(tokens):
            depth += tokens[i] == "("
            depth -= tokens[i] == ")"
            i += 1
            if depth == 0:
                break
        return i
    i += 1
    while i < len(tokens) and tokens[i] in ("*", "+"):
        i += 2 if tokens[i] == "+" else 1
    return i


_VARIANTS: dict[str, str] = {}


def _char_class(char: str) -> str:
    """A regex class of every character that folds to ``char`` (``n`` -> ``[NnÑñ...]``)."""
    if not _VARIANTS:
        groups: dict[str, set[str]] = {}
        for code in range(0x250):  # Latin-1 and Latin Extended-A/B: what Spanish needs
            groups.setdefault(fold_accents(chr(code)), set()).add(chr(code))
        _VARIANTS.update({k: "".join(sorted(v)) for k, v in groups.items()})
    variants = set(_VARIANTS.get(char, char)) | {char}
    if len(char.upper()) == 1:
        variants.add(char.upper())
    if len(variants) == 1:
        return re.escape(char)
    return "[" + "".join(re.escape(v) for v in sorted(variants)) + "]"


def _word_regex(word: str) -> str:
    # A combining accent may follow any letter (text in decomposed form).
    return "".join(_char_class(c) + "[\u0300-\u036f]*" for c in word)


def hit_pattern(query: str) -> re.Pattern | None:
    """A regex over the original text matching the query's terms, any case or accents.

    Phrases come first in the alternation.  The pattern checks the right word boundary
    itself; callers check the left one (``is_word_start``), which keeps the regex free of
    a leading look-behind and several times faster on long turns.
    """
    terms = query_terms(query)
    if not terms:
        return None
    parts = []
    for words, prefix in sorted(terms, key=lambda t: -len(t[0])):
        body = r"[\W_]+".join(_word_regex(w) for w in words)
        if prefix:
            body += r"[^\W_]*"
        parts.append(rf"{body}(?![^\W_])")
    return re.compile("|".join(parts))


def is_word_start(text: str, start: int, floor: int = 0) -> bool:
    """True when ``text[start]`` begins a word (``floor``: where the searched range starts)."""
    return start <= floor or not text[start - 1].isalnum()


# -- search -------------------------------------------------------------------------------------

@dataclass
class Hit:
    """One occurrence of the query in a turn, with its keyword-in-context pieces."""

    document_id: int
    title: str | None
    date: str | None
    turn_id: int
    paragraph: int      # counted from 1, as the workbench's ¶ (corpus.turns.paragraph_number)
    speaker: str | None
    speaker_kind: str | None
    start: int          # offsets into documents.text
    end: int
    match: str
    left: str
    right: str

    def as_dict(self) -> dict:
        """The hit as a plain dict (for JSON)."""
        return asdict(self)


_SPACE = re.compile(r"\s+")


def _flat(text: str) -> str:
    """Whitespace runs (line breaks too) as single spaces, keeping one at either edge."""
    return _SPACE.sub(" ", text)


def _has_operators(query: str) -> bool:
    """True when ``query`` uses FTS5 syntax on purpose: quotes, ``*`` or AND/OR/NOT/NEAR."""
    return ('"' in query or "*" in query
            or any(word in _OPERATORS for word in _WORD.findall(query)))


def plain_phrase(query: str) -> str | None:
    """``query``'s words as one FTS5 phrase (``¿Por qué?`` -> ``"Por qué"``).

    None when the query uses FTS5 operators (see :func:`_has_operators`) or has no words.
    Punctuation (``¿?¡!,.;:``, hyphens, brackets) only separates words.
    """
    query = unicodedata.normalize("NFC", query)
    if _has_operators(query):
        return None
    words = _WORD.findall(query)
    return '"' + " ".join(words) + '"' if words else None


def fts_query(project: Project, query: str) -> str:
    """The FTS5 query to run for ``query`` (the search index must exist).

    The query itself when FTS5 accepts it.  When FTS5 rejects it and it has no FTS5
    operators (natural text such as ``¿por qué?`` or ``López-Gatell``), the phrase of
    its words (:func:`plain_phrase`).  Otherwise a one-line "malformed" CoderError.
    """
    if not query or not query.strip():
        raise CoderError("the search query is empty")
    probe = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? LIMIT 1"
    try:
        project.db.execute(probe, [query]).fetchall()
        return query
    except sqlite3.OperationalError as exc:
        error = exc
    phrase = plain_phrase(query)
    if phrase is not None:
        try:
            project.db.execute(probe, [phrase]).fetchall()
            return phrase
        except sqlite3.OperationalError:
            pass
    raise _query_error(query, error)


def iter_hits(project: Project, query: str, *, speaker: str | Iterable[str] | None = None,
              role: str | Iterable[str] | None = None, since: object = None, until: object = None,
              codes: str | Iterable[str] | None = None, coder: str | Iterable[str] | None = None,
              gold: bool = False, kwic: int = 60,
              progress: Callable[[int], None] | None = None,
              where: Iterable[str] | None = None, include_excluded: bool = False,
              viewer: str | None = None) -> Iterator[Hit]:
    """Yield every hit of ``query`` in chronological order (document date, then turn).

    Filters: speaker(s), role(s) (a speaker kind such as ``press``, or part of a role
    title), dates, and codes: with ``codes`` only hits inside a segment of one of those
    codes (or their descendants; of ``coder``'s / the gold layer's segments if given)
    are kept.  ``kwic`` is the width of the left and right context.  A query FTS5
    rejects that has no operators is searched as a phrase (see :func:`fts_query`).
    ``viewer`` (blind coding): on documents the viewer codes blind, only the viewer's own
    segments count for ``codes``, so a search cannot show where others coded.
    """
    for found in _iter_spans(project, query, speaker=speaker, role=role, since=since,
                             until=until, codes=codes, coder=coder, gold=gold, progress=progress,
                             where=where, include_excluded=include_excluded, viewer=viewer):
        yield _hit(*found, kwic=kwic)


@dataclass(frozen=True)
class SearchPage:
    """The hits shown, how many there are in all, and the FTS5 query that was run."""

    hits: list[Hit]
    total: int
    query: str  # differs from what was typed when plain text is searched as a phrase


def search_page(project: Project, query: str, *, limit: int | None = 50, kwic: int = 60,
                **options) -> SearchPage:
    """The first ``limit`` hits (all with None or 0) and how many there are in all.

    Only the shown hits get their keyword-in-context pieces built.  Options as
    :func:`iter_hits`.
    """
    hits: list[Hit] = []
    total = 0
    for found in _iter_spans(project, query, **options):
        total += 1
        if not limit or len(hits) < limit:
            hits.append(_hit(*found, kwic=kwic))
    return SearchPage(hits=hits, total=total, query=fts_query(project, query))


def _hit(turn: tuple, text: str, start: int, end: int, *, kwic: int) -> Hit:
    turn_id, document_id, seq, t_start, t_end, name, kind, date, title = turn
    left = _flat(text[max(t_start, start - 2 * kwic - 20):start])
    right = _flat(text[end:min(t_end, end + 2 * kwic + 20)])
    return Hit(document_id=document_id, title=title, date=date, turn_id=turn_id,
               paragraph=paragraph_number(seq),
               speaker=name, speaker_kind=kind, start=start, end=end,
               match=_flat(text[start:end]),
               left=left[-kwic:] if kwic > 0 else "", right=right[:kwic] if kwic > 0 else "")


def _iter_spans(project: Project, query: str, *, speaker: str | Iterable[str] | None = None,
                role: str | Iterable[str] | None = None, since: object = None,
                until: object = None, codes: str | Iterable[str] | None = None,
                coder: str | Iterable[str] | None = None, gold: bool = False,
                progress: Callable[[int], None] | None = None,
                where: Iterable[str] | None = None, include_excluded: bool = False,
                viewer: str | None = None, held: set[int] | None = None
                ) -> Iterator[tuple[tuple, str, int, int]]:
    """Yield ``(turn row, document text, start, end)`` for every hit (see :func:`iter_hits`).

    ``held`` collects the documents where blind coding kept others' segments out of
    ``codes`` (``viewer``)."""
    if not query or not query.strip():
        raise CoderError("the search query is empty")
    filters = resolve_filters(project, coder=coder, gold=gold, codes=codes, since=since,
                              until=until, where=where, include_excluded=include_excluded)
    speakers = speaker_ids(project, as_list(speaker))
    role_sql, role_params = role_condition(project, as_list(role))
    ensure_index(project, progress)
    match = fts_query(project, query)
    where, params = filters.document_sql("d")
    if speakers is not None:
        where += f" AND t.speaker_id IN ({','.join('?' * len(speakers)) or 'NULL'})"
        params += speakers
    where += role_sql
    params += role_params
    code_sql, code_params = "", []
    if filters.code_ids is not None:
        code_sql = (" AND a.deleted = 0 AND a.document_id = ? AND a.start < ? AND a.\"end\" > ?"
                    f" AND a.code_id IN ({','.join('?' * len(filters.code_ids))})")
        code_params = list(filters.code_ids)
        if filters.coder_ids is not None:
            code_sql += f" AND a.coder_id IN ({','.join('?' * len(filters.coder_ids))})"
            code_params += filters.coder_ids
    blind: set[int] = set()
    blind_sql, blind_params = code_sql, code_params
    if viewer and filters.code_ids is not None:
        blind = set(blind_documents_of(project, viewer))
        row = project.db.execute("SELECT id FROM coders WHERE name = ?", [viewer]).fetchone()
        blind_sql, blind_params = code_sql + " AND a.coder_id = ?", [*code_params,
                                                                     row[0] if row else -1]
    pattern = hit_pattern(match)
    sql = ('SELECT t.id, t.document_id, t.seq, t.start, t."end", s.name, COALESCE(t.kind, s.kind), d.date, d.title'
           f" FROM {FTS_TABLE} f JOIN turns t ON t.id = f.rowid"
           " JOIN documents d ON d.id = t.document_id"
           " LEFT JOIN speakers s ON s.id = t.speaker_id"
           f" WHERE {FTS_TABLE} MATCH ?{where}"
           " ORDER BY d.date IS NULL, d.date, d.id, t.seq")
    try:
        turns = project.db.execute(sql, [match, *params]).fetchall()
    except sqlite3.OperationalError as exc:
        raise _query_error(query, exc) from None
    if pattern is None:
        return
    current_doc, text = None, ""
    for turn in turns:
        turn_id, document_id, seq, t_start, t_end = turn[:5]
        segments = None
        if filters.code_ids is not None:
            segments = project.db.execute(
                'SELECT a.start, a."end" FROM annotations a WHERE 1 = 1' + code_sql,
                [document_id, t_end, t_start, *code_params]).fetchall()
            if segments and document_id in blind:
                # Only the viewer's own segments: others' work there stays unseen.
                own = project.db.execute(
                    'SELECT a.start, a."end" FROM annotations a WHERE 1 = 1' + blind_sql,
                    [document_id, t_end, t_start, *blind_params]).fetchall()
                if len(own) < len(segments) and held is not None:
                    held.add(document_id)
                segments = own
            if not segments:
                continue
        if document_id != current_doc:
            current_doc = document_id
            text = project.db.execute("SELECT text FROM documents WHERE id = ?",
                                      [document_id]).fetchone()[0]
        for start, end in _turn_hits(pattern, text, t_start, t_end):
            if segments is not None and not any(s <= start and end <= e for s, e in segments):
                continue
            yield turn, text, start, end


def _turn_hits(pattern: re.Pattern, text: str, t_start: int, t_end: int) -> list[tuple[int, int]]:
    """Hit spans in one turn; terms separated only by spaces merge into one hit.

    So ``Guardia Nacional`` (two words, not a phrase) shows as one KWIC line, and
    ``--suggest-code`` suggests the whole span.
    """
    spans: list[tuple[int, int]] = []
    for match in pattern.finditer(text, t_start, t_end):
        start, end = match.span()
        if not is_word_start(text, start, t_start):
            continue
        if spans and text[spans[-1][1]:start].isspace():
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _query_error(query: str, exc: Exception) -> CoderError:
    hint = ""
    if "no such column" in str(exc):
        hint = ' (with operators, a hyphen or colon inside a word needs quotes: "covid-19")'
    return CoderError(f"malformed search query {query!r} ({exc}){hint}; FTS5 syntax: {QUERY_HELP}")


def search(project: Project, query: str, *, limit: int | None = 50, **options) -> list[Hit]:
    """The first ``limit`` hits of ``query`` (all with ``limit=None`` or 0); see :func:`iter_hits`."""
    hits = []
    for hit in iter_hits(project, query, **options):
        hits.append(hit)
        if limit and len(hits) >= limit:
            break
    return hits


def kwic_line(hit: Hit, width: int = 60) -> str:
    """``left[match]right`` with the left context right-aligned to ``width`` characters."""
    return f"{hit.left:>{width}}[{hit.match}]{hit.right}"


# -- hits as suggestions ----------------------------------------------------------------------------

def suggest_hits(project: Project, query: str, code_id: str, **options) -> SearchSuggestions:
    """Record every hit of ``query`` as a suggestion of ``code_id`` (never as a coding).

    Suggestions get ``pattern_id = "search:<query>"``, the project's codebook version and
    pipeline ``fts5``; coders accept or reject them like any other suggestion.  One
    transaction; a hit already suggested for that code and query is skipped.
    """
    from ..suggest.store import add_search_suggestions, check_search_code

    check_search_code(project, code_id)
    options.pop("kwic", None)
    hits = list(iter_hits(project, query, kwic=0, **options))
    return add_search_suggestions(project, query, code_id,
                                  [(h.document_id, h.start, h.end) for h in hits])
