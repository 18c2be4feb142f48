"""Frequencies, time series, co-occurrence and plots of coded segments.

``frequencies`` counts segments per month, year, speaker or document, with the words
spoken there and, with ``per``, the rate per ``per`` words (words come from
``documents.words``, or ``turns.words`` for speakers).  ``codes=["SEC", "DES"]`` gives
one column per code family (each code counts its descendants); by default every
top-level code of the codebook is a family.  For one coder (or the gold layer) the
denominators are, by default, only the documents that coder has coded
(``coded_only``; :func:`denominator` describes it for titles), and periods without a
coded document are missing (None), not zero.

``plot_frequencies`` draws the headline figure with matplotlib (an optional extra:
``pip install 'coder[plot]'``, Agg backend, no display needed): securitizing vs
desecuritizing moves per month, optionally next to a series of the user's own (read by
``read_series``) on a second axis.  ``terminal_chart`` draws the same lines as text
with plotext for the terminal.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterable
from pathlib import Path

from .codebook.model import code_tree
from .corpus.turns import DocumentTurns
from .errors import CoderError, read_text
from .export.matrix import (
    code_columns,
    column_index,
    cooccurrence,
    months_between,
    segments_by_document,
    selected_documents,
    selected_segments,
    split_columns,
)
from .outputs import check_output_path, output_file
from .project import Project
from .selection import as_list, coded_sql, resolve_filters

FREQUENCY_UNITS = ("month", "year", "speaker", "document")
PLOT_SUFFIXES = (".png", ".svg", ".pdf")

__all__ = ["FREQUENCY_UNITS", "PLOT_SUFFIXES", "check_plot_path", "coded_documents",
           "cooccurrence", "denominator", "frequencies", "parse_per", "per_label",
           "plot_frequencies", "read_series", "terminal_chart"]


def parse_per(value: str | int | None) -> int | None:
    """``"10k"`` -> 10000, ``"1m"`` -> 1000000, ``"1000"`` -> 1000; None stays None."""
    if value is None or value == "":
        return None
    text = str(value).strip().lower().replace("_", "").replace(",", "")
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([km]?)", text)
    if not match or float(match.group(1)) <= 0:
        raise CoderError(f"per {value!r} is not a number of words (e.g. 1000, 10k, 1m)",
                         option="per")
    number = float(match.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2)]
    return int(number)


def per_label(per: int) -> str:
    """10000 -> ``"10k"`` (for column names such as ``SEC per 10k``)."""
    if per % 1_000_000 == 0:
        return f"{per // 1_000_000}m"
    if per % 1_000 == 0:
        return f"{per // 1_000}k"
    return str(per)


def _family_columns(project: Project, codes) -> list[tuple[str, list[str]]]:
    """Code columns for statistics: the given codes or the top-level ones, with descendants."""
    wanted = as_list(codes)
    if not wanted:
        tree = code_tree(project)
        wanted = [c for c, row in tree.items()
                  if (row["parent_id"] is None or row["parent_id"] not in tree) and not row["retired"]]
        if not wanted:
            raise CoderError("the project has no codes yet; load a codebook first")
    return code_columns(project, wanted)


def coded_documents(project: Project, **filters) -> set[int]:
    """Ids of the documents (within the filters' dates and ids) the filters' coders have coded.

    The coders are ``coder``/``coders``/``gold`` as in
    :func:`coder.selection.resolve_filters`; without any, every coder.
    """
    resolved = resolve_filters(project, **filters)
    where, params = resolved.document_sql()
    coded, more = coded_sql(resolved.coder_ids)
    return {r[0] for r in project.db.execute(
        f"SELECT d.id FROM documents d WHERE 1 = 1{where}{coded}", params + more)}


def _who(filters: dict) -> str:
    names = as_list(filters.get("coder")) + as_list(filters.get("coders"))
    if filters.get("gold"):
        names.append("the gold layer")
    return ", ".join(names) if names else "any coder"


def denominator(project: Project, *, coded_only: bool | None = None, **filters) -> str:
    """Which documents' words :func:`frequencies` counts, in words, for titles.

    ``"words of the 12 documents coded by alice"`` or ``"words of all 24 documents"``.
    """
    resolved = resolve_filters(project, **filters)
    if _use_coded_only(coded_only, resolved):
        n = len(coded_documents(project, **filters))
        return f"words of the {n:,} document{'s' * (n != 1)} coded by {_who(filters)}"
    where, params = resolved.document_sql()
    n = project.db.execute(f"SELECT count(*) FROM documents d WHERE 1 = 1{where}",
                           params).fetchone()[0]
    return f"words of all {n:,} document{'s' * (n != 1)}"


def _use_coded_only(coded_only: bool | None, resolved) -> bool:
    """The default: only coded documents when a coder or the gold layer is chosen."""
    return resolved.coder_ids is not None if coded_only is None else bool(coded_only)


def frequencies(project: Project, *, by: str = "month", codes: str | Iterable[str] | None = None,
                per: int | str | None = None, coded_only: bool | None = None,
                attribute: str | None = None, **filters) -> tuple[list[str], list[dict]]:
    """Segment counts per unit: ``(columns, rows)``.

    Rows by ``month`` (without gaps) and ``year`` carry ``documents`` and ``words``;
    by ``document`` the document's id, date, title and words; by ``speaker`` the
    speaker, kind, turns and words (a segment's speaker is its turn's; segments outside
    every turn go to ``(no turn)``).  With ``per``, each code column is followed by
    ``<code> per <per>``: the count per ``per`` words (None where no words were spoken).

    ``coded_only`` (default: True when ``coder``/``coders``/``gold`` is given) counts
    only the documents those coders have coded (see :func:`coded_documents`):
    ``documents`` and ``words`` (the rates' denominators) cover just those, and a
    month, year or document with no coded document has None counts and rates (missing,
    not zero: nobody looked).  By speaker, only turns in coded documents count.
    :func:`denominator` says which was used.

    ``attribute`` splits each code column by that dimension's values (``SEC source=own``,
    ..., ``SEC source=-`` for segments without a value).
    """
    if by not in FREQUENCY_UNITS:
        raise CoderError(f"by must be one of {', '.join(FREQUENCY_UNITS)}, not {by!r}", option="by")
    per = parse_per(per)
    resolved = resolve_filters(project, **filters)
    columns = _family_columns(project, codes)
    if attribute:
        columns = split_columns(project, columns, attribute)
    names = [name for name, _ in columns]
    index = column_index(columns)
    documents = selected_documents(project, resolved)
    segments = segments_by_document(selected_segments(project, resolved, index, attribute or None))
    scope = (coded_documents(project, **filters) if _use_coded_only(coded_only, resolved)
             else None)

    def counted(document_id: int) -> bool:
        return scope is None or document_id in scope

    groups: dict[object, dict] = {}

    def group(key: object, **fields) -> dict:
        if key not in groups:
            groups[key] = {**fields, "counts": [0] * len(names)}
        return groups[key]

    missing = [None] * len(names)
    if by in ("month", "year"):
        width = 7 if by == "month" else 4
        for doc in documents:
            if not doc["date"]:
                continue
            entry = group(doc["date"][:width], documents=0, words=0)
            if not counted(doc["id"]):
                continue
            entry["documents"] += 1
            entry["words"] += doc["words"]
            for segment in segments.get(doc["id"], []):
                for n in index[segment[3]]:
                    entry["counts"][n] += 1
        keys = [by, "documents", "words"]
        labels = sorted(groups)
        if labels and by == "month":
            labels = months_between(labels[0], labels[-1])
        elif labels:
            labels = [str(y) for y in range(int(labels[0]), int(labels[-1]) + 1)]
        rows = []
        for label in labels:
            entry = groups.get(label) or {"documents": 0, "words": 0, "counts": [0] * len(names)}
            uncoded = scope is not None and entry["documents"] == 0
            rows.append({by: label, "documents": entry["documents"], "words": entry["words"],
                         "counts": missing if uncoded else entry["counts"]})
    elif by == "document":
        keys = ["document_id", "date", "title", "words"]
        rows = []
        for doc in documents:
            counts = [0] * len(names)
            for segment in segments.get(doc["id"], []):
                for n in index[segment[3]]:
                    counts[n] += 1
            rows.append({"document_id": doc["id"], "date": doc["date"], "title": doc["title"],
                         "words": doc["words"], "counts": counts if counted(doc["id"]) else missing})
    else:
        keys = ["speaker", "speaker_kind", "turns", "words"]
        where, params = resolved.document_sql()
        if scope is not None:
            coded, more = coded_sql(resolved.coder_ids)
            where, params = where + coded, params + more
        for speaker_id, name, kind, turns, words in project.db.execute(
                "SELECT t.speaker_id, s.name, s.kind, count(*), sum(t.words) FROM turns t"
                " JOIN documents d ON d.id = t.document_id"
                " LEFT JOIN speakers s ON s.id = t.speaker_id"
                f" WHERE 1 = 1{where} GROUP BY t.speaker_id", params):
            group(speaker_id, speaker=name or "(unknown)", speaker_kind=kind, turns=turns,
                  words=words or 0)
        for document_id, found in segments.items():
            turns = DocumentTurns(project, document_id)
            for _, start, end, code_id in found:
                turn = turns.turn_of(start, end)
                if turn is None:
                    entry = group("(no turn)", speaker="(no turn)", speaker_kind=None, turns=0,
                                  words=0)
                else:
                    entry = group(turn["speaker_id"], speaker=turn["speaker"] or "(unknown)",
                                  speaker_kind=turn["speaker_kind"], turns=0, words=0)
                for n in index[code_id]:
                    entry["counts"][n] += 1
        rows = sorted(groups.values(), key=lambda e: (-sum(e["counts"]), -e["words"],
                                                      str(e["speaker"])))
    out_columns = list(keys)
    for name in names:
        out_columns.append(name)
        if per:
            out_columns.append(f"{name} per {per_label(per)}")
    table = []
    for row in rows:
        record = {k: row.get(k) for k in keys}
        for n, name in enumerate(names):
            count = row["counts"][n]
            record[name] = count
            if per:
                words = row.get("words") or 0
                record[f"{name} per {per_label(per)}"] = (
                    round(count * per / words, 4) if words and count is not None else None)
        table.append(record)
    return out_columns, table


# -- a series of the user's own ---------------------------------------------------------------------

def read_series(path: str | Path, *, column: str | None = None, by: str = "month"
                ) -> tuple[str, dict[str, float]]:
    """Read a CSV series to plot next to the codes: ``(value column name, {period: value})``.

    The file needs a ``month`` column (``YYYY-MM``) or a ``date`` column (``YYYY-MM-DD``;
    ``YYYY-MM`` and ``YYYY`` work too) and a numeric value column: ``column``, else one
    called ``value``, else the first other column whose cells are all numbers.  Values of
    the same month (or year, with ``by="year"``) are added up.  Comma or semicolon
    separated; decimal commas are accepted when the separator is a semicolon.  An empty
    value cell is a gap; anything else that cannot be read (a row with more cells than
    the header, a value that is no number, a period that is no real month or year) is a
    one-line CoderError naming the file, the line and the cell: a dropped value would be
    a silent hole in the figure.
    """
    path = Path(path)
    lines = read_text(path).splitlines()
    if not lines:
        raise CoderError("the series file is empty", path=path)
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.DictReader(lines, delimiter=delimiter)
    fields = [f.strip() for f in (reader.fieldnames or [])]
    lower = {f.lower(): f for f in fields}
    period_column = lower.get("month") or lower.get("date")
    if period_column is None:
        raise CoderError(f"the series needs a 'month' or 'date' column (it has: {', '.join(fields)})",
                         path=path)
    records: list[tuple[int, dict[str, str]]] = []
    for row in reader:
        line = reader.line_num  # the file's line (blank lines and quoted newlines counted)
        if None in row:
            # More cells than the header names: csv keeps the extra ones as a list under
            # None.  Which column a cell belongs to is then anyone's guess: refuse the row.
            found = len(fields) + len(row[None])
            cells = [(v or "").strip() for k, v in row.items() if k is not None] + [
                str(v).strip() for v in row[None]]
            at = fields.index(period_column)
            # Likely a decimal comma: two neighbouring cells, neither the period, that
            # read as the two halves of one number (1,5).
            split = any(re.fullmatch(r"[-+]?\d+", a) and re.fullmatch(r"\d+", b)
                        for i, (a, b) in enumerate(zip(cells, cells[1:]))
                        if at not in (i, i + 1))
            hint = ""
            if delimiter == "," and split:
                hint = ("; a decimal comma (1,5)? write 1.5, or separate the columns with "
                        "semicolons")
            raise CoderError(f"line {line}: {found} cells where the header names {len(fields)}"
                             f"{hint}", path=path)
        records.append((line, {(k or "").strip(): (v or "").strip() for k, v in row.items()}))

    def number(text: str) -> float | None:
        if not text:
            return None
        if delimiter == ";":
            text = text.replace(".", "").replace(",", ".") if "," in text else text
        try:
            value = float(text)
        except ValueError:
            return None
        return value if math.isfinite(value) else None  # nan and inf are no values to plot

    if column is None:
        if "value" in lower and lower["value"] != period_column:
            column = lower["value"]
        else:
            for field in fields:
                if field == period_column:
                    continue
                cells = [r.get(field, "") for _, r in records if r.get(field, "")]
                if cells and all(number(c) is not None for c in cells):
                    column = field
                    break
        if column is None:
            raise CoderError("the series has no numeric value column", path=path)
    elif column not in fields:
        raise CoderError(f"the series has no column {column!r} (it has: {', '.join(fields)})",
                         path=path)
    values: dict[str, float] = {}
    width = 7 if by == "month" else 4
    for line, record in records:
        period = record.get(period_column, "")
        problem = _period_problem(period, width)
        if problem:
            raise CoderError(f"line {line}: {period_column} {period!r} {problem}", path=path)
        cell = record.get(column, "")
        if not cell:
            continue  # a missing value is a gap, not a zero
        value = number(cell)
        if value is None:
            hint = (" (a decimal comma? write 1.5, or separate the columns with semicolons)"
                    if delimiter == "," and re.fullmatch(r"[-+]?\d+,\d+", cell) else "")
            raise CoderError(f"line {line}: {column} {cell!r} is not a number{hint}", path=path)
        key = period[:width]
        values[key] = values.get(key, 0.0) + value
    return column, values


def _period_problem(period: str, width: int) -> str | None:
    """Why ``period`` is not a month (``width`` 7) or year (4) of a series; None if it is.

    ``YYYY-MM-DD``, ``YYYY-MM`` and (by year) ``YYYY``, each a real calendar date: a
    month 13 would be a point on no axis, silently dropped from the figure.
    """
    wanted = "a month (YYYY-MM)" if width == 7 else "a year"
    # A time after the day is allowed: spreadsheets write "2019-03-01 00:00:00".
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ].*)?)?)?", period)
    if not match or (width == 7 and match.group(2) is None):
        return f"is not {wanted}"
    year, month, day = (int(g) if g else 1 for g in match.groups())
    if year < 1:
        return f"is not {wanted}: there is no year 0"
    if not 1 <= month <= 12:
        return f"is not {wanted}: there is no month {month}"
    try:
        dt.date(year, month, day)
    except ValueError:
        return f"is not a date ({period[:7]} has no day {day})"
    return None


# -- plots ------------------------------------------------------------------------------------------

def _series_columns(columns: list[str], rows: list[dict], per: int | None) -> list[str]:
    """The columns to draw: the rates with ``per``, else the counts."""
    keys = {"month", "year", "documents", "words", "document_id", "date", "title", "speaker",
            "speaker_kind", "turns"}
    counts = [c for c in columns if c not in keys and " per " not in c]
    if per:
        return [f"{c} per {per_label(per)}" for c in counts]
    return counts


def check_plot_path(path: str | Path) -> Path:
    """``path`` if a plot can be written there (.png, .svg or .pdf), else a CoderError."""
    path = check_output_path(path)
    if path.suffix.lower() not in PLOT_SUFFIXES:
        raise CoderError(f"cannot write a plot to {path}: the name must end in "
                         f"{', '.join(PLOT_SUFFIXES[:-1])} or {PLOT_SUFFIXES[-1]}")
    return path


def plot_frequencies(columns: list[str], rows: list[dict], path: str | Path, *, by: str = "month",
                     per: int | str | None = None, series: tuple[str, dict[str, float]] | None = None,
                     title: str | None = None, note: str | None = None,
                     colors: dict[str, str] | None = None) -> Path:
    """Draw :func:`frequencies` output to a PNG, SVG or PDF (by suffix) with matplotlib.

    By month or year: one line per code column (missing values are gaps in the line),
    the user's ``series`` dashed on a second axis.  By speaker or document: horizontal
    bars for the 20 largest rows.  ``note`` (e.g. "gold layer; words of the 12
    documents coded by alice") goes in brackets after the default title.  Any other
    suffix, or a path that cannot be written, is a one-line CoderError.
    """
    path = check_plot_path(path)
    try:
        import matplotlib
    except ImportError:
        raise CoderError("plotting needs matplotlib: pip install 'coder[plot]'",
                         option="plot") from None
    matplotlib.use("Agg", force=True)
    import textwrap

    import matplotlib.pyplot as plt

    per = parse_per(per)
    drawn = _series_columns(columns, rows, per)
    colors = colors or {}
    figure, axis = plt.subplots(figsize=(11, 5.5), dpi=120)
    try:
        if by in ("month", "year"):
            labels = [row[by] for row in rows]
            x = list(range(len(labels)))
            for column in drawn:
                code = column.split(" per ")[0]
                axis.plot(x, [row[column] if row[column] is not None else float("nan") for row in rows],
                          marker="o", markersize=3, linewidth=1.8, label=code,
                          color=colors.get(code))
            step = max(1, len(labels) // 12)
            axis.set_xticks(x[::step], labels[::step], rotation=45, ha="right")
            axis.set_xlabel(by)
            axis.set_ylabel(f"segments per {per_label(per)} words" if per else "segments")
            axis.set_ylim(bottom=0)
            handles, names = axis.get_legend_handles_labels()
            if series is not None:
                name, values = series
                other = axis.twinx()
                other.plot(x, [values.get(label, float("nan")) for label in labels], color="0.35",
                           linestyle="--", linewidth=1.5, marker="s", markersize=3, label=name)
                other.set_ylabel(name)  # its own scale: the user's units, labelled
                more_handles, more_names = other.get_legend_handles_labels()
                handles, names = handles + more_handles, names + more_names
            # Under the axes, so the legend never hides a line.
            axis.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, -0.2),
                        ncol=len(handles), frameon=False)
            axis.grid(axis="y", alpha=0.3)
        else:
            key = "speaker" if by == "speaker" else "title"
            top = sorted(rows, key=lambda r: -sum((r[c] or 0) for c in drawn))[:20][::-1]
            labels = [str(r[key] or r.get("document_id"))[:40] for r in top]
            left = [0.0] * len(top)
            for column in drawn:
                code = column.split(" per ")[0]
                values = [r[column] or 0 for r in top]  # missing: no bar
                axis.barh(range(len(top)), values, left=left, label=code, color=colors.get(code))
                left = [a + b for a, b in zip(left, values)]
            axis.set_yticks(range(len(top)), labels)
            axis.set_xlabel(f"segments per {per_label(per)} words" if per else "segments")
            axis.legend(loc="lower right", frameon=False)
        codes = " vs ".join(c.split(" per ")[0] for c in drawn)
        unit = f"per {per_label(per)} words" if per else "segments"
        heading = title or f"{codes}: {unit} by {by}" + (f" ({note})" if note else "")
        axis.set_title("\n".join(textwrap.wrap(heading, 90)) or heading)
        figure.tight_layout()
        with output_file(path) as temp:
            figure.savefig(temp, format=path.suffix.lower().lstrip("."), bbox_inches="tight")
    finally:
        plt.close(figure)
    return path


def terminal_chart(columns: list[str], rows: list[dict], *, by: str = "month",
                   per: int | str | None = None, width: int = 80, height: int = 16,
                   color: bool = True) -> str | None:
    """The per-month (or per-year) lines as text with plotext; None when it cannot draw.

    plotext is optional: without it (or for speaker/document tables) there is no chart.
    """
    if by not in ("month", "year") or len(rows) < 2:
        return None
    try:
        import plotext
    except ImportError:
        return None
    per = parse_per(per)
    drawn = _series_columns(columns, rows, per)
    labels = [row[by] for row in rows]
    x = list(range(1, len(labels) + 1))
    step = max(1, len(labels) // 6)
    ticks = x[::step]
    tick_labels = labels[::step]
    title = f"segments per {per_label(per)} words" if per else "segments"
    # Missing values (periods nobody coded) are left out, not drawn as zeros.
    series = {c.split(" per ")[0]: [(i, row[c]) for i, row in zip(x, rows) if row[c] is not None]
              for c in drawn}
    series = {name: points for name, points in series.items() if points}
    if not series:
        return None
    if hasattr(plotext, "figure") and hasattr(plotext.figure, "signal"):  # plotext 6
        figure = plotext.figure
        figure.clear()
        figure.theme("simple")  # no background: readable on dark and light terminals
        figure.plot_size(width, height)
        for name, points in series.items():
            signal = figure.signal([i for i, _ in points], [v for _, v in points])
            signal.label(name)
            signal.lines()
            figure.draw(signal)
        figure.ruler("x").ticks(ticks, tick_labels)
        figure.title(title)
        return figure.build().string(colorless=not color)
    if hasattr(plotext, "build"):  # plotext 5
        plotext.clear_figure()
        plotext.theme("clear")
        plotext.plotsize(width, height)
        for name, points in series.items():
            plotext.plot([i for i, _ in points], [v for _, v in points], label=name)
        plotext.xticks(ticks, tick_labels)
        plotext.title(title)
        return plotext.build()
    return None
