"""Tables of documents: .csv / .tsv and .xlsx, one document per row.

The header row names the columns.  ``text_column`` holds the document text (default: the
first column named text, texto, transcript, transcripción, content or contenido, in any
case); ``title_column`` (default: title / título) and ``date_column`` (default: date /
fecha) are optional; every other non-empty cell goes to the document's ``metadata``
under its column name, with ``metadata["row"]``, the 1-based number of the data row
(the header is row 0), and for .xlsx ``metadata["sheet"]``.  Each row's text is parsed
for ``NAME:`` turns like a plain-text file.  Rows with empty text are skipped, each with a
warning naming the row.  Messages name a row by its number in the spreadsheet (the header
is row 1, or lower when blank rows come first), as a spreadsheet program shows it.  An
.xlsx is read from its active sheet, with a warning naming the other sheets that hold
something, unless ``sheet`` names the sheets to read (or is "all").  A table coder exported itself (the segments table: it has the
columns annotation_id, code_id, coder, start, end and text) is not documents: reading it
raises :class:`~coder.errors.NotADocument`, so an export saved in the corpus folder is
never imported back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from ...errors import ImportProblem, NotADocument, shown_name
from ...wording import first_few
from ..dates import find_date
from ..model import ParsedDocument
from ..text import decode_bytes, parse_plain
from . import reading, safezip, tidy_turns
from .safezip import short_reason

OPTIONS = frozenset({"text_column", "title_column", "date_column", "sheet", "max_bytes",
                     "max_total", "max_ratio"})

TEXT_COLUMNS = ("text", "texto", "transcript", "transcripción", "transcripcion", "content",
                "contenido")
TITLE_COLUMNS = ("title", "título", "titulo")
DATE_COLUMNS = ("date", "fecha")
#: Keys the reader sets in ``metadata``; a column with one of these names is stored as
#: "<name>_column" instead.
RESERVED_KEYS = ("row", "sheet")
#: Columns that together mark the segments table coder exports (see coder.export.segments).
EXPORT_SIGNATURE = frozenset({"annotation_id", "code_id", "coder", "start", "end", "text"})

#: Refuse .csv files larger than this.
MAX_BYTES = 200 * 1024 * 1024
_DELIMITERS = (",", ";", "\t", "|")


def read(path: Path, *, text_column: str | None = None, title_column: str | None = None,
         date_column: str | None = None, sheet: str | int | Sequence | None = None,
         max_bytes: int = MAX_BYTES, max_total: int = safezip.MAX_TOTAL,
         max_ratio: float = safezip.MAX_RATIO) -> list[ParsedDocument]:
    """Read a .csv/.tsv or .xlsx (told apart by content, then extension) into documents.

    ``sheet`` (.xlsx only) is a sheet name or 1-based number, a list of them, or "all";
    default the active sheet.
    Raises :class:`ImportProblem` for a missing column, an empty table, a malformed CSV
    or a corrupt, encrypted or hostile .xlsx.
    """
    columns = {"text_column": text_column, "title_column": title_column,
               "date_column": date_column}
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise ImportProblem(f"cannot read the file ({exc.strerror or exc})", path=path) from None
    if head.startswith(b"PK") or path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path, sheet=sheet, max_total=max_total, max_ratio=max_ratio, **columns)
    return read_csv(path, max_bytes=max_bytes, **columns)


def read_csv(path: Path, *, text_column: str | None = None, title_column: str | None = None,
             date_column: str | None = None, max_bytes: int = MAX_BYTES) -> list[ParsedDocument]:
    """Read a delimited text file (delimiter guessed from the header line: , ; tab |)."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ImportProblem(f"CSV file too large ({size / 1048576:,.0f} MB; "
                                f"limit {max_bytes / 1048576:,.0f} MB)", path=path)
        data = path.read_bytes()
    except OSError as exc:
        raise ImportProblem(f"cannot read the file ({exc.strerror or exc})", path=path) from None
    warnings: list[str] = []
    text = decode_bytes(data, path, warnings)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else _delimiter(text)
    limit = csv.field_size_limit()
    # A whole transcript in one cell is far over csv's default 128 KB field limit.
    csv.field_size_limit(max(limit, len(text) + 1))
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter, quotechar='"',
                               doublequote=True, strict=False))
    except csv.Error as exc:
        raise ImportProblem(f"malformed CSV ({short_reason(exc)})", path=path) from None
    finally:
        csv.field_size_limit(limit)
    blank, rows = _drop_leading_blank(rows)
    if not rows:
        raise ImportProblem("the file is empty", path=path)
    documents = _documents(rows[0], rows[1:], path, text_column, title_column, date_column, {},
                           header_row=blank + 1)
    documents[0].warnings[:0] = warnings
    return documents


def _delimiter(text: str) -> str:
    """The candidate delimiter that splits the header line most (a comma when none does)."""
    header = text.lstrip("\n").split("\n", 1)[0]
    counts = [(header.count(delimiter), -index, delimiter)
              for index, delimiter in enumerate(_DELIMITERS)]
    best = max(counts)
    return best[2] if best[0] else ","


def read_xlsx(path: Path, *, text_column: str | None = None, title_column: str | None = None,
              date_column: str | None = None, sheet: str | int | Sequence | None = None,
              max_total: int = safezip.MAX_TOTAL,
              max_ratio: float = safezip.MAX_RATIO) -> list[ParsedDocument]:
    """Read sheets of an .xlsx workbook (cached values of formulas, not the formulas).

    ``sheet``: a sheet's name or 1-based number, a list of them, or "all" (every sheet
    with a table; empty ones are passed over, and ones without the text column are
    reported in a warning); default the active sheet, with a warning naming the other
    sheets that hold something, so that no sheet is left out unsaid.
    """
    with reading(path, ".xlsx"):
        with safezip.open_zip(path, kind=".xlsx", max_total=max_total,
                              max_ratio=max_ratio) as zf:
            safezip.check_xml_members(zf, path)
            if not any(name.startswith("xl/") for name in zf.namelist()):
                raise ImportProblem("not an Excel workbook (no xl/ part in the zip)", path=path)
        workbook = _open_workbook(path)
        try:
            every = isinstance(sheet, str) and sheet.strip().lower() == "all" \
                and "all" not in (name.lower() for name in workbook.sheetnames)
            if every:
                chosen = list(workbook.worksheets)
            elif isinstance(sheet, list | tuple):
                chosen = list(dict.fromkeys(_sheet(workbook, one, path) for one in sheet))
            else:
                chosen = [_sheet(workbook, sheet, path)]
            documents: list[ParsedDocument] = []
            notes: list[str] = []
            for worksheet in chosen:
                blank, rows = _drop_leading_blank(worksheet.iter_rows(values_only=True))
                if not rows:
                    if not every:
                        raise ImportProblem(f"sheet {worksheet.title!r} is empty", path=path)
                    continue
                try:
                    documents += _documents(
                        rows[0], rows[1:], path, text_column, title_column, date_column,
                        {"sheet": worksheet.title}, header_row=blank + 1,
                        where=f"sheet {worksheet.title!r}, " if len(chosen) > 1 else "")
                except NotADocument:
                    raise
                except ImportProblem as exc:
                    if not every:
                        raise
                    notes.append(f"sheet {worksheet.title!r} not read: "
                                 f"{str(exc).removeprefix(f'{shown_name(path)}: ')}")
            if not documents:
                raise ImportProblem("no sheet with rows of text" + (
                    f" ({'; '.join(notes)})" if notes else ""), path=path)
            if sheet is None:
                others = [ws.title for ws in workbook.worksheets
                          if ws not in chosen and _has_content(ws)]
                if others:
                    notes.append(f"only sheet {chosen[0].title!r} read; not read: "
                                 f"{', '.join(map(repr, others))} (the sheet option chooses: "
                                 "a name, a number or all)")
            documents[0].warnings[:0] = notes
            return documents
        finally:
            workbook.close()


def _has_content(worksheet) -> bool:
    """Whether a worksheet has a cell with something in it (stops at the first)."""
    return any(any(_text(cell).strip() for cell in row)
               for row in worksheet.iter_rows(values_only=True))


def _open_workbook(path: Path):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except InvalidFileException as exc:
        raise ImportProblem(f"not a valid .xlsx ({short_reason(exc)})", path=path) from None
    except KeyError as exc:
        raise ImportProblem(f"not a valid .xlsx (missing part: {exc.args[0] if exc.args else exc})",
                            path=path) from None


def _sheet(workbook, sheet: str | int | None, path: Path):
    """The worksheet named or numbered by ``sheet``, else the active one."""
    worksheets = workbook.worksheets
    if not worksheets:
        raise ImportProblem("the workbook has no worksheets", path=path)
    names = ", ".join(ws.title for ws in worksheets)
    if sheet is None:
        active = workbook.active
        return active if active in worksheets else worksheets[0]
    if isinstance(sheet, int) or (isinstance(sheet, str) and sheet.isdigit()
                                  and sheet not in workbook.sheetnames):
        number = int(sheet)
        if not 1 <= number <= len(worksheets):
            raise ImportProblem(f"no sheet number {number} (sheets: {names})", path=path)
        return worksheets[number - 1]
    for ws in worksheets:
        if ws.title == sheet or ws.title.lower() == str(sheet).strip().lower():
            return ws
    raise ImportProblem(f"no sheet {sheet!r} (sheets: {names})", path=path)


def _drop_leading_blank(rows: Iterable[Sequence]) -> tuple[int, list[Sequence]]:
    """The rows from the first that is not blank on, and how many blank rows came first."""
    rows = list(rows)
    index = 0
    while index < len(rows) and not any(_text(cell).strip() for cell in rows[index]):
        index += 1
    return index, rows[index:]


def _column_names(header: Sequence) -> list[str]:
    """Header cells as names: stripped, "column_N" when blank, "_2" suffixes on repeats."""
    names: list[str] = []
    seen: set[str] = set()
    for index, cell in enumerate(header, start=1):
        name = " ".join(_text(cell).split()) or f"column_{index}"
        base, suffix = name, 2
        while name.lower() in seen:
            name, suffix = f"{base}_{suffix}", suffix + 1
        seen.add(name.lower())
        names.append(name)
    return names


def _pick(names: list[str], wanted: str | None, defaults: Sequence[str], path: Path,
          *, required: bool) -> int | None:
    """The index of the column ``wanted`` (or of the first default name present)."""
    folded = [name.lower() for name in names]
    listing = ", ".join(names)
    if wanted is not None:
        key = str(wanted).strip().lower()
        if key in folded:
            return folded.index(key)
        raise ImportProblem(f"no column {wanted!r} (columns: {listing})", path=path)
    for default in defaults:
        if default in folded:
            return folded.index(default)
    if required:
        raise ImportProblem(
            f"no text column (looked for {', '.join(defaults[:4])}; columns: {listing}); "
            "name it with text_column", path=path)
    return None


def _documents(header: Sequence, rows: Sequence[Sequence], path: Path,
               text_column: str | None, title_column: str | None, date_column: str | None,
               extra: dict, *, header_row: int = 1, where: str = "") -> list[ParsedDocument]:
    """One document per row with text.  ``header_row``: the header's row number in the
    spreadsheet, so that messages number rows as it does; ``where`` goes before "row N"
    in them (the sheet, when a workbook gives several)."""
    names = _column_names(header)
    if EXPORT_SIGNATURE <= {name.lower() for name in names}:
        raise NotADocument("a segments table exported by coder, not documents; skipped",
                           path=path)
    text_index = _pick(names, text_column, TEXT_COLUMNS, path, required=True)
    title_index = _pick(names, title_column, TITLE_COLUMNS, path, required=False)
    date_index = _pick(names, date_column, DATE_COLUMNS, path, required=False)
    special = {text_index, title_index, date_index}
    documents: list[ParsedDocument] = []
    empty: list[int] = []
    for number, row in enumerate(rows, start=1):
        shown = header_row + number  # the row's number in the spreadsheet
        cells = list(row)
        if len(cells) < len(names):
            cells += [None] * (len(names) - len(cells))
        text = _text(cells[text_index])
        if not text.strip():
            if any(_text(cell).strip() for cell in cells):
                empty.append(shown)  # a wholly blank line is no row worth a word
            continue
        title = _text(cells[title_index]).strip() or None if title_index is not None else None
        doc = parse_plain(text, title=title)
        tidy_turns(doc)
        if date_index is not None and _text(cells[date_index]).strip():
            date = _date(cells[date_index])
            if date is not None:
                doc.date = date
            else:
                doc.warnings.append(f"{where}row {shown}: unreadable date "
                                    f"{_text(cells[date_index])!r}")
        metadata: dict = {}
        for index, value in enumerate(cells):
            if index in special:
                continue
            value = _metadata_value(value)
            if value is None:
                continue
            name = names[index] if index < len(names) else f"column_{index + 1}"
            if name.lower() in RESERVED_KEYS:
                name = f"{name}_column"
            metadata[name] = value
        metadata.update(extra)
        metadata["row"] = number
        doc.metadata = metadata
        doc.origin = f"{where}row {shown}"
        doc.check()
        documents.append(doc)
    if not documents:
        raise ImportProblem(f"no rows with text in column {names[text_index]!r}", path=path)
    if empty:
        documents[0].warnings.append(
            f"{where}{len(empty)} row(s) with no text in column {names[text_index]!r} skipped "
            f"(row {first_few(empty, 10)})")
    return documents


def _text(value: object) -> str:
    """A cell as text, with "\\n" newlines ("" for an empty cell)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return find_date(text)


def _metadata_value(value: object) -> object:
    """A JSON-friendly metadata value; None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    text = _text(value).strip()
    return text or None
