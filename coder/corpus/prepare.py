"""Preparing a file for import: read, parse, hash and count words, with no database.

A file becomes one :class:`PreparedDocument` per document (a CSV gives one per row),
packed to cross a process boundary cheaply: the text as the UTF-8 bytes SQLite stores,
the turns as plain tuples.  That lets :mod:`coder.corpus.parallel` prepare files in
worker processes while the importer stores the ones before.
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ImportProblem, shown_name
from .clips import clip_clues
from .dates import date_from_path
from .model import ParsedDocument
from .speakers import NOT_A_SPEAKER, STAGE_DIRECTION, UNKNOWN, SpeakerLine, fold_name, read_line
from .text import decode_text, looks_like_transcript, parse_plain, parse_transcript
from .words import word_counts

TEXT_SUFFIXES = {".txt", ".md", ".text", ""}
KNOWN_SUFFIXES = TEXT_SUFFIXES | {".docx", ".docm", ".html", ".htm", ".xhtml", ".pdf", ".csv",
                                  ".tsv", ".xlsx", ".xlsm"}
FORMATS = ("transcript", "txt", "md", "docx", "html", "pdf", "csv", "xlsx")
PLAIN_FORMATS = (None, "transcript", "txt", "md")  # read whole, decoded here
MAX_TEXT_BYTES = 200 * 1024 * 1024


def read_file(path: Path, *, fmt: str | None = None, **options) -> list[ParsedDocument]:
    """Parse one file into documents (a CSV/XLSX gives one per row).

    A pipe (``/dev/stdin``, ``<(command)``, a named pipe) is read once, whole, then read
    like a file of that name; a device or socket is refused.
    """
    if fmt is not None and fmt not in FORMATS:
        raise ImportProblem(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})", path=path)
    suffix = path.suffix.lower()
    try:
        status = path.stat()
        mode, size = status.st_mode, status.st_size
        if stat.S_ISFIFO(mode):
            return _read_pipe(path, fmt, options)
        if not stat.S_ISREG(mode):
            kind = "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else \
                "a folder" if stat.S_ISDIR(mode) else "a socket or other special file"
            raise ImportProblem(f"not a regular file ({kind})", path=path)
        # A text file is read once, whole; of anything else the head tells the format.
        whole = fmt in PLAIN_FORMATS and suffix in TEXT_SUFFIXES \
            and 0 < size <= MAX_TEXT_BYTES
        with path.open("rb") as handle:
            data = handle.read() if whole else handle.read(8192)
    except OSError as exc:
        raise ImportProblem(f"cannot read ({exc.strerror or exc})", path=path) from None
    if size == 0:
        raise ImportProblem("the file is empty", path=path)
    return _read_data(path, data, size, whole, fmt, options)


def _read_data(path: Path, data: bytes, size: int, whole: bool, fmt: str | None,
               options: dict) -> list[ParsedDocument]:
    """:func:`read_file` once the file's first bytes (``whole``: all of them) are read."""
    suffix = path.suffix.lower()
    head = data[:8192]
    if fmt is None and (suffix not in TEXT_SUFFIXES or suffix == ""):
        from .formats import detect_format

        fmt = detect_format(path, head)
    if fmt in PLAIN_FORMATS:
        if head.startswith(b"PK\x03\x04") or head.startswith(b"%PDF-"):
            raise ImportProblem("binary file (zip or PDF) with a text extension; "
                                "name its format (docx or pdf) if that is what it is", path=path,
                                option="format")
        if size > MAX_TEXT_BYTES:
            raise ImportProblem(f"text file larger than {MAX_TEXT_BYTES // 2**20} MB", path=path)
        if not whole:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise ImportProblem(f"cannot read ({exc.strerror or exc})", path=path) from None
        warnings: list[str] = []
        text, utf8 = decode_text(data, path, warnings)
        if not text or text.isspace():  # isspace() stops at the first letter; strip() copies
            raise ImportProblem("the file is empty", path=path)
        if fmt == "transcript" or (fmt is None and looks_like_transcript(text)):
            doc = parse_transcript(text)
        else:
            doc = parse_plain(text, title=None)
            if doc.title is None:
                doc.title = shown_name(path.stem)
            elif fmt == "md" or (fmt is None and suffix == ".md"):
                # A Markdown heading's marks are not part of the title ("# Conferencia").
                doc.title = _MD_HEADING.sub("", doc.title) or doc.title
        doc.utf8 = utf8
        doc.warnings[:0] = warnings
        return [doc]
    from .formats import read_file as read_format

    return read_format(path, fmt, **options)


# A Markdown ATX heading's marks: "# " before the title and optional "#"s after it.
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+|[ \t]+#+[ \t]*$")
PIPE_WAIT_SECONDS = 15.0  # how long a pipe may stay silent before anything comes through


def _read_pipe(path: Path, fmt: str | None, options: dict) -> list[ParsedDocument]:
    """A pipe read once, whole, then read as a file of that name would be.

    Opened without waiting for a writer (a named pipe nobody writes to would block the
    open for ever); if nothing comes through in :data:`PIPE_WAIT_SECONDS`, an
    ImportProblem says so.  Formats the readers take from a file (.docx, .xlsx, ...) are
    read from a temporary copy.
    """
    import os
    import select

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise ImportProblem(f"cannot read ({exc.strerror or exc})", path=path) from None
    chunks: list[bytes] = []
    size = 0
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        # (No event while no writer has come: a writer that came and went gives POLLHUP.)
        if not poller.poll(PIPE_WAIT_SECONDS * 1000):
            raise ImportProblem(f"a pipe with nothing written to it in {PIPE_WAIT_SECONDS:g} s",
                                path=path)
        os.set_blocking(fd, True)
        while size <= MAX_TEXT_BYTES:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise ImportProblem(f"cannot read ({exc.strerror or exc})", path=path) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if not data:
        raise ImportProblem("nothing came through the pipe (it is empty)", path=path)
    if size > MAX_TEXT_BYTES:
        raise ImportProblem(f"more than {MAX_TEXT_BYTES // 2**20} MB came through the pipe",
                            path=path)
    head = data[:8192]
    from .formats import detect_format

    # (A zip's format is told from its members: never open the pipe again to look.)
    detected = fmt if fmt is not None else "zip" if head.startswith(b"PK\x03\x04") \
        else detect_format(path, head)
    if detected in PLAIN_FORMATS:
        return _read_data(path, data, size, True, fmt, options)
    import tempfile

    # The readers of other formats open the file (a zip is read from its end): give them
    # a copy under the same name, and name the pipe, not the copy, in their messages.
    with tempfile.TemporaryDirectory(prefix="coder-pipe-") as folder:
        copy = Path(folder) / (path.name or "stdin")
        copy.write_bytes(data)
        try:
            return _read_data(copy, data, size, False, fmt, options)
        except ImportProblem as exc:
            message = str(exc).replace(shown_name(copy), shown_name(path))
            raise type(exc)(message, path=path, option=exc.option) from None


_ES_WORDS = re.compile(r" (?:el|la|de|que|y|los|en|por|se|no) ")
_EN_WORDS = re.compile(r" (?:the|and|of|to|that|is|in|we|it|for) ")


def detect_language(text: str) -> str:
    """'es' or 'en' from function-word counts in the first 1,500 characters ('es' on a tie)."""
    sample = f" {text[:1500].lower()} "
    return "en" if len(_EN_WORDS.findall(sample)) > len(_ES_WORDS.findall(sample)) else "es"


_KINDS = [
    ("covid briefing", r"covid|coronavirus|salud .*informe diario|informe diario .*salud"),
    ("press conference", r"conferencia de prensa|conferencia matutina|press conference|press briefing|mananera"),
    ("speech", r"discurso|mensaje|palabras|speech|remarks|address|informe"),
    ("interview", r"entrevista|interview"),
    ("statement", r"comunicado|statement|declaracion"),
]


def guess_kind(title: str | None) -> str:
    """A document kind from its title (press conference, speech, covid briefing, ...)."""
    folded = fold_name(title or "").lower()
    for kind, pattern in _KINDS:
        if re.search(pattern, folded):
            return kind
    return "other"


_GENRES = [
    ("covid briefing", r"informe diario|coronavirus|covid"),
    ("mañanera", r"conferencia de prensa|conferencia matutina|matutina|mananera|press conference"),
    ("speech", r"discurso|mensaje|palabras|informe|speech|remarks|address"),
]


def guess_genre(title: str | None) -> str:
    """The genre of a document from its title: "mañanera" (the morning press conference),
    "covid briefing", "speech", else "event" (a visit, an inauguration, a dialogue ...)."""
    folded = fold_name(title or "").lower()
    for genre, pattern in _GENRES:
        if re.search(pattern, folded):
            return genre
    return "event"


@dataclass
class PreparedDocument:
    """A parsed document with everything computed that needs no database.

    ``utf8`` is the text as stored (and hashed); ``turns`` are ``(start, end, raw speaker
    line or None, words)`` with code-point offsets into that text.
    """

    utf8: bytes
    sha256: str
    turns: list[tuple[int, int, str | None, int]]
    title: str | None
    date: str | None  # ISO YYYY-MM-DD
    kind: str
    lang: str
    metadata: str  # JSON object
    warnings: list[str] = field(default_factory=list)
    # What the rules read from some of the speaker lines (worker processes fill it for the
    # lines new to them, sparing the storing process; lines not here are read there).
    speaker_lines: dict[str, SpeakerLine] = field(default_factory=dict)
    # For each turn: does it ask something (a question mark)?  An unidentified voice that
    # asks is the press.
    asks: list[bool] = field(default_factory=list)
    # For each turn: does it announce a clip, does it open by addressing those present?
    # (Which turns are heard in a clip: see coder.corpus.clips.)
    announces: list[bool] = field(default_factory=list)
    live: list[bool] = field(default_factory=list)
    # Hashes of the document's longer lines: a cheap first look for same-day duplicates.
    paragraphs: frozenset[int] = frozenset()
    # Each turn's (kind, role) as its line and date say (a worker process works them out
    # with :class:`coder.corpus.speakers.TurnKinds`; empty: the storing process does).
    kinds: list[tuple[str, str | None]] = field(default_factory=list)
    # Where in its file the document is ("row 3" of a CSV; None: the whole file).
    origin: str | None = None

    @property
    def words(self) -> int:
        return sum(turn[3] for turn in self.turns)


def prepare_document(doc: ParsedDocument, *, lang: str | None = None,
                     administrations: list | None = None) -> PreparedDocument:
    """Check a parsed document and compute its hash, word counts, language and kind; with
    the project's ``administrations``, also the one in force on its date (an attribute)."""
    doc.check()
    # A reader's bytes are the text's UTF-8 already (see decode_text); else encode it.
    utf8 = doc.utf8 if doc.utf8 is not None else doc.text.encode("utf-8")
    words = word_counts(doc.text, [(t.start, t.end) for t in doc.turns])
    metadata = {"author": doc.author, **doc.metadata} if doc.author else dict(doc.metadata)
    if "genre" not in metadata:
        metadata["genre"] = guess_genre(doc.title)
    if administrations and doc.date and "administration" not in metadata:
        from .administrations import administration_on

        adm = administration_on(administrations, doc.date.isoformat())
        if adm is not None:
            # The head of government in office on the date: an attribute to filter by.
            metadata["administration"] = adm.head
    speakers = [t.speaker for t in doc.turns]
    head = title_speaker(doc.title, speakers, administrations or ())
    if head is not None:
        speakers = [head] * len(speakers)
    clues = clip_clues(doc.text, [(t.start, t.end) for t in doc.turns],
                       [read_line(line) if line else None for line in speakers])
    # One string object per speaker line: pickled once, and looked up by identity later.
    names: dict[str | None, str | None] = {}
    return PreparedDocument(
        utf8=utf8,
        sha256=hashlib.sha256(utf8).hexdigest(),
        turns=[(t.start, t.end, names.setdefault(line, line), n)
               for t, line, n in zip(doc.turns, speakers, words)],
        title=doc.title,
        date=doc.date.isoformat() if doc.date else None,
        kind=doc.kind or guess_kind(doc.title),
        lang=lang or doc.lang or detect_language(doc.text),
        metadata=json.dumps(metadata, ensure_ascii=False, default=str),
        warnings=list(doc.warnings),
        asks=[doc.text.find("?", t.start, t.end) >= 0 for t in doc.turns],
        announces=clues[0],
        live=clues[1],
        paragraphs=paragraph_hashes(utf8),
        origin=doc.origin,
    )


# A title saying that someone speaks: a speech, a message, an address.
_SPEECH_TITLE = re.compile(r"\b(?:MENSAJE|DISCURSO|PALABRAS|INTERVENCION|INFORME|REMARKS|MESSAGE|"
                           r"SPEECH|ADDRESS)\b")
TITLE_NOTE = "(SEGÚN EL TÍTULO)"  # marks a speaker line read from the title, not the text


def title_speaker(title: str | None, speakers: list[str | None], administrations) -> str | None:
    """The speaker line for a document whose turns name nobody (no speaker line, a
    placeholder such as "???", or lines that name nobody: a date, a heading, a stage
    direction) when its title says a head of government speaks: a speech
    word and two adjacent words of the head's name around the first surname ("Mensaje del
    presidente Andrés Manuel López Obrador ...", "Remarks by President López Obrador").
    Returned as "NAME (SEGÚN EL TÍTULO)": the name joins that person, the note says where
    it came from.  None otherwise (also when the title names two heads)."""
    if not title or not speakers or any(_names_somebody(line) for line in speakers):
        return None
    folded = " " + " ".join(re.findall(r"\w+", fold_name(title))) + " "
    if not _SPEECH_TITLE.search(folded):
        return None
    named = set()
    for adm in administrations:
        words = fold_name(adm.head).split()
        if len(words) < 2:
            continue
        surname = len(words) - 2 if len(words) >= 3 else len(words) - 1
        pairs = [words[i:i + 2] for i in (surname - 1, surname) if 0 <= i < len(words) - 1]
        if any(f" {' '.join(pair)} " in folded for pair in pairs):
            named.add(adm.head)
    if len(named) != 1:
        return None
    return f"{named.pop().upper()} {TITLE_NOTE}"


# The keys of the speaker lines that name nobody.
_NOBODY = frozenset(fold_name(name) for name in (NOT_A_SPEAKER, STAGE_DIRECTION, UNKNOWN))


def _names_somebody(line: str | None) -> bool:
    """Whether a speaker line names a person, a role or a voice ("DECEMBER 1, 2019", "AL
    PUEBLO DE MÉXICO", "(APLAUSOS)" and "???" name nobody)."""
    if not line or not any(c.isalpha() for c in line):
        return False
    return read_line(line).key not in _NOBODY


def paragraph_hashes(text: str | bytes) -> frozenset[int]:
    """Hashes of the text's lines of 40 bytes or more in UTF-8 (speaker lines and short
    replies are too common to tell documents apart).  Read from the UTF-8 bytes: splitting
    and hashing them needs no copy per line as text would (a fifth of a worker's time)."""
    import zlib

    utf8 = text.encode("utf-8") if isinstance(text, str) else text
    return frozenset(map(zlib.crc32, map(bytes.strip, [
        line for line in utf8.split(b"\n") if len(line) >= 40])))


def prepare_file(path: Path, fmt: str | None = None, lang: str | None = None,
                 options: dict | None = None, administrations: list | None = None
                 ) -> list[PreparedDocument]:
    """Read one file and prepare its documents (see :func:`prepare_document`); raises
    :class:`ImportProblem`."""
    try:
        docs = read_file(path, fmt=fmt, **(options or {}))
        if not docs:
            raise ImportProblem("no documents found in the file", path=path)
        for doc in docs:
            if doc.date is None:
                doc.date = date_from_path(path)
        return [prepare_document(doc, lang=lang, administrations=administrations)
                for doc in docs]
    except (RecursionError, MemoryError, UnicodeError, ValueError, OSError) as exc:
        # A reader must raise ImportProblem; this is the last line of defence.
        raise ImportProblem(f"cannot be read ({type(exc).__name__}: {exc})", path=path) from None
