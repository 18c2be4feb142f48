"""Codings from the command line: ``coder code``, ``annotations``, ``segments``, ``undo``, ``redo``.

For scripts and notebooks: the same core calls (``coder.annotate``) the workbench makes, so
a coding made here is one transaction, logged, and undoable from either place.
"""

from __future__ import annotations

import click

from ..errors import CoderError
from ..project import Project
from .common import print_json, warn, with_project
from .selection import document_selection, selection_options
from .tui import default_coder

_CODER_HELP = "Who codes (default: $CODER_NAME or your user name)."


def _coder_option(func):
    return click.option("--coder", "coder_name", default=None, metavar="NAME",
                        help=_CODER_HELP)(func)


@click.command()
@click.argument("document_id", metavar="DOC", type=int)
@click.argument("code")
@click.argument("start", type=int)
@click.argument("end", type=int)
@_coder_option
@click.option("--memo", default=None, help="A memo on the new segment.")
@click.option("--replace", is_flag=True,
              help="Where you coded an overlapping span with another code of the same "
                   "exclusive group, replace that coding (one undo brings it back); without "
                   "it the command refuses.  A group with `on_conflict: refuse` never replaces.")
@with_project
def code(project: Project, document_id: int, code: str, start: int, end: int,
         coder_name: str | None, memo: str | None, replace: bool) -> None:
    """Code characters START..END of document DOC with CODE (its id, key or name).

    \b
    Offsets are code-point indices into the stored text, end exclusive, as in every
    export (`start`/`end` columns) and in Python: text[START:END].
      coder code 12 DES.NOFORCE 1043 1101 --coder alice
      coder code 12 0 1043 1101 --coder alice --memo "clear case"
    A span beyond one turn (into the header, a speaker line or the next turn) is stored
    with a warning.  Coding the same span with the same code twice keeps one segment.  `coder undo`
    takes it back.  Two codes of an exclusive group (the codebook's `exclusive_groups`)
    never overlap in one coder's work: see --replace.
    """
    from ..annotate import ExclusiveConflict, apply_code, find_code

    try:
        row = apply_code(project, default_coder(coder_name), document_id,
                         find_code(project, code), start, end, memo=memo, replace=replace)
    except ExclusiveConflict as exc:
        if exc.mode == "ask":
            raise CoderError(f"{exc}; --replace replaces it") from None
        raise
    text = project.db.execute("SELECT substr(text, ?, ?) FROM documents WHERE id = ?",
                              [row["start"] + 1, row["end"] - row["start"], document_id]
                              ).fetchone()[0]
    click.echo(f"annotation #{row['id']}: {row['code_id']} on document {document_id} "
               f"[{row['start']}:{row['end']}] {_cut(text, 60)!r}")
    from ..corpus.turns import DocumentTurns

    stray = DocumentTurns(project, document_id).straying(row["start"], row["end"])
    if stray:
        # Stored as asked (a team may mean it), but exports and KWIC would carry the header
        # or speaker lines: the workbench never makes such a segment.
        warn(f"the span {stray}; the workbench keeps a segment inside one turn")


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


_FILTERS = selection_options("coder", "gold", "dates", "code", "doc")


def viewer_option(func):
    """The ``--as NAME`` option of listings that hold back what a blind coder may not see."""
    return click.option(
        "--as", "viewer", default=None, metavar="NAME",
        help="Who is looking (default: $CODER_NAME or your user name).  Blind coding: "
             "others' codings on a document NAME has open in the reliability sample are held "
             "back (as in the workbench); showing them on a sampled document NAME marked "
             "done is logged as a reveal.")(func)


def blind_filter(project: Project, rows: list[dict], viewer: str | None, via: str,
                 what: str = "coding(s)") -> list[dict]:
    """The rows ``viewer`` may see (coder.team.blind); what was held back is said on stderr.

    Rows need ``document_id`` and ``coder``; a row on no document (a code memo) is kept."""
    from ..team.blind import held_back_note, withhold_others

    viewer = viewer or default_coder()
    kept, held = withhold_others(project, viewer, rows, via=via)
    if held:
        click.echo(held_back_note(held, viewer, what), err=True)
    return kept


@click.command()
@_FILTERS
@click.option("--json", "as_json", is_flag=True,
              help="Print every column of the segments table as JSON (as `coder export`).")
@viewer_option
@with_project
def annotations(project: Project, coders: list[str], gold: bool, since: str | None,
                until: str | None, codes: list[str], doc_ids: list[int], as_json: bool,
                viewer: str | None) -> None:
    """List coded segments: id, document, ¶ (paragraph), span (start:end), code, coder, text.

    \b
    The filters are those of `coder export`:
      coder annotations --coder alice --doc 12
      coder annotations --code DES --since 2019-06 --json
    The id is what `coder attributes set`, and the workbench's segment list, call it.
    Others' codings on a document you code blind are held back (see --as).
    """
    from ..export.segments import iter_segments

    rows = blind_filter(project, list(iter_segments(
        project, context=0, coders=coders or None, gold=gold, since=since, until=until,
        codes=codes or None, document_ids=doc_ids or None)), viewer, "cli annotations")
    if as_json:
        print_json(list(rows))
        return
    from .tables import print_table

    table = [{"id": r["annotation_id"], "doc": r["document_id"], "¶": _paragraph(r),
              "span": f"{r['start']}:{r['end']}", "code": r["code_id"], "coder": r["coder"],
              "text": _cut(r["text"], 200)} for r in rows]
    if not table:
        click.echo("No coded segments match.")
        return
    print_table(table, ["id", "doc", "¶", "span", "code", "coder", "text"],
                max_width={"text": 200})


def _attribute_values(values: tuple[str, ...]) -> dict[str, str]:
    from ..errors import CoderError

    chosen = {}
    for value in values:
        dimension, sep, wanted = value.partition("=")
        if not sep or not dimension.strip() or not wanted.strip():
            raise CoderError(f"--attribute {value!r}: write DIMENSION=VALUE, e.g. source=own")
        chosen[dimension.strip()] = wanted.strip()
    return chosen


@click.command()
@click.argument("code")
@selection_options("coder", "gold", "dates", "doc", "role", "where")
@click.option("--attribute", "attribute_values", multiple=True, metavar="DIMENSION=VALUE",
              help="Only codings with this attribute value, e.g. source=own (repeatable).")
@click.option("--context", type=click.IntRange(min=0), default=50, show_default=True,
              help="Characters of context either side of each segment.")
@click.option("--sentence", is_flag=True,
              help="Show each segment in its sentence instead (as the workbench's retrieval).")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
@viewer_option
@with_project
def segments(project: Project, code: str, coders: list[str], gold: bool, since: str | None,
             until: str | None, doc_ids: list[int], roles: list[str],
             attribute_values: tuple[str, ...], context: int, sentence: bool, as_json: bool,
             viewer: str | None) -> None:
    """Every segment of CODE (and its descendants) across documents, keyword-in-context.

    \b
    Per segment: document, date, ¶ (paragraph, as the workbench shows it), speaker, code
    and coder, then the segment in [[double brackets]] inside its context (the export's
    `context` column, or with --sentence its sentence).  CODE is an id, a key or a name:
      coder segments DES.ENDWAR --coder alice
      coder segments "War framing" --since 2019 --context 80
      coder segments SEC --role press --attribute polarity=negated --sentence
    The workbench shows the same list: enter on a code in the code tree.
    Others' codings on a document you code blind are held back (see --as).
    """
    from ..annotate import find_code
    from ..export.segments import retrieve_segments

    code_id = find_code(project, code)
    rows = blind_filter(project, retrieve_segments(
        project, code_id, roles=roles, attributes=_attribute_values(attribute_values),
        context=context, coders=coders or None, gold=gold, since=since, until=until,
        document_ids=doc_ids or None, **document_selection()), viewer, "cli segments")
    if as_json:
        print_json(rows)
        return
    if not rows:
        click.echo(f"No segments of {code_id} match.")
        return
    for r in rows:
        click.echo(f"#{r['annotation_id']} doc {r['document_id']} {r['date'] or '-'} "
                   f"{_paragraph(r)} {r['speaker'] or '-'} · {r['code_id']} · {r['coder']}")
        click.echo(f"    {r['sentence'] if sentence else r['context']}")
    click.echo(f"{len(rows)} segment(s)")


def _paragraph(row: dict) -> str:
    """A segment's paragraph as the workbench shows it (the export's ``paragraph`` column)."""
    return "¶–" if row["paragraph"] is None else f"¶{row['paragraph']}"


def _describe(project: Project, event: dict) -> str:
    return f"{event['action']} of {event['entity']} #{event['entity_id']}"


@click.command()
@_coder_option
@with_project
def undo(project: Project, coder_name: str | None) -> None:
    """Undo the coder's most recent change (a coding, a decision, a memo, an attribute).

    The same undo as the workbench's `u`: a change undone here is undone there.
    """
    from ..annotate import undo as undo_change

    name = default_coder(coder_name)
    project.coder_id(name, create=False)
    event = undo_change(project, name)
    click.echo(f"undid the {_describe(project, event)}" if event else
               f"nothing to undo for {name}")


@click.command()
@_coder_option
@with_project
def redo(project: Project, coder_name: str | None) -> None:
    """Redo the change the coder undid last (unless a new change came after it)."""
    from ..annotate import redo as redo_change

    name = default_coder(coder_name)
    project.coder_id(name, create=False)
    event = redo_change(project, name)
    click.echo(f"redid the {_describe(project, event)}" if event else
               f"nothing to redo for {name}")
