"""Benchmark of coder.agreement: speed against a reference library, span sweeps, memory.

Run ``python benchmarks/agreement.py`` (or ``--quick`` for a smaller run).  It prints
figures; the only assertions are identity checks (our values equal the reference's).

Sections run in the order of ``SECTIONS`` below.  Each is a function taking the parsed
arguments and printing its own figures, so sections that need more set-up (a real
project file, say) are added by appending a function to that list.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coder.agreement import (  # noqa: E402
    char_agreement,
    krippendorff_alpha,
    merge_spans,
    sweep,
    unitized_alpha,
    unitized_alpha_2004,
)

CODERS = ("ana", "beto", "caro")


def timed(fn: Callable[[], Any], repeat: int) -> tuple[Any, float, float]:
    """Run ``fn`` once to warm up, then ``repeat`` times; return its last result, the best
    and the median seconds."""
    result = fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return result, min(times), statistics.median(times)


def peak_mib(fn: Callable[[], Any]) -> float:
    """Peak traced allocation (MiB) while ``fn`` runs; numpy buffers are traced too."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


# --------------------------------------------------------------------------------------
# (1) Nominal alpha on reliability data, against the krippendorff package
# --------------------------------------------------------------------------------------


def reliability_data(n_units: int, n_coders: int = 3, seed: int = 7) -> np.ndarray:
    """Coders x units with realistic agreement: 5 categories of skewed prevalence, each
    coder right about 80 % of the time, 4 % of values missing."""
    rng = np.random.default_rng(seed)
    prevalence = np.array([0.55, 0.2, 0.12, 0.08, 0.05])
    truth = rng.choice(5, size=n_units, p=prevalence)
    rows = []
    for _ in range(n_coders):
        guess = rng.choice(5, size=n_units, p=prevalence)
        rows.append(np.where(rng.random(n_units) < 0.8, truth, guess))
    data = np.vstack(rows).astype(np.float64)
    data[rng.random(data.shape) < 0.04] = np.nan
    return data


def section_alpha(args: argparse.Namespace) -> None:
    """Nominal alpha, 3 coders x 200,000 units: ours against krippendorff.alpha."""
    import krippendorff  # reference implementation; a test/benchmark dependency only

    n_units = 20_000 if args.quick else 200_000
    repeat = 5 if args.quick else 11
    data = reliability_data(n_units)
    ours, ours_best, ours_med = timed(lambda: krippendorff_alpha(data, "nominal"), repeat)
    ref, ref_best, ref_med = timed(
        lambda: krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"), repeat
    )
    assert ours.value is not None and abs(ours.value - float(ref)) <= 1e-9, (ours, ref)
    print(f"  data: 3 coders x {n_units:,} units, nominal, {np.isnan(data).mean():.1%} missing")
    print(f"  alpha: ours {ours.value:.12f}  krippendorff {float(ref):.12f}  (equal to 1e-9)")
    print(f"  ours:          best {ours_best * 1e3:8.2f} ms   median {ours_med * 1e3:8.2f} ms")
    print(f"  krippendorff:  best {ref_best * 1e3:8.2f} ms   median {ref_med * 1e3:8.2f} ms")
    print(
        f"  speed-up:      best/best {ref_best / ours_best:6.1f}x   median/median {ref_med / ours_med:6.1f}x"
    )
    for level in ("ordinal", "interval", "ratio"):
        mine, mine_best, _ = timed(lambda lv=level: krippendorff_alpha(data, lv), 3)
        theirs, theirs_best, _ = timed(
            lambda lv=level: krippendorff.alpha(reliability_data=data, level_of_measurement=lv), 3
        )
        assert mine.value is not None and abs(mine.value - float(theirs)) <= 1e-9, (
            level,
            mine,
            theirs,
        )
        print(
            f"  {level:>8}: ours {mine_best * 1e3:7.2f} ms  krippendorff {theirs_best * 1e3:7.2f} ms"
            f"  ({theirs_best / mine_best:4.1f}x, equal to 1e-9)"
        )
    ours_mem = peak_mib(lambda: krippendorff_alpha(data, "nominal"))
    ref_mem = peak_mib(
        lambda: krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    )
    print(
        f"  peak memory:   ours {ours_mem:7.1f} MiB   krippendorff {ref_mem:7.1f} MiB"
        f"   (input array {data.nbytes / 2**20:.1f} MiB)"
    )


# --------------------------------------------------------------------------------------
# (2) Character-level and unitized alphas per code over a long continuum
# --------------------------------------------------------------------------------------


def synthetic_spans(n_chars: int, n_codes: int, seed: int = 11) -> dict[int, dict[str, np.ndarray]]:
    """Per code, per coder, (start, end) spans over [0, n_chars).

    Each code has a reference set of spans (a few thousand over 50M characters, 20 to
    5,000 characters long); each coder's version jitters both boundaries, drops 8 % of
    the spans, files 4 % under another code ("swapped") and adds 2 % of its own.
    """
    rng = np.random.default_rng(seed)
    reference = {}
    for code in range(n_codes):
        n = max(3, int(n_chars / 25_000 * rng.uniform(0.3, 1.7)))
        starts = rng.integers(0, n_chars - 1, size=n)
        lengths = np.clip(rng.lognormal(np.log(400), 0.9, size=n), 20, 5_000).astype(np.int64)
        reference[code] = np.column_stack([starts, np.minimum(starts + lengths, n_chars)])
    out: dict[int, dict[str, list[np.ndarray]]] = {
        c: {name: [] for name in CODERS} for c in range(n_codes)
    }
    for code, ref in reference.items():
        for name in CODERS:
            jitter = rng.normal(0, 12, size=ref.shape).round().astype(np.int64)
            spans = np.clip(ref + jitter, 0, n_chars)
            spans[:, 1] = np.maximum(spans[:, 1], spans[:, 0] + 1)
            spans = np.minimum(spans, n_chars)
            fate = rng.random(len(spans))
            out[code][name].append(spans[fate >= 0.12])  # kept
            swapped = spans[(fate >= 0.08) & (fate < 0.12)]
            other = (code + rng.integers(1, n_codes, size=len(swapped))) % n_codes
            for target in np.unique(other):
                out[int(target)][name].append(swapped[other == target])
            extra_n = int(len(spans) * 0.02)
            es = rng.integers(0, n_chars - 1, size=extra_n)
            out[code][name].append(
                np.column_stack([es, np.minimum(es + rng.integers(20, 800, extra_n), n_chars)])
            )
    return {
        c: {name: np.concatenate(parts) for name, parts in per.items()} for c, per in out.items()
    }


def section_spans(args: argparse.Namespace) -> None:
    """3 coders x 30 codes of spans over a 50M-character continuum: every per-code alpha."""
    n_chars = 5_000_000 if args.quick else 50_000_000
    n_codes = 30
    t0 = time.perf_counter()
    spans = synthetic_spans(n_chars, n_codes)
    n_spans = sum(len(s) for per in spans.values() for s in per.values())
    print(
        f"  data: {len(CODERS)} coders x {n_codes} codes, {n_spans:,} spans over {n_chars:,} characters"
        f" (generated in {time.perf_counter() - t0:.2f} s)"
    )

    def char_level() -> list:
        return [
            char_agreement(sweep(spans[code], n_chars, coders=CODERS)) for code in range(n_codes)
        ]

    coverages = [sweep(spans[code], n_chars, coders=CODERS) for code in range(n_codes)]

    def review_queue() -> list:
        return [cov.splits() for cov in coverages]

    def as_units(code: int) -> dict[str, list[tuple[int, int, int]]]:
        return {
            name: [(int(s), int(e), code) for s, e in merge_spans(spans[code][name])]
            for name in CODERS
        }

    def unitized() -> list:
        return [unitized_alpha(as_units(code), n_chars, coders=CODERS) for code in range(n_codes)]

    def unitized_2004() -> list:
        return [
            unitized_alpha_2004(as_units(code), 0, n_chars, coders=CODERS)
            for code in range(n_codes)
        ]

    results, best, med = timed(char_level, 5)
    alphas = [r.alpha.value for r in results]
    print(
        f"  character level (sweep + alpha + percent agreement + Fleiss), all {n_codes} codes:"
        f" best {best:.3f} s, median {med:.3f} s"
    )
    print(f"    alpha range {min(alphas):.3f} .. {max(alphas):.3f}")
    splits, best_q, med_q = timed(review_queue, 3)
    print(
        f"  review queue (split intervals as Python tuples), all {n_codes} codes:"
        f" best {best_q:.3f} s, median {med_q:.3f} s; {sum(map(len, splits)):,} intervals"
    )
    u, best_u, med_u = timed(unitized, 3)
    print(
        f"  unitized 2016 family (u, |u, cu, (k)u), all {n_codes} codes: best {best_u:.3f} s, median {med_u:.3f} s"
    )
    print(
        f"    u_alpha range {min(r.u_alpha.value for r in u):.3f} .. {max(r.u_alpha.value for r in u):.3f}"
    )
    u4, best_4, med_4 = timed(unitized_2004, 3)
    print(
        f"  unitized 2004 alpha_U, all {n_codes} codes: best {best_4:.3f} s, median {med_4:.3f} s"
    )
    print(
        f"    alpha_U range {min(r.overall.value for r in u4):.3f} .. {max(r.overall.value for r in u4):.3f}"
    )
    print(
        f"  total (character level + review queue + both unitized): {best + best_q + best_u + best_4:.3f} s"
        " (best runs)"
    )
    # Identity check: on a slice small enough to spell out character by character, the
    # sweep's alpha must equal krippendorff_alpha over the explicit per-character matrix.
    window = 200_000
    small = {name: np.clip(s[s[:, 0] < window], 0, window) for name, s in spans[0].items()}
    dense = np.zeros((len(CODERS), window))
    for i, name in enumerate(CODERS):
        for s, e in small[name]:
            dense[i, s:e] = 1
    via_sweep = char_agreement(sweep(small, window, coders=CODERS)).alpha.value
    via_chars = krippendorff_alpha(dense).value
    assert via_sweep is not None and via_chars is not None and abs(via_sweep - via_chars) <= 1e-9
    print(
        f"  check: sweep alpha on a {window:,}-character slice equals per-character alpha ({via_sweep:.6f})"
    )
    print(
        f"  peak memory: character level {peak_mib(char_level):.1f} MiB, unitized 2016 {peak_mib(unitized):.1f} MiB,"
        f" unitized 2004 {peak_mib(unitized_2004):.1f} MiB (a per-character array would be"
        f" {len(CODERS) * n_chars / 2**20:.0f} MiB per code even at one byte a character)"
    )


# Sections run in this order.  Later sections (a real project file: corpus import,
# generated codings, concurrent writers) are appended here as further functions.
SECTIONS: list[tuple[str, Callable[[argparse.Namespace], None]]] = [
    ("Nominal alpha vs krippendorff.alpha (3 coders; 200,000 units, --quick 20,000)", section_alpha),
    ("Per-code alphas over a long continuum (3 coders x 30 codes; 50M characters, --quick 5M)", section_spans),
]


def main(argv: list[str] | None = None) -> int:
    """Run every section (or those named with --only) and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller data, fewer repeats")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="run only sections whose function name contains NAME",
    )
    args = parser.parse_args(argv)
    print(
        f"numpy {np.__version__}, python {sys.version.split()[0]}{' (quick)' if args.quick else ''}"
    )
    for title, section in SECTIONS:
        if args.only and not any(name in section.__name__ for name in args.only):
            continue
        print(f"\n== {title}")
        section(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
