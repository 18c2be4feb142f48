"""Team work at scale: concurrent writers on one project file, and agreement over the corpus.

    python benchmarks/agreement_project.py            # 3 x 1,000 writes; the whole corpus
    python benchmarks/agreement_project.py --quick    # 3 x 200 writes; one year of the corpus

(a) Three processes each apply 1,000 codes with ``coder.annotate.apply_code`` to one
    project file at once; prints lost writes (must be 0) and writes/s, against one
    process writing the same number alone (the baseline, same file layout).
(b) The shared corpus (``../shared/corpus/mananeras``; skipped with a message when
    absent) is imported, a 30-code codebook loaded, and three coders' codings generated:
    for each code "true" segments of one to three sentences in random turns, then each
    coder's version with boundaries jittered by up to three words, 10 % of segments
    dropped and 5 % given another code.  Timed: loading the spans, the per-code
    character-level alphas (sweep) and binary unitizing alphas (goal: both together within
    1 s), the full reports at the character, span and turn units, the review queue, and
    peak traced memory.  Ratios: character-level alpha against a per-character numpy
    count on the same documents, and turn-level alpha against the ``krippendorff``
    package on the same matrices (when installed).
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import re
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from coder.project import Project, now  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "mananeras"
CODERS = ["ana", "beto", "caro"]
N_CODES = 30


def peak_mib(fn):
    """Run ``fn``; return its result and the peak traced allocation in MiB."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak / 2**20


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0


# -- (a) concurrent writers ---------------------------------------------------------------


def _writer(path: str, coder: str, n: int, barrier, results) -> None:
    from coder.annotate import apply_code

    with Project(path) as project:
        length = project.db.execute("SELECT length(text) FROM documents WHERE id = 1").fetchone()[0]
        barrier.wait()
        t0 = time.time()
        for i in range(n):
            start = (i * 7) % (length - 50)
            apply_code(project, coder, 1, "C01", start, start + 5 + i % 40)
        results.put((coder, n, t0, time.time()))


def _small_project(path: Path, coders: list[str]) -> None:
    from coder.codebook import parse_codebook, store_codebook
    from coder.corpus.importer import store_document
    from coder.corpus.model import ParsedDocument, ParsedTurn
    from coder.corpus.speakers import SpeakerResolver

    text = " ".join(f"palabra{i} de prueba para la escritura concurrente." for i in range(400))
    with Project(path, create=True) as project:
        with project.transaction():
            store_document(project, ParsedDocument(text, [ParsedTurn(0, len(text), "PRESIDENTE")],
                                                   title="escrituras"),
                           source="benchmark", resolver=SpeakerResolver(project))
        store_codebook(project, parse_codebook(codebook_yaml()))
        for name in coders:
            project.coder_id(name)


def section_writers(args: argparse.Namespace) -> None:
    n = args.writes
    ctx = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        figures = {}
        for label, coders, per in (("1 process (baseline)", ["solo"], 3 * n),
                                   ("3 processes", ["p0", "p1", "p2"], n)):
            path = Path(tmp) / f"{len(coders)}.db"
            _small_project(path, coders)
            barrier, results = ctx.Barrier(len(coders)), ctx.Queue()
            procs = [ctx.Process(target=_writer, args=(str(path), c, per, barrier, results))
                     for c in coders]
            for p in procs:
                p.start()
            got = [results.get() for _ in procs]
            for p in procs:
                p.join()
            wall = max(r[3] for r in got) - min(r[2] for r in got)
            with Project(path) as project:
                stored = project.db.execute("SELECT count(*) FROM annotations").fetchone()[0]
            lost = len(coders) * per - stored
            figures[label] = len(coders) * per / wall
            print(f"  {label:<22} {len(coders) * per:>6} writes  {wall:6.2f} s  "
                  f"{figures[label]:8.0f} writes/s  lost {lost}")
            assert lost == 0, "writes were lost"
        ratio = figures["3 processes"] / figures["1 process (baseline)"]
        print(f"  3 processes / 1 process: {ratio:.2f}x the throughput (SQLite serialises writers)")


# -- (b) agreement over the corpus --------------------------------------------------------


def codebook_yaml() -> str:
    lines = ["codebook:", "  name: Benchmark codebook", "  languages: [es]", "codes:"]
    for i in range(1, N_CODES + 1):
        lines += [f"  - id: C{i:02d}", f"    name: Code {i}"]
    lines += ["exclusive_groups:", "  - id: G1", "    codes: [C01, C02, C03]"]
    return "\n".join(lines) + "\n"


def generate_codings(project: Project, *, per_code: int, seed: int = 5) -> int:
    """Synthetic codings of three coders (see the module docstring); returns annotations."""
    from coder.agreement.units import split_sentences

    rng = random.Random(seed)
    turns = project.db.execute('SELECT document_id, start, "end" FROM turns'
                               ' WHERE "end" - start > 200').fetchall()
    texts: dict[int, str] = {}
    codes = [f"C{i:02d}" for i in range(1, N_CODES + 1)]
    coder_ids = {name: project.coder_id(name) for name in CODERS}
    rows = []
    stamp = now()
    for code in codes:
        for _ in range(per_code):
            doc, t_start, t_end = rng.choice(turns)
            if doc not in texts:
                texts[doc] = project.db.execute("SELECT text FROM documents WHERE id = ?",
                                                [doc]).fetchone()[0]
            text = texts[doc]
            sentences = split_sentences(text, t_start, t_end)
            if not sentences:
                continue
            i = rng.randrange(len(sentences))
            j = min(len(sentences) - 1, i + rng.choice([0, 0, 1, 2]))
            start, end = sentences[i][0], sentences[j][1]
            words = [m.start() for m in re.finditer(r"\S+", text[t_start:t_end])]
            word_ends = [m.end() for m in re.finditer(r"\S+", text[t_start:t_end])]
            for name in CODERS:
                if rng.random() < 0.10:
                    continue  # this coder missed the segment
                s = _jitter(words, start - t_start, rng) + t_start
                e = _jitter(word_ends, end - t_start, rng) + t_start
                if e <= s:
                    s, e = start, end
                code_used = rng.choice(codes) if rng.random() < 0.05 else code
                rows.append((str(uuid.uuid4()), doc, code_used, coder_ids[name], s, e, stamp, stamp))
    with project.transaction():
        project.db.conn.executemany(
            'INSERT INTO annotations(uuid, document_id, code_id, coder_id, start, "end",'
            " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?)", rows)
    return len(rows)


def _jitter(bounds: list[int], position: int, rng: random.Random) -> int:
    """Move ``position`` to a word boundary up to three words away."""
    import bisect

    k = bisect.bisect_left(bounds, position)
    k = max(0, min(len(bounds) - 1, k + rng.randint(-3, 3)))
    return bounds[k]


def per_character_baseline(project: Project, scope, code: str, limit: int) -> tuple[float, float]:
    """A per-character numpy count for one code over the first documents up to ``limit``
    characters: returns (seconds, alpha) (the approach the sweep avoids)."""
    docs, total = [], 0
    lengths = dict(project.db.execute("SELECT id, length(text) FROM documents").fetchall())
    for d in scope.documents:
        if total + lengths[d] > limit:
            break
        docs.append(d)
        total += lengths[d]
    t0 = time.perf_counter()
    offsets = dict(zip(docs, np.cumsum([0] + [lengths[d] for d in docs])))
    marks = np.zeros((len(CODERS), total), dtype=np.uint8)
    for i, coder_id in enumerate(scope.coder_ids):
        for doc, s, e in project.db.execute(
                'SELECT document_id, start, "end" FROM annotations WHERE coder_id = ? AND'
                " code_id = ? AND deleted = 0", [coder_id, code]):
            if doc in offsets:
                marks[i, offsets[doc] + s: offsets[doc] + e] = 1
    k = marks.sum(axis=0)
    cov = np.bincount(k, minlength=len(CODERS) + 1).astype(float)
    m = len(CODERS)
    kk = np.arange(m + 1)
    n = m * total
    n1 = (cov * kk).sum()
    o01 = (cov * kk * (m - kk)).sum() / (m - 1)
    alpha = 1 - (n - 1) * o01 / ((n - n1) * n1)
    return time.perf_counter() - t0, float(alpha), docs


def section_corpus(args: argparse.Namespace) -> None:
    from coder.agreement import units as U
    from coder.agreement.report import agreement_report
    from coder.agreement.sweep import char_agreement, merge_spans
    from coder.agreement.unitized import unitized_alpha
    from coder.codebook import parse_codebook, store_codebook
    from coder.corpus.importer import import_paths
    from coder.team.review import disagreements

    if not CORPUS.is_dir():
        print(f"  skipped: the shared corpus is not at {CORPUS}")
        return
    source = CORPUS / "2019" if args.quick else CORPUS
    with tempfile.TemporaryDirectory() as tmp:
        project = Project(Path(tmp) / "corpus.db", create=True)
        report, seconds = timed(lambda: import_paths(project, [source]))
        chars = project.db.execute("SELECT sum(length(text)) FROM documents").fetchone()[0]
        print(f"  imported {report.documents} documents ({chars / 1e6:.1f} M characters) in {seconds:.1f} s")
        store_codebook(project, parse_codebook(codebook_yaml()))
        n, seconds = timed(lambda: generate_codings(project, per_code=args.per_code))
        print(f"  generated {n:,} annotations ({N_CODES} codes x {args.per_code} true segments,"
              f" 3 coders) in {seconds:.1f} s")
        docs = [r[0] for r in project.db.execute("SELECT id FROM documents ORDER BY id")]
        scope = U.select_documents(project, CODERS, docs)
        codes = [f"C{i:02d}" for i in range(1, N_CODES + 1)]

        spans, t_load = timed(lambda: U.load_spans(project, scope, codes))
        cont = U.continuum(project, scope.documents)

        def character():
            covs = U.coverages(spans, scope, cont, codes)
            return [char_agreement(covs[c]).alpha for c in codes]

        def unitizing():
            out = []
            for c in codes:
                shifted = [merge_spans(x) for x in cont.shifted(spans.get(c, {}), len(CODERS))]
                units = {name: [(int(s), int(e), c) for s, e in x] for name, x in zip(CODERS, shifted)}
                out.append(unitized_alpha(units, cont.length, CODERS).binary_u_alpha)
            return out

        alphas, t_char = timed(character)
        ualphas, t_unit = timed(unitizing)
        print(f"  load spans (SQL)                      {t_load:6.3f} s")
        print(f"  30 character-level alphas (sweep)     {t_char:6.3f} s   "
              f"median alpha {np.median([a.value for a in alphas if a.value is not None]):.3f}")
        print(f"  30 binary unitizing alphas |u_alpha   {t_unit:6.3f} s   "
              f"median |u_alpha {np.median([a.value for a in ualphas if a.value is not None]):.3f}")
        total = t_char + t_unit
        print(f"  character + unitizing alphas          {total:6.3f} s   goal <= 1 s: "
              f"{'met' if total <= 1 else 'NOT met'}")

        base_s, base_alpha, base_docs = per_character_baseline(project, scope, "C01", 5_000_000)
        sub = U.AgreementScope(scope.coders, scope.coder_ids, base_docs, "listed", "")
        sub_spans = U.load_spans(project, sub, ["C01"])
        sub_cont = U.continuum(project, base_docs)
        ours, t_ours = timed(lambda: char_agreement(
            U.coverages(sub_spans, sub, sub_cont, ["C01"])["C01"]).alpha)
        assert abs(ours.value - base_alpha) < 1e-9, (ours.value, base_alpha)
        print(f"  one code over {sub_cont.length / 1e6:.1f} M characters: sweep {t_ours * 1e3:.1f} ms vs "
              f"per-character numpy {base_s * 1e3:.1f} ms ({base_s / t_ours:.0f}x), same alpha")

        for unit in ("character", "span", "turn"):
            result, t = timed(lambda u=unit: agreement_report(project, CODERS, u, docs=docs))
            print(f"  full report, unit {unit:<10}          {t:6.3f} s   pooled "
                  f"{'alpha' if unit != 'span' else '%'} "
                  f"{(result.pooled.alpha if unit != 'span' else result.pooled.percent) or 0:.3f}")
        (_, peak) = peak_mib(lambda: agreement_report(project, CODERS, "turn", docs=docs))
        print(f"  peak traced memory, turn report       {peak:6.1f} MiB")
        (_, peak) = peak_mib(lambda: agreement_report(project, CODERS, "character", docs=docs))
        print(f"  peak traced memory, character report  {peak:6.1f} MiB")
        try:
            import krippendorff
        except ImportError:
            print("  (krippendorff not installed: no reference ratio for the turn unit)")
        else:
            data = U.reliability_data(project, scope, codes, "turn", spans=spans)
            from coder.agreement.measures import krippendorff_alpha

            _, t_ours = timed(lambda: [krippendorff_alpha(data.data[c]) for c in codes])
            _, t_ref = timed(lambda: [krippendorff.alpha(reliability_data=data.data[c].astype(float),
                                                         level_of_measurement="nominal")
                                      for c in codes])
            print(f"  30 turn-level alphas ({len(data.units):,} turns): {t_ours * 1e3:.1f} ms vs "
                  f"krippendorff package {t_ref * 1e3:.1f} ms ({t_ref / t_ours:.1f}x)")
        queue, t = timed(lambda: disagreements(project, CODERS, docs=docs))
        print(f"  review queue: {len(queue):,} disagreements in {t:.2f} s")
        project.close()


def section_methods(args: argparse.Namespace) -> None:
    """The methods paragraph (``coder agreement --methods``) for this shared-corpus project,
    with a reliability sample drawn over it (5 %, stratified by month, seed 1)."""
    from coder.codebook import parse_codebook, store_codebook
    from coder.corpus.importer import import_paths
    from coder.team.coders import add_coders
    from coder.team.methods import format_methods, methods_report
    from coder.team.sample import draw_sample

    if not CORPUS.is_dir():
        print(f"  skipped: the shared corpus is not at {CORPUS}")
        return
    source = CORPUS / "2019" if args.quick else CORPUS
    with tempfile.TemporaryDirectory() as tmp:
        project = Project(Path(tmp) / "corpus.db", create=True)
        import_paths(project, [source])
        store_codebook(project, parse_codebook(codebook_yaml()))
        generate_codings(project, per_code=args.per_code)
        add_coders(project, CODERS)
        draw_sample(project, CODERS, size="5%", stratify="month", seed=1)
        print(format_methods(methods_report(project, CODERS, "turn", bootstrap=1000, seed=1)))
        project.close()


SECTIONS = [("(a) concurrent writers on one project file", section_writers),
            ("(b) agreement over the corpus", section_corpus)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="A small run.")
    parser.add_argument("--methods", action="store_true",
                        help="Only print the methods paragraph (agreement --methods) of the "
                             "corpus project, with a 5 %% reliability sample drawn over it.")
    args = parser.parse_args()
    args.writes = 200 if args.quick else 1000
    args.per_code = 100 if args.quick else 300
    if args.methods:
        section_methods(args)
        return
    for title, section in SECTIONS:
        print(title)
        section(args)


if __name__ == "__main__":
    main()
