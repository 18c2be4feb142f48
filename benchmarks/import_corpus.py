"""Import of the shared 2018–2020 corpus against a bare sqlite-utils insert of the same texts.

    python benchmarks/import_corpus.py [--corpus PATH] [--quick]

Prints the times of the baseline and of coder's import with its default worker processes
and with ``--workers 1`` (everything in one process), each as a ratio to the baseline
(goal: <= 3x), peak memory (tracemalloc in the storing process, peak RSS of it and of the
largest worker) and how many documents, speakers, aliases and turns were found.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "mananeras"


def baseline(files: list[Path], db_path: Path) -> tuple[float, float]:
    """Read each file and insert its raw text with sqlite-utils: the floor for any import.

    Returns (wall seconds, CPU seconds of this process).
    """
    import sqlite_utils

    wall, cpu = time.perf_counter(), time.process_time()
    db = sqlite_utils.Database(db_path)
    db["raw"].insert_all(({"path": str(f), "text": f.read_text(encoding="utf-8")} for f in files),
                         batch_size=200)
    db.conn.commit()
    db.close()
    return time.perf_counter() - wall, time.process_time() - cpu


def coder_import(files: list[Path], db_path: Path, workers: int | None = None):
    """coder's import, from opening the project to closing it (the WAL checkpointed into
    the file, as the baseline's data is); returns (wall, CPU of this process, report,
    counts, speaker kinds)."""
    from coder.corpus.importer import import_paths
    from coder.project import Project

    wall, cpu = time.perf_counter(), time.process_time()
    with Project(db_path, create=True) as project:
        report = import_paths(project, files, workers=workers)
    elapsed, used = time.perf_counter() - wall, time.process_time() - cpu
    with Project(db_path) as project:
        counts = {t: project.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("documents", "speakers", "speaker_aliases", "turns")}
        counts["linked answers"] = project.db.execute(
            "SELECT count(*) FROM turns WHERE question_id IS NOT NULL").fetchone()[0]
        counts["words"] = project.db.execute("SELECT sum(words) FROM documents").fetchone()[0]
        kinds = dict(project.db.execute("SELECT kind, count(*) FROM speakers GROUP BY kind").fetchall())
    return elapsed, used, report, counts, kinds


def measure(func, *args):
    tracemalloc.start()
    result = func(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, peak


def main() -> None:
    from coder.corpus.parallel import default_workers

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--quick", action="store_true", help="one year only")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best counts")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"skipped: no corpus at {args.corpus}")
        return
    root = args.corpus / "2019" if args.quick else args.corpus
    files = sorted(root.rglob("*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # Warm the page cache so neither side pays for the first read.
        for f in files:
            f.read_bytes()
        # Best of `--repeat` for each (shared machines are noisy), interleaved so that a
        # busy moment hurts every contender alike; timed runs first, since tracemalloc
        # slows Python code several-fold, then one traced run of each for memory.
        runs = {"baseline": [], "workers": [], "serial": []}
        for i in range(args.repeat):
            runs["baseline"].append(baseline(files, tmp / f"b{i}.db"))
            result = coder_import(files, tmp / f"w{i}.db")
            runs["workers"].append(result[:2])
            runs["serial"].append(coder_import(files, tmp / f"s{i}.db", 1)[:2])
        _, _, report, counts, kinds = result
        _, base_peak = measure(baseline, files, tmp / "bm.db")
        _, peak = measure(coder_import, files, tmp / "cm.db")
    best = {name: (min(r[0] for r in rows), min(r[1] for r in rows)) for name, rows in runs.items()}
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    base_wall, base_cpu = best["baseline"]
    print(f"files: {len(files)}  imported: {report.count('imported')}  duplicates: "
          f"{report.count('duplicate')}  failed: {len(report.failed)}")
    for failed in report.failed:
        print(f"  failed: {failed.message}")
    print(f"baseline sqlite-utils insert: wall {base_wall:.2f} s, CPU {base_cpu:.2f} s "
          f"(peak traced {base_peak / 2**20:.0f} MB)")
    labels = {"workers": f"coder import ({default_workers(len(files))} workers)",
              "serial": "coder import (--workers 1)"}
    for name, label in labels.items():
        wall, cpu = best[name]
        print(f"{label:40s} wall {wall:.2f} s ({wall / base_wall:.2f}x)   "
              f"CPU of the storing process {cpu:.2f} s ({cpu / base_cpu:.2f}x)")
    print(f"goal: <= 3x wall; peak traced in the storing process {peak / 2**20:.0f} MB; "
          f"peak RSS: storing process {rss:.0f} MB, largest worker {child_rss:.0f} MB")
    print("found: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
    print("speakers by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))


if __name__ == "__main__":
    main()
