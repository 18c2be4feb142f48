"""How fast the coding screen is on long transcripts, against an empty Textual app.

    python benchmarks/tui.py            # 68k and 300k words
    python benchmarks/tui.py --words 68000 --presses 300
    python benchmarks/tui.py --words 68000 --stripes   # also with the coding stripes on

Headless (Textual's Pilot), on generated transcripts (random Spanish-like words in speaker
turns, written here: no real text) with 2,000 codings and 2,000 suggestions each.  Prints,
for each length, with the same figure for an empty app in the same run as the baseline:

- first paint: from building the app to the coding screen's first rendered line
  (goal <= 250 ms);
- CPU per selection key: process time per shift+right, averaged over the presses
  (goal <= 12 ms);
- repaint after applying a code: wall time from the key press to the transcript's
  repainted line, and the process time of the whole key (database write included)
  (goal <= 50 ms).

The figures should stay flat from 68k to 300k words: nothing here is proportional to
the length of the transcript except the one-off wrapping at first paint.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CODEBOOK = """codebook:
  name: Benchmark codebook
  languages: [es]
codes:
  - id: SEC
    name: Securitizing move
    color: "#c0392b"
    children:
      - {id: SEC.THREAT, name: Threat, key: "1"}
      - {id: SEC.WAR, name: War framing, key: "2"}
      - {id: SEC.EMERG, name: Emergency measures, key: "3"}
  - id: DES
    name: Desecuritizing move
    color: "#2980b9"
    children:
      - {id: DES.NOFORCE, name: No force, key: "4"}
      - {id: DES.ROOT, name: Root causes, key: "5"}
      - {id: DES.ENDWAR, name: End of war, key: "6"}
  - id: CTX
    name: Context
    color: "#27ae60"
    children:
      - {id: CTX.ACTOR, name: Actor, key: "7"}
"""
CODES = ["SEC.THREAT", "SEC.WAR", "SEC.EMERG", "DES.NOFORCE", "DES.ROOT", "DES.ENDWAR",
         "CTX.ACTOR"]
SYLLABLES = ["la", "de", "ma", "ción", "pa", "ra", "to", "que", "se", "gu", "ri", "dad", "ña",
             "co", "mo", "nal", "bla", "pue", "vi", "ten", "cia", "es", "tra", "ban", "mé", "xi"]


def spanish_like_words(rng: random.Random, n: int) -> list[str]:
    """``n`` random words of one to four syllables."""
    return ["".join(rng.choice(SYLLABLES) for _ in range(rng.choice((1, 2, 2, 3, 3, 4))))
            for _ in range(n)]


def sentence(rng: random.Random, question: bool = False) -> str:
    words = spanish_like_words(rng, rng.randint(6, 24))
    words[0] = words[0].capitalize()
    text = " ".join(words)
    return f"¿{text}?" if question else f"{text}."


def transcript(words: int, seed: int = 7) -> str:
    """A transcript in the corpus layout with about ``words`` words."""
    rng = random.Random(seed)
    parts = ["Conferencia de prensa matutina de prueba", "Presidencia de la República",
             "01 de agosto de 2019"]
    count = 0
    while count < words:
        press = sentence(rng, question=True) + " " + sentence(rng, question=True)
        parts += ["---", rng.choice(["PREGUNTA", "INTERLOCUTOR", "INTERLOCUTORA"]), press]
        count += len(press.split())
        parts += ["---", "PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR"]
        for _ in range(rng.randint(1, 6)):
            paragraph = " ".join(sentence(rng) for _ in range(rng.randint(2, 8)))
            parts.append(paragraph)
            count += len(paragraph.split())
    return "\n".join(parts) + "\n"


def build(root: Path, words: int, codings: int = 2000, suggestions: int = 2000) -> Path:
    """A project with one generated transcript, codings by 'bench' and suggestions."""
    from coder.annotate import apply_code
    from coder.codebook import parse_codebook, store_codebook
    from coder.corpus.importer import import_paths
    from coder.project import Project, now

    folder = root / "corpus" / "2019" / "agosto"
    folder.mkdir(parents=True)
    (folder / "01--bench.txt").write_text(transcript(words), encoding="utf-8")
    path = root / "bench.db"
    rng = random.Random(11)
    with Project(path, create=True) as project:
        import_paths(project, [root / "corpus"])
        store_codebook(project, parse_codebook(CODEBOOK))
        turns = project.rows('SELECT start, "end" FROM turns WHERE "end" - start > 40')
        with project.transaction():
            for _ in range(codings):
                turn = rng.choice(turns)
                start = rng.randint(turn["start"], turn["end"] - 30)
                apply_code(project, "bench", 1, rng.choice(CODES), start,
                           min(turn["end"], start + rng.randint(10, 200)))
            for index in range(suggestions):
                turn = rng.choice(turns)
                start = rng.randint(turn["start"], turn["end"] - 30)
                project.db.execute(
                    'INSERT OR IGNORE INTO suggestions(document_id, code_id, start, "end",'
                    " pattern_id, codebook_version, pipeline, created_at)"
                    " VALUES (1, ?, ?, ?, ?, 'bench', 'bench', ?)",
                    [rng.choice(CODES), start, start + rng.randint(8, 40), f"p{index % 40}", now()])
    return path


# -- the empty-app baseline -------------------------------------------------------------------------

def empty_app():
    from textual.app import App
    from textual.binding import Binding
    from textual.widget import Widget

    class Probe(Widget, can_focus=True):
        first_paint: float | None = None
        BINDINGS = [Binding("shift+right", "nothing"), Binding("1", "nothing")]

        def action_nothing(self) -> None:
            self.refresh()

        def render(self) -> str:
            if Probe.first_paint is None:
                Probe.first_paint = time.perf_counter()
            return "empty"

    class Empty(App):
        def compose(self):
            yield Probe()

        def on_mount(self) -> None:
            self.query_one(Probe).focus()

    return Empty, Probe


async def measure_empty(presses: int) -> dict:
    Empty, Probe = empty_app()
    Probe.first_paint = None
    started = time.perf_counter()
    app = Empty()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        first = Probe.first_paint - started
        cpu = time.process_time()
        for _ in range(presses):
            await pilot.press("shift+right")
        per_key = (time.process_time() - cpu) / presses
        cpu = time.process_time()
        for _ in range(20):
            await pilot.press("1")
        apply_cpu = (time.process_time() - cpu) / 20
    return {"first_paint": first, "per_key": per_key, "apply_cpu": apply_cpu,
            "apply_wall": apply_cpu}


# -- the coding screen --------------------------------------------------------------------------

async def measure_coding(path: Path, presses: int, stripes: bool = False) -> dict:
    from coder.tui.app import create_app
    from coder.tui.widgets.document_view import DocumentView

    DocumentView.STRIPES = stripes  # coding stripes from the first paint on

    started = time.perf_counter()
    app = create_app(path, "bench", document_id=1)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(DocumentView)
        first = view.first_paint - started
        lines = len(view.text_layout)
        await pilot.press("ctrl+down", "ctrl+down")
        cpu = time.process_time()
        for _ in range(presses):
            await pilot.press("shift+right")
        per_key = (time.process_time() - cpu) / presses
        # Apply a code to a fresh sentence 20 times; time the code key only.
        walls, cpus = [], []
        painted: list[float] = []
        original = view.render_line

        def timed_render_line(y: int):
            strip = original(y)
            painted.append(time.perf_counter())
            return strip

        view.render_line = timed_render_line
        for _ in range(20):
            await pilot.press("ctrl+down", "ctrl+down", "s")
            painted.clear()
            cpu = time.process_time()
            pressed = time.perf_counter()
            await pilot.press("1")
            cpus.append(time.process_time() - cpu)
            walls.append((painted[-1] if painted else time.perf_counter()) - pressed)
        coded = len(app.screen.own)
    return {"first_paint": first, "per_key": per_key, "apply_cpu": sum(cpus) / len(cpus),
            "apply_wall": sorted(walls)[len(walls) // 2], "lines": lines, "coded": coded}


def report(words: int, base: dict, result: dict, label: str = "") -> None:
    print(f"\n{words:,} words{label} ({result['lines']:,} display lines, {result['coded']:,} codings "
          "of the coder's at the end)")
    rows = [("first paint", "first_paint", 250), ("CPU per shift+right", "per_key", 12),
            ("repaint after a code key (wall, median)", "apply_wall", 50),
            ("CPU of a code key (write + repaint)", "apply_cpu", 50)]
    for label, key, goal in rows:
        ms = result[key] * 1000
        ratio = result[key] / base[key] if base[key] else float("nan")
        verdict = "ok" if ms <= goal else "OVER"
        print(f"  {label:42s} {ms:8.1f} ms   x{ratio:5.1f} empty app ({base[key] * 1000:.1f} ms)"
              f"   goal {goal} ms: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, nargs="*", default=[68_000, 300_000])
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--stripes", action="store_true",
                        help="also measure with the coding stripes on (ratios against off)")
    args = parser.parse_args()
    imported = time.perf_counter()
    import coder.tui.app  # noqa: F401  (imports are timed apart from the first paint)
    import coder.tui.screens.coding  # noqa: F401
    print(f"importing the workbench: {(time.perf_counter() - imported) * 1000:.0f} ms "
          "(once per process, not part of the figures below)")
    base = asyncio.run(measure_empty(args.presses))
    print(f"empty app: first paint {base['first_paint'] * 1000:.1f} ms, "
          f"CPU per key {base['per_key'] * 1000:.2f} ms")
    for words in args.words:
        with tempfile.TemporaryDirectory() as tmp:
            built = time.perf_counter()
            path = build(Path(tmp), words)
            print(f"\nbuilt a {words:,}-word project in {time.perf_counter() - built:.1f} s")
            result = asyncio.run(measure_coding(path, args.presses))
            striped = asyncio.run(measure_coding(path, args.presses, stripes=True)) \
                if args.stripes else None
        report(words, base, result)
        if striped is not None:
            report(words, base, striped, ", coding stripes on")
            print("  stripes on / off: " + ", ".join(
                f"{key} x{striped[key] / result[key]:.2f}" for key in
                ("first_paint", "per_key", "apply_wall", "apply_cpu") if result[key]))


if __name__ == "__main__":
    main()
