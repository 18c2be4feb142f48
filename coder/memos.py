"""Memos: what a coder writes down about a code, a document or a segment.

Three places hold them, one per target:

- a **segment**'s memo is its annotation's ``memo`` column (written with
  :func:`coder.annotate.update_annotation`), plus any ``memos`` rows pointing at the
  annotation (from a REFI-QDA import or a team merge);
- a **document**'s and a **code**'s memo are ``memos`` rows (one per coder and target,
  :func:`coder.annotate.write_memo`).

Every write is one transaction and one undoable event (``coder undo`` or the workbench's
`u` takes it back).  :func:`list_memos` reads all three kinds with the filters every
command shares (:mod:`coder.selection`), :func:`export_memos` writes them as a table.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .annotate import find_code, update_annotation, write_memo
from .codebook.model import code_tree
from .corpus.turns import DocumentTurns
from .errors import CoderError
from .export.segments import context_window
from .project import Project
from .selection import resolve_filters

if TYPE_CHECKING:  # the writers are imported when a table is written (as below)
    from .export.tables import TableSummary

KINDS = ("code", "document", "segment")
"""What a memo can be on."""

MEMO_COLUMNS = ["memo_id", "on", "coder", "code_id", "code_name", "document_id", "title",
                "date", "annotation_id", "paragraph", "start", "end", "text", "context", "memo",
                "created_at", "updated_at"]
"""The columns of the memos table (``coder memos --json``, ``--out``), in a stable order.

``memo_id`` is ``m<id>`` for a row of the memos table and ``a<id>`` for an annotation's
own memo; ``paragraph``, ``text`` and ``context`` are the memo'd segment's paragraph
number (as every export counts it), text and surroundings (segments only); ``code_id`` is
the memo'd code, or the segment's code."""

MEMO_TYPES = {**dict.fromkeys(MEMO_COLUMNS, "text"),
              **dict.fromkeys(("document_id", "annotation_id", "paragraph", "start", "end"),
                              "nullable_int"),
              "date": "date", "created_at": "timestamp", "updated_at": "timestamp"}
"""The declared types of :data:`MEMO_COLUMNS` (:mod:`coder.export.columns`): a Stata or
Parquet file of no memos has the schema of one of many."""


def memo_on(project: Project, coder: str, text: str, *, code: str | None = None,
            document_id: int | None = None, annotation_id: int | None = None) -> dict:
    """Write ``coder``'s memo on one target: a code (id, key or name), a document or one of
    the coder's segments (annotation id).  An empty text removes the memo.  Returns the row
    written (the annotation for a segment)."""
    given = [v is not None for v in (code, document_id, annotation_id)]
    if sum(given) != 1:
        raise CoderError("a memo is on one thing: a code, a document or a segment")
    if annotation_id is not None:
        return update_annotation(project, coder, annotation_id, memo=text)
    if code is not None:
        return write_memo(project, coder, text, code_id=find_code_any(project, code))
    return write_memo(project, coder, text, document_id=document_id)


def find_code_any(project: Project, reference: str) -> str:
    """A code by id, key or name; a retired code by its exact id (its memos stay readable)."""
    row = project.db.execute("SELECT id FROM codes WHERE id = ?", [reference.strip()]).fetchone()
    return row[0] if row else find_code(project, reference)


def list_memos(project: Project, *, on: Iterable[str] | None = None,
               context: int = 60, **filters) -> list[dict]:
    """Every live memo the filters select, as dicts keyed by :data:`MEMO_COLUMNS`.

    ``on`` keeps some kinds (``code``, ``document``, ``segment``).  ``filters`` are those
    of :func:`coder.selection.resolve_filters`: ``coders``, ``codes`` (a code memo of those
    codes or their descendants, a segment memo of a coding of them), and the document
    filters (``document_ids``, ``since``/``until``, ``where``), which keep the memos on
    those documents and their segments and leave code memos out (a code memo is on no
    document).  Sorted: codes in tree order, then documents by date, segments by offset.
    """
    kinds = set(on or KINDS)
    unknown = kinds - set(KINDS)
    if unknown:
        raise CoderError(f"unknown memo kind {sorted(unknown)[0]!r} (code, document, segment)")
    resolved = resolve_filters(project, **filters)
    tree = code_tree(project)
    order = {code_id: index for index, code_id in enumerate(tree)}
    names = {code_id: row["name"] for code_id, row in tree.items()}
    by_document = (resolved.document_ids is not None or resolved.since or resolved.until
                   or resolved.where)
    coder_sql, coder_params = "", []
    if resolved.coder_ids is not None:
        coder_sql = f" AND m.coder_id IN ({','.join('?' * len(resolved.coder_ids))})"
        coder_params = list(resolved.coder_ids)
    out: list[dict] = []
    if "code" in kinds and not by_document:
        code_sql, code_params = "", []
        if resolved.code_ids is not None:
            code_sql = f" AND m.code_id IN ({','.join('?' * len(resolved.code_ids))})"
            code_params = list(resolved.code_ids)
        for row in project.rows(
                "SELECT m.id, m.code_id, m.text, m.created_at, m.updated_at, k.name AS coder"
                " FROM memos m LEFT JOIN coders k ON k.id = m.coder_id"
                " WHERE m.deleted = 0 AND trim(m.text) != '' AND m.code_id IS NOT NULL"
                f" AND m.document_id IS NULL{coder_sql}{code_sql}",
                coder_params + code_params):
            out.append(_memo_row(f"m{row['id']}", "code", row, code_id=row["code_id"],
                                 code_name=names.get(row["code_id"])))
    document_sql, document_params = resolved.document_sql("d")
    if "document" in kinds and resolved.code_ids is None:
        for row in project.rows(
                "SELECT m.id, m.document_id, m.text, m.created_at, m.updated_at, k.name AS coder,"
                " d.title, d.date FROM memos m JOIN documents d ON d.id = m.document_id"
                " LEFT JOIN coders k ON k.id = m.coder_id WHERE m.deleted = 0"
                " AND trim(m.text) != '' AND m.annotation_id IS NULL"
                f"{coder_sql}{document_sql}", coder_params + document_params):
            out.append(_memo_row(f"m{row['id']}", "document", row, document_id=row["document_id"],
                                 title=row["title"], date=row["date"]))
    if "segment" in kinds:
        out.extend(_segment_memos(project, resolved, names, context))
    rank = {"code": 0, "document": 1, "segment": 1}
    out.sort(key=lambda r: (rank[r["on"]], order.get(r["code_id"], len(order))
                            if r["on"] == "code" else 0, r["date"] or "", r["document_id"] or 0,
                            r["start"] if r["start"] is not None else -1, r["memo_id"]))
    return out


def _memo_row(memo_id: str, kind: str, row: dict, **fields) -> dict:
    record = dict.fromkeys(MEMO_COLUMNS)
    record.update(memo_id=memo_id, on=kind, coder=row.get("coder"), memo=row["text"],
                  created_at=row["created_at"], updated_at=row["updated_at"], **fields)
    return record


def _segment_memos(project: Project, resolved, names: dict[str, str], context: int) -> list[dict]:
    where, params = resolved.annotation_sql("a", "d")
    rows = project.rows(
        'SELECT a.id, a.document_id, a.start, a."end", a.code_id, a.memo, a.created_at,'
        " a.updated_at, k.name AS coder, d.title, d.date, m.id AS memo_row, m.text AS memo_text,"
        " m.created_at AS memo_created, m.updated_at AS memo_updated, mk.name AS memo_coder"
        " FROM annotations a JOIN documents d ON d.id = a.document_id"
        " JOIN coders k ON k.id = a.coder_id"
        " LEFT JOIN memos m ON m.annotation_id = a.id AND m.deleted = 0 AND trim(m.text) != ''"
        " LEFT JOIN coders mk ON mk.id = m.coder_id"
        " WHERE a.deleted = 0 AND ((a.memo IS NOT NULL AND trim(a.memo) != '')"
        f" OR m.id IS NOT NULL){where} ORDER BY a.document_id, a.start, a.id, m.id", params)
    texts: dict[int, str] = {}
    turns: dict[int, DocumentTurns] = {}
    out: list[dict] = []
    seen: set[int] = set()
    for row in rows:
        document_id = row["document_id"]
        if document_id not in texts:
            texts[document_id] = project.db.execute(
                "SELECT text FROM documents WHERE id = ?", [document_id]).fetchone()[0]
            turns[document_id] = DocumentTurns(project, document_id)
        text = texts[document_id]
        span = {"document_id": document_id, "title": row["title"], "date": row["date"],
                "annotation_id": row["id"], "start": row["start"], "end": row["end"],
                "paragraph": turns[document_id].paragraph_of(row["start"], row["end"]),
                "code_id": row["code_id"], "code_name": names.get(row["code_id"]),
                "text": " ".join(text[row["start"]:row["end"]].split()),
                "context": context_window(text, row["start"], row["end"], context)}
        if row["id"] not in seen and row["memo"] and row["memo"].strip():
            seen.add(row["id"])
            out.append(_memo_row(f"a{row['id']}", "segment",
                                 {"coder": row["coder"], "text": row["memo"],
                                  "created_at": row["created_at"],
                                  "updated_at": row["updated_at"]}, **span))
        if row["memo_row"] is not None:
            out.append(_memo_row(f"m{row['memo_row']}", "segment",
                                 {"coder": row["memo_coder"], "text": row["memo_text"],
                                  "created_at": row["memo_created"],
                                  "updated_at": row["memo_updated"]}, **span))
    return out


def export_memos(project: Project, path: str | Path, *, fmt: str | None = None,
                 on: Iterable[str] | None = None, rows: list[dict] | None = None,
                 **filters) -> TableSummary:
    """Write the memos :func:`list_memos` selects (or ``rows`` it gave) to ``path`` (.csv,
    .jsonl, .xlsx or .parquet, or ``fmt``) through :mod:`coder.outputs`; returns the table
    writer's :class:`~coder.export.tables.TableSummary`."""
    from .export.tables import table_format, write_table
    from .outputs import check_output_path

    fmt = table_format(path, fmt)
    check_output_path(path)
    if rows is None:
        rows = list_memos(project, on=on, **filters)
    return write_table(rows, MEMO_COLUMNS, path, fmt=fmt, sheet="memos", types=MEMO_TYPES)
