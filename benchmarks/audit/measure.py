"""Precision and recall from the hand judgements (issue #11), with Wilson 95 % intervals.

    python benchmarks/audit/sample.py readings AFTER.db benchmarks/audit/before-2020-judged.csv > before-readings.csv
    python benchmarks/audit/measure.py benchmarks/audit/before-2020-judged.csv before-readings.csv \
        [benchmarks/audit/after-2020-judged.csv]

Before: precision per family of the judged sample drawn from the old rules' suggestions.
After, on that same sample: precision of the items the new rules still suggest, of those
presented as the speaker's own affirmed move (source own, polarity affirmed, not set
aside), and the share of the correct items still suggested (recall of correct ones).  With
a third file (a sample drawn from the new rules' suggestions, judged the same way), its
precision per family and for own affirmed moves is added.  Borderline counts as not correct.
"""

from __future__ import annotations

import csv
import math
import sys


def wilson(k: int, n: int, z: float = 1.96) -> str:
    if n == 0:
        return "   -   (n=0)"
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return f"{p:.2f} [{c - h:.2f}, {c + h:.2f}] ({k}/{n})"


def main(judged: str, readings: str, after: str | None = None) -> None:
    items = list(csv.DictReader(open(judged, encoding="utf-8")))
    reads = list(csv.DictReader(open(readings, encoding="utf-8")))
    assert len(items) == len(reads)
    rows = []
    for family in ("SEC", "DES", "CTX", "all"):
        idx = [i for i, it in enumerate(items) if family == "all" or it["family"] == family]
        ok = [i for i in idx if items[i]["verdict"] == "correct"]
        kept = [i for i in idx if reads[i]["kept"] == "1"]
        own = [i for i in kept if reads[i]["source"] == "own" and reads[i]["polarity"] == "affirmed"
               and reads[i]["marked"] == "0"]
        rows.append((family, wilson(len(ok), len(idx)),
                     wilson(sum(items[i]["verdict"] == "correct" for i in kept), len(kept)),
                     wilson(sum(items[i]["verdict"] == "correct" for i in own), len(own)),
                     wilson(sum(reads[i]["kept"] == "1" for i in ok), len(ok))))
    print("before-sample (drawn from the old rules' 2020 suggestions)")
    print(f"{'family':7} {'before: precision':27} {'after: precision of kept':27} "
          f"{'after: own affirmed':27} {'correct ones kept'}")
    for row in rows:
        print(f"{row[0]:7} " + " ".join(f"{cell:27}" for cell in row[1:]))
    if after:
        extra = list(csv.DictReader(open(after, encoding="utf-8")))
        print("\nafter-sample (drawn from the new rules' 2020 suggestions presented as own affirmed moves)")
        for family in ("SEC", "DES", "CTX", "all"):
            idx = [it for it in extra if family == "all" or it["family"] == family]
            own = [it for it in idx if it["own_affirmed"] == "1"]
            print(f"{family:7} all drawn {wilson(sum(it['verdict'] == 'correct' for it in idx), len(idx)):27}"
                  f" own affirmed {wilson(sum(it['verdict'] == 'correct' for it in own), len(own))}")


if __name__ == "__main__":
    main(*sys.argv[1:])
