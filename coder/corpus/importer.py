"""Import files into a project: detect the format, parse, normalise speakers, store.

Each file is atomic (a savepoint; files commit in short batches, ``strict=True``: the
whole import is one transaction), so a bad file never leaves a half-imported document
and never stops the good ones.  Documents are identified by the sha256 of their stored
text: the same content imported twice is stored once.

Files are read and parsed (:mod:`coder.corpus.prepare`) in worker processes
(:mod:`coder.corpus.parallel`) while this process, the only one writing, resolves
speakers and stores them.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CoderError, ImportProblem, NotADocument, raw_name, shown_name
from ..project import Project, now, stopped_partway
from ..wording import first_few
from .model import ParsedDocument
from .parallel import Prepared, prepared_files
from .prepare import KNOWN_SUFFIXES, PreparedDocument, prepare_document
from .reconcile import fill_turn_kinds, reconcile
from .speakers import SpeakerResolver
from .turns import answered_questions

# Files a folder scan passes over (a file named on the command line is still imported).
NOT_DOCUMENTS = {"README", "LICENSE", "LICENCE", "COPYING", "CHANGELOG", "NOTICE", "AUTHORS"}
COMMIT_SECONDS = 0.5  # longest a batch of imported files waits for its commit


@dataclass
class FileResult:
    """What happened to one file."""

    path: str
    status: str  # imported | duplicate | skipped (one of coder's own exports) | failed
    document_ids: list[int] = field(default_factory=list)
    created: int = 0  # how many of document_ids this file stored for the first time
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    # Documents of the file whose text was in the project already, or earlier in the file
    # (two CSV rows alike): not stored again.  ``notes`` names them ("row 3: same text as
    # row 2 (document #5)") for a file with several documents.
    present: int = 0
    notes: list[str] = field(default_factory=list)


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
    def present(self) -> int:
        """Documents not stored because their text was stored already (a whole file
        imported before, or one row of a table)."""
        return sum(f.present for f in self.files)

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]


def expand_paths(paths: Iterable[str | Path], passed_over: list[Path] | None = None
                 ) -> list[Path]:
    """Files named, plus files of known formats under folders (recursively, sorted).

    ``passed_over``, when given, receives the other files under those folders (not hidden
    ones, nor README/LICENSE and the like): what a user may have meant to import, and the
    entries that are not regular files (named pipes, broken links), never read in a scan."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        try:
            is_dir = stat.S_ISDIR(path.stat().st_mode)  # one call per path named
        except (FileNotFoundError, NotADirectoryError):
            raise ImportProblem("no such file or folder", path=path) from None
        except OSError as exc:
            raise ImportProblem(f"cannot read ({exc.strerror or exc})", path=path) from None
        if is_dir:
            for p in sorted(path.rglob("*")):
                if any(part.startswith(".") for part in p.relative_to(path).parts) \
                        or p.stem.upper() in NOT_DOCUMENTS or p.is_dir():
                    continue
                if not p.is_file():
                    # A named pipe (reading it could wait for ever), a broken link, a
                    # device: never read in a scan, but counted with the other files.
                    if passed_over is not None:
                        passed_over.append(p)
                elif p.suffix.lower() in KNOWN_SUFFIXES:
                    found.append(p)
                elif passed_over is not None:
                    passed_over.append(p)
        else:
            found.append(path)
    return found


def store_document(project: Project, doc: ParsedDocument | PreparedDocument, *, source: str,
                   resolver: SpeakerResolver, lang: str | None = None,
                   imported_at: str | None = None) -> tuple[int, bool]:
    """Store one document with its turns (call inside a transaction).

    Returns ``(document id, created)``; ``created`` is False when the same text was
    already in the project.  ``imported_at`` defaults to now.
    """
    prepared = doc if isinstance(doc, PreparedDocument) else prepare_document(doc, lang=lang)
    db = project.db
    row = db.execute("SELECT id FROM documents WHERE sha256 = ?", [prepared.sha256]).fetchone()
    if row:
        return row[0], False
    turns = prepared.turns
    metadata = prepared.metadata
    if prepared.date:
        from .administrations import administration_on

        adm = administration_on(resolver.administrations(), prepared.date)
        if adm is not None and '"administration"' not in metadata:
            # The head of government in office on the date: an attribute to filter by.
            fields = json.loads(metadata)
            fields["administration"] = adm.head
            metadata = json.dumps(fields, ensure_ascii=False)
    # The text arrives as UTF-8 bytes (see PreparedDocument): CAST stores them as TEXT
    # unchanged, so they are neither decoded nor encoded again here.
    document_id = db.execute(
        "INSERT INTO documents(title, date, kind, source, lang, sha256, text, words, metadata,"
        " imported_at) VALUES (?, ?, ?, ?, ?, ?, CAST(? AS TEXT), ?, ?, ?)",
        [prepared.title, prepared.date, prepared.kind, source, prepared.lang, prepared.sha256,
         prepared.utf8, prepared.words, metadata, imported_at or now()],
    ).lastrowid
    # We hold the write lock (BEGIN IMMEDIATE), so turn ids can be assigned here, which lets
    # question->answer links be set in the same single insert.
    next_id = (db.execute("SELECT max(id) FROM turns").fetchone()[0] or 0) + 1
    read = prepared.speaker_lines
    resolved = [resolver.resolve(turn[2], read) for turn in turns]
    # The turn's own kind and role as its line and date say (reconcile() settles people's
    # kinds from all the evidence); a worker process has worked them out already.
    kinds = prepared.kinds or resolver.turn_kinds().document(
        turns, read, prepared.asks or [False] * len(turns), prepared.date,
        prepared.announces, prepared.live)
    ids = range(next_id, next_id + len(turns))
    questions = answered_questions(zip(ids, (kind for kind, _ in kinds)))
    _insert_turns(db.conn, [
        (turn_id, document_id, seq, start, end, speaker_id, alias_id, question, words, kind, role)
        for seq, (turn_id, (start, end, _, words), (speaker_id, alias_id, _), question, (kind, role))
        in enumerate(zip(ids, turns, resolved, questions, kinds))])
    return document_id, True


_INSERT_TURN = ('INSERT INTO turns(id, document_id, seq, start, "end", speaker_id, alias_id,'
                ' question_id, words, kind, role) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')


def _insert_turns(conn, rows: list[tuple]) -> None:
    """Insert a document's turn rows with one ``executemany`` (in an import as fast as
    statements of 32 rows each, which had to flatten every row's values first)."""
    conn.executemany(_INSERT_TURN, rows)


def import_paths(project: Project, paths: Iterable[str | Path], *, fmt: str | None = None,
                 lang: str | None = None, strict: bool = False,
                 progress: Callable[[int], None] | None = None, workers: int | None = None,
                 **options) -> ImportReport:
    """Import files and folders; returns an :class:`ImportReport`.

    Each file is atomic: a bad file is reported and leaves no trace, the good ones are
    imported (files commit in batches, each inside its own savepoint).  With
    ``strict=True`` the whole batch is one transaction and the first bad file raises
    :class:`ImportProblem` after rolling everything back.  Files are read and parsed in
    ``workers`` processes while this one stores (default: one per CPU core, up to 4,
    for 16 files or more; 1: all in this process).
    """
    files = expand_paths(paths)
    resolver = SpeakerResolver(project, fuzzy=False)  # reconcile() below groups spellings
    # Closing the stream stops its worker processes, whatever ends the import.
    with contextlib.closing(prepared_files(files, fmt, lang, options, workers=workers,
                                           administrations=resolver.administrations())
                            ) as stream, \
            project.bulk_writes():
        store = _store_all if strict else _store_in_batches
        report = store(project, stream, resolver, progress)
        if report.documents or project.setting(UNSETTLED) or project.db.execute(
                "SELECT 1 FROM turns WHERE kind IS NULL LIMIT 1").fetchone():
            # (turns without a kind: a project from before per-turn kinds, upgraded;
            # UNSETTLED: an earlier import stopped before this step.)
            # Who is who, canonical names and turn kinds from all the evidence, so the
            # result does not depend on the order files arrived in.
            try:
                with project.transaction():
                    settle_speakers(project)
            except sqlite3.OperationalError as exc:
                raise stopped_partway(
                    project, exc, doing="reconciling speakers after the import",
                    kept=f"the {report.documents} new document(s)" if report.documents else None,
                    rest="who is who among the speakers not yet",
                    rerun="coder import") from None
        return report


def settle_speakers(project: Project) -> None:
    """Who is who, canonical names and every turn's kind from all the evidence in the
    project, after documents were stored (call inside a transaction): what an import of
    files, a REFI-QDA import and a merge of another project file all end with, so a
    document's speakers do not depend on the way it came in."""
    fill_turn_kinds(project)
    reconcile(project)
    project.db.execute("DELETE FROM settings WHERE key = ?", [UNSETTLED])


def _store_all(project: Project, stream: Iterator[tuple[Path, Prepared]],
               resolver: SpeakerResolver, progress: Callable[[int], None] | None) -> ImportReport:
    """``strict``: every file in one transaction; the first bad one rolls all back."""
    report = ImportReport()
    stamp = now()
    try:
        with project.transaction():
            for path, prepared in stream:
                if isinstance(prepared, NotADocument):
                    report.files.append(FileResult(shown_name(path), "skipped", message=str(prepared)))
                    continue
                if isinstance(prepared, ImportProblem):
                    raise prepared
                report.files.append(_store_file(project, path, prepared, resolver, stamp))
                if progress:
                    progress(1)
            _mark_unsettled(project, report)
    except BaseException:
        resolver.rollback()
        raise
    resolver.commit()
    return report


def _store_in_batches(project: Project, stream: Iterator[tuple[Path, Prepared]],
                      resolver: SpeakerResolver,
                      progress: Callable[[int], None] | None) -> ImportReport:
    """Each file atomic (a savepoint); a batch of files commits every COMMIT_SECONDS, so a
    bad file never leaves a trace and commits stay cheap.  Ctrl-C keeps the finished files."""
    report = ImportReport()
    committed = 0  # report.files[:committed] are on disk
    while True:
        try:
            state = _store_batch(project, stream, resolver, progress, report)
        except sqlite3.OperationalError as exc:
            # The batch in hand was rolled back; the earlier ones are kept: say so.
            resolver.rollback()
            kept = report.files[:committed]
            stored = sum(f.created for f in kept)
            raise stopped_partway(
                project, exc, doing="importing",
                kept=f"{stored} document(s) from {sum(f.status == 'imported' for f in kept)} file(s)"
                if stored else None, rerun="coder import") from None
        resolver.commit()
        committed = len(report.files)
        if state == "interrupted":
            raise KeyboardInterrupt
        if state == "done":
            return report


def _store_batch(project: Project, stream: Iterator[tuple[Path, Prepared]],
                 resolver: SpeakerResolver, progress: Callable[[int], None] | None,
                 report: ImportReport) -> str:
    """Store files for up to COMMIT_SECONDS in one transaction; returns whether the stream
    is "done", was "interrupted" (what was stored is committed) or has "more"."""
    with project.transaction():
        started, stamp = time.monotonic(), now()
        try:
            # At least one file per batch, however slow the clock.
            while True:
                try:
                    path, prepared = next(stream)
                except StopIteration:
                    _mark_unsettled(project, report)
                    return "done"
                try:
                    if isinstance(prepared, ImportProblem):
                        raise prepared
                    with project.transaction():
                        result = _store_file(project, path, prepared, resolver, stamp)
                except NotADocument as exc:
                    result = FileResult(shown_name(path), "skipped", message=str(exc))
                except CoderError as exc:
                    resolver.rollback()  # the file's savepoint was rolled back
                    result = FileResult(shown_name(path), "failed", message=str(exc))
                report.files.append(result)
                if progress:
                    progress(1)
                if time.monotonic() - started >= COMMIT_SECONDS:
                    break
        except KeyboardInterrupt:
            # Whenever Ctrl-C lands, the file in hand is whole or rolled back (its
            # savepoint): commit every file finished before it, then stop.
            resolver.rollback()
            _mark_unsettled(project, report)
            return "interrupted"
        _mark_unsettled(project, report)
    return "more"


UNSETTLED = "speakers_unsettled"
"""Setting: documents were stored whose speakers have not been reconciled yet."""


def _mark_unsettled(project: Project, report: ImportReport) -> None:
    """Record, in the batch's own transaction, that reconciling is owed: if the import
    stops before it (disk full, Ctrl-C), the next import reconciles even when it has no
    new file."""
    if report.documents and not project.setting(UNSETTLED):
        project.set_setting(UNSETTLED, True)


def _same_day_duplicate(project: Project, resolver: SpeakerResolver, document_id: int,
                        item: PreparedDocument) -> str | None:
    """A warning when a document of the same date has mostly the same text (the same
    conference published twice), else None.  Lines are compared first (cheap); a likely
    pair is then measured word by word (see :mod:`coder.corpus.documents`)."""
    from .documents import DUPLICATE_CONTAINMENT, may_be_duplicates, overlap, shingles
    from .prepare import paragraph_hashes

    seen = resolver.paragraphs.setdefault(item.date, [])
    known = {other for other, _, _ in seen}
    if resolver.dates_before is None:  # the dates of documents imported earlier, read once
        resolver.dates_before = {d for (d,) in project.db.execute(
            "SELECT DISTINCT date FROM documents WHERE id != ?", [document_id])}
    earlier = project.db.execute(
        "SELECT id FROM documents WHERE date = ? AND id != ?", [item.date, document_id]
    ).fetchall() if item.date in resolver.dates_before else []
    for (other,) in earlier:
        if other not in known:  # imported earlier: read its lines once
            text, words = project.db.execute("SELECT text, words FROM documents WHERE id = ?",
                                             [other]).fetchone()
            seen.append((other, paragraph_hashes(text), words))
            known.add(other)
    found = None
    mine = item.paragraphs
    for other, theirs, words in seen:

        def both_texts(other=other) -> tuple[str, str]:
            rows = dict(project.db.execute(
                "SELECT id, text FROM documents WHERE id IN (?, ?)", [document_id, other]))
            return rows[document_id], rows[other]

        if not may_be_duplicates((mine, theirs), 0.5, (item.words, words), both_texts):
            continue
        texts = dict(zip((document_id, other), both_texts()))
        jaccard, contained = overlap(shingles(texts[document_id]), shingles(texts[other]))
        if contained >= DUPLICATE_CONTAINMENT:
            found = (f"near-duplicate of document #{other} of the same date ({contained:.0%} of "
                     f"the shorter text in the longer); see `coder documents --duplicates`, and "
                     "`coder documents exclude` to leave one out of analyses")
            break
    seen.append((document_id, mine, item.words))
    return found


def _store_file(project: Project, path: Path, prepared: list[PreparedDocument],
                resolver: SpeakerResolver, stamp: str) -> FileResult:
    source = shown_name(path)
    result = FileResult(source, "duplicate")
    raw = raw_name(path)
    stored_by: dict[int, str | None] = {}  # document id -> the part of the file that stored it
    for item in prepared:
        if raw is not None:  # a name that is not UTF-8: stored readable, kept exactly here
            item.metadata = json.dumps({**json.loads(item.metadata), "source_bytes": raw},
                                       ensure_ascii=False)
        document_id, created = store_document(project, item, source=source, resolver=resolver,
                                              imported_at=stamp)
        result.document_ids.append(document_id)
        result.warnings.extend(item.warnings)
        if not created:
            result.present += 1
            if item.origin is not None:
                # One row of a table: say which, and which row or document it repeats.
                result.notes.append(
                    f"{item.origin}: same text as {stored_by[document_id]} (document "
                    f"#{document_id}); stored once" if stored_by.get(document_id) else
                    f"{item.origin}: same text as document #{document_id}, already in the "
                    "project")
            continue
        stored_by[document_id] = item.origin
        result.status = "imported"
        result.created += 1
        if item.date:
            warning = _same_day_duplicate(project, resolver, document_id, item)
            if warning:
                result.warnings.append(warning)
    if result.status == "duplicate":
        result.notes = []  # the message says it all
        result.message = "already imported as document " + first_few(
            (f"#{i}" for i in dict.fromkeys(result.document_ids)), 10)
    return result
