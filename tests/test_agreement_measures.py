"""coder.agreement measures: published worked examples, hand-computed cases, degenerate data.

The worked examples live in ``../shared/agreement/vectors.json`` (beside the repository);
every vector there must pass to its stated tolerance.  The tests skip cleanly when the
file is absent.  The hand-computed checks below need no file.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from coder.agreement import (
    AgreementDataError,
    AgreementResult,
    bootstrap_alpha,
    char_agreement,
    cohen_kappa,
    contingency_table,
    fleiss_category_kappas,
    fleiss_kappa,
    holsti,
    krippendorff_alpha,
    merge_spans,
    percent_agreement,
    scott_pi,
    sweep,
    unitized_alpha,
    unitized_alpha_2004,
)
from coder.agreement import measures as measures_module
from coder.errors import CoderError

VECTORS_PATH = Path(__file__).parents[1].parent / "shared/agreement/vectors.json"


def _load_vectors() -> list[dict]:
    if not VECTORS_PATH.exists():
        return []
    return json.loads(VECTORS_PATH.read_text(encoding="utf-8"))["vectors"]


VECTORS = _load_vectors()
VECTOR_PARAMS = [pytest.param(v, id=v["name"]) for v in VECTORS] or [
    pytest.param(None, marks=pytest.mark.skip(reason=f"{VECTORS_PATH} is absent"))
]


def close(actual: float | None, expected: float, tol: float) -> bool:
    return actual is not None and abs(actual - expected) <= tol


def expand_table(table: list[list[int]]) -> list[list[int]]:
    """Two coders' rows whose cross-tabulation is ``table``."""
    a, b = [], []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [i] * count
            b += [j] * count
    return [a, b]


def raters_to_counts(matrix: list[list[int]]) -> np.ndarray:
    """Subjects x raters category codes -> subjects x categories counts."""
    cats = sorted({v for row in matrix for v in row})
    return np.array([[row.count(c) for c in cats] for row in matrix])


# --------------------------------------------------------------------------------------
# Published worked examples (vectors.json)
# --------------------------------------------------------------------------------------


def check_krippendorff(v: dict) -> None:
    level = v["level"].split()[0]
    matrix = v["data"]["matrix"]
    tol = v["tolerance"]
    exp = v["expected"]
    result = krippendorff_alpha(matrix, level)
    assert close(result.value, exp["alpha"], tol), result
    for key, value in exp.items():
        if key.startswith("exact") and isinstance(value, float):
            assert close(result.value, value, tol), (key, result)
    if "D_o" in exp:
        assert close(result.observed, exp["D_o"], tol)
        assert close(result.expected, exp["D_e"], tol)
    if "percent_agreement" in exp:
        assert close(percent_agreement(matrix).value, exp["percent_agreement"], tol)
    kappa_key = "cohen_kappa(computed, not published)"
    if kappa_key in exp:
        table, _ = contingency_table(matrix[0], matrix[1])
        assert close(cohen_kappa(table).value, exp[kappa_key], tol)


def check_cohen(v: dict) -> None:
    tol = v["tolerance"]
    exp = v["expected"]
    table = v["data"].get("table_rows_coderA_cols_coderB") or v["data"]["table"]
    if "kappa" in exp:
        result = cohen_kappa(table)
        assert close(result.value, exp["kappa"], tol), result
        if "p_o" in exp:
            assert close(result.observed, exp["p_o"], tol)
            assert close(result.expected, exp["p_e"], tol)
    if "kappa_linear" in exp:
        assert close(cohen_kappa(table, "linear").value, exp["kappa_linear"], tol)
    if "kappa_quadratic" in exp:
        assert close(cohen_kappa(table, "quadratic").value, exp["kappa_quadratic"], tol)
    if "scott_pi" in exp:
        assert close(scott_pi(table).value, exp["scott_pi"], tol)
    extra = v.get("extra_computed", {})
    if "scott_pi" in extra:
        assert close(scott_pi(table).value, extra["scott_pi"], tol)
    if "krippendorff_alpha_nominal" in extra:
        alpha = krippendorff_alpha(expand_table(table), "nominal").value
        assert close(alpha, extra["krippendorff_alpha_nominal"], tol)


def check_fleiss(v: dict) -> None:
    counts = raters_to_counts(v["data"]["matrix"])
    tol = v["tolerance"]
    exp = v["expected"]
    result = fleiss_kappa(counts)
    assert close(result.value, exp["kappa"], tol["kappa"]), result
    # P-bar and P-bar_e are published to 4 decimals; the vector gives no tolerance for
    # them, so they are held to the per-category tolerance.
    assert close(result.observed, exp["P_bar"], tol["per_category"])
    assert close(result.expected, exp["P_e"], tol["per_category"])
    per_category = fleiss_category_kappas(counts)
    assert len(per_category) == len(exp["kappa_per_category"])
    for got, want in zip(per_category, exp["kappa_per_category"]):
        assert close(got.value, want, tol["per_category"]), (got, want)
    for key, value in v.get("extra_computed", {}).items():
        if key.startswith("krippendorff_alpha_nominal"):
            # The matrix is subjects x raters; alpha wants raters x subjects.
            alpha = krippendorff_alpha(np.array(v["data"]["matrix"]).T, "nominal").value
            assert close(alpha, value, 1e-9)


def check_nvivo(v: dict) -> None:
    data = v["data"]
    extra = v["extra_computed"]
    # The help text gives only the totals; the split of the 150 one-coder characters is
    # the vector's stated assumption (A alone 100, B alone 50).
    a_only, b_only = 100, 50
    assert a_only + b_only == data["one_only"]
    both = data["both"]
    spans = {
        "A": [(0, both + a_only)],
        "B": [(0, both), (both + a_only, both + a_only + b_only)],
    }
    result = char_agreement(sweep(spans, data["chars_total"]))
    assert result.covered_by == (data["neither"], data["one_only"], both)
    assert close(result.percent_agreement.value, v["expected"]["percent_agreement"], v["tolerance"])
    assert close(result.kappa.value, extra["kappa_nvivo_formula"], 1e-9)
    assert close(result.kappa.value, extra["kappa_sklearn"], 1e-9)


def check_holsti(v: dict) -> None:
    d = v["data"]
    assert close(holsti(d["M"], d["N1"], d["N2"]).value, v["expected"]["CR"], v["tolerance"])


def check_unitizing_2004(v: dict) -> None:
    d = v["data"]
    tol = v["tolerance"]
    spans: dict[int, list] = {}
    for coder, begin, length, category in d["units (coder, begin, length, category)"]:
        spans.setdefault(coder, []).append((begin, begin + length, category))
    result = unitized_alpha_2004(spans, d["continuum_begin"], d["continuum_length"])
    for category, exp in v["expected"].items():
        if not isinstance(exp, dict):
            continue
        got = result.categories[category]
        assert close(got.observed, exp["D_o"], tol["D"]), (category, got)
        assert close(got.expected, exp["D_e"], tol["D"]), (category, got)
        assert close(got.value, exp["alpha"], tol["c_alpha"]), (category, got)
    assert close(
        result.overall.value, v["expected"]["overall_dkpro(1-sumDo/sumDe)"], tol["overall"]
    )


def check_unitized_2016(v: dict) -> None:
    d = v["data"]
    tol = v["tolerance"]
    exp = v["expected"]
    spans = {coder: [tuple(s) for s in units] for coder, units in d["coders"].items()}
    result = unitized_alpha(spans, d["L"])
    assert close(result.u_alpha.value, exp["u_alpha"], tol), result.u_alpha
    assert close(result.binary_u_alpha.value, exp["binary_u_alpha"], tol), result.binary_u_alpha
    assert close(result.cu_alpha.value, exp["cu_alpha"], tol), result.cu_alpha
    for value, want in exp["k_u_alpha"].items():
        assert close(result.k_u_alpha[value].value, want, tol), (value, result.k_u_alpha[value])


CHECKS = {
    "krippendorff_alpha": check_krippendorff,
    "cohen_kappa": check_cohen,
    "cohen_kappa / scott_pi": check_cohen,
    "fleiss_kappa": check_fleiss,
    "percent_agreement (character level, per node per source)": check_nvivo,
    "holsti_cr": check_holsti,
    "unitizing_alpha_2004 (_u alpha per category, positional squared-distance version)": check_unitizing_2004,
    "u_alpha, |u_alpha (binary), cu_alpha, (k)u_alpha": check_unitized_2016,
}


@pytest.mark.parametrize("vector", VECTOR_PARAMS)
def test_published_vector(vector: dict) -> None:
    check = CHECKS.get(vector["measure"])
    assert check is not None, f"no check for measure {vector['measure']!r}: add one"
    check(vector)


# --------------------------------------------------------------------------------------
# Hand-computed cases (no file needed)
# --------------------------------------------------------------------------------------


def test_alpha_hand_computed_two_coders() -> None:
    # Values 1: three times, 2: five times; one unit in four disagrees.
    # alpha = 1 - (n-1) * sum_{c!=k} o_ck / sum_{c!=k} n_c n_k = 1 - 7 * 2 / 30 = 8/15.
    result = krippendorff_alpha([[1, 1, 2, 2], [1, 2, 2, 2]])
    assert result.value == pytest.approx(8 / 15, abs=1e-12)
    assert result.observed == pytest.approx(2 / 8)
    assert result.expected == pytest.approx(30 / 56)
    assert (result.n_units, result.n_values) == (4, 8)


def test_alpha_drops_unpairable_units() -> None:
    base = krippendorff_alpha([[1, 1, 2, 2], [1, 2, 2, 2]])
    # A fifth unit with a single value cannot be paired and changes nothing.
    with_lone = krippendorff_alpha([[1, 1, 2, 2, 3], [1, 2, 2, 2, None]])
    assert with_lone.value == pytest.approx(base.value, abs=1e-12)
    assert with_lone.n_units == 4


def test_alpha_labels_equal_numbers_for_nominal() -> None:
    numbers = [[0, 1, 0, None, 2, 2], [0, 1, 1, 2, 2, None], [0, None, 1, 2, 2, 1]]
    labels = [[None if v is None else "abc"[v] for v in row] for row in numbers]
    assert krippendorff_alpha(labels).value == pytest.approx(
        krippendorff_alpha(numbers).value, abs=1e-12
    )


def test_fast_and_general_nominal_paths_agree() -> None:
    rng = np.random.default_rng(4)
    data = rng.integers(0, 4, size=(3, 500)).astype(float)
    data[rng.random(data.shape) < 0.2] = np.nan
    fast = measures_module._nominal_fast(data)
    general = measures_module._alpha_from_codes(measures_module._factorize(data), "nominal")
    assert fast is not None
    assert fast.value == pytest.approx(general.value, abs=1e-12)
    assert (fast.n_units, fast.n_values) == (general.n_units, general.n_values)


def test_fast_path_declines_values_missing_from_its_sample() -> None:
    # One rare value far from the sampled ones: the counts would not add up, so the fast
    # path must hand over to the general one rather than give a wrong alpha.
    data = np.zeros((2, 10_000))
    data[1, ::2] = 1
    data[0, 5001] = 7.5
    assert measures_module._nominal_fast(data) is None
    general = measures_module._alpha_from_codes(measures_module._factorize(data), "nominal")
    assert krippendorff_alpha(data).value == pytest.approx(general.value, abs=1e-12)


def test_percent_agreement_is_pairwise_mean_over_units() -> None:
    # Unit 1: 3 of 3 pairs agree; unit 2: 1 of 3; unit 3: two values, agree; unit 4: lone.
    data = [[1, 1, 2, 3], [1, 1, 2, None], [1, 2, None, None]]
    result = percent_agreement(data)
    assert result.value == pytest.approx((1 + 1 / 3 + 1) / 3)
    assert result.n_units == 3


def test_cohen_kappa_hand_computed() -> None:
    # p_o = (30 + 40) / 100; p_e = 0.5 * 0.4 + 0.5 * 0.6 = 0.5; kappa = 0.4.
    table = [[30, 20], [10, 40]]
    result = cohen_kappa(table)
    assert result.value == pytest.approx(0.4)
    assert (result.observed, result.expected) == (pytest.approx(0.7), pytest.approx(0.5))
    # Two categories: linear and quadratic weights both reduce to unweighted kappa.
    assert cohen_kappa(table, "linear").value == pytest.approx(0.4)
    assert cohen_kappa(table, "quadratic").value == pytest.approx(0.4)


def test_scott_pi_hand_computed() -> None:
    # pooled proportions (0.45, 0.55): p_e = 0.505; pi = (0.7 - 0.505) / 0.495.
    assert scott_pi([[30, 20], [10, 40]]).value == pytest.approx(0.195 / 0.495)


def test_weighted_kappa_penalises_far_disagreements_less() -> None:
    near = [[10, 5, 0], [5, 10, 5], [0, 5, 10]]
    assert (
        cohen_kappa(near, "quadratic").value
        > cohen_kappa(near, "linear").value
        > cohen_kappa(near).value
    )


def test_fleiss_hand_computed() -> None:
    # Three raters, two units: (3, 0) and (1, 2).  P_1 = 1, P_2 = 1/3, P-bar = 2/3;
    # p = (4/6, 2/6), P_e = 5/9; kappa = (2/3 - 5/9) / (4/9) = 1/4.
    result = fleiss_kappa([[3, 0], [1, 2]])
    assert result.value == pytest.approx(0.25)
    assert result.observed == pytest.approx(2 / 3)
    assert result.expected == pytest.approx(5 / 9)


def test_holsti_hand_computed() -> None:
    assert holsti(3, 4, 6).value == pytest.approx(0.6)


def test_contingency_table_skips_missing() -> None:
    table, labels = contingency_table(["a", "b", None, "a"], ["a", "a", "b", float("nan")])
    assert labels == ["a", "b"]
    assert table.tolist() == [[1, 0], [1, 0]]


def test_unitized_hand_computed() -> None:
    # L = 8, A marks [0, 4), B marks [2, 6).  Observed: o_xx = 4, o_x0 = o_0x = 4,
    # o_00 = 4.  Expected: units count l^2 (16 + 16), gaps their length (4 + 4), so
    # e_xx = 16 (64 - 32) / 216 and e_00 = 16 (64 - 8) / 216; u_alpha = 1 - 8 / (16 -
    # e_xx - e_00) = 5/32.  With a single value |u_alpha is the same.
    result = unitized_alpha({"A": [(0, 4, "x")], "B": [(2, 6, "x")]}, 8)
    assert result.u_alpha.value == pytest.approx(5 / 32, abs=1e-12)
    assert result.binary_u_alpha.value == pytest.approx(5 / 32, abs=1e-12)
    assert result.observed_coincidences.tolist() == [[4, 4], [4, 4]]
    assert result.cu_alpha.value is None  # one value only: nothing to disagree about
    assert "variation" in result.cu_alpha.reason


def test_unitized_identical_coders_agree_perfectly() -> None:
    spans = {
        "A": [(1, 4, "x"), (6, 9, "y")],
        "B": [(1, 4, "x"), (6, 9, "y")],
        "C": [(1, 4, "x"), (6, 9, "y")],
    }
    result = unitized_alpha(spans, 12)
    assert result.u_alpha.value == pytest.approx(1.0)
    assert result.binary_u_alpha.value == pytest.approx(1.0)
    assert result.cu_alpha.value == pytest.approx(1.0)
    assert {v: r.value for v, r in result.k_u_alpha.items()} == {
        "x": pytest.approx(1.0),
        "y": pytest.approx(1.0),
    }


def test_unitized_2004_hand_computed() -> None:
    # Two coders, continuum [0, 10), one category.  A marks [2, 5), B marks [3, 5):
    # D_o = 2 * ((2-3)^2 + (5-5)^2) / (2 * 1 * 100) = 0.01.
    # D_e (Krippendorff 2004): units 3 and 2, N_c = 2; gaps A: 2, 5; B: 3, 5.
    # unit 3: (1/3)(54 - 27 + 3) + 9 * ((3-3+1) + (5-3+1) * 2) = 10 + 63 = 73
    # unit 2: (1/3)(16 - 12 + 2) + 4 * ((2-2+1) + (3-2+1) + (5-2+1) * 2) = 2 + 44 = 46
    # D_e = (2/10) * 119 / (20 * 19 - (6 + 2)) = 23.8 / 372.
    result = unitized_alpha_2004({"A": [(2, 5, "c")], "B": [(3, 5, "c")]}, 0, 10)
    got = result.categories["c"]
    assert got.observed == pytest.approx(0.01)
    assert got.expected == pytest.approx(23.8 / 372)
    assert got.value == pytest.approx(1 - 0.01 / (23.8 / 372))


def test_unitized_2004_unit_inside_gap_costs_its_length_squared() -> None:
    # A marks [2, 5); B marks nothing, so A's unit lies in B's gap: delta^2 = 9.
    result = unitized_alpha_2004({"A": [(2, 5, "c")], "B": []}, 0, 10)
    assert result.categories["c"].observed == pytest.approx(2 * 9 / (2 * 100))


def test_sweep_intervals_and_splits() -> None:
    cov = sweep({"A": [(0, 10), (5, 12)], "B": [(8, 20)]}, 25, coders=["A", "B", "C"])
    assert cov.bounds.tolist() == [0, 8, 12, 20, 25]
    assert cov.counts.tolist() == [1, 2, 1, 0]
    assert cov.covered_by().tolist() == [5, 16, 4, 0]
    splits = cov.splits()
    assert [(s.start, s.end, s.coders_with, s.coders_without) for s in splits] == [
        (0, 8, ("A",), ("B", "C")),
        (8, 12, ("A", "B"), ("C",)),
        (12, 20, ("B",), ("A", "C")),
    ]


def test_merge_spans() -> None:
    merged = merge_spans([(5, 7, "x"), (0, 3), (3, 4), (6, 9), (10, 10)])
    assert merged.tolist() == [[0, 4], [5, 9]]


def test_char_agreement_pools_documents() -> None:
    doc1 = sweep({"A": [(0, 5)], "B": [(0, 5)]}, 10)
    doc2 = sweep({"A": [(0, 3)], "B": [(2, 6)]}, 10)
    pooled = char_agreement([doc1, doc2])
    joined = char_agreement(sweep({"A": [(0, 5), (10, 13)], "B": [(0, 5), (12, 16)]}, 20))
    assert pooled.covered_by == joined.covered_by
    assert pooled.alpha.value == pytest.approx(joined.alpha.value)
    assert pooled.kappa.value == pytest.approx(joined.kappa.value)


def test_char_agreement_uses_fleiss_for_three_coders() -> None:
    result = char_agreement(sweep({"A": [(0, 5)], "B": [(0, 4)], "C": [(1, 5)]}, 10))
    assert result.kappa.measure.startswith("fleiss_kappa")
    counts = [[3, 0]] * 5 + [[1, 2]] * 2 + [[0, 3]] * 3  # characters 5-9, 0 and 4, 1-3
    assert result.kappa.value == pytest.approx(fleiss_kappa(counts).value)
    assert result.table is None


# --------------------------------------------------------------------------------------
# Degenerate data: defined results, never a crash, never a silent 1.0
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, reason",
    [
        ([[1, 2, 3]], "fewer than two coders"),
        ([], "fewer than two coders"),
        ([[1, None], [None, 2]], "no unit has values"),
        ([[3, 3, 3], [3, 3, None]], "no variation"),
        ([["a", "a"], ["a", "a"]], "no variation"),
    ],
)
def test_alpha_degenerate(data: list, reason: str) -> None:
    for level in (
        ("nominal", "interval") if not (data and isinstance(data[0][0], str)) else ("nominal",)
    ):
        result = krippendorff_alpha(data, level)
        assert result.value is None
        assert reason in result.reason
        assert not result.defined
        assert "undefined" in str(result)


def test_percent_agreement_degenerate() -> None:
    assert percent_agreement([[1, 2]]).value is None
    assert (
        percent_agreement([[1, None], [None, 1]]).reason
        == "no unit has values from two or more coders"
    )


def test_tables_degenerate() -> None:
    assert cohen_kappa([[0, 0], [0, 0]]).reason == "the table is empty"
    single = cohen_kappa([[5, 0], [0, 0]])
    assert single.value is None and "single category" in single.reason
    assert scott_pi([[5, 0], [0, 0]]).value is None
    assert fleiss_kappa([[3, 0], [3, 0]]).value is None
    assert fleiss_kappa([[1, 0], [0, 1]]).reason == "fewer than two ratings per unit"
    per_category = fleiss_category_kappas([[2, 0, 1], [1, 0, 2]])
    assert per_category[1].value is None and per_category[1].reason == "category never used"
    assert holsti(0, 0, 0).value is None


def test_char_agreement_degenerate() -> None:
    unused = char_agreement(sweep({"A": [], "B": []}, 100))
    for result in (unused.alpha, unused.percent_agreement, unused.kappa):
        assert result.value is None and result.reason == "no coder applied the code"
    alone = char_agreement(sweep({"A": [(0, 5)]}, 10))
    assert alone.alpha.reason == "fewer than two coders"
    everything = char_agreement(sweep({"A": [(0, 10)], "B": [(0, 10)]}, 10))
    assert everything.alpha.value is None and "every character" in everything.alpha.reason
    empty = char_agreement(sweep({"A": [], "B": []}, 0))
    assert empty.alpha.reason == "the text is empty"
    # Identical coders on a code used somewhere: perfect agreement, a real 1.0.
    same = char_agreement(sweep({"A": [(2, 5)], "B": [(2, 5)]}, 10))
    assert same.alpha.value == pytest.approx(1.0)


def test_unitized_degenerate() -> None:
    nobody = unitized_alpha({"A": [], "B": []}, 50)
    assert nobody.u_alpha.reason == "no coder marked any unit"
    assert nobody.binary_u_alpha.value is None and nobody.cu_alpha.value is None
    alone = unitized_alpha({"A": [(0, 5, "x")]}, 50)
    assert alone.u_alpha.reason == "fewer than two coders"
    whole = unitized_alpha({"A": [(0, 50, "x")], "B": [(0, 50, "x")]}, 50)
    assert whole.binary_u_alpha.value is None and "no gaps" in whole.binary_u_alpha.reason
    apart = unitized_alpha({"A": [(0, 5, "x")], "B": [(10, 15, "y")]}, 50)
    assert apart.cu_alpha.value is None and "overlaps" in apart.cu_alpha.reason
    assert apart.u_alpha.value is not None
    empty = unitized_alpha({"A": [], "B": []}, 0)
    assert empty.u_alpha.reason == "the continuum is empty"
    assert unitized_alpha_2004({"A": [], "B": []}, 0, 10).overall.value is None


def test_coder_list_counts_silent_coders() -> None:
    with_silent = char_agreement(sweep({"A": [(0, 5)], "B": [(0, 5)]}, 10, coders=["A", "B", "C"]))
    assert with_silent.covered_by == (5, 0, 5, 0)
    assert with_silent.alpha.value < 1.0
    u = unitized_alpha({"A": [(0, 5, "x")], "B": [(0, 5, "x")]}, 10, coders=["A", "B", "C"])
    assert u.u_alpha.value < 1.0


# --------------------------------------------------------------------------------------
# Bad input raises a CoderError with a one-line message
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: krippendorff_alpha([[1, 2], [1]]),
        lambda: krippendorff_alpha([["a", "b"], ["a", "c"]], "interval"),
        lambda: krippendorff_alpha([[1, 2], [1, 2]], "cardinal"),
        lambda: krippendorff_alpha([[-1, 2], [1, 2]], "ratio"),
        lambda: cohen_kappa([[1, 2, 3], [4, 5, 6]]),
        lambda: cohen_kappa([[1, 2], [3, 4]], "cubic"),
        lambda: fleiss_kappa([[2, 1], [1, 1]]),
        lambda: holsti(5, 3, 4),
        lambda: unitized_alpha({"A": [(0, 5, "x"), (3, 8, "y")], "B": []}, 10),
        lambda: unitized_alpha({"A": [(0, 12, "x")], "B": []}, 10),
        lambda: unitized_alpha({"A": [(0.5, 2, "x")], "B": []}, 10),
        lambda: unitized_alpha({"A": [(None, 2, "x")], "B": []}, 10),
        lambda: unitized_alpha({"A": [(0, 2)], "B": []}, 10),
        lambda: unitized_alpha_2004({"A": [(0, 5, "c"), (4, 6, "c")], "B": []}, 0, 10),
        lambda: sweep({"A": [(0, 12)]}, 10),
        lambda: sweep({"A": [(5, 2)]}, 10),
        lambda: sweep({"A": [(0, 2)]}, 10, coders=["B", "C"]),
        lambda: char_agreement([sweep({"A": []}, 5), sweep({"B": []}, 5)]),
        lambda: bootstrap_alpha([[1, 2], [1, 2]], n=0),
    ],
)
def test_bad_input_raises(call) -> None:
    with pytest.raises(CoderError) as info:
        call()
    assert isinstance(info.value, AgreementDataError)
    assert "\n" not in str(info.value)


def test_unitized_2004_allows_overlap_across_categories() -> None:
    result = unitized_alpha_2004(
        {"A": [(0, 5, "c"), (3, 8, "k")], "B": [(0, 5, "c"), (3, 8, "k")]}, 0, 10
    )
    assert result.categories["c"].value == pytest.approx(1.0)
    assert result.categories["k"].value == pytest.approx(1.0)


# --------------------------------------------------------------------------------------
# Bootstrap
# --------------------------------------------------------------------------------------


def _sample_data(seed: int = 2, units: int = 300) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 4, units)
    data = np.vstack(
        [np.where(rng.random(units) < 0.75, truth, rng.integers(0, 4, units)) for _ in range(3)]
    )
    data = data.astype(float)
    data[rng.random(data.shape) < 0.1] = np.nan
    return data


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_bootstrap_brackets_estimate_and_is_reproducible(level: str) -> None:
    data = _sample_data()
    first = bootstrap_alpha(data, level, n=400, seed=5)
    again = bootstrap_alpha(data, level, n=400, seed=5)
    other = bootstrap_alpha(data, level, n=400, seed=6)
    assert first.estimate.value == pytest.approx(krippendorff_alpha(data, level).value)
    assert first.low < first.estimate.value < first.high
    assert first.high - first.low < 0.3
    assert np.array_equal(first.samples, again.samples)
    assert not np.array_equal(first.samples, other.samples)
    assert first.n_undefined == 0 and len(first.samples) == 400
    assert first.p_below(first.low) == pytest.approx(0.025, abs=0.01)
    assert first.p_below(-1.0) == 0.0


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_bootstrap_unit_sums_reproduce_alpha_of_resampled_units(level: str) -> None:
    data = _sample_data(seed=9, units=60)
    c = measures_module._factorize(data)
    pair = (c.codes >= 0).sum(axis=0) >= 2
    s, finish = measures_module._unit_stats(c, level)
    rng = np.random.default_rng(1)
    for _ in range(5):
        weights = rng.multinomial(int(pair.sum()), np.full(int(pair.sum()), 1 / pair.sum()))
        resampled = np.repeat(data[:, pair], weights, axis=1)
        expected = krippendorff_alpha(resampled, level).value
        assert finish(weights[None, :].astype(float) @ s)[0] == pytest.approx(expected, abs=1e-9)


def test_bootstrap_without_dense_sums(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(measures_module, "_DENSE_LIMIT", 0)
    data = _sample_data(units=120)
    result = bootstrap_alpha(data, "nominal", n=60, seed=3)
    assert result.low < result.estimate.value < result.high


def test_bootstrap_of_undefined_alpha() -> None:
    result = bootstrap_alpha([[1, 1], [1, 1]], n=10, seed=1)
    assert result.estimate.value is None
    assert result.low is None and result.high is None
    assert result.p_below(0.8) is None


def test_result_str() -> None:
    assert str(AgreementResult("x", 0.5, n_units=3)) == "x = 0.5000 (n = 3)"
