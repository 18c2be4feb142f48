"""The tidy segments table: one row per live coded segment, the same columns everywhere.

``segments_rows`` is plain Python (dicts; the CSV, JSON Lines and Parquet writers use the
same rows as tuples from ``iter_segment_tuples``, so they never need pandas);
``segments_frame`` is the same rows as a typed pandas DataFrame, which is what
``coder.open_project(path).segments()`` returns.

A segment's turn is the turn containing its start (or, for a selection starting on a
speaker line, the first turn it overlaps); ``paragraph`` is that turn's paragraph number,
counted from 1 exactly as the workbench's ¶ shows it, and ``question_paragraph`` the
paragraph number of the press turn that turn answers (both from
:func:`coder.corpus.turns.paragraph_number`; see docs/EXPORT.md, "Paragraph numbers").  ``memo`` joins the annotation's memo with memos written on
it in the ``memos`` table.  Documents without a date are left out by ``since``/``until``.

The filters (``coder``/``coders``, ``gold``, ``codes``, ``since``/``until``,
``document_ids``) are those of every export, matrix and statistic: see
:mod:`coder.selection`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from ..codebook.model import code_path, code_tree
from ..corpus.turns import DocumentTurns, paragraph_number
from ..errors import CoderError
from ..project import Project
from ..selection import resolve_filters
from ..team.blind import Withholding

SEGMENT_COLUMNS: list[str] = [
    "annotation_id", "document_id", "title", "date", "kind",
    "speaker", "speaker_role", "speaker_kind", "turn_id", "paragraph", "question_paragraph",
    "start", "end", "text", "context",
    "code_id", "code_name", "code_path", "coder", "origin", "pattern_id", "codebook_version",
    "memo", "created_at", "updated_at",
]
"""The columns of the segments table, in their stable order (every format, every version).

After them come the attribute columns, ``attr_<dimension>`` (``attr_source``,
``attr_polarity``, ...), one per dimension of the current codebook in its order, then any
other dimension codings carry values of (from an earlier codebook), by name; see
:func:`segment_columns`.  A coding without a value for a dimension has an empty cell.
"""
ATTRIBUTE_PREFIX = "attr_"

INT_COLUMNS = ("annotation_id", "document_id", "start", "end")
NULLABLE_INT_COLUMNS = ("turn_id", "paragraph", "question_paragraph")
TIMESTAMP_COLUMNS = ("created_at", "updated_at")
DEFAULT_CONTEXT = 100
CONTEXT_MARKS = ("[[", "]]")
"""How the ``context`` column marks the segment inside its surrounding text."""


# -- context ------------------------------------------------------------------------------------

def context_window(text: str, start: int, end: int, width: int = DEFAULT_CONTEXT) -> str:
    """The segment with up to ``width`` characters either side, cut on word boundaries.

    A word cut by the window's edge is left out rather than shown in half.  Whitespace
    runs (newlines too) become single spaces, and the segment is marked ``[[...]]``, so
    the column reads as one line in a spreadsheet.
    """
    # str.split/join rather than regexes: this runs once per exported segment.
    segment = " ".join(text[start:end].split())
    if width <= 0:
        return f"{CONTEXT_MARKS[0]}{segment}{CONTEXT_MARKS[1]}"
    left_at = max(0, start - width)
    left = text[left_at:start]
    words = left.split()
    if words and left_at > 0 and not left[0].isspace() and not text[left_at - 1].isspace():
        words = words[1:]
    left = " ".join(words) + " " if words and left[-1].isspace() else " ".join(words)
    right_at = min(len(text), end + width)
    right = text[end:right_at]
    words = right.split()
    if words and right_at < len(text) and not right[-1].isspace() and not text[right_at].isspace():
        words = words[:-1]
    right = " " + " ".join(words) if words and right[0].isspace() else " ".join(words)
    return f"{left}{CONTEXT_MARKS[0]}{segment}{CONTEXT_MARKS[1]}{right}"


# -- attribute columns -------------------------------------------------------------------------

def attribute_dimensions(project: Project) -> list[str]:
    """The attribute dimensions the segments table has a column for, in column order."""
    from ..codebook.store import codebook_attributes

    declared = [attribute.id for attribute in codebook_attributes(project)]
    stored = sorted(row[0] for row in project.db.execute(
        "SELECT DISTINCT j.key FROM annotations a, json_each(a.attributes) j"
        " WHERE a.deleted = 0 AND a.attributes != '{}'"))
    return declared + [name for name in stored if name not in declared]


def segment_columns(project: Project) -> list[str]:
    """:data:`SEGMENT_COLUMNS` plus this project's ``attr_<dimension>`` columns."""
    return SEGMENT_COLUMNS + [ATTRIBUTE_PREFIX + name for name in attribute_dimensions(project)]


# -- rows ---------------------------------------------------------------------------------------

# Document fields and coder names are looked up once per document / coder, not per row:
# fewer Python strings to make for 100,000 rows.
_SQL = (
    'SELECT a.id, a.document_id, a.start, a."end", a.code_id, a.coder_id, a.origin,'
    " a.pattern_id, a.codebook_version, a.memo, a.created_at, a.updated_at, a.attributes"
    " FROM annotations a JOIN documents d ON d.id = a.document_id"
    " JOIN coders k ON k.id = a.coder_id WHERE a.deleted = 0"
)
_ORDER = ' ORDER BY a.document_id, a.start, a."end", a.code_id, k.name, a.id'


def count_segments(project: Project, **filters) -> int:
    """How many segments the filters select (for progress bars)."""
    resolved = resolve_filters(project, **filters)
    where, params = resolved.annotation_sql()
    return project.db.execute(
        "SELECT count(*) FROM annotations a JOIN documents d ON d.id = a.document_id"
        f" WHERE a.deleted = 0{where}", params).fetchone()[0]


def _annotation_memos(project: Project) -> dict[int, list[str]]:
    memos: dict[int, list[str]] = {}
    for annotation_id, text in project.db.execute(
            "SELECT annotation_id, text FROM memos WHERE annotation_id IS NOT NULL AND deleted = 0"
            " ORDER BY created_at, id"):
        if text and text.strip():
            memos.setdefault(annotation_id, []).append(text)
    return memos


def iter_segment_tuples(project: Project, *, context: int = DEFAULT_CONTEXT,
                        progress: Callable[[int], None] | None = None,
                        withhold: Withholding | None = None,
                        **filters) -> Iterator[tuple]:
    """Yield the segments table as tuples in :func:`segment_columns` order (the fast path).

    Sorted by document, start, end, code, coder and annotation id, so the same project
    always gives the same rows in the same order.  ``withhold`` (blind coding, see
    :class:`coder.team.blind.Withholding`) leaves out what its viewer may not see.
    """
    resolved = resolve_filters(project, **filters)
    where, params = resolved.annotation_sql()
    tree = code_tree(project)
    codes = {code_id: (row["name"], code_path(tree, code_id)) for code_id, row in tree.items()}
    memos = _annotation_memos(project)
    coders = dict(project.db.execute("SELECT id, name FROM coders").fetchall())
    dimensions = attribute_dimensions(project)
    no_values = (None,) * len(dimensions)
    # Few distinct value sets recur across thousands of codings: parse each once.
    parsed: dict[str, tuple] = {"{}": no_values}
    current_doc, text, title, date, kind, turns = None, "", None, None, None, None
    no_turn = (None, None, None, None, None, None)
    done = 0
    for (annotation_id, document_id, start, end, code_id, coder_id, origin, pattern_id, version,
         memo, created_at, updated_at, attributes) in project.db.conn.execute(
            _SQL + where + _ORDER, params):
        if withhold is not None and not withhold.keep(document_id, coders[coder_id]):
            continue
        if document_id != current_doc:
            current_doc = document_id
            text, title, date, kind = project.db.execute(
                "SELECT text, title, date, kind FROM documents WHERE id = ?", [document_id]
            ).fetchone()
            turns = DocumentTurns(project, document_id)
        turn = turns.turn_of(start, end)
        if turn is None:
            speaker = no_turn
        else:
            question = turn["question_id"]
            speaker = (turn["speaker"], turn["speaker_role"], turn["speaker_kind"], turn["id"],
                       paragraph_number(turn["seq"]),
                       None if question is None else paragraph_number(turns.seq_by_id.get(question)))
        extra = memos.get(annotation_id)
        if extra:
            parts = [memo] if memo and memo.strip() else []
            memo = "\n\n".join(parts + [m for m in extra if m not in parts])
        elif memo is not None and not memo.strip():
            memo = None
        code_name, path = codes.get(code_id, (None, None))
        yield (annotation_id, document_id, title, date, kind, *speaker, start, end,
               text[start:end], context_window(text, start, end, context), code_id, code_name,
               path, coders[coder_id], origin, pattern_id, version, memo, created_at, updated_at,
               *(parsed.get(attributes) or parsed.setdefault(
                   attributes, _values(attributes, dimensions))))
        done += 1
        if progress and done % 1000 == 0:
            progress(1000)
    if progress and done % 1000:
        progress(done % 1000)


def _values(attributes: str, dimensions: list[str]) -> tuple:
    values = json.loads(attributes)
    return tuple(values.get(name) for name in dimensions)


def iter_segments(project: Project, *, context: int = DEFAULT_CONTEXT,
                  progress: Callable[[int], None] | None = None,
                  withhold: Withholding | None = None, **filters) -> Iterator[dict]:
    """Yield the segments table row by row, as dicts keyed by :func:`segment_columns`.

    Sorted by document, start, end, code, coder and annotation id, so the same project
    always gives the same rows in the same order.
    """
    columns = segment_columns(project)
    for values in iter_segment_tuples(project, context=context, progress=progress,
                                      withhold=withhold, **filters):
        yield dict(zip(columns, values))


def segments_rows(project: Project, *, context: int = DEFAULT_CONTEXT, **filters) -> list[dict]:
    """The segments table as a list of dicts (no pandas needed); see :func:`iter_segments`."""
    return list(iter_segments(project, context=context, **filters))


def segment_types(columns: list[str] | None = None) -> dict[str, str]:
    """The declared type of each column of the segments table (``columns``: with its
    attribute columns), the one every typed format follows: see :mod:`coder.export.columns`.
    Ids and offsets are ``int``, turn numbers ``nullable_int``, ``date`` a date,
    ``created_at``/``updated_at`` timestamps, the rest (``attr_*`` too) text."""
    from .columns import DATE, INT, NULLABLE_INT, TEXT, TIMESTAMP

    def kind(column: str) -> str:
        if column in INT_COLUMNS:
            return INT
        if column in NULLABLE_INT_COLUMNS:
            return NULLABLE_INT
        if column in TIMESTAMP_COLUMNS:
            return TIMESTAMP
        return DATE if column == "date" else TEXT

    return {column: kind(column) for column in columns or SEGMENT_COLUMNS}


def rows_to_frame(rows: list, columns: list[str] | None = None):
    """Typed DataFrame of segment rows (dicts or tuples): ints, nullable ints, dates, UTC
    times, text; the same dtypes for no rows as for many (:func:`segment_types`).

    ``columns``: the rows' columns (default :data:`SEGMENT_COLUMNS`; pass
    :func:`segment_columns` for rows with attribute columns).
    """
    from .columns import typed_frame

    columns = columns or SEGMENT_COLUMNS
    return typed_frame(rows, columns, segment_types(columns))


def segments_frame(project: Project, *, context: int = DEFAULT_CONTEXT,
                   withhold: Withholding | None = None, **filters):
    """The segments table as a pandas DataFrame with :func:`segment_columns`.

    ``date`` is a datetime64 column, ``created_at``/``updated_at`` UTC timestamps, ids
    and offsets int64, turn numbers nullable ``Int64`` (a segment outside every turn),
    ``attr_*`` columns strings (None where a coding has no value).
    """
    return rows_to_frame(list(iter_segment_tuples(project, context=context, withhold=withhold,
                                                  **filters)),
                         segment_columns(project))


# -- retrieval: a code's segments across documents, each in its sentence ------------------------

def sentence_context(text: str, start: int, end: int, *, limit: int = 400) -> str:
    """The sentence(s) a segment lies in, the segment marked ``[[...]]``, on one line.

    The sentences are those of the segment's paragraph (:mod:`coder.corpus.segment`); a
    segment running over paragraphs, or sentences longer than ``limit`` characters either
    side, fall back to a ``limit``-character window (:func:`context_window`).
    """
    from ..corpus.segment import sentence_at

    lo = text.rfind("\n", 0, start) + 1
    hi = text.find("\n", start)
    hi = len(text) if hi == -1 else hi
    if end > hi:
        return context_window(text, start, end, limit)
    first = sentence_at(text, start, lo, hi) or (start, end)
    last = sentence_at(text, max(start, end - 1), lo, hi) or (start, end)
    left, right = min(first[0], start), max(last[1], end)
    if start - left > limit or right - end > limit:
        return context_window(text, start, end, limit)
    before = " ".join(text[left:start].split())
    after = " ".join(text[end:right].split())
    segment = " ".join(text[start:end].split())
    gap_left = " " if before and text[start - 1].isspace() else ""
    gap_right = " " if after and text[end].isspace() else ""
    return f"{before}{gap_left}{CONTEXT_MARKS[0]}{segment}{CONTEXT_MARKS[1]}{gap_right}{after}"


def retrieve_segments(project: Project, code_id: str, *, roles: list[str] | None = None,
                      attributes: dict[str, str] | None = None, context: int = DEFAULT_CONTEXT,
                      **filters) -> list[dict]:
    """Every live segment of ``code_id`` and its descendants across documents: the rows of
    the segments table (:func:`iter_segments`) plus ``sentence``, the segment in its
    sentence (:func:`sentence_context`).  The one query behind ``coder segments CODE`` and
    the workbench's retrieval screen.

    ``filters`` are the shared ones (:func:`coder.selection.resolve_filters`: coders, gold,
    since/until, document_ids, where ...); ``roles`` keeps segments in turns of those
    speaker kinds or role titles (:func:`coder.selection.role_matcher`); ``attributes``
    (``{"source": "own"}``) keeps codings with those attribute values.
    """
    from ..selection import role_matcher

    matches = role_matcher(project, roles or [])
    wanted = {f"{ATTRIBUTE_PREFIX}{k}": v for k, v in (attributes or {}).items()}
    if wanted:
        known = set(segment_columns(project))
        for column in wanted:
            if column not in known:
                raise CoderError(f"no attribute {column[len(ATTRIBUTE_PREFIX):]!r} in the "
                                 "codebook; see `coder attributes list`")
    texts: dict[int, str] = {}
    rows = []
    for row in iter_segments(project, context=context, codes=[code_id], **filters):
        if not matches(row["speaker_kind"], row["speaker_role"]):
            continue
        if any(row.get(column) != value for column, value in wanted.items()):
            continue
        document_id = row["document_id"]
        if document_id not in texts:
            texts = {document_id: project.db.execute(
                "SELECT text FROM documents WHERE id = ?", [document_id]).fetchone()[0]}
        row["sentence"] = sentence_context(texts[document_id], row["start"], row["end"])
        rows.append(row)
    return rows
