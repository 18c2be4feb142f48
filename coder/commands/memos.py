"""``coder memo`` (write a memo on a code, a document or a segment) and ``coder memos``
(list them, or write them to a file): thin over :mod:`coder.memos`."""

from __future__ import annotations

from pathlib import Path

import click

from ..project import Project
from .annotate import blind_filter, viewer_option
from .common import print_json, with_project
from .selection import document_selection, selection_options
from .tui import default_coder


@click.command()
@click.argument("text")
@click.option("--code", "code", default=None, metavar="CODE",
              help="A memo on this code (id, key or name).")
@click.option("--doc", "document_id", type=int, default=None, metavar="ID",
              help="A memo on this document.")
@click.option("--segment", "annotation_id", type=int, default=None, metavar="ID",
              help="A memo on this segment of yours (its id in `coder annotations`).")
@click.option("--coder", "coder_name", default=None, metavar="NAME",
              help="Who writes it (default: $CODER_NAME or your user name).")
@with_project
def memo(project: Project, text: str, code: str | None, document_id: int | None,
         annotation_id: int | None, coder_name: str | None) -> None:
    """Write your memo on a code, a document or one of your segments (TEXT "" removes it).

    \b
    One memo per coder and code or document: writing again replaces it.
      coder memo --code SEC.MARK.WAR "war talk peaks after each massacre" --coder alice
      coder memo --doc 12 "the question is off topic" --coder alice
      coder memo --segment 345 "irony? check the video" --coder alice
    `coder undo` (or the workbench's u) takes it back; `coder memos` lists them.
    """
    from ..memos import memo_on

    name = default_coder(coder_name)
    memo_on(project, name, text, code=code, document_id=document_id,
            annotation_id=annotation_id)
    target = (f"code {code}" if code is not None else f"document {document_id}"
              if document_id is not None else f"segment #{annotation_id}")
    click.echo(f"{'memo on' if text.strip() else 'removed the memo on'} {target} ({name})")


@click.command()
@selection_options("coder", "dates", "code", "doc", "where")
@click.option("--on", "kinds", multiple=True, type=click.Choice(["code", "document", "segment"]),
              help="Only memos on codes, documents or segments (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print every column as JSON.")
@click.option("--out", "out_path", type=click.Path(path_type=Path), default=None,
              help="Write the memos to this file instead (.csv, .jsonl, .xlsx, .parquet, .dta).")
@viewer_option
@with_project
def memos(project: Project, coders: list[str], since: str | None, until: str | None,
          codes: list[str], doc_ids: list[int], kinds: tuple[str, ...], as_json: bool,
          out_path: Path | None, viewer: str | None) -> None:
    """List memos on codes, documents and segments, with the shared filters.

    \b
    --code keeps memos on those codes (with descendants) and on segments coded with them;
    --doc, --since/--until and --where keep memos on those documents and their segments
    (code memos are on no document, so they are left out then).
      coder memos --coder alice
      coder memos --code SEC --on segment --json
      coder memos --since 2019-06 --out memos.csv
    Others' memos on a document you code blind are held back (see --as).
    """
    from ..memos import export_memos, list_memos
    from ..outputs import check_output_path
    from .export import say_renamed

    if out_path is not None:
        check_output_path(out_path)  # before any work
    filters = dict(coders=coders or None, codes=codes or None, since=since, until=until,
                   document_ids=doc_ids or None, **document_selection())
    rows = list_memos(project, on=kinds or None, **filters)
    shown = blind_filter(project, [r for r in rows if r["document_id"] is not None], viewer,
                         "cli memos", "memo(s)")
    keep = {id(r) for r in shown}
    rows = [r for r in rows if r["document_id"] is None or id(r) in keep]
    if out_path is not None:
        summary = export_memos(project, out_path, rows=rows)
        click.echo(f"wrote {summary.rows} memo(s) to {out_path}")
        say_renamed(summary.renamed)
        return
    if as_json:
        print_json(rows)
        return
    if not rows:
        click.echo("No memos match.")
        return
    for r in rows:
        if r["on"] == "code":
            where = f"code {r['code_id']} {r['code_name'] or ''}".rstrip()
        elif r["on"] == "document":
            where = f"document {r['document_id']} {r['date'] or ''} {r['title'] or ''}".rstrip()
        else:
            where = (f"segment #{r['annotation_id']} · {r['code_id']} · doc {r['document_id']}"
                     f" {r['date'] or ''} [{r['start']}:{r['end']}]")
        click.echo(f"{r['memo_id']} {where} · {r['coder'] or '-'}")
        if r["on"] == "segment":
            click.echo(f"    {r['context']}")
        for line in (r["memo"] or "").splitlines() or [""]:
            click.echo(f"  ✎ {line}")
    click.echo(f"{len(rows)} memo(s)")
