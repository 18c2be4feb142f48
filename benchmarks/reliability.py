"""Reliability runs (issue #14): no acknowledged coding is lost, the file stays sound.

    python benchmarks/reliability.py kill [--kills 100] [--seed 1]
    python benchmarks/reliability.py concurrent [--processes 3] [--writes 1000]

``kill``: a scripted coder (a subprocess) applies codes through the core
(``coder.annotate.apply_code``, one transaction each) and prints each annotation id once
its transaction has committed.  The parent kills it with SIGKILL at a random moment, then
checks ``PRAGMA integrity_check`` and that every acknowledged id is there and live, and
starts the next coder on the same file.  ``concurrent``: N processes, each a different
coder, write M codings each to one project file at the same time; every one must be
there, and no process may fail (a "database is locked" traceback counts as a failure).

The project is the bundled sample corpus (``corpus/``) with the shipped codebook, in a
temporary folder.  Prints the figures; exits 1 if anything was lost or broken.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def build(folder: Path) -> Path:
    """A project with the sample corpus and the shipped codebook (no suggestions)."""
    from coder.codebook import load_codebook, store_codebook
    from coder.corpus.importer import import_paths
    from coder.project import Project

    path = folder / "reliability.db"
    with Project(path, create=True) as project:
        import_paths(project, [REPO / "corpus"])
        store_codebook(project, load_codebook(REPO / "codebooks" / "securitization.yaml"))
    return path


def worker(path: str, coder: str, seed: int, writes: int, wait: bool) -> None:
    """Apply ``writes`` codings (0: until killed) as ``coder``; print each committed id.

    With ``wait``, start writing only when a line arrives on stdin (so that several
    workers start at the same moment), and end with the times of the first and last write.
    """
    from coder.annotate import ExclusiveConflict, apply_code
    from coder.project import Project

    rng = random.Random(seed)
    with Project(path) as project:
        grouped = {c for (raw,) in project.db.execute("SELECT codes FROM code_groups")
                   for c in __import__("json").loads(raw)}
        codes = [c for (c,) in project.db.execute(
            "SELECT id FROM codes WHERE retired = 0 ORDER BY id") if c not in grouped]
        documents = project.db.execute("SELECT id, length(text) FROM documents").fetchall()
        print("ready", flush=True)
        if wait:
            sys.stdin.readline()
        first = time.time()
        done = 0
        seen: set[tuple] = set()
        while not writes or done < writes:
            document_id, length = rng.choice(documents)
            start = rng.randrange(0, length - 40)
            end = start + rng.randrange(5, 40)
            code_id = rng.choice(codes)
            if (document_id, code_id, start, end) in seen:
                continue  # the same coding twice is one coding: each write must be new
            seen.add((document_id, code_id, start, end))
            try:
                row = apply_code(project, coder, document_id, code_id, start, end)
            except ExclusiveConflict:
                continue
            # Printed only after apply_code returned, i.e. after the commit.
            sys.stdout.write(f"{row['id']}\n")
            sys.stdout.flush()
            done += 1
        if wait:
            print(f"window {first} {time.time()}", flush=True)


def check(path: Path, acknowledged: set[int]) -> tuple[str, int]:
    """(integrity_check result, how many acknowledged ids are missing or not live)."""
    conn = sqlite3.connect(str(path))
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        live = {i for (i,) in conn.execute("SELECT id FROM annotations WHERE deleted = 0")}
    finally:
        conn.close()
    return integrity, len(acknowledged - live)


def run_kills(kills: int, seed: int) -> int:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder:
        path = build(Path(folder))
        acknowledged: set[int] = set()
        bad_integrity = lost_total = 0
        acked_between: list[int] = []
        started = time.perf_counter()
        for n in range(kills):
            child = subprocess.Popen(
                [sys.executable, __file__, "worker", str(path), "--coder", "scripted",
                 "--seed", str(seed * 1000 + n)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            assert child.stdout is not None
            if child.stdout.readline().strip() != "ready":
                print(child.stderr.read(), file=sys.stderr)
                return 1
            time.sleep(rng.uniform(0.0, 0.4))   # a random moment inside the write loop
            child.send_signal(signal.SIGKILL)
            out, _ = child.communicate()
            # Only complete lines are acknowledgements (a cut line was never finished).
            lines = out.split("\n")
            ids = {int(x) for x in lines[:-1] if x.strip()}
            acked_between.append(len(ids))
            acknowledged |= ids
            integrity, lost = check(path, acknowledged)
            bad_integrity += integrity != "ok"
            lost_total += lost
        elapsed = time.perf_counter() - started
        total = len(acknowledged)
    print(f"kill -9: {kills} kills, {total} acknowledged codings "
          f"({min(acked_between)}-{max(acked_between)} per run), "
          f"integrity not ok after {bad_integrity} kill(s), {lost_total} acknowledged lost "
          f"({elapsed:.0f} s)")
    return 1 if bad_integrity or lost_total else 0


def run_concurrent(processes: int, writes: int) -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = build(Path(folder))
        started = time.perf_counter()
        children = [subprocess.Popen(
            [sys.executable, __file__, "worker", str(path), "--coder", f"writer{n}",
             "--seed", str(n), "--writes", str(writes), "--wait"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for n in range(processes)]
        for child in children:                 # all connected, then all start at once
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        results = [child.communicate() for child in children]
        windows = [tuple(map(float, line.split()[1:])) for out, _ in results
                   for line in out.splitlines() if line.startswith("window")]
        overlap = (min(end for _, end in windows) - max(start for start, _ in windows)
                   if len(windows) == processes else 0.0)
        span = (max(end for _, end in windows) - min(start for start, _ in windows)
                if windows else 0.0)
        elapsed = time.perf_counter() - started
        failed = [n for n, child in enumerate(children) if child.returncode != 0]
        tracebacks = sum("Traceback" in err for _, err in results)
        locked = sum("locked" in err for _, err in results)
        acknowledged = {int(x) for out, _ in results for x in out.split() if x.isdigit()}
        integrity, lost = check(path, acknowledged)
        conn = sqlite3.connect(str(path))
        per_coder = dict(conn.execute(
            "SELECT c.name, count(*) FROM annotations a JOIN coders c ON c.id = a.coder_id"
            " WHERE a.deleted = 0 GROUP BY c.name ORDER BY c.name").fetchall())
        conn.close()
    for n in failed:
        print(results[n][1][-2000:], file=sys.stderr)
    print(f"concurrent: {processes} processes x {writes} writes: {len(acknowledged)} "
          f"acknowledged, stored per coder {per_coder}, {lost} lost, integrity {integrity}, "
          f"{len(failed)} process(es) failed, {tracebacks} traceback(s), {locked} 'locked' "
          f"message(s); all {processes} writing at once for {max(overlap, 0):.1f} s of the "
          f"{span:.1f} s of writing ({elapsed:.0f} s in all)")
    ok = not failed and not lost and integrity == "ok" and len(acknowledged) == processes * writes
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    kill = sub.add_parser("kill", help="kill -9 a scripted coder at random moments")
    kill.add_argument("--kills", type=int, default=100)
    kill.add_argument("--seed", type=int, default=1)
    both = sub.add_parser("concurrent", help="several processes writing one file at once")
    both.add_argument("--processes", type=int, default=3)
    both.add_argument("--writes", type=int, default=1000)
    one = sub.add_parser("worker", help=argparse.SUPPRESS)
    one.add_argument("path")
    one.add_argument("--coder", required=True)
    one.add_argument("--seed", type=int, default=0)
    one.add_argument("--writes", type=int, default=0)
    one.add_argument("--wait", action="store_true")
    args = parser.parse_args()
    if args.mode == "worker":
        worker(args.path, args.coder, args.seed, args.writes, args.wait)
        return 0
    if args.mode == "kill":
        return run_kills(args.kills, args.seed)
    return run_concurrent(args.processes, args.writes)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
