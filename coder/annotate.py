"""Coding actions, in one place: apply, remove, resize, recode, memo, attribute values,
accept, reject, undo, redo.

Every function here is one user action: one transaction, committed before it returns,
with one row in the ``events`` log holding snapshots of the rows it changed
(``{"annotations": {id: row-or-null}, ...}`` before and after).  Undo writes the
*before* snapshots back, redo the *after* ones, so undo/redo works the same for every
kind of change, and the log doubles as the audit trail.
"""

from __future__ import annotations

import json
import uuid as uuid_module

from .codebook.store import codebook_attributes
from .errors import CoderError
from .project import Project, check_coder_name, now

UNDOABLE = ("create", "delete", "update", "accept", "reject", "memo")
# Parents before children: upserts run in this order, deletes in reverse.  A merge matches
# these rows (annotations and memos by uuid, decisions by their natural key) and reconciles
# them by ``updated_at``, so undo never deletes one (a deleted row is not there for a merge
# to match, and SQLite gives a deleted last id to the next insert) but marks it deleted, and
# every undo or redo is a new change.
_TABLES = ("annotations", "decisions", "memos")
_COLUMNS: dict[str, list[str]] = {}


def _columns(project: Project, table: str) -> list[str]:
    if table not in _COLUMNS:
        _COLUMNS[table] = [row[1] for row in project.db.execute(f"PRAGMA table_info({table})")]
    return _COLUMNS[table]


def _row(project: Project, table: str, row_id: int) -> dict | None:
    rows = project.rows(f"SELECT * FROM {table} WHERE id = ?", [row_id])
    return rows[0] if rows else None


def _write(project: Project, snapshot: dict) -> None:
    """Make the rows in ``snapshot`` ({table: {id: row or None}}) true in the database.

    A row that is None (it did not exist) is marked deleted, not deleted, and every row
    written gets the time of this write as ``updated_at``: the undo or redo is the newest
    change to it, so a merge takes it over an older copy (the snapshot's own time would
    lose to the removal a merge already carried over).
    """
    stamp = now()
    for table in _TABLES:
        for row in (snapshot.get(table) or {}).values():
            if row is None:
                continue
            # A decision logged before schema 8 has no ``deleted``: it was live.
            row = {"deleted": 0, **row, "updated_at": stamp}
            columns = _columns(project, table)
            names = ", ".join(f'"{c}"' for c in columns)
            updates = ", ".join(f'"{c}" = excluded."{c}"' for c in columns if c != "id")
            project.db.execute(
                f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))}) "
                f"ON CONFLICT(id) DO UPDATE SET {updates}", [row.get(c) for c in columns],
            )
    for table in reversed(_TABLES):
        for row_id, row in (snapshot.get(table) or {}).items():
            if row is not None:
                continue
            project.db.execute(f"UPDATE {table} SET deleted = 1, updated_at = ? WHERE id = ?",
                               [stamp, int(row_id)])


def _log(project: Project, action: str, entity: str, entity_id: int, coder_id: int,
         before: dict, after: dict) -> None:
    project.log_event(action, entity, entity_id, coder_id=coder_id, before=before, after=after)


def _document_length(project: Project, document_id: int) -> int:
    row = project.db.execute("SELECT length(text) FROM documents WHERE id = ?", [document_id]).fetchone()
    if row is None:
        raise CoderError(f"no document #{document_id}")
    return row[0]


def _check_span(project: Project, document_id: int, start: int, end: int) -> None:
    length = _document_length(project, document_id)
    if not (0 <= start < end <= length):
        raise CoderError(f"span {start}-{end} is empty or outside document #{document_id} "
                         f"(0-{length})")


def _check_code(project: Project, code_id: str) -> None:
    row = project.db.execute("SELECT retired FROM codes WHERE id = ?", [code_id]).fetchone()
    if row is None:
        raise CoderError(f"no code {code_id!r} in the codebook; see `coder codebook show`")
    if row[0]:
        raise CoderError(f"code {code_id!r} was retired from the current codebook")


def _known_coder(project: Project, coder: str) -> int | None:
    """The id of the coder called ``coder``, or None when there is none yet (who then has
    no work to change or undo): reading and changing existing work never adds a coder.

    An empty or malformed name is still refused (one line), so it is never taken for a
    coder with nothing to show."""
    row = project.db.execute("SELECT id FROM coders WHERE name = ?", [coder]).fetchone()
    if row:
        return row[0]
    check_coder_name(coder, exact=True)
    return None


# -- exclusive groups ---------------------------------------------------------------------------

CONFLICT_MODES = ("ask", "refuse")
"""What coding a span with a second code of an exclusive group does (the codebook's
``exclusive_groups: [{id, codes, on_conflict}]``): ``ask`` (the default) replaces the
coder's other coding when asked to (the workbench confirms; ``coder code --replace``),
``refuse`` never does: the other coding has to be removed first."""


class ExclusiveConflict(CoderError):
    """A code of an exclusive group applied where the coder has another code of the group.

    ``conflicts`` are the coder's live codings that overlap the span with another code of
    ``group``; ``mode`` is the group's ``on_conflict`` (``ask`` or ``refuse``).
    """

    def __init__(self, message: str, *, group: str, mode: str, conflicts: list[dict]) -> None:
        super().__init__(message)
        self.group, self.mode, self.conflicts = group, mode, conflicts


def exclusive_conflicts(project: Project, coder: str, document_id: int, code_id: str,
                        start: int, end: int, *, ignore: tuple[int, ...] = ()
                        ) -> tuple[str | None, str, list[dict]]:
    """``(group, mode, codings)``: the coder's live codings in the document that overlap
    ``[start, end)`` (share at least one character) with another code of an exclusive
    group ``code_id`` belongs to; ``(None, "ask", [])`` when there are none.

    Only the coder's own codings count: two coders disagreeing is what agreement measures.
    """
    coder_id = _known_coder(project, coder)
    if coder_id is None:
        return None, "ask", []
    modes = project.setting("group_conflicts") or {}
    for group_id, raw in project.db.execute("SELECT id, codes FROM code_groups ORDER BY id"):
        members = json.loads(raw)
        if code_id not in members:
            continue
        others = [m for m in members if m != code_id]
        rows = [r for r in project.rows(
            'SELECT * FROM annotations WHERE document_id = ? AND coder_id = ? AND deleted = 0'
            f' AND code_id IN ({",".join("?" * len(others))}) AND start < ? AND "end" > ?'
            " ORDER BY start, id", [document_id, coder_id, *others, end, start])
            if r["id"] not in ignore]
        if rows:
            return group_id, modes.get(group_id, "ask"), rows
    return None, "ask", []


def _exclusive(project: Project, coder: str, document_id: int, code_id: str, start: int,
               end: int, replace: bool, ignore: tuple[int, ...] = ()) -> list[dict]:
    """The codings to replace (``replace`` and the group asks), or ExclusiveConflict."""
    group, mode, rows = exclusive_conflicts(project, coder, document_id, code_id, start, end,
                                            ignore=ignore)
    if not rows:
        return []
    if replace and mode == "ask":
        return rows
    first = rows[0]
    others = f"{first['code_id']} (#{first['id']}, {first['start']}-{first['end']})" + (
        f" and {len(rows) - 1} more" if len(rows) > 1 else "")
    what = (f"{coder} already coded an overlapping span of document #{document_id} with "
            f"{others}; {code_id} and {first['code_id']} are exclusive (group {group})")
    if mode == "refuse":
        what += "; the codebook refuses a second code of this group: remove that coding first"
    else:
        what += ": replace it, or keep it and leave this one"
    raise ExclusiveConflict(what, group=group, mode=mode, conflicts=rows)


def _remove_rows(project: Project, rows: list[dict], before: dict, after: dict) -> None:
    """Remove ``rows`` (replaced codings) inside the caller's transaction and event."""
    stamp = now()
    for row in rows:
        project.db.execute("UPDATE annotations SET deleted = 1, updated_at = ? WHERE id = ?",
                           [stamp, row["id"]])
        before["annotations"][row["id"]] = row
        after["annotations"][row["id"]] = _row(project, "annotations", row["id"])


def find_code(project: Project, reference: str) -> str:
    """The id of the live code that ``reference`` names: its id, its key or its name.

    An exact id wins, then an exact key (keys may differ by case), then the id or the name
    compared without case.  Anything else is a one-line error that names the reference.
    """
    rows = project.rows("SELECT id, key, name FROM codes WHERE retired = 0 ORDER BY sort, id")
    wanted = reference.strip()
    for test in (lambda r: r["id"] == wanted,
                 lambda r: r["key"] is not None and r["key"] == wanted,
                 lambda r: r["id"].casefold() == wanted.casefold(),
                 lambda r: r["name"].casefold() == wanted.casefold()):
        found = [r["id"] for r in rows if test(r)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise CoderError(f"code {reference!r} is ambiguous: {', '.join(found)}")
    if not rows:
        raise CoderError("no codebook loaded; run `coder codebook load FILE.yaml`")
    near = [r["id"] for r in rows if wanted.casefold() in r["name"].casefold()
            or wanted.casefold() in r["id"].casefold()][:5]
    hint = f" (did you mean {', '.join(near)}?)" if near else "; see `coder codebook show`"
    raise CoderError(f"no code {reference!r} by id, key or name{hint}")


def _annotation(project: Project, annotation_id: int, coder_id: int) -> dict:
    row = _row(project, "annotations", annotation_id)
    if row is None or row["deleted"]:
        raise CoderError(f"no annotation #{annotation_id}")
    if row["coder_id"] != coder_id:
        raise CoderError(f"annotation #{annotation_id} belongs to another coder")
    return row


def apply_code(project: Project, coder: str, document_id: int, code_id: str, start: int, end: int,
               *, memo: str | None = None, origin: str = "manual",
               pattern_id: str | None = None, replace: bool = False) -> dict:
    """Code ``text[start:end]`` of a document with ``code_id`` as ``coder``; returns the annotation.

    Applying the same code to exactly the same span twice returns the existing annotation.
    Where the coder has coded an overlapping span with another code of an exclusive group,
    :class:`ExclusiveConflict` is raised, unless ``replace`` and the group's
    ``on_conflict`` is ``ask``: then those codings are removed in the same action (one
    undo brings them back).
    """
    with project.transaction():
        _check_span(project, document_id, start, end)
        _check_code(project, code_id)
        # A first coding adds its coder in this transaction, once the input is checked:
        # a refused coding leaves no coder behind.
        coder_id = project.coder_id(coder)
        existing = project.rows(
            'SELECT * FROM annotations WHERE document_id = ? AND coder_id = ? AND code_id = ?'
            ' AND start = ? AND "end" = ? AND deleted = 0',
            [document_id, coder_id, code_id, start, end])
        if existing:
            return existing[0]
        replaced = _exclusive(project, coder, document_id, code_id, start, end, replace)
        annotation_id = _insert_annotation(project, coder_id, document_id, code_id, start, end,
                                           memo=memo, origin=origin, pattern_id=pattern_id)
        row = _row(project, "annotations", annotation_id)
        before: dict = {"annotations": {annotation_id: None}}
        after: dict = {"annotations": {annotation_id: row}}
        _remove_rows(project, replaced, before, after)
        _log(project, "create", "annotation", annotation_id, coder_id, before, after)
    return row


def _insert_annotation(project: Project, coder_id: int, document_id: int, code_id: str, start: int,
                       end: int, *, memo: str | None, origin: str, pattern_id: str | None,
                       annotation_uuid: str | None = None) -> int:
    stamp = now()
    return project.db.execute(
        'INSERT INTO annotations(uuid, document_id, code_id, coder_id, start, "end", memo, origin,'
        " pattern_id, codebook_version, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [annotation_uuid or str(uuid_module.uuid4()), document_id, code_id, coder_id, start, end,
         memo, origin, pattern_id, project.setting("codebook_version"), stamp, stamp],
    ).lastrowid


def remove_annotation(project: Project, coder: str, annotation_id: int) -> dict:
    """Remove one of the coder's annotations (kept in the log; undo brings it back)."""
    coder_id = _known_coder(project, coder)
    with project.transaction():
        before = _annotation(project, annotation_id, coder_id)
        project.db.execute("UPDATE annotations SET deleted = 1, updated_at = ? WHERE id = ?",
                           [now(), annotation_id])
        after = _row(project, "annotations", annotation_id)
        _log(project, "delete", "annotation", annotation_id, coder_id,
             {"annotations": {annotation_id: before}}, {"annotations": {annotation_id: after}})
    return after


def update_annotation(project: Project, coder: str, annotation_id: int, *, start: int | None = None,
                      end: int | None = None, code_id: str | None = None,
                      memo: str | None = None, replace: bool = False) -> dict:
    """Resize, recode or re-memo an annotation; returns the updated row.

    Recoding or resizing onto another code of an exclusive group follows the rule of
    :func:`apply_code` (``replace``)."""
    coder_id = _known_coder(project, coder)
    with project.transaction():
        before = _annotation(project, annotation_id, coder_id)
        new_start = before["start"] if start is None else start
        new_end = before["end"] if end is None else end
        _check_span(project, before["document_id"], new_start, new_end)
        if code_id is not None:
            _check_code(project, code_id)
        replaced = []
        if (code_id or before["code_id"], new_start, new_end) != (
                before["code_id"], before["start"], before["end"]):
            replaced = _exclusive(project, coder, before["document_id"],
                                  code_id or before["code_id"], new_start, new_end, replace,
                                  ignore=(annotation_id,))
        project.db.execute(
            'UPDATE annotations SET start = ?, "end" = ?, code_id = ?, memo = ?, updated_at = ?'
            " WHERE id = ?",
            [new_start, new_end, code_id or before["code_id"],
             before["memo"] if memo is None else (memo or None), now(), annotation_id])
        after = _row(project, "annotations", annotation_id)
        old: dict = {"annotations": {annotation_id: before}}
        new: dict = {"annotations": {annotation_id: after}}
        _remove_rows(project, replaced, old, new)
        _log(project, "update", "annotation", annotation_id, coder_id, old, new)
    return after


def apply_batch(project: Project, coder: str, *, create: list[tuple[int, str, int, int]] = (),
                delete: list[int] = (), origin: str = "manual", memo: str | None = None,
                entity: str = "annotation", details: dict | None = None) -> list[dict]:
    """Remove some of the coder's annotations and code new spans as ONE undoable action.

    ``create`` holds ``(document_id, code_id, start, end)`` tuples.  Used where one
    decision changes several segments at once (an adjudication, adopting every unanimous
    span).  ``details`` (``{name: value}``) is added to the event's *after* record for the
    audit trail.  An ``adjudicated`` coding carries the attribute values the coders of
    exactly that span agree on (see :func:`_agreed_attributes`).  Returns the created
    annotations.
    """
    with project.transaction():
        for document_id, code_id, start, end in create:
            _check_code(project, code_id)
            _check_span(project, document_id, start, end)
        # Only something to create adds a coder (in this transaction); removing needs
        # work of the coder's own already.
        coder_id = project.coder_id(coder) if create else _known_coder(project, coder)
        before: dict = {"annotations": {}}
        after: dict = {"annotations": {}}
        stamp = now()
        for annotation_id in delete:
            before["annotations"][annotation_id] = _annotation(project, annotation_id, coder_id)
            project.db.execute("UPDATE annotations SET deleted = 1, updated_at = ? WHERE id = ?",
                               [stamp, annotation_id])
            after["annotations"][annotation_id] = _row(project, "annotations", annotation_id)
        created = []
        for document_id, code_id, start, end in create:
            annotation_id = _insert_annotation(project, coder_id, document_id, code_id, start, end,
                                               memo=memo, origin=origin, pattern_id=None)
            if origin == "adjudicated":
                agreed = _agreed_attributes(project, coder_id, document_id, code_id, start, end)
                if agreed:
                    project.db.execute("UPDATE annotations SET attributes = ? WHERE id = ?",
                                       [json.dumps(agreed, sort_keys=True), annotation_id])
            before["annotations"][annotation_id] = None
            created.append(_row(project, "annotations", annotation_id))
            after["annotations"][annotation_id] = created[-1]
        after.update(details or {})
        if before["annotations"]:
            _log(project, "create" if created else "delete", entity,
                 created[0]["id"] if created else next(iter(before["annotations"])), coder_id,
                 before, after)
    return created


def _agreed_attributes(project: Project, coder_id: int, document_id: int, code_id: str,
                       start: int, end: int) -> dict[str, str]:
    """The attribute values every other coder who coded exactly this span agrees on.

    An adjudicated (gold) coding takes a coder's version of a span; the version's reading
    (source, polarity ...) goes with it, but only where the coders who made that span
    agree: a value they disagree on stays for the adjudicator to set.
    """
    rows = [json.loads(raw or "{}") for (raw,) in project.db.execute(
        'SELECT attributes FROM annotations WHERE document_id = ? AND code_id = ? AND start = ?'
        ' AND "end" = ? AND deleted = 0 AND coder_id != ?',
        [document_id, code_id, start, end, coder_id])]
    if not rows:
        return {}
    return {dim: value for dim, value in rows[0].items()
            if all(row.get(dim) == value for row in rows[1:])}


def resize_annotation(project: Project, coder: str, annotation_id: int, start: int, end: int,
                      *, replace: bool = False) -> dict:
    """Move an annotation's boundaries (exclusive groups: see :func:`update_annotation`)."""
    return update_annotation(project, coder, annotation_id, start=start, end=end,
                             replace=replace)


def document_memo(project: Project, coder: str, document_id: int, text: str) -> dict:
    """Write (or replace) the coder's memo on a document; an empty text deletes it."""
    return write_memo(project, coder, text, document_id=document_id)


def write_memo(project: Project, coder: str, text: str, *, document_id: int | None = None,
               code_id: str | None = None) -> dict:
    """Write (or replace) the coder's memo on a document or on a code (exactly one of
    them); an empty text deletes it.  One transaction, one undoable ``memo`` event.

    A segment's memo is the annotation's own (:func:`update_annotation` with ``memo=``).
    """
    if (document_id is None) == (code_id is None):
        raise CoderError("a memo is on a document or on a code (give one of them)")
    coder_id = _known_coder(project, coder)
    with project.transaction():
        if document_id is not None:
            _document_length(project, document_id)
            where, target = "document_id = ? AND annotation_id IS NULL", document_id
        else:
            if project.db.execute("SELECT 1 FROM codes WHERE id = ?", [code_id]).fetchone() is None:
                raise CoderError(f"no code {code_id!r} in the codebook; see `coder codebook show`")
            where, target = "code_id = ? AND document_id IS NULL AND annotation_id IS NULL", code_id
        rows = project.rows(f"SELECT * FROM memos WHERE {where} AND coder_id = ? AND deleted = 0",
                            [target, coder_id])
        before = rows[0] if rows else None
        stamp = now()
        if before:
            project.db.execute("UPDATE memos SET text = ?, updated_at = ?, deleted = ? WHERE id = ?",
                               [text, stamp, int(not text.strip()), before["id"]])
            memo_id = before["id"]
        elif not text.strip():
            return {}  # nothing to delete, nothing to log
        else:
            # A first memo adds its coder here, inside the memo's transaction.
            coder_id = project.coder_id(coder)
            memo_id = project.db.execute(
                "INSERT INTO memos(uuid, document_id, code_id, coder_id, text, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [str(uuid_module.uuid4()), document_id, code_id, coder_id, text, stamp, stamp]
            ).lastrowid
        after = _row(project, "memos", memo_id)
        _log(project, "memo", "memo", memo_id, coder_id, {"memos": {memo_id: before}},
             {"memos": {memo_id: after}})
    return after


# -- attribute values ---------------------------------------------------------------------------

def _parents(project: Project) -> dict[str, str | None]:
    return {row[0]: row[1] for row in project.db.execute("SELECT id, parent_id FROM codes")}


def code_attributes(project: Project, code_id: str) -> list:
    """The attribute dimensions (:class:`~coder.codebook.Attribute`) a coding of ``code_id`` carries."""
    parents = _parents(project)
    return [attribute for attribute in codebook_attributes(project)
            if attribute.applies_to(code_id, parents)]


def attribute_values(annotation: dict) -> dict[str, str]:
    """An annotation row's attribute values as ``{dimension: value}``."""
    raw = annotation.get("attributes")
    if not raw:
        return {}
    return dict(json.loads(raw)) if isinstance(raw, str) else dict(raw)


def set_attribute(project: Project, coder: str, annotation_id: int, dimension: str,
                  value: str | None) -> dict:
    """Set (``value=None``: clear) one attribute value of a coder's annotation; returns the row.

    One transaction, logged as an ``update`` of the annotation, so undo restores the
    previous value.  The dimension must apply to the annotation's code and the value be
    one the codebook declares.
    """
    coder_id = _known_coder(project, coder)
    with project.transaction():
        before = _annotation(project, annotation_id, coder_id)
        dimensions = {a.id: a for a in code_attributes(project, before["code_id"])}
        if dimension not in dimensions:
            known = ", ".join(dimensions) or "none"
            raise CoderError(f"attribute {dimension!r} does not apply to code {before['code_id']}"
                             f" (its attributes: {known})")
        if value is not None and value not in dimensions[dimension].values:
            raise CoderError(f"attribute {dimension}: no value {value!r} (one of "
                             f"{', '.join(dimensions[dimension].values)})")
        values = attribute_values(before)
        if values.get(dimension) == value:
            return before
        if value is None:
            values.pop(dimension, None)
        else:
            values[dimension] = value
        project.db.execute("UPDATE annotations SET attributes = ?, updated_at = ? WHERE id = ?",
                           [json.dumps(values, ensure_ascii=False, sort_keys=True), now(),
                            annotation_id])
        after = _row(project, "annotations", annotation_id)
        _log(project, "update", "annotation", annotation_id, coder_id,
             {"annotations": {annotation_id: before}},
             {"annotations": {annotation_id: after}, "attribute": {dimension: value}})
    return after


def clear_attribute(project: Project, coder: str, annotation_id: int, dimension: str) -> dict:
    """Remove one attribute value from a coder's annotation (undoable)."""
    return set_attribute(project, coder, annotation_id, dimension, None)


def predicted_attributes(project: Project, suggestion: dict,
                         dimensions: list | None = None) -> dict[str, str]:
    """The attribute values a suggestion predicts, for the dimensions its code carries.

    A suggestion predicts a dimension through a column of the same name (``source``,
    ``polarity``, ...) or ``predicted_<name>``, or an ``attributes`` JSON object; values
    the codebook does not declare for the dimension are ignored.  ``dimensions``: the
    code's dimensions when the caller has them (reading many suggestions).
    """
    extra = suggestion.get("attributes")
    extra = json.loads(extra) if isinstance(extra, str) and extra else (extra or {})
    values = {}
    if dimensions is None:
        dimensions = code_attributes(project, suggestion["code_id"])
    for attribute in dimensions:
        value = (suggestion.get(attribute.id) or suggestion.get(f"predicted_{attribute.id}")
                 or extra.get(attribute.id))
        if isinstance(value, str) and value in attribute.values:
            values[attribute.id] = value
    return values


# -- suggestions --------------------------------------------------------------------------------

def _suggestion(project: Project, suggestion_id: int) -> dict:
    row = _row(project, "suggestions", suggestion_id)
    if row is None:
        raise CoderError(f"no suggestion #{suggestion_id} (re-run `coder suggest`?)")
    return row


def _decide(project: Project, coder_id: int, suggestion: dict, decision: str,
            annotation_id: int | None) -> tuple[int, dict | None]:
    """Record the coder's decision on a suggestion; (decision id, the row before or None).

    A coder has one row per suggestion (its natural key is unique), so deciding again
    after an undo revives the undone (deleted) row with the new decision: the row a merge
    already matched on the lead's copy carries the new decision there too."""
    key = [suggestion["document_id"], suggestion["code_id"], suggestion["start"], suggestion["end"],
           suggestion["pattern_id"], coder_id]
    previous = project.rows(
        'SELECT * FROM decisions WHERE document_id = ? AND code_id = ? AND start = ? AND "end" = ?'
        " AND pattern_id = ? AND coder_id = ?", key)
    before = previous[0] if previous else None
    stamp = now()
    if before:
        project.db.execute(
            "UPDATE decisions SET decision = ?, annotation_id = ?, suggestion_id = ?, decided_at = ?,"
            " updated_at = ?, deleted = 0 WHERE id = ?",
            [decision, annotation_id, suggestion["id"], stamp, stamp, before["id"]])
        return before["id"], before
    decision_id = project.db.execute(
        'INSERT INTO decisions(suggestion_id, document_id, code_id, start, "end", pattern_id,'
        " coder_id, decision, annotation_id, decided_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [suggestion["id"], *key[:5], coder_id, decision, annotation_id, stamp, stamp]).lastrowid
    return decision_id, None


def accept_suggestion(project: Project, coder: str, suggestion_id: int, *,
                      replace: bool = False) -> dict:
    """Turn a suggestion into the coder's annotation (origin ``suggestion``); returns it.

    A suggestion of an exclusive group's code where the coder coded another code of the
    group follows the rule of :func:`apply_code` (``replace``)."""
    with project.transaction():
        _check_code(project, _suggestion(project, suggestion_id)["code_id"])
        coder_id = project.coder_id(coder)  # a new coder, only for a suggestion there is
        annotation, before, after = _accept(project, coder_id, suggestion_id, replace=replace,
                                            coder=coder)
        _log(project, "accept", "suggestion", suggestion_id, coder_id, before, after)
    return annotation


def _accept(project: Project, coder_id: int, suggestion_id: int, *, replace: bool = False,
            coder: str) -> tuple[dict, dict, dict]:
    """Accept one suggestion inside the caller's transaction; (annotation, before, after)."""
    suggestion = _suggestion(project, suggestion_id)
    _check_code(project, suggestion["code_id"])
    existing = project.rows(
        'SELECT * FROM annotations WHERE document_id = ? AND coder_id = ? AND code_id = ?'
        ' AND start = ? AND "end" = ? AND deleted = 0',
        [suggestion["document_id"], coder_id, suggestion["code_id"], suggestion["start"],
         suggestion["end"]])
    before: dict = {"annotations": {}, "decisions": {}}
    replaced: list[dict] = []
    if existing:
        annotation_id = existing[0]["id"]
        before["annotations"][annotation_id] = existing[0]
    else:
        replaced = _exclusive(project, coder, suggestion["document_id"], suggestion["code_id"],
                              suggestion["start"], suggestion["end"], replace)
        annotation_id = _insert_annotation(
            project, coder_id, suggestion["document_id"], suggestion["code_id"],
            suggestion["start"], suggestion["end"], memo=None, origin="suggestion",
            pattern_id=suggestion["pattern_id"])
        before["annotations"][annotation_id] = None
        predicted = predicted_attributes(project, suggestion)
        if predicted:
            # The coder accepts the reading too; each value can be changed afterwards.
            project.db.execute("UPDATE annotations SET attributes = ? WHERE id = ?",
                               [json.dumps(predicted, sort_keys=True), annotation_id])
    decision_id, previous = _decide(project, coder_id, suggestion, "accept", annotation_id)
    before["decisions"][decision_id] = previous
    annotation = _row(project, "annotations", annotation_id)
    after = {"annotations": {annotation_id: annotation},
             "decisions": {decision_id: _row(project, "decisions", decision_id)}}
    _remove_rows(project, replaced, before, after)
    return annotation, before, after


def reject_suggestion(project: Project, coder: str, suggestion_id: int) -> dict:
    """Record that the coder rejected a suggestion; returns the decision."""
    with project.transaction():
        suggestion = _suggestion(project, suggestion_id)
        coder_id = project.coder_id(coder)  # a new coder, only for a suggestion there is
        decision_id, previous = _decide(project, coder_id, suggestion, "reject", None)
        after = _row(project, "decisions", decision_id)
        _log(project, "reject", "suggestion", suggestion_id, coder_id,
             {"decisions": {decision_id: previous}}, {"decisions": {decision_id: after}})
    return after


def accept_pattern(project: Project, coder: str, document_id: int, pattern_id: str) -> list[dict]:
    """Accept every pending suggestion of one pattern in a document: one transaction and
    ONE event, so one undo takes the whole bulk accept back.

    A suggestion that would put a second code of an exclusive group where the coder has
    coded another code of the group stays pending (the coder decides it alone)."""
    pending = [s["id"] for s in document_suggestions(project, document_id, coder)
               if s["pattern_id"] == pattern_id and s["status"] == "pending"
               and not exclusive_conflicts(project, coder, document_id, s["code_id"],
                                           s["start"], s["end"])[2]]
    accepted: list[dict] = []
    before: dict = {"annotations": {}, "decisions": {}}
    after: dict = {"annotations": {}, "decisions": {}}
    with project.transaction():
        # Nothing to accept adds no coder.
        coder_id = project.coder_id(coder) if pending else None
        for suggestion_id in pending:
            annotation, one_before, one_after = _accept(project, coder_id, suggestion_id,
                                                        coder=coder)
            accepted.append(annotation)
            for table in before:
                for key, row in one_before[table].items():
                    before[table].setdefault(key, row)    # the state before the first change
                after[table].update(one_after[table])
        if pending:
            _log(project, "accept", "suggestion", pending[0], coder_id,
                 before, {**after, "pattern": pattern_id, "suggestions": pending})
    return accepted


# -- undo / redo --------------------------------------------------------------------------------

def undo(project: Project, coder: str) -> dict | None:
    """Undo the coder's most recent change still in effect; returns its event (None: nothing).

    Undoing a new coding, memo, accept or reject removes it as ``x`` does (``deleted = 1``,
    a new ``updated_at``) instead of deleting its row, so a merge carries the undo to the
    lead's copy and its id is never given to another row."""
    coder_id = _known_coder(project, coder)
    if coder_id is None:
        return None  # a name that is no coder yet has nothing to undo (and is not added)
    with project.transaction():
        rows = project.rows(
            f"SELECT * FROM events WHERE coder_id = ? AND undone = 0 AND action IN "
            f"({','.join('?' * len(UNDOABLE))}) ORDER BY id DESC LIMIT 1", [coder_id, *UNDOABLE])
        if not rows:
            return None
        event = rows[0]
        _write(project, _load_snapshot(event["before"]))
        project.db.execute("UPDATE events SET undone = 1 WHERE id = ?", [event["id"]])
        project.log_event("undo", event["entity"], event["entity_id"], coder_id=coder_id,
                          undo_of=event["id"])
    return event


def redo(project: Project, coder: str) -> dict | None:
    """Redo the change the coder undid last, unless a new change came after it."""
    coder_id = _known_coder(project, coder)
    if coder_id is None:
        return None
    with project.transaction():
        rows = project.rows(
            f"SELECT * FROM events WHERE coder_id = ? AND (action IN ({','.join('?' * len(UNDOABLE))})"
            " OR (action = 'undo' AND undone = 0)) ORDER BY id DESC LIMIT 1", [coder_id, *UNDOABLE])
        if not rows or rows[0]["action"] != "undo":
            return None
        undo_event = rows[0]
        event = project.rows("SELECT * FROM events WHERE id = ?", [undo_event["undo_of"]])[0]
        _write(project, _load_snapshot(event["after"]))
        project.db.execute("UPDATE events SET undone = 0 WHERE id = ?", [event["id"]])
        project.db.execute("UPDATE events SET undone = 1 WHERE id = ?", [undo_event["id"]])
        project.log_event("redo", event["entity"], event["entity_id"], coder_id=coder_id,
                          undo_of=event["id"])
    return event


def _load_snapshot(text: str | None) -> dict:
    return json.loads(text) if text else {}


# -- reading --------------------------------------------------------------------------------------

def document_annotations(project: Project, document_id: int, *, coder: str | None = None,
                         others: bool = False) -> list[dict]:
    """A document's live annotations, with code name/colour and coder name.

    ``coder`` alone: that coder's; ``others=True``: every coder's; neither: all.
    """
    sql = ('SELECT a.*, c.name AS code_name, c.color, k.name AS coder FROM annotations a'
           " JOIN codes c ON c.id = a.code_id JOIN coders k ON k.id = a.coder_id"
           " WHERE a.document_id = ? AND a.deleted = 0")
    params: list = [document_id]
    if coder is not None and not others:
        sql += " AND k.name = ?"
        params.append(coder)
    return project.rows(sql + ' ORDER BY a.start, a."end", a.id', params)


def annotations_at(project: Project, document_id: int, coder: str, position: int) -> list[dict]:
    """The coder's annotations covering ``position`` (innermost first)."""
    rows = [a for a in document_annotations(project, document_id, coder=coder)
            if a["start"] <= position < a["end"]]
    return sorted(rows, key=lambda a: a["end"] - a["start"])


def document_suggestions(project: Project, document_id: int, coder: str | None = None) -> list[dict]:
    """A document's suggestions with this coder's status: pending, accepted, rejected or
    ``covered``: not decided, but a live coding of the coder with the same code covers
    the suggested span, so the coder has in effect accepted it (it is not pending and not
    counted as left)."""
    from bisect import bisect_right

    coder_id = None
    if coder is not None:
        row = project.db.execute("SELECT id FROM coders WHERE name = ?", [coder]).fetchone()
        coder_id = row[0] if row else -1
    rows = project.rows(
        "SELECT s.*, c.name AS code_name, c.color, CASE WHEN d.decision IS NOT NULL"
        " THEN d.decision || 'ed' ELSE 'pending' END AS status"
        " FROM suggestions s JOIN codes c ON c.id = s.code_id"
        " LEFT JOIN decisions d ON d.document_id = s.document_id AND d.code_id = s.code_id"
        ' AND d.start = s.start AND d."end" = s."end" AND d.pattern_id = s.pattern_id'
        " AND d.coder_id = ? AND d.deleted = 0 WHERE s.document_id = ? AND c.retired = 0"
        ' ORDER BY s.start, s."end", s.id', [coder_id, document_id])
    if coder_id is None or not rows:
        return rows
    # Covered: a same-code live coding spans the suggestion.  Per code, the codings by
    # start with the running maximum of their ends answer that with one bisection (a
    # correlated subquery per suggestion scanned every coding: a second at 2,000 each).
    spans: dict[str, list[tuple[int, int]]] = {}
    for start, end, code_id in project.db.execute(
            'SELECT start, "end", code_id FROM annotations WHERE document_id = ? AND coder_id = ?'
            " AND deleted = 0", [document_id, coder_id]):
        spans.setdefault(code_id, []).append((start, end))
    reach: dict[str, tuple[list[int], list[int]]] = {}
    for code_id, found in spans.items():
        found.sort()
        ends, furthest = [], -1
        for _, end in found:
            furthest = max(furthest, end)
            ends.append(furthest)
        reach[code_id] = ([start for start, _ in found], ends)
    for row in rows:
        if row["status"] != "pending" or row["code_id"] not in reach:
            continue
        starts, ends = reach[row["code_id"]]
        index = bisect_right(starts, row["start"]) - 1
        if index >= 0 and ends[index] >= row["end"]:
            row["status"] = "covered"
    return rows

