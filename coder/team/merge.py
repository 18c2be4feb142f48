"""Merge another coder's project file into this one.

Coders often work on copies of the project (a laptop on a train) and bring their work
back.  :func:`merge_project` imports the other file's coders, annotations, decisions,
memos and assignments in one transaction, matching

- documents by the sha256 of their text (documents missing here are imported with their
  turns and speakers),
- coders by name,
- codes by id, then by name (a code unknown here is added to the current codebook, with
  a warning),
- annotations and memos by ``uuid``, decisions by their natural key,
- ``reveal`` events (others' work shown to a coder, :mod:`coder.team.blind`) by when, to
  whom, on which document and where: the blind-coding record of the merged file's coders
  comes along (the rest of the events log, undo history, stays with its file).

A project with no codes yet (a lead's fresh file collecting everyone's work) takes the
other file's current codebook (its codes, groups and version) as it is, and a project
without a reliability sample takes the record of the other file's (how it was drawn,
whether suggestions were hidden), as it takes its assignments.

Merging is idempotent: merging the same file twice changes nothing the second time.  The
same uuid (or, for a decision, the same key) with different content is a *conflict*: the
version with the newer ``updated_at`` wins (ties go to the larger content, so A←B and B←A
agree) and the conflict is reported.  An undo marks its row deleted and stamps it, so it
wins like any newer change.  The other file is opened read-only.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CoderError, ProjectError
from ..project import Project, now
from ..schema import SCHEMA_VERSION

# What makes two annotations (or memos) with the same uuid "the same" (after mapping ids).
_ANNOTATION_FIELDS = ("document", "code_id", "coder", "start", "end", "memo", "origin",
                      "pattern_id", "deleted", "attributes")
_MEMO_FIELDS = ("document", "annotation", "coder", "text", "deleted")
# A decision's content (its natural key is how it is matched).
_DECISION_FIELDS = ("decision", "annotation", "deleted")
_STATUS_ORDER = {"todo": 0, "in_progress": 1, "done": 2}


@dataclass
class MergeReport:
    """What :func:`merge_project` did."""

    source: str
    documents_matched: int = 0
    documents_imported: int = 0
    coders_added: list[str] = field(default_factory=list)
    codes_added: list[str] = field(default_factory=list)
    codes_by_name: dict[str, str] = field(default_factory=dict)   # their id -> our id
    annotations_added: int = 0
    annotations_unchanged: int = 0
    annotations_updated: int = 0       # conflicts where their version was newer
    decisions_added: int = 0
    decisions_updated: int = 0
    memos_added: int = 0
    memos_updated: int = 0
    assignments_added: int = 0
    assignments_updated: int = 0
    reveals_added: int = 0
    codebook_adopted: str | None = None   # the version taken over by a project without codes
    sample_adopted: bool = False          # the reliability sample's record taken over
    conflicts: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when the merge changed anything in this project."""
        return any((self.documents_imported, self.coders_added, self.codes_added,
                    self.annotations_added, self.annotations_updated, self.decisions_added,
                    self.decisions_updated, self.memos_added, self.memos_updated,
                    self.assignments_added, self.assignments_updated, self.reveals_added,
                    self.codebook_adopted, self.sample_adopted))

    def as_dict(self) -> dict:
        """JSON-ready form."""
        out = dict(self.__dict__)
        out["changed"] = self.changed
        return out


def _open_readonly(path: Path) -> sqlite3.Connection:
    if not path.exists():
        raise ProjectError("no such project file", path=path)
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise ProjectError(f"not a coder project file ({exc})", path=path) from None
    if not {"documents", "annotations", "coders", "codes"} <= tables or version < 1:
        conn.close()
        raise ProjectError("not a coder project file (no coder tables)", path=path)
    if version > SCHEMA_VERSION:
        conn.close()
        raise ProjectError(f"written by a newer coder (schema {version}, this one knows "
                           f"{SCHEMA_VERSION}); upgrade coder first", path=path)
    return conn


def _rows(conn: sqlite3.Connection, sql: str, params: list | tuple = ()) -> list[dict]:
    return [dict(r) for r in conn.execute(sql, params)]


def _key(row: dict, fields: tuple[str, ...]) -> tuple:
    return tuple(row[f] for f in fields)


def _newer(ours: dict, theirs: dict, fields: tuple[str, ...]) -> bool:
    """True when their version wins: newer ``updated_at``; on a tie, the larger content."""
    if theirs["updated_at"] != ours["updated_at"]:
        return theirs["updated_at"] > ours["updated_at"]
    return repr(_key(theirs, fields)) > repr(_key(ours, fields))


def merge_project(project: Project, other_path: str | Path) -> MergeReport:
    """Bring the coding work of the project file at ``other_path`` into ``project``.

    One transaction; returns a :class:`MergeReport` with counts, conflicts and warnings.
    """
    other_path = Path(other_path)
    if other_path.exists() and other_path.resolve() == Path(project.path).resolve():
        raise CoderError("cannot merge a project file into itself", path=other_path)
    conn = _open_readonly(other_path)
    report = MergeReport(str(other_path))
    try:
        with project.transaction():
            docs = _merge_documents(project, conn, report)
            if report.documents_imported:
                from ..corpus.importer import settle_speakers

                settle_speakers(project)  # as an import of the same files would
            coders = _merge_coders(project, conn, report)
            _adopt_codebook(project, conn, report)
            codes = _merge_codes(project, conn, report)
            annotations = _merge_annotations(project, conn, report, docs, coders, codes)
            _merge_decisions(project, conn, report, docs, coders, codes, annotations)
            _merge_memos(project, conn, report, docs, coders, annotations)
            _merge_assignments(project, conn, report, docs, coders)
            _merge_reveals(project, conn, report, docs, coders)
            _adopt_sample_record(project, conn, report, docs)
            project.log_event("merge", "project", None, after={
                "source": str(other_path), "documents_imported": report.documents_imported,
                "annotations_added": report.annotations_added,
                "annotations_updated": report.annotations_updated,
                "reveals_added": report.reveals_added,
                "codebook_adopted": report.codebook_adopted,
                "conflicts": len(report.conflicts)})
    finally:
        conn.close()
    return report


def _merge_documents(project: Project, conn: sqlite3.Connection, report: MergeReport) -> dict[int, int]:
    from ..corpus.importer import store_document
    from ..corpus.model import ParsedDocument, ParsedTurn
    from ..corpus.speakers import UNKNOWN, SpeakerResolver

    ours = dict(project.db.execute("SELECT sha256, id FROM documents").fetchall())
    mapping: dict[int, int] = {}
    resolver = SpeakerResolver(project)
    for doc in conn.execute("SELECT id, sha256 FROM documents ORDER BY id"):
        if doc["sha256"] in ours:
            mapping[doc["id"]] = ours[doc["sha256"]]
            report.documents_matched += 1
            continue
        full = dict(conn.execute("SELECT * FROM documents WHERE id = ?", [doc["id"]]).fetchone())
        turns = [ParsedTurn(t["start"], t["end"], None if t["alias"] in (None, UNKNOWN) else t["alias"])
                 for t in conn.execute(
                     'SELECT t.start, t."end", a.alias FROM turns t LEFT JOIN speaker_aliases a'
                     " ON a.id = t.alias_id WHERE t.document_id = ? ORDER BY t.seq", [doc["id"]])]
        try:
            date = dt.date.fromisoformat(full["date"]) if full["date"] else None
        except ValueError:
            date = None
        parsed = ParsedDocument(text=full["text"], turns=turns, title=full["title"], date=date,
                                kind=full["kind"], lang=full["lang"],
                                metadata=json.loads(full["metadata"] or "{}"))
        new_id, _ = store_document(project, parsed, source=full["source"] or str(report.source),
                                   resolver=resolver, lang=full["lang"])
        mapping[doc["id"]] = new_id
        ours[doc["sha256"]] = new_id
        report.documents_imported += 1
    return mapping


def _merge_coders(project: Project, conn: sqlite3.Connection, report: MergeReport) -> dict[int, int]:
    mapping = {}
    for coder in conn.execute("SELECT * FROM coders ORDER BY id"):
        row = project.db.execute("SELECT id FROM coders WHERE name = ?", [coder["name"]]).fetchone()
        if row is None:
            coder_id = project.db.execute(
                "INSERT INTO coders(name, is_gold, suggestions_off, created_at) VALUES (?, ?, ?, ?)",
                [coder["name"], coder["is_gold"], coder["suggestions_off"], coder["created_at"]],
            ).lastrowid
            report.coders_added.append(coder["name"])
        else:
            coder_id = row[0]
        mapping[coder["id"]] = coder_id
    return mapping


def _merge_codes(project: Project, conn: sqlite3.Connection, report: MergeReport) -> dict[str, str]:
    ours = {r["id"]: r for r in project.rows("SELECT id, name FROM codes")}
    by_name: dict[str, list[str]] = {}
    for r in ours.values():
        by_name.setdefault(r["name"], []).append(r["id"])
    mapping: dict[str, str] = {}
    # Only codes the other file's work refers to matter.
    used = {r[0] for r in conn.execute(
        "SELECT code_id FROM annotations UNION SELECT code_id FROM decisions")}
    theirs = {r["id"]: r for r in _rows(conn, "SELECT * FROM codes")}
    for code_id in sorted(used):
        if code_id in ours:
            mapping[code_id] = code_id
            continue
        code = theirs.get(code_id)
        same_name = by_name.get(code["name"]) if code else None
        if same_name and len(same_name) == 1:
            mapping[code_id] = same_name[0]
            report.codes_by_name[code_id] = same_name[0]
            report.warnings.append(f"code {code_id} matched by name to {same_name[0]} "
                                   f"({code['name']!r})")
            continue
        codebook_id = _codebook_for_new_codes(project, conn, code)
        parent = code["parent_id"] if code and code["parent_id"] in ours else None
        project.db.execute(
            "INSERT INTO codes(id, codebook_id, parent_id, name, key, color, definition,"
            " when_to_use, when_not_to_use, examples, patterns, exclude, sort, retired)"
            " VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            [code_id, codebook_id, parent, code["name"] if code else code_id,
             code["color"] if code else None, code["definition"] if code else None,
             code["when_to_use"] if code else None, code["when_not_to_use"] if code else None,
             code["examples"] if code else "[]", code["patterns"] if code else "[]",
             code["exclude"] if code else "[]", 10_000])
        ours[code_id] = {"id": code_id}
        mapping[code_id] = code_id
        report.codes_added.append(code_id)
        report.warnings.append(f"code {code_id} is not in this project's codebook; added it "
                               "(add it to the codebook YAML to keep it)")
    return mapping


def _codebook_for_new_codes(project: Project, conn: sqlite3.Connection, code: dict | None) -> int:
    codebook_id = project.setting("codebook_id")
    if codebook_id is not None:
        return int(codebook_id)
    # No codebook here yet: bring the other file's codebook row along for the foreign key.
    found = conn.execute("SELECT * FROM codebooks WHERE id = ?",
                         [code["codebook_id"] if code else -1]).fetchone()
    # A dict: a project file of schema 1 has no ``attributes`` column.
    source = dict(found) if found is not None else {
        "name": "merged codes", "version": "merged", "source": None, "yaml": ""}
    row = project.db.execute("SELECT id FROM codebooks WHERE version = ?",
                             [source["version"]]).fetchone()
    if row:
        return row[0]
    return project.db.execute(
        "INSERT INTO codebooks(name, version, source, yaml, loaded_at, attributes)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [source["name"], source["version"], source["source"], source["yaml"], now(),
         source.get("attributes") or "[]"]).lastrowid


def _adopt_codebook(project: Project, conn: sqlite3.Connection, report: MergeReport) -> None:
    """A project without any code takes the other file's current codebook as it is.

    A lead's fresh file collecting everyone's work has no codebook; the coders' files share
    one, so it comes along whole (codes with their tree, retired ones, exclusive groups,
    attribute dimensions, the version): code by code it would lose the groups, which
    agreement reads, and the parents of codes nobody used yet.
    """
    if project.db.execute("SELECT 1 FROM codes LIMIT 1").fetchone() is not None:
        return
    current = conn.execute("SELECT value FROM settings WHERE key = 'codebook_id'").fetchone()
    if current is None or json.loads(current[0]) is None:
        return
    books: dict[int, int] = {}
    for book in _rows(conn, "SELECT * FROM codebooks ORDER BY id"):
        row = project.db.execute("SELECT id FROM codebooks WHERE version = ?",
                                 [book["version"]]).fetchone()
        books[book["id"]] = row[0] if row else project.db.execute(
            "INSERT INTO codebooks(name, version, source, yaml, loaded_at, attributes)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [book["name"], book["version"], book["source"], book["yaml"], book["loaded_at"],
             book.get("attributes") or "[]"]).lastrowid
    codebook_id = books.get(int(json.loads(current[0])))
    if codebook_id is None:
        return  # a setting naming no codebook row: leave it to the code-by-code path
    codes = _rows(conn, "SELECT * FROM codes ORDER BY id")
    for code in codes:  # parents after every code is in (the foreign key)
        project.db.execute(
            "INSERT INTO codes(id, codebook_id, parent_id, name, key, color, definition,"
            " when_to_use, when_not_to_use, examples, patterns, exclude, sort, retired)"
            " VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [code["id"], books.get(code["codebook_id"], codebook_id), code["name"], code["key"],
             code["color"], code["definition"], code["when_to_use"], code["when_not_to_use"],
             code["examples"], code["patterns"], code["exclude"], code["sort"], code["retired"]])
    for code in codes:
        if code["parent_id"]:
            project.db.execute("UPDATE codes SET parent_id = ? WHERE id = ?",
                               [code["parent_id"], code["id"]])
    for group in _rows(conn, "SELECT id, codes FROM code_groups"):
        project.db.execute("INSERT INTO code_groups(id, codes) VALUES (?, ?)",
                           [group["id"], group["codes"]])
    version = project.db.execute("SELECT version FROM codebooks WHERE id = ?",
                                 [codebook_id]).fetchone()[0]
    settings = dict(conn.execute("SELECT key, value FROM settings WHERE key IN"
                                 " ('languages', 'group_conflicts')").fetchall())
    settings.update(codebook_id=json.dumps(codebook_id), codebook_version=json.dumps(version))
    for key, value in settings.items():
        project.db.execute("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key)"
                           " DO UPDATE SET value = excluded.value", [key, value])
    project.log_event("load", "codebook", codebook_id,
                      after={"version": version, "codes": len(codes), "merged_from": report.source})
    report.codebook_adopted = version


def _merge_annotations(project: Project, conn: sqlite3.Connection, report: MergeReport,
                       docs: dict[int, int], coders: dict[int, int],
                       codes: dict[str, str]) -> dict[int, int]:
    """Returns their annotation id -> our annotation id."""
    mapping: dict[int, int] = {}
    for theirs in _rows(conn, "SELECT * FROM annotations ORDER BY id"):
        theirs["document"] = docs[theirs["document_id"]]
        theirs["coder"] = coders[theirs["coder_id"]]
        theirs["code_id"] = codes[theirs["code_id"]]
        theirs.setdefault("attributes", "{}")  # a project file of schema 1 has none
        rows = project.rows("SELECT * FROM annotations WHERE uuid = ?", [theirs["uuid"]])
        if not rows:
            mapping[theirs["id"]] = project.db.execute(
                'INSERT INTO annotations(uuid, document_id, code_id, coder_id, start, "end", memo,'
                " origin, pattern_id, codebook_version, created_at, updated_at, deleted, attributes)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [theirs["uuid"], theirs["document"], theirs["code_id"], theirs["coder"],
                 theirs["start"], theirs["end"], theirs["memo"], theirs["origin"],
                 theirs["pattern_id"], theirs["codebook_version"], theirs["created_at"],
                 theirs["updated_at"], theirs["deleted"],
                 theirs.get("attributes") or "{}"]).lastrowid
            report.annotations_added += 1
            continue
        ours = rows[0]
        ours["document"], ours["coder"] = ours["document_id"], ours["coder_id"]
        mapping[theirs["id"]] = ours["id"]
        if _key(ours, _ANNOTATION_FIELDS) == _key(theirs, _ANNOTATION_FIELDS):
            report.annotations_unchanged += 1
            continue
        take = _newer(ours, theirs, _ANNOTATION_FIELDS)
        report.conflicts.append({
            "entity": "annotation", "uuid": theirs["uuid"], "kept": "theirs" if take else "ours",
            "ours_updated_at": ours["updated_at"], "theirs_updated_at": theirs["updated_at"],
            "fields": [f for f in _ANNOTATION_FIELDS if ours[f] != theirs[f]]})
        if take:
            project.db.execute(
                'UPDATE annotations SET document_id = ?, code_id = ?, coder_id = ?, start = ?,'
                ' "end" = ?, memo = ?, origin = ?, pattern_id = ?, codebook_version = ?,'
                " updated_at = ?, deleted = ?, attributes = ? WHERE id = ?",
                [theirs["document"], theirs["code_id"], theirs["coder"], theirs["start"],
                 theirs["end"], theirs["memo"], theirs["origin"], theirs["pattern_id"],
                 theirs["codebook_version"], theirs["updated_at"], theirs["deleted"],
                 theirs.get("attributes") or "{}", ours["id"]])
            report.annotations_updated += 1
    return mapping


def _merge_decisions(project: Project, conn: sqlite3.Connection, report: MergeReport,
                     docs: dict[int, int], coders: dict[int, int], codes: dict[str, str],
                     annotations: dict[int, int]) -> None:
    """Decisions by their natural key, reconciled as annotations are: the newer
    ``updated_at`` wins (ties: the larger content), so an undone accept or reject (kept,
    marked deleted) reaches the lead's copy, and so does a redo or a decision taken again."""
    for theirs in _rows(conn, "SELECT * FROM decisions ORDER BY id"):
        # A project file of schema < 8 has no undone decisions and no updated_at.
        theirs.setdefault("deleted", 0)
        theirs.setdefault("updated_at", theirs["decided_at"])
        key = [docs[theirs["document_id"]], codes[theirs["code_id"]], theirs["start"],
               theirs["end"], theirs["pattern_id"], coders[theirs["coder_id"]]]
        theirs["annotation"] = (annotations.get(theirs["annotation_id"])
                                if theirs["annotation_id"] else None)
        rows = project.rows(
            'SELECT * FROM decisions WHERE document_id = ? AND code_id = ? AND start = ? AND'
            ' "end" = ? AND pattern_id = ? AND coder_id = ?', key)
        if not rows:
            project.db.execute(
                'INSERT INTO decisions(suggestion_id, document_id, code_id, start, "end",'
                " pattern_id, coder_id, decision, annotation_id, decided_at, updated_at, deleted)"
                " VALUES (NULL,?,?,?,?,?,?,?,?,?,?,?)",
                [*key, theirs["decision"], theirs["annotation"], theirs["decided_at"],
                 theirs["updated_at"], theirs["deleted"]])
            report.decisions_added += 1
            continue
        ours = rows[0]
        ours["annotation"] = ours["annotation_id"]
        if _key(ours, _DECISION_FIELDS) == _key(theirs, _DECISION_FIELDS):
            continue
        take = _newer(ours, theirs, _DECISION_FIELDS)
        report.conflicts.append({
            "entity": "decision", "key": key, "kept": "theirs" if take else "ours",
            "ours": ours["decision"], "theirs": theirs["decision"],
            "ours_updated_at": ours["updated_at"], "theirs_updated_at": theirs["updated_at"],
            "fields": [f for f in _DECISION_FIELDS if ours[f] != theirs[f]]})
        if take:
            project.db.execute(
                "UPDATE decisions SET decision = ?, annotation_id = ?, decided_at = ?,"
                " updated_at = ?, deleted = ? WHERE id = ?",
                [theirs["decision"], theirs["annotation"], theirs["decided_at"],
                 theirs["updated_at"], theirs["deleted"], ours["id"]])
            report.decisions_updated += 1


def _merge_memos(project: Project, conn: sqlite3.Connection, report: MergeReport,
                 docs: dict[int, int], coders: dict[int, int], annotations: dict[int, int]) -> None:
    for theirs in _rows(conn, "SELECT * FROM memos ORDER BY id"):
        theirs["document"] = docs.get(theirs["document_id"]) if theirs["document_id"] else None
        theirs["coder"] = coders.get(theirs["coder_id"]) if theirs["coder_id"] else None
        theirs["annotation"] = (annotations.get(theirs["annotation_id"])
                                if theirs["annotation_id"] else None)
        rows = project.rows("SELECT * FROM memos WHERE uuid = ?", [theirs["uuid"]])
        if not rows:
            project.db.execute(
                "INSERT INTO memos(uuid, document_id, annotation_id, code_id, coder_id, text,"
                " created_at, updated_at, deleted) VALUES (?,?,?,?,?,?,?,?,?)",
                [theirs["uuid"], theirs["document"], theirs["annotation"], _known_code(
                    project, theirs.get("code_id")), theirs["coder"], theirs["text"],
                 theirs["created_at"], theirs["updated_at"], theirs["deleted"]])
            report.memos_added += 1
            continue
        ours = rows[0]
        ours["document"], ours["coder"] = ours["document_id"], ours["coder_id"]
        ours["annotation"] = ours["annotation_id"]
        if _key(ours, _MEMO_FIELDS) == _key(theirs, _MEMO_FIELDS):
            continue
        take = _newer(ours, theirs, _MEMO_FIELDS)
        report.conflicts.append({
            "entity": "memo", "uuid": theirs["uuid"], "kept": "theirs" if take else "ours",
            "ours_updated_at": ours["updated_at"], "theirs_updated_at": theirs["updated_at"],
            "fields": [f for f in _MEMO_FIELDS if ours[f] != theirs[f]]})
        if take:
            project.db.execute(
                "UPDATE memos SET document_id = ?, annotation_id = ?, coder_id = ?, text = ?,"
                " updated_at = ?, deleted = ? WHERE id = ?",
                [theirs["document"], theirs["annotation"], theirs["coder"], theirs["text"],
                 theirs["updated_at"], theirs["deleted"], ours["id"]])
            report.memos_updated += 1


def _known_code(project: Project, code_id: str | None) -> str | None:
    """A memo's code if this project has it (code ids are the codebook's, shared by a team)."""
    if code_id is None:
        return None
    return code_id if project.db.execute("SELECT 1 FROM codes WHERE id = ?",
                                         [code_id]).fetchone() else None


def _merge_assignments(project: Project, conn: sqlite3.Connection, report: MergeReport,
                       docs: dict[int, int], coders: dict[int, int]) -> None:
    """Assignments missing here are added; a status further along (done > in progress > todo) wins."""
    for theirs in _rows(conn, "SELECT * FROM assignments"):
        key = [docs[theirs["document_id"]], coders[theirs["coder_id"]]]
        row = project.db.execute("SELECT status FROM assignments WHERE document_id = ? AND"
                                 " coder_id = ?", key).fetchone()
        if row is None:
            project.db.execute("INSERT INTO assignments(document_id, coder_id, sample, status)"
                               " VALUES (?, ?, ?, ?)", [*key, theirs["sample"], theirs["status"]])
            report.assignments_added += 1
        elif _STATUS_ORDER.get(theirs["status"], 0) > _STATUS_ORDER.get(row[0], 0):
            project.db.execute("UPDATE assignments SET status = ? WHERE document_id = ? AND"
                               " coder_id = ?", [theirs["status"], *key])
            report.assignments_updated += 1


def _merge_reveals(project: Project, conn: sqlite3.Connection, report: MergeReport,
                   docs: dict[int, int], coders: dict[int, int]) -> None:
    """The other file's ``reveal`` events, mapped to our coder and document ids.

    Blindness is read back from the events log (:func:`coder.team.blind.blind_record`):
    without these, a coder who saw the others' work in their own copy and then coded
    would count as blind in the lead's file.  A reveal is matched by when, to whom, on
    which document and where, so merging twice (or a file that pulled ours) adds nothing.
    """
    ours = {(r[0], r[1], r[2], json.loads(r[3] or "{}").get("via")) for r in project.db.execute(
        "SELECT at, coder_id, entity_id, after FROM events WHERE action = 'reveal'")}
    for theirs in _rows(conn, "SELECT * FROM events WHERE action = 'reveal' ORDER BY id"):
        coder_id = coders.get(theirs["coder_id"])
        document_id = docs.get(theirs["entity_id"])
        if coder_id is None or document_id is None:
            continue  # nobody to attribute it to, or no document: nothing it could say
        info = json.loads(theirs["after"] or "{}")
        key = (theirs["at"], coder_id, document_id, info.get("via"))
        if key in ours:
            continue
        info["document_id"] = document_id
        project.db.execute(
            "INSERT INTO events(at, coder_id, action, entity, entity_id, before, after, undone)"
            " VALUES (?, ?, 'reveal', ?, ?, ?, ?, ?)",
            [theirs["at"], coder_id, theirs["entity"], document_id, theirs["before"],
             json.dumps(info, ensure_ascii=False), theirs["undone"]])
        ours.add(key)
        report.reveals_added += 1


def _adopt_sample_record(project: Project, conn: sqlite3.Connection, report: MergeReport,
                         docs: dict[int, int]) -> None:
    """The record of how the reliability sample was drawn, when this project has none.

    The assignments come with the merge; the methods paragraph also states the draw (size,
    strata, seed) and whether suggestions were hidden, from the settings ``coder sample``
    wrote.  A project with a sample of its own keeps it; a different one is a warning.
    """
    rows = dict(conn.execute("SELECT key, value FROM settings WHERE key IN"
                             " ('reliability_sample', 'blind_suggestions')").fetchall())
    theirs = json.loads(rows.get("reliability_sample") or "null")
    if not isinstance(theirs, dict):
        return
    if isinstance(theirs.get("documents"), list):
        theirs["documents"] = sorted(docs[d] for d in theirs["documents"] if d in docs)
    ours = project.setting("reliability_sample")
    if isinstance(ours, dict):
        if ({k: v for k, v in ours.items() if k != "documents"}
                != {k: v for k, v in theirs.items() if k != "documents"}
                or sorted(ours.get("documents") or []) != theirs.get("documents", [])):
            report.warnings.append(
                f"{report.source} records another reliability sample (seed {theirs.get('seed')},"
                f" size {theirs.get('size')}) than this project's (seed {ours.get('seed')}, size"
                f" {ours.get('size')}); this project's record is kept")
        return
    project.db.execute("INSERT INTO settings(key, value) VALUES ('reliability_sample', ?)"
                       " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       [json.dumps(theirs)])
    if "blind_suggestions" in rows:
        project.db.execute("INSERT INTO settings(key, value) VALUES ('blind_suggestions', ?)"
                           " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           [rows["blind_suggestions"]])
    report.sample_adopted = True
