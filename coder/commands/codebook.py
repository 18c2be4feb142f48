"""``coder codebook load|show``."""

from __future__ import annotations

from pathlib import Path

import click

from ..project import Project, default_path
from .common import print_json, project_option, warn


@click.group()
def codebook() -> None:
    """Load and show the project's codebook (a YAML code tree; see codebooks/README.md)."""


@codebook.command("load")
@click.argument("path", type=click.Path(path_type=Path))
@project_option
def codebook_load(path: Path, project_path: Path | None) -> None:
    """Validate a codebook YAML file and make it the project's codebook.

    Codes are matched by id, so existing codings survive a new version; codes no longer
    in the file are kept as retired.
    """
    from ..codebook import codes_dropped_by, load_codebook, store_codebook

    book = load_codebook(path)
    with Project(project_path or default_path()) as project:
        dropped = codes_dropped_by(project, book)
        version = store_codebook(project, book)
    patterns = sum(len(c.patterns) for c in book.codes)
    click.echo(f"loaded {book.name!r}: {len(book.codes)} codes, {patterns} patterns "
               f"(version {version[:12]})")
    if dropped:
        coded = sum(row["codings"] for row in dropped)
        names = ", ".join(row["id"] for row in dropped[:8]) + (" ..." if len(dropped) > 8 else "")
        warn(f"{len(dropped)} code(s) are not in this codebook and were retired: {names}; "
             f"their {coded} coding(s) are kept (load the old codebook again to bring them back)")


@codebook.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print the code tree as JSON.")
@project_option
def codebook_show(as_json: bool, project_path: Path | None) -> None:
    """Show the code tree with keys, colours and short definitions."""
    from ..codebook import current_codebook

    with Project(project_path or default_path()) as project:
        book = current_codebook(project)
    if as_json:
        print_json(book.tree())
        return
    from rich.console import Console
    from rich.tree import Tree

    root = Tree(f"[bold]{book.name}[/] ({len(book.codes)} codes, version {book.version[:12]})")
    nodes = {None: root}
    for code in book.codes:
        key = f"[reverse] {code.key} [/] " if code.key else "    "
        swatch = f"[{code.color}]■[/] " if code.color else ""
        short = code.definition.split(". ")[0][:80]
        nodes[code.id] = nodes[code.parent].add(
            f"{key}{swatch}[bold]{code.id}[/] {code.name} [dim]— {short}[/]")
    Console().print(root)
