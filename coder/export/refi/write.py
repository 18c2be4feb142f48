"""Write REFI-QDA 1.5 files: the codebook (``.qdc``) and the project (``.qdpx``).

Everything written is derived from the project's data only, so exporting twice gives
byte-identical files: GUIDs are uuid5 values of stable ids, timestamps are the
annotations' and memos' own, elements come in a fixed order, and the zip's member dates
are fixed.  Before a file is written it is checked for what the XSD cannot check (unique
GUIDs, references that resolve, selections inside their text; see
:mod:`coder.export.refi.check`).
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ...errors import CoderError
from ...outputs import output_file
from ...project import Project
from ...version import __version__
from .common import (
    CODEBOOK_NS,
    EXCLUSIVE_SET,
    PLACEHOLDER_SOURCE,
    PROJECT_NS,
    as_guid,
    code_description,
    code_guid,
    coder_guid,
    color_hex,
    document_guid,
    format_datetime,
    guid_for,
    uuid_guid,
)

ORIGIN = f"coder {__version__}"
#: The longest quote written into a selection's ``name`` (ATLAS.ti's convention: 100 + …).
QUOTE_LENGTH = 100
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# Characters XML 1.0 cannot hold (control characters, lone surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    """``text`` with characters XML cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


# -- codes --------------------------------------------------------------------------------------

def _codes(project: Project, used: set[str] | None) -> list[tuple[object, str | None]]:
    """``(code, parent id)`` in tree order: current codes, plus retired ones in ``used``.

    A code whose parent is left out hangs from its nearest ancestor that is written.
    """
    from ...codebook import project_codes

    retired = {row[0] for row in project.db.execute("SELECT id FROM codes WHERE retired = 1")}
    codes = project_codes(project, include_retired=True)
    keep = {c.id for c in codes if c.id not in retired or (used and c.id in used)}
    parents = {c.id: c.parent for c in codes}
    out = []
    for code in codes:
        if code.id not in keep:
            continue
        parent = code.parent
        while parent is not None and parent not in keep:
            parent = parents.get(parent)
        out.append((code, parent))
    return out


def _code_elements(parent_element, codes: list[tuple[object, str | None]], ns: str,
                   note_refs: dict[str, list[str]] | None = None) -> dict:
    """A ``<Code>`` per code, nested as the tree; ``note_refs``: a code's memos' note GUIDs
    (a ``<NoteRef>`` each, after the description, before the child codes)."""
    from lxml import etree

    elements: dict[str, object] = {}
    for code, parent in codes:
        attrib = {"guid": code_guid(code.id), "name": _clean(code.name or code.id),
                  "isCodable": "true"}
        color = color_hex(code.color)
        if color:
            attrib["color"] = color
        host = elements[parent] if parent in elements else parent_element
        element = etree.SubElement(host, f"{{{ns}}}Code", attrib)
        etree.SubElement(element, f"{{{ns}}}Description").text = _clean(code_description(code))
        for ref in (note_refs or {}).get(code.id, ()):
            etree.SubElement(element, f"{{{ns}}}NoteRef", {"targetGUID": ref})
        elements[code.id] = element
    return elements


# -- attribute values as codes --------------------------------------------------------------------

ATTRIBUTES_ROOT = "Attributes of codings"


def attribute_value_guid(dimension: str, value: str) -> str:
    """The GUID of the code standing for ``dimension=value``."""
    return guid_for("attribute-value", f"{dimension}={value}")


def _attribute_codes(project: Project, annotations: list[dict]) -> list[tuple[str, list[str]]]:
    """``(dimension, values)`` to write: the codebook's, then values codings carry besides."""
    from ...codebook.store import codebook_attributes

    dims: dict[str, list[str]] = {a.id: list(a.values) for a in codebook_attributes(project)}
    for row in annotations:
        for dim, value in sorted(json.loads(row.get("attributes") or "{}").items()):
            values = dims.setdefault(dim, [])
            if value not in values:
                values.append(value)
    return [(dim, values) for dim, values in dims.items() if values]


def _attribute_elements(codes_element, dims: list[tuple[str, list[str]]], ns: str) -> None:
    """A non-codable ``Attributes of codings`` code, a folder per dimension, a code per value.

    A coding's value is a second ``<Coding>`` of its selection with the value's code:
    what ATLAS.ti, MAXQDA and NVivo users do by hand to cross-tabulate a code with a
    property of the coded passage (docs/REFI.md).
    """
    from lxml import etree

    if not dims:
        return
    root = etree.SubElement(codes_element, f"{{{ns}}}Code", {
        "guid": guid_for("attribute", ""), "name": ATTRIBUTES_ROOT, "isCodable": "false"})
    etree.SubElement(root, f"{{{ns}}}Description").text = (
        "Attribute values of coder's codings: a selection coded with one of these codes"
        " carries that value for its other codings.")
    for dim, values in dims:
        folder = etree.SubElement(root, f"{{{ns}}}Code", {
            "guid": guid_for("attribute", dim), "name": _clean(dim), "isCodable": "false"})
        etree.SubElement(folder, f"{{{ns}}}Description").text = _clean(f"Attribute: {dim}")
        for value in values:
            code = etree.SubElement(folder, f"{{{ns}}}Code", {
                "guid": attribute_value_guid(dim, value), "name": _clean(f"{dim}: {value}"),
                "isCodable": "true"})
            etree.SubElement(code, f"{{{ns}}}Description").text = _clean(
                f"Attribute value: {dim}={value}")


def _groups(project: Project, exported: set[str]) -> list[tuple[str, list[str]]]:
    rows = project.rows("SELECT id, codes FROM code_groups ORDER BY id")
    out = []
    for row in rows:
        members = [c for c in json.loads(row["codes"]) if c in exported]
        if len(members) >= 2:
            out.append((row["id"], members))
    return out


def codebook_tree(project: Project):
    """The ``<CodeBook>`` element of the project's current codes (for a ``.qdc``)."""
    from lxml import etree

    codes = _codes(project, None)
    if not codes:
        raise CoderError("the project has no codes to export; load a codebook first")
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", {"origin": ORIGIN},
                         nsmap={None: CODEBOOK_NS})
    _code_elements(etree.SubElement(root, f"{{{CODEBOOK_NS}}}Codes"), codes, CODEBOOK_NS)
    groups = _groups(project, {c.id for c, _ in codes})
    if groups:
        sets = etree.SubElement(root, f"{{{CODEBOOK_NS}}}Sets")
        for group_id, members in groups:
            item = etree.SubElement(sets, f"{{{CODEBOOK_NS}}}Set",
                                    {"guid": guid_for("group", group_id),
                                     "name": _clean(group_id)})
            etree.SubElement(item, f"{{{CODEBOOK_NS}}}Description").text = EXCLUSIVE_SET
            for member in members:
                etree.SubElement(item, f"{{{CODEBOOK_NS}}}MemberCode",
                                 {"guid": code_guid(member)})
    return root


@dataclass(frozen=True)
class QdcExport:
    """What :func:`export_qdc` wrote: how many codes and sets."""

    codes: int
    sets: int


@dataclass(frozen=True)
class QdpxExport:
    """What :func:`export_qdpx` wrote: how many of each element the project file holds."""

    codes: int
    documents: int
    annotations: int
    coders: int
    memos: int
    variables: int
    sets: int


def export_qdc(project: Project, path: str | Path) -> QdcExport:
    """Write the project's current codes as a REFI-QDA codebook (``.qdc``); returns counts.

    Each code carries its name, colour and a readable ``<Description>`` (definition, when
    to use, when not to use, examples, and its coder id); exclusive groups become sets.
    """
    from .check import check_codebook

    root = codebook_tree(project)
    problems = check_codebook(root)
    if problems:
        raise CoderError(f"refusing to write an inconsistent codebook: {problems[0]}")
    data = _serialise(root)
    _write_atomically(Path(path), lambda handle: handle.write(data))
    return QdcExport(codes=sum(1 for _ in root.iter(f"{{{CODEBOOK_NS}}}Code")),
                     sets=sum(1 for _ in root.iter(f"{{{CODEBOOK_NS}}}Set")))


# -- project ------------------------------------------------------------------------------------

def _variable_values(documents: list[dict]) -> tuple[dict[str, str], list[dict[str, object]]]:
    """Each document's variables, and each variable's REFI type (consistent over documents)."""
    per_document: list[dict[str, object]] = []
    seen: dict[str, set[str]] = {}
    for doc in documents:
        values: dict[str, object] = {}
        for column in ("date", "kind", "lang"):
            if doc[column]:
                values[column] = doc[column]
        try:
            metadata = json.loads(doc["metadata"] or "{}")
        except ValueError:
            metadata = {}
        for key, value in (metadata.items() if isinstance(metadata, dict) else []):
            if key.startswith("refi_") or key in values or value is None or key == "":
                continue
            values[key] = value
        for key, value in values.items():
            seen.setdefault(key, set()).add(_kind_of(key, value))
        per_document.append(values)
    types = {}
    for key, kinds in seen.items():
        if kinds == {"Date"}:
            types[key] = "Date"
        elif kinds == {"Boolean"}:
            types[key] = "Boolean"
        elif kinds == {"Integer"}:
            types[key] = "Integer"
        elif kinds <= {"Integer", "Float"}:
            types[key] = "Float"
        else:
            types[key] = "Text"
    return types, per_document


def _kind_of(key: str, value: object) -> str:
    if key == "date" and isinstance(value, str) and len(value) == 10:
        return "Date"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float" if _decimal(value) is not None else "Text"
    return "Text"


def _decimal(value: object) -> str | None:
    """An xsd:decimal for a number (no exponent); None for NaN and infinities."""
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        return None
    if not number.is_finite():
        return None
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _value_text(kind: str, value: object) -> tuple[str, str]:
    if kind == "Date":
        return "DateValue", str(value)
    if kind == "Boolean":
        return "BooleanValue", "true" if value else "false"
    if kind == "Integer":
        return "IntegerValue", str(int(value))
    if kind == "Float":
        return "FloatValue", _decimal(value) or "0"
    if isinstance(value, (dict, list)):
        return "TextValue", json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "TextValue", "true" if value else "false"
    return "TextValue", str(value)


def _quote(text: str) -> str:
    """A selection's ``name``: its text, whitespace runs as one space, cut at 100 with …."""
    flat = re.sub(r"\s+", " ", text)
    return flat if len(flat) <= QUOTE_LENGTH else flat[:QUOTE_LENGTH] + "…"


def _text(project: Project, document_id: int) -> str:
    return project.db.execute("SELECT text FROM documents WHERE id = ?",
                              [document_id]).fetchone()[0]


def project_tree(project: Project, *, coders: list[str] | None = None, **filters):
    """The ``<Project>`` element, and ``{zip member: (document id, length)}`` of its sources.

    ``filters`` are :func:`coder.selection.resolve_filters`' (``gold``, ``codes``,
    ``since``, ``until``, ``document_ids``, ``where``, ``include_excluded``), as for the
    segments table: the documents they keep, with the codings of the chosen coders and
    codes; excluded documents are left out unless asked for (or named by id).
    """
    from lxml import etree

    from ...selection import resolve_filters

    def sub(parent, name: str, attrib: dict | None = None):
        return etree.SubElement(parent, f"{{{PROJECT_NS}}}{name}",
                                {k: _clean(v) for k, v in (attrib or {}).items()})

    chosen = resolve_filters(project, coders=coders, **filters)
    all_coders = project.rows("SELECT id, name FROM coders ORDER BY name")
    if chosen.coder_ids is not None:
        all_coders = [row for row in all_coders if row["id"] in set(chosen.coder_ids)]
    coder_names = {row["id"]: row["name"] for row in all_coders}
    ids = list(coder_names)
    where, params = chosen.annotation_sql()
    annotations = project.rows(
        'SELECT a.id, a.uuid, a.document_id, a.code_id, a.coder_id, a.start, a."end", a.memo,'
        " a.created_at, a.updated_at, a.attributes FROM annotations a"
        f" JOIN documents d ON d.id = a.document_id WHERE a.deleted = 0{where}"
        f" AND a.coder_id IN ({','.join('?' * len(ids))})", [*params, *ids])
    memos = project.rows(
        "SELECT m.uuid, m.document_id, m.annotation_id, m.code_id, m.coder_id, m.text,"
        " m.created_at,"
        " m.updated_at FROM memos m WHERE m.deleted = 0 AND trim(m.text) != ''"
        f" AND (m.coder_id IS NULL OR m.coder_id IN ({','.join('?' * len(ids))}))"
        " ORDER BY m.created_at, m.uuid", ids)
    # Texts are read one document at a time (a corpus can be larger than memory allows).
    where, params = chosen.document_sql()
    documents = project.rows(
        "SELECT d.id, d.title, d.date, d.kind, d.lang, d.sha256, length(d.text) AS length,"
        f" d.metadata FROM documents d WHERE 1 = 1{where}"
        " ORDER BY d.date IS NULL, d.date, d.title, d.sha256", params)
    codes = _codes(project, {a["code_id"] for a in annotations})

    name = project.setting("project_name") or project.path.stem
    root = etree.Element(f"{{{PROJECT_NS}}}Project", {"name": _clean(str(name)), "origin": ORIGIN},
                         nsmap={None: PROJECT_NS})
    if all_coders:
        users = sub(root, "Users")
        for row in all_coders:
            sub(users, "User", {"guid": coder_guid(row["name"]), "name": row["name"]})
    dims = _attribute_codes(project, annotations)
    notes: list[tuple[str, str | None, str, str | None, str | None]] = []

    def note(guid: str, coder_id: int | None, text: str, created: str | None,
             updated: str | None) -> str:
        notes.append((guid, coder_names.get(coder_id) if coder_id else None, text, created,
                      updated))
        return guid

    used_guids: set[str] = set()

    def claim(guid: str, kind: str) -> str:
        # GUIDs kept from another program's file could collide; never write one twice.
        if guid in used_guids:
            guid = guid_for(f"{kind}-again", guid)
        used_guids.add(guid)
        return guid

    # A code's memos are notes its <Code> refers to (REFI 1.5: CodeType has NoteRef).
    written = {c.id for c, _ in codes}
    code_notes: dict[str, list[str]] = {}
    for memo in memos:
        if memo["code_id"] is not None and memo["document_id"] is None \
                and memo["annotation_id"] is None and memo["code_id"] in written:
            code_notes.setdefault(memo["code_id"], []).append(note(
                claim(uuid_guid(memo["uuid"], "memo"), "memo"), memo["coder_id"], memo["text"],
                memo["created_at"], memo["updated_at"]))
    if codes:
        codes_element = sub(sub(root, "CodeBook"), "Codes")
        _code_elements(codes_element, codes, PROJECT_NS, code_notes)
        _attribute_elements(codes_element, dims, PROJECT_NS)
    types, values = _variable_values(documents)
    if types:
        variables = sub(root, "Variables")
        for key in sorted(types):
            sub(variables, "Variable", {"guid": guid_for("variable", key), "name": key,
                                        "typeOfVariable": types[key]})

    by_document: dict[int, list[dict]] = {}
    for row in annotations:
        by_document.setdefault(row["document_id"], []).append(row)
    memos_by_document: dict[int, list[dict]] = {}
    memos_by_annotation: dict[int, list[dict]] = {}
    for memo in memos:
        if memo["annotation_id"] is not None:
            memos_by_annotation.setdefault(memo["annotation_id"], []).append(memo)
        elif memo["document_id"] is not None:
            memos_by_document.setdefault(memo["document_id"], []).append(memo)
    members: dict[str, tuple[int, int]] = {}

    sources = sub(root, "Sources") if documents else None
    for doc, doc_values in zip(documents, values):
        try:
            metadata = json.loads(doc["metadata"] or "{}")
        except ValueError:
            metadata = {}
        guid = as_guid(metadata.get("refi_guid")) if isinstance(metadata, dict) and isinstance(
            metadata.get("refi_guid"), str) else None
        guid = claim(guid or document_guid(doc["sha256"]), "document")
        member = f"{guid}.txt"
        members[f"sources/{member}"] = (doc["id"], doc["length"])
        source = sub(sources, "TextSource", {
            "guid": guid, "name": doc["title"] or f"document-{doc['sha256'][:12]}",
            "plainTextPath": f"internal://{member}"})
        if isinstance(metadata, dict) and metadata.get("refi_stub"):
            sub(source, "Description").text = PLACEHOLDER_SOURCE
        rows = sorted(by_document.get(doc["id"], []), key=lambda a: (
            a["start"], a["end"], a["code_id"], coder_names[a["coder_id"]], a["uuid"]))
        text = _text(project, doc["id"]) if rows else ""
        for row in rows:
            coding_guid = claim(uuid_guid(row["uuid"], "annotation"), "annotation")
            coder = coder_guid(coder_names[row["coder_id"]])
            attrib = {"guid": guid_for("selection", coding_guid),
                      "name": _quote(text[row["start"]:row["end"]]),
                      "startPosition": str(row["start"]), "endPosition": str(row["end"]),
                      "creatingUser": coder}
            created = format_datetime(row["created_at"])
            if created:
                attrib["creationDateTime"] = created
            modified = format_datetime(row["updated_at"])
            if modified and modified != created:
                attrib["modifiedDateTime"] = modified
            selection = sub(source, "PlainTextSelection", attrib)
            coding = sub(selection, "Coding", {"guid": coding_guid, "creatingUser": coder,
                                               **({"creationDateTime": created} if created
                                                  else {})})
            sub(coding, "CodeRef", {"targetGUID": code_guid(row["code_id"])})
            for dim, value in sorted(json.loads(row["attributes"] or "{}").items()):
                value_coding = sub(selection, "Coding", {
                    "guid": guid_for("attribute-coding", f"{coding_guid}/{dim}"),
                    "creatingUser": coder, **({"creationDateTime": created} if created else {})})
                sub(value_coding, "CodeRef", {"targetGUID": attribute_value_guid(dim, value)})
            refs = []
            if row["memo"] and row["memo"].strip():
                refs.append(note(guid_for("annotation-memo", coding_guid), row["coder_id"],
                                 row["memo"], row["created_at"], row["updated_at"]))
            for memo in memos_by_annotation.get(row["id"], []):
                refs.append(note(claim(uuid_guid(memo["uuid"], "memo"), "memo"), memo["coder_id"],
                                 memo["text"], memo["created_at"], memo["updated_at"]))
            for ref in refs:
                sub(selection, "NoteRef", {"targetGUID": ref})
        for memo in memos_by_document.get(doc["id"], []):
            ref = note(claim(uuid_guid(memo["uuid"], "memo"), "memo"), memo["coder_id"],
                       memo["text"], memo["created_at"], memo["updated_at"])
            sub(source, "NoteRef", {"targetGUID": ref})
        for key in sorted(doc_values):
            value = sub(source, "VariableValue")
            sub(value, "VariableRef", {"targetGUID": guid_for("variable", key)})
            tag, text = _value_text(types[key], doc_values[key])
            sub(value, tag).text = _clean(text)
    if notes:
        container = sub(root, "Notes")
        for guid, coder, text, created, updated in notes:
            attrib = {"guid": guid, "name": f"Memo by {coder}" if coder else "Memo"}
            if coder:
                attrib["creatingUser"] = coder_guid(coder)
            stamp = format_datetime(created)
            if stamp:
                attrib["creationDateTime"] = stamp
            changed = format_datetime(updated)
            if changed and changed != stamp:
                attrib["modifiedDateTime"] = changed
            sub(sub(container, "Note", attrib), "PlainTextContent").text = _clean(text)
    groups = _groups(project, {c.id for c, _ in codes})
    if groups:
        sets = sub(root, "Sets")
        for group_id, codes_in_group in groups:
            item = sub(sets, "Set", {"guid": guid_for("group", group_id), "name": group_id})
            sub(item, "Description").text = EXCLUSIVE_SET
            for member in codes_in_group:
                sub(item, "MemberCode", {"targetGUID": code_guid(member)})
    return root, members


def export_qdpx(project: Project, path: str | Path, *, coders: list[str] | None = None,
                **filters) -> QdpxExport:
    """Write the project as a REFI-QDA project (``.qdpx``); returns counts.

    The zip holds ``project.qde`` and ``sources/<guid>.txt`` (each document's text, UTF-8
    without BOM, ``\\n`` newlines).  Every coder's codings are written unless ``coders``
    names some; each annotation is one ``<PlainTextSelection>`` with one ``<Coding>``.
    ``filters`` choose documents and codings as for the segments table (``gold``,
    ``codes``, ``since``, ``until``, ``document_ids``, ``where``, ``include_excluded``;
    see :func:`project_tree`): documents excluded from analyses are left out unless
    ``include_excluded``.
    """
    from .check import check_project

    root, members = project_tree(project, coders=list(coders) if coders is not None else None,
                                 **filters)
    problems = check_project(root, {name: length for name, (_, length) in members.items()})
    if problems:
        raise CoderError(f"refusing to write an inconsistent REFI project: {problems[0]}")
    data = _serialise(root)

    def write(handle) -> None:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as zf:
            _add(zf, "project.qde", data)
            for name in sorted(members):
                _add(zf, name, _text(project, members[name][0]).encode("utf-8"))

    _write_atomically(Path(path), write)
    count = lambda tag: sum(1 for _ in root.iter(f"{{{PROJECT_NS}}}{tag}"))  # noqa: E731
    return QdpxExport(codes=count("Code"), documents=count("TextSource"),
                      annotations=count("Coding"), coders=count("User"), memos=count("Note"),
                      variables=count("Variable"), sets=count("Set"))


# -- files --------------------------------------------------------------------------------------

def _serialise(root) -> bytes:
    from lxml import etree

    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


def _write_atomically(path: Path, write) -> None:
    """Write through :func:`coder.outputs.output_file`, so a failed export leaves no half file."""
    with output_file(path) as temp:
        with temp.open("wb") as handle:
            write(handle)
