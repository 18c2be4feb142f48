"""Import of the shared 2018–2020 corpus against a bare sqlite-utils insert of the same texts.

    python benchmarks/import_corpus.py [--corpus PATH] [--quick]

Prints both times, the ratio (goal: <= 3x), peak memory (tracemalloc for each phase, and
the process's peak RSS) and how many documents, speakers, aliases and turns were found.
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


def baseline(files: list[Path], db_path: Path) -> float:
    """Read each file and insert its raw text with sqlite-utils: the floor for any import."""
    import sqlite_utils

    start = time.perf_counter()
    db = sqlite_utils.Database(db_path)
    db["raw"].insert_all(({"path": str(f), "text": f.read_text(encoding="utf-8")} for f in files),
                         batch_size=200)
    db.conn.commit()
    db.close()
    return time.perf_counter() - start


def coder_import(files: list[Path], db_path: Path):
    from coder.corpus.importer import import_paths
    from coder.project import Project

    start = time.perf_counter()
    with Project(db_path, create=True) as project:
        report = import_paths(project, files)
        elapsed = time.perf_counter() - start
        counts = {t: project.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("documents", "speakers", "speaker_aliases", "turns")}
        counts["linked answers"] = project.db.execute(
            "SELECT count(*) FROM turns WHERE question_id IS NOT NULL").fetchone()[0]
        counts["words"] = project.db.execute("SELECT sum(words) FROM documents").fetchone()[0]
        kinds = dict(project.db.execute("SELECT kind, count(*) FROM speakers GROUP BY kind").fetchall())
    return elapsed, report, counts, kinds


def measure(func, *args):
    tracemalloc.start()
    result = func(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--quick", action="store_true", help="one year only")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"skipped: no corpus at {args.corpus}")
        return
    root = args.corpus / "2019" if args.quick else args.corpus
    files = sorted(root.rglob("*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        # Warm the page cache so neither side pays for the first read.
        for f in files:
            f.read_bytes()
        # Timed runs first (tracemalloc slows Python code several-fold), then a traced run
        # of each for peak memory.
        base = baseline(files, Path(tmp) / "baseline.db")
        elapsed, report, counts, kinds = coder_import(files, Path(tmp) / "coder.db")
        _, base_peak = measure(baseline, files, Path(tmp) / "baseline2.db")
        _, peak = measure(coder_import, files, Path(tmp) / "coder2.db")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"files: {len(files)}  imported: {report.count('imported')}  duplicates: "
          f"{report.count('duplicate')}  failed: {len(report.failed)}")
    for failed in report.failed:
        print(f"  failed: {failed.message}")
    print(f"baseline sqlite-utils insert: {base:.2f} s (peak traced {base_peak / 2**20:.0f} MB)")
    print(f"coder import:                 {elapsed:.2f} s (peak traced {peak / 2**20:.0f} MB)")
    print(f"ratio: {elapsed / base:.2f}x (goal <= 3x)   process peak RSS: {rss:.0f} MB")
    print("found: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
    print("speakers by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))


if __name__ == "__main__":
    main()
