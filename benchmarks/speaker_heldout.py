"""Held-out accuracy of the speaker rules: name, kind and role of speaker lines of a year the
rules were not developed on.

    python benchmarks/speaker_heldout.py draw LABELS.tsv [--year 2020] [--n 300] [--seed 10]
                                               [--exclude OLD.tsv ...]
    python benchmarks/speaker_heldout.py score LABELS.tsv [--corpus PATH] [--project P.db]

``draw`` picks ``n`` distinct speaker lines of one year at random (seeded), each with the
file and turn it was drawn from and the start of that turn, and writes them to LABELS.tsv
with empty columns ``name``, ``kind`` and ``role`` for a person to fill in:

- name: the person's full canonical name ("-" when the line names nobody: a generic voice,
  a clip, a stage direction, a heading);
- kind: president (the head of government on that date), official, guest, press,
  moderator, recording, voice (an unidentified voice not asking a question), other, unknown;
- role: the role the speaker had on that turn ("" for none, "?" when the labeller does not
  know it: not scored).

``--exclude OLD.tsv`` (repeatable) leaves out the speaker lines (the exact strings of the
``line`` column) of earlier label files, so a fresh draw is disjoint from label sets whose
errors the rule writers have already seen.

Keep LABELS.tsv out of the repository: it quotes the corpus.

``score`` imports the whole corpus into a fresh project with whatever ``coder`` is on the
path (run it once with PYTHONPATH pointing at the original rules' checkout and once at
the new ones, on the same labels) and prints the share of lines whose name, kind and role
match the labels, each with its count and a Wilson 95 % interval (computed here, not taken
from ``coder``, so the script also scores older checkouts).  Names match when their keys
match (accents, case, hyphens aside); a
line labelled "-" matches any generic speaker; roles match when one contains the other
after folding (so "(IMSS)" or "de México" do not decide).  Kinds the original rules do not
have (guest, recording, voice) count as misses for them: that is the difference measured.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "mananeras"
COLUMNS = ["file", "seq", "line", "turn_start", "name", "kind", "role"]
GENERIC = {"Press", "Moderator", "Other voices", "Unknown speaker", "Stage direction",
           "Not a speaker", "Recording", "Unidentified voice"}


def excluded_lines(label_files: list[Path]) -> set[str]:
    """The speaker lines (``line`` column) of earlier label files, to leave out of a draw."""
    lines: set[str] = set()
    for path in label_files:
        with path.open(encoding="utf-8", newline="") as handle:
            lines.update(row["line"] for row in csv.DictReader(handle, delimiter="\t"))
    return lines


def wilson(right: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval (95 % by default) of the share ``right / total``."""
    if total == 0:
        return 0.0, 1.0
    share = right / total
    centre = share + z * z / (2 * total)
    spread = z * math.sqrt(share * (1 - share) / total + z * z / (4 * total * total))
    denominator = 1 + z * z / total
    return max(0.0, (centre - spread) / denominator), min(1.0, (centre + spread) / denominator)


def draw(labels: Path, corpus: Path, year: str, n: int, seed: int,
         exclude: list[Path] | None = None) -> None:
    """Write ``n`` random distinct speaker lines of ``year`` (with where they were drawn),
    leaving out the lines of the label files in ``exclude``."""
    from coder.corpus.prepare import read_file

    left_out = excluded_lines(exclude or [])

    occurrences: dict[str, list[tuple[str, int, str]]] = {}
    for path in sorted((corpus / year).rglob("*.txt")):
        for doc in read_file(path):
            for seq, turn in enumerate(doc.turns):
                if turn.speaker and turn.speaker not in left_out:
                    start = " ".join(doc.text[turn.start:turn.end].split())[:160]
                    occurrences.setdefault(turn.speaker, []).append(
                        (str(path.relative_to(corpus)), seq, start))
    rng = random.Random(seed)
    lines = sorted(occurrences)
    chosen = rng.sample(lines, min(n, len(lines)))
    with labels.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t")
        writer.writerow(COLUMNS)
        for line in chosen:
            file, seq, start = rng.choice(occurrences[line])
            writer.writerow([file, seq, line, start, "", "", ""])
    print(f"drew {len(chosen)} of {len(lines)} distinct speaker lines of {year} into {labels}"
          f" ({len(left_out)} lines of earlier label files left out)")


def _fold(text: str | None) -> str:
    from coder.corpus.speakers import fold_name

    return " ".join(fold_name(text or "").replace(",", " ").replace(".", " ").split())


def score(labels: Path, corpus: Path, project_path: Path | None) -> None:
    """Import the corpus with the ``coder`` on the path and compare with the labels."""
    import coder
    from coder.corpus.importer import import_paths
    from coder.corpus.speakers import name_key
    from coder.project import Project

    with labels.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle, delimiter="\t") if row["kind"]]
    temp = None
    if project_path is None:
        temp = tempfile.TemporaryDirectory()
        project_path = Path(temp.name) / "heldout.db"
    fresh = not project_path.exists()
    with Project(project_path, create=True) as project:
        if fresh:
            import_paths(project, [corpus])
        has_turn_kinds = "kind" in {c[1] for c in project.db.execute("PRAGMA table_info(turns)")}
        kind_sql = "COALESCE(t.kind, s.kind)" if has_turn_kinds else "s.kind"
        role_sql = "COALESCE(t.role, s.role)" if has_turn_kinds else "s.role"
        right = {"name": 0, "kind": 0, "role": 0, "all": 0}
        persons = persons_right = same_person = 0
        misses: list[str] = []
        by_kind: dict[str, list[int]] = {}  # labelled kind -> [right, total]
        for row in rows:
            found = project.db.execute(
                f"SELECT s.name, {kind_sql}, {role_sql} FROM turns t"
                " JOIN documents d ON d.id = t.document_id JOIN speakers s ON s.id = t.speaker_id"
                " WHERE d.source LIKE ? AND t.seq = ?",
                ["%" + row["file"], int(row["seq"])]).fetchone()
            if found is None:
                misses.append(f"not found: {row['file']} #{row['seq']}")
                continue
            name, kind, role = found
            if row["name"] == "-":
                name_ok = name in GENERIC
            else:
                persons += 1
                name_ok = name_key(name) == name_key(row["name"])
                persons_right += name_ok
                # The same person under another full spelling: one name's words all in
                # the other's (two at least), e.g. with or without a second given name.
                got_words, want_words = set(name_key(name).split()), set(name_key(row["name"]).split())
                same_person += name_ok or (min(len(got_words), len(want_words)) >= 2 and (
                    got_words <= want_words or want_words <= got_words))
            kind_ok = (kind or "") == row["kind"]
            tally = by_kind.setdefault(row["kind"], [0, 0])
            tally[0] += kind_ok
            tally[1] += 1
            want, got = _fold(row["role"]), _fold(role)
            role_ok = row["role"] == "?" or want == got or bool(
                want and got and (want in got or got in want))
            right["name"] += name_ok
            right["kind"] += kind_ok
            right["role"] += role_ok
            right["all"] += name_ok and kind_ok and role_ok
            if not (name_ok and kind_ok and role_ok):
                misses.append(f"{row['line'][:70]!r}: got ({name}, {kind}, {role}) want "
                              f"({row['name']}, {row['kind']}, {row['role']})")
    total = len(rows)
    print(f"coder from {Path(coder.__file__).parent.parent}; {total} labelled lines")
    for column in ("name", "kind", "role", "all"):
        low, high = wilson(right[column], total)
        print(f"  {column:5} {right[column]:4} / {total} = {right[column] / total:.1%}"
              f"  (95 % CI {low:.1%}–{high:.1%})")
    print(f"  names of people only: {persons_right} / {persons} = "
          f"{persons_right / max(persons, 1):.1%} (the same person under a fuller or shorter "
          f"spelling: {same_person} = {same_person / max(persons, 1):.1%})")
    print("  kind by labelled kind: " + ", ".join(
        f"{k} {r}/{n}" for k, (r, n) in sorted(by_kind.items(), key=lambda item: -item[1][1])))
    if "-v" in sys.argv:
        print("\n".join(misses))
    if temp is not None:
        temp.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["draw", "score"])
    parser.add_argument("labels", type=Path)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--year", default="2020")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--exclude", type=Path, nargs="+", default=[], metavar="OLD.tsv",
                        help="leave out the speaker lines of earlier label files (draw)")
    parser.add_argument("--project", type=Path, help="reuse (or keep) the imported project")
    parser.add_argument("-v", action="store_true", help="list the lines that miss")
    args = parser.parse_args()
    if args.action == "draw":
        draw(args.labels, args.corpus, args.year, args.n, args.seed, args.exclude)
    else:
        score(args.labels, args.corpus, args.project)


if __name__ == "__main__":
    main()
