"""Third, blind judge of the 2020 suggestions presented as the speaker's own affirmed move.

The verdicts were given with the product (`coder audit draw` / `coder audit mark`) in a
project built from the shared corpus; this script only moves them in and out of the repo:

    python benchmarks/audit/judge3.py export -p JUDGE.db --judge judge3
        writes benchmarks/audit/judge3-2020-judged.csv: one row per judged suggestion, keyed
        by transcript path (relative to the corpus root), code and span; no corpus text.
    python benchmarks/audit/judge3.py figures [--final FINAL.db] [--new-out NEW.csv]
        strict precision (correct / n) and lenient precision ((correct + borderline) / n)
        per family with Wilson 95 % intervals, and per-code counts.  With --final, only the
        judged items that FINAL.db (a project re-suggested with later rules) still presents
        as own affirmed moves in 2020 are scored, the presented suggestions nobody judged are
        counted (and listed in NEW.csv), and an overall figure is weighted by how many
        suggestions of each family FINAL.db presents.

The draw labels say what each row belongs to: `sec2020` is the whole population of 2020 SEC
suggestions presented as own affirmed (no sampling error); `des2020` and `ctx2020` are
simple random samples of 30 within each family (what a user is shown, proportionally).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CSV = HERE / "judge3-2020-judged.csv"
FIELDS = ["draw", "transcript", "date", "family", "code", "pattern", "start", "end",
          "verdict", "reason"]
FAMILIES = ("SEC", "DES", "CTX")
# The filters of the population: 2020, shown by the workbench, own affirmed where a code
# carries those dimensions (context codes carry none and are kept by the product).
DRAW_FILTERS = ["--since", "2020", "--until", "2020", "--presented",
                "--predicted", "source=own", "--predicted", "polarity=affirmed"]


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score 95 % interval of k successes in n trials ((nan, nan) when n is 0)."""
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def coder(project: str, *args: str) -> str:
    """Run the coder CLI on a project and return its standard output (fail loudly)."""
    cmd = [sys.executable, "-m", "coder", "-p", project, *args]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"judge3: {' '.join(cmd[2:])} failed: {done.stderr.strip()}")
    return done.stdout


def corpus_relative(source: str) -> str:
    """A transcript's path relative to the corpus root (the part after 'mananeras/')."""
    marker = "mananeras/"
    return source.split(marker, 1)[1] if marker in source else source


def document_paths(project: str) -> dict[int, str]:
    """Document id -> transcript path, for one project."""
    docs = json.loads(coder(project, "documents", "--json"))
    return {d["id"]: corpus_relative(d.get("source") or "") for d in docs}


def export(args: argparse.Namespace) -> None:
    """Write the judge's verdicts (no corpus text) to the CSV."""
    items = json.loads(coder(args.project, "audit", "list", "--judge", args.judge, "--json"))
    paths = document_paths(args.project)
    rows = []
    for it in items:
        if it.get("verdict") is None:
            continue
        rows.append({
            "draw": it["draw"], "transcript": paths[it["document_id"]], "date": it["date"],
            "family": it["code_id"].split(".")[0], "code": it["code_id"],
            "pattern": it["pattern_id"], "start": it["start"], "end": it["end"],
            "verdict": it["verdict"], "reason": it.get("reason") or "",
        })
    rows.sort(key=lambda r: (r["draw"], r["transcript"], r["code"], int(r["start"])))
    with open(args.out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} verdict(s) written to {args.out}")


def key(row: dict) -> tuple[str, str, int, int]:
    """What identifies a suggestion across projects: transcript, code and span."""
    return (row["transcript"], row["code"], int(row["start"]), int(row["end"]))


def presented(final: str) -> dict[str, dict[tuple, dict]]:
    """Every 2020 suggestion FINAL presents as own affirmed, per family (drawn on a copy)."""
    out: dict[str, dict[tuple, dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "final.db")
        shutil.copy(final, copy)
        paths = document_paths(copy)
        for fam in FAMILIES:
            coder(copy, "audit", "draw", "--judge", "judge3-final", "--seed", "0",
                  "--per-code", "100000000", "--code", fam, "--draw", f"all-{fam}",
                  *DRAW_FILTERS)
        items = json.loads(coder(copy, "audit", "list", "--judge", "judge3-final", "--json"))
        for it in items:
            fam = it["code_id"].split(".")[0]
            row = {"transcript": paths[it["document_id"]], "code": it["code_id"],
                   "start": it["start"], "end": it["end"], "pattern": it["pattern_id"],
                   "date": it["date"]}
            out.setdefault(fam, {})[key(row)] = row
    return out


def summarise(rows: list[dict]) -> dict:
    """Counts, strict and lenient precision with Wilson intervals."""
    c = Counter(r["verdict"] for r in rows)
    n = len(rows)
    ok, border = c["correct"], c["borderline"]
    lo, hi = wilson(ok, n)
    llo, lhi = wilson(ok + border, n)
    return {"n": n, "correct": ok, "borderline": border, "wrong": c["wrong"],
            "strict": ok / n if n else math.nan, "strict_ci": [lo, hi],
            "lenient": (ok + border) / n if n else math.nan, "lenient_ci": [llo, lhi]}


def weighted_overall(per_family: dict, population: dict[str, int]) -> dict:
    """Overall precision weighted by each family's presented count (stratified estimate).

    The SEC stratum is the whole population (no sampling error); the others are simple
    random samples, so their variance carries the finite-population correction.
    """
    out = {}
    total = sum(population.get(f, 0) for f in per_family)
    for kind in ("strict", "lenient"):
        est, var = 0.0, 0.0
        for fam, s in per_family.items():
            N, n = population.get(fam, 0), s["n"]
            if not N or not n:
                continue
            w, p = N / total, s[kind]
            est += w * p
            fpc = max(0.0, 1 - n / N)
            var += w * w * p * (1 - p) / max(1, n - 1) * fpc
        half = 1.959964 * math.sqrt(var)
        out[kind] = est
        out[kind + "_ci"] = [max(0.0, est - half), min(1.0, est + half)]
    out["population"] = {f: population.get(f, 0) for f in per_family}
    return out


def fmt(s: dict, kind: str) -> str:
    lo, hi = s[kind + "_ci"]
    return f"{s[kind]:.2f} [{lo:.2f}, {hi:.2f}]"


def figures(args: argparse.Namespace) -> None:
    """Print (or --json) the precision figures, optionally restricted to FINAL's items."""
    with open(args.csv, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    result: dict = {"csv": str(args.csv)}
    population = None
    if args.final:
        shown = presented(args.final)
        population = {f: len(shown.get(f, {})) for f in FAMILIES}
        judged = {key(r) for r in rows}
        kept = [r for r in rows if key(r) in shown.get(r["family"], {})]
        new = [row for fam in FAMILIES for k, row in shown.get(fam, {}).items()
               if k not in judged]
        result["final"] = {"project": args.final, "presented": population,
                           "judged_still_presented": len(kept),
                           "judged_no_longer_presented": len(rows) - len(kept),
                           "presented_unjudged": dict(Counter(r["code"].split(".")[0]
                                                              for r in new))}
        if args.new_out:
            with open(args.new_out, "w", newline="", encoding="utf-8") as fh:
                w = csv.DictWriter(fh, fieldnames=["transcript", "date", "code", "pattern",
                                                   "start", "end"])
                w.writeheader()
                w.writerows(sorted(new, key=lambda r: (r["code"], r["transcript"],
                                                       r["start"])))
        rows = kept
    by_family: dict[str, list] = defaultdict(list)
    for r in rows:
        by_family[r["family"]].append(r)
    result["families"] = {f: summarise(by_family[f]) for f in FAMILIES if by_family[f]}
    result["pooled"] = summarise(rows)
    if population:
        result["weighted_overall"] = weighted_overall(result["families"], population)
    per_code: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        per_code[r["code"]][r["verdict"]] += 1
    result["codes"] = {c: dict(v) for c, v in sorted(per_code.items())}
    if args.json:
        print(json.dumps(result, indent=1, ensure_ascii=False))
        return
    if args.final:
        fin = result["final"]
        print(f"final project {fin['project']}: presented {fin['presented']}; "
              f"judged still presented {fin['judged_still_presented']}, no longer "
              f"{fin['judged_no_longer_presented']}; presented but unjudged "
              f"{fin['presented_unjudged']}")
    print(f"{'family':8} {'n':>4} {'c':>4} {'b':>4} {'w':>4}  strict [95% Wilson]   "
          f"lenient [95% Wilson]")
    for f, s in list(result["families"].items()) + [("pooled", result["pooled"])]:
        print(f"{f:8} {s['n']:>4} {s['correct']:>4} {s['borderline']:>4} {s['wrong']:>4}  "
              f"{fmt(s, 'strict'):20}  {fmt(s, 'lenient')}")
    if population:
        wo = result["weighted_overall"]
        print(f"overall weighted by presented counts {wo['population']}: strict "
              f"{fmt(wo, 'strict')}, lenient {fmt(wo, 'lenient')} (normal approx.)")
    print("per code (correct / borderline / wrong):")
    for c, v in result["codes"].items():
        print(f"  {c:24} {v.get('correct', 0):>3} {v.get('borderline', 0):>3} "
              f"{v.get('wrong', 0):>3}")


def main(argv: list[str] | None = None) -> None:
    """Command-line entry: `export` or `figures`."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("export", help="write the judge's verdicts to the CSV")
    ex.add_argument("-p", "--project", default="coder.db")
    ex.add_argument("--judge", default="judge3")
    ex.add_argument("--out", default=str(DEFAULT_CSV))
    fi = sub.add_parser("figures", help="precision per family with Wilson intervals")
    fi.add_argument("--csv", default=str(DEFAULT_CSV))
    fi.add_argument("--final", help="a later project: score only what it still presents")
    fi.add_argument("--new-out", help="with --final: write its unjudged presented items here")
    fi.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    {"export": export, "figures": figures}[args.command](args)


if __name__ == "__main__":
    main()
