"""Read a REFI-QDA file (``.qdpx``, ``.qde`` or ``.qdc``) written by any program.

Reading is tolerant where vendors differ and strict where a file could hurt:

- zips go through :mod:`coder.corpus.formats.safezip` (size, ratio and member-count
  limits, no ``../`` or absolute member names); XML is parsed without DTDs, entities or
  network access, and any DOCTYPE/ENTITY declaration is refused outright;
- member names are matched case-insensitively (``project.qde``/``Project.qde``,
  ``sources/``/``Sources/``); elements are matched on their local names, so any
  namespace (even the typo ``urn:QDA-XML:codebook:1:0``) reads;
- GUIDs are compared lower case without braces; values that are not GUIDs at all are
  replaced by derived ones and reported;
- a source's text has its BOM stripped and its newlines normalised to ``\\n``; selection
  positions are remapped onto that text, and checked against the quoted text a vendor
  put in the selection's ``name`` (see :class:`Anchors`).

Nothing here touches a project: the result is a :class:`~coder.export.refi.model.RefiFile`.
"""

from __future__ import annotations

import bisect
import re
import uuid
from collections.abc import Callable
from pathlib import Path

from ...errors import ImportProblem
from .common import (
    PLACEHOLDER_SOURCE,
    REPAIR_NAMESPACE,
    GuidReader,
    child,
    children,
    color_hex,
    local,
    parse_xml,
    text_of,
)
from .model import (
    RefiCase,
    RefiCode,
    RefiCoding,
    RefiFile,
    RefiNote,
    RefiSelection,
    RefiSet,
    RefiSource,
    RefiUser,
    RefiVariable,
)

MB = 1024 * 1024
#: The largest project.qde / .qdc read.
MAX_XML_BYTES = 256 * MB
#: The largest single source text read.
MAX_SOURCE_BYTES = 256 * MB
#: The most a .qdpx may inflate to in total (REFI allows 2 GB per internal file).
MAX_QDPX_TOTAL = 2048 * MB
#: The longest placeholder text built for a source whose text is missing.
MAX_STUB_LENGTH = 5_000_000
#: What fills a placeholder text where the source's characters are unknown.
STUB_FILL = "\u2591"

SOURCE_KINDS = ("TextSource", "PictureSource", "PDFSource", "AudioSource", "VideoSource")
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")
_VALUE_TAGS = ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue",
               "DateTimeValue")

#: Reads an ``internal://`` source: (bytes, "") or (None, why not).
Loader = Callable[[str], tuple[bytes | None, str]]


def read_refi(path: str | Path) -> RefiFile:
    """Read a REFI-QDA file into a :class:`RefiFile`; raises :class:`ImportProblem`."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
        size = path.stat().st_size
    except OSError as exc:
        raise ImportProblem(f"cannot read ({exc.strerror or exc})", path=path) from None
    if size == 0:
        raise ImportProblem("the file is empty", path=path)
    suffix = path.suffix.lower()
    if suffix == ".qdpx" or (suffix not in (".qde", ".qdc") and head.startswith(b"PK")):
        return _read_qdpx(path)
    if size > MAX_XML_BYTES:
        raise ImportProblem(f"larger than {MAX_XML_BYTES // MB} MB", path=path)
    if suffix not in (".qde", ".qdc", ".xml") and not head.lstrip().startswith(
            (b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        raise ImportProblem("not a REFI-QDA file (expected .qdpx, .qde or .qdc)", path=path)
    data = path.read_bytes()
    root = parse_xml(data, path, path.name)
    return _read_root(root, path, _folder_loader(path))


# -- where source texts come from -----------------------------------------------------------------

def _internal_name(ref: str, path: object) -> str | None:
    """The file name an ``internal://`` path names inside ``sources/`` (None: not internal)."""
    ref = ref.strip()
    if not ref.lower().startswith("internal://"):
        return None
    name = ref[len("internal://"):].lstrip("/")
    if name.lower().startswith("sources/"):
        name = name[len("sources/"):]
    if (not name or "/" in name or "\\" in name or "\x00" in name or name in (".", "..")
            or re.match(r"^[A-Za-z]:", name)):
        raise ImportProblem(f"unsafe source path {ref!r} (path traversal)", path=path)
    return name


def _zip_loader(zf, path: Path) -> Loader:
    from ...corpus.formats.safezip import read_member

    by_name: dict[str, str] = {}
    loose: dict[str, list[str]] = {}
    for info in zf.infolist():
        if info.is_dir():
            continue
        parts = info.filename.split("/")
        if len(parts) == 2 and parts[0].lower() == "sources":
            by_name.setdefault(parts[1].lower(), info.filename)
        loose.setdefault(parts[-1].lower(), []).append(info.filename)

    def load(ref: str) -> tuple[bytes | None, str]:
        name = _internal_name(ref, path)
        if name is None:
            return None, f"external source {ref!r} is not read"
        member = by_name.get(name.lower())
        if member is None and len(loose.get(name.lower(), [])) == 1:
            member = loose[name.lower()][0]  # a vendor that left out the sources/ folder
        if member is None:
            return None, f"{ref} is not in the .qdpx"
        return read_member(zf, member, max_size=MAX_SOURCE_BYTES, path=path), ""

    return load


def _folder_loader(path: Path) -> Loader:
    """Sources of a bare .qde: ``internal://X`` read from a ``sources/`` folder beside it."""
    folder = None
    try:
        for entry in path.parent.iterdir():
            if entry.name.lower() == "sources" and entry.is_dir() and not entry.is_symlink():
                folder = entry
                break
    except OSError:
        folder = None
    files: dict[str, Path] = {}
    if folder is not None:
        try:
            files = {p.name.lower(): p for p in folder.iterdir()
                     if p.is_file() and not p.is_symlink()}
        except OSError:
            files = {}

    def load(ref: str) -> tuple[bytes | None, str]:
        name = _internal_name(ref, path)
        if name is None:
            return None, f"external source {ref!r} is not read"
        found = files.get(name.lower())
        if found is None:
            return None, f"{ref} is not in a sources/ folder beside the .qde"
        try:
            if found.stat().st_size > MAX_SOURCE_BYTES:
                raise ImportProblem(f"source {found.name} is larger than "
                                    f"{MAX_SOURCE_BYTES // MB} MB", path=path)
            return found.read_bytes(), ""
        except OSError as exc:
            return None, f"{found.name} cannot be read ({exc.strerror or exc})"

    return load


def _read_qdpx(path: Path) -> RefiFile:
    from ...corpus.formats.safezip import open_zip, read_member

    zf = open_zip(path, kind=".qdpx", max_total=MAX_QDPX_TOTAL)
    with zf:
        names = [info.filename for info in zf.infolist() if not info.is_dir()]
        qde = [n for n in names if n.lower() == "project.qde"]
        if not qde:
            qde = [n for n in names if n.lower().endswith(".qde")]
        if len(qde) != 1:
            problem = "no project.qde" if not qde else "several .qde files"
            raise ImportProblem(f"not a valid .qdpx ({problem} in the zip)", path=path)
        data = read_member(zf, qde[0], max_size=MAX_XML_BYTES, path=path)
        root = parse_xml(data, path, qde[0])
        return _read_root(root, path, _zip_loader(zf, path))


# -- text and positions -------------------------------------------------------------------------

def decode_text(data: bytes) -> tuple[str | None, str]:
    """A source's bytes as text with its BOM stripped (newlines untouched); (None, why) if binary."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), ""
        except UnicodeDecodeError:
            return None, "undecodable UTF-16"
    if b"\x00" in data[:65536]:
        return None, "binary data (NUL bytes), not plain text"
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "not UTF-8 (read as Windows-1252)"


class Anchors:
    """Maps a vendor's selection positions onto coder's text (BOM-less, ``\\n`` newlines).

    REFI positions are code points counted on the text *as stored in the file*.  When that
    text has CRLF newlines, coder stores it with LF and remaps positions so a selection
    covers the same characters.  When the selection's ``name`` holds the quoted text (as
    ATLAS.ti writes it, truncated with ``…`` after 100 characters), the mapped span is
    checked against it; if it does not match, other ways vendors count are tried (LF
    positions on a CRLF file, each newline counted twice, UTF-16 code units), then the
    quote is searched for in the text.  A ``name`` that is not a quote leaves the
    positions as the standard defines them.
    """

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.text = raw.replace("\r\n", "\n").replace("\r", "\n")
        self.crlf = "\r\n" in raw
        # Indices in `raw` of the CRs dropped from CRLF pairs.
        self._dropped = [m.start() for m in re.finditer("\r\n", raw)] if self.crlf else []
        self._newlines: list[int] | None = None
        self._astral: list[int] | None = None
        self._ways_cache: list | None = None

    # Each way of counting maps a written position to a position in self.text.
    def _as_written(self, pos: int) -> int:
        return pos

    def _from_crlf(self, pos: int) -> int:
        return pos - bisect.bisect_left(self._dropped, pos)

    def _inverse(self, marks: list[int], pos: int) -> int:
        """The position n with n + (marks before n) == pos (rounded up between marks).

        -1 when ``pos`` lies beyond the end of the text counted that way.
        """
        if pos > len(self.text) + len(marks):
            return -1
        low, high = 0, len(self.text)
        while low < high:
            mid = (low + high) // 2
            if mid + bisect.bisect_left(marks, mid) < pos:
                low = mid + 1
            else:
                high = mid
        return low

    def _doubled_newlines(self, pos: int) -> int:
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        return self._inverse(self._newlines, pos)

    def _utf16(self, pos: int) -> int:
        if self._astral is None:
            self._astral = [m.start() for m in _ASTRAL.finditer(self.text)]
        return self._inverse(self._astral, pos)

    def _ways(self) -> list[tuple[str, Callable[[int], int]]]:
        if self._ways_cache is None:
            self._ways_cache = self._find_ways()
        return self._ways_cache

    def _find_ways(self) -> list[tuple[str, Callable[[int], int]]]:
        if self.crlf:
            return [("crlf", self._from_crlf), ("lf positions on a crlf text", self._as_written)]
        ways: list[tuple[str, Callable[[int], int]]] = [("as written", self._as_written)]
        if "\n" in self.text:
            ways.append(("newlines counted twice", self._doubled_newlines))
        if _ASTRAL.search(self.text):
            ways.append(("utf-16 units", self._utf16))
        return ways

    def fits(self, start: int, end: int) -> bool:
        return 0 <= start < end <= len(self.text)

    def resolve(self, start: int, end: int, name: str) -> tuple[int, int, str] | None:
        """``(start, end, how)`` on :attr:`text`, or None when the span cannot be placed.

        The standard reading (the first way) is the default; another way is taken only
        when the selection's quote confirms it.
        """
        ways = self._ways()
        how, way = ways[0]
        default = (way(start), way(end), how)
        if not self.fits(default[0], default[1]):
            default = None
        if name:
            # The standard reading (blanks at the ends may differ), then the other ways.
            if default and (quote_matches(self.text[default[0]:default[1]], name, strict=True)
                            or quote_matches(self.text[default[0]:default[1]], name)):
                return default
            others = [(way(start), way(end), how) for how, way in ways[1:]]
            others = [span for span in others if self.fits(span[0], span[1])]
            for strict in (True, False):
                for span in others:
                    if quote_matches(self.text[span[0]:span[1]], name, strict=strict):
                        return span
            if len(name) == end - start or name.endswith("…"):
                near = default[0] if default else max(0, min(start, len(self.text)))
                found = search_quote(self.text, name, near=near, length=end - start)
                if found is not None:
                    return (*found, "reanchored")
        return default


def _norm(text: str, strict: bool) -> str:
    # Vendors flatten newlines in names; strict keeps whether the ends are blank.
    return re.sub(r"\s+", " ", text) if strict else " ".join(text.split())


def quote_matches(span_text: str, name: str, *, strict: bool = False) -> bool:
    """Does a selection's ``name`` quote ``span_text``?  (``…`` at the end: cut there.)

    Runs of whitespace compare equal; ``strict=False`` also ignores blanks at the ends.
    """
    if not name.strip():
        return False
    if name.endswith("…"):
        prefix = _norm(name[:-1], strict)
        return bool(prefix.strip()) and _norm(span_text, strict).startswith(prefix)
    return _norm(span_text, strict) == _norm(name, strict)


def search_quote(text: str, name: str, *, near: int, length: int) -> tuple[int, int] | None:
    """Where ``name`` (a quote, maybe cut with ``…``) occurs in ``text``, nearest to ``near``."""
    truncated = name.endswith("…")
    words = (name[:-1] if truncated else name).split()
    if not words or sum(len(w) for w in words) < 8:
        return None  # too short to tell a quote from a coincidence
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words))
    best = None
    for match in pattern.finditer(text):
        if best is None or abs(match.start() - near) < abs(best.start() - near):
            best = match
    if best is None:
        return None
    start = best.start()
    end = min(max(start + length, best.end()), len(text)) if truncated else best.end()
    return start, end


def stub_text(selections: list[RefiSelection]) -> str:
    """A placeholder for a source whose text is missing: the quotes the selections name.

    Characters no quote covers are :data:`STUB_FILL`.  Only names that are plainly quotes
    are used: exactly as long as the selection, or cut with ``…``.
    """
    length = max(s.end for s in selections)
    chars = [STUB_FILL] * length
    for selection in selections:
        name = selection.name.strip()
        if not name:
            continue
        if len(name) == selection.end - selection.start:
            quote = name
        elif name.endswith("…") and len(name) - 1 <= selection.end - selection.start:
            quote = name[:-1]
        else:
            continue
        for offset, ch in enumerate(quote):
            if chars[selection.start + offset] == STUB_FILL:
                chars[selection.start + offset] = ch
    return "".join(chars)


# -- the XML ------------------------------------------------------------------------------------

class _Reader:
    def __init__(self, path: Path, loader: Loader) -> None:
        self.path = path
        self.load = loader
        self.guid = GuidReader()
        self.warnings: list[str] = []
        self._seen: dict[str, set[str]] = {}
        self._duplicates: dict[str, int] = {}
        self._tallies: dict[str, list[str]] = {}
        self.variables: dict[str, RefiVariable] = {}

    # Warnings of one kind are counted and reported once, with an example.
    def tally(self, kind: str, example: str) -> None:
        self._tallies.setdefault(kind, []).append(example)

    def unique(self, kind: str, guid: str | None, element) -> str:
        """A GUID for an element, made unique within its kind (duplicates are reported)."""
        if guid is None:
            self.tally("elements without a GUID were given one", f"<{local(element)}>")
            guid = str(uuid.uuid5(REPAIR_NAMESPACE, f"missing:{kind}:{len(self._seen.get(kind, ()))}"))
        seen = self._seen.setdefault(kind, set())
        if guid in seen:
            count = self._duplicates[kind] = self._duplicates.get(kind, 0) + 1
            self.tally(f"duplicate {kind} GUIDs were made unique", guid)
            guid = str(uuid.uuid5(REPAIR_NAMESPACE, f"duplicate:{guid}:{count}"))
        seen.add(guid)
        return guid

    def finish(self) -> list[str]:
        out = list(self.warnings)
        if self.guid.repaired:
            shown = ", ".join(repr(g) for g in self.guid.repaired[:3])
            out.append(f"{len(self.guid.repaired)} value(s) that are not GUIDs (e.g. {shown}) "
                       "were replaced by derived GUIDs; the file does not follow REFI-QDA 1.5")
        for kind, examples in self._tallies.items():
            out.append(f"{len(examples)} {kind} (first: {examples[0]})")
        return out

    # -- pieces ------------------------------------------------------------------------------

    def ref(self, element, attribute: str = "targetGUID") -> str | None:
        return self.guid(element.get(attribute))

    def note_refs(self, element) -> list[str]:
        return [g for g in (self.ref(n) for n in children(element, "NoteRef")) if g]

    def codes(self, parent, out: list[RefiCode], parent_guid: str | None) -> None:
        for element in children(parent, "Code"):
            guid = self.unique("code", self.guid(element.get("guid")), element)
            color_attr = element.get("color")
            color = color_hex(color_attr)
            if color_attr and color is None:
                self.tally("colours that are not #rrggbb were dropped", repr(color_attr))
            code = RefiCode(
                guid=guid, name=(element.get("name") or "").strip(), parent=parent_guid,
                codable=(element.get("isCodable") or "true").strip().lower() not in ("false", "0"),
                color=color, description=text_of(child(element, "Description")).strip(),
                note_refs=self.note_refs(element))
            out.append(code)
            self.codes(element, out, guid)

    def coding(self, element) -> RefiCoding | None:
        guid = self.unique("coding", self.guid(element.get("guid")), element)
        ref = child(element, "CodeRef")
        code = self.ref(ref) if ref is not None else None
        if code is None:
            self.tally("codings without a CodeRef were skipped", guid)
            return None
        return RefiCoding(guid=guid, code=code, user=self.guid(element.get("creatingUser")),
                          created=element.get("creationDateTime"),
                          note_refs=self.note_refs(element))

    def value(self, element) -> tuple[str, object] | None:
        ref = child(element, "VariableRef")
        guid = self.ref(ref) if ref is not None else None
        variable = self.variables.get(guid or "")
        if variable is None:
            self.tally("variable values naming no <Variable> were skipped", guid or "?")
            return None
        for item in element:
            tag = local(item)
            if tag not in _VALUE_TAGS:
                continue
            raw = (item.text or "").strip()
            try:
                if tag == "BooleanValue":
                    return variable.name, raw.lower() in ("true", "1")
                if tag == "IntegerValue":
                    return variable.name, int(raw)
                if tag == "FloatValue":
                    return variable.name, float(raw)
            except ValueError:
                self.tally("variable values of the wrong type were kept as text", raw)
            return variable.name, (item.text or "") if tag == "TextValue" else raw
        return None

    def text(self, element, what: str) -> tuple[str | None, str]:
        """The raw text of a TextSource/Note: inline PlainTextContent or plainTextPath."""
        content = child(element, "PlainTextContent")
        if content is not None:
            return text_of(content).lstrip("\ufeff"), ""
        ref = element.get("plainTextPath")
        if not ref:
            return None, "it has no plain text (no PlainTextContent or plainTextPath)"
        data, why = self.load(ref)
        if data is None:
            return None, why
        text, why = decode_text(data)
        if text is not None and why:
            self.warnings.append(f"{what}: {why}")
        return text, why

    def source(self, element) -> RefiSource:
        kind = local(element)
        guid = self.unique("source", self.guid(element.get("guid")), element)
        name = (element.get("name") or "").strip()
        source = RefiSource(guid=guid, name=name, kind=kind,
                            description=text_of(child(element, "Description")).strip(),
                            coding_count=sum(1 for e in element.iter() if local(e) == "Coding"))
        source.note_refs = self.note_refs(element)
        for item in children(element, "VariableValue"):
            pair = self.value(item)
            if pair:
                source.variables[pair[0]] = pair[1]
        if kind != "TextSource":
            return source
        raw, why = self.text(element, f"source {name!r}")
        anchors = Anchors(raw) if raw is not None else None
        if raw is not None and anchors is not None and anchors.crlf:
            self.tally("sources with CRLF newlines were stored with LF (positions remapped)",
                       repr(name))
        written: list[RefiSelection] = []
        for item in children(element, "PlainTextSelection"):
            sel_guid = self.unique("selection", self.guid(item.get("guid")), item)
            try:
                start, end = int(item.get("startPosition", "")), int(item.get("endPosition", ""))
            except ValueError:
                self.tally("selections with unreadable positions were skipped", sel_guid)
                continue
            selection = RefiSelection(
                guid=sel_guid, start=start, end=end, name=item.get("name") or "",
                user=self.guid(item.get("creatingUser")), created=item.get("creationDateTime"),
                modified=item.get("modifiedDateTime"),
                description=text_of(child(item, "Description")).strip(),
                note_refs=self.note_refs(item))
            selection.codings = [c for c in map(self.coding, children(item, "Coding")) if c]
            written.append(selection)
        source.codings = [c for c in map(self.coding, children(element, "Coding")) if c]
        if anchors is not None:
            source.text = anchors.text
            # A placeholder coder exported stays a placeholder.
            source.stub = source.description == PLACEHOLDER_SOURCE
            for selection in written:
                placed = anchors.resolve(selection.start, selection.end, selection.name)
                if placed is None:
                    self.tally("selections outside their source's text were skipped",
                               f"{name!r} {selection.start}-{selection.end}")
                    continue
                selection.start, selection.end, selection.anchoring = placed
                if selection.anchoring == "reanchored":
                    self.tally("selections were re-anchored on the text they quote",
                               f"{name!r} {selection.name[:40]!r}")
                elif selection.anchoring not in ("as written", "crlf"):
                    self.tally(f"selections matched their quote only with {selection.anchoring}",
                               f"{name!r}")
                source.selections.append(selection)
            return source
        # The text is missing: keep what was coded on a placeholder built from the quotes.
        usable = [s for s in written if 0 <= s.start < s.end]
        too_far = [s for s in usable if s.end > MAX_STUB_LENGTH and s.codings]
        if too_far:
            self.tally(f"coded selections past {MAX_STUB_LENGTH:,} characters in sources whose "
                       "text is missing were skipped", repr(name))
        usable = [s for s in usable if s.end <= MAX_STUB_LENGTH]
        if not any(s.codings for s in usable):
            self.warnings.append(f"source {name!r} skipped: {why}, and nothing in it is coded")
            return source
        source.selections = usable
        source.text = stub_text(usable)
        source.stub = True
        for selection in usable:
            selection.anchoring = "stub"
        self.warnings.append(
            f"source {name!r}: {why}; stored a placeholder document ({STUB_FILL} where the text "
            f"is unknown, the quoted text where known) to keep its "
            f"{sum(len(s.codings) for s in usable)} coding(s); re-import with the "
            "source files to get the real text")
        return source

    def note(self, element) -> RefiNote:
        guid = self.unique("note", self.guid(element.get("guid")), element)
        name = (element.get("name") or "").strip()
        raw, why = self.text(element, f"note {name!r}")
        text = (raw or "").replace("\r\n", "\n").replace("\r", "\n").strip()
        if not text:
            text = text_of(child(element, "Description")).strip()
        return RefiNote(guid=guid, name=name, text=text,
                        user=self.guid(element.get("creatingUser")),
                        created=element.get("creationDateTime"),
                        modified=element.get("modifiedDateTime"))

    def sets(self, parent) -> list[RefiSet]:
        out = []
        for element in children(parent, "Set"):
            item = RefiSet(guid=self.unique("set", self.guid(element.get("guid")), element),
                           name=(element.get("name") or "").strip(),
                           description=text_of(child(element, "Description")).strip())
            for member in children(element, "MemberCode"):
                guid = self.guid(member.get("targetGUID") or member.get("guid"))
                if guid:
                    item.codes.append(guid)
            item.sources = [g for g in (self.ref(m) for m in children(element, "MemberSource")) if g]
            item.notes = [g for g in (self.ref(m) for m in children(element, "MemberNote")) if g]
            out.append(item)
        return out


# Containers the REFI-QDA schemas require to hold at least one element.
CONTAINERS = ("Users", "CodeBook", "Codes", "Variables", "Cases", "Sources", "Notes",
              "Links", "Sets", "Graphs")


def _empty_containers(root) -> str | None:
    """A warning naming the empty containers (``<Sets/>``, as some programs write), which
    make a file schema-invalid; coder reads such a file anyway, and says so."""
    places = [root] + children(root, "CodeBook")
    empty = [f"<{local(e)}/>" for place in places for e in place
             if local(e) in CONTAINERS and not any(local(item) for item in e)]
    if not empty:
        return None
    return (f"empty {', '.join(empty)} (REFI-QDA requires at least one element in each): "
            "the file does not follow the REFI-QDA 1.5 schema; read anyway")


def _read_root(root, path: Path, loader: Loader) -> RefiFile:
    name = local(root)
    reader = _Reader(path, loader)
    invalid = _empty_containers(root)
    if invalid:
        reader.warnings.append(invalid)
    if name == "CodeBook":
        refi = RefiFile(kind="codebook", name=path.stem, origin=root.get("origin") or "")
        codes = child(root, "Codes")
        if codes is not None:
            reader.codes(codes, refi.codes, None)
        sets = child(root, "Sets")
        refi.sets = reader.sets(sets) if sets is not None else []
        refi.warnings = reader.finish()
        return refi
    if name != "Project":
        raise ImportProblem(f"not a REFI-QDA file (the root element is <{name or '?'}>, "
                            "expected <Project> or <CodeBook>)", path=path)
    refi = RefiFile(kind="project", name=(root.get("name") or path.stem).strip(),
                    origin=root.get("origin") or "",
                    creating_user=reader.guid(root.get("creatingUserGUID")))
    users = child(root, "Users")
    for element in children(users, "User") if users is not None else []:
        guid = reader.unique("user", reader.guid(element.get("guid")), element)
        refi.users.append(RefiUser(guid=guid, name=(element.get("name") or "").strip()))
    codebook = child(root, "CodeBook")
    codes = child(codebook, "Codes") if codebook is not None else None
    if codes is not None:
        reader.codes(codes, refi.codes, None)
    variables = child(root, "Variables")
    for element in children(variables, "Variable") if variables is not None else []:
        guid = reader.unique("variable", reader.guid(element.get("guid")), element)
        variable = RefiVariable(guid=guid, name=(element.get("name") or guid).strip(),
                                type=(element.get("typeOfVariable") or "Text").strip())
        refi.variables.append(variable)
        reader.variables[guid] = variable
    cases = child(root, "Cases")
    for element in children(cases, "Case") if cases is not None else []:
        case = RefiCase(guid=reader.unique("case", reader.guid(element.get("guid")), element),
                        name=(element.get("name") or "").strip())
        for item in children(element, "VariableValue"):
            pair = reader.value(item)
            if pair:
                case.variables[pair[0]] = pair[1]
        case.sources = [g for g in (reader.ref(e) for e in children(element, "SourceRef")) if g]
        case.selections = [g for g in (reader.ref(e) for e in children(element, "SelectionRef"))
                           if g]
        refi.cases.append(case)
    sources = child(root, "Sources")
    for element in sources if sources is not None else []:
        if local(element) in SOURCE_KINDS:
            refi.sources.append(reader.source(element))
    notes = child(root, "Notes")
    for element in children(notes, "Note") if notes is not None else []:
        refi.notes.append(reader.note(element))
    links = child(root, "Links")
    refi.links = len(children(links, "Link")) if links is not None else 0
    sets = child(root, "Sets")
    refi.sets = reader.sets(sets) if sets is not None else []
    graphs = child(root, "Graphs")
    refi.graphs = len(children(graphs, "Graph")) if graphs is not None else 0
    refi.project_note_refs = reader.note_refs(root)
    refi.warnings = reader.finish()
    return refi
