"""Items of a `coder audit draw` as keys and the current reading, for a hand judgement (#11).

    python benchmarks/audit/drawn.py PROJECT.db JUDGE DRAW [DRAW ...] > items.csv

One row per drawn item in the draw's (shuffled) order: the transcript path relative to the
corpus, code, pattern and code-point span (the keys the judgement files use), the family,
the predicted ``source``/``polarity``, ``marked`` (set aside) and ``presented`` (own,
affirmed and not set aside: what the goal of #11 measures).  Items already judged in an
earlier session (any ``*-judged.csv`` next to this file) are flagged ``seen`` so that a
held-out measurement leaves them out.  No corpus text is written.
"""

from __future__ import annotations

import csv
import sqlite3
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIELDS = ["file", "code", "pattern", "start", "end"]


def rel(source: str) -> str:
    parts = Path(source).parts
    return "/".join(parts[parts.index("mananeras") + 1:]) if "mananeras" in parts else source


def seen_keys(exclude: Path | None = None) -> set[tuple]:
    keys = set()
    for path in sorted(HERE.glob("*-judged.csv")):
        if exclude is not None and path.resolve() == exclude.resolve():
            continue
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                keys.add(tuple(row[k] for k in FIELDS))
    return keys


def main(db: str, judge: str, *draws: str) -> None:
    con = sqlite3.connect(db)
    seen = seen_keys()
    out = csv.writer(sys.stdout)
    out.writerow(FIELDS + ["family", "draw", "source", "polarity", "marked", "presented", "seen"])
    for draw in draws:
        rows = con.execute(
            'SELECT d.source, a.code_id, a.pattern_id, a.start, a."end", s.source, s.polarity,'
            " s.marked FROM audit_items a JOIN coders c ON c.id = a.judge_id"
            " JOIN documents d ON d.id = a.document_id LEFT JOIN suggestions s ON s.id = a.suggestion_id"
            " WHERE c.name = ? AND a.draw = ? ORDER BY a.seq", [judge, draw]).fetchall()
        for source, code, pattern, start, end, src, pol, marked in rows:
            key = (rel(source), code, pattern, str(start), str(end))
            presented = int(src == "own" and pol == "affirmed" and not marked)
            out.writerow([*key, code.split(".")[0], draw, src, pol, int(bool(marked)), presented,
                          int(key in seen)])


if __name__ == "__main__":
    main(*sys.argv[1:])
