"""``coder export``, ``coder search``, ``coder stats``, ``coder cooccurrence``."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import CoderError
from ..project import Project
from ..wording import first_few
from .common import print_json, progress, warn, with_project
from .selection import document_selection, selection_options

if TYPE_CHECKING:
    from ..export.refi.write import QdcExport, QdpxExport

TABLE_FORMATS = ["csv", "parquet", "xlsx", "jsonl", "dta"]


def _filters(coders: list[str], gold: bool, since: str | None, until: str | None) -> dict:
    """The coder, date and document filters as keywords for the core functions."""
    return {"coders": coders, "gold": gold, "since": since, "until": until,
            **document_selection()}


def _warn_pooled(project: Project, filters: dict) -> None:
    """Counting several coders' segments together double-counts what they agree on."""
    if filters["coders"] or filters["gold"]:
        return
    n = project.db.execute("SELECT count(DISTINCT coder_id) FROM annotations WHERE deleted = 0"
                           ).fetchone()[0]
    if n > 1:
        warn(f"counting the segments of {n} coders together; pass --coder NAME or --gold")


def _blind_guard(project: Project, viewer: str, coders: list[str], what: str) -> None:
    """A matrix or REFI project cannot leave out single codings: refuse, in one line, when
    it would show others' codings on documents ``viewer`` codes blind."""
    from ..team.blind import blind_documents_of

    hidden = blind_documents_of(project, viewer)
    if not hidden or (coders and set(coders) == {viewer}):
        return
    docs = first_few((f"#{d}" for d in sorted(hidden)), 5)
    raise CoderError(f"{viewer} codes document(s) {docs} blind in the reliability sample (not "
                     f"marked done); {what} would show others' codings on them: export "
                     f"--coder {viewer}, mark them done, or let a project owner export (--as)")


def _refi(path: Path, suffix: str, project: Project, selection: dict
          ) -> QdcExport | QdpxExport:
    from ..export.refi import export_qdc, export_qdpx

    if suffix == ".qdc":
        return export_qdc(project, path)
    return export_qdpx(project, path, **selection)


def _check_refi_options(suffix: str, given: dict[str, object]) -> None:
    """A REFI file takes only what it can apply: a ``.qdpx`` project the coder, code and
    document filters, a ``.qdc`` codebook none.  Any other option given is refused in one
    line, never silently ignored (``given``: flag -> value, falsy when not given)."""
    used = [flag for flag, value in given.items() if value]
    filters = ("--coder", "--gold", "--code", "--doc", "--since", "--until", "--where",
               "--include-excluded")
    if suffix == ".qdc":
        if used:
            raise CoderError(f"{used[0]} does not apply to a .qdc file: it holds the codebook "
                             "alone (export a .qdpx project to choose codings or documents)")
        return
    table_only = [flag for flag in used if flag not in filters]
    if table_only:
        raise CoderError(f"{table_only[0]} is for tables: a .qdpx export takes only --coder, "
                         "--gold, --code and the document filters (--doc, --since, --until, "
                         "--where, --include-excluded)")


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(TABLE_FORMATS),
              help="Table format (default: from the suffix).")
@selection_options("coder", "gold", "dates", "where", "code", "doc", help={
    "code": "Only these codes, each with its descendants (repeatable; commas work too). "
            "For a matrix: its columns (--code SEC,DES: one column per family)."})
@click.option("--context", type=click.IntRange(min=0), default=100, show_default=True,
              help="Characters of context either side of a segment.")
@click.option("--bom", is_flag=True,
              help="CSV: start with a UTF-8 byte-order mark (for Excel; see also --excel-safe).")
@click.option("--excel-safe", is_flag=True,
              help="CSV: put ' before text cells starting with = + - @ so Excel shows them "
                   "instead of running them as formulas (changes the data; not for R/pandas).")
@click.option("--by", type=click.Choice(["document", "turn", "month"]),
              help="Write a code matrix by document, turn or month instead of segments.")
@click.option("--counts", is_flag=True, help="Matrix cells count segments (default: 0/1 presence).")
@click.option("--exact", is_flag=True,
              help="Matrix columns count only their own code, not its descendants.")
@click.option("--by-attribute", "attribute", metavar="DIMENSION",
              help="Matrix: split each code column by this attribute's values "
                   "(SEC source=own, SEC source=attributed, ..., SEC source=-).")
@click.option("--as", "viewer", default=None, metavar="NAME",
              help="Who is exporting (default: $CODER_NAME or your user name).  Blind "
                   "coding: others' codings on a document NAME has open in the reliability "
                   "sample are left out of a segments table (said on stderr); a matrix or "
                   "REFI project that would include them is refused.")
@with_project
def export(project: Project, path: Path, fmt: str | None, coders: list[str], gold: bool,
           since: str | None, until: str | None, codes: list[str], doc_ids: list[int], context: int, bom: bool, excel_safe: bool,
           by: str | None, counts: bool, exact: bool, attribute: str | None,
           viewer: str | None) -> None:
    """Export coded segments (or a code matrix, or REFI-QDA) to PATH.

    \b
    segments.csv|.parquet|.xlsx|.jsonl|.dta   one row per coded segment (R, Stata, pandas)
    matrix.csv --by document|turn|month   one row per unit, one 0/1 column per code (--counts)
    project.qdpx / codebook.qdc           REFI-QDA exchange files for other QDA software
    A .qdpx takes --coder, --gold, --code and the document filters (excluded documents
    left out unless --include-excluded); a .qdc is the codebook alone, with no filters.
    Matrix columns are every code, parents first, each counting its descendants like
    everywhere else (SEC is 1 where SEC.WAR is); --exact counts each code on its own;
    --code SEC,DES gives just those families.
    CSV is RFC 4180 UTF-8 with CRLF line ends; for Excel add --bom, and --excel-safe so
    text starting with = + - @ is not run as a formula. The same project gives
    byte-identical CSV and JSON Lines. Stata: segments.dta (Stata 14 or later; dates
    are %td dates, names Stata cannot take are renamed, the original kept as the
    variable label), or import delimited using segments.csv, varnames(1)
    encoding(utf-8) bindquote(strict) maxquotedrows(unlimited)
    Blind coding holds here too: see --as.
    """
    from ..export.tables import check_output_path
    from .tui import default_coder

    viewer = viewer or default_coder()
    suffix = path.suffix.lower()
    filters = _filters(coders, gold, since, until)
    check_output_path(path)
    if suffix in (".qdpx", ".qdc") and not fmt:
        _check_refi_options(suffix, {
            "--coder": coders, "--gold": gold, "--code": codes, "--doc": doc_ids,
            "--since": since, "--until": until, "--where": filters["where"],
            "--include-excluded": filters["include_excluded"], "--by": by,
            "--counts": counts, "--exact": exact, "--by-attribute": attribute, "--bom": bom,
            "--excel-safe": excel_safe})
        if suffix == ".qdpx":
            _blind_guard(project, viewer, coders, "a REFI project")
        selection = dict(filters, coders=coders or None, codes=codes or None,
                         document_ids=doc_ids or None)
        summary = _refi(path, suffix, project, selection)
        click.echo(f"wrote {path} ({_describe(summary)})")
        return
    from ..export.tables import export_segments, table_format, write_table

    fmt = table_format(path, fmt)
    if bom and fmt != "csv":
        warn("--bom only applies to CSV; ignored")
    if excel_safe and fmt != "csv":
        warn("--excel-safe only applies to CSV; ignored"
             + (" (Excel files always keep text as text)" if fmt == "xlsx" else ""))
    if by:
        from ..export.matrix import code_matrix, matrix_types

        _blind_guard(project, viewer, coders, "a code matrix")
        _warn_pooled(project, filters)
        columns, rows = code_matrix(project, by=by, counts=counts, codes=list(codes) or None,
                                    exact=exact, document_ids=doc_ids or None,
                                    attribute=attribute, **filters)
        summary = write_table(rows, columns, path, fmt=fmt, bom=bom, excel_safe=excel_safe,
                              sheet=f"by {by}", types=matrix_types(by, columns))
        click.echo(f"wrote a {'count' if counts else 'presence'} matrix by {by}: "
                   f"{summary.rows:,} rows x {len(columns) - _key_count(by)} codes to {path}")
        say_renamed(summary.renamed)
        return
    if counts or exact or attribute:
        option = "--counts" if counts else "--exact" if exact else "--by-attribute"
        raise CoderError(f"{option} is for a matrix; add --by document|turn|month"
                         + (" (segment tables carry attr_* columns)" if attribute else ""))
    from ..export.segments import count_segments

    selection = dict(filters, codes=codes or None, document_ids=doc_ids or None)
    total = count_segments(project, **selection)
    with progress(total // 1000 + 1, "exporting") as advance:
        summary = export_segments(project, path, fmt=fmt, bom=bom, excel_safe=excel_safe,
                                  context=context, viewer=viewer,
                                  progress=lambda n: advance(max(1, n // 1000)), **selection)
    if summary.held:
        from ..team.blind import held_back_note

        warn(held_back_note(summary.held, viewer))
    if summary.rows == 0:
        warn("no segments matched; wrote the header only")
    click.echo(f"wrote {summary.rows:,} segment(s) ({summary.columns} columns) to {path}")
    say_renamed(summary.renamed)
    if summary.cells_cut:
        warn(f"{summary.cells_cut} cells were longer than Excel's 32,767 characters and were "
             "cut; export .csv or .parquet for the full text")


def say_renamed(renamed: dict[str, str]) -> None:
    """Which columns a Stata file calls by other names (their labels keep the originals)."""
    if renamed:
        shown = first_few((f"{column} -> {name}" for column, name in renamed.items()), 3)
        click.echo(f"Stata names for {len(renamed)} column(s): {shown} (each variable's "
                   "label is its original name)")


def _key_count(by: str) -> int:
    return {"document": 4, "turn": 7, "month": 3}[by]


def _describe(summary: QdcExport | QdpxExport) -> str:
    """``name: count`` for each count of a REFI export result."""
    return ", ".join(f"{field.name}: {getattr(summary, field.name)}"
                     for field in dataclasses.fields(summary))


# -- search ---------------------------------------------------------------------------------------

@click.command()
@click.argument("query")
@selection_options("speaker", "role", "code", "coder", "gold", "dates", "where", help={
    "code": "Only hits inside a segment of this code or its descendants (repeatable)."})
@click.option("--kwic", type=click.IntRange(min=0), default=60, show_default=True,
              help="Characters of context left and right of each hit.")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True,
              help="Show at most this many hits (0: all).")
@click.option("--json", "as_json", is_flag=True, help="Print the hits as a JSON array.")
@click.option("--suggest-code", metavar="CODE",
              help="Record every hit (not only those shown) as a suggestion of CODE to review.")
@click.option("--as", "viewer", default=None, metavar="NAME",
              help="Who is searching (default: $CODER_NAME or your user name).  Blind coding: "
                   "on a document NAME has open in the reliability sample, --code counts only "
                   "NAME's own segments.")
@with_project
def search(project: Project, query: str, speakers: list[str], roles: list[str],
           codes: list[str], coders: list[str], gold: bool, since: str | None,
           until: str | None, kwic: int, limit: int, as_json: bool, suggest_code: str | None,
           viewer: str | None) -> None:
    """Full-text search of the turns, shown as keyword-in-context lines.

    Each line: date, #document, ¶paragraph (numbered as in the workbench and the
    exports), speaker, then the hit in context.

    \b
    Case and accents do not matter (jovenes finds Jóvenes). FTS5 query syntax:
      guerra narco              turns with both words
      "guerra contra el narco"  a phrase
      militar*                  a prefix
      paz OR abrazos, guerra NOT fría, NEAR(guardia nacional, 5)
    Plain text FTS5 cannot read (¿por qué?, López-Gatell) is searched as a phrase.
    The index is built on the first search and updated after imports.
    """
    from ..export.search import pending_turns, search_page, suggest_hits
    from .tui import default_coder

    filters = _filters(coders, gold, since, until)
    viewer = viewer or default_coder()
    options = {"speaker": speakers, "role": roles, "codes": codes or None,
               "coder": filters["coders"], "gold": gold, "since": filters["since"],
               "until": filters["until"], "where": filters["where"],
               "include_excluded": filters["include_excluded"], "viewer": viewer}
    held: set[int] = set()
    pending = pending_turns(project)
    if pending:
        click.echo(f"indexing {pending:,} turns for search ...", err=True)
    with progress(pending, "indexing") as advance:
        page = search_page(project, query, limit=limit, kwic=kwic, progress=advance,
                           held=held, **options)
    hits, total = page.hits, page.total
    if held:
        warn(f"on document(s) {', '.join(f'#{d}' for d in sorted(held))} only {viewer}'s own "
             f"segments count for --code: {viewer} codes them blind in the reliability sample "
             "(mark them done, or a project owner reveals them in the workbench with a reason)")
    if page.query != query:
        click.echo(f"searching for the phrase {page.query} (the query is not FTS5 syntax)",
                   err=True)
    if as_json:
        print_json([h.as_dict() for h in hits])
    else:
        _print_hits(hits, kwic)
        more = " (--limit 0 shows all)" if len(hits) < total else ""
        click.echo(f"{len(hits):,} of {total:,} hit{'s' * (total != 1)} shown{more}", err=True)
    if suggest_code:
        result = suggest_hits(project, query, suggest_code, **options)
        click.echo(f"recorded {result.suggestions:,} new suggestion(s) of {suggest_code} from "
                   f"{result.hits:,} hit(s) (pattern {result.pattern_id!r}); review them in "
                   "the workbench", err=as_json)


def _print_hits(hits: list, width: int) -> None:
    from ..export.search import kwic_line

    if not sys.stdout.isatty():
        for hit in hits:
            click.echo(f"{hit.date or '-'}\t#{hit.document_id}\t¶{hit.paragraph}\t"
                       f"{hit.speaker or '-'}\t{kwic_line(hit, width)}")
        return
    from rich.console import Console
    from rich.text import Text

    console = Console()
    for hit in hits:
        line = Text()
        line.append(f"{hit.date or '-':10} #{hit.document_id:<5} ¶{hit.paragraph:<4} "
                    f"{(hit.speaker or '-')[:18]:18} ", style="dim")
        line.append(f"{hit.left:>{width}}")
        line.append(hit.match, style="bold yellow")
        line.append(hit.right)
        console.print(line, no_wrap=True, overflow="ellipsis")


# -- stats ------------------------------------------------------------------------------------------

def _print_numbers(rows: list[dict], columns: list[str], title: str) -> None:
    """A rich table with numbers right-aligned and rates to two decimals."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from .tables import cells as plain

    table = Table(header_style="bold")
    numeric = [c for c in columns if all(isinstance(r.get(c), (int, float)) or r.get(c) is None
                                         for r in rows)]
    for column in columns:
        table.add_column(column, justify="right" if column in numeric else "left",
                         overflow="ellipsis", max_width=40 if column in ("title", "speaker") else None,
                         no_wrap=True)
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column)
            if value is None:
                cells.append("")
            elif isinstance(value, float):
                cells.append(f"{value:,.2f}")
            elif isinstance(value, int) and not column.endswith("_id"):
                cells.append(f"{value:,}")
            else:
                cells.append(str(value))
        table.add_row(*plain(cells))
    # Piped output: wide enough not to wrap (rich assumes 80 columns off a terminal).
    console = Console(width=None if sys.stdout.isatty() else 200)
    console.print(Text(title, style="bold"), highlight=False)
    console.print(table)


@click.command()
@click.option("--by", type=click.Choice(["month", "year", "speaker", "document"]), default="month",
              show_default=True, help="The unit to count in.")
@selection_options("code", help={
    "code": "Code families to count, e.g. SEC,DES (default: every top-level code)."})
@click.option("--per", help="Also give rates per this many words, e.g. 10k.")
@selection_options("coder", "gold", "dates", "where")
@click.option("--coded-only/--all-documents", "coded_only", default=None,
              help="Words (the --per denominators) of only the documents the coder(s) or gold "
                   "layer coded: an annotation of theirs or an assignment marked done; periods "
                   "with none are blank, not 0. Default: --coded-only with --coder/--gold.")
@click.option("--plot", "plot_path", type=click.Path(path_type=Path),
              help="Draw the table to a .png, .svg or .pdf (needs matplotlib: "
                   "pip install 'coder[plot]').")
@click.option("--series", "series_path", type=click.Path(path_type=Path),
              help="A CSV (month or date, value) to plot on a second axis.")
@click.option("--series-column", help="The value column of --series (default: value, or the first numeric).")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path),
              help="Also write the table to this CSV.")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
@click.option("--no-chart", is_flag=True, help="No terminal chart under the table.")
@click.option("--by-attribute", "attribute", metavar="DIMENSION",
              help="Split each code column by this attribute's values (SEC source=own, ...).")
@click.option("--suggestions", "count_suggestions", is_flag=True,
              help="Count suggestions instead of codings (--by month|year): unvalidated "
                   "pattern hits, labelled so, in the documents the other options select.")
@click.option("--weighted", is_flag=True,
              help="With --suggestions: count presented and set-aside (dimmed) suggestions "
                   "apart and weight each by its code's precision audited on that kind "
                   "(`coder audit report`); a kind nobody audited stays unweighted.")
@with_project
def stats(project: Project, by: str, codes: list[str], per: str | None, coders: list[str],
          gold: bool, since: str | None, until: str | None, coded_only: bool | None,
          plot_path: Path | None,
          series_path: Path | None, series_column: str | None, csv_path: Path | None,
          as_json: bool, no_chart: bool, attribute: str | None, count_suggestions: bool,
          weighted: bool) -> None:
    """Code frequencies per month, year, speaker or document (optionally per 10k words).

    \b
    coder stats --code SEC,DES --per 10k --plot trend.png
    coder stats --code SEC,DES --plot trend.png --series homicides.csv
    coder stats --by month --code SEC,DES --coder alice --per 10k
    coder stats --by year --code SEC --by-attribute source
    coder stats --by year --suggestions --weighted
    Each code counts its descendants. Words come from the documents (or turns, by speaker);
    with --coder or --gold only from the documents they coded (--all-documents: all).
    """
    from ..analysis import (
        check_plot_path,
        denominator,
        frequencies,
        parse_per,
        plot_frequencies,
        read_series,
        terminal_chart,
    )
    from ..export.tables import check_output_path, write_table

    filters = _filters(coders, gold, since, until)
    if weighted and not count_suggestions:
        raise CoderError("--weighted weights suggestions: add --suggestions")
    if count_suggestions:
        if (coders or gold or per or attribute or plot_path or series_path or series_column
                or coded_only is not None):
            raise CoderError("--suggestions takes --by month|year, --code, --since/--until, "
                             "--where, --include-excluded, --weighted, --csv and --json only")
        from ..team.audit import suggestion_frequencies

        columns, rows, notes = suggestion_frequencies(
            project, by=by, codes=codes, since=filters["since"], until=filters["until"],
            where=filters["where"], include_excluded=filters["include_excluded"],
            weighted=weighted)
        if csv_path:
            check_output_path(csv_path)
            write_table(rows, columns, csv_path, fmt="csv")
        if as_json:
            print_json(rows)
        else:
            _print_numbers(rows, columns, f"Suggestions by {by}: pattern hits, not codings "
                           "(unvalidated" + ("; presented and set-aside ones each weighted "
                                             "by the precision audited on their kind)"
                                             if weighted else ")"))
        for note in notes:
            warn(note)
        return
    per_words = parse_per(per)
    if plot_path:
        check_plot_path(plot_path)
    if csv_path:
        check_output_path(csv_path)
    if series_path and by not in ("month", "year"):
        raise CoderError("--series needs --by month or --by year")
    series = read_series(series_path, column=series_column, by=by) if series_path else None
    _warn_pooled(project, filters)
    columns, rows = frequencies(project, by=by, codes=codes or None, per=per_words,
                                coded_only=coded_only, attribute=attribute, **filters)
    who = "gold layer" if gold and not coders else ", ".join(
        coders + (["gold layer"] if gold else [])) or "all coders"
    note = f"{who}; {denominator(project, coded_only=coded_only, **filters)}"
    if csv_path:
        write_table(rows, columns, csv_path, fmt="csv")
    if as_json:
        print_json(rows)
    else:
        _print_numbers(rows, columns, f"Coded segments by {by} ({note})")
        if not no_chart and sys.stdout.isatty():
            import shutil

            width = max(40, min(120, shutil.get_terminal_size().columns - 2))
            chart = terminal_chart(columns, rows, by=by, per=per_words, width=width)
            if chart:
                click.echo(chart)
    if series is not None and plot_path:
        labels = {row[by] for row in rows}
        drawn = sum(period in labels for period in series[1])
        if drawn < len(series[1]):
            # Read, but outside the table's periods: not on the figure's axis.
            warn(f"{len(series[1]) - drawn} of the {len(series[1])} {by}s of {series_path} "
                 f"are outside the table's {by}s and are not drawn")
    if plot_path:
        from ..codebook import project_codes
        from ..codebook.colours import PLOT_BACKGROUND, scheme

        # The workbench's scheme, on white: readable, and siblings told apart.
        colors = scheme(project_codes(project), PLOT_BACKGROUND)
        plot_frequencies(columns, rows, plot_path, by=by, per=per_words, series=series,
                         colors=colors, note=note)
        click.echo(f"wrote {plot_path}", err=as_json)
    if csv_path:
        click.echo(f"wrote {csv_path}", err=as_json)


# -- co-occurrence ------------------------------------------------------------------------------------

@click.command()
@click.option("--unit", type=click.Choice(["turn", "document", "sentence"]), default="turn",
              show_default=True, help="Two codes co-occur when both have a segment overlapping one unit.")
@selection_options("code", "coder", "gold", "dates", "where", help={
    "code": "Only these codes, each with its descendants (repeatable; default: every code used)."})
@click.option("--csv", "csv_path", type=click.Path(path_type=Path),
              help="Write the code x code table to this CSV.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--by-attribute", "attribute", metavar="DIMENSION",
              help="Split each code by this attribute's values (SEC.WAR source=own, ...).")
@with_project
def cooccurrence(project: Project, unit: str, codes: list[str], coders: list[str],
                 gold: bool, since: str | None, until: str | None, csv_path: Path | None,
                 as_json: bool, attribute: str | None) -> None:
    """How often codes occur in the same turn, document or sentence (a code x code table).

    The diagonal counts the units where a code occurs at all.
    """
    from ..export.matrix import cooccurrence as count_cooccurrence
    from ..export.matrix import cooccurrence_rows
    from ..export.tables import check_output_path

    filters = _filters(coders, gold, since, until)
    if csv_path:
        check_output_path(csv_path)
    _warn_pooled(project, filters)
    result = count_cooccurrence(project, unit=unit, codes=codes or None, attribute=attribute,
                                **filters)
    columns, rows = cooccurrence_rows(result)
    if csv_path:
        from ..export.tables import write_table

        write_table(rows, columns, csv_path, fmt="csv")
    title = (f"Co-occurrence within {unit}s: {result.units:,} units, "
             f"{result.coded_units:,} with a code")
    if as_json:
        print_json(dataclasses.asdict(result))
    elif len(result.codes) <= 8:
        _print_numbers(rows, columns, title)
    else:  # a wide square does not fit a terminal: the most frequent pairs instead
        names, matrix = result.codes, result.matrix
        pairs = [{"code": a, "with": b, "units": matrix[i][j], "units with code": matrix[i][i],
                  "units with other": matrix[j][j]}
                 for i, a in enumerate(names) for j, b in enumerate(names) if i < j and matrix[i][j]]
        pairs.sort(key=lambda p: (-p["units"], p["code"], p["with"]))
        _print_numbers(pairs[:40], ["code", "with", "units", "units with code", "units with other"],
                       f"{title}; the {min(40, len(pairs))} most frequent of {len(pairs)} pairs"
                       + ("" if csv_path else " (--csv FILE writes the whole matrix)"))
    if csv_path:
        click.echo(f"wrote {csv_path}", err=as_json)
