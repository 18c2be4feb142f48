"""Read-only questions the workbench asks the project that no core function answers (yet).

Nothing here writes: every change goes through ``coder.annotate`` (and the other core
modules), which commit before returning.
"""

from __future__ import annotations

import json

from ..export.search import fold_accents
from ..project import Project


def start_document(project: Project, coder: str) -> int | None:
    """Where a coder starts: the next assigned document not done, else the first document
    the coder has not coded, else the first document (None: the project has none)."""
    row = project.db.execute(
        "SELECT x.document_id FROM assignments x JOIN coders k ON k.id = x.coder_id"
        " JOIN documents d ON d.id = x.document_id"
        " WHERE k.name = ? AND x.status != 'done'"
        " ORDER BY x.status = 'in_progress' DESC, d.date IS NULL, d.date, d.id LIMIT 1",
        [coder]).fetchone()
    if row:
        return row[0]
    row = project.db.execute(
        "SELECT d.id FROM documents d WHERE NOT EXISTS (SELECT 1 FROM annotations a"
        " JOIN coders k ON k.id = a.coder_id WHERE a.document_id = d.id AND k.name = ?"
        " AND a.deleted = 0) ORDER BY d.date IS NULL, d.date, d.id LIMIT 1", [coder]).fetchone()
    if row:
        return row[0]
    row = project.db.execute("SELECT id FROM documents ORDER BY date IS NULL, date, id LIMIT 1"
                             ).fetchone()
    return row[0] if row else None


def document_memo_text(project: Project, coder: str, document_id: int) -> str:
    """The coder's memo on a document ('' when none)."""
    row = project.db.execute(
        "SELECT m.text FROM memos m JOIN coders k ON k.id = m.coder_id WHERE m.document_id = ?"
        " AND k.name = ? AND m.annotation_id IS NULL AND m.deleted = 0", [document_id, coder]
    ).fetchone()
    return row[0] if row else ""


def segments_with_memo_rows(project: Project, annotation_ids: list[int]) -> set[int]:
    """Which of ``annotation_ids`` have a live memo in the memos table (a REFI import or a
    team merge puts a segment's memo there, not on the annotation)."""
    if not annotation_ids:
        return set()
    found: set[int] = set()
    for start in range(0, len(annotation_ids), 500):  # SQLite's limit on parameters
        chunk = annotation_ids[start:start + 500]
        found.update(row[0] for row in project.db.execute(
            f"SELECT DISTINCT annotation_id FROM memos WHERE deleted = 0 AND trim(text) != ''"
            f" AND annotation_id IN ({','.join('?' * len(chunk))})", chunk))
    return found


STATUS_LABELS = ("not started", "in progress", "done")


def coding_status(project: Project, coder: str) -> dict[int, str]:
    """Each document's status for ``coder``: done (assignment marked done), in progress
    (the coder has a coding or a decision there, or the assignment says so), not started."""
    status: dict[int, str] = {}
    for document_id, in project.db.execute(
            "SELECT DISTINCT a.document_id FROM annotations a JOIN coders k ON k.id = a.coder_id"
            " WHERE k.name = ? AND a.deleted = 0"
            " UNION SELECT DISTINCT d.document_id FROM decisions d JOIN coders k"
            " ON k.id = d.coder_id WHERE k.name = ? AND d.deleted = 0", [coder, coder]):
        status[document_id] = "in progress"
    for document_id, value in project.db.execute(
            "SELECT x.document_id, x.status FROM assignments x JOIN coders k"
            " ON k.id = x.coder_id WHERE k.name = ?", [coder]):
        if value == "done":
            status[document_id] = "done"
        elif value == "in_progress":
            status[document_id] = "in progress"
    return status


def assigned_documents(project: Project, coder: str) -> set[int]:
    """Documents assigned to ``coder``."""
    return {row[0] for row in project.db.execute(
        "SELECT x.document_id FROM assignments x JOIN coders k ON k.id = x.coder_id"
        " WHERE k.name = ?", [coder])}


def documents_with_speaker(project: Project, text: str) -> set[int]:
    """Documents with a turn by a speaker whose name, role in that turn (else overall) or
    printed label contains ``text`` (case and accents ignored)."""
    wanted = fold_accents(text.strip())
    found: set[int] = set()
    for document_id, name, role, alias in project.db.execute(
            "SELECT DISTINCT t.document_id, s.name, COALESCE(t.role, s.role), a.alias FROM turns t"
            " LEFT JOIN speakers s ON s.id = t.speaker_id"
            " LEFT JOIN speaker_aliases a ON a.id = t.alias_id"):
        if any(wanted in fold_accents(value or "") for value in (name, role, alias)):
            found.add(document_id)
    return found


def documents_matching(project: Project, query: str) -> set[int]:
    """Documents whose text matches a full-text query (SQLite FTS5, via ``coder.export.search``)."""
    from ..export.search import iter_hits

    return {hit.document_id for hit in iter_hits(project, query, kwic=0)}


def describe_event(event: dict) -> tuple[str, int | None]:
    """A short description of an undone/redone event and the document it touched."""
    document_id = None
    for snapshot in (event.get("after"), event.get("before")):
        data = json.loads(snapshot) if isinstance(snapshot, str) and snapshot else {}
        for rows in data.values():
            for row in (rows or {}).values():
                if row and row.get("document_id") is not None:
                    document_id = row["document_id"]
                    break
    action = {"create": "coding", "delete": "removal", "update": "change", "accept": "accept",
              "reject": "reject", "memo": "memo"}.get(event.get("action"), event.get("action"))
    return action or "change", document_id
