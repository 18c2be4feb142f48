"""``coder import-refi``: bring in a REFI-QDA project or codebook from other QDA software.

Exporting is ``coder export X.qdpx`` / ``coder export X.qdc`` (see ``coder export``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..project import Project
from .common import print_json, warn, with_project

if TYPE_CHECKING:
    from ..export.refi.importer import RefiImport


def summary_line(summary: RefiImport) -> str:
    """One line saying what an import did."""
    parts = [f"{summary.codes_created} new code(s), {summary.codes_matched} matched"]
    if summary.kind == "project":
        documents = (f"{summary.documents_created} new document(s), "
                     f"{summary.documents_reused} already present")
        if summary.placeholders:
            documents += f", {summary.placeholders} placeholder(s) for missing text"
        parts.append(documents)
        codings = (f"{summary.annotations_created} new coding(s), "
                   f"{summary.annotations_existing} already present")
        if summary.annotations_moved:
            codings += f", {summary.annotations_moved} moved onto real text"
        if summary.placeholders_replaced:
            codings += f" ({summary.placeholders_replaced} placeholder(s) removed)"
        parts.append(codings)
        parts.append(f"{summary.memos_created} memo(s)")
        parts.append(f"{summary.coders_created} new coder(s)")
    if summary.sources_skipped:
        parts.append(f"{summary.sources_skipped} source(s) skipped")
    return f"imported {Path(summary.file).name}: " + "; ".join(parts)


@click.command("import-refi")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@with_project
def import_refi(project: Project, path: Path, as_json: bool) -> None:
    """Import a REFI-QDA file (.qdpx, .qde or .qdc) from ATLAS.ti, MAXQDA, NVivo, QualCoder ...

    \b
    Codes (tree, descriptions, colours), plain-text sources, their codings, users (as
    coders), notes on sources and codings (as memos) and variables/cases (as document
    metadata). PDF, picture, audio and video sources are skipped with a warning.
    All or nothing: a file that cannot be imported changes nothing. Importing the same
    file again adds nothing: documents are matched by their text, codings by their GUID.
    """
    from ..export.refi import import_refi as run_import

    summary = run_import(project, path)
    for message in summary.warnings:
        warn(f"{path.name}: {message}")
    if as_json:
        print_json(dataclasses.asdict(summary))
    else:
        click.echo(summary_line(summary))
