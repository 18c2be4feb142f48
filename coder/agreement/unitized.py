"""Krippendorff's alpha for unitized continua (spans of text), computed from span bounds.

Two generations of the coefficient:

* :func:`unitized_alpha` - the family of Krippendorff, Mathet, Bouvry & Widlöcher (2016),
  "On the reliability of unitizing textual continua: Further developments" (Quality &
  Quantity 50:2347-2364), also Krippendorff (2019) Content Analysis, 4th ed., sec. 12.6:
  ``u_alpha``, the binary ``|u_alpha`` (units versus gaps), ``cu_alpha`` (values of
  overlapping units) and one ``(k)u_alpha`` per value.
* :func:`unitized_alpha_2004` - the earlier per-category alpha_U of Krippendorff (1995,
  2004), the version implemented by DKPro Statistics' KrippendorffAlphaUnitizingAgreement.

Both work on interval arithmetic over the span bounds (a sweep over the sorted boundaries
of all coders), never on per-character arrays, so their cost grows with the number of
spans, not with the length of the text.  See ``docs/AGREEMENT.md`` for the formulas and
the conventions chosen.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .measures import REASON_FEW_CODERS, AgreementDataError, AgreementResult

_GAP = 0  # value code of a gap (the unvalued stretch between units)


@dataclass(frozen=True)
class UnitizedAlpha:
    """The 2016 unitized alpha family for one continuum.

    ``u_alpha`` compares the full segmentations (units with their values, and gaps);
    ``binary_u_alpha`` (Krippendorff's ``|u_alpha``) only units versus gaps;
    ``cu_alpha`` the values of units where units of different coders overlap;
    ``k_u_alpha`` maps each value to its ``(k)u_alpha``.  For each,
    ``observed``/``expected`` are D_o and D_e as shares of the pairable length (for
    ``(k)u_alpha``: the shares of value k's pairable length in disagreement), and
    ``n_units`` is the length of the continuum.  ``coverage`` is the share of the
    pairable length that ``cu_alpha`` is about (where units overlap units).
    ``values`` lists the values in the order of the coincidence matrices, whose row and
    column 0 are the gaps.
    """

    u_alpha: AgreementResult
    binary_u_alpha: AgreementResult
    cu_alpha: AgreementResult
    k_u_alpha: dict[Hashable, AgreementResult]
    coverage: float | None
    values: tuple[Hashable, ...] = ()
    observed_coincidences: np.ndarray = field(default_factory=lambda: np.zeros((1, 1)))
    expected_coincidences: np.ndarray = field(default_factory=lambda: np.zeros((1, 1)))


@dataclass(frozen=True)
class UnitizedAlpha2004:
    """Krippendorff's (1995/2004) alpha_U, per category and pooled.

    ``categories`` maps each category to its alpha_U (``observed``/``expected`` are D_o
    and D_e of that category); ``overall`` is 1 - sum D_o / sum D_e over the categories,
    the pooled figure DKPro Statistics reports.
    """

    categories: dict[Hashable, AgreementResult]
    overall: AgreementResult


# --------------------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------------------


def _coder_names(spans: Mapping[Any, Any], coders: Sequence[Any] | None) -> list[Any]:
    if coders is None:
        return list(spans)
    names = list(coders)
    extra = [c for c in spans if c not in set(names)]
    if extra:
        raise AgreementDataError(f"spans given for coder(s) not in the coder list: {extra}")
    if len(set(names)) != len(names):
        raise AgreementDataError("the coder list names a coder twice")
    return names


def _triples(items: Any, coder: Any, values: dict[Hashable, int]) -> tuple[np.ndarray, ...]:
    """A coder's (start, end, value) spans as arrays, with values coded 1..K."""
    if isinstance(items, np.ndarray) and items.ndim == 2 and items.shape[1] == 3:
        rows = items.tolist()
    else:
        rows = list(items)
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    try:
        starts, ends, vals = zip(*rows)
    except ValueError:
        raise AgreementDataError(
            f"coder {coder!r}: each span must be (start, end, value)"
        ) from None
    try:
        s = np.asarray(starts, dtype=np.float64)
        e = np.asarray(ends, dtype=np.float64)
    except (TypeError, ValueError):
        raise AgreementDataError(f"coder {coder!r}: span bounds must be whole numbers") from None
    if (
        not (np.isfinite(s).all() and np.isfinite(e).all())
        or (s != np.floor(s)).any()
        or (e != np.floor(e)).any()
    ):
        raise AgreementDataError(f"coder {coder!r}: span bounds must be whole numbers")
    codes = np.fromiter((values.setdefault(v, len(values) + 1) for v in vals), np.int64, len(vals))
    return s.astype(np.int64), e.astype(np.int64), codes


def _partition(
    s: np.ndarray, e: np.ndarray, codes: np.ndarray, begin: int, end: int, coder: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Units plus the gaps between them: a coder's sections covering [begin, end)."""
    if ((e < s) | (s < begin) | (e > end)).any():
        bad = int(np.flatnonzero((e < s) | (s < begin) | (e > end))[0])
        raise AgreementDataError(
            f"coder {coder!r}: span [{s[bad]}, {e[bad]}) is not inside the continuum [{begin}, {end})"
        )
    keep = e > s  # an empty span marks nothing
    s, e, codes = s[keep], e[keep], codes[keep]
    order = np.argsort(s, kind="stable")
    s, e, codes = s[order], e[order], codes[order]
    clash = np.flatnonzero(s[1:] < e[:-1])
    if clash.size:
        k = int(clash[0])
        raise AgreementDataError(
            f"coder {coder!r}: spans [{s[k]}, {e[k]}) and [{s[k + 1]}, {e[k + 1]}) overlap; "
            "unitizing needs each coder's units to be disjoint"
        )
    gap_s = np.concatenate([[begin], e])
    gap_e = np.concatenate([s, [end]])
    has_gap = gap_e > gap_s
    all_s = np.concatenate([s, gap_s[has_gap]])
    all_e = np.concatenate([e, gap_e[has_gap]])
    all_c = np.concatenate([codes, np.full(int(has_gap.sum()), _GAP, dtype=np.int64)])
    order = np.argsort(all_s, kind="stable")
    return all_s[order], all_e[order], all_c[order]


def _elementary(sections: list[tuple[np.ndarray, np.ndarray, np.ndarray]], end: int):
    """Maximal intervals on which no coder's section changes, and each coder's section there."""
    bounds = np.unique(np.concatenate([sec[0] for sec in sections] + [np.array([end])]))
    lengths = np.diff(bounds).astype(np.float64)
    index = [np.searchsorted(sec[0], bounds[:-1], side="right") - 1 for sec in sections]
    return bounds, lengths, index


# --------------------------------------------------------------------------------------
# 2016 family
# --------------------------------------------------------------------------------------


def _small(x: float, scale: float) -> bool:
    return x <= 1e-12 * max(scale, 1.0)


def unitized_alpha(
    spans: Mapping[Any, Iterable[tuple[int, int, Hashable]]],
    length: int,
    coders: Sequence[Any] | None = None,
) -> UnitizedAlpha:
    """Krippendorff et al.'s (2016) unitized alpha family for a continuum ``[0, length)``.

    ``spans`` maps each coder to its half-open ``(start, end, value)`` units; the stretches
    no unit covers are that coder's gaps.  A coder's units must not overlap each other
    (that raises :class:`AgreementDataError`; apply it per code, after merging a coder's
    overlapping spans, when codes may overlap).  ``coders`` lists every coder taking
    part, so that a coder who marked nothing counts as all gap; by default the keys of
    ``spans``.  Undefined coefficients (value ``None``) carry a reason: fewer than two
    coders, no units at all, no gaps, no overlapping units, a single value.
    """
    names = _coder_names(spans, coders)
    length = int(length)
    if length < 0:
        raise AgreementDataError(f"continuum length must be >= 0 (got {length})")
    values: dict[Hashable, int] = {}
    raw = [_triples(spans.get(name, ()), name, values) for name in names]
    labels = tuple(values)
    m = len(names)

    def all_undefined(reason: str) -> UnitizedAlpha:
        undefined = AgreementResult("u_alpha", None, reason)
        return UnitizedAlpha(
            u_alpha=undefined,
            binary_u_alpha=AgreementResult("|u_alpha", None, reason),
            cu_alpha=AgreementResult("cu_alpha", None, reason),
            k_u_alpha={v: AgreementResult(f"({v})u_alpha", None, reason) for v in labels},
            coverage=None,
            values=labels,
        )

    if m < 2:
        return all_undefined(REASON_FEW_CODERS)
    if length == 0:
        return all_undefined("the continuum is empty")
    sections = [_partition(s, e, c, 0, length, name) for (s, e, c), name in zip(raw, names)]
    k = len(labels) + 1
    _, lens, index = _elementary(sections, length)
    n_el = len(lens)
    # counts[e, c]: how many coders have value c (0 = gap) on elementary interval e.
    keys = np.concatenate([np.arange(n_el) * k + sec[2][idx] for sec, idx in zip(sections, index)])
    counts = np.bincount(keys, minlength=n_el * k).reshape(n_el, k).astype(np.float64)
    weighted = counts * lens[:, None]
    # Observed coincidences (eq. 1): pairs of coders' sections, by the length they share.
    obs = (counts.T @ weighted - np.diag(weighted.sum(axis=0))) / (m - 1)
    total = float(m) * length  # l.., the pairable length
    margins = obs.sum(axis=1)

    # Expected coincidences (eq. 4): a unit is one indivisible value, so pairs within the
    # same unit are excluded (its length squared); a gap is no unit, so each of its
    # characters stands alone (its length, not squared).
    self_pairs = np.zeros(k)
    for s, e, c in sections:
        ln = (e - s).astype(np.float64)
        self_pairs += np.bincount(c, weights=np.where(c == _GAP, ln, ln * ln), minlength=k)
    exp = total * (np.outer(margins, margins) - np.diag(self_pairs)) / (total**2 - self_pairs.sum())

    any_units = margins[1:].sum() > 0
    do = total - float(np.trace(obs))
    de = total - float(np.trace(exp))
    if not any_units:
        u = AgreementResult("u_alpha", None, "no coder marked any unit", n_units=length)
    elif _small(de, total):
        u = AgreementResult(
            "u_alpha",
            None,
            "no variation: every coder marked the whole continuum as one value",
            n_units=length,
        )
    else:
        u = AgreementResult(
            "u_alpha", 1.0 - do / de, observed=do / total, expected=de / total, n_units=length
        )

    bdo = float(margins[0] - obs[0, 0])
    bde = float(exp[0].sum() - exp[0, 0])
    if not any_units:
        bu = AgreementResult("|u_alpha", None, "no coder marked any unit", n_units=length)
    elif margins[0] == 0:
        bu = AgreementResult(
            "|u_alpha", None, "no gaps: every coder marked the whole continuum", n_units=length
        )
    elif _small(bde, total):
        bu = AgreementResult(
            "|u_alpha", None, "no variation between units and gaps", n_units=length
        )
    else:
        bu = AgreementResult(
            "|u_alpha",
            1.0 - bdo / bde,
            observed=2 * bdo / total,
            expected=2 * bde / total,
            n_units=length,
        )

    cu, k_u, coverage = _cu_alphas(sections, index, lens, counts, obs, labels, m, length)
    return UnitizedAlpha(
        u_alpha=u,
        binary_u_alpha=bu,
        cu_alpha=cu,
        k_u_alpha=k_u,
        coverage=coverage,
        values=labels,
        observed_coincidences=obs,
        expected_coincidences=exp,
    )


def _cu_alphas(sections, index, lens, counts, obs, labels, m, length):
    """cu_alpha and (k)u_alpha: coincidences among valued units only (eqs. 10-13).

    Expected coincidences exclude pairs within one unit.  With more than two coders a
    unit g of coder i takes part with the share of its length that other coders' units
    overlap, w_g = sum_{j != i} |g & units_j| / (m - 1), which is exactly what g adds to
    the margins; the pairs within g are w_g ** 2.  With two coders this is the squared
    overlap of g with the other coder's units, as in the paper; with full overlap it is
    l_g ** 2 as in u_alpha's eq. 4.
    """
    k = len(labels) + 1
    obs_v = obs[1:, 1:]
    cu_total = float(obs_v.sum())
    margins_v = obs_v.sum(axis=1)
    coverage = cu_total / (m * length)
    if cu_total <= 0:
        reason = "no unit of one coder overlaps a unit of another"
        return (
            AgreementResult("cu_alpha", None, reason, n_units=length),
            {v: AgreementResult(f"({v})u_alpha", None, reason, n_units=length) for v in labels},
            coverage,
        )
    valued_coders = m - counts[:, _GAP]
    self_pairs = np.zeros(k)
    for (s, _e, c), idx in zip(sections, index):
        on_unit = c[idx] != _GAP
        mass = np.where(on_unit, lens * (valued_coders - 1) / (m - 1), 0.0)
        w = np.bincount(idx, weights=mass, minlength=len(s))
        self_pairs += np.bincount(c, weights=np.where(c == _GAP, 0.0, w * w), minlength=k)
    sp = self_pairs[1:]
    exp_v = cu_total * (np.outer(margins_v, margins_v) - np.diag(sp)) / (cu_total**2 - sp.sum())
    do = cu_total - float(np.trace(obs_v))
    de = cu_total - float(np.trace(exp_v))
    if _small(de, cu_total):
        cu = AgreementResult(
            "cu_alpha",
            None,
            "no variation: overlapping units all have the same value",
            n_units=length,
        )
    else:
        cu = AgreementResult(
            "cu_alpha",
            1.0 - do / de,
            observed=do / cu_total,
            expected=de / cu_total,
            n_units=length,
        )
    k_u: dict[Hashable, AgreementResult] = {}
    for i, v in enumerate(labels):
        name = f"({v})u_alpha"
        l_k, l_kk = float(margins_v[i]), float(obs_v[i, i])
        e_k, e_kk = float(exp_v[i].sum()), float(exp_v[i, i])
        if l_k <= 0:
            k_u[v] = AgreementResult(
                name, None, "no unit with this value overlaps another coder's unit", n_units=length
            )
        elif _small(e_k - e_kk, cu_total) or e_k <= 0:
            k_u[v] = AgreementResult(
                name, None, "no variation: no other value to disagree with", n_units=length
            )
        else:
            o_share, e_share = (l_k - l_kk) / l_k, (e_k - e_kk) / e_k
            k_u[v] = AgreementResult(
                name, 1.0 - o_share / e_share, observed=o_share, expected=e_share, n_units=length
            )
    return cu, k_u, coverage


# --------------------------------------------------------------------------------------
# 1995/2004 per-category alpha_U
# --------------------------------------------------------------------------------------


def _squared_distances(
    sec_a: tuple[np.ndarray, np.ndarray, np.ndarray],
    sec_b: tuple[np.ndarray, np.ndarray, np.ndarray],
    end: int,
) -> float:
    """Sum of delta^2 over the overlapping section pairs of two coders (Krippendorff 2004).

    Two overlapping units: (b_g - b_h)^2 + (e_g - e_h)^2.  A unit lying inside the other
    coder's gap: its length squared.  Anything else: 0.
    """
    _, _, index = _elementary([sec_a, sec_b], end)
    ia, ib = index
    sa, ea, ua = sec_a[0][ia], sec_a[1][ia], sec_a[2][ia] != _GAP
    sb, eb, ub = sec_b[0][ib], sec_b[1][ib], sec_b[2][ib] != _GAP
    sa, ea, sb, eb = (x.astype(np.float64) for x in (sa, ea, sb, eb))
    both = ua & ub
    d = np.where(both, (sa - sb) ** 2 + (ea - eb) ** 2, 0.0)
    a_in_gap = ua & ~ub & (sb <= sa) & (ea <= eb)
    b_in_gap = ub & ~ua & (sa <= sb) & (eb <= ea)
    d += np.where(a_in_gap, (ea - sa) ** 2, 0.0) + np.where(b_in_gap, (eb - sb) ** 2, 0.0)
    # Each elementary interval is exactly one overlapping pair of sections.
    return float(d.sum())


def unitized_alpha_2004(
    spans: Mapping[Any, Iterable[tuple[int, int, Hashable]]],
    begin: int,
    length: int,
    coders: Sequence[Any] | None = None,
) -> UnitizedAlpha2004:
    """Krippendorff's (1995, 2004) alpha_U per category over the continuum [begin, begin+length).

    ``spans`` maps each coder to half-open ``(start, end, category)`` units with integer
    bounds; units of one category by one coder must not overlap, units of different
    categories may.  For each category c, D_o sums over overlapping pairs of sections
    (units of c and the gaps between them) of two coders the squared distances
    (positional differences of overlapping units, or a unit's squared length when it
    lies inside the other coder's gap), divided by m(m-1)L^2 / 2; D_e is Krippendorff's
    closed form over all possible placements of the observed units in the observed gaps,
    as in DKPro Statistics' KrippendorffAlphaUnitizingAgreement.  ``coders`` lists every
    coder (a coder without units of c is all gap for c).
    """
    names = _coder_names(spans, coders)
    begin, length = int(begin), int(length)
    if length < 0:
        raise AgreementDataError(f"continuum length must be >= 0 (got {length})")
    values: dict[Hashable, int] = {}
    raw = [_triples(spans.get(name, ()), name, values) for name in names]
    labels = list(values)
    m = len(names)
    if m < 2 or length == 0:
        reason = REASON_FEW_CODERS if m < 2 else "the continuum is empty"
        return UnitizedAlpha2004(
            {v: AgreementResult(f"alpha_U[{v}]", None, reason) for v in labels},
            AgreementResult("alpha_U", None, reason),
        )
    end = begin + length
    results: dict[Hashable, AgreementResult] = {}
    sum_do = sum_de = 0.0
    for code, label in enumerate(labels, start=1):
        sections = []
        for (s, e, c), name in zip(raw, names):
            mine = c == code
            sections.append(
                _partition(s[mine], e[mine], np.ones(int(mine.sum()), np.int64), begin, end, name)
            )
        observed = 0.0
        for i in range(m):
            for j in range(i + 1, m):
                observed += _squared_distances(sections[i], sections[j], end)
        d_o = 2.0 * observed / (m * (m - 1) * float(length) ** 2)
        d_e = _expected_2004(sections, m, length)
        sum_do += d_o
        sum_de += d_e
        name = f"alpha_U[{label}]"
        if d_e <= 0.0:
            results[label] = AgreementResult(
                name,
                None,
                "no variation: expected disagreement is zero",
                observed=d_o,
                expected=d_e,
                n_units=length,
            )
        else:
            results[label] = AgreementResult(
                name, 1.0 - d_o / d_e, observed=d_o, expected=d_e, n_units=length
            )
    if not labels:
        overall = AgreementResult("alpha_U", None, "no coder marked any unit", n_units=length)
    elif sum_de <= 0.0:
        overall = AgreementResult(
            "alpha_U", None, "no variation: expected disagreement is zero", n_units=length
        )
    else:
        overall = AgreementResult(
            "alpha_U", 1.0 - sum_do / sum_de, observed=sum_do, expected=sum_de, n_units=length
        )
    return UnitizedAlpha2004(results, overall)


def _expected_2004(sections, m: int, length: int) -> float:
    """D_e of alpha_U for one category (Krippendorff 2004, p. 253; DKPro's closed form)."""
    unit_len = np.concatenate([(e - s)[c != _GAP] for s, e, c in sections]).astype(np.float64)
    gaps = np.sort(np.concatenate([(e - s)[c == _GAP] for s, e, c in sections]).astype(np.float64))
    n_c = len(unit_len)
    if n_c == 0:
        return 0.0
    # For each unit, sum over gaps h at least as long as the unit of (h - l + 1): the
    # number of places the unit fits in them.
    first = np.searchsorted(gaps, unit_len, side="left")
    suffix = np.concatenate([np.cumsum(gaps[::-1])[::-1], [0.0]])
    n_fit = len(gaps) - first
    fits = suffix[first] - n_fit * (unit_len - 1.0)
    ln = unit_len
    total = ((n_c - 1.0) * (2 * ln**3 - 3 * ln**2 + ln) / 3.0 + ln**2 * fits).sum()
    denominator = float(m) * length * (float(m) * length - 1.0) - float((ln * (ln - 1.0)).sum())
    if denominator <= 0:
        return 0.0
    return float(2.0 / length * total / denominator)
