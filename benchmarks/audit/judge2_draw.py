"""Draw the second judge's items (#11): overlap with the first judge, and fresh items.

    PYTHONPATH=. python benchmarks/audit/judge2_draw.py PROJECT.db JUDGE [--dry-run]

Candidates are 2020 suggestions presented as the speaker's own affirmed move (predicted
source=own, polarity=affirmed, not set aside), read with the product's own
``candidate_suggestions``.  Draw ``overlap``: 60 items (SEC 35, DES 12, CTX 13) that the first judge judged in
``held-out-2020-judged.csv`` / ``held-out-2020-round2-judged.csv`` and that are still
presented (matched by file, code, pattern and span; only those key columns are read).
Draw ``fresh``: items of no ``*-judged.csv`` file, a seeded random sample per family
(35 per family, or all when a family has fewer: in 2020 only 4 presented SEC items
were never judged, so the SEC figures lean on the overlap), i.e. in proportion to the codes'
shares of what a user is shown.  Items go into ``audit_items`` exactly as
``coder audit draw`` writes them, so ``coder audit judge/mark/report`` work on them.
"""

from __future__ import annotations

import csv
import json
import random
import sys
from pathlib import Path

from coder.annotate import predicted_attributes
from coder.project import Project, now
from coder.team.audit import candidate_suggestions

HERE = Path(__file__).resolve().parent
KEYS = ["file", "code", "pattern", "start", "end"]
FIRST = ["held-out-2020-judged.csv", "held-out-2020-round2-judged.csv"]
OVERLAP = {"SEC": 35, "DES": 12, "CTX": 13}
FRESH = {"SEC": 35, "DES": 35, "CTX": 35}
SEED = 4242


def rel(source: str) -> str:
    """Transcript path relative to the corpus root (the judgement files' key)."""
    parts = Path(source).parts
    return "/".join(parts[parts.index("mananeras") + 1:]) if "mananeras" in parts else source


def keys_of(path: Path) -> list[tuple]:
    """Only the key columns of a judgement file (never its verdicts)."""
    with open(path, newline="", encoding="utf-8") as handle:
        return [tuple(row[k] for k in KEYS) for row in csv.DictReader(handle)]


def main(db: str, judge: str, dry: bool = False) -> None:
    project = Project(db)
    docs = {r["id"]: rel(r["source"]) for r in project.rows("SELECT id, source FROM documents")}
    # The stored predictions, as benchmarks/audit/drawn.py reads "presented" (CTX codes carry
    # no source/polarity dimension, so `--predicted` would drop them all).
    rows = candidate_suggestions(project, since="2020", until="2020")
    rows = [r for r in rows if r["source"] == "own" and r["polarity"] == "affirmed" and not r["marked"]]
    for r in rows:
        r["key"] = (docs[r["document_id"]], r["code_id"], r["pattern_id"], str(r["start"]), str(r["end"]))
    first = {k for f in FIRST for k in keys_of(HERE / f)}
    seen = {k for f in sorted(HERE.glob("*-judged.csv")) if "judge2" not in f.name for k in keys_of(f)}
    overlap = [r for r in rows if r["key"] in first]
    picked = []
    for fam, n in OVERLAP.items():
        members = [r for r in overlap if r["code_id"].split(".")[0] == fam]
        picked += random.Random(f"{SEED}:overlap:{fam}").sample(members, min(n, len(members)))
    overlap = picked
    fresh_pool = [r for r in rows if r["key"] not in seen]
    fresh = []
    for fam, n in FRESH.items():
        members = [r for r in fresh_pool if r["code_id"].split(".")[0] == fam]
        print(f"{fam}: {len(members)} fresh candidates, "
              f"{sum(r['code_id'].startswith(fam) for r in rows)} presented", file=sys.stderr)
        fresh += random.Random(f"{SEED}:{fam}").sample(members, min(n, len(members)))
    print(f"overlap {len(overlap)} of {len(first)} first-judge keys still presented; fresh {len(fresh)}",
          file=sys.stderr)
    if dry:
        return
    # One shuffled draw holding both sets, so the judge cannot tell overlap from fresh.
    chosen = [("o", r) for r in overlap] + [("f", r) for r in fresh]
    random.Random(f"{SEED}:order").shuffle(chosen)
    judge_id = project.coder_id(judge)
    stamp = now()
    with project.transaction():
        for seq, (_, r) in enumerate(chosen, 1):
            project.db.execute(
                'INSERT OR IGNORE INTO audit_items(draw, judge_id, seq, suggestion_id, document_id,'
                ' code_id, start, "end", pattern_id, codebook_version, predicted, drawn_at)'
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                ["judge2", judge_id, seq, r["id"], r["document_id"], r["code_id"], r["start"], r["end"],
                 r["pattern_id"], r["codebook_version"],
                 json.dumps(predicted_attributes(project, r), sort_keys=True), stamp])
        project.log_event("draw", "audit", None, coder_id=judge_id,
                          after={"draw": "judge2", "seed": SEED, "drawn": len(chosen)})
    with open(HERE / "judge2-2020-drawn.csv", "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(KEYS + ["family", "set"])
        for kind, r in chosen:
            out.writerow([*r["key"], r["code_id"].split(".")[0], "overlap" if kind == "o" else "fresh"])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], "--dry-run" in sys.argv)
