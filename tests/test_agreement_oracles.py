"""coder.agreement against reference implementations, on random data (hypothesis).

The reference libraries (krippendorff, nltk, statsmodels, scikit-learn) are test
oracles only; coder itself never imports them.  Where no library implements a measure
(the unitized alphas), a deliberately naive per-character or per-pair implementation of
the published definitions written here serves as the oracle.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coder.agreement import (
    char_agreement,
    cohen_kappa,
    contingency_table,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    scott_pi,
    sweep,
    unitized_alpha,
    unitized_alpha_2004,
)
from coder.agreement.measures import REASON_NO_VARIATION

krippendorff = pytest.importorskip("krippendorff")
agreement_nltk = pytest.importorskip("nltk.metrics.agreement")
nltk_distance = pytest.importorskip("nltk.metrics.distance")
inter_rater = pytest.importorskip("statsmodels.stats.inter_rater")
sk_metrics = pytest.importorskip("sklearn.metrics")

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def oracle(fn) -> float | None:
    """The reference value, or None where the reference finds it undefined (nan/raise)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = float(fn())
        except (ValueError, ZeroDivisionError, FloatingPointError):
            return None
    return None if math.isnan(value) else value


def assert_matches(ours, reference: float | None, tol: float = 1e-9) -> None:
    if ours.value is None:
        assert reference is None, (ours, reference)
        assert ours.reason
    else:
        assert reference is not None, (ours, reference)
        assert ours.value == pytest.approx(reference, abs=tol), (ours, reference)


@st.composite
def reliability(draw, min_coders=2, max_coders=5, max_units=25, max_value=5, missing=True):
    m = draw(st.integers(min_coders, max_coders))
    n = draw(st.integers(1, max_units))
    top = draw(st.integers(0, max_value))
    cell = st.integers(0, top)
    if missing:
        cell = st.one_of(cell, cell, cell, st.none())
    return [draw(st.lists(cell, min_size=n, max_size=n)) for _ in range(m)]


def as_float(data: list[list[int | None]]) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in data], dtype=float)


# --------------------------------------------------------------------------------------
# Reliability data
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
@SETTINGS
@given(data=reliability())
def test_alpha_matches_krippendorff(level: str, data) -> None:
    arr = as_float(data)
    reference = oracle(lambda: krippendorff.alpha(reliability_data=arr, level_of_measurement=level))
    assert_matches(krippendorff_alpha(data, level), reference)


@SETTINGS
@given(data=reliability(min_coders=2, max_coders=12, max_units=40, max_value=3))
def test_alpha_many_coders_matches_krippendorff(data) -> None:
    arr = as_float(data)
    reference = oracle(
        lambda: krippendorff.alpha(reliability_data=arr, level_of_measurement="nominal")
    )
    assert_matches(krippendorff_alpha(arr, "nominal"), reference)


@SETTINGS
@given(data=reliability(max_units=15))
def test_alpha_matches_nltk(data) -> None:
    triples = [
        (f"c{i}", f"u{u}", v)
        for i, row in enumerate(data)
        for u, v in enumerate(row)
        if v is not None
    ]
    # nltk counts a unit with a single value as pairable, so compare on units with two or more.
    counts = [sum(row[u] is not None for row in data) for u in range(len(data[0]))]
    triples = [t for t in triples if counts[int(t[1][1:])] >= 2]
    task_nominal = agreement_nltk.AnnotationTask(triples)
    task_interval = agreement_nltk.AnnotationTask(triples, distance=nltk_distance.interval_distance)
    for level, task in (("nominal", task_nominal), ("interval", task_interval)):
        ours = krippendorff_alpha(data, level)
        reference = oracle(task.alpha) if triples else None
        if ours.value is None and ours.reason == REASON_NO_VARIATION:
            # nltk reports 1.0 when every value is the same; we call that undefined.
            assert reference in (None, 1.0)
        else:
            assert_matches(ours, reference)


@SETTINGS
@given(data=reliability(min_coders=2, max_coders=4, max_units=15, missing=False))
def test_kappa_and_pi_match_nltk(data) -> None:
    m = len(data)
    triples = [(f"c{i}", f"u{u}", v) for i, row in enumerate(data) for u, v in enumerate(row)]
    task = agreement_nltk.AnnotationTask(triples)
    # nltk's kappa is Cohen's kappa averaged over coder pairs, and its pi is Scott's pi
    # generalised to many coders (Fleiss' kappa).  Where chance agreement is 1 (a single
    # category), nltk puts 1.0 for a coefficient we call undefined.
    kappas = []
    for i in range(m):
        for j in range(i + 1, m):
            table, _ = contingency_table(data[i], data[j])
            result = cohen_kappa(table)
            assert result.value is not None or "single category" in result.reason
            kappas.append(1.0 if result.value is None else result.value)
    assert oracle(task.kappa) == pytest.approx(float(np.mean(kappas)), abs=1e-9)
    values = sorted({v for row in data for v in row})
    counts = [[sum(row[u] == v for row in data) for v in values] for u in range(len(data[0]))]
    fleiss = fleiss_kappa(counts)
    if fleiss.value is None:
        assert oracle(task.pi) == 1.0
    else:
        assert_matches(fleiss, oracle(task.pi))
        if m == 2:
            table, _ = contingency_table(data[0], data[1])
            assert_matches(scott_pi(table), oracle(task.pi))


@SETTINGS
@given(data=reliability(missing=True))
def test_percent_agreement_matches_pairwise_definition(data) -> None:
    shares = []
    for u in range(len(data[0])):
        vals = [row[u] for row in data if row[u] is not None]
        pairs = [(a, b) for i, a in enumerate(vals) for b in vals[i + 1 :]]
        if pairs:
            shares.append(sum(a == b for a, b in pairs) / len(pairs))
    result = percent_agreement(data)
    if shares:
        assert result.value == pytest.approx(float(np.mean(shares)), abs=1e-12)
    else:
        assert result.value is None


# --------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------


@st.composite
def two_coders(draw):
    n = draw(st.integers(2, 40))
    k = draw(st.integers(2, 5))
    a = draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))
    b = draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))
    return a, b


@SETTINGS
@given(pair=two_coders())
def test_cohen_matches_sklearn_and_statsmodels(pair) -> None:
    a, b = pair
    labels = sorted(set(a) | set(b))
    table, table_labels = contingency_table(a, b)
    assert table_labels == labels
    for weights in (None, "linear", "quadratic"):
        reference = oracle(
            lambda w=weights: sk_metrics.cohen_kappa_score(a, b, labels=labels, weights=w)
        )
        assert_matches(cohen_kappa(table, weights), reference)
    sm = oracle(lambda: inter_rater.cohens_kappa(table, return_results=False))
    assert_matches(cohen_kappa(table), sm)
    sm_linear = oracle(lambda: inter_rater.cohens_kappa(table, wt="linear", return_results=False))
    assert_matches(cohen_kappa(table, "linear"), sm_linear)


@SETTINGS
@given(
    # Each of m raters puts each subject in one of 4 categories; a row counts them.  (Drawn
    # directly rather than filtered: filtering tripped Hypothesis's health check now and then.)
    counts=st.integers(2, 6).flatmap(
        lambda m: st.lists(
            st.lists(st.integers(0, 3), min_size=m, max_size=m)
            .map(lambda picks: [picks.count(k) for k in range(4)]),
            min_size=1,
            max_size=20,
        )
    )
)
def test_fleiss_matches_statsmodels(counts) -> None:
    reference = oracle(lambda: inter_rater.fleiss_kappa(np.array(counts), method="fleiss"))
    assert_matches(fleiss_kappa(counts), reference)


# --------------------------------------------------------------------------------------
# Spans: the sweep against explicit characters
# --------------------------------------------------------------------------------------


@st.composite
def span_sets(draw, max_coders=4, max_length=40, disjoint=False, values=("x",)):
    m = draw(st.integers(2, max_coders))
    length = draw(st.integers(1, max_length))
    out = {}
    for i in range(m):
        cuts = sorted(draw(st.lists(st.integers(0, length), max_size=8)))
        if disjoint:
            pairs = [
                (cuts[j], cuts[j + 1]) for j in range(0, len(cuts) - 1, 2) if cuts[j] < cuts[j + 1]
            ]
            out[f"c{i}"] = [(s, e, draw(st.sampled_from(values))) for s, e in pairs]
        else:
            n = draw(st.integers(0, 4))
            spans = []
            for _ in range(n):
                s = draw(st.integers(0, length))
                e = draw(st.integers(s, length))
                spans.append((s, e))
            out[f"c{i}"] = spans
    return out, length


def per_character(spans: dict, length: int) -> np.ndarray:
    dense = np.zeros((len(spans), length))
    for i, items in enumerate(spans.values()):
        for s, e, *_ in items:
            dense[i, s:e] = 1
    return dense


@SETTINGS
@given(case=span_sets())
def test_sweep_alpha_equals_per_character_alpha(case) -> None:
    spans, length = case
    dense = per_character(spans, length)
    result = char_agreement(sweep(spans, length))
    assert result.covered_by == tuple(
        np.bincount(dense.sum(axis=0).astype(int), minlength=len(spans) + 1)
    )
    ours = krippendorff_alpha(dense)
    reference = oracle(
        lambda: krippendorff.alpha(reliability_data=dense, level_of_measurement="nominal")
    )
    assert_matches(result.alpha, reference)
    if ours.value is not None:
        assert result.alpha.value == pytest.approx(ours.value, abs=1e-9)
        assert result.percent_agreement.value == pytest.approx(
            percent_agreement(dense).value, abs=1e-12
        )
    if len(spans) == 2 and result.kappa.value is not None:
        assert result.kappa.value == pytest.approx(
            sk_metrics.cohen_kappa_score(dense[0], dense[1]), abs=1e-9
        )
    if len(spans) > 2 and result.kappa.value is not None:
        table = np.column_stack([len(spans) - dense.sum(axis=0), dense.sum(axis=0)])
        assert result.kappa.value == pytest.approx(inter_rater.fleiss_kappa(table), abs=1e-9)


# --------------------------------------------------------------------------------------
# Unitized alphas against naive implementations of the definitions
# --------------------------------------------------------------------------------------


def naive_sections(units: list, length: int) -> list[tuple[int, int, object]]:
    """A coder's units plus the gaps between them (value None), in order."""
    out, pos = [], 0
    for s, e, v in sorted(units):
        if s > pos:
            out.append((pos, s, None))
        out.append((s, e, v))
        pos = e
    if pos < length:
        out.append((pos, length, None))
    return out


def naive_2016(spans: dict, length: int) -> dict:
    """Krippendorff et al. (2016) by direct enumeration of section pairs and characters."""
    coders = list(spans)
    m = len(coders)
    secs = {c: naive_sections(spans[c], length) for c in coders}
    labels = [None] + sorted({v for units in spans.values() for *_, v in units})
    idx = {v: i for i, v in enumerate(labels)}
    k = len(labels)
    obs = np.zeros((k, k))
    for i in coders:
        for j in coders:
            if i == j:
                continue
            for s1, e1, v1 in secs[i]:
                for s2, e2, v2 in secs[j]:
                    overlap = min(e1, e2) - max(s1, s2)
                    if overlap > 0:
                        obs[idx[v1], idx[v2]] += overlap / (m - 1)
    total = m * length
    margins = obs.sum(axis=1)
    self_pairs = np.zeros(k)
    for c in coders:
        for s, e, v in secs[c]:
            self_pairs[idx[v]] += (e - s) if v is None else (e - s) ** 2
    exp = total * (np.outer(margins, margins) - np.diag(self_pairs)) / (total**2 - self_pairs.sum())
    out = {}
    de = total - np.trace(exp)
    out["u"] = None if de <= 1e-9 or margins[1:].sum() == 0 else 1 - (total - np.trace(obs)) / de
    # cu: valued sections only; a unit's block is the share of it other coders' units cover.
    ov = obs[1:, 1:]
    cu_total = ov.sum()
    if cu_total > 0 and k > 2:
        sp = np.zeros(k - 1)
        for i in coders:
            for s1, e1, v1 in secs[i]:
                if v1 is None:
                    continue
                w = 0.0
                for j in coders:
                    if j != i:
                        w += sum(
                            max(0, min(e1, e2) - max(s1, s2))
                            for s2, e2, v2 in secs[j]
                            if v2 is not None
                        )
                sp[idx[v1] - 1] += (w / (m - 1)) ** 2
        mv = ov.sum(axis=1)
        ev = cu_total * (np.outer(mv, mv) - np.diag(sp)) / (cu_total**2 - sp.sum())
        de_cu = cu_total - np.trace(ev)
        out["cu"] = None if de_cu <= 1e-9 else 1 - (cu_total - np.trace(ov)) / de_cu
    return out


@SETTINGS
@given(case=span_sets(disjoint=True, values=("x", "y", "z")))
def test_unitized_2016_matches_naive_definition(case) -> None:
    spans, length = case
    ours = unitized_alpha(spans, length)
    naive = naive_2016(spans, length)
    if naive["u"] is None:
        assert ours.u_alpha.value is None
    else:
        assert ours.u_alpha.value == pytest.approx(naive["u"], abs=1e-9)
    if naive.get("cu") is not None:
        assert ours.cu_alpha.value == pytest.approx(naive["cu"], abs=1e-9)


@SETTINGS
@given(case=span_sets(disjoint=True, max_coders=2))
def test_unitized_binary_reduces_to_character_alpha_plus_block_correction(case) -> None:
    # With one value, u_alpha and |u_alpha coincide (they compare the same two classes).
    spans, length = case
    ours = unitized_alpha(spans, length)
    if ours.u_alpha.value is not None and ours.binary_u_alpha.value is not None:
        assert ours.u_alpha.value == pytest.approx(ours.binary_u_alpha.value, abs=1e-9)


def naive_2004_observed(spans: dict, begin: int, length: int, category) -> float:
    coders = list(spans)
    m = len(coders)
    secs = {
        c: naive_sections(
            [(s - begin, e - begin, v) for s, e, v in spans[c] if v == category], length
        )
        for c in coders
    }
    total = 0.0
    for a in range(m):
        for b in range(m):
            if a == b:
                continue
            for s1, e1, v1 in secs[coders[a]]:
                for s2, e2, v2 in secs[coders[b]]:
                    if min(e1, e2) <= max(s1, s2):
                        continue  # not overlapping
                    if v1 is not None and v2 is not None:
                        total += (s1 - s2) ** 2 + (e1 - e2) ** 2
                    elif v1 is not None and s2 <= s1 and e1 <= e2:
                        total += (e1 - s1) ** 2  # g is a unit inside j's gap h
                    elif v2 is not None and s1 <= s2 and e2 <= e1:
                        total += (e2 - s2) ** 2  # g is a gap holding j's unit h
    return total / (m * (m - 1) * length**2)


@SETTINGS
@given(case=span_sets(disjoint=True, values=("c", "k")), begin=st.integers(0, 100))
def test_unitized_2004_observed_matches_pair_enumeration(case, begin) -> None:
    spans, length = case
    shifted = {c: [(s + begin, e + begin, v) for s, e, v in units] for c, units in spans.items()}
    ours = unitized_alpha_2004(shifted, begin, length)
    for category, result in ours.categories.items():
        assert result.observed == pytest.approx(
            naive_2004_observed(shifted, begin, length, category), abs=1e-12
        )
