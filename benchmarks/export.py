"""Export and search speed, as ratios against baselines run in the same process.

    python benchmarks/export.py            # 100,000 segments; the shared corpus for search
    python benchmarks/export.py --quick    # 10,000 segments; one year of the corpus

1. A generated project (a few hundred documents with turns, 3 coders, 30 codes, the
   segments inserted with executemany) is exported to CSV, Parquet and .qdpx (when
   ``coder.export.refi`` exists), each timed against ``pandas.DataFrame.to_csv`` of the
   same rows.  The goal for CSV is at most 2x.
2. The shared corpus (``../shared/corpus/mananeras``) is imported into a temporary
   project; the FTS5 index build is timed, then the median time per query for 20
   common words (first 50 KWIC hits, as ``coder search`` shows, and every hit).

``generate_project`` is also handy for trying ``coder stats --plot`` on a demo-like project.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from coder.project import Project  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "mananeras"
WORDS = ("seguridad paz guerra violencia jóvenes programa gobierno pueblo estrategia guardia "
         "nacional desarrollo bienestar corrupción justicia trabajo familia comunidad respeto "
         "ley orden delito atención causas pobreza salud escuela campo obra tren aeropuerto "
         "presupuesto informe datos mañana estado municipio frontera migración apoyo becas "
         "secretaría defensa marina policía fiscalía crimen abrazos balazos fuerza diálogo").split()
SPEAKERS = [("PRESIDENTE", "Presidente", "president"), ("SECRETARIA A", "Secretaria", "official"),
            ("SECRETARIO B", "Secretario", "official"), ("SUBSECRETARIO C", "Subsecretario", "official"),
            ("PREGUNTA", None, "press")]
QUERIES = ["seguridad", "guerra", "violencia", "paz", "jóvenes", "narcotráfico", "militar",
           "policía", "homicidios", "guardia", "delincuencia", "ejército", "crimen", "abrazos",
           "corrupción", "pobreza", "migrantes", "armas", "víctimas", "justicia"]
REPEAT = 3


def generate_project(path: Path, *, documents: int = 300, segments: int = 100_000,
                     turns_per_document: int = 20, seed: int = 7) -> Path:
    """A demo-like project: documents from 2019 to 2020, SEC/DES codes, alice, bob and gold.

    Securitizing codes grow more frequent over time and desecuritizing ones less, so a
    plot by month has something to show.  Inserted with executemany (not annotate.py).
    """
    rng = random.Random(seed)
    stamp = "2021-01-01T00:00:00.000000+00:00"
    with Project(path, create=True) as project:
        db = project.db.conn
        with project.transaction():
            db.executemany("INSERT INTO speakers(id, key, name, role, kind) VALUES (?, ?, ?, ?, ?)",
                           [(i + 1, key, key.title(), role, kind)
                            for i, (key, role, kind) in enumerate(SPEAKERS)])
            codebook_id = db.execute(
                "INSERT INTO codebooks(name, version, source, yaml, loaded_at) VALUES"
                " ('bench', 'bench-v1', NULL, '', ?)", [stamp]).lastrowid
            codes = [("SEC", None, "Securitizing move"), ("DES", None, "Desecuritizing move")]
            codes += [(f"SEC.C{i:02d}", "SEC", f"Securitizing {i}") for i in range(14)]
            codes += [(f"DES.C{i:02d}", "DES", f"Desecuritizing {i}") for i in range(14)]
            db.executemany(
                "INSERT INTO codes(id, codebook_id, parent_id, name, color, sort) VALUES (?, ?, ?, ?, ?, ?)",
                [(cid, codebook_id, parent, name,
                  "#c0392b" if cid == "SEC" else "#2980b9" if cid == "DES" else None, n)
                 for n, (cid, parent, name) in enumerate(codes)])
            db.execute("INSERT INTO settings(key, value) VALUES ('codebook_version', ?)",
                       [json.dumps("bench-v1")])
            db.executemany("INSERT INTO coders(id, name, is_gold, created_at) VALUES (?, ?, ?, ?)",
                           [(1, "alice", 0, stamp), (2, "bob", 0, stamp), (3, "gold", 1, stamp)])
            doc_rows, turn_rows, spans = [], [], []
            turn_id = 0
            for d in range(documents):
                day = 730 * d // max(1, documents)
                date = (dt.date(2019, 1, 1) + dt.timedelta(days=day)).isoformat()
                parts, offset, doc_turns = [], 0, []
                header = f"Conferencia de prensa {d}\nPresidencia\n{date}\n"
                parts.append(header)
                offset += len(header)
                for seq in range(turns_per_document):
                    speaker = 5 if seq % 2 else (1 if seq % 4 == 0 else 2 + seq % 3)
                    line = f"---\n{SPEAKERS[speaker - 1][0]}\n"
                    parts.append(line)
                    offset += len(line)
                    sentences = []
                    for _ in range(rng.randint(4, 12)):
                        words = [rng.choice(WORDS) for _ in range(rng.randint(6, 18))]
                        sentences.append(" ".join(words).capitalize() + ".")
                    body = " ".join(sentences)
                    turn_id += 1
                    doc_turns.append((turn_id, seq, offset, offset + len(body), speaker,
                                      len(body.split())))
                    parts.append(body + "\n")
                    offset += len(body) + 1
                text = "".join(parts)
                doc_rows.append((d + 1, f"Conferencia de prensa {d}", date, "press conference",
                                 f"bench/{d}.txt", "es", f"{d:064x}", text,
                                 sum(t[5] for t in doc_turns), stamp))
                turn_rows += [(tid, d + 1, seq, s, e, spk, w) for tid, seq, s, e, spk, w in doc_turns]
                spans.append((d, doc_turns, day / 730))
            db.executemany(
                "INSERT INTO documents(id, title, date, kind, source, lang, sha256, text, words,"
                " imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", doc_rows)
            db.executemany('INSERT INTO turns(id, document_id, seq, start, "end", speaker_id, words)'
                           " VALUES (?, ?, ?, ?, ?, ?, ?)", turn_rows)
            sec = [c[0] for c in codes if c[0].startswith("SEC.")]
            des = [c[0] for c in codes if c[0].startswith("DES.")]
            annotations = []
            for n in range(segments):
                d, doc_turns, progress = spans[n % len(spans)]
                _, _, t_start, t_end, _, _ = rng.choice(doc_turns)
                start = rng.randint(t_start, max(t_start, t_end - 80))
                end = min(t_end, start + rng.randint(20, 160))
                family = sec if rng.random() < 0.3 + 0.35 * progress else des
                code = rng.choice(family)
                coder = rng.choice((1, 1, 2, 2, 3))
                memo = 'see "context", p. 2\nsecond line' if n % 97 == 0 else None
                annotations.append((f"bench-{n}", d + 1, code, coder, start, max(end, start + 1),
                                    memo, "manual", None, "bench-v1", stamp, stamp))
            db.executemany(
                'INSERT INTO annotations(uuid, document_id, code_id, coder_id, start, "end", memo,'
                " origin, pattern_id, codebook_version, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", annotations)
    return path


def timed(func, *args, **kwargs) -> tuple[float, object]:
    """CPU seconds of this process one call takes, and its result.

    CPU time rather than wall time: on a machine busy with other work the ratios stay
    comparable between runs (the export is CPU-bound; writes go to the page cache).
    """
    start = time.process_time()
    result = func(*args, **kwargs)
    return time.process_time() - start, result


def best(repeat: int, func, *args, **kwargs) -> tuple[float, object]:
    """The fastest of ``repeat`` calls (the machine may be busy with other work)."""
    runs = [timed(func, *args, **kwargs) for _ in range(repeat)]
    return min(r[0] for r in runs), runs[-1][1]


def bench_export(folder: Path, segments: int, documents: int) -> None:
    import pandas as pd

    from coder.export.segments import SEGMENT_COLUMNS, segments_frame, segments_rows
    from coder.export.tables import export_segments, write_csv

    path = folder / "bench.db"
    seconds, _ = timed(generate_project, path, documents=documents, segments=segments)
    print(f"generated {segments:,} segments in {documents} documents in {seconds:.1f} s")
    n = REPEAT
    print(f"(CPU seconds, each the best of {n} runs)")
    with Project(path) as project:
        t_rows, rows = best(n, segments_rows, project)
        t_frame_build, frame = best(n, pd.DataFrame.from_records, rows, columns=SEGMENT_COLUMNS)
        t_to_csv, _ = best(n, frame.to_csv, folder / "pandas.csv", index=False)
        t_csv, _ = best(n, export_segments, project, folder / "ours.csv")
        t_write, _ = best(n, write_csv, rows, SEGMENT_COLUMNS, folder / "rows.csv")
        t_jsonl, _ = best(n, export_segments, project, folder / "ours.jsonl")
        t_parquet, _ = best(n, export_segments, project, folder / "ours.parquet")
        t_sframe, _ = best(n, segments_frame, project)
        print(f"  segments_rows (query + turns + context): {t_rows:.2f} s")
        print(f"  baseline pandas DataFrame.to_csv of the same rows: {t_to_csv:.2f} s "
              f"(+ {t_frame_build:.2f} s to build the frame)")
        print(f"  CSV export, end to end:     {t_csv:.2f} s  ratio {t_csv / t_to_csv:.2f}x "
              f"(goal <= 2x)")
        print(f"  CSV writer alone (rows):    {t_write:.2f} s  ratio {t_write / t_to_csv:.2f}x")
        print(f"  JSONL export, end to end:   {t_jsonl:.2f} s  ratio {t_jsonl / t_to_csv:.2f}x")
        print(f"  Parquet export, end to end: {t_parquet:.2f} s  ratio {t_parquet / t_to_csv:.2f}x")
        print(f"  segments_frame (typed):     {t_sframe:.2f} s  ratio {t_sframe / t_to_csv:.2f}x")
        try:
            from coder.export.refi import export_qdpx
        except ImportError:
            print("  .qdpx: skipped (coder.export.refi is not there yet)")
        else:
            t_qdpx, _ = best(n, export_qdpx, project, folder / "ours.qdpx")
            print(f"  .qdpx export, end to end:   {t_qdpx:.2f} s  ratio {t_qdpx / t_to_csv:.2f}x")


def bench_search(folder: Path, quick: bool) -> None:
    from coder.corpus.importer import import_paths
    from coder.export.search import ensure_index, search

    if not CORPUS.is_dir():
        print(f"search: skipped ({CORPUS} is not here)")
        return
    source = CORPUS / "2019" if quick else CORPUS
    with Project(folder / "corpus.db", create=True) as project:
        t_import, report = timed(import_paths, project, [source])
        turns = project.db.execute("SELECT count(*) FROM turns").fetchone()[0]
        words = project.db.execute("SELECT sum(words) FROM documents").fetchone()[0]
        print(f"imported {report.documents} documents ({turns:,} turns, {words:,} words) "
              f"in {t_import:.1f} s")
        t_index, _ = timed(ensure_index, project)
        print(f"  FTS5 index build: {t_index:.2f} s ({t_import and t_index / t_import:.2f}x the import)")
        print(f"  (CPU time, each query the best of {REPEAT} runs)")
        shown, every, counts = [], [], []
        for query in QUERIES:
            seconds, _ = best(REPEAT, search, project, query, limit=50, kwic=60)
            shown.append(seconds)
            seconds, hits = best(REPEAT, search, project, query, limit=None, kwic=60)
            every.append(seconds)
            counts.append(len(hits))
        print(f"  median per query, first 50 KWIC hits: {statistics.median(shown) * 1000:.1f} ms "
              f"(max {max(shown) * 1000:.1f} ms)")
        print(f"  median per query, every hit:          {statistics.median(every) * 1000:.1f} ms "
              f"(max {max(every) * 1000:.1f} ms; median {statistics.median(counts):,.0f} hits, "
              f"max {max(counts):,})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="A small run (10,000 segments).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        if args.quick:
            bench_export(folder, segments=10_000, documents=60)
        else:
            bench_export(folder, segments=100_000, documents=300)
        bench_search(folder, args.quick)


if __name__ == "__main__":
    main()
