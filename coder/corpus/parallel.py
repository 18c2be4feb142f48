"""Preparing files in worker processes while the importer stores the ones before.

Reading, decoding, parsing, hashing and counting words needs no database and is about
half the work of importing the transcript corpus; storing has to happen in the one
process that holds the project's write lock.  So for more than a handful of files the
files go, in chunks, to a few worker processes, and their results come back in file
order, a bounded number of chunks ahead of the store.

Ctrl-C belongs to the importing process alone: workers ignore it (SIGINT stays blocked
from the fork until they do), and stopping the stream stops them, so an interrupted
import keeps what it stored and exits promptly.  Workers that cannot start (a script
read from standard input cannot start spawned ones) leave the rest to this process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from ..errors import ImportProblem
from .prepare import PreparedDocument, prepare_file

Prepared = list[PreparedDocument] | ImportProblem

MIN_FILES = 16  # below this, starting workers costs more than it saves
MAX_WORKERS = 4  # one process stores, so more workers than this only wait
CHUNK_BYTES = 524288 # a worker's task: files up to this size together ...
CHUNK_FILES = 32  # ... or this many
AHEAD = 4  # chunks queued per worker: enough to keep it busy, little memory
WORKER_NICENESS = 10  # workers yield the CPU to the storing process


def default_workers(files: int) -> int:
    """How many worker processes to prepare ``files`` files with (1: none, this process)."""
    if files < MIN_FILES:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS))


def prepared_files(files: list[Path], fmt: str | None = None, lang: str | None = None,
                   options: dict | None = None, *, workers: int | None = None
                   ) -> Iterator[tuple[Path, Prepared]]:
    """Each file prepared (:func:`prepare_file`), in order; a bad file as its problem.

    ``workers`` worker processes prepare them (default: :func:`default_workers`); with 1
    this process does.  Closing the iterator early stops the workers.
    """
    options = options or {}
    if workers is None:
        workers = default_workers(len(files))
    done = 0
    if workers > 1 and len(files) > 1:
        from concurrent.futures.process import BrokenProcessPool

        pooled = _pooled(files, fmt, lang, options, workers)
        try:
            for item in pooled:
                yield item
                done += 1
            return
        except BrokenProcessPool:
            pass  # the workers could not start or died: prepare the rest here
        finally:
            pooled.close()  # stops the workers, also when our consumer stops early
    for path in files[done:]:
        yield path, _prepare(path, fmt, lang, options)


def _prepare(path: Path, fmt: str | None, lang: str | None, options: dict) -> Prepared:
    try:
        return prepare_file(path, fmt, lang, options)
    except ImportProblem as exc:
        return exc


def _chunks(files: list[Path]) -> Iterator[list[Path]]:
    """Consecutive files grouped so that each task is worth a round trip to a worker.

    The first chunks are small (one file, then two, four ...) so that storing starts at
    once instead of waiting for a worker's first full chunk.
    """
    chunk: list[Path] = []
    size = 0
    limit = 1
    for path in files:
        try:
            size += path.stat().st_size
        except OSError:
            pass  # prepare_file reports it
        chunk.append(path)
        if size >= CHUNK_BYTES or len(chunk) >= min(limit, CHUNK_FILES):
            yield chunk
            chunk, size, limit = [], 0, limit * 2
    if chunk:
        yield chunk


def _prepare_chunk(paths: list[Path], fmt: str | None, lang: str | None,
                   options: dict) -> list[Prepared]:
    """A worker's task: prepare each of ``paths``."""
    return [_prepare(path, fmt, lang, options) for path in paths]


def _worker_init() -> None:
    """Workers leave Ctrl-C to the importing process, which stops them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The storing process is the one to keep busy: preparing gets what CPU it leaves.
    with contextlib.suppress(OSError, AttributeError):
        os.nice(WORKER_NICENESS)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _context():
    """fork on Linux (workers start at once, with the modules loaded); else the default."""
    import multiprocessing

    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _pooled(files: list[Path], fmt: str | None, lang: str | None, options: dict,
            workers: int) -> Iterator[tuple[Path, Prepared]]:
    from concurrent.futures import ProcessPoolExecutor

    chunks = _chunks(files)
    pending: deque = deque()
    pool = ProcessPoolExecutor(min(workers, len(files)), mp_context=_context(),
                               initializer=_worker_init)

    def submit() -> None:
        chunk = next(chunks, None)
        if chunk is not None:
            pending.append((chunk, pool.submit(_prepare_chunk, chunk, fmt, lang, options)))

    try:
        # Workers start with the first tasks: keep SIGINT blocked until they ignore it,
        # so a Ctrl-C at that moment reaches this process only (it is delivered here
        # once unblocked).
        masked = hasattr(signal, "pthread_sigmask")
        if masked:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for _ in range(workers * AHEAD):
                submit()
        finally:
            if masked:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        while pending:
            chunk, future = pending.popleft()
            results = future.result()
            submit()
            yield from zip(chunk, results)
    finally:
        # Done, interrupted or failed: drop the queued chunks and let the running ones end
        # (each is a few files, and the workers ignore Ctrl-C).
        pool.shutdown(wait=True, cancel_futures=True)
