"""Agreement coefficients over predefined units and contingency tables.

Pure functions over plain Python data or numpy arrays; no project, no database.  Every
measure returns an :class:`AgreementResult`.  A measure that is undefined for the data
(fewer than two coders, nothing pairable, no variation, an empty table) returns a result
whose ``value`` is ``None`` and whose ``reason`` says why; it never raises for that and
never reports a silent 1.0.  Input that is malformed (ragged rows, a non-square table,
strings at the interval level) raises :class:`AgreementDataError`.

Reliability data are *coders x units*: one row per coder, one column per unit, ``None``
or NaN where a coder gave no value.  See ``docs/AGREEMENT.md`` for the formulas and the
conventions chosen.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from coder.errors import CoderError

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")

# Reasons shared by several measures, so callers can compare them if they want to.
REASON_FEW_CODERS = "fewer than two coders"
REASON_NO_PAIRABLE = "no unit has values from two or more coders"
REASON_NO_VARIATION = (
    "no variation: every pairable value is the same, so expected disagreement is zero"
)
REASON_EMPTY_TABLE = "the table is empty"

# The fast nominal path compares coder rows pairwise; past this many coders the general
# path (unit x value counts) does less work.
_FAST_MAX_CODERS = 8
# Data with at most this many distinct values are counted by comparison instead of being
# sorted (np.unique), which is what makes nominal alpha fast.
_FAST_MAX_VALUES = 16
# Above this many cells a dense (units x values) matrix is not built.
_DENSE_LIMIT = 20_000_000


class AgreementDataError(CoderError):
    """Reliability data or a table that cannot be measured as given (wrong shape or type)."""


@dataclass(frozen=True)
class AgreementResult:
    """The outcome of one agreement measure.

    ``value`` is the coefficient, or ``None`` when the measure is undefined for the data;
    ``reason`` then says why in one line.  ``observed`` and ``expected`` are the two
    quantities the coefficient is made of: disagreements ``D_o`` and ``D_e`` for the
    alpha family (value = 1 - D_o/D_e), agreement proportions ``p_o`` and ``p_e`` for the
    kappa family (value = (p_o - p_e)/(1 - p_e)), and for plain proportions (percent
    agreement, Holsti) ``observed`` is the proportion and ``expected`` is ``None``.
    ``n_units`` counts the units that entered the computation (pairable units for alpha,
    table total for kappa and pi, rated units for Fleiss, characters for character-level
    measures); ``n_values`` counts the pairable values where that differs.
    """

    measure: str
    value: float | None
    reason: str | None = None
    observed: float | None = None
    expected: float | None = None
    n_units: int = 0
    n_values: int = 0

    @property
    def defined(self) -> bool:
        """True when the coefficient has a value."""
        return self.value is not None

    def __str__(self) -> str:
        if self.value is None:
            return f"{self.measure}: undefined ({self.reason})"
        return f"{self.measure} = {self.value:.4f} (n = {self.n_units})"


def _undefined(measure: str, reason: str, **kw: Any) -> AgreementResult:
    return AgreementResult(measure=measure, value=None, reason=reason, **kw)


# --------------------------------------------------------------------------------------
# Reliability data: coders x units
# --------------------------------------------------------------------------------------


def _is_missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _to_array(data: Any) -> np.ndarray:
    """Reliability data as a 2-D array: float64 (numeric) or object (labels)."""
    if isinstance(data, np.ndarray):
        arr = data
    else:
        rows = list(data)
        if not rows:
            return np.zeros((0, 0))
        lengths = {len(r) for r in rows}
        if len(lengths) != 1:
            raise AgreementDataError(
                "reliability data: every coder's row must have the same number of units "
                f"(got lengths {sorted(lengths)})"
            )
        try:
            arr = np.asarray(rows)
        except ValueError as exc:  # pragma: no cover - ragged nesting inside rows
            raise AgreementDataError(f"reliability data: {exc}") from None
    if arr.ndim == 1 and arr.size == 0:
        return np.zeros((0, 0))
    if arr.ndim != 2:
        raise AgreementDataError(
            f"reliability data must be coders x units (2-D); got {arr.ndim} dimension(s)"
        )
    kind = arr.dtype.kind
    if kind in "fiub":
        return arr.astype(np.float64, copy=False)
    if kind in "US":
        return arr.astype(object)
    if kind == "O":
        flat = arr.ravel().tolist()
        if any(isinstance(v, (str, bytes)) for v in flat):
            return arr
        try:
            return np.array([np.nan if v is None else float(v) for v in flat]).reshape(arr.shape)
        except (TypeError, ValueError):
            return arr
    raise AgreementDataError(f"reliability data of type {arr.dtype} cannot be measured")


@dataclass
class _Codes:
    """Reliability data factorised: codes[i, u] indexes ``domain`` or is -1 (missing)."""

    codes: np.ndarray  # (m, N) intp
    domain: np.ndarray  # (V,) float64 for numeric data, object for labels
    numeric: bool


def _factorize(arr: np.ndarray) -> _Codes:
    if arr.dtype == object:
        mapping: dict[object, int] = {}
        flat = arr.ravel().tolist()
        out = np.empty(len(flat), dtype=np.intp)
        for idx, v in enumerate(flat):
            if _is_missing(v):
                out[idx] = -1
            else:
                out[idx] = mapping.setdefault(v, len(mapping))
        domain = np.empty(len(mapping), dtype=object)
        for v, i in mapping.items():
            domain[i] = v
        return _Codes(out.reshape(arr.shape), domain, numeric=False)
    present = ~np.isnan(arr)
    values = arr[present]
    codes = np.full(arr.shape, -1, dtype=np.intp)
    if values.size == 0:
        return _Codes(codes, np.zeros(0), numeric=True)
    lo, hi = float(values.min()), float(values.max())
    if hi - lo <= 65536 and np.array_equal(values, np.floor(values)):
        # Small-range integers: count instead of sorting, then keep only the used values.
        offsets = (values - lo).astype(np.intp)
        used = np.bincount(offsets) > 0
        remap = np.cumsum(used) - 1
        codes[present] = remap[offsets]
        return _Codes(codes, lo + np.flatnonzero(used).astype(np.float64), numeric=True)
    domain, inverse = np.unique(values, return_inverse=True)
    codes[present] = inverse
    return _Codes(codes, domain, numeric=True)


def _pair_agreements(codes: np.ndarray) -> np.ndarray:
    """Per unit, the number of unordered coder pairs that gave the same (present) value."""
    m, n_units = codes.shape
    agree = np.zeros(n_units, dtype=np.int64)
    if m <= _FAST_MAX_CODERS:
        for i in range(m):
            ci = codes[i]
            for j in range(i + 1, m):
                agree += (ci == codes[j]) & (ci >= 0)
        return agree
    # Many coders: count values per (unit, value) instead of comparing every pair.
    v = int(codes.max()) + 1 if codes.size else 1
    units = np.broadcast_to(np.arange(n_units), codes.shape)
    present = codes >= 0
    keys = units[present] * v + codes[present]
    if n_units * v <= _DENSE_LIMIT:
        counts = np.bincount(keys, minlength=n_units * v).reshape(n_units, v)
        return (counts * (counts - 1) // 2).sum(axis=1)
    uniq, cnt = np.unique(keys, return_counts=True)
    return np.bincount(uniq // v, weights=cnt * (cnt - 1) // 2, minlength=n_units).astype(np.int64)


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise AgreementDataError(
            f"unknown level of measurement {level!r}; use one of {', '.join(LEVELS)}"
        )


def _alpha_result(
    level: str, obs_sum: float, exp_sum: float, n: int, n_units: int
) -> AgreementResult:
    """alpha = 1 - D_o/D_e with D_o = obs_sum/n and D_e = exp_sum/(n(n-1))."""
    measure = f"krippendorff_alpha ({level})"
    d_o = obs_sum / n
    d_e = exp_sum / (n * (n - 1))
    if exp_sum <= 0.0:
        return _undefined(
            measure,
            REASON_NO_VARIATION,
            observed=float(d_o),
            expected=0.0,
            n_units=n_units,
            n_values=n,
        )
    return AgreementResult(
        measure=measure,
        value=float(1.0 - (n - 1) * obs_sum / exp_sum),
        observed=float(d_o),
        expected=float(d_e),
        n_units=n_units,
        n_values=n,
    )


def _nominal_fast(x: np.ndarray) -> AgreementResult | None:
    """Nominal alpha on a float array with few distinct values, or None if not applicable.

    Nothing is sorted; everything is counted by comparing whole rows, which is what makes
    this path fast.  The distinct values are guessed from a strided sample and each is
    counted over the whole array; if the counts do not add up to the number of present
    values, some value was missed and the caller takes the general path instead.
    Per unit only two numbers matter, the number of values n_u and of agreeing coder
    pairs a_u: the unit adds n_u - 2 a_u / (n_u - 1) to the observed disagreement.
    """
    m, n_units = x.shape
    present = [row == row for row in x]  # NaN is the only value not equal to itself
    n_u = present[0].astype(np.int8)
    for p in present[1:]:
        n_u += p
    total_present = int(n_u.sum(dtype=np.int64))
    if total_present == 0:
        return None
    flat = x.ravel()
    sample = flat[:: max(1, flat.size // 4096)]
    candidates = np.unique(sample[sample == sample])
    if len(candidates) == 0 or len(candidates) > _FAST_MAX_VALUES:
        return None
    counts = [int(np.count_nonzero(flat == c)) for c in candidates]
    if sum(counts) != total_present:
        return None  # some value is not among the sampled candidates
    classes = [(k, n_u == k) for k in range(2, m + 1)]
    n_by_class = [int(np.count_nonzero(cls)) for _, cls in classes]
    n_pairable_units = sum(n_by_class)
    if n_pairable_units == 0:
        return _undefined("krippendorff_alpha (nominal)", REASON_NO_PAIRABLE)
    n = sum(k * cnt for (k, _), cnt in zip(classes, n_by_class))
    weighted_agreements = 0.0
    for i in range(m):
        for j in range(i + 1, m):
            same = x[i] == x[j]  # never true where either is missing
            for k, cls in classes:
                weighted_agreements += 2.0 / (k - 1) * np.count_nonzero(same & cls)
    obs_sum = n - weighted_agreements
    # Values in units with a single value are not pairable: take them off the counts.
    lonely = n_u == 1
    if lonely.any():
        singles = x[:, lonely]
        singles = singles[singles == singles]
        counts = [cnt - int(np.count_nonzero(singles == c)) for cnt, c in zip(counts, candidates)]
    counts_f = np.array(counts, dtype=np.float64)
    exp_sum = float(n) * n - float((counts_f * counts_f).sum())
    return _alpha_result("nominal", obs_sum, exp_sum, n, n_pairable_units)


def _alpha_from_codes(c: _Codes, level: str) -> AgreementResult:
    codes = c.codes
    present = codes >= 0
    n_u = present.sum(axis=0)
    pair = n_u >= 2
    n_units = int(pair.sum())
    measure = f"krippendorff_alpha ({level})"
    if n_units == 0:
        return _undefined(measure, REASON_NO_PAIRABLE)
    codes = codes[:, pair]
    present = present[:, pair]
    n_u = n_u[pair].astype(np.float64)
    n = int(n_u.sum())
    n_c = np.bincount(codes[present], minlength=len(c.domain)).astype(np.float64)
    if level == "nominal":
        agree = _pair_agreements(codes).astype(np.float64)
        obs_sum = float((2.0 * (n_u * (n_u - 1) / 2 - agree) / (n_u - 1)).sum())
        exp_sum = float(n) * n - float((n_c * n_c).sum())
        return _alpha_result(level, obs_sum, exp_sum, n, n_units)
    if not c.numeric:
        raise AgreementDataError(
            f"the {level} level needs numeric values; labels (strings) are only for nominal"
        )
    domain = c.domain.astype(np.float64)
    if level == "ordinal":
        # Krippendorff's ordinal metric is the interval metric on mid-ranks:
        # delta(c, k) = (sum_{g=c..k} n_g - (n_c + n_k)/2)^2 = (M_k - M_c)^2.
        domain = np.cumsum(n_c) - n_c / 2.0
    if level in ("interval", "ordinal"):
        return _interval_like(level, codes, present, n_u, n_c, domain, n_units)
    return _ratio(codes, present, n_u, n_c, domain, n_units)


def _interval_like(
    level: str,
    codes: np.ndarray,
    present: np.ndarray,
    n_u: np.ndarray,
    n_c: np.ndarray,
    domain: np.ndarray,
    n_units: int,
) -> AgreementResult:
    n = int(n_u.sum())
    mean = float((n_c * domain).sum() / n)
    centred = domain - mean  # centring keeps the sums of squares accurate
    x = np.where(present, centred[np.maximum(codes, 0)], 0.0)
    unit_mean = x.sum(axis=0) / n_u
    ss_u = (np.where(present, x - unit_mean, 0.0) ** 2).sum(axis=0)
    # Per unit, sum over ordered pairs i != j of (x_i - x_j)^2 is 2 * n_u * SS_u.
    obs_sum = float((2.0 * n_u * ss_u / (n_u - 1)).sum())
    ss = float((n_c * centred * centred).sum())
    exp_sum = 2.0 * n * ss
    return _alpha_result(level, obs_sum, exp_sum, n, n_units)


def _ratio_delta(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    s = a + b
    d = np.divide(a - b, s, out=np.zeros(np.broadcast(a, b).shape), where=s != 0)
    return d * d


def _ratio(
    codes: np.ndarray,
    present: np.ndarray,
    n_u: np.ndarray,
    n_c: np.ndarray,
    domain: np.ndarray,
    n_units: int,
) -> AgreementResult:
    used = n_c > 0
    if (domain[used] < 0).any():
        raise AgreementDataError(
            "the ratio level needs values >= 0 (a ratio scale has a true zero)"
        )
    m = codes.shape[0]
    n = int(n_u.sum())
    x = domain[np.maximum(codes, 0)]
    obs_sum = 0.0
    for i in range(m):
        for j in range(i + 1, m):
            both = present[i] & present[j]
            delta = _ratio_delta(x[i][both], x[j][both])
            obs_sum += float((2.0 * delta / (n_u[both] - 1)).sum())
    vals, cnt = domain[used], n_c[used]
    exp_sum = 0.0
    step = max(1, 4_000_000 // max(1, len(vals)))
    for start in range(0, len(vals), step):
        block = _ratio_delta(vals[start : start + step, None], vals[None, :])
        exp_sum += float((cnt[start : start + step, None] * cnt[None, :] * block).sum())
    return _alpha_result("ratio", obs_sum, exp_sum, n, n_units)


def krippendorff_alpha(data: Any, level: Level = "nominal") -> AgreementResult:
    """Krippendorff's alpha for reliability data (coders x units).

    ``data`` is a sequence of equally long rows, one per coder, or a 2-D numpy array;
    ``None`` or NaN mark missing values.  Values may be numbers, or (nominal level only)
    strings or other hashable labels.  ``level`` is ``"nominal"``, ``"ordinal"``,
    ``"interval"`` or ``"ratio"`` (ratio needs values >= 0).  Units with fewer than two
    values are not pairable and are dropped.  ``observed``/``expected`` are D_o and D_e;
    ``n_units`` counts pairable units and ``n_values`` pairable values.  Undefined (value
    ``None``) with fewer than two coders, no pairable unit, or no variation among the
    pairable values.
    """
    _check_level(level)
    arr = _to_array(data)
    measure = f"krippendorff_alpha ({level})"
    if arr.shape[0] < 2:
        return _undefined(measure, REASON_FEW_CODERS)
    if arr.shape[1] == 0:
        return _undefined(measure, REASON_NO_PAIRABLE)
    if level == "nominal" and arr.dtype != object and arr.shape[0] <= _FAST_MAX_CODERS:
        fast = _nominal_fast(arr)
        if fast is not None:
            return fast
    return _alpha_from_codes(_factorize(arr), level)


def percent_agreement(data: Any) -> AgreementResult:
    """Pairwise percent agreement for reliability data (coders x units).

    For each unit with two or more values, the share of coder pairs that gave the same
    value; the result is the mean over those units (for two coders with no missing
    values, the share of units on which they agree).  ``observed`` is the same proportion.
    """
    measure = "percent_agreement"
    arr = _to_array(data)
    if arr.shape[0] < 2:
        return _undefined(measure, REASON_FEW_CODERS)
    c = _factorize(arr)
    n_u = (c.codes >= 0).sum(axis=0)
    pair = n_u >= 2
    if not pair.any():
        return _undefined(measure, REASON_NO_PAIRABLE)
    agree = _pair_agreements(c.codes[:, pair]).astype(np.float64)
    nu = n_u[pair].astype(np.float64)
    value = float((agree / (nu * (nu - 1) / 2)).mean())
    return AgreementResult(
        measure, value, observed=value, n_units=int(pair.sum()), n_values=int(nu.sum())
    )


# --------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------


def contingency_table(
    coder_a: Sequence[Any], coder_b: Sequence[Any]
) -> tuple[np.ndarray, list[Any]]:
    """Cross-tabulate two coders' values over the same units.

    Units where either value is missing (``None``/NaN) are skipped.  Returns the square
    table (rows: ``coder_a``, columns: ``coder_b``) and the sorted labels indexing it.
    """
    if len(coder_a) != len(coder_b):
        raise AgreementDataError(
            f"two coders must rate the same units (got {len(coder_a)} and {len(coder_b)} values)"
        )
    pairs = [(a, b) for a, b in zip(coder_a, coder_b) if not (_is_missing(a) or _is_missing(b))]
    labels_set = {v for pair in pairs for v in pair}
    try:
        labels = sorted(labels_set)
    except TypeError:
        labels = sorted(labels_set, key=repr)
    index = {v: i for i, v in enumerate(labels)}
    table = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for a, b in pairs:
        table[index[a], index[b]] += 1
    return table, labels


def _square_table(table: Any, what: str) -> np.ndarray:
    t = np.asarray(table, dtype=np.float64)
    if t.ndim != 2 or t.shape[0] != t.shape[1]:
        raise AgreementDataError(f"{what} needs a square contingency table; got shape {t.shape}")
    if (t < 0).any() or not np.isfinite(t).all():
        raise AgreementDataError(f"{what}: table entries must be finite counts >= 0")
    return t


def _disagreement_weights(k: int, weights: Any) -> np.ndarray:
    i = np.arange(k)
    diff = np.abs(i[:, None] - i[None, :]).astype(np.float64)
    if weights is None:
        return (diff > 0).astype(np.float64)
    if isinstance(weights, str):
        scale = max(k - 1, 1)
        if weights == "linear":
            return diff / scale
        if weights == "quadratic":
            return (diff / scale) ** 2
        raise AgreementDataError(
            f"unknown kappa weights {weights!r}; use None, 'linear', 'quadratic' or a matrix"
        )
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (k, k):
        raise AgreementDataError(f"kappa weight matrix must be {k} x {k}; got shape {w.shape}")
    return w


def cohen_kappa(table: Any, weights: Any = None) -> AgreementResult:
    """Cohen's kappa from a square contingency table (rows coder A, columns coder B).

    ``weights`` is ``None`` (unweighted), ``"linear"`` (|i-j|), ``"quadratic"``
    ((i-j)^2) or a square matrix of disagreement weights; categories are taken in table
    order.  ``observed``/``expected`` are the (weighted) agreement proportions p_o and
    p_e, so value = (p_o - p_e)/(1 - p_e).  Undefined for an empty table or when chance
    agreement is 1 (both coders used one and the same category only).
    """
    t = _square_table(table, "cohen_kappa")
    measure = (
        "cohen_kappa"
        if weights is None
        else f"cohen_kappa ({weights if isinstance(weights, str) else 'weighted'})"
    )
    n = float(t.sum())
    if n == 0:
        return _undefined(measure, REASON_EMPTY_TABLE)
    p = t / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    w = _disagreement_weights(t.shape[0], weights)
    d_o = float((w * p).sum())
    d_e = float((w * np.outer(rows, cols)).sum())
    if d_e <= 0.0:
        return _undefined(
            measure,
            "no variation: chance agreement is 1 (the coders used a single category)",
            observed=1.0 - d_o,
            expected=1.0,
            n_units=int(n),
        )
    return AgreementResult(
        measure, 1.0 - d_o / d_e, observed=1.0 - d_o, expected=1.0 - d_e, n_units=int(n)
    )


def scott_pi(table: Any) -> AgreementResult:
    """Scott's pi from a square contingency table (two coders, pooled marginals).

    ``observed`` is p_o (the diagonal share) and ``expected`` is p_e, the sum of squared
    pooled category proportions.  Undefined for an empty table or a single category.
    """
    t = _square_table(table, "scott_pi")
    measure = "scott_pi"
    n = float(t.sum())
    if n == 0:
        return _undefined(measure, REASON_EMPTY_TABLE)
    p = t / n
    pooled = (p.sum(axis=0) + p.sum(axis=1)) / 2.0
    p_o = float(np.trace(p))
    p_e = float((pooled * pooled).sum())
    if p_e >= 1.0:
        return _undefined(
            measure,
            "no variation: chance agreement is 1 (the coders used a single category)",
            observed=p_o,
            expected=p_e,
            n_units=int(n),
        )
    return AgreementResult(
        measure, (p_o - p_e) / (1.0 - p_e), observed=p_o, expected=p_e, n_units=int(n)
    )


def _counts_table(counts: Any, what: str) -> tuple[np.ndarray, int]:
    t = np.asarray(counts, dtype=np.float64)
    if t.ndim != 2:
        raise AgreementDataError(f"{what} needs a units x categories table of counts")
    if (t < 0).any() or not np.isfinite(t).all() or (t != np.floor(t)).any():
        raise AgreementDataError(f"{what}: counts must be whole numbers >= 0")
    t = t[t.sum(axis=1) > 0]  # units nobody rated carry no information
    raters = np.unique(t.sum(axis=1))
    if len(raters) > 1:
        raise AgreementDataError(
            f"{what} needs the same number of ratings for every unit; got {sorted(raters.astype(int).tolist())}"
        )
    return t, int(raters[0]) if len(raters) else 0


def fleiss_weighted(
    counts: np.ndarray, weights: np.ndarray, m: int, measure: str
) -> AgreementResult:
    """Fleiss' kappa where row i stands for ``weights[i]`` identical units."""
    total = float(weights.sum())
    p_i = ((counts * counts).sum(axis=1) - m) / (m * (m - 1))
    p_bar = float((weights * p_i).sum() / total)
    p_j = (weights[:, None] * counts).sum(axis=0) / (total * m)
    p_e = float((p_j * p_j).sum())
    if p_e >= 1.0:
        return _undefined(
            measure,
            "no variation: every rating is the same category",
            observed=p_bar,
            expected=p_e,
            n_units=int(total),
            n_values=int(total) * m,
        )
    return AgreementResult(
        measure,
        (p_bar - p_e) / (1.0 - p_e),
        observed=p_bar,
        expected=p_e,
        n_units=int(total),
        n_values=int(total) * m,
    )


def fleiss_kappa(counts: Any) -> AgreementResult:
    """Fleiss' kappa from a units x categories table of counts.

    Row i gives how many of the raters put unit i in each category; every rated unit must
    have the same number of ratings m (rows of zeros are ignored).  ``observed`` is
    P-bar (mean pairwise agreement per unit) and ``expected`` is P-bar_e.
    """
    measure = "fleiss_kappa"
    t, m = _counts_table(counts, measure)
    if len(t) == 0:
        return _undefined(measure, "no unit was rated")
    if m < 2:
        return _undefined(measure, "fewer than two ratings per unit")
    return fleiss_weighted(t, np.ones(len(t)), m, measure)


def fleiss_category_kappas(counts: Any) -> list[AgreementResult]:
    """Fleiss' (1971) kappa for each category (column) of a units x categories count table.

    kappa_j = 1 - sum_i n_ij (m - n_ij) / (N m (m - 1) p_j q_j).  A category nobody used
    (or everybody always used) is undefined.
    """
    t, m = _counts_table(counts, "fleiss_category_kappas")
    out: list[AgreementResult] = []
    if len(t) == 0 or m < 2:
        reason = "no unit was rated" if len(t) == 0 else "fewer than two ratings per unit"
        return [_undefined(f"fleiss_kappa[{j}]", reason) for j in range(t.shape[1])]
    n_units = len(t)
    p = t.sum(axis=0) / (n_units * m)
    for j in range(t.shape[1]):
        measure = f"fleiss_kappa[{j}]"
        pq = float(p[j] * (1.0 - p[j]))
        if pq <= 0.0:
            reason = "category never used" if p[j] == 0 else "category used for every rating"
            out.append(_undefined(measure, reason, n_units=n_units))
            continue
        dis = float((t[:, j] * (m - t[:, j])).sum()) / (n_units * m * (m - 1))
        out.append(
            AgreementResult(
                measure, 1.0 - dis / pq, observed=1.0 - dis, expected=1.0 - pq, n_units=n_units
            )
        )
    return out


def holsti(m: int, n1: int, n2: int) -> AgreementResult:
    """Holsti's (1969) coefficient of reliability, CR = 2M / (N1 + N2).

    ``m`` coding decisions on which the two coders agree, ``n1`` and ``n2`` the decisions
    each coder made.  Undefined when neither coder made a decision.
    """
    measure = "holsti"
    for name, v in (("m", m), ("n1", n1), ("n2", n2)):
        if v < 0:
            raise AgreementDataError(f"holsti: {name} must be >= 0 (got {v})")
    if m > min(n1, n2):
        raise AgreementDataError(
            f"holsti: agreements m={m} exceed a coder's decisions ({n1}, {n2})"
        )
    if n1 + n2 == 0:
        return _undefined(measure, "neither coder made a coding decision")
    value = 2.0 * m / (n1 + n2)
    return AgreementResult(measure, value, observed=value, n_units=int(m))


# --------------------------------------------------------------------------------------
# Bootstrap
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BootstrapResult:
    """A bootstrap confidence interval for Krippendorff's alpha.

    ``estimate`` is alpha on the data as given; ``low``/``high`` bound the percentile
    interval at ``confidence`` (``None`` when the estimate or every replicate is
    undefined).  ``samples`` holds the replicate alphas (NaN where a replicate had no
    variation); ``n_undefined`` counts those, and they are left out of the interval.
    """

    estimate: AgreementResult
    low: float | None
    high: float | None
    confidence: float
    n_boot: int
    n_undefined: int
    samples: np.ndarray

    def p_below(self, alpha_min: float) -> float | None:
        """Share of defined replicates with alpha below ``alpha_min`` (Krippendorff's q)."""
        ok = self.samples[~np.isnan(self.samples)]
        if ok.size == 0:
            return None
        return float((ok < alpha_min).mean())


def _unit_stats(c: _Codes, level: str) -> tuple[np.ndarray, Any] | None:
    """Per pairable unit, sums whose weighted totals give alpha for any resample of units.

    Returns ``(S, finish)`` where ``finish(T)`` maps totals ``T = W @ S`` (one row per
    replicate) to alphas, or ``None`` when S would be too large to hold densely.
    """
    codes = c.codes
    present = codes >= 0
    n_u = present.sum(axis=0)
    pair = n_u >= 2
    codes, present = codes[:, pair], present[:, pair]
    n_u = n_u[pair].astype(np.float64)
    n_p, v = codes.shape[1], len(c.domain)
    if level == "ordinal":
        width = 1 + v * (v - 1) // 2 + v
    elif level == "interval":
        width = 4
    else:
        width = 2 + v
    if n_p * width > _DENSE_LIMIT:
        return None
    units = np.broadcast_to(np.arange(n_p), codes.shape)[present]
    vals = codes[present]
    counts = np.zeros((n_p, v))
    np.add.at(counts, (units, vals), 1.0)

    def finish_alpha(obs: np.ndarray, exp: np.ndarray, n: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(exp > 0, 1.0 - (n - 1) * obs / exp, np.nan)

    if level == "nominal":
        agree = _pair_agreements(codes).astype(np.float64)
        obs_u = 2.0 * (n_u * (n_u - 1) / 2 - agree) / (n_u - 1)
        s = np.column_stack([obs_u, n_u, counts])

        def finish(t: np.ndarray) -> np.ndarray:
            n = t[:, 1]
            return finish_alpha(t[:, 0], n * n - (t[:, 2:] ** 2).sum(axis=1), n)

        return s, finish
    domain = c.domain.astype(np.float64)
    if level == "interval":
        n_c = counts.sum(axis=0)
        centred = domain - float((n_c * domain).sum() / n_u.sum())
        x = np.where(present, centred[np.maximum(codes, 0)], 0.0)
        s1 = x.sum(axis=0)
        s2 = (x * x).sum(axis=0)
        obs_u = 2.0 * (n_u * s2 - s1 * s1) / (n_u - 1)
        s = np.column_stack([obs_u, n_u, s1, s2])

        def finish(t: np.ndarray) -> np.ndarray:
            n = t[:, 1]
            return finish_alpha(t[:, 0], 2.0 * (n * t[:, 3] - t[:, 2] ** 2), n)

        return s, finish
    if level == "ratio":
        if (domain[counts.sum(axis=0) > 0] < 0).any():
            raise AgreementDataError(
                "the ratio level needs values >= 0 (a ratio scale has a true zero)"
            )
        delta = _ratio_delta(domain[:, None], domain[None, :])
        obs_u = np.einsum("uc,ck,uk->u", counts, delta, counts) / (n_u - 1)
        s = np.column_stack([obs_u, n_u, counts])

        def finish(t: np.ndarray) -> np.ndarray:
            nc = t[:, 2:]
            return finish_alpha(t[:, 0], np.einsum("bc,ck,bk->b", nc, delta, nc), t[:, 1])

        return s, finish
    # Ordinal: the metric depends on the replicate's value counts, so keep each unit's
    # off-diagonal coincidences (c < k) and apply the metric per replicate.
    iu, ku = np.triu_indices(v, k=1)
    coinc = counts[:, iu] * counts[:, ku] / (n_u - 1)[:, None]
    s = np.column_stack([n_u, coinc, counts])
    n_pairs = len(iu)

    def finish_ordinal(t: np.ndarray) -> np.ndarray:
        n = t[:, 0]
        o = t[:, 1 : 1 + n_pairs]
        nc = t[:, 1 + n_pairs :]
        mid = np.cumsum(nc, axis=1) - nc / 2.0
        d = (mid[:, ku] - mid[:, iu]) ** 2
        obs = 2.0 * (o * d).sum(axis=1)
        exp = 2.0 * (nc[:, iu] * nc[:, ku] * d).sum(axis=1)
        return finish_alpha(obs, exp, n)

    return s, finish_ordinal


def bootstrap_alpha(
    data: Any,
    level: Level = "nominal",
    n: int = 1000,
    seed: int | None = None,
    confidence: float = 0.95,
) -> BootstrapResult:
    """Bootstrap confidence interval for Krippendorff's alpha, resampling units.

    Pairable units (two or more values) are drawn with replacement ``n`` times; each
    replicate's alpha is computed with the same formulas as :func:`krippendorff_alpha`
    (vectorised: replicate totals are a matrix product of resampling counts with per-unit
    sums).  ``seed`` makes the result reproducible.  The interval is the percentile
    interval at ``confidence`` over the replicates whose alpha is defined.
    """
    _check_level(level)
    if n < 1:
        raise AgreementDataError(f"bootstrap_alpha: n must be >= 1 (got {n})")
    if not 0.0 < confidence < 1.0:
        raise AgreementDataError(
            f"bootstrap_alpha: confidence must be in (0, 1) (got {confidence})"
        )
    estimate = krippendorff_alpha(data, level)
    if estimate.value is None:
        return BootstrapResult(estimate, None, None, confidence, n, n, np.full(0, np.nan))
    c = _factorize(_to_array(data))
    pair = (c.codes >= 0).sum(axis=0) >= 2
    n_p = int(pair.sum())
    rng = np.random.default_rng(seed)
    samples = np.empty(n)
    stats = _unit_stats(c, level)
    if stats is not None:
        s, finish = stats
        # Units with identical sums are interchangeable, so drawing n_p units with
        # replacement is a multinomial draw over the distinct rows of S, weighted by how
        # often each occurs: far fewer random numbers than one per unit and replicate.
        rows, freq = np.unique(s, axis=0, return_counts=True)
        p = freq / freq.sum()
        chunk = max(1, min(n, 4_000_000 // max(len(rows), 1)))
        for start in range(0, n, chunk):
            b = min(chunk, n - start)
            w = rng.multinomial(n_p, p, size=b).astype(np.float64)
            samples[start : start + b] = finish(w @ rows)
    else:
        # Too many units x values for dense sums: resample the columns themselves.
        pair_codes = c.codes[:, pair]
        for r in range(n):
            idx = rng.integers(0, n_p, size=n_p)
            res = _alpha_from_codes(_Codes(pair_codes[:, idx], c.domain, c.numeric), level)
            samples[r] = np.nan if res.value is None else res.value
    ok = samples[~np.isnan(samples)]
    tail = (1.0 - confidence) / 2.0
    low = high = None
    if ok.size:
        low, high = (float(q) for q in np.quantile(ok, [tail, 1.0 - tail]))
    return BootstrapResult(estimate, low, high, confidence, n, int(n - ok.size), samples)
