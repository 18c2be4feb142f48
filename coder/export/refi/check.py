"""What the REFI-QDA schemas cannot check, checked on an element tree before it is written.

- every GUID is unique (GUIDs compared lower case without braces);
- every reference resolves to an element of the right kind (``CodeRef`` to a ``Code``,
  ``NoteRef`` to a ``Note``, ``creatingUser`` to a ``User``, ...);
- a ``TextSource`` or ``Note`` has ``PlainTextContent`` or ``plainTextPath``, not both;
- every ``PlainTextSelection`` lies inside its source's text (``0 <= start < end <= len``).

Each function returns a list of one-line problems (empty: fine).
"""

from __future__ import annotations

from .common import as_guid, child, local

# Reference element -> the element kinds its targetGUID may name.
_TARGETS = {
    "CodeRef": {"Code"},
    "NoteRef": {"Note"},
    "VariableRef": {"Variable"},
    "SourceRef": {"TextSource", "PictureSource", "PDFSource", "AudioSource", "VideoSource"},
    "MemberSource": {"TextSource", "PictureSource", "PDFSource", "AudioSource", "VideoSource"},
    "MemberNote": {"Note"},
    "SelectionRef": {"PlainTextSelection", "PictureSelection", "PDFSelection",
                     "AudioSelection", "VideoSelection", "TranscriptSelection"},
}
_USER_ATTRIBUTES = ("creatingUser", "modifyingUser", "creatingUserGUID", "modifyingUserGUID")


def _guids(root) -> tuple[dict[str, str], list[str]]:
    kinds: dict[str, str] = {}
    problems: list[str] = []
    for element in root.iter():
        raw = element.get("guid") if isinstance(element.tag, str) else None
        if raw is None or local(element) == "MemberCode":
            continue
        guid = as_guid(raw)
        if guid is None:
            problems.append(f"<{local(element)}> has an invalid GUID {raw!r}")
        elif guid in kinds:
            problems.append(f"GUID {raw} is used twice (<{kinds[guid]}> and <{local(element)}>)")
        else:
            kinds[guid] = local(element)
    return kinds, problems


def check_codebook(root) -> list[str]:
    """Problems in a ``<CodeBook>`` tree (``.qdc``)."""
    kinds, problems = _guids(root)
    for member in root.iter():
        if local(member) == "MemberCode" and kinds.get(as_guid(member.get("guid")) or "") != "Code":
            problems.append(f"<MemberCode guid={member.get('guid')!r}> names no code")
    return problems


def check_project(root, lengths: dict[str, int]) -> list[str]:
    """Problems in a ``<Project>`` tree; ``lengths``: zip member name -> text length (code points)."""
    kinds, problems = _guids(root)
    sizes = {name.lower(): length for name, length in lengths.items()}
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = local(element)
        target = element.get("targetGUID")
        wanted = _TARGETS.get(name) or ({"Code"} if name == "MemberCode" else None)
        if wanted is not None:
            if kinds.get(as_guid(target) or "") not in wanted:
                problems.append(f"<{name} targetGUID={target!r}> resolves to no "
                                f"{'/'.join(sorted(wanted))}")
        for attribute in _USER_ATTRIBUTES:
            value = element.get(attribute)
            if value is not None and kinds.get(as_guid(value) or "") != "User":
                problems.append(f"<{name}> {attribute}={value!r} names no <User>")
        if name in ("TextSource", "Note"):
            inline = child(element, "PlainTextContent") is not None
            path = element.get("plainTextPath")
            if inline == bool(path):
                problems.append(f"<{name} guid={element.get('guid')}> needs PlainTextContent or "
                                "plainTextPath, not both and not neither")
                continue
            length = None
            if inline:
                length = len("".join(child(element, "PlainTextContent").itertext()))
            elif path.startswith("internal://"):
                length = sizes.get(("sources/" + path[len("internal://"):]).lower())
                if length is None:
                    problems.append(f"<{name} guid={element.get('guid')}>: {path} is not in the zip")
                    continue
            if name == "TextSource" and length is not None:
                for selection in element:
                    if local(selection) != "PlainTextSelection":
                        continue
                    start = int(selection.get("startPosition"))
                    end = int(selection.get("endPosition"))
                    if not 0 <= start < end <= length:
                        problems.append(f"selection {selection.get('guid')} ({start}-{end}) is "
                                        f"outside its text (0-{length})")
    return problems
