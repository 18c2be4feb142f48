"""Suggestions in the project file: runs, incremental rules, listing, audit and reports.

A run (:func:`prepare_run` then :func:`execute_run`, or :func:`run_suggest`) matches the
codebook's patterns against the turns in scope and stores, per document and in ONE
transaction, that document's suggestions plus a ``suggest_runs`` row: the codebook
version, the pipeline, and the scope (the document's text digest and the turns
matched).  The next run skips a document whose row still holds (same text, codebook
version and pipeline, and turns that cover the requested ones); otherwise the
document's suggestions are replaced.  ``decisions`` are never touched: they keep the
natural key (document, code, start, end, pattern) and their ``suggestion_id`` is
re-linked whenever the same suggestion comes back.  An interrupted run keeps every
document written before the interruption; the next run resumes after them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import sqlite3
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..corpus.kinds import KINDS
from ..errors import CoderError, PatternError, read_text
from ..outputs import write_text
from ..project import Project, now, stopped_partway
from ..selection import Filters, check_date_range, normalise_date

# A coder's suggestion visibility lives in team.coders (light for the workbench); re-exported.
from .engine import (
    Hit,
    HitReading,
    PatternHit,
    PatternRef,
    PatternTrial,
    Plan,
    build_plan,
    explain,
    match_document,
    validate_refs,
)
from .moves import RULES_VERSION, MoveBook, Reading, keep_longest, move_book_from_yaml

ROLES = KINDS  # a turn's kind: --role of a run


# -- scope ------------------------------------------------------------------------------------

@dataclass
class RunScope:
    """What a run covers: documents (ids, dates) and, inside them, turns (speaker, role)."""

    speaker: str | None = None
    role: str | None = None
    doc_ids: Sequence[int] | None = None
    since: str | dt.date | None = None
    until: str | dt.date | None = None
    where: Sequence[str] | None = None  # document attributes, key=value (all must hold)
    include_excluded: bool = False  # documents excluded from analyses too

    def turn_filter(self) -> dict:
        """The part of the scope that selects turns (stored with each run)."""
        return {k: v for k, v in (("speaker", self.speaker), ("role", self.role)) if v}


@dataclass
class DocumentTask:
    """One document to match: which turns, and the run row to store afterwards."""

    document_id: int
    lang: str
    turns: list[tuple[int, int]]     # (start, end) ranges into the document's text
    scope: dict                      # the suggest_runs.scope value
    kinds: list[str] = field(default_factory=list)  # each turn's speaker kind
    words: int = 0                   # words in those turns (as stored at import)


@dataclass
class RunPlan:
    """A validated run, ready to execute: nothing is written while preparing it."""

    codebook_version: str
    plans: dict[str, Plan]
    pipelines: dict[str, str]
    tasks: list[DocumentTask]
    moves: MoveBook = field(default_factory=MoveBook)  # how hits read their clause
    moves_yaml: str | None = None    # the codebook YAML ``moves`` was read from (for workers)
    documents: int = 0               # documents in scope
    up_to_date: int = 0              # skipped: suggestions already current
    no_turns: int = 0                # skipped: no turns (in scope)
    no_patterns: int = 0             # skipped: no patterns in the document's language
    notes: list[str] = field(default_factory=list)


@dataclass
class SuggestReport:
    """What a run did."""

    documents: int = 0
    processed: int = 0
    up_to_date: int = 0
    no_turns: int = 0
    no_patterns: int = 0
    suggestions: int = 0
    words: int = 0
    by_code: dict[str, int] = field(default_factory=dict)
    pipelines: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def default_lang(project: Project) -> str:
    """The language of documents without one: the codebook's first language, else es."""
    languages = project.setting("languages")
    if isinstance(languages, list) and languages:
        return str(languages[0])
    return "es"


def pattern_refs(project: Project) -> list[PatternRef]:
    """Every pattern and exclude entry of the project's current (non-retired) codes."""
    refs: list[PatternRef] = []
    for row in project.rows('SELECT id, patterns, exclude FROM codes WHERE retired = 0'
                            ' ORDER BY sort, id'):
        for name, exclude in (("patterns", False), ("exclude", True)):
            try:
                entries = json.loads(row[name] or "[]")
            except ValueError:
                raise PatternError(f"code {row['id']}: stored {name} are not valid JSON") from None
            for entry in entries:
                refs.append(PatternRef(row["id"], entry, exclude))
    return refs


def prepare_run(project: Project, scope: RunScope | None = None, *, model: str | None = None,
                force: bool = False, warn: Callable[[str], None] | None = None) -> RunPlan:
    """Validate patterns, load what is needed and decide which documents to (re)match.

    Raises :class:`PatternError` (naming code and pattern) or :class:`CoderError` before
    anything is written.
    """
    from .pipeline import model_language

    scope = scope or RunScope()
    version = project.setting("codebook_version")
    if not version:
        raise CoderError("no codebook loaded; run `coder codebook load FILE.yaml` first")
    refs = pattern_refs(project)
    if not any(not r.exclude for r in refs):
        raise CoderError("the codebook has no patterns; add `patterns:` to its codes")
    validate_refs(refs)
    if scope.role and scope.role not in ROLES:
        raise CoderError(f"unknown role {scope.role!r}; one of {', '.join(ROLES)}")
    speaker_id = None
    if scope.speaker:
        from ..corpus.speakers import find_speaker

        speaker_id = find_speaker(project, scope.speaker)["id"]

    where, params = [], []
    if scope.doc_ids:
        ids = [int(i) for i in scope.doc_ids]
        where.append(f"d.id IN ({','.join('?' * len(ids))})")
        params += ids
        known = {r[0] for r in project.db.execute(
            f"SELECT id FROM documents WHERE id IN ({','.join('?' * len(ids))})", ids)}
        missing = sorted(set(ids) - known)
        if missing:
            raise CoderError(f"no document #{missing[0]}; see `coder documents`")
    since, until = normalise_date(scope.since, "since"), normalise_date(scope.until, "until")
    check_date_range(since, until)
    if scope.where:
        from ..corpus.documents import parse_where

        parse_where(scope.where)  # a malformed one fails here, before any work
    # Dates, attributes and exclusion as every command reads them (named ids are kept
    # even when excluded).
    dates, date_params = Filters(
        since=since, until=until, document_ids=[int(i) for i in scope.doc_ids] if scope.doc_ids
        else None, where=list(scope.where or ()) or None,
        include_excluded=scope.include_excluded).document_sql("d")
    clause = ("WHERE " + " AND ".join(where) if where else "WHERE 1 = 1") + dates
    params += date_params
    docs = project.rows(
        f"SELECT d.id, d.lang, d.sha256, length(d.text) AS size, r.codebook_version AS run_version,"
        f" r.pipeline AS run_pipeline, r.scope AS run_scope FROM documents d"
        f" LEFT JOIN suggest_runs r ON r.document_id = d.id {clause} ORDER BY d.id", params)

    fallback = default_lang(project)
    langs = sorted({d["lang"] or fallback for d in docs})
    model_lang = model_language(model) if model is not None else None
    plans: dict[str, Plan] = {}
    pipelines: dict[str, str] = {}
    notes: list[str] = []
    for lang in langs:
        lang_model = model if lang == model_lang else None
        lang_refs = [r for r in refs if r.entry.get("lang") == lang]
        if lang_refs:
            plan = build_plan(lang, lang_refs, lang_model, warn=warn)
            plans[lang] = plan
            pipelines[lang] = plan.pipeline
            notes.extend(plan.notes)
    if model and model_lang not in langs and warn:
        warn(f"no document in scope is in {model_lang!r}, the language of {model!r}")

    turns_by_doc: dict[int, list[dict]] = {}
    if docs:
        ids = [d["id"] for d in docs]
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            for row in project.rows(
                'SELECT t.document_id, t.seq, t.start, t."end", t.speaker_id, t.words,'
                " COALESCE(t.kind, s.kind) AS kind FROM turns t"
                " LEFT JOIN speakers s ON s.id = t.speaker_id"
                f" WHERE t.document_id IN ({','.join('?' * len(chunk))}) ORDER BY t.document_id, t.seq",
                chunk,
            ):
                turns_by_doc.setdefault(row["document_id"], []).append(row)

    moves_yaml = _codebook_yaml(project)
    run = RunPlan(codebook_version=str(version), plans=plans, pipelines=pipelines, tasks=[],
                  documents=len(docs), notes=notes, moves_yaml=moves_yaml,
                  moves=move_book_from_yaml(moves_yaml) if moves_yaml else MoveBook())
    tasks: list[tuple[int, DocumentTask]] = []
    turn_filter = scope.turn_filter()
    for doc in docs:
        turns = [t for t in turns_by_doc.get(doc["id"], []) if t["end"] > t["start"]]
        if not turns:
            run.no_turns += 1
            continue
        all_seqs = {t["seq"] for t in turns}
        wanted = {t["seq"] for t in turns
                  if (speaker_id is None or t["speaker_id"] == speaker_id)
                  and (not scope.role or (t["kind"] or "unknown") == scope.role)}
        if not wanted:
            run.no_turns += 1
            continue
        lang = doc["lang"] or fallback
        if lang not in plans:
            run.no_patterns += 1
            continue
        seqs = wanted
        stored = _stored_scope(doc["run_scope"])
        current = (doc["run_version"] == run.codebook_version
                   and doc["run_pipeline"] == pipelines[lang]
                   and stored is not None and stored.get("sha256") == doc["sha256"]
                   and stored.get("rules") == RULES_VERSION)
        if current and not force:
            done = all_seqs if stored.get("turns") is None else set(stored["turns"]) & all_seqs
            if wanted <= done:
                run.up_to_date += 1
                continue
            seqs = wanted | done  # widen: keep what the earlier scope covered
        selected = [t for t in turns if t["seq"] in seqs]
        task = DocumentTask(
            document_id=doc["id"], lang=lang,
            turns=[(t["start"], t["end"]) for t in selected],
            kinds=[t["kind"] or "unknown" for t in selected],
            words=sum(t["words"] for t in selected),
            scope={"sha256": doc["sha256"],
                   "turns": None if seqs == all_seqs else sorted(seqs),
                   "filter": turn_filter, "rules": RULES_VERSION})
        tasks.append((doc["size"], task))
    if run.no_patterns and warn:
        missing = sorted({d["lang"] or fallback for d in docs} - set(plans))
        warn(f"{run.no_patterns} document(s) in {', '.join(map(repr, missing))} skipped: the "
             "codebook has no patterns in that language")
    # Largest documents first: workers finish together instead of waiting on a giant.
    tasks.sort(key=lambda item: -item[0])
    run.tasks = [task for _, task in tasks]
    return run


def _codebook_yaml(project: Project) -> str | None:
    """The current codebook's stored YAML (its move rules, lexicons and topics), if any."""
    codebook_id = project.setting("codebook_id")
    row = project.db.execute("SELECT yaml FROM codebooks WHERE id = ?", [codebook_id]).fetchone() \
        if codebook_id is not None else None
    return row[0] if row and row[0] else None


def _move_book(project: Project) -> MoveBook:
    """The current codebook's move rules, lexicons and topics (empty without a codebook)."""
    text = _codebook_yaml(project)
    return move_book_from_yaml(text) if text else MoveBook()


Read = tuple[str, str, int, int, Reading]  # a hit and its reading


def read_hits(text: str, task: DocumentTask, hits: Sequence[Hit], book: MoveBook) -> list[Read]:
    """Each hit with its :class:`Reading`; only the longest of overlapping hits of one code,
    and none of a code that requires a context its surroundings lack."""
    return read_turn_hits([(start, text[start:end]) for start, end in task.turns], task.kinds,
                          hits, book)


def read_turn_hits(turns: Sequence[tuple[int, str]], kinds: Sequence[str], hits: Sequence[Hit],
                   book: MoveBook) -> list[Read]:
    """:func:`read_hits` given the document's turns as ``(offset, text)`` and their kinds
    (what a worker process has)."""
    import bisect

    starts = [start for start, _ in turns]
    readers: dict = {}
    out: list[Read] = []
    for code, pattern, start, end in keep_longest(list(hits)):
        index = max(0, bisect.bisect_right(starts, start) - 1)
        turn_start, turn_text = turns[index]
        if index not in readers:
            kind = kinds[index] if index < len(kinds) else None
            readers[index] = book.reader(turn_text, kind)
        rules = book.for_code(code, pattern)
        reading = readers[index].read(start - turn_start, end - turn_start, rules,
                                      book.lexicons, book.topics, kept_only=True)
        if not reading.kept(rules):
            continue
        out.append((code, pattern, start, end, reading))
    return out


def _stored_scope(text: str | None) -> dict | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


# -- running ----------------------------------------------------------------------------------

Payload = tuple[int, str, list[tuple[int, str]], list[str]]


def _payload(project: Project, task: DocumentTask) -> Payload:
    # Only the turns, not the whole text, travel to a worker: (id, lang, turns, kinds).
    text = project.db.execute("SELECT text FROM documents WHERE id = ?",
                              [task.document_id]).fetchone()[0]
    return (task.document_id, task.lang, [(start, text[start:end]) for start, end in task.turns],
            list(task.kinds))


def match_and_read(plans: dict[str, Plan], book: MoveBook, payload: Payload, naive: bool = False
                   ) -> list[Read]:
    """One document's read hits: its turns matched, then each hit read in its turn."""
    _, lang, turns, kinds = payload
    return read_turn_hits(turns, kinds, match_document(plans, lang, turns, naive), book)


_WORKER: dict = {}


def _worker_init(path: str, naive: bool) -> None:
    """Pool initializer: read the plans and the move rules (pickled by the parent) and
    compile the engines.

    Ctrl-C is left to the parent (it stops the pool).  A failure is kept and raised by
    the first task, so it reaches the parent as that task's error.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER.update(plans={}, book=MoveBook(), naive=naive, error=None)
    try:
        import pickle

        from .engine import get_engine

        with open(path, "rb") as handle:
            plans, moves = pickle.load(handle)
        _WORKER["plans"] = plans
        _WORKER["book"] = move_book_from_yaml(moves) if isinstance(moves, str) else moves
        for plan in plans.values():
            get_engine(plan, naive=naive)
    except Exception as exc:  # re-raised in _worker_task
        _WORKER["error"] = exc


def _worker_task(payload: Payload) -> tuple[int, list[Read]]:
    """Match and read one document in a worker process."""
    if _WORKER.get("error") is not None:
        raise _WORKER["error"]
    return payload[0], match_and_read(_WORKER["plans"], _WORKER["book"], payload, _WORKER["naive"])


# A worker process takes about a second to start (spaCy, the plans, the engines): below
# this much text to match, one process is done before a second would be ready.
PARALLEL_MIN_CHARS = 5_000_000
# Each worker holds its own pipeline and memo (about 250 MB on the shared corpus): the
# default stays at two; more are a choice (--workers).
DEFAULT_MAX_WORKERS = 2


# Documents queued for each other process: enough that it never waits while this one
# matches a large document, few enough that memory stays flat.
AHEAD_PER_WORKER = 4


def default_workers(run: RunPlan) -> int:
    """How many processes match ``run`` when the user does not say: 2 on a machine with
    two or more cores when there are at least :data:`PARALLEL_MIN_CHARS` characters of
    turns to match, else 1 (this process)."""
    size = sum(end - start for task in run.tasks for start, end in task.turns)
    if size < PARALLEL_MIN_CHARS:
        return 1
    from ..corpus.parallel import available_cpus

    return max(1, min(available_cpus(), DEFAULT_MAX_WORKERS, len(run.tasks)))


def execute_run(project: Project, run: RunPlan, *, naive: bool = False, workers: int | None = None,
                progress: Callable[[int], None] | None = None) -> SuggestReport:
    """Match every task of ``run`` and store each document in its own transaction.

    ``workers > 1`` matches in that many processes (each loads its pipeline once); the
    results are written here, in this process.  None: :func:`default_workers`.
    ``progress(1)`` is called after each document is committed.
    """
    report = SuggestReport(documents=run.documents, up_to_date=run.up_to_date,
                           no_turns=run.no_turns, no_patterns=run.no_patterns,
                           pipelines=dict(run.pipelines),
                           notes=list(run.notes))
    by_code: Counter = Counter()

    def store(task: DocumentTask, reads: list[Read]) -> None:
        write_document(project, task, reads, run.codebook_version, run.pipelines[task.lang])
        report.processed += 1
        report.suggestions += len(reads)
        report.words += task.words
        by_code.update(read[0] for read in reads)
        if progress:
            progress(1)

    tasks = run.tasks
    if workers is None:
        workers = default_workers(run)
    workers = max(1, min(int(workers or 1), len(tasks)))
    try:
        if workers == 1:
            for task in tasks:
                payload = _payload(project, task)
                store(task, match_and_read(run.plans, run.moves, payload, naive))
        else:
            _run_pool(project, run, tasks, workers, naive, store)
    except sqlite3.OperationalError as exc:
        # Each document was committed on its own: say what is kept, not "nothing".
        kept = (f"{report.suggestions} suggestion(s) in {report.processed} document(s)"
                if report.processed else None)
        raise stopped_partway(project, exc, doing="storing suggestions", kept=kept,
                              rerun="coder suggest") from None
    report.by_code = dict(sorted(by_code.items()))
    return report


def _run_pool(project: Project, run: RunPlan, tasks: list[DocumentTask], workers: int,
              naive: bool, store: Callable) -> None:
    """Match and read in ``workers`` processes: this one and ``workers - 1`` others.

    This process keeps each other process a few documents ahead, matches documents itself
    in between, and writes every result here, in task order (so a run stores the same
    rows in the same order however the work was shared).  One process per core, not one
    more that only writes: the writing competed with the matching for the cores.  A
    process that cannot start (or dies) stops the run with a CoderError instead of
    hanging.
    """
    import multiprocessing
    import pickle
    import tempfile
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # The plans go through a file, not the start-up pipe: a child that dies before
    # reading a large start-up message would leave the parent blocked writing it.
    with tempfile.NamedTemporaryFile(prefix="coder-plans-", suffix=".pickle", delete=False) as handle:
        # The move rules travel as the codebook's YAML when there is one: a worker builds
        # its own book (and word memo) from it.
        pickle.dump((run.plans, run.moves_yaml or run.moves), handle,
                    protocol=pickle.HIGHEST_PROTOCOL)
        plans_path = handle.name
    # Forked on Linux: a worker starts with spaCy and coder loaded instead of importing
    # them again (about a second each); elsewhere spawned.
    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    others = workers - 1
    pool = ProcessPoolExecutor(others, mp_context=context, initializer=_worker_init,
                               initargs=(plans_path, naive))
    ahead = others * AHEAD_PER_WORKER  # documents queued for the other processes
    sent: dict[int, object] = {}     # task index -> future
    done: dict[int, list[Read]] = {}  # task index -> reads matched here, not yet stored
    following = 0                    # the next task to hand out
    stored = 0                       # the next task to store

    try:
        while stored < len(tasks):
            # (Only unfinished documents count: finished ones wait here to be stored in order.)
            while following < len(tasks) and sum(not f.done() for f in sent.values()) < ahead:
                payload = _payload(project, tasks[following])
                sent[following] = pool.submit(_worker_task, payload)
                following += 1
            # Store, in order, whatever is ready.
            while stored < len(tasks):
                if stored in done:
                    reads = done.pop(stored)
                elif stored in sent and (sent[stored].done() or following == len(tasks)):
                    _, reads = sent.pop(stored).result()
                else:
                    break
                store(tasks[stored], reads)
                stored += 1
            if following < len(tasks):
                task = tasks[following]
                done[following] = match_and_read(run.plans, run.moves, _payload(project, task),
                                                 naive)
                following += 1
    except BrokenProcessPool:
        # (Killed for memory, say; where workers are spawned, not forked, a script read
        # from standard input cannot start them.)
        raise CoderError(f"{'a worker process' if others == 1 else 'the worker processes'}"
                         " stopped unexpectedly; try one worker", option="workers") from None
    finally:
        # On Ctrl-C or an error: drop what is queued, stop the workers, keep what is written.
        pool.shutdown(wait=True, cancel_futures=True)
        Path(plans_path).unlink(missing_ok=True)


SEARCH_PIPELINE = "fts5"
"""The pipeline of suggestions recorded from a full-text search (``coder search --suggest-code``)."""


def check_search_code(project: Project, code_id: str) -> str:
    """The codebook version search hits of ``code_id`` would be suggested under.

    CoderError when the code is unknown or retired or no codebook is loaded (checked
    before searching, so a bad code costs no search).
    """
    row = project.db.execute("SELECT retired FROM codes WHERE id = ?", [code_id]).fetchone()
    if row is None:
        raise CoderError(f"no code {code_id!r} in the codebook; see `coder codebook show`")
    if row[0]:
        raise CoderError(f"code {code_id!r} was retired from the current codebook")
    version = project.setting("codebook_version")
    if not version:
        raise CoderError("no codebook loaded; run `coder codebook load FILE.yaml`")
    return str(version)


@dataclass(frozen=True)
class SearchSuggestions:
    """Search hits recorded as suggestions (``coder search --suggest-code``)."""

    hits: int
    suggestions: int  # new ones (a hit already suggested is skipped)
    pattern_id: str


def add_search_suggestions(project: Project, query: str, code_id: str,
                           spans: Sequence[tuple[int, int, int]]) -> SearchSuggestions:
    """Record search hits ``(document_id, start, end)`` as suggestions of ``code_id``.

    ``pattern_id`` is ``search:<query>``, the pipeline :data:`SEARCH_PIPELINE`; a span
    already suggested for that code and query is skipped.  One transaction, logged.
    """
    version = check_search_code(project, code_id)
    pattern_id = f"search:{query}"
    stamp = now()
    with project.transaction():
        before = project.db.execute("SELECT total_changes()").fetchone()[0]
        project.db.conn.executemany(
            'INSERT OR IGNORE INTO suggestions(document_id, code_id, start, "end", pattern_id,'
            " codebook_version, pipeline, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(document_id, code_id, start, end, pattern_id, version, SEARCH_PIPELINE, stamp)
             for document_id, start, end in spans])
        added = project.db.execute("SELECT total_changes()").fetchone()[0] - before
        project.log_event("suggest", "suggestions", None,
                          after={"query": query, "code_id": code_id, "hits": len(spans),
                                 "added": added, "pipeline": SEARCH_PIPELINE})
    return SearchSuggestions(hits=len(spans), suggestions=added, pattern_id=pattern_id)


def write_document(project: Project, task: DocumentTask, hits: Sequence[Hit | Read],
                   codebook_version: str, pipeline: str) -> None:
    """Replace one document's suggestions and record its run, in one transaction.

    ``hits`` are read hits (:func:`read_hits`: with predicted source, polarity, sector,
    context and the mark) or bare hits (no predictions stored).
    """
    rows = {}
    for hit in hits:
        reading = hit[4] if len(hit) > 4 else None
        rows[tuple(hit[:4])] = reading
    stamp = now()
    doc_id = task.document_id
    with project.transaction():
        db = project.db
        # Suggestions from `coder search --suggest-code` (pipeline fts5) are not the
        # pattern engine's to replace.
        before = db.execute("SELECT count(*) FROM suggestions WHERE document_id = ?"
                            f" AND pipeline != '{SEARCH_PIPELINE}'", [doc_id]).fetchone()[0]
        db.execute(f"DELETE FROM suggestions WHERE document_id = ? AND pipeline != '{SEARCH_PIPELINE}'",
                   [doc_id])
        db.conn.executemany(
            'INSERT INTO suggestions(document_id, code_id, start, "end", pattern_id,'
            " codebook_version, pipeline, created_at, source, polarity, sector, context, marked,"
            " cues) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(doc_id, code, start, end, pattern, codebook_version, pipeline, stamp,
              *_reading_columns(rows[(code, pattern, start, end)]))
             for code, pattern, start, end in sorted(rows, key=lambda h: (h[2], h[3], h[0], h[1]))],
        )
        # Decisions keep their natural key; point them at the new rows (NULL when gone).
        db.execute(
            "UPDATE decisions SET suggestion_id = (SELECT s.id FROM suggestions s"
            " WHERE s.document_id = decisions.document_id AND s.code_id = decisions.code_id"
            ' AND s.start = decisions.start AND s."end" = decisions."end"'
            " AND s.pattern_id = decisions.pattern_id) WHERE document_id = ?", [doc_id])
        db.execute(
            "INSERT INTO suggest_runs(document_id, codebook_version, pipeline, scope, finished_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT(document_id) DO UPDATE SET"
            " codebook_version = excluded.codebook_version, pipeline = excluded.pipeline,"
            " scope = excluded.scope, finished_at = excluded.finished_at",
            [doc_id, codebook_version, pipeline, json.dumps(task.scope, ensure_ascii=False), stamp])
        project.log_event("suggest", "document", doc_id,
                          before={"suggestions": before},
                          after={"suggestions": len(rows), "codebook_version": codebook_version,
                                 "pipeline": pipeline, "turns": task.scope.get("turns")})


def _reading_columns(reading: Reading | None) -> tuple:
    if reading is None:
        return (None, None, None, None, 0, None)
    return (reading.source, reading.polarity, reading.sector, reading.context, int(reading.marked),
            json.dumps(reading.cues, ensure_ascii=False) if reading.cues else None)


def run_suggest(project: Project, scope: RunScope | None = None, *, model: str | None = None,
                naive: bool = False, workers: int | None = 1, force: bool = False,
                progress: Callable[[int], None] | None = None,
                warn: Callable[[str], None] | None = None) -> SuggestReport:
    """Prepare and execute a run (see :func:`prepare_run` and :func:`execute_run`)."""
    run = prepare_run(project, scope, model=model, force=force, warn=warn)
    return execute_run(project, run, naive=naive, workers=workers, progress=progress)




STATUS = {"accept": "accepted", "reject": "rejected"}


def _decisions_and_codings(project: Project, doc_ids: list[int]) -> tuple[dict, dict]:
    """For these documents: every coder's decision per suggestion key ``(document, code,
    start, end, pattern) -> {coder name: accepted|rejected}``, and every live coding per
    ``(document, code) -> [(start, end, coder name)]``."""
    decided: dict[tuple, dict[str, str]] = {}
    coded: dict[tuple, list[tuple[int, int, str]]] = {}
    for start in range(0, len(doc_ids), 900):
        chunk = doc_ids[start:start + 900]
        for row in project.rows(
            'SELECT d.document_id, d.code_id, d.start, d."end", d.pattern_id, c.name, d.decision'
            " FROM decisions d JOIN coders c ON c.id = d.coder_id WHERE d.deleted = 0"
            f" AND d.document_id IN ({','.join('?' * len(chunk))})", chunk,
        ):
            key = (row["document_id"], row["code_id"], row["start"], row["end"], row["pattern_id"])
            decided.setdefault(key, {})[row["name"]] = STATUS.get(row["decision"], row["decision"])
        for row in project.rows(
            'SELECT a.document_id, a.code_id, a.start, a."end", c.name FROM annotations a'
            " JOIN coders c ON c.id = a.coder_id WHERE a.deleted = 0"
            f" AND a.document_id IN ({','.join('?' * len(chunk))})", chunk,
        ):
            coded.setdefault((row["document_id"], row["code_id"]), []).append(
                (row["start"], row["end"], row["name"]))
    return decided, coded


def _covered_by(row: dict, decisions: dict[str, str], coded: dict) -> list[str]:
    """The coders who accepted suggestion ``row`` by coding (the workbench's ``covered``):
    a live coding of theirs with its code covers its span, and they made no decision on
    it (``decisions``)."""
    return sorted({name for start, end, name in coded.get((row["document_id"], row["code_id"]), [])
                   if start <= row["start"] and end >= row["end"] and name not in decisions})


def list_suggestions(project: Project, *, doc_ids: Sequence[int] | None = None,
                     code: str | None = None, coder: str | None = None,
                     status: str | None = None, limit: int | None = None) -> list[dict]:
    """Suggestions with their text, pattern, codebook version and decisions.

    ``status`` is the coder's (pending/accepted/rejected/covered) when ``coder`` is given;
    otherwise pending (nobody decided), accepted or rejected (everybody who decided
    agrees), covered, or disputed.  ``decisions`` maps each coder who decided to their
    decision.  ``covered`` is the workbench's (:func:`coder.annotate.document_suggestions`):
    not decided, but a live coding of the coder with the same code covers the span, so
    the coder has accepted it by coding; ``covered_by`` lists those coders.  A covered
    suggestion counts as accepted when coders' statuses are compared.  A ``coder`` who is
    not one of the project's is a CoderError (every suggestion would read as pending).
    """
    if coder is not None:
        from ..team.coders import get_coder

        get_coder(project, coder)
    where, params = [], []
    if doc_ids:
        where.append(f"s.document_id IN ({','.join('?' * len(doc_ids))})")
        params += [int(i) for i in doc_ids]
    if code:
        where.append("(s.code_id = ? OR s.code_id LIKE ?)")
        params += [code, code + ".%"]
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    rows = project.rows(
        'SELECT s.id, s.document_id, s.code_id, s.start, s."end", s.pattern_id,'
        " s.codebook_version, s.pipeline, s.source, s.polarity, s.sector, s.context, s.marked,"
        " s.cues, substr(d.text, s.start + 1, s.\"end\" - s.start) AS text"
        f" FROM suggestions s JOIN documents d ON d.id = s.document_id {clause}"
        ' ORDER BY s.document_id, s.start, s."end", s.code_id, s.pattern_id', params)
    decided, coded = _decisions_and_codings(project, sorted({r["document_id"] for r in rows}))
    out = []
    for row in rows:
        key = (row["document_id"], row["code_id"], row["start"], row["end"], row["pattern_id"])
        decisions = decided.get(key, {})
        covered_by = _covered_by(row, decisions, coded)
        states = {**decisions, **{name: "covered" for name in covered_by}}
        if coder is not None:
            state = states.get(coder, "pending")
        elif not states:
            state = "pending"
        elif len(set(states.values())) == 1:
            state = next(iter(states.values()))
        elif set(states.values()) == {"accepted", "covered"}:
            state = "accepted"
        else:
            state = "disputed"
        if status and state != status:
            continue
        out.append({"id": row["id"], "document": row["document_id"], "code": row["code_id"],
                    "start": row["start"], "end": row["end"], "text": row["text"],
                    "pattern": row["pattern_id"], "status": state, "decisions": decisions,
                    "covered_by": covered_by,
                    "codebook_version": row["codebook_version"], "pipeline": row["pipeline"],
                    "source": row["source"], "polarity": row["polarity"], "sector": row["sector"],
                    "context": row["context"], "marked": bool(row["marked"]),
                    "cues": json.loads(row["cues"]) if row["cues"] else {}})
        if limit is not None and len(out) >= limit:
            break
    return out


# -- the pattern report -----------------------------------------------------------------------

def _covered(project: Project, suggestions: list[dict]) -> Counter:
    """Per (code, pattern): how many (suggestion, coder) pairs are accepts by coding
    (:func:`_covered_by`)."""
    decided, coded = _decisions_and_codings(
        project, sorted({row["document_id"] for row in suggestions}))
    found: Counter = Counter()
    if coded:
        for row in suggestions:
            key = (row["document_id"], row["code_id"], row["start"], row["end"], row["pattern_id"])
            found[key[1], key[4]] += len(_covered_by(row, decided.get(key, {}), coded))
    return found


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


@dataclass(frozen=True)
class PatternStats:
    """One pattern's row of :func:`pattern_report`.

    ``covered`` counts suggestions a coder coded over without deciding (a live coding of
    the same code covering the span: an accept by coding, as the workbench counts it);
    ``precision`` = (accepted + covered) / (accepted + covered + rejected); the gold fields
    are None when the project has no gold coder.  ``n``, ``low``/``high`` (Wilson 95 %), ``thin`` and
    ``audit`` (the pattern's audited cell, a :class:`coder.team.audit.PatternCell`) are
    filled by :func:`coder.team.audit.with_intervals`.
    """

    code: str
    pattern: str
    in_codebook: bool
    hits: int
    documents: int
    accepted: int
    rejected: int
    covered: int
    gold_hits: int | None
    gold_tp: int | None
    precision: float | None
    gold_precision: float | None
    n: int | None = None
    low: float | None = None
    high: float | None = None
    thin: bool | None = None
    audit: object | None = None  # typed loosely: the audit layer sits above this one


@dataclass(frozen=True)
class CodeRecall:
    """Per code: gold annotations, how many a suggestion of the code overlaps, the share."""

    code: str
    gold_annotations: int
    gold_found: int
    gold_recall: float | None


_GOLD_FIELDS = ("gold_hits", "gold_tp", "gold_precision")
_INTERVAL_FIELDS = ("n", "low", "high", "thin", "audit")


@dataclass(frozen=True)
class PatternReport:
    """The result of :func:`pattern_report` (``thin_below`` once intervals are added)."""

    gold_coders: list[str]
    patterns: list[PatternStats]
    codes: list[CodeRecall]
    thin_below: int | None = None

    def as_json(self) -> dict:
        """The report as ``coder patterns report --json`` prints it: gold fields only with a
        gold coder, interval fields only once added."""
        order = [field.name for field in dataclasses.fields(PatternStats)]
        skip = set() if self.gold_coders else set(_GOLD_FIELDS)
        if self.thin_below is None:
            skip |= set(_INTERVAL_FIELDS)

        def value(row: PatternStats, name: str) -> object:
            found = getattr(row, name)
            return dataclasses.asdict(found) if dataclasses.is_dataclass(found) else found

        report = {"gold_coders": self.gold_coders,
                  "patterns": [{name: value(row, name) for name in order if name not in skip}
                               for row in self.patterns],
                  "codes": [dataclasses.asdict(row) for row in self.codes]}
        if self.thin_below is not None:
            report["thin_below"] = self.thin_below
        return report


def pattern_report(project: Project) -> PatternReport:
    """Per pattern: hits, documents, accepted, rejected, precision; and against gold codings.

    Precision is accepted / (accepted + rejected) over every coder's decisions, where a
    coder who coded over a suggestion (a live coding of the same code covering it) without
    deciding counts as accepting it (``covered``), as the workbench does.  When a
    gold coder exists (``coders.is_gold = 1``), a suggestion in a document the gold coder
    annotated counts as a true positive when a gold annotation of the same code overlaps
    it: ``gold_precision`` = true positives / such suggestions.  Per code,
    ``gold_recall`` is the share of gold annotations overlapped by a suggestion of that
    code, in gold-annotated documents that have been through ``coder suggest``.
    """
    current: dict[tuple[str, str], dict] = {}
    for ref in pattern_refs(project):
        if not ref.exclude:
            current.setdefault((ref.code, ref.pattern_id), ref.entry)
    suggestions = project.rows(
        'SELECT id, document_id, code_id, start, "end", pattern_id FROM suggestions')
    decisions = project.rows(
        "SELECT code_id, pattern_id, decision, count(*) AS n FROM decisions WHERE deleted = 0"
        " GROUP BY code_id, pattern_id, decision")
    gold_coders = [r["name"] for r in project.rows(
        "SELECT name FROM coders WHERE is_gold = 1 ORDER BY name")]
    gold: dict[tuple[int, str], list[tuple[int, int]]] = {}
    gold_docs: set[int] = set()
    if gold_coders:
        for row in project.rows(
            'SELECT a.document_id, a.code_id, a.start, a."end" FROM annotations a'
            " JOIN coders c ON c.id = a.coder_id WHERE c.is_gold = 1 AND a.deleted = 0"
        ):
            gold.setdefault((row["document_id"], row["code_id"]), []).append(
                (row["start"], row["end"]))
            gold_docs.add(row["document_id"])

    stats: dict[tuple[str, str], dict] = {}

    def entry(key: tuple[str, str]) -> dict:
        if key not in stats:
            stats[key] = {"code": key[0], "pattern": key[1], "in_codebook": key in current,
                          "hits": 0, "documents": set(), "accepted": 0, "rejected": 0,
                          "covered": 0,
                          "gold_hits": 0, "gold_tp": 0}
        return stats[key]

    for key in current:
        entry(key)
    by_doc_code: dict[tuple[int, str], list[tuple[int, int]]] = {}
    for row in suggestions:
        item = entry((row["code_id"], row["pattern_id"]))
        item["hits"] += 1
        item["documents"].add(row["document_id"])
        by_doc_code.setdefault((row["document_id"], row["code_id"]), []).append(
            (row["start"], row["end"]))
        if row["document_id"] in gold_docs:
            item["gold_hits"] += 1
            if _overlaps(gold.get((row["document_id"], row["code_id"]), []), row["start"], row["end"]):
                item["gold_tp"] += 1
    for row in decisions:
        item = entry((row["code_id"], row["pattern_id"]))
        item["accepted" if row["decision"] == "accept" else "rejected"] += row["n"]
    for key, count in _covered(project, suggestions).items():
        entry(key)["covered"] += count

    patterns = []
    for item in stats.values():
        accepted = item["accepted"] + item["covered"]
        decided = accepted + item["rejected"]
        patterns.append(PatternStats(
            code=item["code"], pattern=item["pattern"], in_codebook=item["in_codebook"],
            hits=item["hits"], documents=len(item["documents"]), accepted=item["accepted"],
            rejected=item["rejected"], covered=item["covered"],
            gold_hits=item["gold_hits"] if gold_coders else None,
            gold_tp=item["gold_tp"] if gold_coders else None,
            precision=round(accepted / decided, 4) if decided else None,
            gold_precision=(round(item["gold_tp"] / item["gold_hits"], 4)
                            if gold_coders and item["gold_hits"] else None)))
    patterns.sort(key=lambda r: (r.code, r.pattern))

    codes = []
    if gold_coders:
        suggested = {r[0] for r in project.db.execute("SELECT document_id FROM suggest_runs")}
        per_code: dict[str, list[int]] = {}
        for (doc_id, code_id), spans in gold.items():
            if doc_id not in suggested:
                continue
            found = by_doc_code.get((doc_id, code_id), [])
            counts = per_code.setdefault(code_id, [0, 0])
            counts[0] += len(spans)
            counts[1] += sum(1 for s, e in spans if _overlaps(found, s, e))
        for code_id, (total, found) in sorted(per_code.items()):
            codes.append(CodeRecall(code=code_id, gold_annotations=total, gold_found=found,
                                    gold_recall=round(found / total, 4) if total else None))
    return PatternReport(gold_coders=gold_coders, patterns=patterns, codes=codes)


# -- EntityRuler JSONL ------------------------------------------------------------------------

EXPORT_FIELDS = ("label", "pattern", "id", "lang", "attr", "exclude", "comment", "move")
EXCLUDE_PREFIX = "NOT:"


def export_patterns(project: Project, path: str | Path) -> int:
    """Write the codebook's patterns as spaCy EntityRuler JSONL; returns the number of lines.

    Each line is ``{"label": code, "pattern": ..., "id": ..., "lang": ...}`` (plus
    ``attr``, ``comment`` and the pattern's ``move`` when set).  An exclude pattern is labelled ``NOT:<code>``
    (and carries ``"exclude": true``), so an EntityRuler loading the file never tags the
    code itself with it.
    """
    lines = []
    for ref in pattern_refs(project):
        label = f"{EXCLUDE_PREFIX}{ref.code}" if ref.exclude else ref.code
        item = {"label": label, "pattern": ref.entry.get("pattern"), "id": ref.pattern_id,
                "lang": ref.entry.get("lang")}
        for extra in ("attr", "comment", "move"):
            if ref.entry.get(extra) is not None:
                item[extra] = ref.entry[extra]
        if ref.exclude:
            item["exclude"] = True
        lines.append(json.dumps(item, ensure_ascii=False))
    write_text(path, "".join(line + "\n" for line in lines))
    return len(lines)


def read_pattern_file(path: str | Path) -> list[PatternRef]:
    """Read and validate an EntityRuler-style JSONL file; every problem names the line."""
    return [ref for _, ref in _read_pattern_lines(path)]


def _read_pattern_lines(path: str | Path) -> list[tuple[int, PatternRef]]:
    """:func:`read_pattern_file` with the line number of each pattern."""
    from ..codebook.patterns import check_pattern

    path = Path(path)
    text = read_text(path, PatternError)
    refs: list[tuple[int, PatternRef]] = []
    seen: dict[tuple[str, str, bool], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise PatternError(f"line {number}: not JSON ({exc.msg})", path=path) from None
        if not isinstance(item, dict):
            raise PatternError(f"line {number}: expected a JSON object", path=path)
        unknown = set(item) - set(EXPORT_FIELDS)
        if unknown:
            raise PatternError(f"line {number}: unknown field(s) {', '.join(sorted(unknown))}",
                               path=path)
        label = item.get("label")
        if not isinstance(label, str) or not label:
            raise PatternError(f"line {number}: no label (the code id)", path=path)
        exclude = bool(item.get("exclude", False)) or label.startswith(EXCLUDE_PREFIX)
        label = label.removeprefix(EXCLUDE_PREFIX)
        entry = {k: v for k, v in item.items() if k not in ("label", "exclude")}
        problem = check_pattern(entry)
        if problem:
            raise PatternError(f"line {number}: code {label}, pattern {entry.get('id')}: {problem}",
                               path=path)
        key = (label, entry["id"], exclude)
        if key in seen:
            raise PatternError(f"line {number}: code {label}: pattern id {entry['id']!r} repeats "
                               f"line {seen[key]}", path=path)
        seen[key] = number
        refs.append((number, PatternRef(label, entry, exclude)))
    if not refs:
        raise PatternError("no patterns in the file", path=path)
    return refs


def import_patterns(project: Project, path: str | Path) -> dict:
    """Replace the patterns (and excludes) of the codes named in a JSONL file.

    Everything is validated first (the file, then the new codebook as a whole); then the
    codebook is stored as a new version in one transaction.  Returns
    ``{"codes", "patterns", "version", "changed"}``: when the file gives every code the
    patterns it has already, nothing is stored (``changed`` False, the version stays), so
    the next suggest has nothing to re-match.
    """
    import yaml

    from ..codebook import parse_codebook, store_codebook
    from ..codebook.load import code_entries, dump_codebook_yaml

    path = Path(path)
    numbered = _read_pattern_lines(path)
    refs = [ref for _, ref in numbered]
    codebook_id = project.setting("codebook_id")
    rows = project.rows("SELECT yaml, source FROM codebooks WHERE id = ?", [codebook_id]) \
        if codebook_id is not None else []
    if not rows:
        raise CoderError("no codebook loaded; run `coder codebook load FILE.yaml` first")
    data = yaml.safe_load(rows[0]["yaml"])
    by_code: dict[str, dict[str, list]] = {}
    for ref in refs:
        lists = by_code.setdefault(ref.code, {"patterns": [], "exclude": []})
        lists["exclude" if ref.exclude else "patterns"].append(ref.entry)
    found: set[str] = set()
    kept: dict[str, str] = {}  # pattern id -> code, of the codes the file leaves alone
    for _, item, _ in code_entries(data.get("codes") if isinstance(data, dict) else None):
        if item.get("id") in by_code:
            found.add(item["id"])
            for name in ("patterns", "exclude"):
                if by_code[item["id"]][name]:
                    item[name] = by_code[item["id"]][name]
                else:
                    item.pop(name, None)
        else:
            for entry in (item.get("patterns") or []) + (item.get("exclude") or []):
                if isinstance(entry, dict):
                    kept[str(entry.get("id"))] = str(item.get("id"))
    missing = sorted(set(by_code) - found)
    if missing:
        raise PatternError(f"code {missing[0]} is not in the current codebook", path=path)
    _check_unique_ids(numbered, kept, path)
    text = dump_codebook_yaml(data)
    try:
        book = parse_codebook(text, source=rows[0]["source"])
    except CoderError as exc:
        # Its line numbers point into YAML made here, not into the user's file.
        raise PatternError(re.sub(r"^line \d+(, column \d+)?: ", "", str(exc)),
                           path=path) from None
    if _same_patterns(project, book, by_code):
        return {"codes": len(by_code), "patterns": len(refs),
                "version": project.setting("codebook_version"), "changed": False}
    with project.transaction():
        version = store_codebook(project, book)
        project.log_event("import_patterns", "codebook", project.setting("codebook_id"),
                          after={"file": str(path), "codes": sorted(by_code),
                                 "patterns": len(refs), "version": version})
    return {"codes": len(by_code), "patterns": len(refs), "version": version, "changed": True}


def _check_unique_ids(numbered: list[tuple[int, PatternRef]], kept: dict[str, str],
                      path: Path) -> None:
    """Pattern ids are unique across a codebook: refuse, naming the file's line, an id
    the file gives twice or that a code the file leaves alone has."""
    first: dict[str, tuple[int, str]] = {}
    for number, ref in numbered:
        pattern_id = ref.pattern_id
        if pattern_id in kept:
            raise PatternError(f"line {number}: code {ref.code}: pattern id {pattern_id!r} is "
                               f"already used by code {kept[pattern_id]} (pattern ids are unique"
                               " across the codebook)", path=path)
        if pattern_id in first:
            raise PatternError(f"line {number}: code {ref.code}: pattern id {pattern_id!r} is also"
                               f" on line {first[pattern_id][0]} (code {first[pattern_id][1]});"
                               " pattern ids are unique across the codebook", path=path)
        first[pattern_id] = (number, ref.code)


def _same_patterns(project: Project, book, codes: dict) -> bool:
    """Whether ``book`` gives each of ``codes`` the patterns and excludes the project's
    current codes have (compared as validated: defaults filled in, order kept)."""
    stored = {row["id"]: row for row in project.rows(
        f"SELECT id, patterns, exclude FROM codes WHERE retired = 0"
        f" AND id IN ({','.join('?' * len(codes))})", list(codes))}
    for code_id in codes:
        row = stored.get(code_id)
        code = book.code(code_id)
        if row is None or json.loads(row["patterns"] or "[]") != code.patterns \
                or json.loads(row["exclude"] or "[]") != code.exclude:
            return False
    return True


def try_patterns(project: Project, text: str, *, lang: str = "es", model: str | None = None,
                 code: str | None = None, kind: str = "president",
                 warn: Callable[[str], None] | None = None) -> PatternTrial:
    """Which of the codebook's patterns fire on ``text``, token by token (see ``engine.explain``).

    Each hit that `coder suggest` would keep also carries its predicted ``source``,
    ``polarity``, ``sector``, ``context``, ``marked`` and the ``cues`` that decided them
    (:mod:`coder.suggest.moves`), reading ``text`` as one turn of a ``kind`` speaker;
    ``dropped`` says why a hit would not be kept.
    """
    refs = [r for r in pattern_refs(project) if r.entry.get("lang") == lang
            and (code is None or r.code == code or r.code.startswith(code + "."))]
    if not refs:
        what = f" of code {code}" if code else ""
        raise CoderError(f"no {lang!r} patterns{what} in the codebook")
    plan = build_plan(lang, refs, model, warn=warn)
    trial = explain(plan, text)
    # The reading of each surviving hit, as `coder suggest` would store it (the text is
    # one turn of a ``kind`` speaker).
    book = _move_book(project)
    reader = book.reader(text, kind)
    live = [(h.code, h.pattern, h.start, h.end) for h in trial.hits
            if not h.exclude and not h.dropped]
    longest = set(keep_longest(live))
    hits = []
    for hit in trial.hits:
        if not (hit.exclude or hit.dropped):
            hit = _read_hit(hit, (hit.code, hit.pattern, hit.start, hit.end) in longest,
                            book, reader)
        hits.append(hit)
    return dataclasses.replace(trial, hits=hits)


def _read_hit(hit: PatternHit, longest: bool, book, reader) -> PatternHit:
    """``hit`` with its clause reading, or dropped with the reason `coder suggest` has."""
    if not longest:
        return dataclasses.replace(hit, dropped="a longer hit of the code overlaps it")
    rules = book.for_code(hit.code, hit.pattern)
    reading = reader.read(hit.start, hit.end, rules, book.lexicons, book.topics)
    hit = dataclasses.replace(hit, reading=HitReading(
        source=reading.source, polarity=reading.polarity, sector=reading.sector,
        context=reading.context, marked=reading.marked, cues=reading.cues))
    if rules.requires_context and reading.context is None:
        return dataclasses.replace(
            hit, dropped=f"no {rules.requires_context} context within the {rules.within}")
    if reading.ruled_out:
        return dataclasses.replace(
            hit, dropped=f"{reading.cues['unless']!r} ({rules.unless_context}) in the sentence")
    return hit
