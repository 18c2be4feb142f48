"""Listing and reading the documents of a project."""

from __future__ import annotations

from ..errors import CoderError
from ..project import Project


def list_documents(project: Project) -> list[dict]:
    """Every document: id, title, date, kind, lang, source, sha256, turns, words."""
    return project.rows(
        "SELECT d.id, d.title, d.date, d.kind, d.lang, d.source, d.sha256,"
        " (SELECT count(*) FROM turns t WHERE t.document_id = d.id) AS turns, d.words"
        " FROM documents d ORDER BY d.date IS NULL, d.date, d.id"
    )


def get_document(project: Project, document_id: int) -> dict:
    """One document row including its text (CoderError if there is none with that id)."""
    rows = project.rows("SELECT * FROM documents WHERE id = ?", [document_id])
    if not rows:
        raise CoderError(f"no document #{document_id}; see `coder documents`")
    return rows[0]


def document_turns(project: Project, document_id: int) -> list[dict]:
    """The turns of a document in order, with speaker name, kind and role."""
    return project.rows(
        'SELECT t.id, t.seq, t.start, t."end", t.words, t.question_id, t.speaker_id,'
        " s.name AS speaker, COALESCE(t.kind, s.kind) AS speaker_kind,"
        " COALESCE(t.role, s.role) AS speaker_role, a.alias"
        " FROM turns t LEFT JOIN speakers s ON s.id = t.speaker_id"
        " LEFT JOIN speaker_aliases a ON a.id = t.alias_id"
        " WHERE t.document_id = ? ORDER BY t.seq", [document_id]
    )
