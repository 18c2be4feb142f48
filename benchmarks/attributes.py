"""What attribute values cost: exports and statistics with and without them, as ratios.

    python benchmarks/attributes.py            # 100,000 segments
    python benchmarks/attributes.py --quick    # 10,000 segments

A generated project (``benchmarks/export.py``) is exported to CSV and counted by month
(``coder stats``) with no attribute values (the baseline), then again after every
segment was given two values (source, polarity), split by one of them, in the same
process.  The goal: attribute columns and the split cost well under 1.5x the baseline.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from export import best, generate_project  # noqa: E402

from coder.analysis import frequencies  # noqa: E402
from coder.export.tables import export_segments  # noqa: E402
from coder.project import Project  # noqa: E402

SOURCES = ("own", "attributed", "quoted")
POLARITIES = ("affirmed", "negated", "hypothetical", "question")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="A small run (10,000 segments).")
    args = parser.parse_args()
    segments = 10_000 if args.quick else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = generate_project(folder / "bench.db", segments=segments)
        with Project(path) as project:
            plain_csv, _ = best(3, export_segments, project, folder / "plain.csv")
            plain_stats, _ = best(3, frequencies, project, by="month")
            rng = random.Random(3)
            ids = [row[0] for row in project.db.execute("SELECT id FROM annotations")]
            with project.transaction():
                project.db.conn.executemany(
                    "UPDATE annotations SET attributes = ? WHERE id = ?",
                    [(json.dumps({"source": rng.choice(SOURCES),
                                  "polarity": rng.choice(POLARITIES)}, sort_keys=True), i)
                     for i in ids])
            attr_csv, _ = best(3, export_segments, project, folder / "attrs.csv")
            split_stats, _ = best(3, frequencies, project, by="month", attribute="source")
        with open(folder / "attrs.csv", encoding="utf-8") as handle:
            header = handle.readline().strip()
        assert header.endswith("attr_polarity,attr_source"), header[-60:]
    print(f"{segments:,} segments")
    print(f"CSV export:  {plain_csv:.2f}s plain, {attr_csv:.2f}s with two attr_ columns "
          f"= {attr_csv / plain_csv:.2f}x")
    print(f"stats by month: {plain_stats:.2f}s plain, {split_stats:.2f}s split by source "
          f"= {split_stats / plain_stats:.2f}x")


if __name__ == "__main__":
    main()
