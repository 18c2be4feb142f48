"""Store a REFI-QDA file in a project: codes, coders, documents, codings, memos, metadata.

One transaction: a file that fails half-way changes nothing.  Importing the same file
twice changes nothing the second time:

- codes are matched by the GUID coder exports for them, then by the ``Code id:`` line of
  their description, then by name; new codes get the id in that line, else a slug of the
  name plus the GUID's first 8 hex digits (``diet-coke-d299efae``);
- documents are matched by the sha256 of their text, so a round trip re-anchors codings
  on the documents already in the project;
- an annotation's uuid is its coding's GUID, and an annotation identical to one already
  there (document, coder, code, span) is not added twice;
- a memo's uuid is its note's GUID.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from ...errors import CoderError, ImportProblem
from ...project import Project, now
from .common import EXCLUSIVE_SET, code_guid, guid_for, parse_datetime, parse_description, slug
from .model import RefiCode, RefiCoding, RefiFile, RefiSelection, RefiSource

#: The coder that codings and notes without a known creating user are given.
FALLBACK_CODER = "refi-import"
#: Document metadata keys the import sets itself (never exported as variables).
META_GUID, META_STUB, META_CASES, META_SETS = "refi_guid", "refi_stub", "refi_cases", "refi_sets"


@dataclass(frozen=True)
class RefiImport:
    """What :func:`import_refi` read and did (``coder import-refi --json`` prints it)."""

    file: str
    kind: str               # "project" or "codebook"
    name: str | None
    origin: str | None      # the software that wrote the file
    codebook: str | None    # the codebook row the import added, if any
    codes: int              # in the file ...
    coders: int
    sources: int
    codings: int
    codes_created: int      # ... and what became of them
    codes_matched: int
    coders_created: int
    documents_created: int
    documents_reused: int
    placeholders: int
    placeholders_replaced: int
    sources_skipped: int
    annotations_created: int
    annotations_existing: int
    annotations_moved: int
    memos_created: int
    memos_existing: int
    warnings: list[str]     # one line each, for everything that could not be mapped


def import_refi(project: Project, path: str | Path, *,
                progress: Callable[[int], None] | None = None) -> RefiImport:
    """Import a ``.qdpx``, ``.qde`` or ``.qdc`` file into ``project`` in one transaction.

    Returns a :class:`RefiImport`: counts of what was created, matched or skipped, and
    ``warnings`` (one line each) for everything that could not be mapped.  Raises
    :class:`~coder.errors.ImportProblem` for a file that cannot be read safely; then the
    project is unchanged.
    """
    from ...corpus.speakers import SpeakerResolver
    from .read import read_refi

    path = Path(path)
    try:
        refi = read_refi(path)
    except CoderError:
        raise
    except (RecursionError, MemoryError, UnicodeError, ValueError, OSError) as exc:
        raise ImportProblem(f"cannot be read ({type(exc).__name__}: {exc})", path=path) from None
    from ...corpus.importer import settle_speakers

    resolver = SpeakerResolver(project)
    try:
        with project.transaction():
            summary = _Store(project, refi, path, resolver, progress).run()
            if summary.documents_created:
                settle_speakers(project)
    except BaseException:
        resolver.rollback()
        raise
    resolver.commit()
    return summary


# What coder's export writes for attribute values (see coder.export.refi.write).
_ATTRIBUTE_VALUE = re.compile(r"^Attribute value: ([a-z][a-z0-9_]*)=(\S+)$")
_ATTRIBUTE_FOLDER = re.compile(r"^(?:Attribute: [a-z][a-z0-9_]*|Attribute values of coder's codings\b.*)$",
                               re.DOTALL)


class _Store:
    def __init__(self, project: Project, refi: RefiFile, path: Path, resolver,
                 progress: Callable[[int], None] | None) -> None:
        self.project = project
        self.db = project.db
        self.refi = refi
        self.path = path
        self.resolver = resolver
        self.progress = progress or (lambda n=1: None)
        self.warnings: list[str] = list(refi.warnings)
        self.tallies: dict[str, list[str]] = {}
        self.counts = {key: 0 for key in (
            "codes_created", "codes_matched", "coders_created", "documents_created",
            "documents_reused", "placeholders", "placeholders_replaced", "sources_skipped", "annotations_created",
            "annotations_existing", "annotations_moved", "memos_created", "memos_existing")}
        self.users: dict[str, int] = {}
        self.codes: dict[str, str] = {}        # code GUID -> code id
        self.documents: dict[str, int] = {}    # source GUID -> document id
        self.selections: dict[str, list[dict]] = {}  # selection GUID -> annotation rows
        self.codings: dict[str, dict] = {}     # coding GUID -> annotation row
        self.attribute_values: dict[str, tuple[str, str]] = {}  # value code GUID -> (dim, value)
        self._fallback: int | None = None
        self._stubs: set[int] = set()
        self._emptied: set[int] = set()  # placeholders whose codings moved to the real text
        self._now = now()

    def tally(self, kind: str, example: str) -> None:
        self.tallies.setdefault(kind, []).append(example)

    def run(self) -> RefiImport:
        fresh = (self.db.execute("SELECT count(*) FROM documents").fetchone()[0] == 0
                 and self.db.execute("SELECT count(*) FROM codes").fetchone()[0] == 0)
        self.store_users()
        codebook = self.store_codes()
        self.store_sources()
        self.store_notes()
        self.drop_empty_placeholders()
        self.report_unmapped()
        if fresh and self.refi.kind == "project" and self.project.setting("project_name") is None:
            # A new project takes the name of the project it was made from.
            self.project.set_setting("project_name", self.refi.name)
        for kind, examples in self.tallies.items():
            self.warnings.append(f"{len(examples)} {kind} (first: {examples[0]})")
        summary = RefiImport(
            file=str(self.path), kind=self.refi.kind, name=self.refi.name,
            origin=self.refi.origin, codebook=codebook,
            codes=len(self.refi.codes), coders=len(self.refi.users),
            sources=len(self.refi.sources),
            codings=sum(len(s.codings) + sum(len(x.codings) for x in s.selections)
                        for s in self.refi.sources if s.text is not None),
            **self.counts, warnings=self.warnings,
        )
        self.project.log_event("import", "refi", None,
                               after=asdict(summary) | {"warnings": len(self.warnings)})
        return summary

    # -- coders --------------------------------------------------------------------------------

    def coder(self, name: str) -> int:
        row = self.db.execute("SELECT id FROM coders WHERE name = ?", [name]).fetchone()
        if row:
            return row[0]
        self.counts["coders_created"] += 1
        return self.project.coder_id(name, foreign=True)  # the user's name as the file has it

    def store_users(self) -> None:
        for user in self.refi.users:
            self.users[user.guid] = self.coder(user.name or f"user-{user.guid[:8]}")

    def user(self, *guids: str | None) -> int:
        """The coder of the first known user GUID, else the project's creator, else a fallback."""
        for guid in (*guids, self.refi.creating_user):
            if guid and guid in self.users:
                return self.users[guid]
        if self._fallback is None:
            self._fallback = self.coder(FALLBACK_CODER)
            self.warnings.append(f"codings or notes without a known creating user were given "
                                 f"the coder {FALLBACK_CODER!r}")
        return self._fallback

    # -- codes ---------------------------------------------------------------------------------

    def store_codes(self) -> str | None:
        """Match or create the file's codes; returns the name of a codebook row it added."""
        from ...codebook import parse_codebook, store_codebook

        if not self.refi.codes:
            return None
        existing = self.project.rows("SELECT id, name, parent_id FROM codes")
        ids = {row["id"] for row in existing}
        by_guid = {code_guid(row["id"]): row["id"] for row in existing}
        by_name: dict[str, list[dict]] = {}
        for row in existing:
            by_name.setdefault(row["name"].strip().casefold(), []).append(row)
        used: set[str] = set()
        created: list[tuple[RefiCode, dict]] = []
        taken = set(ids)
        for code in self.refi.codes:
            attribute = _ATTRIBUTE_VALUE.match(code.description.strip())
            if attribute:
                # coder's export of a coding's attribute value: back onto the coding, not a code.
                self.attribute_values[code.guid] = (attribute[1], attribute[2])
                continue
            if _ATTRIBUTE_FOLDER.match(code.description.strip()):
                continue
            fields = parse_description(code.description)
            match = self._match(code, fields, ids, by_guid, by_name, used)
            if match is not None:
                used.add(match)
                self.codes[code.guid] = match
                self.counts["codes_matched"] += 1
                continue
            code_id = fields["id"] if fields["id"] and fields["id"] not in taken else None
            if code_id is None:
                base = slug(code.name) or "code"
                if not base[0].isalpha():
                    base = f"code-{base}"
                code_id = f"{base}-{code.guid.replace('-', '')[:8]}"
                suffix = 2
                while code_id in taken:
                    code_id = f"{base}-{code.guid.replace('-', '')[:8]}-{suffix}"
                    suffix += 1
            taken.add(code_id)
            used.add(code_id)
            self.codes[code.guid] = code_id
            created.append((code, fields))
            self.counts["codes_created"] += 1
            if not code.codable:
                self.tally("codes marked not codable (folders) became ordinary codes",
                           repr(code.name))
        if not created:
            return None
        groups = self._groups()
        yaml_text = self._codebook_yaml(groups)
        try:
            book = parse_codebook(yaml_text, source=str(self.path))
        except CoderError as exc:  # a bug here, not in the file: say so plainly
            raise ImportProblem(f"could not build a codebook from the file's codes ({exc})",
                                path=self.path) from None
        if self.project.setting("codebook_id") is None and not ids:
            # A project without codes takes the file's codebook as its current one.
            store_codebook(self.project, book)
            return book.name
        row = self.db.execute("SELECT id FROM codebooks WHERE version = ?",
                              [book.version]).fetchone()
        codebook_id = row[0] if row else self.db.execute(
            "INSERT INTO codebooks(name, version, source, yaml, loaded_at) VALUES (?, ?, ?, ?, ?)",
            [book.name, book.version, str(self.path), yaml_text, self._now]).lastrowid
        sort = self.db.execute("SELECT coalesce(max(sort), -1) FROM codes").fetchone()[0] + 1
        for index, (code, fields) in enumerate(created):
            parent = self.codes.get(code.parent) if code.parent else None
            self.db.execute(
                "INSERT INTO codes(id, codebook_id, parent_id, name, color, definition,"
                " when_to_use, when_not_to_use, examples, sort) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [self.codes[code.guid], codebook_id, parent, code.name or "(unnamed)",
                 code.color, fields["definition"], fields["when_to_use"],
                 fields["when_not_to_use"], json.dumps(fields["examples"], ensure_ascii=False),
                 sort + index])
        for group_id, members in groups.items():
            self.db.execute("INSERT INTO code_groups(id, codes) VALUES (?, ?) ON CONFLICT(id)"
                            " DO NOTHING", [group_id, json.dumps(members)])
        return book.name

    def _match(self, code: RefiCode, fields: dict, ids: set[str], by_guid: dict[str, str],
               by_name: dict[str, list[dict]], used: set[str]) -> str | None:
        found = by_guid.get(code.guid)
        if found and found not in used:
            return found
        if fields["id"] in ids and fields["id"] not in used:
            return fields["id"]
        # A code an earlier import of this file created (maybe renamed since).
        suffix = "-" + code.guid.replace("-", "")[:8]
        earlier = [i for i in ids if i.endswith(suffix) and i not in used]
        if len(earlier) == 1:
            return earlier[0]
        candidates = [row for row in by_name.get(code.name.strip().casefold(), [])
                      if row["id"] not in used]
        if len(candidates) > 1:
            parent = self.codes.get(code.parent) if code.parent else None
            candidates = [row for row in candidates if row["parent_id"] == parent]
        return candidates[0]["id"] if len(candidates) == 1 else None

    def _groups(self) -> dict[str, list[str]]:
        """coder's exclusive groups, from the sets a coder export wrote for them."""
        groups: dict[str, list[str]] = {}
        for item in self.refi.sets:
            if not item.codes:
                continue
            if item.description.strip() != EXCLUSIVE_SET:
                self.tally("sets of codes were not imported (coder's code groups are "
                           "exclusive groups, which these are not said to be)", repr(item.name))
                continue
            members = [self.codes[g] for g in item.codes if g in self.codes]
            if len(members) >= 2 and item.name:
                groups[item.name] = members
        return groups

    def _codebook_yaml(self, groups: dict[str, list[str]]) -> str:
        from ...codebook.load import dump_codebook_yaml

        nodes: dict[str, dict] = {}
        roots: list[dict] = []
        for code in self.refi.codes:
            if code.guid not in self.codes:  # an attribute value or its folder
                continue
            fields = parse_description(code.description)
            node: dict = {"id": self.codes[code.guid], "name": code.name or "(unnamed)"}
            if code.color:
                node["color"] = code.color
            for key in ("definition", "when_to_use", "when_not_to_use", "examples"):
                if fields[key]:
                    node[key] = fields[key]
            nodes[code.guid] = node
            parent = nodes.get(code.parent) if code.parent else None
            if parent is None:
                roots.append(node)
            else:
                parent.setdefault("children", []).append(node)
        data: dict = {"codebook": {"name": self.path.stem,
                                   "description": f"Imported from {self.path.name}"
                                                  + (f" ({self.refi.origin})" if self.refi.origin
                                                     else "")},
                      "codes": roots}
        if groups:
            data["exclusive_groups"] = [{"id": k, "codes": v} for k, v in groups.items()]
        dimensions: dict[str, list[str]] = {}
        for dim, value in self.attribute_values.values():
            dimensions.setdefault(dim, []).append(value)
        if dimensions:
            # The file does not say which codes a dimension applies to: every code.
            data["attributes"] = [{"id": dim, "values": values} for dim, values in dimensions.items()]
        return dump_codebook_yaml(data)

    # -- documents and codings -----------------------------------------------------------------

    def store_sources(self) -> None:
        from ...corpus.importer import store_document

        if not self.refi.sources:
            return
        case_values, case_names = self._cases()
        set_names: dict[str, list[str]] = {}
        for item in self.refi.sets:
            for guid in item.sources:
                set_names.setdefault(guid, []).append(item.name)
            if item.notes:
                self.tally("sets of notes were not imported", repr(item.name))
        self._codebook_version = self.project.setting("codebook_version")
        self._existing = {row["uuid"]: row for row in self.project.rows(
            'SELECT id, uuid, document_id, code_id, coder_id, start, "end", memo, deleted'
            " FROM annotations")}
        self._keys = {(r["document_id"], r["coder_id"], r["code_id"], r["start"], r["end"]): r
                      for r in self._existing.values() if not r["deleted"]}
        self._stubs = {row[0] for row in self.db.execute(
            "SELECT id FROM documents WHERE json_extract(metadata, '$.refi_stub') = 1")}
        for source in self.refi.sources:
            self.progress(1)
            if source.kind != "TextSource":
                self.counts["sources_skipped"] += 1
                lost = f"; its {source.coding_count} coding(s) are not imported" \
                    if source.coding_count else ""
                self.warnings.append(f"{source.kind} {source.name!r} skipped: coder codes plain "
                                     f"text only{lost}")
                continue
            if source.text is None:
                self.counts["sources_skipped"] += 1
                continue  # the reader said why
            if not source.text.strip():
                self.counts["sources_skipped"] += 1
                self.warnings.append(f"source {source.name!r} skipped: its text is empty")
                continue
            variables = {**case_values.get(source.guid, {}), **source.variables}
            doc = self._parsed(source, variables)
            if case_names.get(source.guid):
                doc.metadata[META_CASES] = case_names[source.guid]
            if set_names.get(source.guid):
                doc.metadata[META_SETS] = set_names[source.guid]
            lang = variables.get("lang") if isinstance(variables.get("lang"), str) else None
            document_id, created = store_document(self.project, doc, source=str(self.path),
                                                  resolver=self.resolver, lang=lang)
            if created:
                self.counts["documents_created"] += 1
                if source.stub:
                    self.counts["placeholders"] += 1
                    self._stubs.add(document_id)
            else:
                self.counts["documents_reused"] += 1
                self._merge_metadata(document_id, doc)
            self.documents[source.guid] = document_id
            for selection in source.selections:
                if not selection.codings:
                    self.tally("selections without codings were not imported (coder keeps "
                               "coded spans only)", f"{source.name!r} {selection.name[:40]!r}")
                    continue
                values = {}
                for coding in selection.codings:
                    if coding.code in self.attribute_values:
                        dim, value = self.attribute_values[coding.code]
                        values[dim] = value
                    else:
                        self._annotation(document_id, source, selection, coding)
                if values:
                    self._attributes(selection, values)
            for coding in source.codings:
                if source.stub:
                    self.tally("codings of whole sources whose text is missing were skipped",
                               repr(source.name))
                    continue
                whole = RefiSelection(guid=guid_for("source-coding", coding.guid), start=0,
                                      end=len(source.text))
                self._annotation(document_id, source, whole, coding)

    def _cases(self) -> tuple[dict[str, dict], dict[str, list[str]]]:
        values: dict[str, dict] = {}
        names: dict[str, list[str]] = {}
        for case in self.refi.cases:
            for guid in case.sources:
                values.setdefault(guid, {}).update(case.variables)
                if case.name:
                    names.setdefault(guid, []).append(case.name)
            if case.selections:
                self.tally("case references to selections were not imported (cases apply to "
                           "whole documents in coder)", repr(case.name))
        return values, names

    def _parsed(self, source: RefiSource, variables: dict):
        from ...corpus.model import ParsedDocument, ParsedTurn
        from ...corpus.text import looks_like_transcript, parse_plain, parse_transcript

        text = source.text or ""
        if source.stub:
            doc = ParsedDocument(text=text, turns=[ParsedTurn(0, len(text), None)])
        elif looks_like_transcript(text):
            doc = parse_transcript(text)
        else:
            doc = parse_plain(text, title=None)
        doc.warnings = []
        doc.title = source.name or doc.title
        doc.author = None
        # Dates, kinds and languages come from the file's variables only (a date guessed
        # from the text would make a re-export differ from the file).
        doc.date = None
        metadata: dict = {}
        for name, value in variables.items():
            if name == "date" and isinstance(value, str):
                try:
                    doc.date = dt.date.fromisoformat(value.strip()[:10])
                    continue
                except ValueError:
                    metadata["date_text"] = value
                    continue
            if name == "kind" and isinstance(value, str) and value.strip():
                doc.kind = value.strip()
                continue
            if name == "lang":
                continue
            metadata[name] = value
        metadata[META_GUID] = source.guid
        if source.stub:
            metadata[META_STUB] = True
        doc.metadata = metadata
        return doc

    def _merge_metadata(self, document_id: int, doc) -> None:
        row = self.db.execute("SELECT metadata, date FROM documents WHERE id = ?",
                              [document_id]).fetchone()
        try:
            metadata = json.loads(row[0] or "{}")
        except ValueError:
            metadata = {}
        added = {k: v for k, v in doc.metadata.items() if k not in metadata and k != META_STUB}
        if added:
            metadata.update(added)
            self.db.execute("UPDATE documents SET metadata = ? WHERE id = ?",
                            [json.dumps(metadata, ensure_ascii=False, default=str), document_id])
        if row[1] is None and doc.date is not None:
            self.db.execute("UPDATE documents SET date = ? WHERE id = ?",
                            [doc.date.isoformat(), document_id])

    def _annotation(self, document_id: int, source: RefiSource, selection: RefiSelection,
                    coding: RefiCoding) -> None:
        code_id = self.codes.get(coding.code)
        if code_id is None:
            self.tally("codings naming a code that is not in the file were skipped", coding.guid)
            return
        coder_id = self.user(coding.user, selection.user)
        uuid = coding.guid
        previous = self._existing.get(uuid)
        if previous is not None:
            if (previous["document_id"] in self._stubs and document_id not in self._stubs
                    and not previous["deleted"]):
                # The real text has arrived for a coding kept on a placeholder: move it.
                self.db.execute('UPDATE annotations SET document_id = ?, start = ?, "end" = ?,'
                                " updated_at = ? WHERE id = ?",
                                [document_id, selection.start, selection.end, self._now,
                                 previous["id"]])
                self._emptied.add(previous["document_id"])
                previous["document_id"] = document_id
                self.counts["annotations_moved"] += 1
            else:
                self.counts["annotations_existing"] += 1
            self._remember(selection, coding, previous, created=False)
            return
        key = (document_id, coder_id, code_id, selection.start, selection.end)
        if key in self._keys:
            self.counts["annotations_existing"] += 1
            self._remember(selection, coding, self._keys[key], created=False)
            return
        created = parse_datetime(coding.created) or parse_datetime(selection.created) or self._now
        updated = parse_datetime(selection.modified) or created
        memo = selection.description or None
        annotation_id = self.db.execute(
            'INSERT INTO annotations(uuid, document_id, code_id, coder_id, start, "end", memo,'
            " origin, codebook_version, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 'import', ?, ?, ?)",
            [uuid, document_id, code_id, coder_id, selection.start, selection.end, memo,
             self._codebook_version, created, updated]).lastrowid
        row = {"id": annotation_id, "uuid": uuid, "document_id": document_id,
               "coder_id": coder_id, "code_id": code_id, "start": selection.start,
               "end": selection.end, "memo": memo, "deleted": 0}
        self._existing[uuid] = row
        self._keys[key] = row
        self.counts["annotations_created"] += 1
        if memo:
            self.counts["memos_created"] += 1
        self._remember(selection, coding, row, created=True)

    def _attributes(self, selection: RefiSelection, values: dict[str, str]) -> None:
        """Give the selection's codings the attribute values its value codings name.

        Values already on a coding are kept (the project's word wins over the file's).
        """
        for entry in self.selections.get(selection.guid, []):
            row = self.db.execute("SELECT attributes FROM annotations WHERE id = ?",
                                  [entry["id"]]).fetchone()
            current = json.loads(row[0] or "{}")
            merged = {**values, **current}
            if merged != current:
                self.db.execute("UPDATE annotations SET attributes = ? WHERE id = ?",
                                [json.dumps(merged, sort_keys=True), entry["id"]])

    def _remember(self, selection: RefiSelection, coding: RefiCoding, row: dict, *,
                  created: bool) -> None:
        entry = {**row, "created": created, "coding": coding.guid}
        self.selections.setdefault(selection.guid, []).append(entry)
        self.codings[coding.guid] = entry

    # -- notes ---------------------------------------------------------------------------------

    def store_notes(self) -> None:
        notes = {note.guid: note for note in self.refi.notes}
        targets: dict[str, list[tuple[str, object]]] = {}

        def point(refs: list[str], target: tuple[str, object]) -> None:
            for guid in refs:
                targets.setdefault(guid, []).append(target)

        for code in self.refi.codes:
            if code.guid in self.codes:  # a code's notes become memos on the code
                point(code.note_refs, ("code", self.codes[code.guid]))
        for source in self.refi.sources:
            if source.guid in self.documents:
                point(source.note_refs, ("document", self.documents[source.guid]))
                for selection in source.selections:
                    point(selection.note_refs, ("selection", selection.guid))
                    for coding in selection.codings:
                        point(coding.note_refs, ("coding", coding.guid))
                for coding in source.codings:
                    point(coding.note_refs, ("coding", coding.guid))
            elif source.note_refs:
                self.tally("notes on sources that were not imported were skipped",
                           repr(source.name))
        for guid, note in notes.items():
            if not note.text:
                continue
            places = targets.get(guid)
            if not places:
                self.tally("notes not attached to an imported code, document or coding were "
                           "not imported (coder has no project memos)", repr(note.name or guid))
                continue
            for index, (kind, target) in enumerate(places):
                memo_uuid = guid if index == 0 else guid_for("note-target", f"{guid}:{index}")
                self._memo(note, memo_uuid, kind, target)

    def _memo(self, note, memo_uuid: str, kind: str, target: object) -> None:
        annotation = None
        document_id = None
        if kind == "code":
            self._code_memo(note, memo_uuid, str(target))
            return
        if kind == "document":
            document_id = target
        elif kind == "selection":
            rows = self.selections.get(target) or []
            # A note coder wrote for an annotation's memo goes back into that memo.
            for row in rows:
                if note.guid == guid_for("annotation-memo", row["uuid"]):
                    if row["created"] and not row["memo"]:
                        self.db.execute("UPDATE annotations SET memo = ? WHERE id = ?",
                                        [note.text, row["id"]])
                        row["memo"] = note.text
                        self.counts["memos_created"] += 1
                    else:
                        self.counts["memos_existing"] += 1
                    return
            annotation = rows[0] if rows else None
        elif kind == "coding":
            annotation = self.codings.get(target)
        if annotation is not None:
            document_id = annotation["document_id"]
        if document_id is None:
            self.tally("notes on selections that were not imported were skipped",
                       repr(note.name or note.guid))
            return
        previous = self.db.execute("SELECT id, document_id FROM memos WHERE uuid = ?",
                                   [memo_uuid]).fetchone()
        if previous is not None:
            if previous[1] in self._stubs and document_id not in self._stubs:
                self.db.execute("UPDATE memos SET document_id = ?, annotation_id = ? WHERE id = ?",
                                [document_id, None if annotation is None else annotation["id"],
                                 previous[0]])
                self._emptied.add(previous[1])
            self.counts["memos_existing"] += 1
            return
        if note.user in self.users or annotation is None:
            coder_id = self.user(note.user)
        else:
            coder_id = annotation["coder_id"]
        created = parse_datetime(note.created) or self._now
        self.db.execute(
            "INSERT INTO memos(uuid, document_id, annotation_id, coder_id, text, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [memo_uuid, document_id, None if annotation is None else annotation["id"], coder_id,
             note.text, created, parse_datetime(note.modified) or created])
        self.counts["memos_created"] += 1

    def _code_memo(self, note, memo_uuid: str, code_id: str) -> None:
        """A note on a code: a memo on that code (by the note's author), once per GUID."""
        if self.db.execute("SELECT 1 FROM memos WHERE uuid = ?", [memo_uuid]).fetchone():
            self.counts["memos_existing"] += 1
            return
        coder_id = self.user(note.user)
        created = parse_datetime(note.created) or self._now
        self.db.execute(
            "INSERT INTO memos(uuid, code_id, coder_id, text, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [memo_uuid, code_id, coder_id, note.text, created,
             parse_datetime(note.modified) or created])
        self.counts["memos_created"] += 1

    def drop_empty_placeholders(self) -> None:
        """Delete placeholders whose codings and memos all moved onto the real text."""
        for document_id in sorted(self._emptied):
            used = any(self.db.execute(f"SELECT 1 FROM {table} WHERE document_id = ? LIMIT 1",
                                       [document_id]).fetchone()
                       for table in ("annotations", "memos", "decisions", "assignments"))
            if not used:
                self.db.execute("DELETE FROM documents WHERE id = ?", [document_id])
                self.counts["placeholders_replaced"] += 1

    def report_unmapped(self) -> None:
        refi = self.refi
        if refi.links:
            self.warnings.append(f"{refi.links} link(s) not imported (coder has no links)")
        if refi.graphs:
            self.warnings.append(f"{refi.graphs} graph(s) not imported (coder has no graphs)")
