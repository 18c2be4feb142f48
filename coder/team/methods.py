"""A ready-to-paste methods paragraph and table for a reliability study (``agreement --methods``).

Everything in it is read from the project, not typed by hand: the coders, how the
reliability sample was drawn (the ``reliability_sample`` setting that ``coder sample``
stores: size, strata, seed), the unit of analysis and how it was segmented, whether each
coder's codings were made blind (from the ``reveal`` events: :mod:`coder.team.blind`),
whether suggestions were visible (the sample's setting, and whether any accepted
suggestion is among the codings), the codebook version, and the agreement report with
bootstrap confidence intervals per code and pooled, against Krippendorff's thresholds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..agreement.report import RELIABLE, TENTATIVE, THRESHOLD_NOTE, UNIT_NAMES, agreement_report
from ..agreement.units import AgreementScope, coded_by, parse_docs, select_documents
from ..errors import CoderError
from ..project import Project
from ..wording import count_of, first_few
from .blind import blind_documents, blind_record
from .sample import reliability_documents

SEGMENTATION = {
    "turn": "speaker turns as transcribed (a new turn at each speaker label), each a unit",
    "sentence": "sentences inside turns, split by the rule-based segmenter of "
                "coder.corpus.segment (punctuation, abbreviations and numbers handled)",
    "document": "whole documents",
    "character": "characters (Unicode code points) of the transcript text",
    "span": "the coders' own segments, matched when their intersection over union reaches the "
            "overlap threshold",
}


def agreement_documents(project: Project, coders: list[str], docs: str | list[int] | None,
                        *, blind_only: bool = False,
                        **selection) -> tuple[AgreementScope, dict, list[int]]:
    """The documents to compute agreement on and the blind record over them.

    Returns ``(scope for agreement_report, blind record, documents left out as not
    blind)``.  The record covers every document of the scope chosen by ``docs``; with
    ``blind_only`` the scope keeps the documents on which every coder coded blind, and
    its description and notes say what was left out and why (it stays the same scope,
    a reliability sample or documents chosen by id, not a new list of ids).
    ``selection`` (``where``, ``include_excluded``) narrows the documents as for agreement.
    """
    scope = select_documents(project, coders, parse_docs(docs), **selection)
    record = blind_record(project, coders, scope.documents)
    if not blind_only:
        return scope, record, []
    kept = blind_documents(record, coders, scope.documents)
    if not kept:
        raise CoderError("no document was coded blind by all of " + ", ".join(coders)
                         + " (see the blind column of `coder agreement`)")
    left_out = [d for d in scope.documents if d not in kept]
    if left_out:
        who = ", ".join(f"#{d}: {', '.join(_not_blind(record, coders, d))}" for d in left_out)
        every = "both coders" if len(coders) == 2 else f"all {len(coders)} coders"
        scope = dataclasses.replace(
            scope, documents=kept,
            description=f"{scope.description}; of these, the {len(kept)} coded blind by {every}",
            notes=[*scope.notes,
                   f"left out as not coded blind by every coder (another coder's work was "
                   f"revealed to them there before their last change): {who}"])
    return scope, record, left_out


def _not_blind(record: dict, coders: list[str], document: int) -> list[str]:
    return [c for c in coders if not record.get((document, c), {"blind": True})["blind"]]


@dataclass(frozen=True)
class BlindCount:
    """One coder's documents coded blind and not blind."""

    blind: int
    not_blind: int


@dataclass(frozen=True)
class BlindSummary:
    """The blind-coding record over a set of documents (see :func:`blind_summary`).

    ``documents`` has one row per document: ``document_id`` and, per coder name, whether
    that coder's work there was blind (a row, as printed in JSON).
    """

    coders: dict[str, BlindCount]
    pairs: int
    blind: int
    all_blind: bool
    documents: list[dict]

    def not_blind(self) -> list[tuple[int, list[str]]]:
        """Each document where some coder was not blind, with those coders."""
        found = []
        for row in self.documents:
            who = [name for name in self.coders if not row[name]]
            if who:
                found.append((row["document_id"], who))
        return found


def blind_summary(record: dict, coders: list[str], documents: list[int]) -> BlindSummary:
    """Counts of the record over ``documents``: per coder blind / not blind, and in all."""
    def was_blind(document: int, coder: str) -> bool:
        return record.get((document, coder), {"blind": True})["blind"]

    per = {c: BlindCount(blind=sum(was_blind(d, c) for d in documents),
                         not_blind=sum(not was_blind(d, c) for d in documents)) for c in coders}
    pairs = len(documents) * len(coders)
    blind = sum(v.blind for v in per.values())
    return BlindSummary(coders=per, pairs=pairs, blind=blind, all_blind=blind == pairs,
                        documents=[{"document_id": d, **{c: was_blind(d, c) for c in coders}}
                                   for d in documents])


def methods_report(project: Project, coders: list[str], unit: str = "turn", *,
                   docs: str | list[int] | None = None, codes: list[str] | None = None,
                   bootstrap: int = 1000, seed: int | None = 1, blind_only: bool = False,
                   overlap: float = 0.9, **selection) -> dict:
    """Everything the methods paragraph states, as one JSON-ready dict.

    Besides the agreement report: ``rule`` (how the documents were chosen: reliability,
    all, listed), ``not_coded_by_all`` (sampled documents not yet coded by every coder),
    ``left_out_by_selection`` (sampled documents coded by all but left out by the
    attribute filter or as excluded from analyses), ``left_out_not_blind`` (with
    ``blind_only``: documents some coder did not code blind, and
    ``left_out_not_blind_detail`` who), ``absent`` (documents chosen by id: per coder
    the ones where they have no codings, counted as coding nothing there) and ``blind``,
    the blind record over the documents counted.
    """
    scope, record, left_out = agreement_documents(project, coders, docs, blind_only=blind_only,
                                                  **selection)
    report = agreement_report(project, coders, unit, codes=codes, scope=scope, overlap=overlap,
                              bootstrap=bootstrap, seed=seed)
    sample = project.setting("reliability_sample") or None
    counted = set(report.documents)
    used = [r for (document, _), r in record.items()
            if document in counted and r["suggestions_used"]]
    blind = blind_summary(record, coders, report.documents)
    documents = project.db.execute("SELECT count(*) FROM documents").fetchone()[0]
    selection_left: list[int] = []
    if scope.rule == "reliability":
        seen = counted | set(left_out) | set(scope.left_out)
        selection_left = [d for d in reliability_documents(project, scope.coder_ids)
                          if d not in seen]
    absent: dict[str, list[int]] = {}
    if scope.rule == "listed":
        for name, coder_id in zip(coders, scope.coder_ids):
            done = coded_by(project, coder_id)
            missing = [d for d in report.documents if d not in done]
            if missing:
                absent[name] = missing
    return {
        "coders": coders,
        "documents_in_project": documents,
        "sample": None if not isinstance(sample, dict) else {
            "size": sample.get("size"), "n": sample.get("n"), "stratify": sample.get("stratify"),
            "seed": sample.get("seed"), "blind_suggestions": bool(sample.get("blind_suggestions"))},
        "rule": scope.rule,
        "documents": report.documents,
        "not_coded_by_all": list(scope.left_out),
        "left_out_by_selection": selection_left,
        "left_out_not_blind": left_out,
        "left_out_not_blind_detail": [{"document_id": d, "coders": _not_blind(record, coders, d)}
                                      for d in left_out],
        "absent": absent,
        "unit": unit, "units": report.n_units, "segmentation": SEGMENTATION.get(unit, unit),
        "overlap": overlap if unit == "span" else None,
        "blind": dataclasses.asdict(blind),
        "suggestions": {"hidden_by_sample": bool(isinstance(sample, dict)
                                                 and sample.get("blind_suggestions")),
                        "accepted_in_sample": len(used)},
        "codebook_version": project.setting("codebook_version"),
        "agreement": report.as_dict(),
        "thresholds": {"reliable": RELIABLE, "tentative": TENTATIVE, "note": THRESHOLD_NOTE},
    }


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}".replace("0.", ".", 1) if value >= 0 \
        else f"{value:.3f}".replace("-0.", "−.", 1)


def _interval(row: dict) -> str:
    # Brackets, as APA writes intervals: a dash between two numbers reads as a minus
    # when the lower bound is negative ("−.208–.670").
    return f"[{_num(row.get('ci_low'))}, {_num(row.get('ci_high'))}]"


def _and(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else "".join(items)


def _ids(documents: list[int]) -> str:
    return first_few((f"#{d}" for d in documents), 12)


def _is(n: int) -> str:
    return "is" if n == 1 else "are"


def format_methods(info: dict) -> str:
    """The methods paragraph, then a Markdown table of the measures per code and pooled.

    Every sentence says what the record shows about the documents counted: how they were
    chosen, which were left out and why (each reason once), whether coding was blind on
    them, and what the measures of the unit are.
    """
    coders = info["coders"]
    agreement = info["agreement"]
    sample = info["sample"] if info.get("rule", "reliability") == "reliability" else None
    rule = info.get("rule", "reliability")
    names = _and(coders)
    counted = info["documents"]
    not_blind = info.get("left_out_not_blind") or []
    considered = len(counted) + len(not_blind)    # before the blind-only cut
    if rule == "listed":
        chosen = sorted([*counted, *not_blind])
        text = (f"Agreement among {len(coders)} coders ({names}) was computed on "
                f"{count_of(considered, 'document')} chosen by id ({_ids(chosen)})")
        for name, missing in (info.get("absent") or {}).items():
            text += (f"; {name} has no codings in {'document' if len(missing) == 1 else 'documents'} "
                     f"{_ids(missing)} and is counted as coding nothing there")
    else:
        # "Independently" only where the record bears it out: no reveal before a change.
        independently = " independently" if info["blind"]["all_blind"] and not not_blind else ""
        text = (f"{len(coders)} coders ({names}) coded the same "
                f"{count_of(considered, 'document')}{independently}")
        if sample:
            strata = f", stratified by {sample['stratify']} with proportional allocation" \
                if sample.get("stratify") else ""
            text += (f" from a random reliability sample of {sample['n']} of the project's "
                     f"{info['documents_in_project']} documents (size {sample['size']}{strata}; "
                     f"seed {sample['seed']}, drawn with `coder sample`)")
            missing = info.get("not_coded_by_all") or []
            if missing:
                text += (f"; {count_of(len(missing), 'sampled document')} not (yet) coded by "
                         f"every coder {_is(len(missing))} not counted")
            narrowed = info.get("left_out_by_selection") or []
            if narrowed:
                text += (f"; {count_of(len(narrowed), 'sampled document')} "
                         f"{_is(len(narrowed))} left out by the document selection (an "
                         "attribute filter, or excluded from analyses)")
        elif rule == "all":
            text += " (every document all of them coded)"
    text += ". "
    if not_blind:
        detail = info.get("left_out_not_blind_detail") or []
        revealed: dict[str, list[int]] = {}
        for row in detail:
            for name in row["coders"]:
                revealed.setdefault(name, []).append(row["document_id"])
        to_whom = _and([f"{name} ({_ids(docs)})" if len(not_blind) > 1 else name
                        for name, docs in revealed.items()])
        text += (f"{count_of(len(not_blind), 'document').capitalize()} ({_ids(not_blind)}) "
                 f"{_is(len(not_blind))} left out because "
                 f"{'it was' if len(not_blind) == 1 else 'they were'} not coded blind by every "
                 f"coder: the event log records another coder's work revealed to {to_whom} "
                 "there before their last change. Agreement is computed on the remaining "
                 f"{count_of(len(counted), 'document')}. ")
    blind = info["blind"]
    these = "the remaining documents" if not_blind else (
        "this document" if len(counted) == 1 else "these documents")
    if blind["all_blind"]:
        text += (f"Coding was blind: on {these} the event log records no reveal of another "
                 "coder's work to any coder before their last change there. ")
    else:
        text += (f"Coding was blind for {blind['blind']} of {blind['pairs']} coder-document pairs "
                 "(the event log shows another coder's work revealed before later changes in "
                 f"the other {blind['pairs'] - blind['blind']}). ")
    suggestions = info["suggestions"]
    text += ("Rule-based suggestions were hidden from the coders during the sample. "
             if suggestions["hidden_by_sample"] else
             "Rule-based suggestions were visible to the coders"
             + (f" ({suggestions['accepted_in_sample']} coder-document pairs include accepted "
                "suggestions). " if suggestions["accepted_in_sample"] else ". "))
    unit = info["unit"]
    span = unit == "span"
    if span:
        overlap = info.get("overlap")
        if overlap is None:
            overlap = agreement.get("overlap")
        text += (f"The unit of analysis is the coder's segment ({info['units']:,} segments "
                 "checked): a segment agrees when another coder has a segment of the same code "
                 "in the same document whose overlap (intersection over union) reaches "
                 f"{overlap:g}. Per code, the table gives the percent of segments that agree and "
                 "Krippendorff, Mathet, Bouvry and Widlöcher's (2016) binary unitizing alpha "
                 "(|uα: coded stretches against gaps, each coder's overlapping segments of the "
                 "code merged, the documents laid end to end as one continuum); the pooled row "
                 "gives the percent over all segments and Brennan and Prediger's (1981) κn "
                 "with chance 1/k (k: codes with segments), as MAXQDA reports it. ")
    else:
        per = "character" if unit == "character" else "unit"
        text += (f"The unit of analysis is the {unit} ({info['units']:,} {UNIT_NAMES[unit]}: "
                 f"{info['segmentation']}); each code is a binary variable per {per} "
                 "(coded or not by each coder). ")
    if info["codebook_version"]:
        text += f"Codebook version {info['codebook_version']}. "
    pooled = agreement.get("pooled") or {}
    boot = agreement.get("bootstrap")
    if pooled.get("alpha") is not None:
        ci = (f" (95% CI {_interval(pooled)}, "
              f"{boot} bootstrap replicates, seed {agreement.get('seed')})"
              if pooled.get("ci_low") is not None else "")
        text += f"Pooled Krippendorff's alpha (nominal) was {_num(pooled['alpha'])}{ci}. "
    if span:
        if pooled.get("percent") is not None:
            kappa = (f" (κn = {_num(pooled['kappa'])})" if pooled.get("kappa") is not None
                     else "")
            text += (f"Over all segments, {100 * pooled['percent']:.1f}% agree{kappa}. ")
        text += "No bootstrap confidence intervals are given for |uα. "
    rows = [r for r in agreement["codes"] if any(r["coded"].values())]
    alpha = "|uα" if span else "alpha"
    good = sum(1 for r in rows if r["alpha"] is not None and r["alpha"] >= RELIABLE)
    mid = sum(1 for r in rows if r["alpha"] is not None and TENTATIVE <= r["alpha"] < RELIABLE)
    text += (f"Of {count_of(len(rows), 'code')} used, {good} reach{'es' if good == 1 else ''} "
             f"{alpha} ≥ .800 and {mid} lie{'s' if mid == 1 else ''} between .667 and .800; "
             "following Krippendorff (2004), conclusions rest on codes at ≥ .800, and those "
             "between .667 and .800 only tentatively.")
    kappa = "Cohen's κ" if len(coders) == 2 else "Fleiss' κ"
    if span:
        # (a bare | would end the Markdown cell)
        lines = [text, "", "| Code | segments | \\|uα | κn | % agreement |",
                 "|---|---:|---:|---:|---:|"]
    else:
        lines = [text, "", f"| Code | n | α | 95% CI | {kappa} | % agreement |",
                 "|---|---:|---:|---|---:|---:|"]

    def row_line(row: dict, label: str) -> str:
        percent = "" if row.get("percent") is None else f"{100 * row['percent']:.1f}"
        if span:
            kappa_n = "" if row.get("kappa") is None else _num(row["kappa"])
            return (f"| {label} | {row['n']:,} | {_num(row.get('alpha'))} | {kappa_n} | "
                    f"{percent} |")
        ci = _interval(row) if row.get("ci_low") is not None else ""
        return (f"| {label} | {row['n']:,} | {_num(row.get('alpha'))} | {ci} | "
                f"{_num(row.get('kappa'))} | {percent} |")

    for row in rows:
        lines.append(row_line(row, f"{row['id']} {row['name']}"))
    if pooled:
        lines.append(row_line(pooled, "**pooled**"))
    lines.append("")
    lines.append(f"Thresholds: {THRESHOLD_NOTE}")
    return "\n".join(lines)


__all__ = ["BlindCount", "BlindSummary", "agreement_documents", "blind_summary", "format_methods", "methods_report"]
