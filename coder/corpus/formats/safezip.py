"""Opening zip-based files (.docx, .xlsx, .qdpx) without trusting them.

A zip from a user can be truncated, an encrypted Office file (which is not a zip at all),
a zip bomb, carry ``../`` member names, or hold XML with entity declarations (the
"billion laughs").  These checks run *before* any library parses the file, and every
refusal is an :class:`~coder.errors.ImportProblem` with a one-line message.

Sizes are checked against the sizes the central directory declares.  That is enough:
Python's :mod:`zipfile` never inflates a member past its declared size (a member whose
data inflates further fails its CRC check), so a library reading a checked zip reads at
most the declared total.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

from ...errors import ImportProblem

MB = 1024 * 1024

#: Refuse archives whose members would inflate to more than this in total.
MAX_TOTAL = 200 * MB
#: Refuse a member that inflates more than this many times its compressed size ...
MAX_RATIO = 100
#: ... when it inflates to more than this (small members may compress very well).
RATIO_MIN_SIZE = 10 * MB
#: Refuse archives with more members than this.
MAX_MEMBERS = 10_000

#: The first bytes of an OLE2 compound file.  Office writes a password-protected .docx or
#: .xlsx as one of these (holding ``EncryptionInfo`` and ``EncryptedPackage`` streams),
#: and so are the old binary .doc and .xls formats.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")

_CHUNK = 1 * MB

# "<!doctype" / "<!entity" in every encoding an XML parser detects on its own.  Matched
# against lower-cased bytes: bytes.lower() only touches ASCII letters, which is right for
# each of these encodings.
_ENTITY_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!doctype", "<!entity")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)
_OVERLAP = max(len(m) for m in _ENTITY_MARKERS) - 1

_DRIVE = re.compile(r"^[A-Za-z]:")


def _mb(size: int) -> str:
    return f"{size / MB:,.0f} MB" if size >= MB else f"{size:,} bytes"


def check_not_ole2(head: bytes, path: object, kind: str) -> None:
    """Refuse an OLE2 compound file: an encrypted Office file, or an old .doc/.xls."""
    if head.startswith(OLE2_MAGIC):
        raise ImportProblem(
            f"password-protected {kind} (an encrypted Office file); remove the password in "
            f"Word/Excel and save it again (an old binary .doc/.xls must be saved as {kind})",
            path=path,
        )


def open_zip(
    path: str | Path,
    *,
    kind: str = "zip",
    max_total: int = MAX_TOTAL,
    max_ratio: float = MAX_RATIO,
    ratio_min_size: int = RATIO_MIN_SIZE,
    max_members: int = MAX_MEMBERS,
) -> zipfile.ZipFile:
    """Open ``path`` as a zip after checking it is safe to hand to a parser.

    ``kind`` (".docx", ".xlsx", ".qdpx") names the file type in messages.  Raises
    :class:`ImportProblem` for an empty, non-zip, truncated or corrupt file, an encrypted
    Office file, encrypted members, unsafe member names (absolute, ``..``, drive letters,
    backslashes), duplicate names, too many members, and zip bombs (total declared size
    over ``max_total``, or a member over ``ratio_min_size`` that inflates more than
    ``max_ratio`` times).  The caller closes the returned :class:`zipfile.ZipFile`.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise ImportProblem(f"cannot read the file ({exc.strerror or exc})", path=path) from None
    if not head:
        raise ImportProblem("the file is empty", path=path)
    check_not_ole2(head, path, kind)
    if not head.startswith(b"PK"):
        raise ImportProblem(f"not a valid {kind} (not a zip file)", path=path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
            NotImplementedError, IndexError, OverflowError) as exc:
        raise ImportProblem(f"not a valid {kind} (corrupt or truncated zip: {short_reason(exc)})",
                            path=path) from None
    try:
        check_members(zf, path, kind=kind, max_total=max_total, max_ratio=max_ratio,
                      ratio_min_size=ratio_min_size, max_members=max_members)
    except BaseException:
        zf.close()
        raise
    return zf


def check_members(
    zf: zipfile.ZipFile,
    path: object,
    *,
    kind: str = "zip",
    max_total: int = MAX_TOTAL,
    max_ratio: float = MAX_RATIO,
    ratio_min_size: int = RATIO_MIN_SIZE,
    max_members: int = MAX_MEMBERS,
) -> None:
    """The member checks of :func:`open_zip`, for a zip the caller opened itself."""
    infos = zf.infolist()
    if not infos:
        raise ImportProblem(f"not a valid {kind} (empty zip)", path=path)
    if len(infos) > max_members:
        raise ImportProblem(f"too many members in {kind}: {len(infos):,} (limit {max_members:,})",
                            path=path)
    total = 0
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        if not safe_member_name(name):
            raise ImportProblem(f"unsafe member name {name!r} in {kind} (path traversal)",
                                path=path)
        folded = name.lower()
        if folded in seen:
            raise ImportProblem(f"duplicate member name {name!r} in {kind}", path=path)
        seen.add(folded)
        if info.flag_bits & 0x1:
            raise ImportProblem(f"password-protected {kind} (encrypted zip member {name!r})",
                                path=path)
        total += info.file_size
        if total > max_total:
            raise ImportProblem(
                f"zip bomb: {kind} members would expand to more than {_mb(max_total)}",
                path=path,
            )
        if info.file_size > ratio_min_size:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > max_ratio:
                raise ImportProblem(
                    f"zip bomb: member {name!r} inflates {ratio:,.0f}:1 to "
                    f"{_mb(info.file_size)} (limit {max_ratio:,.0f}:1)",
                    path=path,
                )


def safe_member_name(name: str) -> bool:
    """False for a member name that could escape a folder it were extracted to."""
    if not name or "\x00" in name or "\\" in name:
        return False
    if name.startswith("/") or _DRIVE.match(name):
        return False
    parts = name.split("/")
    return ".." not in parts and not posixpath.isabs(name)


def read_member(zf: zipfile.ZipFile, name: str, *, max_size: int, path: object = None) -> bytes:
    """The bytes of member ``name``, refusing more than ``max_size`` of them.

    Reads in chunks, so a member that lies about its size cannot exhaust memory; a
    missing member, a CRC error or an unsupported compression is an :class:`ImportProblem`.
    """
    path = path if path is not None else zf.filename
    parts: list[bytes] = []
    size = 0
    try:
        with zf.open(name) as member:
            while True:
                chunk = member.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_size:
                    raise ImportProblem(f"member {name!r} is larger than {_mb(max_size)}",
                                        path=path)
                parts.append(chunk)
    except KeyError:
        raise ImportProblem(f"missing member {name!r}", path=path) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
            RuntimeError, ValueError) as exc:
        raise ImportProblem(f"corrupt member {name!r} ({short_reason(exc)})", path=path) from None
    return b"".join(parts)


def reject_xml_entities(data: bytes, path: object, member: str) -> None:
    """Refuse XML that declares a DOCTYPE or entities (entity bombs, external entities).

    Office and REFI-QDA XML never needs a DOCTYPE, so any is refused whatever it holds;
    this does not rely on the parser being configured not to resolve entities.
    """
    low = data.lower()
    for marker in _ENTITY_MARKERS:
        if marker in low:
            raise ImportProblem(
                f"refusing {member!r}: XML with a DOCTYPE or entity declarations "
                "(possible entity bomb)",
                path=path,
            )


def reject_xml_entities_in_stream(stream: BinaryIO, path: object, member: str) -> None:
    """:func:`reject_xml_entities` over a stream, chunk by chunk (markers may span chunks)."""
    tail = b""
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return
        reject_xml_entities(tail + chunk, path, member)
        tail = chunk[-_OVERLAP:]


def check_xml_members(
    zf: zipfile.ZipFile,
    path: object,
    *,
    suffixes: tuple[str, ...] = (".xml", ".rels", ".vml", ".qde", ".qdc"),
) -> None:
    """Run :func:`reject_xml_entities` over every XML member of an already checked zip."""
    for info in zf.infolist():
        if info.is_dir() or not info.filename.lower().endswith(suffixes):
            continue
        try:
            with zf.open(info) as member:
                reject_xml_entities_in_stream(member, path, info.filename)
        except ImportProblem:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
                RuntimeError, ValueError) as exc:
            raise ImportProblem(f"corrupt member {info.filename!r} ({short_reason(exc)})",
                                path=path) from None


_DEPTH = re.compile(r"Excessive depth in document: (\d+)")
_HUGE_ADVICE = re.compile(r"[,;:]?\s*use XML_PARSE_HUGE option", re.IGNORECASE)


def short_reason(exc: BaseException) -> str:
    """A short, one-line reason from a library exception.

    libxml2's limits on hostile XML end in "use XML_PARSE_HUGE option": advice for
    programmers that a user cannot follow (and coder keeps the limits on purpose), so the
    reason says what the limit is instead.
    """
    text = " ".join(str(exc).split()) or type(exc).__name__
    depth = _DEPTH.search(text)
    if depth:
        return (f"elements nested more than {depth.group(1)} levels deep; coder reads XML "
                "only up to that depth")
    if _HUGE_ADVICE.search(text):
        text = _HUGE_ADVICE.sub("", text).strip() + " (over the size limits coder reads XML with)"
    return text[:120]
