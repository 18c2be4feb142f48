"""``coder codebook load|show|save`` and the changes to the tree: new, rename, recolour, rekey,
move, merge, split, undo."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import click

from ..project import Project, default_path
from ..wording import first_few
from .common import print_json, project_option, warn, with_project


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
    from ..codebook.store import new_group_conflicts

    book = load_codebook(path)
    with Project(project_path or default_path()) as project:
        dropped = codes_dropped_by(project, book)
        conflicts = new_group_conflicts(project, book)
        version = store_codebook(project, book)
    patterns = sum(len(c.patterns) for c in book.codes)
    click.echo(f"loaded {book.name!r}: {len(book.codes)} codes, {patterns} patterns "
               f"(version {version[:12]})")
    if dropped:
        coded = sum(row["codings"] for row in dropped)
        names = first_few((row["id"] for row in dropped), 8)
        warn(f"{len(dropped)} code(s) are not in this codebook and were retired: {names}; "
             f"their {coded} coding(s) are kept (load the old codebook again to bring them back)")
    for group in conflicts:
        state = "is new" if group["new"] else "has new codes"
        warn(f"exclusive group {group['group']} {state}: {group['codings']} existing coding(s) in "
             f"{group['documents']} document(s) already overlap another code of the group by the "
             f"same coder; they are kept as they are (see `coder annotations --code "
             f"{','.join(group['codes'])}`)")


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
    from rich.markup import escape
    from rich.tree import Tree

    # The codebook's own words are escaped: shown as written ("[sic]", "[/]"), not as markup.
    root = Tree(f"[bold]{escape(book.name)}[/] ({len(book.codes)} codes, version {book.version[:12]})")
    nodes = {None: root}
    for code in book.codes:
        key = f"[reverse] {escape(code.key)} [/] " if code.key else "    "
        swatch = f"[{code.color}]■[/] " if code.color else ""
        # The first sentence, cut at a word boundary (never mid-word) when it is long.
        short = textwrap.shorten(code.definition.split(". ")[0], 80, placeholder=" …")
        nodes[code.id] = nodes[code.parent].add(
            f"{key}{swatch}[bold]{escape(code.id)}[/] {escape(code.name)} [dim]— {escape(short)}[/]")
    Console().print(root)


# -- changing the tree in place (coder.codebook.edit) ---------------------------------------------

def _changed(what: str, version: str) -> None:
    click.echo(f"{what} (codebook version {version[:12]}; `coder codebook undo` takes it back)")


@codebook.command("new")
@click.argument("code_id", metavar="ID")
@click.argument("name")
@click.option("--parent", default=None, metavar="ID", help="Hang the code under this code.")
@click.option("--key", default=None, help="A one-character hot-key.")
@click.option("--color", default=None, help="Colour, #rgb or #rrggbb.")
@click.option("--definition", default="", help="What the code means.")
@with_project
def codebook_new(project: Project, code_id: str, name: str, parent: str | None, key: str | None,
                 color: str | None, definition: str) -> None:
    """Add a code ID called NAME to the current codebook (a new version)."""
    from ..codebook.edit import add_code

    _changed(f"added {code_id}", add_code(project, code_id, name, parent=parent, key=key,
                                          color=color, definition=definition))


@codebook.command("rename")
@click.argument("code_id", metavar="ID")
@click.argument("name")
@with_project
def codebook_rename(project: Project, code_id: str, name: str) -> None:
    """Give code ID a new NAME; its id, and so its codings, stay."""
    from ..codebook.edit import rename_code

    _changed(f"renamed {code_id} to {name!r}", rename_code(project, code_id, name))


@codebook.command("recolour")
@click.argument("code_id", metavar="ID")
@click.argument("color")
@with_project
def codebook_recolour(project: Project, code_id: str, color: str) -> None:
    """Give code ID a new COLOR (#rgb or #rrggbb)."""
    from ..codebook.edit import recolour_code

    _changed(f"recoloured {code_id} to {color}", recolour_code(project, code_id, color))


@codebook.command("rekey")
@click.argument("code_id", metavar="ID")
@click.argument("key", required=False, default=None)
@with_project
def codebook_rekey(project: Project, code_id: str, key: str | None) -> None:
    """Give code ID the hot-key KEY (no KEY: remove its key)."""
    from ..codebook.edit import rekey_code

    _changed(f"{code_id} now has key {key!r}" if key else f"{code_id} has no key now",
             rekey_code(project, code_id, key))


@codebook.command("move")
@click.argument("code_id", metavar="ID")
@click.argument("parent", metavar="PARENT", required=False, default=None)
@with_project
def codebook_move(project: Project, code_id: str, parent: str | None) -> None:
    """Hang code ID (with its children) under PARENT (no PARENT: the top level)."""
    from ..codebook.edit import move_code

    _changed(f"moved {code_id} under {parent or 'the top level'}",
             move_code(project, code_id, parent))


@codebook.command("merge")
@click.argument("source", metavar="SOURCE")
@click.argument("target", metavar="TARGET")
@with_project
def codebook_merge(project: Project, source: str, target: str) -> None:
    """Move every coding of SOURCE to TARGET and retire SOURCE.

    \b
    SOURCE's children, patterns and exclude patterns move to TARGET (the next `coder
    suggest` finds SOURCE's spans as TARGET); a coding that would repeat one the same
    coder already has of TARGET on the same span is removed instead (kept in the log).
      coder codebook merge CTX.ACTOR.CARTEL CTX.ACTOR.CRIME
    """
    from ..codebook.edit import merge_codes

    version, moved, patterns = merge_codes(project, source, target)
    _changed(f"merged {source} into {target}: {moved} coding(s) moved, and {patterns} "
             "pattern(s)", version)


@codebook.command("split")
@click.argument("source", metavar="SOURCE")
@click.argument("new_id", metavar="NEW")
@click.argument("name")
@click.option("--segments", "segment_ids", multiple=True, metavar="IDS",
              help="The codings of SOURCE that move (ids as `coder annotations` and "
                   "`coder segments` show them; commas work; repeatable).")
@click.option("--coder", "coders", multiple=True, metavar="NAME",
              help="Instead of ids: every coding of SOURCE by this coder (repeatable).")
@click.option("--doc", "doc_ids", multiple=True, metavar="ID",
              help="Only SOURCE's codings in this document (repeatable; commas work).")
@click.option("--parent", default=None, metavar="ID",
              help="Hang NEW under this code (default: beside SOURCE).")
@click.option("--key", default=None, help="A one-character hot-key for NEW.")
@click.option("--color", default=None, help="Colour of NEW, #rgb or #rrggbb.")
@with_project
def codebook_split(project: Project, source: str, new_id: str, name: str,
                   segment_ids: tuple[str, ...], coders: tuple[str, ...],
                   doc_ids: tuple[str, ...], parent: str | None, key: str | None,
                   color: str | None) -> None:
    """Move some codings of SOURCE to a new code NEW called NAME (a new version).

    \b
    Say which codings move by id, or by coder and/or document (SOURCE's own codings
    only, not its children's):
      coder codebook split SEC.MARK.WAR SEC.MARK.CRIMEWAR "War on crime" --segments 12,40,41
      coder codebook split DES.ROOT DES.ROOT.YOUTH "Youth programmes" --coder alice --doc 7
    `coder codebook undo` removes NEW and gives the codings back to SOURCE.
    """
    from ..codebook.edit import split_code
    from ..errors import CoderError
    from .selection import split_values

    try:
        ids = [int(v) for v in split_values(segment_ids)]
    except ValueError:
        raise CoderError("--segments takes segment ids (numbers, commas between)") from None
    if coders or doc_ids:
        sql, params = "SELECT a.id FROM annotations a JOIN coders k ON k.id = a.coder_id" \
                      " WHERE a.deleted = 0 AND a.code_id = ?", [source]
        names = split_values(coders)
        if names:
            sql += f" AND k.name IN ({','.join('?' * len(names))})"
            params += names
        documents = split_values(doc_ids)
        if documents:
            sql += f" AND a.document_id IN ({','.join('?' * len(documents))})"
            params += documents
        chosen = [row[0] for row in project.db.execute(sql, params)]
        if not chosen:
            raise CoderError(f"no coding of {source} matches --coder/--doc; nothing split")
        ids += chosen
    version, moved = split_code(project, source, new_id, name, annotation_ids=ids,
                                parent=parent, key=key, color=color)
    _changed(f"split {moved} coding(s) of {source} into the new code {new_id}", version)


@codebook.command("undo")
@with_project
def codebook_undo(project: Project) -> None:
    """Undo the latest new/rename/recolour/rekey/move/merge/split (codings come back too)."""
    from ..codebook.edit import undo_edit

    event = undo_edit(project)
    if event is None:
        click.echo("no codebook change to undo")
        return
    change = json.loads(event["after"])
    click.echo(f"undid the {change['action']} of {change['code']}")


@codebook.command("save")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["yaml", "taguette"]),
              help="yaml: coder's codebook (the default); taguette: a codebook CSV Taguette "
                   "imports (the default for a .csv name).")
@with_project
def codebook_save(project: Project, path: Path, fmt: str | None) -> None:
    """Write the current codebook (with every change made here) to PATH as YAML.

    The file loads with `coder codebook load` into any project; share it with the team.
    With --format taguette (or a .csv PATH): Taguette's codebook CSV, columns tag (the
    code id), description (name: definition) and parent, for Taguette's "Import codebook".
    """
    from ..outputs import check_output_path, write_text

    fmt = fmt or ("taguette" if path.suffix.lower() == ".csv" else "yaml")
    check_output_path(path)
    if fmt == "taguette":
        from ..codebook import current_codebook
        from ..codebook.taguette import TAGUETTE_COLUMNS, taguette_rows
        from ..export.tables import write_table

        rows = taguette_rows(current_codebook(project))
        write_table(rows, TAGUETTE_COLUMNS, path, fmt="csv")
        click.echo(f"wrote {len(rows)} code(s) to {path} as a Taguette codebook")
        return
    from ..codebook.edit import codebook_yaml

    write_text(path, codebook_yaml(project))
    click.echo(f"wrote {path}")
