"""The tidy segments table: one row per live coded segment, the same columns everywhere.

``segments_rows`` is plain Python (dicts; the CSV, JSON Lines and Parquet writers use the
same rows as tuples from ``iter_segment_tuples``, so they never need pandas);
``segments_frame`` is the same rows as a typed pandas DataFrame, which is what
``coder.open_project(path).segments()`` returns.

A segment's turn is the turn containing its start (or, for a selection starting on a
speaker line, the first turn it overlaps); ``question_turn_seq`` is the ``seq`` of the
press turn that turn answers.  ``memo`` joins the annotation's memo with memos written on
it in the ``memos`` table.  Documents without a date are left out by ``since``/``until``.

Filters shared by every export, matrix and statistic (see :func:`resolve_filters`):
``coder``/``coders`` (names), ``gold`` (the adjudicated layer: coders with ``is_gold``),
``codes`` (a code id includes its descendants), ``since``/``until`` (``YYYY``,
``YYYY-MM`` or ``YYYY-MM-DD``, inclusive, real calendar dates; see
:func:`normalise_date`) and ``document_ids`` (each must exist).
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ..errors import CoderError
from ..project import Project

SEGMENT_COLUMNS: list[str] = [
    "annotation_id", "document_id", "title", "date", "kind",
    "speaker", "speaker_role", "speaker_kind", "turn_id", "turn_seq", "question_turn_seq",
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
NULLABLE_INT_COLUMNS = ("turn_id", "turn_seq", "question_turn_seq")
TIMESTAMP_COLUMNS = ("created_at", "updated_at")
DEFAULT_CONTEXT = 100
CONTEXT_MARKS = ("[[", "]]")
"""How the ``context`` column marks the segment inside its surrounding text."""

_DATE = re.compile(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")


# -- filters ------------------------------------------------------------------------------------

@dataclass
class Filters:
    """Resolved filters: ids instead of names, codes expanded to their descendants."""

    coder_ids: list[int] | None = None
    code_ids: list[str] | None = None
    since: str | None = None
    until: str | None = None
    document_ids: list[int] | None = None

    def annotation_sql(self, a: str = "a", d: str = "d") -> tuple[str, list]:
        """``AND ...`` clauses (and their parameters) over annotations ``a``, documents ``d``."""
        sql, params = self.document_sql(d)
        if self.coder_ids is not None:
            sql += f" AND {a}.coder_id IN ({_marks(self.coder_ids)})"
            params += self.coder_ids
        if self.code_ids is not None:
            sql += f" AND {a}.code_id IN ({_marks(self.code_ids)})"
            params += self.code_ids
        return sql, params

    def document_sql(self, d: str = "d") -> tuple[str, list]:
        """``AND ...`` clauses over documents ``d`` (dates and ids only)."""
        sql, params = "", []
        if self.since is not None:
            sql += f" AND {d}.date >= ?"
            params.append(self.since)
        if self.until is not None:
            # Comparing the same-length prefix makes "2019-03" mean "to the end of March".
            sql += f" AND substr({d}.date, 1, {len(self.until)}) <= ?"
            params.append(self.until)
        if self.document_ids is not None:
            sql += f" AND {d}.id IN ({_marks(self.document_ids)})"
            params += self.document_ids
        return sql, params


def _marks(values: list) -> str:
    return ",".join("?" * len(values)) or "NULL"


def _as_list(value: object) -> list:
    """``None`` -> []; a string -> split on commas; an iterable -> its items."""
    if value is None:
        return []
    if isinstance(value, (str, int)):
        value = [value]
    items: list = []
    for item in value:  # type: ignore[union-attr]
        if isinstance(item, str):
            items.extend(part.strip() for part in item.split(",") if part.strip())
        else:
            items.append(item)
    return items


def normalise_date(value: object, what: str) -> str | None:
    """A filter date as an ISO prefix (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``).

    The one parser of ``--since``/``--until`` for exports, search, statistics and
    matrices: the shape must be one of the three and the date must exist on the
    calendar (no month 13, no 30 February), else a one-line CoderError naming ``what``
    (the option) and the value.
    """
    if value is None or value == "":
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%Y-%m-%d")
    text = str(value).strip()
    problem = None
    if not _DATE.match(text):
        problem = "is not a date"
    else:
        year, month, day = int(text[:4]), int(text[5:7] or 1), int(text[8:10] or 1)
        if year < 1:
            problem = "is not a date (no year 0)"
        elif not 1 <= month <= 12:
            problem = f"is not a date (there is no month {month})"
        else:
            try:
                dt.date(year, month, day)
            except ValueError:
                problem = f"is not a date ({text[:7]} has no day {day})"
    if problem:
        raise CoderError(f"{what} {text!r} {problem}; use YYYY, YYYY-MM or YYYY-MM-DD")
    return text


def check_date_range(since: str | None, until: str | None) -> None:
    """A CoderError when ``since`` is after ``until`` (both normalised ISO prefixes)."""
    if since and until and since[:len(until)] > until:
        raise CoderError(f"--since {since} is after --until {until}; nothing could match")


def code_tree(project: Project) -> dict[str, dict]:
    """Every code (also retired ones): ``{id: {"name", "parent_id", "sort", "retired"}}``."""
    return {r["id"]: r for r in project.rows(
        "SELECT id, name, parent_id, sort, retired FROM codes ORDER BY sort, id")}


def descendants(tree: dict[str, dict], code_id: str) -> list[str]:
    """``code_id`` and every code under it, in tree order."""
    children: dict[str | None, list[str]] = {}
    for cid, row in tree.items():
        children.setdefault(row["parent_id"], []).append(cid)
    found, stack = [], [code_id]
    while stack:
        cid = stack.pop()
        if cid in found:  # a cycle in imported data must not loop forever
            continue
        found.append(cid)
        stack.extend(reversed(children.get(cid, [])))
    return found


def code_path(tree: dict[str, dict], code_id: str) -> str:
    """The code's names from the root down, joined with `` > ``."""
    names, seen, current = [], set(), code_id
    while current is not None and current in tree and current not in seen:
        seen.add(current)
        names.append(tree[current]["name"])
        current = tree[current]["parent_id"]
    return " > ".join(reversed(names))


def check_codes(tree: dict[str, dict], codes: Iterable[str]) -> list[str]:
    """The code ids, checked against the project's codes (CoderError naming an unknown one)."""
    codes = list(codes)
    for code_id in codes:
        if code_id not in tree:
            raise CoderError(f"no code {code_id!r} in the project; see `coder codebook show`")
    return codes


def resolve_filters(project: Project, *, coder: str | Iterable[str] | None = None,
                    coders: str | Iterable[str] | None = None, gold: bool = False,
                    codes: str | Iterable[str] | None = None, since: object = None,
                    until: object = None, document_ids: int | Iterable[int] | None = None
                    ) -> Filters:
    """Check the user's filters and turn them into ids.

    ``coder``/``coders`` and ``gold`` add up (``coders=["alice"], gold=True`` is alice's
    segments plus the gold layer's).  A code includes its descendants.
    """
    filters = Filters()
    names = _as_list(coder) + _as_list(coders)
    if names or gold:
        ids: list[int] = []
        for name in names:
            row = project.db.execute("SELECT id FROM coders WHERE name = ?", [name]).fetchone()
            if row is None:
                known = ", ".join(r[0] for r in project.db.execute(
                    "SELECT name FROM coders ORDER BY name")) or "none yet"
                raise CoderError(f"no coder named {name!r} (coders: {known})")
            ids.append(row[0])
        if gold:
            gold_ids = [r[0] for r in project.db.execute("SELECT id FROM coders WHERE is_gold = 1")]
            if not gold_ids:
                raise CoderError("no gold coder in the project (adjudicate with `coder review`)")
            ids.extend(gold_ids)
        filters.coder_ids = sorted(set(ids))
    code_list = _as_list(codes)
    if code_list:
        tree = code_tree(project)
        expanded: list[str] = []
        for code_id in check_codes(tree, code_list):
            expanded.extend(c for c in descendants(tree, code_id) if c not in expanded)
        filters.code_ids = expanded
    filters.since = normalise_date(since, "--since")
    filters.until = normalise_date(until, "--until")
    check_date_range(filters.since, filters.until)
    doc_list = _as_list(document_ids)
    if doc_list:
        try:
            filters.document_ids = sorted({int(d) for d in doc_list})
        except ValueError:
            raise CoderError(f"document ids must be numbers, not {doc_list!r}") from None
        known = {r[0] for r in project.db.execute(
            f"SELECT id FROM documents WHERE id IN ({_marks(filters.document_ids)})",
            filters.document_ids)}
        missing = [d for d in filters.document_ids if d not in known]
        if missing:
            listed = ", ".join(str(d) for d in missing[:5]) + (" ..." if len(missing) > 5 else "")
            raise CoderError(f"no document {listed} in the project; see `coder documents`")
    return filters


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


# -- turns --------------------------------------------------------------------------------------

class DocumentTurns:
    """The turns of one document, for finding the turn a position falls in."""

    def __init__(self, project: Project, document_id: int) -> None:
        self.turns = project.rows(
            'SELECT t.id, t.seq, t.start, t."end", t.question_id, t.words, t.speaker_id,'
            " s.name AS speaker, COALESCE(t.role, s.role) AS speaker_role,"
            " COALESCE(t.kind, s.kind) AS speaker_kind"
            " FROM turns t LEFT JOIN speakers s ON s.id = t.speaker_id"
            " WHERE t.document_id = ? ORDER BY t.start, t.seq", [document_id])
        self.starts = [t["start"] for t in self.turns]
        self.seq_by_id = {t["id"]: t["seq"] for t in self.turns}

    def turn_of(self, start: int, end: int) -> dict | None:
        """The turn containing ``start``; else the first turn the span overlaps; else None.

        (A selection that begins on a speaker line still belongs to the turn it runs into.)
        """
        index = bisect.bisect_right(self.starts, start) - 1
        if index >= 0 and start < self.turns[index]["end"]:
            return self.turns[index]
        following = index + 1
        if following < len(self.turns) and self.turns[following]["start"] < end:
            return self.turns[following]
        return None

    def overlapping(self, start: int, end: int) -> list[dict]:
        """Every turn the span ``[start, end)`` overlaps, in order."""
        index = max(0, bisect.bisect_right(self.starts, start) - 1)
        found = []
        for turn in self.turns[index:]:
            if turn["start"] >= end:
                break
            if turn["end"] > start:
                found.append(turn)
        return found


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
                        **filters) -> Iterator[tuple]:
    """Yield the segments table as tuples in :func:`segment_columns` order (the fast path).

    Sorted by document, start, end, code, coder and annotation id, so the same project
    always gives the same rows in the same order.
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
                       turn["seq"], None if question is None else turns.seq_by_id.get(question))
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
                  progress: Callable[[int], None] | None = None, **filters) -> Iterator[dict]:
    """Yield the segments table row by row, as dicts keyed by :func:`segment_columns`.

    Sorted by document, start, end, code, coder and annotation id, so the same project
    always gives the same rows in the same order.
    """
    columns = segment_columns(project)
    for values in iter_segment_tuples(project, context=context, progress=progress, **filters):
        yield dict(zip(columns, values))


def segments_rows(project: Project, *, context: int = DEFAULT_CONTEXT, **filters) -> list[dict]:
    """The segments table as a list of dicts (no pandas needed); see :func:`iter_segments`."""
    return list(iter_segments(project, context=context, **filters))


def rows_to_frame(rows: list, columns: list[str] | None = None):
    """Typed DataFrame of segment rows (dicts or tuples): ints, nullable ints, dates, UTC times.

    ``columns``: the rows' columns (default :data:`SEGMENT_COLUMNS`; pass
    :func:`segment_columns` for rows with attribute columns).
    """
    import pandas as pd

    frame = pd.DataFrame.from_records(rows, columns=columns or SEGMENT_COLUMNS)
    for column in INT_COLUMNS:
        frame[column] = frame[column].astype("int64")
    for column in NULLABLE_INT_COLUMNS:
        frame[column] = frame[column].astype("Int64")
    frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d", errors="coerce")
    for column in TIMESTAMP_COLUMNS:
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601", errors="coerce")
    return frame


def segments_frame(project: Project, *, context: int = DEFAULT_CONTEXT, **filters):
    """The segments table as a pandas DataFrame with :func:`segment_columns`.

    ``date`` is a datetime64 column, ``created_at``/``updated_at`` UTC timestamps, ids
    and offsets int64, turn numbers nullable ``Int64`` (a segment outside every turn),
    ``attr_*`` columns strings (None where a coding has no value).
    """
    return rows_to_frame(list(iter_segment_tuples(project, context=context, **filters)),
                         segment_columns(project))
