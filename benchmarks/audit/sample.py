"""Draw and show suggestions for a hand audit (issue #11); judgements live next to this file.

    python benchmarks/audit/sample.py draw PROJECT.db --year 2020 --per-family 55 --seed 11 > items.csv
    python benchmarks/audit/sample.py show PROJECT.db items.csv          # context to read, on screen
    python benchmarks/audit/sample.py readings PROJECT.db items.csv     # is each item still suggested, and how?

Items are keyed by the transcript's path relative to the corpus, code, pattern and
code-point span, so a judgement made on one project holds in another built from the same
corpus.  Nothing of the corpus text is written to the item or judgement files.
"""

from __future__ import annotations

import csv
import random
import sqlite3
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from coder.corpus.segment import split_sentences  # noqa: E402

FIELDS = ["file", "code", "pattern", "start", "end"]


def _rel(source: str) -> str:
    parts = Path(source).parts
    return "/".join(parts[parts.index("mananeras") + 1:]) if "mananeras" in parts else source


def draw(db: str, year: str, per_family: int, seed: int, where: str = "1") -> None:
    con = sqlite3.connect(db)
    rows = con.execute(
        'SELECT d.source, s.code_id, s.pattern_id, s.start, s."end" FROM suggestions s'
        f" JOIN documents d ON d.id = s.document_id WHERE substr(d.date, 1, 4) = ? AND ({where})"
        ' ORDER BY d.source, s.start, s."end", s.code_id, s.pattern_id', [year]).fetchall()
    rng = random.Random(seed)
    out = csv.writer(sys.stdout)
    out.writerow(FIELDS + ["family"])
    for family in ("SEC", "DES", "CTX"):
        pool = [r for r in rows if r[1].split(".")[0] == family]
        for r in rng.sample(pool, min(per_family, len(pool))):
            out.writerow([_rel(r[0]), *r[1:], family])


def _items(path: str) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _doc(con, rel: str):
    return con.execute("SELECT id, text FROM documents WHERE source LIKE ?", ["%" + rel]).fetchone()


def show(db: str, items: str) -> None:
    con = sqlite3.connect(db)
    for n, item in enumerate(_items(items)):
        doc_id, text = _doc(con, item["file"])
        start, end = int(item["start"]), int(item["end"])
        turn = con.execute(
            'SELECT t.start, t."end", s.kind, s.name FROM turns t LEFT JOIN speakers s ON s.id = t.speaker_id'
            ' WHERE t.document_id = ? AND t.start <= ? AND t."end" >= ?', [doc_id, start, end]).fetchone()
        lo, hi = (turn[0], turn[1]) if turn else (0, len(text))
        sentences = split_sentences(text, lo, hi)
        index = next(i for i, (s, e) in enumerate(sentences) if s <= start < e or s >= start)
        a = sentences[max(0, index - 1)][0]
        b = sentences[min(len(sentences) - 1, index + 1)][1] if sentences[index][1] < end else sentences[index][1]
        a = max(a, start - 450)
        b = min(b, end + 250)
        snippet = (text[a:start] + "[[" + text[start:end] + "]]" + text[end:b]).replace("\n", " / ")
        print(f"#{n} {item['code']} {item['pattern']} ({turn[2] if turn else '?'}: {turn[3] if turn else '?'}) "
              f"{item['file'][:20]}\n   {snippet}\n")


def readings(db: str, items: str) -> None:
    """Per item: kept (same code overlapping), and the reading of the overlapping suggestion."""
    con = sqlite3.connect(db)
    out = csv.writer(sys.stdout)
    out.writerow(FIELDS + ["kept", "source", "polarity", "sector", "context", "marked"])
    for item in _items(items):
        doc_id, _ = _doc(con, item["file"])
        row = con.execute(
            'SELECT source, polarity, sector, context, marked FROM suggestions WHERE document_id = ?'
            ' AND code_id = ? AND start < ? AND "end" > ? ORDER BY ("end" - start) DESC LIMIT 1',
            [doc_id, item["code"], int(item["end"]), int(item["start"])]).fetchone()
        out.writerow([item[k] for k in FIELDS] + ([1, *row] if row else [0, "", "", "", "", ""]))


if __name__ == "__main__":
    command, db, *rest = sys.argv[1:]
    if command == "draw":
        args = dict(zip(rest[::2], rest[1::2]))
        draw(db, args.get("--year", "2020"), int(args.get("--per-family", 50)), int(args.get("--seed", 1)),
             args.get("--where", "1"))
    elif command == "show":
        show(db, rest[0])
    elif command == "readings":
        readings(db, rest[0])
