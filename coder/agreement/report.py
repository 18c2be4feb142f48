"""The inter-coder reliability report: a table per code, pooled figures, groups, notes.

:func:`agreement_report` builds the reliability data for a unit (see
:mod:`coder.agreement.units`), runs the measures of :mod:`coder.agreement.measures`,
:mod:`~coder.agreement.sweep` and :mod:`~coder.agreement.unitized`, and returns an
:class:`AgreementReport` that prints as a plain-text table fit for a paper's appendix
(:meth:`AgreementReport.format_text`) and exports as JSON or CSV.

What each unit reports (per code; each code is a binary variable):

- ``turn`` / ``sentence`` / ``document``: nominal Krippendorff's alpha over the coders x
  units data, D_o and D_e, Cohen's kappa (two coders) or Fleiss' kappa (three or more),
  pairwise percent agreement; bootstrap CI resampling units.
- ``character``: the same coefficients with every character of the documents a unit,
  computed from span boundaries by the sweep; bootstrap CI resampling documents (the
  characters of a document are not independent draws).
- ``span``: MAXQDA-style segment matching at an overlap threshold (counts and percent
  agreement) and Krippendorff et al.'s (2016) binary unitizing alpha ``|u_alpha`` per
  code (with one value, ``u_alpha`` equals ``|u_alpha``); per exclusive group ``u_alpha``
  and ``cu_alpha`` over the group's codes.

The pooled row is Krippendorff's alpha on the stacked binary data: every code's units
side by side as one variable (so frequent codes weigh more).
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import CoderError
from ..outputs import output_file
from ..project import Project
from . import units as U
from .measures import (
    AgreementResult,
    bootstrap_alpha,
    cohen_kappa,
    fleiss_kappa,
    fleiss_weighted,
    krippendorff_alpha,
    percent_agreement,
)

RELIABLE = 0.800
TENTATIVE = 0.667
MIN_BOOTSTRAP = 200
"""Fewer replicates are refused: a 95 % percentile interval rests on its 2.5 % tails, which
200 replicates put at the 5th and 195th value; with 1 or 50 the "interval" is noise."""
ADVISED_BOOTSTRAP = 1000
"""Below this many replicates the report notes that the interval's ends still move with the
seed (in the second decimal); 1,000 is the usual figure for a paper."""
THRESHOLD_NOTE = (
    "Krippendorff (2004, p. 241): rely on variables with alpha >= .800; "
    "alpha >= .667 only for tentative conclusions; below .667 do not rely on the data."
)
UNIT_NAMES = {
    "turn": "turns",
    "sentence": "sentences",
    "document": "documents",
    "character": "characters",
    "span": "segments",
}


@dataclass
class Row:
    """One line of the report: a code, an exclusive group, or the pooled variable."""

    kind: str  # code | group | pooled
    id: str
    name: str
    n: int = 0  # units (characters, checked segments) entering the measure
    coded: list[int] = field(default_factory=list)  # per coder: units / characters / segments
    observed: float | None = None  # D_o
    expected: float | None = None  # D_e
    alpha: float | None = None
    alpha_measure: str = ""
    kappa: float | None = None
    kappa_measure: str = ""
    percent: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    reason: str | None = None  # why alpha is undefined (or a caveat)
    extra: dict = field(default_factory=dict)

    @property
    def flag(self) -> str:
        """``"< .667"`` / ``"< .800"`` against Krippendorff's thresholds, else empty."""
        if self.alpha is None:
            return ""
        if self.alpha < TENTATIVE:
            return "< .667"
        if self.alpha < RELIABLE:
            return "< .800"
        return ""

    def as_dict(self, coders: list[str]) -> dict:
        """JSON/CSV-ready form (coded units keyed by coder)."""
        out = {k: v for k, v in self.__dict__.items() if k not in ("coded", "extra")}
        out["coded"] = dict(zip(coders, self.coded))
        out["flag"] = self.flag
        out.update(self.extra)
        return out


@dataclass
class AgreementReport:
    """Everything :func:`agreement_report` computed, with what it was computed on."""

    unit: str
    coders: list[str]
    documents: list[int]
    scope: str
    measures: list[str]
    rows: list[Row]
    pooled: Row | None
    groups: list[Row]
    n_units: int
    notes: list[str] = field(default_factory=list)
    overlap: float | None = None
    bootstrap: int = 0
    seed: int | None = None

    def as_dict(self) -> dict:
        """JSON-ready form."""
        return {
            "unit": self.unit,
            "coders": self.coders,
            "documents": self.documents,
            "scope": self.scope,
            "n_units": self.n_units,
            "measures": self.measures,
            "overlap": self.overlap,
            "bootstrap": self.bootstrap,
            "seed": self.seed,
            "thresholds": {"reliable": RELIABLE, "tentative": TENTATIVE},
            "codes": [r.as_dict(self.coders) for r in self.rows],
            "pooled": self.pooled.as_dict(self.coders) if self.pooled else None,
            "groups": [r.as_dict(self.coders) for r in self.groups],
            "notes": self.notes,
        }

    def to_json(self) -> str:
        """The report as indented JSON."""
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2)

    def write_csv(self, path: str | Path) -> None:
        """One row per code, group and the pooled variable (coders' counts as columns)."""
        rows = [*self.rows, *self.groups, *([self.pooled] if self.pooled else [])]
        fields = [
            "unit",
            "kind",
            "id",
            "name",
            "n",
            *[f"coded_{c}" for c in self.coders],
            "observed",
            "expected",
            "alpha",
            "alpha_measure",
            "kappa",
            "kappa_measure",
            "percent",
            "ci_low",
            "ci_high",
            "flag",
            "reason",
        ]
        extras = sorted({k for r in rows for k in r.extra})
        with output_file(path) as temp, open(temp, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fields + extras)
            writer.writeheader()
            for row in rows:
                record = {
                    "unit": self.unit,
                    **{k: getattr(row, k) for k in fields if hasattr(row, k) and k != "flag"},
                }
                record.update({f"coded_{c}": n for c, n in zip(self.coders, row.coded)})
                record["flag"] = row.flag
                record.update(row.extra)
                writer.writerow(record)

    def format_text(self, width: int = 100) -> str:
        """The report as plain monospaced text (for a terminal or a paper's appendix)."""
        return _format(self, width)


# -- building ----------------------------------------------------------------------------


def agreement_report(
    project: Project,
    coders: list[str],
    unit: str = "turn",
    *,
    codes: list[str] | None = None,
    docs: str | list[int] | None = None,
    overlap: float = 0.9,
    bootstrap: int = 0,
    seed: int | None = None,
    confidence: float = 0.95,
    where: list[str] | None = None,
    include_excluded: bool = False,
    scope: U.AgreementScope | None = None,
) -> AgreementReport:
    """Inter-coder agreement of ``coders`` at ``unit`` (see the module docstring).

    ``codes`` limits the codes (default: the current codebook plus retired codes used);
    ``docs`` is ``"reliability"``, ``"all"``, a list of ids or ``None`` (the reliability
    sample if there is one, else all documents every coder coded); ``scope``, a scope
    already chosen (:func:`coder.agreement.units.select_documents`, perhaps narrowed to
    the documents coded blind), replaces ``docs``, ``where`` and ``include_excluded``, so
    the report describes the documents as that scope does.  ``overlap`` is the segment
    matching threshold for ``unit="span"``.  ``bootstrap`` > 0 adds percentile
    confidence intervals from that many replicates (at least :data:`MIN_BOOTSTRAP`; a note
    below :data:`ADVISED_BOOTSTRAP`); ``seed`` makes them reproducible, and without one a
    seed is chosen at random, recorded in ``seed`` and named in a note, so the intervals
    can be had again.  The span unit has no bootstrap: a note says so and ``bootstrap``
    is recorded as 0.
    """
    if unit not in U.UNITS:
        raise CoderError(f"unknown unit {unit!r} (use {', '.join(U.UNITS)})")
    if bootstrap < 0:
        raise CoderError("bootstrap must be 0 or more replicates", option="bootstrap")
    if 0 < bootstrap < MIN_BOOTSTRAP:
        raise CoderError(
            f"bootstrap needs at least {MIN_BOOTSTRAP} replicates, not {bootstrap}: the ends "
            f"of a 95% interval from fewer are noise ({ADVISED_BOOTSTRAP:,} is usual for a paper)",
            option="bootstrap")
    notes: list[str] = []
    if bootstrap and unit == "span":
        notes.append(f"no confidence intervals ({bootstrap} bootstrap replicates were asked): "
                     "the span unit's unitizing alpha is computed over one continuum of all the "
                     "documents and coder has no bootstrap for it")
        bootstrap, seed = 0, None
    if bootstrap and seed is None:
        import secrets

        seed = secrets.randbelow(10**6)
        notes.append(f"bootstrap seed {seed} chosen at random (no seed was given); the same "
                     "seed gives the same intervals again")
    if 0 < bootstrap < ADVISED_BOOTSTRAP:
        notes.append(f"only {bootstrap} bootstrap replicates: the interval's ends still move "
                     f"with the seed; {ADVISED_BOOTSTRAP:,} or more are usual for a paper")
    if scope is None:
        scope = U.select_documents(project, coders,
                                   U.parse_docs(docs) if docs is not None else "auto",
                                   where=where, include_excluded=include_excluded)
    code_ids = U.select_codes(project, scope, codes)
    names = dict(project.db.execute("SELECT id, name FROM codes").fetchall())
    spans = U.load_spans(project, scope, code_ids)
    if unit in U.PREDEFINED:
        report = _predefined(
            project, scope, code_ids, names, spans, unit, bootstrap, seed, confidence
        )
    elif unit == "character":
        report = _character(project, scope, code_ids, names, spans, bootstrap, seed, confidence)
    else:
        report = _span(project, scope, code_ids, names, spans, overlap)
    report.bootstrap, report.seed = bootstrap, seed
    report.notes = scope.notes + report.notes + notes
    for row in report.rows:
        used = [c for c, k in zip(scope.coders, row.coded) if k]
        if not used:
            # Nobody used it: every unit is an agreed "not coded", so the percent would be
            # 100 (or 1.0), a figure about nothing; it has no coefficient at all.
            row.reason = "nobody used this code"
            row.alpha = row.kappa = row.percent = None
        elif len(used) == 1:
            row.extra["only"] = used[0]
            row.reason = row.reason or f"only {used[0]} used this code"
    return report


def _kappa(data: np.ndarray) -> AgreementResult:
    """Cohen's kappa (two coders) or Fleiss' kappa (more) for complete integer nominal data."""
    m = data.shape[0]
    values, inverse = np.unique(data, return_inverse=True)
    codes = inverse.reshape(data.shape)
    v = len(values)
    if m == 2:
        table = np.bincount(codes[0] * v + codes[1], minlength=v * v).reshape(v, v)
        return cohen_kappa(table)
    counts = np.stack([(codes == j).sum(axis=0) for j in range(v)], axis=1)
    return fleiss_kappa(counts)


def _binary_agreement(data: np.ndarray) -> tuple[AgreementResult, AgreementResult]:
    """Kappa and percent agreement for complete binary data (coders x units of 0/1).

    Both depend only on how many units k coders coded, for k = 0..m, so the units are
    counted by k first: Cohen's kappa from the 2 x 2 table (two coders) or Fleiss' kappa
    with each k a weighted row (three or more), and the mean share of agreeing pairs.
    """
    m, n = data.shape
    k = data.sum(axis=0, dtype=np.int64)
    hist = np.bincount(k, minlength=m + 1).astype(np.float64)
    kk = np.arange(m + 1, dtype=np.float64)
    share = (kk * (kk - 1) + (m - kk) * (m - kk - 1)) / (m * (m - 1))
    value = float((hist * share).sum() / n)
    percent = AgreementResult("percent_agreement", value, observed=value, n_units=n)
    if m == 2:
        a, b = data[0].astype(bool), data[1].astype(bool)
        both, only_a, only_b = int((a & b).sum()), int((a & ~b).sum()), int((~a & b).sum())
        kappa = cohen_kappa([[both, only_a], [only_b, n - both - only_a - only_b]])
    else:
        kappa = fleiss_weighted(np.column_stack([m - kk, kk]), hist, m, "fleiss_kappa")
    return kappa, percent


def _fill(row: Row, data: np.ndarray, bootstrap: int, seed: int | None, confidence: float,
          *, binary: bool = True) -> Row:
    alpha = krippendorff_alpha(data, "nominal")
    row.n = data.shape[1]
    row.observed, row.expected = alpha.observed, alpha.expected
    row.alpha, row.alpha_measure = alpha.value, alpha.measure
    row.reason = alpha.reason
    if not data.shape[1]:
        kappa = percent = AgreementResult("kappa", None, "no units")
    elif binary:
        kappa, percent = _binary_agreement(data)
    else:
        kappa, percent = _kappa(data), percent_agreement(data)
    row.kappa, row.kappa_measure = kappa.value, kappa.measure
    row.percent = percent.value
    if bootstrap and alpha.value is not None:
        boot = bootstrap_alpha(data, "nominal", n=bootstrap, seed=seed, confidence=confidence)
        row.ci_low, row.ci_high = boot.low, boot.high
    return row


def _predefined(project, scope, code_ids, names, spans, unit, bootstrap, seed, confidence):
    data = U.reliability_data(project, scope, code_ids, unit, spans=spans)
    rows = []
    for code in code_ids:
        matrix = data.data[code]
        row = Row("code", code, names.get(code, code), coded=[int(x) for x in matrix.sum(axis=1)])
        rows.append(_fill(row, matrix, bootstrap, seed, confidence))
    pooled = None
    used = [r.id for r in rows if any(r.coded)]
    if used:
        pooled = _pooled_binary(data, used, bootstrap, seed, confidence)
    groups = []
    for group_id, labels in data.groups.items():
        members = data.group_members[group_id]
        row = Row(
            "group",
            group_id,
            " | ".join(members),
            coded=[int((labels[i] != 0).sum()) for i in range(labels.shape[0])],
        )
        _fill(row, labels, bootstrap, seed, confidence, binary=False)
        if data.group_overlaps[group_id]:
            row.extra["multiple_codes"] = data.group_overlaps[group_id]
            row.reason = (row.reason or "") + (
                f"{data.group_overlaps[group_id]} coder-unit values had two codes of the group "
                "(counted as a combined value)"
            )
        groups.append(row)
    what = UNIT_NAMES[unit]
    measures = [
        "Krippendorff's alpha, nominal, each code a binary variable (coded / not coded)",
        "kappa: Cohen's (2 coders) or Fleiss' (3+ coders); %: mean pairwise percent agreement",
        f"a {unit} counts as coded when a live annotation of the code overlaps it by >= 1 character"
        if unit != "document"
        else "a document counts as coded when it has any live annotation of the code",
        f"pooled: Krippendorff's alpha on the stacked binary data of the {len(used)} codes "
        "any coder used (their units side by side as one variable)"
        + ("; its CI resamples units with all their codes" if bootstrap else ""),
    ]
    if unit == "sentence":
        measures.append(
            "sentences: rule-based splitter inside turns (coder.corpus.segment.split_sentences)"
        )
    if groups:
        measures.append(
            'exclusive groups: nominal alpha over the group (value = the code present, or "none")'
        )
    if bootstrap:
        measures.append(
            f"CI: {bootstrap} bootstrap replicates resampling {what} "
            f"(seed {seed}), percentile interval"
        )
    return AgreementReport(
        unit,
        scope.coders,
        scope.documents,
        scope.description,
        measures,
        rows,
        pooled,
        groups,
        n_units=len(data.units),
    )


def _char_alphas(covered: np.ndarray, m: int) -> np.ndarray:
    """Nominal alpha of complete binary data from rows of "units coded by exactly j coders".

    For complete binary data alpha depends only on that histogram (j = 0..m): with
    n = m N values, n1 of them 1, and o01 = sum_j h_j j (m - j) / (m - 1) the off-diagonal
    coincidences, alpha = 1 - (n - 1) o01 / (n0 n1).  Used for characters (from the
    sweep) and for the pooled variable (summed over codes).  NaN where undefined.
    """
    k = np.arange(m + 1, dtype=np.float64)
    cov = np.atleast_2d(covered).astype(np.float64)
    length = cov.sum(axis=1)
    n = m * length
    n1 = (cov * k).sum(axis=1)
    n0 = n - n1
    o01 = (cov * k * (m - k)).sum(axis=1) / (m - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((n0 > 0) & (n1 > 0), 1.0 - (n - 1.0) * o01 / (n0 * n1), np.nan)


def _cluster_bootstrap(per_cluster: np.ndarray, m: int, n_boot: int, seed: int | None,
                       confidence: float) -> tuple[float | None, float | None]:
    """Percentile CI of binary alpha, resampling clusters (documents, or units with all
    their codes) with replacement; ``per_cluster`` holds each cluster's histogram."""
    n_clusters = per_cluster.shape[0]
    rng = np.random.default_rng(seed)
    probabilities = np.full(n_clusters, 1.0 / n_clusters)
    chunk = max(1, 4_000_000 // max(n_clusters, 1))
    alphas = np.empty(n_boot)
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        weights = rng.multinomial(n_clusters, probabilities, size=b)
        alphas[start:start + b] = _char_alphas(weights @ per_cluster, m)
    ok = alphas[~np.isnan(alphas)]
    if not ok.size:
        return None, None
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(ok, [tail, 1.0 - tail])
    return float(low), float(high)


def _pooled_binary(data: U.ReliabilityData, code_ids: list[str], bootstrap: int,
                   seed: int | None, confidence: float) -> Row:
    """The pooled row: alpha on the stacked binary data, without stacking it.

    Every code's units side by side form one binary variable; its alpha, kappa and
    percent agreement follow from how many (unit, code) pairs exactly j coders coded
    (plus, for Cohen's kappa, the summed 2 x 2 tables).  The CI resamples units with all
    their codes (codes coded on the same unit are not independent).
    """
    m, n = len(data.scope.coders), len(data.units)
    per_unit = np.zeros((n, m + 1), dtype=np.int64)
    coded = np.zeros(m, dtype=np.int64)
    table = np.zeros((2, 2), dtype=np.int64)
    rows = np.arange(n)
    for code in code_ids:
        matrix = data.data[code]
        k = matrix.sum(axis=0, dtype=np.int64)
        per_unit[rows, k] += 1
        coded += matrix.sum(axis=1, dtype=np.int64)
        if m == 2:
            a, b = matrix[0].astype(bool), matrix[1].astype(bool)
            table += [[int((a & b).sum()), int((a & ~b).sum())],
                      [int((~a & b).sum()), int((~a & ~b).sum())]]
    hist = per_unit.sum(axis=0).astype(np.float64)
    total = int(hist.sum())
    row = Row("pooled", "ALL", "pooled (stacked)", n=total, coded=[int(x) for x in coded])
    value = float(_char_alphas(hist, m)[0])
    kk = np.arange(m + 1, dtype=np.float64)
    values = m * total
    n1 = float((hist * kk).sum())
    o01 = float((hist * kk * (m - kk)).sum()) / (m - 1)
    row.alpha_measure = "krippendorff_alpha (nominal, stacked codes)"
    if total and values > 1:
        row.observed = 2.0 * o01 / values
        row.expected = 2.0 * (values - n1) * n1 / (values * (values - 1.0))
    if np.isnan(value):
        row.reason = "no variation: no code was used, or every code everywhere"
    else:
        row.alpha = value
    if total:
        share = (kk * (kk - 1) + (m - kk) * (m - kk - 1)) / (m * (m - 1))
        row.percent = float((hist * share).sum() / total)
        kappa = (cohen_kappa(table) if m == 2
                 else fleiss_weighted(np.column_stack([m - kk, kk]), hist, m, "fleiss_kappa"))
        row.kappa, row.kappa_measure = kappa.value, kappa.measure
    if bootstrap and row.alpha is not None:
        row.ci_low, row.ci_high = _cluster_bootstrap(per_unit, m, bootstrap, seed, confidence)
    return row


def _character(project, scope, code_ids, names, spans, bootstrap, seed, confidence):
    from .sweep import char_agreement

    cont = U.continuum(project, scope.documents)
    covs = U.coverages(spans, scope, cont, code_ids)
    m = len(scope.coders)
    rows, per_doc_all = [], {}
    for code in code_ids:
        cov = covs[code]
        result = char_agreement(cov)
        coded = [int(_merged(x).sum()) for x in cont.shifted(spans.get(code, {}), m)]
        row = Row(
            "code",
            code,
            names.get(code, code),
            n=result.length,
            coded=coded,
            observed=result.alpha.observed,
            expected=result.alpha.expected,
            alpha=result.alpha.value,
            alpha_measure=result.alpha.measure,
            kappa=result.kappa.value,
            kappa_measure=result.kappa.measure,
            percent=result.percent_agreement.value,
            reason=result.alpha.reason,
        )
        row.extra["covered_by"] = list(result.covered_by)
        per_doc = U.per_document_covered(cov, cont.offsets) if bootstrap else None
        if bootstrap and row.alpha is not None:
            row.ci_low, row.ci_high = _cluster_bootstrap(per_doc, m, bootstrap, seed, confidence)
        per_doc_all[code] = per_doc
        rows.append(row)
    pooled = None
    used = [r.id for r in rows if any(r.coded)]
    if used:
        result = char_agreement([covs[c] for c in used])
        pooled = Row(
            "pooled",
            "ALL",
            "pooled (stacked)",
            n=result.length,
            coded=[sum(r.coded[i] for r in rows if r.id in used) for i in range(m)],
            observed=result.alpha.observed,
            expected=result.alpha.expected,
            alpha=result.alpha.value,
            alpha_measure=result.alpha.measure,
            kappa=result.kappa.value,
            kappa_measure=result.kappa.measure,
            percent=result.percent_agreement.value,
            reason=result.alpha.reason,
        )
        if bootstrap and pooled.alpha is not None:
            pooled.ci_low, pooled.ci_high = _cluster_bootstrap(
                np.sum([per_doc_all[c] for c in used], axis=0), m, bootstrap, seed, confidence
            )
    measures = [
        "character-level Krippendorff's alpha, nominal: every character of the documents' text "
        "a unit, each code a binary variable (from span boundaries by a sweep)",
        "kappa: Cohen's (2 coders) or Fleiss' (3+ coders) over characters; %: mean pairwise "
        "percent agreement over characters (NVivo's convention)",
        f"pooled: character-level alpha on the stacked binary data of the {len(used)} codes "
        "any coder used (their characters side by side)",
        "exclusive groups are reported at the turn, sentence, document and span units",
    ]
    if bootstrap:
        measures.append(
            f"CI: {bootstrap} bootstrap replicates resampling documents "
            f"(seed {seed}), percentile interval"
        )
    return AgreementReport(
        "character",
        scope.coders,
        scope.documents,
        scope.description,
        measures,
        rows,
        pooled,
        [],
        n_units=cont.length,
    )


def _merged(spans: np.ndarray) -> np.ndarray:
    from .sweep import merge_spans

    merged = merge_spans(spans)
    return merged[:, 1] - merged[:, 0] if len(merged) else np.zeros(0, np.int64)


def _span(project, scope, code_ids, names, spans, overlap):
    from .sweep import merge_spans
    from .unitized import unitized_alpha

    cont = U.continuum(project, scope.documents)
    matches = U.match_segments(spans, scope.coders, overlap)
    m = len(scope.coders)
    rows = []
    shifted_by_code = {}
    for code in code_ids:
        match = matches[code]
        shifted = [merge_spans(x) for x in cont.shifted(spans.get(code, {}), m)]
        shifted_by_code[code] = shifted
        units = {c: [(int(s), int(e), code) for s, e in x] for c, x in zip(scope.coders, shifted)}
        ua = unitized_alpha(units, cont.length, scope.coders).binary_u_alpha
        row = Row(
            "code",
            code,
            names.get(code, code),
            n=match.total,
            coded=list(match.segments),
            observed=ua.observed,
            expected=ua.expected,
            alpha=ua.value,
            alpha_measure="|u_alpha (Krippendorff et al. 2016, binary unitizing)",
            percent=match.percent,
            reason=ua.reason,
        )
        row.extra.update(
            agreements=match.agreements,
            disagreements=match.disagreements,
            pairs={k: {"agree": a, "disagree": d} for k, (a, d) in match.pairs.items()},
        )
        rows.append(row)
    total_agree = sum(matches[c].agreements for c in code_ids)
    total = sum(matches[c].total for c in code_ids)
    used = [c for c in code_ids if matches[c].total]
    pooled = Row(
        "pooled",
        "ALL",
        "pooled (all segments)",
        n=total,
        coded=[sum(matches[c].segments[i] for c in code_ids) for i in range(m)],
        percent=total_agree / total if total else None,
    )
    pooled.extra.update(agreements=total_agree, disagreements=total - total_agree)
    if total and len(used) >= 2:
        p_o, p_c = total_agree / total, 1.0 / len(used)
        pooled.kappa = (p_o - p_c) / (1.0 - p_c)
        pooled.kappa_measure = f"Brennan & Prediger kappa_n (chance = 1/{len(used)} codes used)"
    else:
        pooled.reason = "kappa_n needs segments of at least two codes"
    groups = []
    for group_id, members in U.code_groups(project, code_ids).items():
        units = {c: [] for c in scope.coders}
        for code in members:
            for c, x in zip(scope.coders, shifted_by_code[code]):
                units[c].extend((int(s), int(e), code) for s, e in x)
        row = Row(
            "group", group_id, " | ".join(members), coded=[len(units[c]) for c in scope.coders]
        )
        try:
            family = unitized_alpha(units, cont.length, scope.coders)
        except Exception as exc:  # noqa: BLE001 - overlapping units of one group: say why
            row.reason = f"not computed: {exc}"
        else:
            u, cu = family.u_alpha, family.cu_alpha
            row.n = cont.length
            row.observed, row.expected = u.observed, u.expected
            row.alpha, row.alpha_measure, row.reason = u.value, "u_alpha (2016)", u.reason
            row.kappa, row.kappa_measure = cu.value, "cu_alpha (2016)"
            row.extra["cu_alpha"] = cu.value
            row.extra["cu_alpha_reason"] = cu.reason
            row.extra["cu_coverage"] = family.coverage
        groups.append(row)
    measures = [
        f"segment matching (MAXQDA style): a segment agrees when another coder has a segment of "
        f"the same code in the same document overlapping it by >= {overlap:.0%} "
        "(overlap = intersection length / union length); every segment of every coder is "
        "checked against every other coder; % = agreeing / checked segments",
        "|uα column: Krippendorff et al.'s (2016) binary unitizing alpha |u_alpha per code "
        "(units vs gaps, each coder's overlapping spans of the code merged), the documents laid "
        "end to end as one continuum",
        "pooled: % over all codes' segments and, in the κn column, Brennan & Prediger's "
        "kappa_n with chance 1/k (k = codes with segments), as MAXQDA reports it (segment "
        "matching has no 'neither coded' cell, so per code there is no kappa)",
    ]
    if groups:
        measures.append(
            "exclusive groups: u_alpha over the group's codes in the |uα column, "
            "cu_alpha (agreement on the code where units overlap) in the κn column"
        )
    report = AgreementReport(
        "span",
        scope.coders,
        scope.documents,
        scope.description,
        measures,
        rows,
        pooled,
        groups,
        n_units=total,
    )
    report.overlap = overlap
    return report


# -- text --------------------------------------------------------------------------------


def _num(value: float | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:.{digits}f}"
    return text.replace("0.", ".", 1) if text.startswith(("0.", "-0.")) else text


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}"


def _format(report: AgreementReport, width: int) -> str:
    coders = report.coders
    lines = [
        f"Inter-coder reliability, unit: {report.unit}"
        + (f" (overlap >= {report.overlap:g})" if report.overlap is not None else "")
    ]
    lines.append(f"Coders ({len(coders)}): {', '.join(coders)}")
    lines.append(f"Documents ({len(report.documents)}): {report.scope}")
    lines.append(
        f"Units: {report.n_units:,} {UNIT_NAMES[report.unit]}"
        + (" checked" if report.unit == "span" else "")
    )
    lines.append("")
    # For span the columns hold other measures: say which in the header itself.
    alpha_head, kappa_head = ("|uα", "κn") if report.unit == "span" else ("α", "κ")
    every = [*report.rows, *report.groups, *([report.pooled] if report.pooled else [])]
    name_w = max([4] + [len(r.name) for r in every])
    name_w = min(name_w, 28)
    code_w = max([4] + [len(r.id) for r in [*report.rows, *report.groups]])
    coder_w = [max(len(c), 5) for c in coders]
    head = (
        f"{'Code':<{code_w}}  {'Name':<{name_w}}  {'n':>8}  "
        + "  ".join(f"{c:>{w}}" for c, w in zip(coders, coder_w))
        + f"  {'D_o':>6}  {'D_e':>6}  {alpha_head:>6}  {kappa_head:>6}  {'%':>5}"
    )
    has_ci = any(
        r.ci_low is not None
        for r in [*report.rows, *report.groups, *([report.pooled] if report.pooled else [])]
    )
    if has_ci:
        head += f"  {'95% CI':<13}"
    head += "  flag"
    lines.append(head)
    lines.append("-" * min(len(head) + 8, max(width, len(head))))
    footnotes: list[str] = []

    def line(row: Row) -> str:
        name = row.name if len(row.name) <= name_w else row.name[: name_w - 1] + "…"
        text = (
            f"{row.id:<{code_w}}  {name:<{name_w}}  {row.n:>8,}  "
            + "  ".join(f"{n:>{w},}" for n, w in zip(row.coded, coder_w))
            + f"  {_num(row.observed):>6}  {_num(row.expected):>6}  {_num(row.alpha):>6}"
            f"  {_num(row.kappa):>6}  {_pct(row.percent):>5}"
        )
        if has_ci:
            ci = (
                f"[{_num(row.ci_low, 2)}, {_num(row.ci_high, 2)}]" if row.ci_low is not None else ""
            )
            text += f"  {ci:<13}"
        flag = row.flag
        if row.reason:
            footnotes.append(f"{row.id}: {row.reason}")
            flag = (flag + f" [{len(footnotes)}]").strip()
        return text + ("  " + flag if flag else "")

    # Codes (and groups) nobody used have no coefficient: one line names them all, so a
    # large codebook does not bury the codes that were used.
    unused = [r.id for r in report.rows if not any(r.coded)]
    for row in report.rows:
        if any(row.coded):
            lines.append(line(row))
    if report.pooled:
        lines.append("-" * min(len(head) + 8, max(width, len(head))))
        lines.append(line(report.pooled))
    used_groups = [r for r in report.groups if any(r.coded)]
    if used_groups:
        lines.append("")
        lines.append("Exclusive groups")
        for row in used_groups:
            lines.append(line(row))
    lines.append("")
    if unused:
        lines.append(f"Not used by any of these coders ({len(unused)} codes, no coefficient): "
                     + ", ".join(unused))
    unused_groups = [r.id for r in report.groups if not any(r.coded)]
    if unused_groups:
        lines.append(f"Exclusive groups none of whose codes was used: {', '.join(unused_groups)}")
    low = [r.id for r in report.rows if r.alpha is not None and r.alpha < TENTATIVE]
    mid = [r.id for r in report.rows if r.alpha is not None and TENTATIVE <= r.alpha < RELIABLE]
    good = [r.id for r in report.rows if r.alpha is not None and r.alpha >= RELIABLE]
    lines.append(
        f"alpha >= .800: {len(good)} codes; .667-.800: {len(mid)} ({', '.join(mid) or '-'}); "
        f"< .667: {len(low)} ({', '.join(low) or '-'})"
    )
    lines.append("")
    lines.append(
        "Columns: n = units in the measure; one column per coder = "
        + {"span": "segments coded", "character": "characters coded"}.get(
            report.unit, f"{UNIT_NAMES[report.unit]} coded"
        )
        + f"; D_o, D_e = observed and expected disagreement; {alpha_head}, {kappa_head}, % as below."
    )
    for text in report.measures:
        lines.append(f"- {text}")
    lines.append(f"- {THRESHOLD_NOTE}")
    for note in report.notes:
        lines.append(f"- {note}")
    if footnotes:
        lines.append("")
        for i, text in enumerate(footnotes, 1):
            lines.append(f"[{i}] {text}")
    return "\n".join(lines)
