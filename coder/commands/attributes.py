"""``coder attributes``: the codebook's attribute dimensions, and a coding's values."""

from __future__ import annotations

import click

from .common import print_json, with_project
from .tui import default_coder


@click.group()
def attributes() -> None:
    """Attribute dimensions of codings: who makes a move (source), how (polarity), ...

    \b
    The codebook declares the dimensions under `attributes:` (see codebooks/README.md);
    a coding of a code they apply to carries at most one value per dimension.  Values
    are set in the workbench (key `;`, then the dimension's key, then the value's key)
    or here, and every change can be undone (`coder undo`).

    \b
      coder attributes list
      coder attributes set 12 source attributed --coder alice
      coder attributes clear 12 polarity --coder alice
    """


@attributes.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@with_project
def attributes_list(project, as_json: bool) -> None:
    """List the current codebook's attribute dimensions, their values and codes."""
    from ..codebook import codebook_attributes

    dimensions = codebook_attributes(project)
    if as_json:
        print_json([dimension.as_dict() for dimension in dimensions])
        return
    if not dimensions:
        click.echo("The current codebook declares no attributes (see codebooks/README.md).")
        return
    for dimension in dimensions:
        codes = ", ".join(dimension.codes) or "every code"
        click.echo(f"{dimension.id}  ({dimension.name})  codes: {codes}")
        click.echo(f"    values: {', '.join(dimension.values)}")


@attributes.command("set")
@click.argument("annotation_id", type=int)
@click.argument("dimension")
@click.argument("value")
@click.option("--coder", "coder_name", default=None, metavar="NAME",
              help="Whose coding (default: $CODER_NAME or your user name).")
@with_project
def attributes_set(project, annotation_id: int, dimension: str, value: str,
                   coder_name: str | None) -> None:
    """Set DIMENSION of the coding ANNOTATION_ID to VALUE (one undoable change)."""
    from ..annotate import attribute_values, set_attribute

    row = set_attribute(project, default_coder(coder_name), annotation_id, dimension, value)
    values = attribute_values(row)
    click.echo(f"annotation #{annotation_id} {row['code_id']}: "
               + ", ".join(f"{k}={v}" for k, v in sorted(values.items())))


@attributes.command("clear")
@click.argument("annotation_id", type=int)
@click.argument("dimension")
@click.option("--coder", "coder_name", default=None, metavar="NAME",
              help="Whose coding (default: $CODER_NAME or your user name).")
@with_project
def attributes_clear(project, annotation_id: int, dimension: str, coder_name: str | None) -> None:
    """Remove the value of DIMENSION from the coding ANNOTATION_ID (one undoable change)."""
    from ..annotate import clear_attribute

    row = clear_attribute(project, default_coder(coder_name), annotation_id, dimension)
    click.echo(f"annotation #{annotation_id} {row['code_id']}: {dimension} cleared")
