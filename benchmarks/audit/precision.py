"""Precision of suggestions presented as the speaker's own affirmed move (issue #11).

    python benchmarks/audit/precision.py FINAL.db BASE.db [--since 2020]

FINAL.db: a project built from the shared corpus with the rules to measure (`coder init`,
`coder import .../mananeras`, `coder codebook load codebooks/securitization.yaml`,
`coder suggest`); BASE.db: the same with the rules before (the "before" figures and the
retention of correct suggestions).  Reads every ``*-judged.csv`` next to this file (keys,
verdict, reason: no corpus text) and prints, per family (SEC / DES / CTX) and overall:

- for each judgement file, precision of its items that the FINAL rules still present as
  an own affirmed move (source own, polarity affirmed, not set aside), strict (borderline
  counts as wrong) with a Wilson 95 % interval, and lenient;
- the held-out estimate: items judged after their code's rules last changed (see
  ``CHANGED``), pooled; raw, and weighted by each code's share of presented suggestions
  in the measured years (a per-code stratified draw over-represents small codes);
- before: the same items under the BASE rules (what the BASE rules presented);
- retention: of the items judged correct that the BASE rules presented, the share the
  FINAL rules still present (and still suggest at all);
- every "abrazos, no balazos" in the corpus still suggested, and the end-of-war
  (DES.ENDWAR) suggestions of BASE still made by FINAL.
"""

from __future__ import annotations

import csv
import math
import re
import sqlite3
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
KEYS = ["file", "code", "pattern", "start", "end"]
FAMILIES = ("SEC", "DES", "CTX")
# Judgement files in the order they were made, and the codes whose rules changed after
# each was judged: an item of such a code measures rules that no longer exist (and its
# verdict may have shaped the change), so the held-out estimate leaves it out.
ROUNDS = {
    "before-2020-judged.csv": set(),          # session 3, judged before these rules existed
    "after-2020-judged.csv": set(),           # session 3, idem
    "held-out-2020-judged.csv": {             # round 1 of session 4; round 2 changed these
        "SEC.MARK.WAR", "SEC.MEASURE.NATSEC", "SEC.AUDIENCE.APPEAL",
        "CTX.QA.CHALLENGE", "CTX.QA.ALIGNED"},
    "held-out-2020-round2-judged.csv": set(),  # round 2: judged with the final rules
}
CHANGED = ROUNDS


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float, float]:
    """Proportion and Wilson 95 % interval."""
    if n == 0:
        return (float("nan"),) * 3
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return p, c - h, c + h


def cell(k: int, n: int) -> str:
    if n == 0:
        return "-"
    p, lo, hi = wilson(k, n)
    return f"{p:.2f} [{lo:.2f}, {hi:.2f}] {k}/{n}"


def rel(source: str) -> str:
    parts = Path(source).parts
    return "/".join(parts[parts.index("mananeras") + 1:]) if "mananeras" in parts else source


class Project:
    """Readings of judged items in one project (matched by span overlap, same code)."""

    def __init__(self, path: str):
        self.con = sqlite3.connect(path)
        self.docs = {rel(src): i for i, src in self.con.execute("SELECT id, source FROM documents")}

    def reading(self, item: dict) -> dict | None:
        doc = self.docs.get(item["file"])
        if doc is None:
            return None
        row = self.con.execute(
            'SELECT source, polarity, marked FROM suggestions WHERE document_id = ? AND code_id = ?'
            ' AND start < ? AND "end" > ? ORDER BY ("end" - start) DESC LIMIT 1',
            [doc, item["code"], int(item["end"]), int(item["start"])]).fetchone()
        if row is None:
            return None
        return {"source": row[0], "polarity": row[1], "marked": row[2]}

    def presented(self, item: dict) -> bool:
        r = self.reading(item)
        return bool(r) and r["source"] == "own" and r["polarity"] == "affirmed" and not r["marked"]

    def weights(self, since: str) -> dict[str, int]:
        return dict(self.con.execute(
            "SELECT s.code_id, count(*) FROM suggestions s JOIN documents d ON d.id = s.document_id"
            " WHERE s.source = 'own' AND s.polarity = 'affirmed' AND s.marked = 0 AND d.date >= ?"
            " GROUP BY s.code_id", [since]))


def load() -> dict[str, list[dict]]:
    files = {}
    for name in ROUNDS:
        path = HERE / name
        if path.exists():
            with open(path, newline="", encoding="utf-8") as handle:
                files[name] = list(csv.DictReader(handle))
    return files


def family(code: str) -> str:
    return code.split(".")[0]


def table(title: str, rows: list[tuple[str, list[dict]]]) -> None:
    print(f"\n{title}")
    print(f"{'':34} " + "  ".join(f"{f:26}" for f in (*FAMILIES, "all")))
    for label, items in rows:
        cells = []
        for fam in (*FAMILIES, "all"):
            chosen = [i for i in items if fam == "all" or family(i["code"]) == fam]
            cells.append(cell(sum(i["verdict"] == "correct" for i in chosen), len(chosen)))
        print(f"{label:34} " + "  ".join(f"{c:26}" for c in cells))


def stratified(items: list[dict], weights: dict[str, int], fam: str) -> tuple[float, float, int]:
    """Precision weighted by code share, and its standard error (normal approximation over
    codes as strata; a code's proportion shrunk by one pseudo-count each way so that 3/3
    does not claim zero variance)."""
    by_code = defaultdict(list)
    for item in items:
        if fam == "all" or family(item["code"]) == fam:
            by_code[item["code"]].append(item["verdict"] == "correct")
    total = sum(weights.get(c, 0) for c in by_code)
    if not total:
        return float("nan"), float("nan"), 0
    p = var = 0.0
    for code, verdicts in by_code.items():
        share, n = weights.get(code, 0) / total, len(verdicts)
        rate = sum(verdicts) / n
        shrunk = (sum(verdicts) + 1) / (n + 2)
        p += share * rate
        var += share * share * shrunk * (1 - shrunk) / n
    return p, math.sqrt(var), len(by_code)


def weighted(items: list[dict], weights: dict[str, int]) -> str:
    out, family_means = [], []
    for fam in (*FAMILIES, "all"):
        p, se, codes = stratified(items, weights, fam)
        if not codes:
            out.append("-")
            continue
        if fam != "all":
            family_means.append(p)
        out.append(f"{p:.2f} [{max(0, p - 1.96 * se):.2f}, {min(1, p + 1.96 * se):.2f}] {codes} codes")
    line = "  ".join(f"{c:26}" for c in out)
    if len(family_means) == len(FAMILIES):
        line += f"\n{'  (families equally weighted)':34} {sum(family_means) / len(family_means):.2f}"
    return line


def end_of_war(final: Project, base: Project) -> None:
    texts = final.con.execute("SELECT id, source, text FROM documents").fetchall()
    slogan = re.compile(r"abrazos,?\s+(?:y\s+)?no\s+balazos", re.IGNORECASE)
    found = suggested = presented = 0
    for doc, _, text in texts:
        for m in slogan.finditer(text):
            found += 1
            rows = final.con.execute(
                'SELECT marked FROM suggestions WHERE document_id = ? AND start < ? AND "end" > ?'
                " AND code_id LIKE 'DES%'", [doc, m.end(), m.start()]).fetchall()
            suggested += bool(rows)
            presented += any(not r[0] for r in rows)
    print(f"\n'abrazos, no balazos' in the corpus: {found}; still suggested (a DES code): {suggested};"
          f" not set aside: {presented}")
    key = ("SELECT d.source, s.start, s.\"end\" FROM suggestions s JOIN documents d ON d.id ="
           " s.document_id WHERE s.code_id = 'DES.ENDWAR'")
    before = {(rel(a), b, c) for a, b, c in base.con.execute(key)}
    after = {(rel(a), b, c) for a, b, c in final.con.execute(key)}
    print(f"end-of-war (DES.ENDWAR) suggestions: before {len(before)}, after {len(after)},"
          f" kept {len(before & after)}, lost {len(before - after)}")


def main(final_db: str, base_db: str, since: str = "2020") -> None:
    final, base = Project(final_db), Project(base_db)
    files = load()
    presented = {name: [i for i in items if final.presented(i)] for name, items in files.items()}
    table("Presented as own affirmed by the FINAL rules, per judgement file (strict precision,"
          " Wilson 95 %, correct/n)", [(name.removesuffix("-judged.csv"), presented[name])
                                     for name in files])
    held = [i for name, items in presented.items() for i in items if i["code"] not in CHANGED[name]]
    mine = [i for name, items in presented.items() if name.startswith("held-out")
            for i in items if i["code"] not in CHANGED[name]]
    table("Held-out estimate (items judged after their code's rules last changed)",
          [("pooled, all judges", held), ("judged in session 4 only", mine),
           ("round 2 only (fresh, final rules)", presented.get("held-out-2020-round2-judged.csv", []))])
    lenient = [dict(i, verdict="correct" if i["verdict"] != "wrong" else "wrong") for i in held]
    table("Same, lenient (borderline counted as correct)", [("pooled, all judges", lenient)])
    w = final.weights(since)
    print(f"\nweighted by each code's share of presented suggestions since {since}:")
    print(f"{'pooled, all judges':34} " + weighted(held, w))
    print(f"{'judged in session 4 only':34} " + weighted(mine, w))
    old = files.get("before-2020-judged.csv", []) + files.get("after-2020-judged.csv", [])
    table("Before: session-3 items presented by the BASE rules",
          [("BASE rules", [i for i in old if base.presented(i)]),
           ("FINAL rules, same items", [i for i in old if final.presented(i)])])
    everything = [i for items in files.values() for i in items]
    correct_base = [i for i in everything if i["verdict"] == "correct" and base.presented(i)]
    kept = [i for i in correct_base if final.presented(i)]
    still = [i for i in correct_base if final.reading(i) is not None]
    print(f"\nretention: correct items presented by BASE {len(correct_base)}; still presented by"
          f" FINAL {len(kept)} ({cell(len(kept), len(correct_base))}); still suggested at all"
          f" {len(still)}")
    for fam in FAMILIES:
        c = [i for i in correct_base if family(i["code"]) == fam]
        k = [i for i in kept if family(i["code"]) == fam]
        print(f"  {fam}: {cell(len(k), len(c))}")
    end_of_war(final, base)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    since = sys.argv[sys.argv.index("--since") + 1] if "--since" in sys.argv else "2020"
    args = [a for a in args if a != since] if "--since" in sys.argv else args
    main(args[0], args[1], since)
