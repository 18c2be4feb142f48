"""Import files into a project: detect the format, parse, normalise speakers, store.

Each file is its own transaction (``strict=True``: the whole batch is one), so a bad
file never leaves a half-imported document and never stops the good ones.
Documents are identified by the sha256 of their stored text: the same content imported
twice is stored once.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CoderError, ImportProblem
from ..project import Project, now
from .dates import date_from_path
from .model import ParsedDocument
from .speakers import SpeakerResolver
from .text import decode_bytes, looks_like_transcript, parse_plain, parse_transcript
from .words import word_counts

TEXT_SUFFIXES = {".txt", ".md", ".text", ""}
KNOWN_SUFFIXES = TEXT_SUFFIXES | {".docx", ".docm", ".html", ".htm", ".xhtml", ".pdf", ".csv",
                                  ".tsv", ".xlsx", ".xlsm"}
# Files a folder scan passes over (a file named on the command line is still imported).
NOT_DOCUMENTS = {"README", "LICENSE", "LICENCE", "COPYING", "CHANGELOG", "NOTICE", "AUTHORS"}
FORMATS = ("transcript", "txt", "docx", "html", "pdf", "csv", "xlsx")
MAX_TEXT_BYTES = 200 * 1024 * 1024
COMMIT_SECONDS = 0.5  # longest a batch of imported files waits for its commit


@dataclass
class FileResult:
    """What happened to one file."""

    path: str
    status: str  # imported | duplicate | failed
    document_ids: list[int] = field(default_factory=list)
    created: int = 0  # how many of document_ids this file stored for the first time
    message: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """The summary of one import call."""

    files: list[FileResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def documents(self) -> int:
        """Documents newly stored (a CSV row whose text was already there does not count)."""
        return sum(f.created for f in self.files)

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, plus files of known formats under folders (recursively, sorted)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            found.extend(sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in KNOWN_SUFFIXES
                and p.stem.upper() not in NOT_DOCUMENTS
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            ))
        elif path.exists():
            found.append(path)
        else:
            raise ImportProblem("no such file or folder", path=path)
    return found


_ES_WORDS = re.compile(r" (?:el|la|de|que|y|los|en|por|se|no) ")
_EN_WORDS = re.compile(r" (?:the|and|of|to|that|is|in|we|it|for) ")


def detect_language(text: str) -> str:
    """'es' or 'en' from function-word counts in the first 3,000 characters ('es' on a tie)."""
    sample = f" {text[:3000].lower()} "
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
    from .speakers import fold

    folded = fold(title or "").lower()
    for kind, pattern in _KINDS:
        if re.search(pattern, folded):
            return kind
    return "other"


def read_file(path: Path, *, fmt: str | None = None, **options) -> list[ParsedDocument]:
    """Parse one file into documents (a CSV/XLSX gives one per row)."""
    if fmt is not None and fmt not in FORMATS:
        raise ImportProblem(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})", path=path)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8192)
    except OSError as exc:
        raise ImportProblem(f"cannot read ({exc.strerror or exc})", path=path) from None
    if size == 0:
        raise ImportProblem("the file is empty", path=path)
    suffix = path.suffix.lower()
    if fmt is None and (suffix not in TEXT_SUFFIXES or suffix == ""):
        from .formats import detect_format

        fmt = detect_format(path, head)
    if fmt in (None, "transcript", "txt"):
        if head.startswith(b"PK\x03\x04") or head.startswith(b"%PDF-"):
            raise ImportProblem("binary file (zip or PDF) with a text extension; "
                                "pass --format docx/pdf if that is what it is", path=path)
        if size > MAX_TEXT_BYTES:
            raise ImportProblem(f"text file larger than {MAX_TEXT_BYTES // 2**20} MB", path=path)
        text = decode_bytes(path.read_bytes(), path)
        if not text.strip():
            raise ImportProblem("the file is empty", path=path)
        if fmt == "transcript" or (fmt is None and looks_like_transcript(text)):
            docs = [parse_transcript(text)]
        else:
            docs = [parse_plain(text, title=None)]
            if docs[0].title is None:
                docs[0].title = path.stem
        return docs
    from .formats import read_file as read_format

    return read_format(path, fmt, **options)


@dataclass
class PreparedDocument:
    """A parsed document with everything computed that needs no database (picklable)."""

    doc: ParsedDocument
    sha256: str
    turn_words: list[int]
    lang: str
    kind: str


def prepare_document(doc: ParsedDocument, *, lang: str | None = None) -> PreparedDocument:
    """Check a parsed document and compute its hash, word counts, language and kind."""
    doc.check()
    return PreparedDocument(
        doc=doc,
        sha256=hashlib.sha256(doc.text.encode("utf-8")).hexdigest(),
        turn_words=word_counts(doc.text, [(t.start, t.end) for t in doc.turns]),
        lang=lang or doc.lang or detect_language(doc.text),
        kind=doc.kind or guess_kind(doc.title),
    )


def prepare_file(path: Path, fmt: str | None = None, lang: str | None = None,
                 options: dict | None = None) -> list[PreparedDocument]:
    """Read one file and prepare its documents; raises :class:`ImportProblem`."""
    try:
        docs = read_file(path, fmt=fmt, **(options or {}))
    except (RecursionError, MemoryError, UnicodeError, ValueError, OSError) as exc:
        # A reader must raise ImportProblem; this is the last line of defence.
        raise ImportProblem(f"cannot be read ({type(exc).__name__}: {exc})", path=path) from None
    if not docs:
        raise ImportProblem("no documents found in the file", path=path)
    for doc in docs:
        if doc.date is None:
            doc.date = date_from_path(path)
    return [prepare_document(doc, lang=lang) for doc in docs]


def store_document(project: Project, doc: ParsedDocument | PreparedDocument, *, source: str,
                   resolver: SpeakerResolver, lang: str | None = None) -> tuple[int, bool]:
    """Store one document with its turns (call inside a transaction).

    Returns ``(document id, created)``; ``created`` is False when the same text was
    already in the project.
    """
    prepared = doc if isinstance(doc, PreparedDocument) else prepare_document(doc, lang=lang)
    doc = prepared.doc
    db = project.db
    row = db.execute("SELECT id FROM documents WHERE sha256 = ?", [prepared.sha256]).fetchone()
    if row:
        return row[0], False
    turn_words = prepared.turn_words
    document_id = db.execute(
        "INSERT INTO documents(title, date, kind, source, lang, sha256, text, words, metadata,"
        " imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [doc.title, doc.date.isoformat() if doc.date else None, prepared.kind, source,
         prepared.lang, prepared.sha256, doc.text, sum(turn_words),
         json.dumps({"author": doc.author, **doc.metadata} if doc.author else doc.metadata,
                    ensure_ascii=False, default=str), now()],
    ).lastrowid
    # We hold the write lock (BEGIN IMMEDIATE), so turn ids can be assigned here, which lets
    # question->answer links be set in the same single insert.
    next_id = (db.execute("SELECT max(id) FROM turns").fetchone()[0] or 0) + 1
    resolved = [resolver.resolve(turn.speaker) for turn in doc.turns]
    ids = [next_id + seq for seq in range(len(doc.turns))]
    questions = answered_questions(zip(ids, (kind for _, _, kind in resolved)))
    rows = [(turn_id, document_id, seq, turn.start, turn.end, speaker_id, alias_id, question,
             words)
            for seq, (turn_id, turn, (speaker_id, alias_id, _), question, words)
            in enumerate(zip(ids, doc.turns, resolved, questions, turn_words))]
    db.conn.executemany(
        'INSERT INTO turns(id, document_id, seq, start, "end", speaker_id, alias_id, question_id,'
        " words) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows,
    )
    return document_id, True


def answered_questions(turns: Iterable[tuple[int, str | None]]) -> list[int | None]:
    """For each ``(turn id, speaker kind)`` in order, the id of the press question it answers.

    The turns after a press turn, up to the next press, moderator or unknown-speaker turn,
    answer it; every other turn answers nothing.
    """
    current = None
    answers: list[int | None] = []
    for turn_id, kind in turns:
        if kind == "press":
            current = turn_id
            answers.append(None)
        elif kind in ("moderator", "unknown", None):
            current = None
            answers.append(None)
        else:
            answers.append(current)
    return answers


def link_questions(project: Project, document_id: int) -> None:
    """Re-link a document's answer turns to their questions (after speakers were merged)."""
    turns = project.db.execute(
        "SELECT t.id, s.kind FROM turns t LEFT JOIN speakers s ON s.id = t.speaker_id "
        "WHERE t.document_id = ? ORDER BY t.seq", [document_id]).fetchall()
    project.db.conn.executemany(
        "UPDATE turns SET question_id = ? WHERE id = ?",
        [(answer, turn_id) for (turn_id, _), answer in zip(turns, answered_questions(turns))])


def _prepared(files: list[Path], fmt: str | None, lang: str | None,
              options: dict) -> Iterator[tuple[Path, list[PreparedDocument] | ImportProblem]]:
    """Each file prepared (read, parsed, hashed, counted), in order; a bad one as its problem."""
    for path in files:
        try:
            prepared: list[PreparedDocument] | ImportProblem = prepare_file(path, fmt, lang,
                                                                            options)
        except ImportProblem as exc:
            prepared = exc
        yield path, prepared


def import_paths(project: Project, paths: Iterable[str | Path], *, fmt: str | None = None,
                 lang: str | None = None, strict: bool = False,
                 progress: Callable[[int], None] | None = None,
                 **options) -> ImportReport:
    """Import files and folders; returns an :class:`ImportReport`.

    Each file is atomic: a bad file is reported and leaves no trace, the good ones are
    imported (files commit in batches, each inside its own savepoint).  With
    ``strict=True`` the whole batch is one transaction and the first bad file raises
    :class:`ImportProblem` after rolling everything back.
    """
    files = expand_paths(paths)
    report = ImportReport()
    resolver = SpeakerResolver(project)
    stream = _prepared(files, fmt, lang, options)
    if strict:
        try:
            with project.transaction():
                for path, prepared in stream:
                    if isinstance(prepared, ImportProblem):
                        raise prepared
                    report.files.append(_store_file(project, path, prepared, resolver))
                    if progress:
                        progress(1)
        except BaseException:
            resolver.rollback()
            raise
        resolver.commit()
        return report
    # Each file is atomic (a savepoint inside the batch); the batch commits every
    # COMMIT_SECONDS, so a bad file never leaves a trace and commits stay cheap.
    stream = iter(stream)
    done = False
    while not done:
        interrupted = False
        with project.transaction():
            batch_started = time.monotonic()
            while (time.monotonic() - batch_started) < COMMIT_SECONDS:
                try:
                    path, prepared = next(stream)
                except StopIteration:
                    done = True
                    break
                except KeyboardInterrupt:
                    interrupted = True
                    break
                try:
                    if isinstance(prepared, ImportProblem):
                        raise prepared
                    with project.transaction():
                        result = _store_file(project, path, prepared, resolver)
                except CoderError as exc:
                    resolver.rollback()
                    result = FileResult(str(path), "failed", message=str(exc))
                except KeyboardInterrupt:
                    # Keep every file finished before the interruption: commit, then re-raise.
                    resolver.rollback()
                    interrupted = True
                    break
                else:
                    resolver.commit()
                report.files.append(result)
                if progress:
                    progress(1)
        if interrupted:
            raise KeyboardInterrupt
    return report


def _store_file(project: Project, path: Path, prepared: list[PreparedDocument],
                resolver: SpeakerResolver) -> FileResult:
    result = FileResult(str(path), "duplicate")
    for item in prepared:
        document_id, created = store_document(project, item, source=str(path), resolver=resolver)
        result.document_ids.append(document_id)
        result.warnings.extend(item.doc.warnings)
        if created:
            result.status = "imported"
            result.created += 1
    if result.status == "duplicate":
        result.message = "already imported as document " + ", ".join(
            f"#{i}" for i in result.document_ids)
    return result
