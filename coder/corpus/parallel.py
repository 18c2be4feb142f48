"""Preparing files in worker processes while the importer stores the ones before.

Reading, decoding, parsing, hashing and counting words needs no database and is about
half the work of importing the transcript corpus; storing has to happen in the one
process that holds the project's write lock.  So for more than a handful of files the
files go, in chunks, to a few worker processes, and their results come back in file
order, a bounded number of chunks ahead of the store.

Ctrl-C belongs to the importing process alone: workers ignore it (SIGINT stays blocked
from the fork until they do), and stopping the stream stops them, so an interrupted
import keeps what it stored and exits promptly.  Workers die with the importing process,
however it ends (even ``kill -9``): on Linux the kernel kills them when it goes
(``PR_SET_PDEATHSIG``), and everywhere a worker stops when its pipe to the importing
process closes (each worker closes the copies of the importer's pipe ends it inherited,
so that the close is seen).  Workers that cannot start (a script
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
from .speakers import SpeakerLine, TurnKinds, read_line

Prepared = list[PreparedDocument] | ImportProblem

MIN_FILES = 16  # below this, starting workers costs more than it saves
MAX_WORKERS = 4  # one process stores, so more workers than this only wait
CHUNK_FILES = 24  # files per task for a worker (the corpus's transcripts average 45 KB)
AHEAD = 4  # chunks queued per worker: enough to keep it busy, little memory
WORKER_NICENESS = 10  # workers yield the CPU to the storing process


def available_cpus() -> int:
    """The CPU cores this process may run on (all of the machine's where that is unknown)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_workers(files: int) -> int:
    """How many worker processes to prepare ``files`` files with (1: none, this process)."""
    if files < MIN_FILES:
        return 1
    return max(1, min(available_cpus(), MAX_WORKERS))


def prepared_files(files: list[Path], fmt: str | None = None, lang: str | None = None,
                   options: dict | None = None, *, workers: int | None = None,
                   administrations: list | None = None) -> Iterator[tuple[Path, Prepared]]:
    """Each file prepared (:func:`prepare_file`), in order; a bad file as its problem.

    ``workers`` worker processes prepare them (default: :func:`default_workers`); with 1
    this process does.  Closing the iterator early stops the workers.  With the project's
    ``administrations``, workers also work out each document's administration and each
    turn's kind and role as its line and date say.
    """
    options = options or {}
    if workers is None:
        workers = default_workers(len(files))
    done = 0
    if workers > 1 and len(files) > 1:
        pooled = _pooled(files, fmt, lang, options, workers, administrations)
        try:
            for item in pooled:
                yield item
                done += 1
            return
        except WorkersStopped:
            pass  # the workers could not start or died: prepare the rest here
        finally:
            pooled.close()  # stops the workers, also when our consumer stops early
    for path in files[done:]:
        yield path, _prepare(path, fmt, lang, options, administrations)


def _prepare(path: Path, fmt: str | None, lang: str | None, options: dict,
             administrations: list | None = None) -> Prepared:
    try:
        return prepare_file(path, fmt, lang, options, administrations)
    except ImportProblem as exc:
        return exc


def _chunks(files: list[Path]) -> Iterator[list[Path]]:
    """Consecutive files in groups, so that each task is worth a round trip to a worker.

    The first groups are small (one file, then two, four ...) so that storing starts at
    once instead of waiting for a worker's first full group.
    """
    start, size = 0, 1
    while start < len(files):
        yield files[start:start + size]
        start += size
        size = min(size * 2, CHUNK_FILES)


_READ_LINES: dict[str, SpeakerLine] = {}  # in a worker: the speaker lines it has read
_TURN_KINDS: dict[tuple, TurnKinds] = {}  # in a worker: its turn kinds, by administrations


def _prepare_chunk(paths: list[Path], fmt: str | None, lang: str | None,
                   options: dict, administrations: list | None = None) -> list[Prepared]:
    """A worker's task: prepare each of ``paths``, and read the speaker lines it has not
    seen before (the importing process stores chunks in order, so it has met the others);
    with ``administrations``, work out each turn's kind and role too."""
    results = [_prepare(path, fmt, lang, options, administrations) for path in paths]
    kinds = None
    if administrations is not None:
        kinds = _TURN_KINDS.get(tuple(administrations))
        if kinds is None:
            kinds = _TURN_KINDS[tuple(administrations)] = TurnKinds(administrations)
    for result in results:
        if isinstance(result, ImportProblem):
            continue
        for doc in result:
            for _, _, raw, _ in doc.turns:
                if raw is not None and raw not in _READ_LINES:
                    # (read_line remembers what prepare_document read already.)
                    _READ_LINES[raw] = doc.speaker_lines[raw] = read_line(raw)
            if kinds is not None:
                doc.kinds = kinds.document(doc.turns, _READ_LINES,
                                           doc.asks or [False] * len(doc.turns), doc.date,
                                           doc.announces, doc.live)
    return results


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


class WorkersStopped(Exception):
    """A worker process could not start or died: the rest is prepared here."""


def _die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this worker when the importing process ends (even by SIGKILL)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # it ended before the request was made
        os._exit(1)


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _worker_main(conn, fmt: str | None, lang: str | None, options: dict,
                 parent: int | None = None, inherited: tuple = (),
                 administrations: list | None = None) -> None:
    """A worker: prepare each ``(number, chunk)`` received, send back ``(number, True,
    results)`` or ``(number, False, exception)``; stop at None or when the pipe closes.

    ``inherited`` are the importing process's pipe ends a forked worker got copies of:
    closed here, or the worker would hold its own pipe open and never see it close.
    """
    for end in inherited:
        end.close()
    if parent is not None:
        _die_with_parent(parent)
    _worker_init()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:  # the end
            return
        number, paths = task
        try:
            reply = (number, True, _prepare_chunk(paths, fmt, lang, options, administrations))
        except BaseException as exc:  # a bug: let the importing process raise it
            reply = (number, False, exc)
        try:
            conn.send(reply)
        except OSError:  # the importing process stopped listening
            return


def _pooled(files: list[Path], fmt: str | None, lang: str | None, options: dict,
            workers: int, administrations: list | None = None
            ) -> Iterator[tuple[Path, Prepared]]:
    """Chunks go to whichever worker hands one back; results are put back in file order.

    One pipe per worker, read by the storing thread itself: with ProcessPoolExecutor the
    threads that receive and hand over results cost the storing process more CPU than
    the reading does (the import took 10% longer).  Results that come back early wait
    here, so a worker is never held up by a slower one's chunk.
    """
    from multiprocessing.connection import wait

    context = _context()
    numbered = enumerate(_chunks(files))
    pipes = []
    procs = []
    order: deque = deque()  # (number, chunk), in file order
    early: dict[int, list[Prepared]] = {}  # results back before their turn
    holding: list[int] = []  # chunks each worker has in hand
    ended: set[int] = set()

    def send(index: int) -> None:
        task = next(numbered, None)
        try:
            if task is not None:
                pipes[index].send(task)
                order.append(task)
                holding[index] += 1
            elif index not in ended:
                pipes[index].send(None)  # no more: it ends after the chunks it has
                ended.add(index)
        except OSError:  # the worker is gone
            raise WorkersStopped from None

    try:
        # Keep SIGINT blocked while the workers start, until they ignore it, so a
        # Ctrl-C at that moment reaches this process only (delivered once unblocked).
        masked = hasattr(signal, "pthread_sigmask")
        if masked:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for _ in range(min(workers, len(files))):
                ours, theirs = context.Pipe()
                pipes.append(ours)
                holding.append(0)
                forked = context.get_start_method() == "fork"
                proc = context.Process(target=_worker_main,
                                       args=(theirs, fmt, lang, options, os.getpid(),
                                             tuple(pipes) if forked else (), administrations),
                                       name="coder-prepare", daemon=True)
                try:
                    proc.start()
                except OSError:  # no more processes allowed, no memory to fork ...
                    raise WorkersStopped from None
                finally:
                    theirs.close()
                procs.append(proc)
        finally:
            if masked:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        for _ in range(AHEAD):
            for index in range(len(pipes)):
                send(index)
        while order:
            number, chunk = order[0]
            while number not in early:
                busy = [pipes[i] for i in range(len(pipes)) if holding[i]]
                if not busy:  # cannot happen; never wait on nothing
                    raise WorkersStopped
                for conn in wait(busy):
                    index = pipes.index(conn)
                    try:
                        got, ok, payload = conn.recv()
                    except (EOFError, OSError):
                        raise WorkersStopped from None
                    if not ok:
                        raise payload
                    early[got] = payload
                    holding[index] -= 1
                    send(index)
            order.popleft()
            yield from zip(chunk, early.pop(number))
        for proc in procs:
            proc.join()  # they have their end marker: quick
    finally:
        # Interrupted or failed: the workers are stopped (a chunk in hand is of no use).
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
            proc.join()
        for conn in pipes:
            conn.close()
