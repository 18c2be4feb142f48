"""Changing the code tree in place: new code, rename, recolour, rekey, move, merge, split;
undo.

Every change edits the current codebook's YAML (nested ``children`` or flat ``parent:``,
whichever the codebook uses), validates it as ``coder codebook load`` would, and stores it
as a new codebook version in one transaction, logged as a ``codebook-edit`` event that
:func:`undo_edit` reverses (the previous version comes back, migrated codings return).
Code ids never change: a renamed code keeps its id, so codings, exports and REFI files
keep pointing at it; a merged code is retired, never deleted.  Comments of the YAML file
are not kept in versions made here (``coder codebook save`` writes the new tree out).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import yaml

from ..errors import CodebookError
from ..project import Project, now
from .load import MAX_CODE_DEPTH, code_entries, parse_codebook
from .store import store_codebook


class _Dumper(yaml.SafeDumper):
    """Plain YAML: no anchors or aliases (the loader refuses them), block lists."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _dump(data: dict) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=96,
                     default_flow_style=False)


def _current(project: Project) -> tuple[int, dict]:
    codebook_id = project.setting("codebook_id")
    if codebook_id is None:
        raise CodebookError("no codebook loaded; load one with `coder codebook load FILE.yaml`")
    text = project.db.execute("SELECT yaml FROM codebooks WHERE id = ?",
                              [codebook_id]).fetchone()[0]
    return codebook_id, yaml.safe_load(text)


def _entries(items: list) -> list[tuple[list, dict]]:
    """Every code entry with the list that holds it, depth first (see :func:`code_entries`)."""
    return [(holder, entry) for holder, entry, _ in code_entries(items)]


def _depth_check(data: dict) -> None:
    """Refuse nesting deeper than the loader allows before the tree is written out as YAML:
    the YAML writer recurses once per level (a flat codebook's depth, through ``parent:``,
    is the loader's to check)."""
    for _, entry, depth in code_entries(data["codes"]):
        if depth > MAX_CODE_DEPTH:
            raise CodebookError(f"code {entry.get('id')} would be nested {depth} levels deep; a"
                                f" codebook allows at most {MAX_CODE_DEPTH}")


def _find(data: dict, code_id: str) -> tuple[list, dict]:
    for holder, entry in _entries(data["codes"]):
        if str(entry.get("id")) == code_id:
            return holder, entry
    raise CodebookError(f"no code {code_id!r} in the current codebook; see `coder codebook show`")


def _flat(data: dict) -> bool:
    """Whether the codebook lists codes flat with ``parent:`` (rather than ``children``)."""
    return not any(entry.get("children") for _, entry in _entries(data["codes"]))


def _parent_of(data: dict, code_id: str) -> str | None:
    for _, entry in _entries(data["codes"]):
        if any(str(child.get("id")) == code_id for child in entry.get("children") or []):
            return str(entry["id"])
    _, entry = _find(data, code_id)
    return str(entry["parent"]) if entry.get("parent") else None


def _commit(project: Project, data: dict, change: dict,
            migrate: Callable[[], dict] | None = None) -> str:
    """Validate and store the edited tree; migrate codings; log one undoable event."""
    old_id, _ = _current(project)
    _depth_check(data)
    try:
        codebook = parse_codebook(_dump(data), source=f"edited: {change['action']}")
    except CodebookError as exc:
        # Line numbers would point into YAML the user never saw.
        raise CodebookError(re.sub(r"^line \d+(, column \d+)?: ", "", str(exc))) from None
    with project.transaction():
        version = store_codebook(project, codebook)  # first: a split's new code must exist
        before = migrate() if migrate else {}
        project.log_event("codebook-edit", "codebook", project.setting("codebook_id"),
                          before={"codebook_id": old_id, "annotations": before},
                          after={**change, "version": version})
    return version


def add_code(project: Project, code_id: str, name: str, *, parent: str | None = None,
             key: str | None = None, color: str | None = None, definition: str = "") -> str:
    """Add a new code (under ``parent``, or at the top); returns the new version.

    The id of a retired code that still has codings is refused (:func:`_check_new_id`).
    """
    _, data = _current(project)
    _check_new_id(project, data, code_id)
    _place_new_code(data, _new_entry(code_id, name, key, color, definition), parent)
    return _commit(project, data, {"action": "new", "code": code_id, "parent": parent})


def _check_new_id(project: Project, data: dict, code_id: str) -> None:
    """Refuse an id the current codebook has, or that a retired code with codings had.

    Codings point at a code by id: a new code under a retired code's id would take over
    that code's codings, and counts already reported for the old code would reappear
    under the new one's name.  Bringing the old code back is a deliberate act (loading a
    codebook that has it); a retired code without codings (say, one just undone) may go.
    """
    if any(str(entry.get("id")) == code_id for _, entry in _entries(data["codes"])):
        raise CodebookError(f"there is already a code {code_id!r}")
    row = project.db.execute(
        "SELECT name, (SELECT count(*) FROM annotations a WHERE a.code_id = c.id"
        " AND a.deleted = 0) FROM codes c WHERE c.id = ? AND c.retired = 1", [code_id]).fetchone()
    if row and row[1]:
        raise CodebookError(
            f"{code_id} was the id of a retired code ({row[0]!r}) with {row[1]} coding(s); a new"
            f" code by that id would take them over. To bring that code back, load a codebook"
            f" that has it (`coder codebook load OLD.yaml`); otherwise pick another id")


def _new_entry(code_id: str, name: str, key: str | None, color: str | None,
               definition: str) -> dict:
    entry = {"id": code_id, "name": name}
    for field, value in (("key", key), ("color", color), ("definition", definition)):
        if value:
            entry[field] = value
    return entry


def _place_new_code(data: dict, entry: dict, parent: str | None,
                    beside: str | None = None) -> None:
    """Put ``entry`` under ``parent`` (or at the top) in the codebook's own layout: a
    ``parent:`` field in a flat codebook, a child in a nested one (right after the code
    ``beside`` when they share the parent, else last)."""
    if parent is None:
        data["codes"].append(entry)
    elif _flat(data):
        _find(data, parent)
        data["codes"].append({**entry, "parent": parent})
    else:
        _, parent_entry = _find(data, parent)
        siblings = parent_entry.setdefault("children", [])
        neighbour = _find(data, beside)[1] if beside else None
        at = siblings.index(neighbour) + 1 if neighbour in siblings else len(siblings)
        siblings.insert(at, entry)


def _set_field(project: Project, code_id: str, field: str, value: str | None,
               action: str) -> str:
    _, data = _current(project)
    _, entry = _find(data, code_id)
    if value in (None, ""):
        entry.pop(field, None)
    else:
        entry[field] = value
    return _commit(project, data, {"action": action, "code": code_id, field: value})


def rename_code(project: Project, code_id: str, name: str) -> str:
    """Give a code a new name (its id, and so every coding of it, stays)."""
    if not name.strip():
        raise CodebookError("a code's name cannot be empty")
    return _set_field(project, code_id, "name", name.strip(), "rename")


def recolour_code(project: Project, code_id: str, color: str) -> str:
    """Give a code a new colour (#rgb or #rrggbb)."""
    return _set_field(project, code_id, "color", color, "recolour")


def rekey_code(project: Project, code_id: str, key: str | None) -> str:
    """Give a code a new hot-key (``None`` or "" removes it)."""
    return _set_field(project, code_id, "key", key, "rekey")


def move_code(project: Project, code_id: str, parent: str | None) -> str:
    """Hang a code (with its children) under ``parent`` (``None``: the top level)."""
    _, data = _current(project)
    holder, entry = _find(data, code_id)
    if parent is not None:
        _find(data, parent)
        below = {str(e.get("id")) for _, e in _entries([entry])}
        if parent in below:
            raise CodebookError(f"cannot move {code_id} under {parent}: {parent} is inside it")
    if _flat(data):
        if parent is None:
            entry.pop("parent", None)
        else:
            entry["parent"] = parent
    else:
        holder.remove(entry)
        entry.pop("parent", None)
        if parent is None:
            data["codes"].append(entry)
        else:
            _find(data, parent)[1].setdefault("children", []).append(entry)
    return _commit(project, data, {"action": "move", "code": code_id, "parent": parent})


def merge_codes(project: Project, source: str, target: str) -> tuple[str, int, int]:
    """Move every coding of ``source`` to ``target`` and retire ``source``.

    ``source``'s children move under ``target``, and so do its patterns and exclude
    patterns (pattern ids are unique across a codebook, so they stay unique): the next
    suggest finds ``source``'s spans as ``target``.  Returns the new version, how many
    codings moved and how many patterns (excludes included).  A coding that would
    duplicate one the coder already has of ``target`` on the same span is removed (kept
    in the log) instead.
    """
    if source == target:
        raise CodebookError("a code cannot be merged into itself")
    _, data = _current(project)
    holder, entry = _find(data, source)
    _find(data, target)
    if target in {str(e.get("id")) for _, e in _entries([entry])}:
        raise CodebookError(f"cannot merge {source} into {target}: {target} is inside it")
    children = entry.get("children") or []
    holder.remove(entry)
    _, target_entry = _find(data, target)
    patterns_moved = 0
    for field in ("patterns", "exclude"):
        # Dropping them would silently lose every suggestion source's patterns make.
        moving = [p for p in entry.get(field) or [] if isinstance(p, dict)]
        for pattern in moving:
            pattern.pop("label", None)  # a label names the code the pattern belongs to
        if moving:
            target_entry[field] = list(target_entry.get(field) or []) + moving
            patterns_moved += len(moving)
    flat = _flat(data)
    for _, other in _entries(data["codes"]):
        if flat and str(other.get("parent")) == source:
            other["parent"] = target
    if children:
        _find(data, target)[1].setdefault("children", []).extend(children)
    for group in data.get("exclusive_groups") or []:
        if source in (group.get("codes") or []):
            group["codes"] = [c for c in group["codes"] if c != source]
    data["exclusive_groups"] = [g for g in data.get("exclusive_groups") or []
                                if len(g.get("codes") or []) >= 2] or None
    if data["exclusive_groups"] is None:
        del data["exclusive_groups"]
    for attribute in data.get("attributes") or []:
        if source in (attribute.get("codes") or []):
            attribute["codes"] = [c for c in attribute["codes"] if c != source] or [target]
    moved = 0

    def migrate() -> dict:
        nonlocal moved
        before: dict[int, dict] = {}
        stamp = now()
        for row in project.rows("SELECT * FROM annotations WHERE code_id = ? AND deleted = 0",
                                [source]):
            before[row["id"]] = row
            duplicate = project.db.execute(
                'SELECT 1 FROM annotations WHERE code_id = ? AND coder_id = ? AND document_id = ?'
                ' AND start = ? AND "end" = ? AND deleted = 0',
                [target, row["coder_id"], row["document_id"], row["start"], row["end"]]
            ).fetchone()
            if duplicate:
                project.db.execute("UPDATE annotations SET deleted = 1, updated_at = ? WHERE id = ?",
                                   [stamp, row["id"]])
            else:
                project.db.execute("UPDATE annotations SET code_id = ?, updated_at = ? WHERE id = ?",
                                   [target, stamp, row["id"]])
            moved += 1
        return before

    version = _commit(project, data, {"action": "merge", "code": source, "into": target,
                                      "patterns": patterns_moved}, migrate)
    return version, moved, patterns_moved


def split_code(project: Project, source: str, new_id: str, name: str, *,
               annotation_ids: list[int], parent: str | None = None, key: str | None = None, color: str | None = None,
               definition: str = "") -> tuple[str, int]:
    """Move some codings of ``source`` (``annotation_ids``) to a new code ``new_id``.

    The new code goes beside ``source`` (under the same parent) unless ``parent`` names
    another code to hang it under.  One codebook version, one logged event: `codebook
    undo` removes the new code and gives the codings back to ``source``.  Returns the new
    version and how many codings moved.  Every id must be a live coding of ``source``
    (a one-line error names the first that is not, and nothing changes).
    """
    ids = sorted({int(i) for i in annotation_ids})
    if not ids:
        raise CodebookError(f"say which codings of {source} go to {new_id} (segment ids)")
    _, data = _current(project)
    _find(data, source)
    _check_new_id(project, data, new_id)
    found = {row["id"]: row for row in project.rows(
        f"SELECT * FROM annotations WHERE id IN ({','.join('?' * len(ids))})", ids)}
    for annotation_id in ids:
        row = found.get(annotation_id)
        if row is None or row["deleted"]:
            raise CodebookError(f"no segment #{annotation_id}")
        if row["code_id"] != source:
            raise CodebookError(f"segment #{annotation_id} is coded {row['code_id']}, not {source}")
    if parent is None:
        parent = _parent_of(data, source)
    _place_new_code(data, _new_entry(new_id, name, key, color, definition), parent,
                    beside=source)

    def migrate() -> dict:
        stamp = now()
        for annotation_id in ids:
            project.db.execute("UPDATE annotations SET code_id = ?, updated_at = ? WHERE id = ?",
                               [new_id, stamp, annotation_id])
        return {annotation_id: found[annotation_id] for annotation_id in ids}

    version = _commit(project, data, {"action": "split", "code": source, "into": new_id,
                                      "segments": ids}, migrate)
    return version, len(ids)


def undo_edit(project: Project) -> dict | None:
    """Undo the latest codebook edit still in effect; returns its event (None: nothing)."""
    with project.transaction():
        rows = project.rows("SELECT * FROM events WHERE action = 'codebook-edit' AND undone = 0"
                            " ORDER BY id DESC LIMIT 1")
        if not rows:
            return None
        event = rows[0]
        if project.setting("codebook_id") != event["entity_id"]:
            raise CodebookError("another codebook was loaded after the last edit; load the "
                                "version you want with `coder codebook load`")
        before = json.loads(event["before"])
        text, source = project.db.execute("SELECT yaml, source FROM codebooks WHERE id = ?",
                                          [before["codebook_id"]]).fetchone()
        store_codebook(project, parse_codebook(text, source=source))
        for row in before["annotations"].values():
            project.db.execute(
                "UPDATE annotations SET code_id = ?, deleted = ?, updated_at = ? WHERE id = ?",
                [row["code_id"], row["deleted"], row["updated_at"], row["id"]])
        project.db.execute("UPDATE events SET undone = 1 WHERE id = ?", [event["id"]])
        project.log_event("undo", "codebook", event["entity_id"], undo_of=event["id"])
    return event


def codebook_yaml(project: Project) -> str:
    """The current codebook's YAML text, as loaded or as the last edit made it."""
    codebook_id, _ = _current(project)
    return project.db.execute("SELECT yaml FROM codebooks WHERE id = ?",
                              [codebook_id]).fetchone()[0]
