"""``coder import``."""

from __future__ import annotations

from pathlib import Path

import click

from ..project import Project
from ..wording import first_few
from .common import fail, progress, warn, with_project

SHOWN = 5  # files listed per kind of notice before a summary line


def _report_warnings(report) -> None:
    """One line per warning; a warning repeated over many files is said once, with a count."""
    by_message: dict[str, list[str]] = {}
    for result in report.files:
        for message in result.warnings:
            by_message.setdefault(message, []).append(result.path)
    for message, paths in by_message.items():
        if len(paths) <= SHOWN:
            for path in paths:
                warn(f"{path}: {message}")
        else:
            warn(f"{message}: {len(paths)} documents (e.g. {paths[0]})")


def _passed_over_name(path: Path) -> str:
    """A passed-over file's name, saying why when it is not a regular file."""
    if path.is_symlink() and not path.exists():
        return f"{path.name} (a broken link)"
    if path.is_fifo():
        return f"{path.name} (a named pipe)"
    if not path.is_file():
        return f"{path.name} (not a regular file)"
    return path.name


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["transcript", "txt", "md", "docx", "html", "pdf", "csv", "xlsx"]),
              help="Force a format instead of detecting it.")
@click.option("--lang", help="Language of the documents (default: detect es/en).")
@click.option("--text-column", help="CSV/XLSX: the column holding the text (default: text/texto).")
@click.option("--title-column", help="CSV/XLSX: the column holding the title.")
@click.option("--date-column", help="CSV/XLSX: the column holding the date (default: date/fecha).")
@click.option("--sheet", "sheets", multiple=True, metavar="NAME",
              help="XLSX: the sheet to read, by name or number (repeat for several; 'all': "
                   "every sheet). Default: the active sheet, with a warning naming the others.")
@click.option("--strict", is_flag=True, help="All or nothing: one bad file imports nothing.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes that read and parse files while this one stores them "
                   "(default: one per CPU core, up to 4, for 16 files or more; 1: none).")
@with_project
def import_(project: Project, paths: tuple[Path, ...], fmt: str | None, lang: str | None,
            text_column: str | None, title_column: str | None, date_column: str | None,
            sheets: tuple[str, ...], strict: bool, workers: int | None) -> None:
    """Import transcripts: files or folders (recursively).

    \b
    Formats (detected; override with --format):
      transcript  the mañaneras layout: title, author, date, then ---/SPEAKER/turns
      txt / md    plain text (UTF-8, UTF-16, Windows-1252); "NAME:" lines (in Markdown
                  also "**NAME:**") start speaker turns when present
      docx, html (incl. gob.mx versión estenográfica pages), pdf (text layer)
      csv / xlsx  one document per row (--text-column, other columns become metadata;
                  --sheet: which sheets of a workbook)
    A pipe (/dev/stdin, <(command), a named pipe) is read once, whole, like a file.
    The same content imported twice is stored once (a row repeating another row or a
    document is named and counted as already present). Each file is its own
    transaction; bad files are reported and the good ones imported (--strict: all or
    nothing).
    """
    from ..corpus.importer import expand_paths, import_paths
    from ..corpus.prepare import KNOWN_SUFFIXES

    options = {k: v for k, v in (("text_column", text_column), ("title_column", title_column),
                                 ("date_column", date_column)) if v}
    if sheets:
        options["sheet"] = sheets[0] if len(sheets) == 1 else list(sheets)
    others: list[Path] = []
    files = expand_paths(paths, others)
    if others:
        shown = first_few(map(_passed_over_name, others), 3)
        known = ", ".join(suffix or "no suffix" for suffix in sorted(KNOWN_SUFFIXES))
        click.echo(f"note: {len(others)} file(s) of other types passed over ({shown}); "
                   f"imported: {known}", err=True)
    if not files:
        fail(f"no importable files under {', '.join(map(str, paths))}")
    with progress(len(files), "importing") as advance:
        report = import_paths(project, files, fmt=fmt, lang=lang, strict=strict,
                              progress=advance, workers=workers, **options)
    _report_warnings(report)
    duplicates = [r for r in report.files if r.status == "duplicate"]
    for result in duplicates[:SHOWN]:
        click.echo(f"{result.path}: {result.message}", err=True)
    if len(duplicates) > SHOWN:
        click.echo(f"... and {len(duplicates) - SHOWN} more files already imported", err=True)
    for result in report.files:
        for note in result.notes[:SHOWN]:
            click.echo(f"{result.path}: {note}", err=True)
        if len(result.notes) > SHOWN:
            click.echo(f"{result.path}: ... and {len(result.notes) - SHOWN} more rows already "
                       "present", err=True)
    for result in report.files:
        if result.status == "skipped":
            click.echo(f"note: {result.message}", err=True)
    for result in report.failed:
        click.echo(f"coder: {result.message}", err=True)
    click.echo(f"imported {report.documents} document(s) from {report.count('imported')} file(s); "
               f"{report.present} already present; "
               + (f"{report.count('skipped')} skipped; " if report.count("skipped") else "")
               + f"{len(report.failed)} failed")
    if report.failed:
        raise SystemExit(1)
