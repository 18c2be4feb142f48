"""Writers for tidy tables: CSV, Parquet, Excel (xlsx), JSON Lines and Stata (dta).

Every writer takes rows (dicts, or sequences in column order) and a column list, writes
to a temporary file next to the target and renames it into place, so a failed export
never leaves half a file (a symbolic link is followed, a FIFO, a device or ``/dev/stdout``
written through: see :mod:`coder.outputs`); the file ends up with ordinary permissions (0666 less the
umask, or those of the file it replaces), and a path that cannot be written is a
one-line ``cannot write PATH: reason`` error.

- **CSV** is RFC 4180: UTF-8 (``bom=True`` prepends a byte-order mark for Excel;
  ``excel_safe=True`` puts ``'`` before text cells starting with ``= + - @``, which
  Excel would otherwise run as formulas; off by default to keep the data exact),
  a header row, fields quoted only when they hold a comma, a quote or a line break
  (quotes doubled), records ending in CRLF as the RFC specifies.  R (``read.csv``,
  ``readr``, ``data.table``), Stata ``import delimited`` and pandas read CRLF and LF
  alike, and Excel expects CRLF; line breaks *inside* a quoted field stay ``\\n`` as in
  the document text.  Missing values are empty fields.  In Stata, read it with
  ``import delimited using segments.csv, varnames(1) encoding(utf-8) bindquote(strict)
  maxquotedrows(unlimited)`` so quoted line breaks stay inside their field.
- **JSON Lines**: one JSON object per line, keys in column order, ``\\n`` line ends,
  UTF-8 without escapes, ``null`` for missing values.
- **Parquet** (pyarrow) keeps types: int64 ids and offsets, ``date32`` dates, UTC
  timestamps, strings.
- **Stata** (``.dta`` format 118, read by Stata 14 and later; written by pandas): whole
  numbers are longs (missing as ``.``), a ``date`` column of whole ISO dates a Stata
  daily date (``%td``), text a string (a missing one empty, as Stata has it; longer than
  2,045 bytes: a ``strL``), timestamps ISO text.  A column name Stata cannot take (``SEC.WAR``, a reserved word, over
  32 characters) gets a valid one (``SEC_WAR``) that no other column has, with the original
  as its variable label; a name Stata takes is always kept, never given to another column
  (codes ``X-1`` and ``X_1``: ``X_1`` stays, ``X-1`` becomes ``X_1_2``).  The writer
  reports the renamed columns.
- **Excel** (openpyxl, write-only): strings are always stored as text (a segment
  starting with ``=`` never becomes a formula); characters XML cannot hold are dropped
  and cells are cut at Excel's 32,767-character limit (the writer reports how many).
  Dates (``date``) are date cells (``yyyy-mm-dd``) and timestamps (``created_at``,
  ``updated_at``) date-time cells holding the UTC time (Excel has no time zones).

Parquet and Stata types follow each table's declared column types (``types``, see
:mod:`coder.export.columns`), not the values, so an empty export (``--since 2030``) has
the variables, types and labels of a full one; a column without a declared type has it
inferred from its values.

CSV and JSON Lines output is byte-identical for the same rows: nothing about the time of
the export is written.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as dt
import functools
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CoderError
from ..outputs import check_output_path, output_file
from ..project import Project
from ..team.blind import Withholding
from .columns import DATE, INT, NULLABLE_INT, NUMBER, TIMESTAMP
from .segments import (
    DEFAULT_CONTEXT,
    SEGMENT_COLUMNS,
    iter_segment_tuples,
    resolve_filters,
    segment_columns,
    segment_types,
)

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx",
           ".jsonl": "jsonl", ".ndjson": "jsonl", ".dta": "dta"}
EXCEL_CELL_LIMIT = 32_767
EXCEL_ROW_LIMIT = 1_048_576


def table_format(path: str | Path, fmt: str | None = None) -> str:
    """The table format for ``path`` (from ``fmt`` or the file suffix), or a CoderError."""
    if fmt:
        fmt = fmt.lower().lstrip(".")
        if fmt not in set(FORMATS.values()):
            raise CoderError(f"unknown table format {fmt!r} (csv, parquet, xlsx, jsonl, dta)")
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise CoderError(f"cannot tell the format from the suffix {suffix or '(none)'!r}; "
                         "use .csv, .parquet, .xlsx, .jsonl or .dta (or name the format)", path=path,
                         option="format")
    return FORMATS[suffix]


def _sequences(rows: Iterable[dict | Sequence], columns: list[str]) -> Iterator[Sequence]:
    """Rows as sequences in column order (dicts are looked up; tuples pass through)."""
    for row in rows:
        yield [row.get(c) for c in columns] if isinstance(row, dict) else row


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP's CSV-injection list)."""


def excel_safe_cell(value: object) -> object:
    """``value`` with a ``'`` in front when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _excel_safe_rows(rows: Iterable[Sequence]) -> Iterator[list]:
    for row in rows:
        yield [excel_safe_cell(v) for v in row]


def write_csv(rows: Iterable[dict | Sequence], columns: list[str], path: str | Path, *,
              bom: bool = False, excel_safe: bool = False) -> int:
    """Write an RFC 4180 CSV (CRLF records, minimal quoting); returns the number of rows.

    ``rows`` are dicts, or sequences in ``columns`` order (faster).  ``excel_safe``
    puts a ``'`` before text cells starting with ``= + - @`` (or a tab or carriage
    return), so Excel or LibreOffice show them instead of running them as formulas; off
    by default, because it changes the data R, Stata and pandas read.
    """
    count = 0
    sequences = _sequences(rows, columns)
    if excel_safe:
        sequences = _excel_safe_rows(sequences)
    with output_file(path) as temp:
        with open(temp, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
            writer.writerow(columns)
            batch: list = []
            for row in sequences:
                batch.append(row)
                if len(batch) == 5000:
                    writer.writerows(batch)
                    count += len(batch)
                    batch = []
            writer.writerows(batch)
            count += len(batch)
    return count


def write_jsonl(rows: Iterable[dict | Sequence], columns: list[str], path: str | Path) -> int:
    """Write JSON Lines (one object per line, keys in column order); returns the row count."""
    count = 0
    dumps = json.JSONEncoder(ensure_ascii=False, default=str).encode
    with output_file(path) as temp:
        with open(temp, "w", encoding="utf-8", newline="\n") as out:
            batch: list[str] = []
            for row in _sequences(rows, columns):
                batch.append(dumps(dict(zip(columns, row))))
                if len(batch) == 5000:
                    out.write("\n".join(batch) + "\n")
                    count += len(batch)
                    batch = []
            if batch:
                out.write("\n".join(batch) + "\n")
                count += len(batch)
    return count


def _parse_date(value: object) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _parse_timestamp(value: object) -> dt.datetime | None:
    if value is None or value == "":
        return None
    try:
        stamp = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    return stamp


def arrow_schema(columns: list[str], types: Mapping[str, str]):
    """The pyarrow schema of declared column ``types`` (:mod:`coder.export.columns`);
    a column without one is text."""
    import pyarrow as pa

    kinds = {INT: pa.int64(), NULLABLE_INT: pa.int64(), NUMBER: pa.float64(),
             DATE: pa.date32(), TIMESTAMP: pa.timestamp("us", tz="UTC")}
    return pa.schema([pa.field(column, kinds.get(types.get(column), pa.string()),
                               nullable=types.get(column) != INT) for column in columns])


def segment_arrow_schema(columns: list[str] | None = None):
    """The pyarrow schema of the segments table (``columns``: with its attribute columns)."""
    columns = columns or SEGMENT_COLUMNS
    return arrow_schema(columns, segment_types(columns))


def write_parquet(rows: Iterable[dict | Sequence], columns: list[str], path: str | Path, *,
                  schema=None, types: Mapping[str, str] | None = None) -> int:
    """Write Parquet with pyarrow; ``schema``, or the declared column ``types``
    (:func:`arrow_schema`), fix the types, else pyarrow infers them (and an empty
    table's columns have none)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise CoderError("Parquet export needs pyarrow: pip install pyarrow") from None
    if schema is None and types:
        schema = arrow_schema(columns, types)
    rows = list(_sequences(rows, columns))
    data: dict[str, list] = {c: [row[i] for row in rows] for i, c in enumerate(columns)}
    if schema is not None:
        for column in columns:
            kind = schema.field(column).type
            if pa.types.is_date32(kind):
                data[column] = [_parse_date(v) for v in data[column]]
            elif pa.types.is_timestamp(kind):
                data[column] = [_parse_timestamp(v) for v in data[column]]
        table = pa.Table.from_pydict(data, schema=schema)
    else:
        table = pa.Table.from_pydict(data)
    with output_file(path) as temp:
        pq.write_table(table, temp)
    return len(rows)


# Names a variable may not have: Stata's reserved names and Mata's keywords (pandas
# renames those as well); str1 ... str2045 are reserved too (see stata_names).
STATA_RESERVED = frozenset(
    "aggregate array boolean break byte case catch class colvector complex const continue "
    "default delegate delete do double else eltypedef end enum explicit export external float "
    "for friend function global goto if inline int local long NULL pragma protected quad "
    "rowvector short typedef typename virtual _all _N _skip _b _pi in _pred strL _coef "
    "_rc using _cons _se with _n".split())
STATA_NAME_LENGTH = 32
STATA_STR_BYTES = 2045  # the longest fixed-width string of a format-118 file


@functools.cache
def _stata_reserved() -> frozenset[str]:
    """Stata's reserved words and the ones pandas renames too (it adds Mata's)."""
    try:
        from pandas.io.stata import StataParser

        return STATA_RESERVED | frozenset(StataParser().RESERVED_WORDS)
    except (ImportError, AttributeError, TypeError):
        return STATA_RESERVED


def _stata_name(column: str) -> str:
    """``column`` made a valid Stata variable name (itself when it already is one).

    Letters, digits and ``_`` stay (letters beyond ASCII too: Stata 14 takes them), any
    other character becomes ``_``; a name starting with a digit, or a reserved word, gets
    a leading ``_``; the name is cut to 32 characters.
    """
    name = "".join(c if (c.isalnum() and (c.isascii() or ord(c) >= 192) and c not in "×÷")
                   or c == "_" else "_" for c in column) or "_"
    if name[0].isdigit() or name in _stata_reserved() or re.fullmatch(r"str[0-9]+", name):
        name = "_" + name
    return name[:STATA_NAME_LENGTH]


def stata_names(columns: list[str]) -> list[str]:
    """A valid, distinct Stata variable name for each column (most are their own).

    A column whose name Stata takes keeps it, wherever it stands: only the others are
    renamed (:func:`_stata_name`), and a renamed column never gets a name another column
    has, or was given before it (a clash gets ``_2``, ``_3``, ...).  With codes ``X-1``
    and ``X_1``, ``X_1`` stays ``X_1`` and ``X-1`` becomes ``X_1_2``; were the valid names
    not reserved first, ``X-1`` would take ``X_1`` and the real ``X_1`` be renamed, so a
    do-file reading ``X_1`` would read the other code's numbers.  The same columns always
    get the same names.
    """
    fixed = [_stata_name(column) for column in columns]
    taken: set[str] = set()
    keeps: list[bool] = []
    for column, name in zip(columns, fixed):  # valid names first (a repeated one once)
        keeps.append(name == column and name not in taken)
        if keeps[-1]:
            taken.add(name)
    names: list[str] = []
    for name, keep in zip(fixed, keeps):
        if not keep:
            base, n = name, 2
            while name in taken:
                suffix = f"_{n}"
                name, n = base[:STATA_NAME_LENGTH - len(suffix)] + suffix, n + 1
            taken.add(name)
        names.append(name)
    return names


def _stata_column(values: list, column: str, kind: str | None = None
                  ) -> tuple[object, str | None]:
    """One column's values as pandas data Stata can hold, and its date format (or None).

    ``kind``, the column's declared type (:mod:`coder.export.columns`), decides, so an
    empty column gets the type a full one has; without it the values do."""
    import pandas as pd

    present = [v for v in values if v is not None]
    if kind in (INT, NULLABLE_INT):  # a long, missing as `.` (too large: pandas makes a double)
        return pd.Series(values, dtype="Int64"), None
    if kind == NUMBER:
        return pd.Series(values, dtype="float64"), None
    if kind == DATE and all(isinstance(v, str) and len(v) == 10 and _parse_date(v) is not None
                            for v in present):
        return pd.to_datetime(pd.Series(values, dtype="object"), format="%Y-%m-%d"), "td"
    if kind is None:
        if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
            return pd.Series(values,
                             dtype="int64" if len(present) == len(values) else "float64"), None
        if present and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                           for v in present):
            return pd.Series(values, dtype="float64"), None
        if present and all(isinstance(v, bool) for v in present):
            return pd.Series([None if v is None else int(v) for v in values],
                             dtype="float64"), None
        if column == "date" and present and all(
                isinstance(v, str) and _parse_date(v) is not None and len(v) == 10
                for v in present):
            return pd.to_datetime(pd.Series(values), format="%Y-%m-%d"), "td"
    # Text (Stata's missing string is the empty one; lone surrogates, from file names that
    # were not UTF-8, cannot be encoded and become replacement marks).
    return pd.Series(["" if v is None else _SURROGATES.sub("\ufffd", v if isinstance(v, str)
                                                           else str(v)) for v in values],
                     dtype="object"), None


def write_dta(rows: Iterable[dict | Sequence], columns: list[str], path: str | Path, *,
              label: str | None = None, types: Mapping[str, str] | None = None
              ) -> tuple[int, dict[str, str]]:
    """Write a Stata ``.dta`` (format 118) with pandas; returns the number of rows and the
    columns renamed to valid Stata names (``{column: name}``).  ``types`` declares columns'
    types (:mod:`coder.export.columns`), which then do not depend on the rows: an empty
    export has the variables, types and labels of a full one."""
    import pandas as pd

    rows = list(_sequences(rows, columns))
    types = types or {}
    names = stata_names(columns)
    data: dict[str, object] = {}
    dates: dict[str, str] = {}
    strls: list[str] = []
    for index, (column, name) in enumerate(zip(columns, names)):
        series, date_format = _stata_column([row[index] for row in rows], column,
                                            types.get(column))
        data[name] = series
        if date_format:
            dates[name] = date_format
        elif series.dtype == object and any(
                len(v.encode("utf-8")) > STATA_STR_BYTES for v in series):
            strls.append(name)
    frame = pd.DataFrame(data, columns=names)
    renamed = {c: n for c, n in zip(columns, names) if c != n}
    # A variable label holds at most 80 characters.
    labels = {n: c[:80] for c, n in renamed.items()}
    with output_file(path) as temp:
        frame.to_stata(temp, write_index=False, version=118, convert_dates=dates or None,
                       convert_strl=strls or None, variable_labels=labels or None,
                       data_label=(label or "")[:80] or None)
    return len(rows), renamed


_SURROGATES = re.compile("[\ud800-\udfff]")


def _excel_value(value: object, clean) -> tuple[object, bool]:
    """A value Excel can hold, and whether it had to be cut."""
    if not isinstance(value, str):
        return value, False
    # Lone surrogates (bytes of a file name that was not UTF-8) cannot be written as XML.
    value = _SURROGATES.sub("\ufffd", clean("", value))
    if len(value) > EXCEL_CELL_LIMIT:
        return value[:EXCEL_CELL_LIMIT - 1] + "…", True
    return value, False


EXCEL_DATE_FORMAT = "yyyy-mm-dd"
EXCEL_TIMESTAMP_FORMAT = "yyyy-mm-dd hh:mm:ss.000"


def _excel_date(value: object, timestamp: bool) -> tuple[object, str | None]:
    """A date / timestamp column's text as a value Excel shows as a date, with its number
    format; text that is not a whole ISO date (a year alone, "2019-03") stays text.
    Timestamps are UTC; Excel has no time zones, so the cell holds the UTC wall time."""
    if not isinstance(value, str) or not value:
        return value, None
    if timestamp:
        try:
            stamp = dt.datetime.fromisoformat(value)
        except ValueError:
            return value, None
        if stamp.tzinfo is not None:
            stamp = stamp.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return stamp, EXCEL_TIMESTAMP_FORMAT
    if len(value) != 10:
        return value, None
    try:
        return dt.date.fromisoformat(value), EXCEL_DATE_FORMAT
    except ValueError:
        return value, None


def write_xlsx(rows: Iterable[dict | Sequence], columns: list[str], path: str | Path, *,
               sheet: str = "segments") -> tuple[int, int]:
    """Write one worksheet with a header row; returns (rows, cells cut at 32,767 chars).

    Columns named ``date`` or ``*_date`` hold date cells, ``*_at`` columns (UTC
    timestamps) date-time cells, so Excel sorts and filters them as dates.
    """
    try:
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    except ImportError:
        raise CoderError("Excel export needs openpyxl: pip install openpyxl") from None
    clean = ILLEGAL_CHARACTERS_RE.sub
    check_output_path(path)
    book = Workbook(write_only=True)
    worksheet = book.create_sheet(sheet)
    try:
        count, cut = _fill_sheet(worksheet, rows, columns, path, clean)
        with output_file(path) as temp:
            book.save(temp)
    except BaseException:
        _abandon(worksheet)
        raise
    return count, cut


def _abandon(worksheet) -> None:
    """Drop a write-only sheet that will not be saved, and its temporary file, without
    the "Exception ignored in <generator ...>" noise lxml prints when openpyxl's
    half-written XML streams are garbage-collected."""
    import gc

    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        writer = worksheet._writer
        with contextlib.suppress(Exception):
            worksheet.close()
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.cleanup()
            writer.xf = None
        worksheet._rows = worksheet._writer = None
        gc.collect()  # the streams, now unreachable, are finalised here, quietly
    finally:
        sys.unraisablehook = hook


def _fill_sheet(worksheet, rows: Iterable[dict | Sequence], columns: list[str],
                path: str | Path, clean) -> tuple[int, int]:
    from openpyxl.cell import WriteOnlyCell

    worksheet.append(columns)
    kinds = [("date" if name == "date" or name.endswith("_date")
              else "timestamp" if name.endswith("_at") else None) for name in columns]
    count = cut = 0
    for row in _sequences(rows, columns):
        count += 1
        if count >= EXCEL_ROW_LIMIT:
            raise CoderError(f"more than {EXCEL_ROW_LIMIT - 1:,} rows do not fit in an Excel "
                             "sheet; export .csv or .parquet instead", path=path)
        cells = []
        for raw, kind in zip(row, kinds):
            number_format = None
            if kind:
                raw, number_format = _excel_date(raw, kind == "timestamp")
            value, was_cut = _excel_value(raw, clean)
            cut += was_cut
            cell = WriteOnlyCell(worksheet, value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula or an error code
            elif number_format:
                cell.number_format = number_format
            cells.append(cell)
        worksheet.append(cells)
    return count, cut


@dataclass(frozen=True)
class TableSummary:
    """What a table writer wrote: where, in which format, how many rows and columns."""

    path: str
    format: str
    rows: int
    columns: int
    cells_cut: int = 0  # Excel cells cut to its 32,767-character limit
    renamed: dict = field(default_factory=dict)  # Stata: {column: the variable's name}
    held: dict = field(default_factory=dict)  # segments export: others' codings held back


def write_table(rows: Iterable[dict | Sequence], columns: list[str], path: str | Path, *,
                fmt: str | None = None, bom: bool = False, excel_safe: bool = False,
                schema=None, sheet: str = "data", types: Mapping[str, str] | None = None
                ) -> TableSummary:
    """Write rows in the format of ``path`` (or ``fmt``); returns what was written.

    ``bom`` and ``excel_safe`` are for CSV (see :func:`write_csv`); other formats ignore
    them (Excel files always store text as text).  ``types`` declares the columns' types
    (:mod:`coder.export.columns`) for Stata and Parquet, so an empty table has the
    schema of a full one; ``schema`` overrides Parquet's.
    """
    fmt = table_format(path, fmt)
    cut, renamed = 0, {}
    if fmt == "csv":
        count = write_csv(rows, columns, path, bom=bom, excel_safe=excel_safe)
    elif fmt == "jsonl":
        count = write_jsonl(rows, columns, path)
    elif fmt == "parquet":
        count = write_parquet(rows, columns, path, schema=schema, types=types)
    elif fmt == "dta":
        count, renamed = write_dta(rows, columns, path, label=f"coder {sheet}", types=types)
    else:
        count, cut = write_xlsx(rows, columns, path, sheet=sheet)
    return TableSummary(path=str(path), format=fmt, rows=count, columns=len(columns),
                        cells_cut=cut, renamed=renamed)


def export_segments(project: Project, path: str | Path, *, fmt: str | None = None,
                    bom: bool = False, excel_safe: bool = False, context: int = DEFAULT_CONTEXT,
                    progress: Callable[[int], None] | None = None, viewer: str | None = None,
                    **filters) -> TableSummary:
    """Write the segments table (see :mod:`coder.export.segments`) to ``path``.

    The format comes from the suffix (.csv .parquet .xlsx .jsonl .dta) or ``fmt``.  Returns a
    :class:`TableSummary` (``held`` filled, ``cells_cut`` for Excel).
    With ``viewer``, others' codings on documents the viewer codes blind are left out
    (``held``: per document, how many; see :class:`coder.team.blind.Withholding`).
    """
    fmt = table_format(path, fmt)
    check_output_path(path)
    resolve_filters(project, **filters)  # a bad filter fails before any file is made
    withhold = Withholding(project, viewer, via="export") if viewer else None
    rows = iter_segment_tuples(project, context=context, progress=progress, withhold=withhold,
                               **filters)
    columns = segment_columns(project)
    summary = write_table(rows, columns, path, fmt=fmt, bom=bom, excel_safe=excel_safe,
                          sheet="segments", types=segment_types(columns))
    if withhold is None:
        return summary
    return dataclasses.replace(summary, held=withhold.finish())
