"""Character-level agreement per code, computed from span boundaries by a sweep.

Each code is a binary variable over the text: a character is coded or not, by each of m
coders.  Sorting the boundaries of every coder's spans and walking them once gives the
maximal intervals on which the set of coders covering the text does not change (a
:class:`Coverage`).  Everything character-level follows from the lengths of those
intervals, so the cost grows with the number of spans, never with the length of the
text, and no per-character array is ever built:

* character-level nominal Krippendorff's alpha (each character a unit, all m coders),
* pairwise percent agreement,
* Cohen's kappa (two coders) or Fleiss' kappa (three or more),
* the intervals where coders split, for a review queue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .measures import (
    REASON_FEW_CODERS,
    AgreementDataError,
    AgreementResult,
    cohen_kappa,
    fleiss_weighted,
)

MAX_CODERS = 62  # coders are bits of an int64 mask


class Split(NamedTuple):
    """A stretch of text some coders gave the code and others did not."""

    start: int
    end: int
    coders_with: tuple[Any, ...]
    coders_without: tuple[Any, ...]


def merge_spans(spans: Iterable[Sequence[int]] | np.ndarray) -> np.ndarray:
    """Union of half-open ``(start, end)`` spans as a sorted ``(k, 2)`` int64 array.

    Overlapping and touching spans merge; empty spans (start == end) vanish.  Only the
    first two items of each span are read, so ``(start, end, value)`` triples work too.
    """
    if isinstance(spans, np.ndarray):
        arr = spans
    else:
        items = [tuple(s[:2]) for s in spans]
        arr = np.asarray(items if items else np.zeros((0, 2)))
    arr = np.asarray(arr)
    if arr.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise AgreementDataError("spans must be (start, end) pairs")
    arr = arr[:, :2].astype(np.int64)
    if (arr[:, 1] < arr[:, 0]).any():
        bad = arr[arr[:, 1] < arr[:, 0]][0]
        raise AgreementDataError(f"span [{bad[0]}, {bad[1]}) ends before it starts")
    arr = arr[arr[:, 1] > arr[:, 0]]
    if len(arr) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    arr = arr[np.argsort(arr[:, 0], kind="stable")]
    reach = np.maximum.accumulate(arr[:, 1])
    new = np.ones(len(arr), dtype=bool)
    new[1:] = arr[1:, 0] > reach[:-1]
    first = np.flatnonzero(new)
    last = np.concatenate([first[1:] - 1, [len(arr) - 1]])
    return np.column_stack([arr[first, 0], reach[last]])


@dataclass(frozen=True)
class Coverage:
    """Who covers what, for one code over one continuum ``[0, length)``.

    ``bounds`` (k + 1 increasing offsets from 0 to ``length``) cut the continuum into k
    maximal intervals; ``masks[i]`` has bit b set when ``coders[b]`` covers interval i.
    """

    coders: tuple[Any, ...]
    length: int
    bounds: np.ndarray
    masks: np.ndarray

    @property
    def lengths(self) -> np.ndarray:
        """Length of each interval."""
        return np.diff(self.bounds)

    @property
    def counts(self) -> np.ndarray:
        """How many coders cover each interval."""
        out = np.zeros(len(self.masks), dtype=np.int64)
        for bit in range(len(self.coders)):
            out += (self.masks >> bit) & 1
        return out

    def covered_by(self) -> np.ndarray:
        """Length covered by exactly j coders, for j = 0..m (m + 1 entries)."""
        return np.bincount(
            self.counts, weights=self.lengths, minlength=len(self.coders) + 1
        ).astype(np.int64)

    def splits(self) -> list[Split]:
        """The intervals where some but not all coders applied the code, in text order."""
        m = len(self.coders)
        counts = self.counts
        where = np.flatnonzero((counts > 0) & (counts < m))
        masks = self.masks[where]
        # Few distinct coder sets occur; name each once instead of once per interval.
        names = {}
        for mask in np.unique(masks).tolist():
            names[mask] = (
                tuple(c for b, c in enumerate(self.coders) if mask >> b & 1),
                tuple(c for b, c in enumerate(self.coders) if not mask >> b & 1),
            )
        return [
            Split(s, e, *names[mask])
            for s, e, mask in zip(
                self.bounds[where].tolist(), self.bounds[where + 1].tolist(), masks.tolist()
            )
        ]


def sweep(
    spans: Mapping[Any, Iterable[Sequence[int]] | np.ndarray],
    length: int,
    coders: Sequence[Any] | None = None,
) -> Coverage:
    """Sweep one code's spans over ``[0, length)`` into maximal intervals of equal coverage.

    ``spans`` maps each coder to half-open ``(start, end)`` spans (overlaps within a
    coder are merged: a character is coded or not).  ``coders`` lists every coder taking
    part, so that a coder who never used the code counts as absent everywhere; by
    default the keys of ``spans``.
    """
    names = tuple(spans) if coders is None else tuple(coders)
    extra = [c for c in spans if c not in set(names)]
    if extra:
        raise AgreementDataError(f"spans given for coder(s) not in the coder list: {extra}")
    if len(set(names)) != len(names):
        raise AgreementDataError("the coder list names a coder twice")
    if len(names) > MAX_CODERS:
        raise AgreementDataError(
            f"at most {MAX_CODERS} coders can be compared at once (got {len(names)})"
        )
    length = int(length)
    if length < 0:
        raise AgreementDataError(f"continuum length must be >= 0 (got {length})")
    positions, deltas = [], []
    for bit, name in enumerate(names):
        merged = merge_spans(spans.get(name, ()))
        if len(merged) and (merged[0, 0] < 0 or merged[-1, 1] > length):
            raise AgreementDataError(f"coder {name!r}: a span lies outside the text [0, {length})")
        flag = np.int64(1) << np.int64(bit)
        positions += [merged[:, 0], merged[:, 1]]
        deltas += [np.full(len(merged), flag), np.full(len(merged), -flag)]
    if positions:
        pos = np.concatenate(positions)
        delta = np.concatenate(deltas)
    else:
        pos = delta = np.zeros(0, dtype=np.int64)
    order = np.argsort(pos, kind="stable")
    pos, state = pos[order], np.cumsum(delta[order])
    # A coder's merged spans are disjoint, so adding and removing its bit is exact; the
    # state after the last event at a position holds until the next position.
    last = np.ones(len(pos), dtype=bool)
    last[:-1] = pos[1:] != pos[:-1]
    pos, state = pos[last], state[last]
    bounds = np.concatenate([[0], pos, [length]]).astype(np.int64)
    masks = np.concatenate([[0], state]).astype(np.int64)
    keep = np.diff(bounds) > 0
    masks = masks[keep]
    bounds = np.concatenate([bounds[:-1][keep], [length]])
    if len(masks) > 1:  # merge neighbours that ended up with the same coders
        change = np.ones(len(masks), dtype=bool)
        change[1:] = masks[1:] != masks[:-1]
        masks = masks[change]
        bounds = np.concatenate([bounds[:-1][change], [length]])
    if length == 0:
        bounds, masks = np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return Coverage(names, length, bounds, masks)


@dataclass(frozen=True)
class CharAgreement:
    """Character-level agreement on one code.

    ``covered_by[j]`` is the number of characters covered by exactly j of the m coders.
    ``alpha`` is nominal Krippendorff's alpha with every character a unit and each coder
    saying coded / not coded; ``percent_agreement`` the mean share of coder pairs that
    agree per character; ``kappa`` Cohen's kappa for two coders (``table`` is then the
    2 x 2 table, rows first coder coded / not, columns second coder) or Fleiss' kappa for
    more.  All ``n_units`` count characters.
    """

    coders: tuple[Any, ...]
    length: int
    covered_by: tuple[int, ...]
    alpha: AgreementResult
    percent_agreement: AgreementResult
    kappa: AgreementResult
    table: np.ndarray | None = None


def char_agreement(coverage: Coverage | Iterable[Coverage]) -> CharAgreement:
    """Character-level alpha, percent agreement and kappa from one or more coverages.

    Several coverages (say, one per document, all with the same coders) are pooled: the
    characters of all of them are the units.  A code nobody used, fewer than two coders,
    an empty text, or a code every coder applied to every character give results with
    ``value`` ``None`` and a reason.
    """
    parts = [coverage] if isinstance(coverage, Coverage) else list(coverage)
    if not parts:
        raise AgreementDataError("char_agreement needs at least one coverage")
    coders = parts[0].coders
    if any(p.coders != coders for p in parts):
        raise AgreementDataError("pooled coverages must have the same coders in the same order")
    m = len(coders)
    masks = np.concatenate([p.masks for p in parts])
    lengths = np.concatenate([p.lengths for p in parts]).astype(np.int64)
    length = int(lengths.sum())
    uniq, inverse = np.unique(masks, return_inverse=True)
    by_mask = (
        np.bincount(inverse, weights=lengths, minlength=len(uniq)) if len(uniq) else np.zeros(0)
    )
    counts = np.zeros(len(uniq), dtype=np.int64)
    for bit in range(m):
        counts += (uniq >> bit) & 1
    covered = np.bincount(counts, weights=by_mask, minlength=m + 1).astype(np.int64)
    covered_by = tuple(int(x) for x in covered)

    names = (
        "krippendorff_alpha (nominal, characters)",
        "percent_agreement (characters)",
        "cohen_kappa (characters)" if m == 2 else "fleiss_kappa (characters)",
    )
    reason = None
    if m < 2:
        reason = REASON_FEW_CODERS
    elif length == 0:
        reason = "the text is empty"
    elif covered[1:].sum() == 0:
        reason = "no coder applied the code"
    elif covered[m] == length:
        reason = "no variation: every coder applied the code to every character"
    if reason is not None:
        undefined = [AgreementResult(nm, None, reason, n_units=length) for nm in names]
        return CharAgreement(coders, length, covered_by, *undefined)

    k = np.arange(m + 1, dtype=np.float64)
    cov = covered.astype(np.float64)
    n = float(m) * length
    n1 = float((cov * k).sum())
    n0 = n - n1
    o01 = float((cov * k * (m - k)).sum()) / (m - 1)
    alpha = AgreementResult(
        names[0],
        1.0 - (n - 1.0) * o01 / (n0 * n1),
        observed=2.0 * o01 / n,
        expected=2.0 * n0 * n1 / (n * (n - 1.0)),
        n_units=length,
        n_values=int(n),
    )
    agree = float((cov * (k * (k - 1) + (m - k) * (m - k - 1))).sum()) / (m * (m - 1)) / length
    percent = AgreementResult(names[1], agree, observed=agree, n_units=length)
    table = None
    if m == 2:
        get = dict(zip(uniq.tolist(), by_mask.tolist()))
        table = np.array(
            [[get.get(3, 0.0), get.get(1, 0.0)], [get.get(2, 0.0), get.get(0, 0.0)]], dtype=np.int64
        )
        kappa = cohen_kappa(table)
        kappa = AgreementResult(
            names[2], kappa.value, kappa.reason, kappa.observed, kappa.expected, length
        )
    else:
        rows = np.column_stack([m - k, k])
        kappa = fleiss_weighted(rows, cov, m, names[2])
    return CharAgreement(coders, length, covered_by, alpha, percent, kappa, table)
