"""The second judge's audit of 2020 suggestions (#11): export the verdicts, print the figures.

    PYTHONPATH=. python benchmarks/audit/judge2.py export PROJECT.db [JUDGE]   # writes judge2-2020-judged.csv
    PYTHONPATH=. python benchmarks/audit/judge2.py figures                      # prints the README tables

Items were drawn by ``judge2_draw.py`` (overlap with the first judge and fresh items) and
judged in the product (``coder audit judge`` / ``coder audit mark``).  The judged file holds
keys, the family, the set (overlap/fresh), the verdict and the judge's reason: no corpus
text.  ``figures`` gives strict precision (borderline counts as not correct) and lenient
precision per family with Wilson 95 % intervals, families weighted equally (normal
approximation over families) and raw, on the fresh items, the overlap and both; then, on
the overlap, agreement with the first judge (percent agreement, Cohen's kappa and
Krippendorff's alpha, nominal) on the three verdicts and on the strict correct/not split,
with ``coder.agreement``'s functions.
"""

from __future__ import annotations

import csv
import math
import sqlite3
import sys
from collections import Counter
from pathlib import Path

from coder.agreement.measures import cohen_kappa, krippendorff_alpha
from coder.team.audit import wilson_interval

HERE = Path(__file__).resolve().parent
KEYS = ["file", "code", "pattern", "start", "end"]
OUT = HERE / "judge2-2020-judged.csv"
FIRST = ["held-out-2020-judged.csv", "held-out-2020-round2-judged.csv"]
FAMILIES = ["SEC", "DES", "CTX"]
VERDICTS = ["correct", "borderline", "wrong"]


def export(db: str, judge: str = "judge2") -> None:
    """Write the judge's verdicts with their keys (no corpus text)."""
    sets = {}
    with open(HERE / "judge2-2020-drawn.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            sets[tuple(row[k] for k in KEYS)] = row["set"]
    con = sqlite3.connect(db)
    rows = con.execute(
        'SELECT d.source, a.code_id, a.pattern_id, a.start, a."end", a.verdict, a.reason'
        " FROM audit_items a JOIN coders c ON c.id = a.judge_id JOIN documents d ON d.id = a.document_id"
        " WHERE c.name = ? AND a.draw = 'judge2' ORDER BY a.seq", [judge]).fetchall()
    with open(OUT, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(KEYS + ["family", "set", "verdict", "reason"])
        for source, code, pattern, start, end, verdict, reason in rows:
            parts = Path(source).parts
            key = ("/".join(parts[parts.index("mananeras") + 1:]), code, pattern, str(start), str(end))
            out.writerow([*key, code.split(".")[0], sets[key], verdict, reason])
    print(f"{len(rows)} items -> {OUT.name}")


def _read(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _cell(verdicts: list[str], lenient: bool = False) -> tuple[int, int]:
    good = sum(v == "correct" or (lenient and v == "borderline") for v in verdicts)
    return good, len(verdicts)


def _fmt(good: int, n: int) -> str:
    if not n:
        return "–"
    lo, hi = wilson_interval(good, n)
    return f"{good / n:.2f} [{lo:.2f}, {hi:.2f}] {good}/{n}"


def _equal(cells: dict[str, tuple[int, int]]) -> str:
    """Families weighted equally; 95 % interval by a normal approximation over families."""
    used = [(g, n) for g, n in cells.values() if n]
    if not used:
        return "–"
    p = sum(g / n for g, n in used) / len(used)
    se = math.sqrt(sum((g / n) * (1 - g / n) / n for g, n in used)) / len(used)
    return f"{p:.2f} [{max(0, p - 1.96 * se):.2f}, {min(1, p + 1.96 * se):.2f}]"


def _table(rows: list[dict], title: str) -> None:
    print(f"\n{title}")
    print("| | SEC | DES | CTX | all, families equal | all, raw |")
    print("|---|---|---|---|---|---|")
    for lenient in (False, True):
        cells = {f: _cell([r["verdict"] for r in rows if r["family"] == f], lenient) for f in FAMILIES}
        total = _cell([r["verdict"] for r in rows], lenient)
        print(f"| {'lenient' if lenient else 'strict'} | " + " | ".join(_fmt(*cells[f]) for f in FAMILIES)
              + f" | {_equal(cells)} | {_fmt(*total)} |")


def _agreement(pairs: list[tuple[str, str]], labels: list[str], name: str) -> None:
    index = {v: i for i, v in enumerate(labels)}
    table = [[0] * len(labels) for _ in labels]
    for first, second in pairs:
        table[index[first]][index[second]] += 1
    agree = sum(a == b for a, b in pairs) / len(pairs)
    kappa = cohen_kappa(table).value
    alpha = krippendorff_alpha([[a for a, _ in pairs], [b for _, b in pairs]], "nominal").value
    print(f"| {name} | {len(pairs)} | {agree:.2f} | {kappa:.2f} | {alpha:.2f} |")
    print("|   table (rows first judge, columns second) | " + "; ".join(
        f"{labels[i]}: " + " ".join(str(x) for x in row) for i, row in enumerate(table)) + " | | | |")


def figures() -> None:
    """Print the second judge's precision and the agreement with the first judge."""
    mine = _read(OUT)
    fresh = [r for r in mine if r["set"] == "fresh"]
    overlap = [r for r in mine if r["set"] == "overlap"]
    _table(fresh, "Fresh items (never judged before)")
    _table(overlap, "Overlap items (also judged by the first judge)")
    _table(mine, "All second-judge items")
    first = {}
    for name in FIRST:
        for row in _read(HERE / name):
            first[tuple(row[k] for k in KEYS)] = row["verdict"]
    pairs, by_family = [], Counter()
    for row in overlap:
        key = tuple(row[k] for k in KEYS)
        pairs.append((first[key], row["verdict"], row["family"]))
    print("\nAgreement with the first judge on the overlap")
    print("| verdicts | n | agreement | Cohen's kappa | Krippendorff's alpha (nominal) |")
    print("|---|---|---|---|---|")
    _agreement([(a, b) for a, b, _ in pairs], VERDICTS, "correct / borderline / wrong")
    strict = [("correct" if a == "correct" else "not", "correct" if b == "correct" else "not")
              for a, b, _ in pairs]
    _agreement(strict, ["correct", "not"], "strict: correct / not")
    for fam in FAMILIES:
        sub = [(("correct" if a == "correct" else "not"), ("correct" if b == "correct" else "not"))
               for a, b, f in pairs if f == fam]
        if sub:
            by_family[fam] = sum(a == b for a, b in sub)
            print(f"| strict, {fam} | {len(sub)} | {by_family[fam] / len(sub):.2f} | – | – |")
    print("\nFirst judge's precision on the same overlap items (strict): " + ", ".join(
        f"{fam} " + _fmt(*_cell([a for a, _, f in pairs if f == fam])) for fam in FAMILIES)
        + ", all " + _fmt(*_cell([a for a, _, _ in pairs])))


if __name__ == "__main__":
    if sys.argv[1] == "export":
        export(*sys.argv[2:])
    else:
        figures()
