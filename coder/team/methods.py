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
from ..agreement.units import parse_docs, select_documents
from ..errors import CoderError
from ..project import Project
from ..wording import count_of
from .blind import blind_documents, blind_record

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
                        **selection) -> tuple[list[int] | str | None, dict, list[int]]:
    """The documents to compute agreement on and the blind record over them.

    Returns ``(docs for agreement_report, blind record, documents left out as not blind)``;
    with ``blind_only`` the documents are those on which every coder coded blind.
    ``selection`` (``where``, ``include_excluded``) narrows the documents as for agreement.
    """
    scope = select_documents(project, coders, parse_docs(docs), **selection)
    record = blind_record(project, coders, scope.documents)
    if not blind_only:
        return docs, record, []
    kept = blind_documents(record, coders, scope.documents)
    if not kept:
        raise CoderError("no document was coded blind by all of " + ", ".join(coders)
                         + " (see the blind column of `coder agreement`)")
    return kept, record, [d for d in scope.documents if d not in kept]


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
    """Everything the methods paragraph states, as one JSON-ready dict."""
    chosen, record, left_out = agreement_documents(project, coders, docs, blind_only=blind_only,
                                                   **selection)
    report = agreement_report(project, coders, unit, codes=codes, docs=chosen, overlap=overlap,
                              bootstrap=bootstrap, seed=seed, **selection)
    sample = project.setting("reliability_sample") or None
    used = [r for r in record.values() if r["suggestions_used"]]
    blind = blind_summary(record, coders, report.documents)
    documents = project.db.execute("SELECT count(*) FROM documents").fetchone()[0]
    return {
        "coders": coders,
        "documents_in_project": documents,
        "sample": None if not isinstance(sample, dict) else {
            "size": sample.get("size"), "n": sample.get("n"), "stratify": sample.get("stratify"),
            "seed": sample.get("seed"), "blind_suggestions": bool(sample.get("blind_suggestions"))},
        "documents": report.documents,
        "left_out_not_blind": left_out,
        "unit": unit, "units": report.n_units, "segmentation": SEGMENTATION.get(unit, unit),
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


def format_methods(info: dict) -> str:
    """The methods paragraph, then a Markdown table of the measures per code and pooled."""
    coders = info["coders"]
    agreement = info["agreement"]
    sample = info["sample"]
    names = ", ".join(coders[:-1]) + f" and {coders[-1]}" if len(coders) > 1 else coders[0]
    parts = [f"{len(coders)} coders ({names}) coded the same "
             f"{count_of(len(info['documents']), 'document')} independently"]
    if sample:
        strata = f", stratified by {sample['stratify']} with proportional allocation" \
            if sample.get("stratify") else ""
        parts[0] += (f" from a random reliability sample of {sample['n']} of the project's "
                     f"{info['documents_in_project']} documents (size {sample['size']}{strata}; "
                     f"seed {sample['seed']}, drawn with `coder sample`)")
        if sample["n"] and sample["n"] > len(info["documents"]):
            missing = sample["n"] - len(info["documents"])
            parts[0] += (f"; {count_of(missing, 'sampled document')} not (yet) coded by every "
                         f"coder {'is' if missing == 1 else 'are'} not counted")
    text = parts[0] + ". "
    blind = info["blind"]
    if blind["all_blind"]:
        text += ("Coding was blind: the event log records no reveal of another coder's work to "
                 "any coder before their last change to a sampled document. ")
    else:
        text += (f"Coding was blind for {blind['blind']} of {blind['pairs']} coder-document pairs "
                 "(the event log shows another coder's work revealed before later changes in "
                 f"the other {blind['pairs'] - blind['blind']}). ")
    if info["left_out_not_blind"]:
        left_out = len(info["left_out_not_blind"])
        text += (f"{count_of(left_out, 'document').capitalize()} not coded blind by every coder "
                 f"{'is' if left_out == 1 else 'are'} left out. ")
    suggestions = info["suggestions"]
    text += ("Rule-based suggestions were hidden from the coders during the sample. "
             if suggestions["hidden_by_sample"] else
             "Rule-based suggestions were visible to the coders"
             + (f" ({suggestions['accepted_in_sample']} coder-document pairs include accepted "
                "suggestions). " if suggestions["accepted_in_sample"] else ". "))
    unit = info["unit"]
    text += (f"The unit of analysis is the {unit} ({info['units']:,} {UNIT_NAMES[unit]}: "
             f"{info['segmentation']}); each code is a binary variable per unit. ")
    if info["codebook_version"]:
        text += f"Codebook version {info['codebook_version']}. "
    pooled = agreement.get("pooled") or {}
    boot = agreement.get("bootstrap")
    if pooled.get("alpha") is not None:
        ci = (f" (95% CI {_interval(pooled)}, "
              f"{boot} bootstrap replicates, seed {agreement.get('seed')})"
              if pooled.get("ci_low") is not None else "")
        text += f"Pooled Krippendorff's alpha (nominal) was {_num(pooled['alpha'])}{ci}. "
    rows = [r for r in agreement["codes"] if any(r["coded"].values())]
    good = sum(1 for r in rows if r["alpha"] is not None and r["alpha"] >= RELIABLE)
    mid = sum(1 for r in rows if r["alpha"] is not None and TENTATIVE <= r["alpha"] < RELIABLE)
    text += (f"Of {len(rows)} codes used, {good} reach alpha ≥ .800 and {mid} lie between .667 "
             "and .800; following Krippendorff (2004), conclusions rest on codes at ≥ .800, "
             "and those between .667 and .800 only tentatively.")
    kappa = "Cohen's κ" if len(coders) == 2 else "Fleiss' κ"
    lines = [text, "", f"| Code | n | α | 95% CI | {kappa} | % agreement |",
             "|---|---:|---:|---|---:|---:|"]

    def row_line(row: dict, label: str) -> str:
        ci = _interval(row) if row.get("ci_low") is not None else ""
        percent = "" if row.get("percent") is None else f"{100 * row['percent']:.1f}"
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
