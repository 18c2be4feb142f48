"""What a REFI-QDA file holds, as read: plain dataclasses, no database, no XML.

:mod:`coder.export.refi.read` turns a ``.qdpx``/``.qde``/``.qdc`` into a :class:`RefiFile`;
:mod:`coder.export.refi.importer` stores one in a project.  GUIDs here are always
normalised (lower case, no braces); text positions are code-point indices into
:attr:`RefiSource.text` *after* BOM stripping, newline normalisation and re-anchoring.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RefiUser:
    """A ``<User>``: someone who worked on the project (a coder, for us)."""

    guid: str
    name: str


@dataclass
class RefiCode:
    """A ``<Code>``; ``parent`` is the GUID of the code it is nested in."""

    guid: str
    name: str
    parent: str | None = None
    codable: bool = True
    color: str | None = None
    description: str = ""
    note_refs: list[str] = field(default_factory=list)


@dataclass
class RefiCoding:
    """A ``<Coding>``: one code applied to a selection (or to a whole source)."""

    guid: str
    code: str
    user: str | None = None
    created: str | None = None
    note_refs: list[str] = field(default_factory=list)


@dataclass
class RefiSelection:
    """A ``<PlainTextSelection>`` with its codings, on the final text's positions."""

    guid: str
    start: int
    end: int
    name: str = ""
    user: str | None = None
    created: str | None = None
    modified: str | None = None
    description: str = ""
    codings: list[RefiCoding] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)
    # How the positions were found: "as written", "crlf", "reanchored", ...
    anchoring: str = "as written"


@dataclass
class RefiSource:
    """A ``<TextSource>`` (or another source kind, which is only counted and skipped)."""

    guid: str
    name: str
    kind: str = "TextSource"
    description: str = ""
    text: str | None = None
    stub: bool = False
    selections: list[RefiSelection] = field(default_factory=list)
    codings: list[RefiCoding] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)
    variables: dict[str, object] = field(default_factory=dict)
    coding_count: int = 0   # codings found in the source, of any selection kind


@dataclass
class RefiNote:
    """A ``<Note>``: a memo.  Where it belongs is told by the ``<NoteRef>`` elements."""

    guid: str
    name: str = ""
    text: str = ""
    user: str | None = None
    created: str | None = None
    modified: str | None = None


@dataclass
class RefiVariable:
    """A ``<Variable>``: a named attribute of sources or cases."""

    guid: str
    name: str
    type: str = "Text"


@dataclass
class RefiCase:
    """A ``<Case>``: variable values shared by the sources it refers to."""

    guid: str
    name: str
    variables: dict[str, object] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    selections: list[str] = field(default_factory=list)


@dataclass
class RefiSet:
    """A ``<Set>`` of codes, sources and/or notes."""

    guid: str
    name: str
    description: str = ""
    codes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class RefiFile:
    """Everything read from one REFI-QDA file."""

    kind: str  # "project" (.qdpx/.qde) or "codebook" (.qdc)
    name: str
    origin: str = ""
    users: list[RefiUser] = field(default_factory=list)
    codes: list[RefiCode] = field(default_factory=list)  # parents before children, file order
    sources: list[RefiSource] = field(default_factory=list)
    notes: list[RefiNote] = field(default_factory=list)
    variables: list[RefiVariable] = field(default_factory=list)
    cases: list[RefiCase] = field(default_factory=list)
    sets: list[RefiSet] = field(default_factory=list)
    project_note_refs: list[str] = field(default_factory=list)
    creating_user: str | None = None
    links: int = 0
    graphs: int = 0
    warnings: list[str] = field(default_factory=list)
