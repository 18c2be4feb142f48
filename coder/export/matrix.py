"""Code matrices (code x document / turn / month) and code co-occurrence within units.

A matrix has the row keys first (``document_id, date, title, words`` /
``turn_id, document_id, date, paragraph, speaker, speaker_kind, words`` /
``month, documents, words``), then one column per code, holding 0/1 presence or, with
``counts=True``, the number of segments.  Every unit in the filtered documents gets a
row, also the ones nobody coded (the zeros matter in a regression), and months run
without gaps from the first to the last document.

Which codes become columns: by default every code of the codebook (and retired codes
that still have segments), parents first; with ``codes=[...]`` one column per given
code.  Either way a column counts its code *and its descendants*, as everywhere else in
coder (``--code`` filters, ``coder stats``): the ``SEC`` column is 1 wherever
``SEC.WAR`` is, so ``codes=["SEC", "DES"]`` gives the two families.  ``exact=True``
makes each column count only segments of exactly that code (a parent column then holds
the segments coded with the parent itself).  Co-occurrence uses exact codes by default
(see :func:`cooccurrence`).

Segments belong to a turn or sentence when they overlap it (a segment spanning two
turns counts in both); to a document or month by their document.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

from ..codebook.model import code_tree, descendants
from ..corpus.segment import split_sentences
from ..corpus.turns import DocumentTurns, paragraph_number
from ..errors import CoderError
from ..project import Project
from ..selection import as_list, check_codes, resolve_filters

MATRIX_UNITS = ("document", "turn", "month")
COOCCURRENCE_UNITS = ("turn", "document", "sentence")

KEY_TYPES: dict[str, dict[str, str]] = {
    "document": {"document_id": "int", "date": "date", "title": "text", "words": "int"},
    "turn": {"turn_id": "int", "document_id": "int", "date": "date", "paragraph": "int",
             "speaker": "text", "speaker_kind": "text", "words": "int"},
    "month": {"month": "text", "documents": "int", "words": "int"},
}
"""The row keys of a matrix by each unit, with their types (:mod:`coder.export.columns`)."""


def matrix_types(by: str, columns: list[str]) -> dict[str, str]:
    """The declared type of each column of a matrix by ``by`` (:func:`code_matrix`'s
    columns): its keys' types, and ``int`` for every code column (0/1 or a count), so
    an empty matrix has the schema of a full one."""
    keys = KEY_TYPES[by]
    return {column: keys.get(column, "int") for column in columns}

# -- code columns -------------------------------------------------------------------------------


def code_columns(project: Project, codes: str | Iterable[str] | None = None, *,
                 exact: bool = False) -> list[tuple[str, list[str]]]:
    """``[(column name, [code ids it counts])]`` for the codes (see the module docstring).

    The given ``codes`` (default: every code in tree order), each counting its
    descendants too, or only itself with ``exact=True``.
    """
    tree = code_tree(project)
    wanted = as_list(codes)
    if wanted:
        return [(code_id, [code_id] if exact else descendants(tree, code_id))
                for code_id in check_codes(tree, wanted)]
    used = {r[0] for r in project.db.execute(
        "SELECT DISTINCT code_id FROM annotations WHERE deleted = 0")}
    ordered = _tree_order(tree)
    return [(c, [c] if exact else descendants(tree, c)) for c in ordered
            if c in used or not tree[c]["retired"]]


def _tree_order(tree: dict[str, dict]) -> list[str]:
    """Code ids parents-first, siblings by their codebook order."""
    children: dict[str | None, list[str]] = {}
    for code_id, row in tree.items():
        parent = row["parent_id"] if row["parent_id"] in tree else None
        children.setdefault(parent, []).append(code_id)
    ordered: list[str] = []

    def walk(parent: str | None) -> None:
        for code_id in children.get(parent, []):
            if code_id not in ordered:
                ordered.append(code_id)
                walk(code_id)

    walk(None)
    ordered += [c for c in tree if c not in ordered]  # cycles in imported data
    return ordered


# -- splitting columns by an attribute -------------------------------------------------------------

NO_VALUE = "-"
"""The label of a split column counting segments without a value for the dimension."""


def attribute_values_of(project: Project, dimension: str) -> list[str]:
    """The values of a dimension: the codebook's, then others codings carry, by name."""
    from ..codebook.store import codebook_attributes

    declared = {a.id: list(a.values) for a in codebook_attributes(project)}
    stored = sorted(r[0] for r in project.db.execute(
        "SELECT DISTINCT json_extract(attributes, '$.' || ?) FROM annotations"
        " WHERE deleted = 0 AND json_extract(attributes, '$.' || ?) IS NOT NULL",
        [dimension, dimension]))
    if dimension not in declared and not stored:
        known = ", ".join(declared) or "none"
        raise CoderError(f"no attribute {dimension!r} in the codebook or the codings "
                         f"(attributes: {known}); see `coder attributes list`")
    values = declared.get(dimension, [])
    return values + [v for v in stored if v not in values]


def _split_key(code_id: str, value: str | None) -> str:
    # A segment's key in the column index when columns are split: its code and its value.
    return f"{code_id}\x1f{value or ''}"


def split_columns(project: Project, columns: list[tuple[str, list[str]]],
                  dimension: str) -> list[tuple[str, list[str]]]:
    """Each code column split into one column per value of ``dimension`` (and ``-``: none).

    ``SEC`` becomes ``SEC source=own``, ``SEC source=attributed``, ..., ``SEC source=-``;
    together they count what ``SEC`` counts.
    """
    values = [*attribute_values_of(project, dimension), None]
    return [(f"{name} {dimension}={value or NO_VALUE}", [_split_key(c, value) for c in members])
            for name, members in columns for value in values]


def column_index(columns: list[tuple[str, list[str]]]) -> dict[str, list[int]]:
    """Code id -> the numbers of the columns it counts in (a code counts in its ancestors')."""
    index: dict[str, list[int]] = {}
    for number, (_, members) in enumerate(columns):
        for code_id in members:
            index.setdefault(code_id, []).append(number)
    return index


# -- shared queries -------------------------------------------------------------------------------

def selected_documents(project: Project, resolved) -> list[dict]:
    """The documents a resolved selection keeps, by date (undated last), with their sizes."""
    where, params = resolved.document_sql()
    return project.rows(
        f"SELECT d.id, d.date, d.title, d.words, length(d.text) AS length FROM documents d"
        f" WHERE 1 = 1{where} ORDER BY d.date IS NULL, d.date, d.id", params)


def selected_segments(project: Project, resolved, code_ids: Iterable[str],
                      attribute: str | None = None) -> list[tuple]:
    """(document_id, start, end, code_id) of live segments of the given codes.

    With ``attribute`` (columns from :func:`split_columns`) the last item is the split
    key of the segment's code and its value for that dimension.
    """
    if attribute is not None:
        code_ids = {key.split("\x1f")[0] for key in code_ids}
    code_ids = sorted(set(code_ids))
    if not code_ids:
        return []
    where, params = resolved.annotation_sql()
    key = "a.code_id" if attribute is None else (
        "a.code_id || char(31) || coalesce(json_extract(a.attributes, '$.' || ?), '')")
    return project.db.execute(
        f'SELECT a.document_id, a.start, a."end", {key} FROM annotations a'
        " JOIN documents d ON d.id = a.document_id"
        f" WHERE a.deleted = 0{where} AND a.code_id IN ({','.join('?' * len(code_ids))})"
        ' ORDER BY a.document_id, a.start, a."end"',
        ([attribute] if attribute is not None else []) + params + code_ids).fetchall()


def segments_by_document(segments: list[tuple]) -> dict[int, list[tuple]]:
    """Segment tuples grouped by their first item, the document id."""
    grouped: dict[int, list[tuple]] = {}
    for segment in segments:
        grouped.setdefault(segment[0], []).append(segment)
    return grouped


def months_between(first: str, last: str) -> list[str]:
    """Every month ``YYYY-MM`` from ``first`` to ``last`` inclusive, empty ones too."""
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return months


# -- matrices -------------------------------------------------------------------------------------

def code_matrix(project: Project, *, by: str = "document", counts: bool = False,
                codes: str | Iterable[str] | None = None, exact: bool = False,
                attribute: str | None = None, **filters) -> tuple[list[str], list[dict]]:
    """A code matrix by ``document``, ``turn`` or ``month``: ``(columns, rows)``.

    Filters are those of :func:`coder.selection.resolve_filters` (coders, gold,
    since/until, document ids); ``codes`` picks the code columns.  Each column counts
    its code and the code's descendants; with ``exact=True`` only its code.  With
    ``attribute`` each column is split by that dimension's values (:func:`split_columns`).
    """
    if by not in MATRIX_UNITS:
        raise CoderError(f"by must be one of {', '.join(MATRIX_UNITS)}, not {by!r}", option="by")
    resolved = resolve_filters(project, **filters)
    columns = code_columns(project, codes, exact=exact)
    if attribute:
        columns = split_columns(project, columns, attribute)
    # A code called like a row key ("date", "words") would overwrite that key's cells.
    columns = [(f"{name} (code)" if name in KEY_TYPES[by] else name, counted)
               for name, counted in columns]
    names = [name for name, _ in columns]
    index = column_index(columns)
    documents = selected_documents(project, resolved)
    segments = segments_by_document(selected_segments(project, resolved, index, attribute or None))

    def cells(found: dict[int, int]) -> dict:
        return {name: (found.get(n, 0) if counts else int(found.get(n, 0) > 0))
                for n, name in enumerate(names)}

    rows: list[dict] = []
    if by == "document":
        keys = ["document_id", "date", "title", "words"]
        for doc in documents:
            found: dict[int, int] = {}
            for segment in segments.get(doc["id"], []):
                for n in index[segment[3]]:
                    found[n] = found.get(n, 0) + 1
            rows.append({"document_id": doc["id"], "date": doc["date"], "title": doc["title"],
                         "words": doc["words"], **cells(found)})
    elif by == "turn":
        keys = ["turn_id", "document_id", "date", "paragraph", "speaker", "speaker_kind", "words"]
        for doc in documents:
            turns = DocumentTurns(project, doc["id"])
            found_by_turn: dict[int, dict[int, int]] = {}
            for segment in segments.get(doc["id"], []):
                for turn in turns.overlapping(segment[1], segment[2]):
                    found = found_by_turn.setdefault(turn["id"], {})
                    for n in index[segment[3]]:
                        found[n] = found.get(n, 0) + 1
            for turn in sorted(turns.turns, key=lambda t: t["seq"]):
                rows.append({"turn_id": turn["id"], "document_id": doc["id"], "date": doc["date"],
                             "paragraph": paragraph_number(turn["seq"]), "speaker": turn["speaker"],
                             "speaker_kind": turn["speaker_kind"], "words": turn["words"],
                             **cells(found_by_turn.get(turn["id"], {}))})
    else:
        keys = ["month", "documents", "words"]
        dated = [d for d in documents if d["date"]]
        per_month: dict[str, dict] = {}
        for doc in dated:
            month = per_month.setdefault(doc["date"][:7], {"documents": 0, "words": 0, "found": {}})
            month["documents"] += 1
            month["words"] += doc["words"]
            for segment in segments.get(doc["id"], []):
                for n in index[segment[3]]:
                    month["found"][n] = month["found"].get(n, 0) + 1
        if dated:
            for label in months_between(min(per_month), max(per_month)):
                month = per_month.get(label, {"documents": 0, "words": 0, "found": {}})
                rows.append({"month": label, "documents": month["documents"],
                             "words": month["words"], **cells(month["found"])})
    return keys + names, rows


def matrix_frame(project: Project, **options):
    """:func:`code_matrix` as a pandas DataFrame (same columns, same rows), with the same
    dtypes however many rows (:func:`matrix_types`; ``date`` stays ISO text)."""
    from .columns import TEXT, typed_frame

    columns, rows = code_matrix(project, **options)
    types = matrix_types(options.get("by", "document"), columns)
    return typed_frame(rows, columns, {**types, "date": TEXT})


# -- co-occurrence --------------------------------------------------------------------------------

def _units(project: Project, doc: dict, unit: str) -> list[tuple[int, int]]:
    """Non-overlapping unit spans of one document, sorted by start."""
    if unit == "document":
        return [(0, doc["length"])]
    turns = project.db.execute('SELECT start, "end" FROM turns WHERE document_id = ?'
                               " ORDER BY start", [doc["id"]]).fetchall()
    spans = [tuple(t) for t in turns] or [(0, doc["length"])]  # no turns: the whole text
    if unit == "turn":
        return spans
    text = project.db.execute("SELECT text FROM documents WHERE id = ?", [doc["id"]]).fetchone()[0]
    sentences: list[tuple[int, int]] = []
    for s, e in spans:
        sentences.extend(split_sentences(text, s, e))
    return sentences


@dataclass(frozen=True)
class Cooccurrence:
    """The result of :func:`cooccurrence` (a symmetric code x code matrix of unit counts)."""

    unit: str
    codes: list[str]
    units: int
    coded_units: int
    matrix: list[list[int]]


def cooccurrence(project: Project, *, unit: str = "turn", codes: str | Iterable[str] | None = None,
                 attribute: str | None = None, **filters) -> Cooccurrence:
    """How often two codes have segments overlapping the same unit.

    Returns a :class:`Cooccurrence`: ``matrix[i][j]`` is
    the number of units where codes i and j both occur (symmetric); the diagonal is the
    number of units where code i occurs at all.  ``units`` counts every unit in the
    filtered documents, ``coded_units`` those with at least one of the codes.

    ``codes`` picks the codes, each counting its descendants; by default every code
    that has segments under the filters, each on its own (exact codes: rolling children
    up here would make every parent trivially co-occur with its children).  Units: turns (a document
    without turns is one unit), whole documents, or sentences of the turns
    (:func:`coder.corpus.segment.split_sentences`).  With ``attribute`` each code is
    split by that dimension's values (:func:`split_columns`): ``SEC.WAR source=own``
    and ``SEC.WAR source=attributed`` are two variables.
    """
    if unit not in COOCCURRENCE_UNITS:
        raise CoderError(f"unit must be one of {', '.join(COOCCURRENCE_UNITS)}, not {unit!r}",
                         option="unit")
    resolved = resolve_filters(project, **filters)
    columns = code_columns(project, codes, exact=not as_list(codes))
    if attribute:
        columns = split_columns(project, columns, attribute)
    found = selected_segments(project, resolved, column_index(columns), attribute or None)
    if not as_list(codes):  # by default: the codes that occur under these filters
        used = {segment[3] for segment in found}
        columns = [(name, members) for name, members in columns if used & set(members)]
    names = [name for name, _ in columns]
    index = column_index(columns)
    matrix = [[0] * len(names) for _ in names]
    segments = segments_by_document(found)
    total = coded = 0
    for doc in selected_documents(project, resolved):
        spans = _units(project, doc, unit)
        total += len(spans)
        starts = [s for s, _ in spans]
        present: dict[int, set[int]] = {}
        for _, start, end, code_id in segments.get(doc["id"], []):
            at = max(0, bisect.bisect_right(starts, start) - 1)
            while at < len(spans) and spans[at][0] < end:
                if spans[at][1] > start:
                    present.setdefault(at, set()).update(index[code_id])
                at += 1
        for found in present.values():
            coded += 1
            for i in found:
                for j in found:
                    matrix[i][j] += 1
    return Cooccurrence(unit=unit, codes=names, units=total, coded_units=coded, matrix=matrix)


def cooccurrence_rows(result: Cooccurrence) -> tuple[list[str], list[dict]]:
    """The co-occurrence matrix as a table: a ``code`` column, then one column per code."""
    names = result.codes
    rows = [{"code": name, **dict(zip(names, result.matrix[i]))} for i, name in enumerate(names)]
    return ["code", *names], rows
