"""`coder suggest`: the fast pass against the naive reference, on the real corpus.

    python benchmarks/suggest.py [--corpus PATH] [--codebook FILE] [--quick] [--keep DIR] [--no-naive]

Imports the corpus into a temporary project, loads the codebook (the shipped
``codebooks/securitization.yaml``; a built-in ~40-pattern Spanish codebook when it is
missing), then runs ``coder suggest --force`` three times, each in a fresh process:

1. ``--naive`` (every turn through the whole pipeline): the baseline;
2. the fast pass with ``--workers 1``;
3. the fast pass with the default number of workers (2 on a machine with two or more
   cores, for a corpus this size).

The fast runs and a bare spaCy tokenisation pass over the same turns (blank es + the
lookup lemmatizer, ``nlp.pipe``: the yardstick of issue #11) run in ``--repeat`` rounds
(default 2), interleaved; the best time of each counts, and each round's ratios are
printed too.

Before them, one document is matched with an empty cache of lookup-table answers and
again with the answers remembered (the cache lives in the benchmark's folder; the timed
runs use it warm, as every run after a user's first does).

After each run the suggestions are read back; the three sets must be identical (the
script exits with status 1 when they are not).  Prints wall times, the ratios against the
naive run (goals: >= 3x with one worker, >= 8x with two), the ratio of a bare
spaCy tokenisation pass over the same turns to the fast runs (goal: >= 4x), the peak memory
of each fast run's process tree (goal: <= 600 MB; from a second run of each, sampled: the
timed runs are not), as RSS (psutil, every 20 ms) and as PSS (Linux, every 200 ms: pages
forked workers share with their parent count once), and suggestions per 10,000 words for
each code.  ``--quick``: about a tenth of the corpus.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "mananeras"
DEFAULT_CODEBOOK = REPO / "codebooks" / "securitization.yaml"

# Used only when the shipped codebook is missing: cues from the codebook notes, written
# as patterns here (no corpus text).
FALLBACK_CODEBOOK = """codebook:
  name: Benchmark codebook (built in)
  languages: [es]
codes:
  - id: DES
    name: Desecuritizing move
    children:
      - id: DES.NOFORCE
        name: Rejection of force
        patterns:
          - {id: hugs, lang: es, pattern: "abrazos, no balazos"}
          - {id: hugs-tok, lang: es, pattern: [{LOWER: abrazos}, {IS_PUNCT: true, OP: "?"}, {LOWER: "no"}, {LOWER: balazos}]}
          - {id: violence, lang: es, pattern: [{LOWER: violencia}, {LOWER: con}, {LOWER: la, OP: "?"}, {LOWER: violencia}]}
          - {id: evil, lang: es, pattern: "el mal con el mal"}
          - {id: fire, lang: es, pattern: [{LEMMA: apagar}, {LOWER: el}, {LOWER: fuego}, {LOWER: con}, {LOWER: el, OP: "?"}, {LOWER: fuego}]}
      - id: DES.ROOT.CAUSES
        name: Root causes
        patterns:
          - {id: attend-causes, lang: es, pattern: [{LEMMA: atender}, {LOWER: {IN: [las, sus]}}, {LOWER: causas}]}
          - {id: causes-origin, lang: es, pattern: [{LOWER: causas}, {LOWER: que}, {LOWER: {IN: [originan, originaron, generan, produjeron]}}]}
          - {id: attend-causes-lemma, lang: es, pattern: "atender las causas", attr: LEMMA}
      - id: DES.ROOT.YOUTH
        name: Youth programmes
        patterns:
          - {id: jcf, lang: es, pattern: "jóvenes construyendo el futuro"}
          - {id: becas, lang: es, pattern: [{LOWER: {IN: [beca, becas]}}]}
          - {id: becarios, lang: es, pattern: [{LOWER: {IN: [becario, becarios, becaria, becarias]}}]}
      - id: DES.ROOT.VALUES
        name: Values
        patterns:
          - {id: values, lang: es, pattern: [{LOWER: valores}, {LOWER: {IN: [culturales, morales, espirituales]}}]}
      - id: DES.PEACE
        name: Peace as justice
        patterns:
          - {id: peace-justice, lang: es, pattern: "la paz es fruto de la justicia"}
      - id: DES.ENDWAR
        name: End of the war
        patterns:
          - {id: no-war, lang: es, pattern: [{LOWER: ya, OP: "?"}, {LOWER: "no"}, {LOWER: hay}, {LOWER: guerra}]}
          - {id: war-over, lang: es, pattern: [{LEMMA: acabar}, {LOWER: la}, {LOWER: guerra}]}
          - {id: declare-war, lang: es, pattern: [{LEMMA: declarar}, {LOWER: la}, {LOWER: guerra}]}
      - id: DES.AMNESTY
        name: Amnesty
        patterns:
          - {id: amnesty, lang: es, pattern: [{LOWER: {IN: [amnistía, amnistia]}}]}
          - {id: pardon, lang: es, pattern: [{LEMMA: indultar}]}
      - id: DES.CORRUPTION
        name: Corruption
        patterns:
          - {id: narco-state, lang: es, pattern: [{LOWER: {IN: [narcoestado, narco-estado]}}]}
          - {id: zero-corruption, lang: es, pattern: [{LOWER: cero}, {LOWER: {IN: [corrupción, impunidad]}}]}
          - {id: garcia-luna, lang: es, pattern: "García Luna"}
      - id: DES.SILENCING
        name: Silencing
        patterns:
          - {id: no-polemics, lang: es, pattern: [{LOWER: "no"}, {LEMMA: ir}, {LOWER: a}, {LEMMA: polemizar}]}
          - {id: provocations, lang: es, pattern: [{LOWER: "no"}, {LEMMA: caer}, {LOWER: en}, {LOWER: {IN: [provocación, provocaciones]}}]}
      - id: DES.MIL.DENIAL
        name: Denial of militarization
        patterns:
          - {id: not-militarization, lang: es, pattern: [{LOWER: "no"}, {LEMMA: ser}, {LOWER: militarización}]}
  - id: SEC
    name: Securitizing move
    children:
      - id: SEC.MARK.WAR
        name: War framing
        patterns:
          - {id: war-on-narco, lang: es, pattern: [{LOWER: guerra}, {LOWER: contra}, {LOWER: {IN: [el, la, los]}}, {LOWER: {IN: [narco, narcotráfico, delincuencia, cárteles, carteles]}}]}
          - {id: iron-fist, lang: es, pattern: "mano dura"}
          - {id: hand-tremble, lang: es, pattern: [{LEMMA: temblar}, {LOWER: la}, {LOWER: mano}]}
      - id: SEC.MARK.ENEMY
        name: Enemy naming
        patterns:
          - {id: traitors, lang: es, pattern: [{LOWER: {IN: [traidor, traidores, traidora, traidoras]}}, {LOWER: a}, {LOWER: la}, {LOWER: patria}]}
          - {id: terrorists, lang: es, pattern: [{LOWER: {IN: [terrorista, terroristas, terrorismo]}}]}
      - id: SEC.MARK.THREAT
        name: Threat declaration
        patterns:
          - {id: threat, lang: es, pattern: [{LEMMA: amenazar}]}
        exclude:
          - {id: not-a-threat, lang: es, pattern: [{LOWER: "no"}, {LOWER: es}, {LOWER: amenaza}]}
          - {id: nor-warning, lang: es, pattern: [{LOWER: amenaza}, {LOWER: ni}, {LOWER: advertencia}]}
      - id: SEC.MARK.URGENCY
        name: Urgency
        patterns:
          - {id: at-stake, lang: es, pattern: [{LEMMA: estar}, {LOWER: en}, {LOWER: juego}]}
      - id: SEC.MEASURE.NATSEC
        name: National-security label
        patterns:
          - {id: natsec-matter, lang: es, pattern: [{LOWER: asunto}, {LOWER: de}, {LOWER: seguridad}, {LOWER: nacional}]}
      - id: SEC.FAC.AUTHORITY
        name: Authority
        patterns:
          - {id: uniformed-people, lang: es, pattern: "pueblo uniformado"}
          - {id: supreme-commander, lang: es, pattern: "comandante supremo"}
  - id: CTX
    name: Context
    children:
      - id: CTX.ACTOR.GN
        name: National Guard
        patterns:
          - {id: gn, lang: es, pattern: "Guardia Nacional"}
      - id: CTX.ACTOR.SEDENA
        name: Army
        patterns:
          - {id: sedena, lang: es, pattern: [{LOWER: {IN: [sedena, defensa]}}]}
          - {id: army, lang: es, pattern: [{LOWER: {IN: [ejército, ejércitos]}}]}
      - id: CTX.ACTOR.DTO
        name: Organised crime
        patterns:
          - {id: organised-crime, lang: es, pattern: "delincuencia organizada"}
          - {id: cartels, lang: es, pattern: [{LOWER: {IN: [cártel, cárteles, cartel, carteles]}}]}
      - id: CTX.REFOBJ.SOVEREIGNTY
        name: Sovereignty
        patterns:
          - {id: sovereignty, lang: es, pattern: [{LOWER: {IN: [soberanía, soberania]}}]}
      - id: CTX.EVIDENCE.HOMICIDE
        name: Homicide statistics
        patterns:
          - {id: intentional-homicide, lang: es, pattern: [{LOWER: {IN: [homicidio, homicidios]}}, {LOWER: {IN: [doloso, dolosos]}}]}
      - id: CTX.EVIDENCE.DISPUTE
        name: Disputed data
        patterns:
          - {id: other-data, lang: es, pattern: [{LEMMA: tener}, {LOWER: otros}, {LOWER: datos}]}
      - id: CTX.QA.REBUTTAL
        name: Rebuttal
        patterns:
          - {id: same-strategy, lang: es, pattern: [{LOWER: "no"}, {LEMMA: ir}, {LOWER: a}, {LEMMA: cambiar}, {LOWER: la}, {LOWER: estrategia}]}
"""


def _pss(pid: int) -> int | None:
    """Proportional set size of a process (Linux): its share of the pages it maps, so pages
    a forked worker shares with its parent count once over the tree, not once per process."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


class TreePeak:
    """Peak resident memory of a process and all its children, sampled in a thread:
    ``peak`` sums RSS (a page shared by forked processes counts in each), ``peak_pss``
    sums PSS (each page once), sampled every tenth time (None where not on Linux)."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        import psutil

        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self.peak_pss: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        samples = 0
        while not self._stop.is_set():
            try:
                children = self.process.children(recursive=True)
                total = self.process.memory_info().rss
                for child in children:
                    try:
                        total += child.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                break
            self.peak = max(self.peak, total)
            if samples % 10 == 0:
                shares = [_pss(p.pid) for p in (self.process, *children)]
                if all(share is not None for share in shares):
                    self.peak_pss = max(self.peak_pss or 0, sum(shares))
            samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> TreePeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def child_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes so far."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_suggest(db: Path, *args: str, sample: bool = False
                ) -> tuple[float, int | None, int | None, float]:
    """``coder suggest --force ARGS`` in a fresh process: (seconds, peak tree RSS and PSS in
    bytes when ``sample``, CPU seconds of the process and its workers).

    A timed run is not sampled: the sampler reads /proc every 20 ms and would take CPU from
    the run on a two-core machine (the tokenisation pass it is compared with is not
    sampled either); memory comes from a second, sampled run.
    """
    command = [sys.executable, "-m", "coder", "-p", str(db), "suggest", "--force", *args]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start, cpu = time.perf_counter(), child_cpu()
    # From this checkout's folder: `python -m` puts the current folder first on the path,
    # so run from another checkout it would time that one's coder.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                               text=True, cwd=REPO)
    peak = TreePeak(process.pid) if sample else None
    with peak or contextlib.nullcontext():
        out, err = process.communicate()
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        sys.exit(f"coder suggest {' '.join(args)} failed:\n{err}")
    if not sample:
        print(f"    {out.strip()}")
    return (elapsed, peak.peak if peak else None, peak.peak_pss if peak else None,
            child_cpu() - cpu)


TOKENISE = """
import sqlite3, sys, time
import spacy
con = sqlite3.connect(sys.argv[1])
texts = [text[s:e] for (doc, text) in con.execute("SELECT id, text FROM documents")
         for s, e in con.execute('SELECT start, "end" FROM turns WHERE document_id = ? AND "end" > start'
                                 ' ORDER BY seq', [doc])]
# Exactly the yardstick: blank es + the lookup lemmatizer, no sentencizer (coder's own
# reference pipeline has one, which made the pass 4-8 % slower and the ratios kinder).
nlp = spacy.blank("es")
nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
nlp.initialize()
for _ in nlp.pipe(texts, batch_size=256):
    pass
"""


def run_tokenise(db: Path) -> tuple[float, float]:
    """A bare spaCy pass (blank es + lookup lemmatizer, nlp.pipe) over the same turn texts,
    in a fresh process like the suggest runs: the yardstick of issue #11 (goal: the fast
    pass with one worker >= 4x faster): (seconds, CPU seconds)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start, cpu = time.perf_counter(), child_cpu()
    subprocess.run([sys.executable, "-c", TOKENISE, str(db)], check=True, env=env)
    return time.perf_counter() - start, child_cpu() - cpu


def suggestion_set(db: Path) -> set[tuple]:
    import sqlite3

    conn = sqlite3.connect(db)
    rows = set(conn.execute('SELECT document_id, code_id, start, "end", pattern_id, pipeline,'
                            " codebook_version FROM suggestions"))
    conn.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--codebook", type=Path, default=None,
                        help="default: codebooks/securitization.yaml, else a built-in one")
    parser.add_argument("--quick", action="store_true", help="about a tenth of the corpus")
    parser.add_argument("--keep", type=Path, help="keep the project file in this folder")
    parser.add_argument("--no-naive", action="store_true",
                        help="skip the naive run (minutes on the whole corpus); the fast runs "
                             "are then compared with each other only")
    parser.add_argument("--repeat", type=int, default=2,
                        help="rounds of the fast runs and the tokenisation pass (the best counts)")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"skipped: no corpus at {args.corpus}")
        return
    files = sorted(args.corpus.rglob("*.txt"))
    if args.quick:
        files = files[::10]

    from coder.codebook import load_codebook, parse_codebook, store_codebook
    from coder.corpus.importer import import_paths
    from coder.project import Project

    codebook_path = args.codebook or (DEFAULT_CODEBOOK if DEFAULT_CODEBOOK.exists() else None)
    book = load_codebook(codebook_path) if codebook_path else parse_codebook(FALLBACK_CODEBOOK)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / "suggest-benchmark.db"
        for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            stale.unlink(missing_ok=True)
        start = time.perf_counter()
        with Project(db, create=True) as project:
            report = import_paths(project, files)
            store_codebook(project, book)
            words = project.db.execute("SELECT sum(words) FROM documents").fetchone()[0] or 0
            turn_words = project.db.execute("SELECT sum(words) FROM turns").fetchone()[0] or 0
        patterns = sum(len(code.patterns) for code in book.codes)
        print(f"corpus: {report.documents} documents from {len(files)} files, {words:,} words "
              f"({turn_words:,} in turns); imported in {time.perf_counter() - start:.0f} s")
        print(f"codebook: {book.name} ({codebook_path or 'built in'}), {len(book.codes)} codes, "
              f"{patterns} patterns")

        # Answers from the lookup tables are remembered in a cache folder (see
        # coder/suggest/wordcache.py): start with an empty one, and show what it saves on
        # a one-document run, where the plan is most of the time.
        shutil.rmtree(folder / "word-cache", ignore_errors=True)
        os.environ["CODER_CACHE_DIR"] = str(folder / "word-cache")
        with Project(db) as project:
            first = project.db.execute("SELECT min(id) FROM documents").fetchone()[0]
        print("  one document, empty cache, then remembered:")
        cold = run_suggest(db, "--doc", str(first), "--workers", "1")[0]
        warm = min(run_suggest(db, "--doc", str(first), "--workers", "1")[0] for _ in range(2))
        print(f"    {cold:.2f} s, then {warm:.2f} s ({warm / cold:.2f}x)")

        runs = {}
        from coder.suggest.store import default_workers, prepare_run

        with Project(db) as project:
            chosen = default_workers(prepare_run(project, force=True))
        default_name = f"fast, default ({chosen})"
        kinds = [("fast, 1 worker", ["--workers", "1"]), (default_name, [])]
        if not args.no_naive:
            kinds.insert(0, ("naive, 1 process", ["--naive"]))
        # Rounds of the fast runs and the tokenisation pass, interleaved, the best of each
        # counting: a busy moment on a shared machine then hurts every contender alike.
        # (The naive run takes minutes: once, in the first round; its memory is not measured.)
        timed: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in kinds}
        sets: dict[str, list[set]] = {name: [] for name, _ in kinds}
        tokenised: list[tuple[float, float]] = []
        for number in range(args.repeat):
            for name, extra in kinds:
                if extra == ["--naive"] and number:
                    continue
                print(f"  {name}, round {number + 1}:")
                elapsed, _, _, cpu = run_suggest(db, *extra)
                timed[name].append((elapsed, cpu))
                sets[name].append(suggestion_set(db))
            print(f"  bare tokenisation (blank es + lookup lemmatizer, nlp.pipe over the same "
                  f"turns), round {number + 1}:")
            tokenised.append(run_tokenise(db))
            print(f"    {tokenised[-1][0]:.1f} s")
        for name, extra in kinds:
            _, peak, pss, _ = run_suggest(db, *extra, sample=True) if extra != ["--naive"] \
                else (None, None, None, None)
            elapsed, cpu = min(timed[name])
            runs[name] = (elapsed, peak, sets[name][0], cpu, pss)
        tokenise_time, tokenise_cpu = min(tokenised)
        first_set = runs[kinds[0][0]][2]
        identical = all(found == first_set for found_sets in sets.values() for found in found_sets)
        naive_time, naive_peak, naive_set, _, _ = runs[kinds[0][0]]
        print()
        print(f"{'run':<22}{'seconds':>9}{'CPU s':>8}{'words/s':>11}{'vs naive':>10}{'peak RSS':>11}"
              f"{'peak PSS':>11}")
        for name, (elapsed, peak, _, cpu, pss) in runs.items():
            rss = f"{peak / 2**20:>8.0f} MB" if peak else f"{'-':>11}"
            shown = f"{pss / 2**20:>8.0f} MB" if pss else f"{'-':>11}"
            print(f"{name:<22}{elapsed:>9.1f}{cpu:>8.1f}{turn_words / elapsed:>11,.0f}"
                  f"{naive_time / elapsed:>9.1f}x{rss}{shown}")
        count = sum(len(found_sets) for found_sets in sets.values())
        print(f"suggestions: {len(naive_set):,}; identical in all {count} runs: {identical}")
        fast_time, fast_cpu = runs["fast, 1 worker"][0], runs["fast, 1 worker"][3]
        # Wall time is what a user waits; CPU time is steadier on a shared machine.
        print(f"bare tokenisation (one process), best of {len(tokenised)}: {tokenise_time:.1f} s "
              f"({tokenise_cpu:.1f} CPU s); best of each, `coder suggest` is faster by "
              f"{tokenise_time / runs[default_name][0]:.1f}x in wall time as run by default "
              f"({chosen} worker(s)), and by {tokenise_time / fast_time:.1f}x in wall time, "
              f"{tokenise_cpu / fast_cpu:.1f}x in CPU time with one worker (goal >= 4x)")
        for number, (seconds, _) in enumerate(tokenised):
            ratios = ", ".join(f"{name} {seconds / timed[name][number][0]:.1f}x"
                               for name, extra in kinds if extra != ["--naive"])
            print(f"  round {number + 1}: tokenisation {seconds:.1f} s; {ratios}")
        print("goals: fast >= 3x with one worker, >= 8x with two; peak memory <= 600 MB (PSS: "
              "forked workers share their parent's pages, which RSS counts once per process)")

        per_code: dict[str, int] = {}
        for _, code, *_ in naive_set:  # the first run's set (naive unless --no-naive)
            per_code[code] = per_code.get(code, 0) + 1
        print()
        print(f"suggestions per 10,000 words (of {turn_words:,} words in turns), by code:")
        for code in sorted(per_code, key=lambda c: -per_code[c]):
            print(f"  {code:<32}{per_code[code]:>8,}{per_code[code] * 10_000 / max(turn_words, 1):>10.2f}")
        silent = sorted(c.id for c in book.codes if c.patterns and c.id not in per_code)
        if silent:
            print(f"  codes with patterns that never fired: {', '.join(silent)}")
        if not identical:
            for name, (_, _, found, _, _) in runs.items():
                if found != naive_set:
                    print(f"MISMATCH in {name}: {len(found - naive_set)} extra, "
                          f"{len(naive_set - found)} missing")
            sys.exit(1)


if __name__ == "__main__":
    main()
