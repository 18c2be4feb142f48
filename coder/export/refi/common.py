"""What reading and writing REFI-QDA share: namespaces, GUIDs, dates, code descriptions, XML.

Exported GUIDs are uuid5 values of stable ids (a document's sha256, a code's id, a coder's
name, an annotation's uuid), so exporting the same project twice gives the same file.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from ...errors import ImportProblem

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"

#: The namespace of every GUID coder derives (uuid5).  Never change it: exported GUIDs
#: would all change, and re-imports would no longer recognise coder's own codes.
GUID_NAMESPACE = uuid.UUID("5d1f0c3e-8b1a-5e0c-9a57-3c0de2e7f001")
#: The namespace for GUIDs repaired on import (a file whose "GUIDs" are not GUIDs).
REPAIR_NAMESPACE = uuid.UUID("5d1f0c3e-8b1a-5e0c-9a57-3c0de2e7f002")

_GUID = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}"
                   r"-[0-9a-fA-F]{12})\}?$")
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
#: The Description of a <Set> that stands for one of coder's exclusive code groups.
EXCLUSIVE_SET = "Mutually exclusive codes (an exclusive group in coder)"
#: The Description of a <TextSource> whose text is a placeholder (see docs/REFI.md).
PLACEHOLDER_SOURCE = ("Placeholder: the text of this source was missing from the file coder "
                      "imported it from; \u2591 marks characters that are unknown.")


def guid_for(kind: str, key: str) -> str:
    """The GUID coder exports for the thing of ``kind`` identified by ``key``."""
    return str(uuid.uuid5(GUID_NAMESPACE, f"{kind}:{key}"))


def coder_guid(name: str) -> str:
    """The ``<User>`` GUID of a coder."""
    return guid_for("coder", name)


def code_guid(code_id: str) -> str:
    """The ``<Code>`` GUID of a code."""
    return guid_for("code", code_id)


def document_guid(sha256: str) -> str:
    """The ``<TextSource>`` GUID of a document (from its text, so it is the same everywhere)."""
    return guid_for("document", sha256)


def as_guid(value: str | None) -> str | None:
    """``value`` if it is a GUID (any case, braces optional), lower case without braces."""
    if value is None:
        return None
    match = _GUID.match(value.strip())
    return match.group(1).lower() if match else None


def uuid_guid(value: str, kind: str) -> str:
    """A GUID for a coder uuid: itself when it is one (so round trips keep it), else derived."""
    return as_guid(value) or guid_for(kind, value)


class GuidReader:
    """Normalises GUIDs read from a file, repairing (and counting) the invalid ones."""

    def __init__(self) -> None:
        self.repaired: list[str] = []

    def __call__(self, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        guid = as_guid(value)
        if guid is not None:
            return guid
        raw = value.strip()
        if raw not in self.repaired:
            self.repaired.append(raw)
        return str(uuid.uuid5(REPAIR_NAMESPACE, raw))


def color_hex(value: str | None) -> str | None:
    """``#rrggbb`` (lower case) from ``#rgb``/``#rrggbb``; None for anything else."""
    if not value or not _COLOR.match(value.strip()):
        return None
    value = value.strip().lower()
    if len(value) == 4:
        value = "#" + "".join(ch * 2 for ch in value[1:])
    return value


# -- dates ---------------------------------------------------------------------------------------

_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*(Z|[+-]\d{2}:?\d{2})?$")


def parse_datetime(value: str | None) -> str | None:
    """An xsd:dateTime as coder's timestamp (UTC ISO 8601 with microseconds); None if invalid."""
    if not value:
        return None
    match = _DATETIME.match(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        stamp = dt.datetime(int(year), int(month), int(day), int(hour), int(minute),
                            min(int(second), 59), int((fraction or "0")[:6].ljust(6, "0")))
    except ValueError:
        return None
    offset = dt.timedelta(0)
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    stamp = (stamp - offset).replace(tzinfo=dt.timezone.utc)
    return stamp.isoformat(timespec="microseconds")


def format_datetime(value: str | None) -> str | None:
    """coder's timestamp as an xsd:dateTime in UTC to the second (``2019-03-05T10:00:00Z``)."""
    if not value:
        return None
    try:
        stamp = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- code descriptions ---------------------------------------------------------------------------
# A code's definition, rules and examples travel in its one <Description> as readable text,
# with a last line naming coder's code id so a re-import keeps the id:
#
#     A move that presents an issue as an existential threat.
#
#     When to use: The speaker frames violence as war.
#
#     When not to use: A past war is declared over.
#
#     Examples:
#     - Estamos en guerra contra el crimen.
#
#     Code id: SEC.WAR

_SECTIONS = (("when_to_use", "When to use:"), ("when_not_to_use", "When not to use:"),
             ("examples", "Examples:"))
_HEADER = re.compile(r"(?:^|\n\n)(When to use:|When not to use:|Examples:)[ \n]")
_ID_LINE = re.compile(r"(?:^|\n)Code id: ([A-Za-z][A-Za-z0-9_.\-]*)\s*$")


def code_description(code) -> str:
    """The ``<Description>`` text of a :class:`coder.codebook.Code`."""
    parts = []
    if code.definition:
        parts.append(code.definition)
    if code.when_to_use:
        parts.append(f"When to use: {code.when_to_use}")
    if code.when_not_to_use:
        parts.append(f"When not to use: {code.when_not_to_use}")
    if code.examples:
        items = ["- " + example.replace("\n", "\n  ") for example in code.examples]
        parts.append("Examples:\n" + "\n".join(items))
    parts.append(f"Code id: {code.id}")
    return "\n\n".join(parts)


def parse_description(text: str) -> dict:
    """Split a ``<Description>`` into coder's fields (the inverse of :func:`code_description`).

    A description another program wrote is all definition.  Returns ``definition``,
    ``when_to_use``, ``when_not_to_use``, ``examples`` and ``id`` (None when absent).
    """
    text = (text or "").replace("\r\n", "\n").strip()
    fields: dict = {"definition": "", "when_to_use": "", "when_not_to_use": "", "examples": [],
                    "id": None}
    match = _ID_LINE.search(text)
    if match:
        fields["id"] = match.group(1)
        text = text[: match.start()].rstrip()
    headers = list(_HEADER.finditer(text))
    fields["definition"] = text[: headers[0].start()].strip() if headers else text
    labels = dict((label, name) for name, label in _SECTIONS)
    for index, header in enumerate(headers):
        end = headers[index + 1].start() if index + 1 < len(headers) else len(text)
        body = text[header.end(): end].strip()
        name = labels[header.group(1)]
        if name == "examples":
            items: list[str] = []
            for line in body.split("\n"):
                if line.startswith("- "):
                    items.append(line[2:])
                elif items and line.startswith("  "):
                    items[-1] += "\n" + line[2:]
                elif line.strip():
                    items.append(line.strip())
            fields["examples"] = [item.strip() for item in items if item.strip()]
        else:
            fields[name] = body
    return fields


def slug(text: str, *, limit: int = 40) -> str:
    """An ASCII id fragment from a name: ``Coke::diet Coke`` -> ``coke-diet-coke``."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[A-Za-z0-9]+", folded.lower())
    out = "-".join(words)[:limit].strip("-")
    return out


# -- XML -----------------------------------------------------------------------------------------

def parse_xml(data: bytes, path: object, member: str):
    """Parse REFI XML safely: no DOCTYPE/entities, no network, no huge trees.

    Raises :class:`ImportProblem` (one line) for hostile or malformed XML.
    """
    from lxml import etree

    from ...corpus.formats.safezip import reject_xml_entities, short_reason

    reject_xml_entities(data, path, member)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ImportProblem(f"{member}: not well-formed XML ({short_reason(exc)})",
                            path=path) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ImportProblem(f"{member}: cannot be parsed ({type(exc).__name__})",
                            path=path) from None
    if root is None:
        raise ImportProblem(f"{member}: empty XML document", path=path)
    return root


def local(element) -> str:
    """An element's name without its namespace ('' for comments and the like)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def children(element, *names: str) -> list:
    """The child elements whose local name is one of ``names`` (any namespace)."""
    return [child for child in element if local(child) in names]


def child(element, name: str):
    """The first child element called ``name`` (any namespace), or None."""
    for item in element:
        if local(item) == name:
            return item
    return None


def text_of(element) -> str:
    """All the text inside an element (None-safe)."""
    if element is None:
        return ""
    return "".join(element.itertext())
