"""Reliability data from a project: which documents, which units, who coded what.

Each code is its own binary variable (codes overlap in qualitative coding): for every
unit and coder the value is 1 when a live annotation of that code by that coder overlaps
the unit (turns and sentences: by at least one character; documents: anywhere in the
document) and 0 otherwise.  Exclusive groups declared in the codebook
(``code_groups``) give one nominal variable per group: the member code present, or
``"none"``.

Only documents every listed coder has coded count (:func:`select_documents`): by
default the reliability sample when one was drawn for these coders, else every document
each of them has coded.  A coder has *coded* a document when their assignment is marked
done or they have at least one live annotation in it.

Units:

- ``turn``: the turns of the documents (what one speaker said); a document stored
  without turns is one unit;
- ``sentence``: sentences inside turns, from :func:`coder.corpus.segment.split_sentences`
  (the one segmentation the workbench and co-occurrence use too);
- ``document``: a document as a whole;
- ``character``: every character (from span boundaries by the sweep in
  :mod:`coder.agreement.sweep`; never a per-character array);
- ``span``: MAXQDA-style segment matching (:func:`match_segments`).
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field

import numpy as np

from ..corpus.segment import split_sentences
from ..errors import CoderError
from ..project import Project
from ..wording import count_of, first_few

UNITS = ("turn", "sentence", "document", "character", "span")
PREDEFINED = ("turn", "sentence", "document")
NONE_LABEL = "none"

# -- which documents ---------------------------------------------------------------------


@dataclass
class AgreementScope:
    """The coders and documents an agreement computation uses, and why."""

    coders: list[str]
    coder_ids: list[int]
    documents: list[int]
    rule: str  # reliability | all | listed
    description: str  # one line for the report
    left_out: list[int] = field(default_factory=list)  # in the rule's pool, not coded by all
    notes: list[str] = field(default_factory=list)


def _coder_ids(project: Project, coders: list[str]) -> list[int]:
    from ..team.coders import coder_ids

    if len(coders) < 2:
        raise CoderError("agreement needs at least two coders (e.g. alice,bob)", option="coders")
    if len(set(coders)) != len(coders):
        raise CoderError("a coder is listed twice", option="coders")
    return coder_ids(project, coders)


def coded_by(project: Project, coder_id: int) -> set[int]:
    """Documents this coder has coded (:func:`coder.selection.coded_sql`: assignment done,
    a live annotation, or for the gold layer an adjudication in effect there)."""
    from ..selection import coded_sql

    sql, params = coded_sql([coder_id])
    return {r[0] for r in project.db.execute(f"SELECT d.id FROM documents d WHERE 1 = 1{sql}",
                                             params)}


def parse_docs(value: str | list[int] | None) -> str | list[int]:
    """``--doc``: ``reliability``, ``all``, ``auto`` (None), or ``1,2,3`` → a list of ids."""
    if value is None or value == "auto":
        return "auto"
    if isinstance(value, list):
        return [int(v) for v in value]
    if value in ("reliability", "all"):
        return value
    try:
        ids = [int(v) for v in str(value).replace(" ", "").split(",") if v]
    except ValueError:
        raise CoderError(
            f"doc {value!r}: use reliability, all, or document ids like 1,2,3", option="doc"
        ) from None
    if not ids:
        raise CoderError("no document ids given", option="doc")
    return ids


def select_documents(project: Project, coders: list[str], docs: str | list[int] = "auto", *,
                     where: list[str] | None = None, include_excluded: bool = False) -> AgreementScope:
    """The documents agreement is computed on, for these coders.

    ``"reliability"``: the reliability sample assigned to all of them, left to the
    documents all of them have coded; ``"all"``: every document all of them have coded;
    a list of ids: exactly those (a coder with no annotation there coded nothing);
    ``"auto"``: ``reliability`` when such a sample exists, else ``all``.  Documents
    excluded from analyses (``coder documents exclude``) are left out of ``reliability``
    and ``all`` unless ``include_excluded``; ``where`` (``key=value``) narrows them.
    """
    from ..team.sample import reliability_documents

    ids = _coder_ids(project, coders)
    docs = parse_docs(docs) if not isinstance(docs, list) else docs
    coded = [coded_by(project, cid) for cid in ids]
    everyone = set.intersection(*coded)
    names = ", ".join(coders)
    if isinstance(docs, list):
        known = {r[0] for r in project.db.execute("SELECT id FROM documents")}
        missing = [d for d in docs if d not in known]
        if missing:
            raise CoderError(f"no document #{missing[0]}; see `coder documents`")
        listed = sorted(set(docs))
        # Named by id: counted even if excluded (as everywhere); ``where`` still narrows.
        chosen, _, _ = _narrow(project, listed, where, include_excluded=True)
        description = f"{count_of(len(chosen), 'document')} chosen by id ({_id_list(chosen)})"
        if where:
            description = (f"the {len(chosen)} of the {len(listed)} documents chosen by id "
                           f"({_id_list(listed)}) that {_matching(where)}")
        scope = AgreementScope(coders, ids, chosen, "listed", description)
        if where and len(chosen) < len(listed):
            scope.notes.append(f"left out as not matching {_conditions(where)}: "
                               f"{_id_list([d for d in listed if d not in chosen])}")
        if not chosen:
            raise CoderError(f"none of the documents chosen by id matches {_conditions(where)}")
        for coder, done in zip(coders, coded):
            absent = [d for d in chosen if d not in done]
            if absent:
                scope.notes.append(
                    f"{coder} has no codings in document(s) {_id_list(absent)}; "
                    "counted as coding nothing there"
                )
        return scope
    pool = reliability_documents(project, ids)
    if docs == "auto":
        docs = "reliability" if pool else "all"
    if docs == "reliability":
        if not pool:
            raise CoderError(
                f"no reliability sample is assigned to all of {names}; "
                "draw one with `coder sample` or take all documents (all)", option="doc"
            )
        coded_pool = [d for d in pool if d in everyone]
        left = [d for d in pool if d not in everyone]
        rule = "reliability"
    else:
        coded_pool, left, rule = sorted(everyone), [], "all"
    if not coded_pool:
        raise CoderError(
            f"no document has been coded by all of {names}; "
            "agreement needs documents they all coded"
        )
    chosen, unmatched, excluded = _narrow(project, coded_pool, where, include_excluded)
    # The header says what was used: the filter and the exclusions, when they left any out.
    narrowed = ""
    if where:
        narrowed = f" that {_matching(where)}"
    if excluded:
        narrowed += (" and are" if where else " that are") + " not excluded from analyses"
    if rule == "reliability":
        desc = (
            f"reliability sample: {len(chosen)} of {len(pool)} sampled documents, "
            f"coded independently by {_all(coders)}"
            + (f", those{narrowed}" if narrowed else "")
        )
    elif narrowed:
        desc = f"the {len(chosen)} of the {len(coded_pool)} documents coded by {_all(coders)}{narrowed}"
    else:
        every = "the 1 document" if len(chosen) == 1 else f"all {len(chosen)} documents"
        desc = f"{every} coded by {_all(coders)}"
    scope = AgreementScope(coders, ids, chosen, rule, desc, left_out=left)
    if rule == "reliability":
        info = project.setting("reliability_sample")
        if isinstance(info, dict) and info.get("seed") is not None:
            strat = f", stratified by {info['stratify']}" if info.get("stratify") else ""
            scope.notes.append(
                f"sample drawn with `coder sample --size {info.get('size')}"
                f" --seed {info['seed']}`{strat}"
            )
    if scope.left_out:
        scope.notes.append(
            f"left out, not yet coded by all: document(s) {_id_list(scope.left_out)}"
        )
    if unmatched:
        scope.notes.append(f"left out as not matching {_conditions(where)}: {_id_list(unmatched)}")
    if excluded:
        scope.notes.append(f"left out as excluded from analyses: {_id_list(excluded)}")
    if not chosen:
        what = "in the reliability sample " if rule == "reliability" else ""
        if unmatched:
            raise CoderError(f"no document {what}coded by all of {names} matches "
                             f"{_conditions(where)}" + (
                                 f" ({len(excluded)} more are excluded from analyses)"
                                 if excluded else ""))
        raise CoderError(f"every document {what}coded by all of {names} is excluded from "
                         "analyses; `coder documents include` counts one again")
    return scope


def _narrow(project: Project, documents: list[int], where: list[str] | None,
            include_excluded: bool) -> tuple[list[int], list[int], list[int]]:
    """``documents`` split into (kept, not matching ``where``, matching but excluded)."""
    from ..corpus.documents import where_sql

    sql, params = where_sql(where or [])
    rows = project.db.execute(
        f"SELECT d.id, d.excluded, 1 = 1{sql} FROM documents d"
        " WHERE d.id IN (SELECT value FROM json_each(?))", [*params, json.dumps(documents)])
    state = {doc: (bool(flag), bool(match)) for doc, flag, match in rows}
    kept = [d for d in documents if state[d][1] and (include_excluded or not state[d][0])]
    unmatched = [d for d in documents if not state[d][1]]
    excluded = [d for d in documents if state[d][1] and state[d][0] and not include_excluded]
    return kept, unmatched, excluded


def _conditions(where: list[str] | None) -> str:
    return " and ".join(" ".join(str(item).split()) for item in where or [])


def _matching(where: list[str] | None) -> str:
    return f"match {_conditions(where)}"


def _all(coders: list[str]) -> str:
    return "both coders" if len(coders) == 2 else f"all {len(coders)} coders"


def _id_list(ids: list[int], limit: int = 12) -> str:
    return first_few((f"#{d}" for d in ids), limit)


# -- which codes ------------------------------------------------------------------------


def select_codes(project: Project, scope: AgreementScope, codes: list[str] | None = None) -> list[str]:
    """The codes to measure: ``codes`` as given (checked), else every code of the current
    codebook plus any retired code the coders used in these documents, in codebook order."""
    known = {r["id"]: r for r in project.rows("SELECT id, retired, sort FROM codes")}
    if codes:
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise CoderError(f"no code {unknown[0]!r} in the project; see `coder codebook show`")
        return list(dict.fromkeys(codes))
    from ..codebook.store import project_codes

    ordered = [c.id for c in project_codes(project, include_retired=False)]
    used = {
        r[0]
        for r in project.db.execute(
            f"SELECT DISTINCT code_id FROM annotations WHERE deleted = 0"
            f" AND coder_id IN ({','.join('?' * len(scope.coder_ids))})"
            f" AND document_id IN (SELECT value FROM json_each(?))",
            [*scope.coder_ids, json.dumps(scope.documents)],
        )
    }
    extra = sorted(used - set(ordered))
    return ordered + extra


def code_groups(project: Project, codes: list[str]) -> dict[str, list[str]]:
    """Exclusive groups whose member codes are all among ``codes``."""
    out = {}
    for row in project.rows("SELECT id, codes FROM code_groups ORDER BY id"):
        members = json.loads(row["codes"])
        if all(m in codes for m in members):
            out[row["id"]] = members
    return out


# -- spans ------------------------------------------------------------------------------

Spans = dict[str, dict[int, list[list[tuple[int, int]]]]]
"""code -> document -> one list of (start, end) per coder (in scope order), sorted."""


def load_spans(project: Project, scope: AgreementScope, codes: list[str]) -> Spans:
    """Every live annotation of these codes by the scope's coders in its documents."""
    index = {cid: i for i, cid in enumerate(scope.coder_ids)}
    out: Spans = {code: {} for code in codes}
    cur = project.db.execute(
        'SELECT code_id, document_id, coder_id, start, "end" FROM annotations WHERE deleted = 0'
        f" AND coder_id IN ({','.join('?' * len(scope.coder_ids))})"
        " AND document_id IN (SELECT value FROM json_each(?))"
        " AND code_id IN (SELECT value FROM json_each(?))"
        ' ORDER BY code_id, document_id, start, "end"',
        [*scope.coder_ids, json.dumps(scope.documents), json.dumps(codes)],
    )
    m = len(scope.coder_ids)
    for code_id, doc_id, coder_id, start, end in cur:
        per_doc = out[code_id].get(doc_id)
        if per_doc is None:
            per_doc = out[code_id][doc_id] = [[] for _ in range(m)]
        per_doc[index[coder_id]].append((start, end))
    return out


# -- predefined units --------------------------------------------------------------------

@dataclass
class Units:
    """Predefined units over several documents, in (document, start) order."""

    kind: str
    document_ids: np.ndarray  # int64, one per unit
    starts: np.ndarray  # int64
    ends: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.starts)

    def ranks(self) -> tuple[np.ndarray, dict[int, int]]:
        """Each unit's document rank (0, 1, ... in unit order) and document id -> rank."""
        docs, rank = np.unique(self.document_ids, return_inverse=True)
        return rank.astype(np.int64), {int(d): i for i, d in enumerate(docs)}


def predefined_units(project: Project, documents: list[int], kind: str) -> Units:
    """The turns, sentences or documents of these documents as :class:`Units`.

    Empty turns are skipped; a document stored without turns is one turn.  Sentences are
    split inside turns (a sentence never spans two speakers).
    """
    if kind not in PREDEFINED:
        raise CoderError(f"unit {kind!r} is not a predefined unit ({', '.join(PREDEFINED)})")
    docs, starts, ends = [], [], []
    lengths = dict(
        project.db.execute(
            "SELECT id, length(text) FROM documents WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps(documents)],
        ).fetchall()
    )
    turns: dict[int, list[tuple[int, int, int]]] = {d: [] for d in documents}
    if kind != "document":
        for doc_id, seq, start, end in project.db.execute(
            'SELECT document_id, seq, start, "end" FROM turns WHERE "end" > start'
            " AND document_id IN (SELECT value FROM json_each(?)) ORDER BY document_id, seq",
            [json.dumps(documents)],
        ):
            turns[doc_id].append((seq, start, end))
    for doc_id in sorted(documents):
        if kind == "document":
            docs.append(doc_id), starts.append(0), ends.append(lengths[doc_id])
            continue
        doc_turns = turns[doc_id] or [(0, 0, lengths[doc_id])]
        text = None
        for _seq, start, end in doc_turns:
            if kind == "turn":
                docs.append(doc_id), starts.append(start), ends.append(end)
                continue
            if text is None:
                text = project.db.execute(
                    "SELECT text FROM documents WHERE id = ?", [doc_id]
                ).fetchone()[0]
            for s, e in split_sentences(text, start, end):
                docs.append(doc_id), starts.append(s), ends.append(e)
    return Units(
        kind,
        np.asarray(docs, dtype=np.int64),
        np.asarray(starts, dtype=np.int64),
        np.asarray(ends, dtype=np.int64),
    )


@dataclass
class ReliabilityData:
    """Coders x units binary data per code (and nominal data per exclusive group)."""

    unit: str
    scope: AgreementScope
    units: Units
    codes: list[str]
    data: dict[str, np.ndarray]  # code -> (coders x units) uint8
    groups: dict[str, np.ndarray] = field(default_factory=dict)  # group -> (coders x units) int
    group_members: dict[str, list[str]] = field(default_factory=dict)
    group_overlaps: dict[str, int] = field(default_factory=dict)  # group -> values with 2+ codes

    def group_label(self, group_id: str, value: int) -> str:
        """The label of a group value: ``"none"``, a member code, or codes joined by ``+``.

        Group values are bit masks over the members (bit j: member j present), so a
        coder who applied two codes of an exclusive group gets a value of its own.
        """
        members = self.group_members[group_id]
        present = [code for j, code in enumerate(members) if int(value) >> j & 1]
        return "+".join(present) if present else NONE_LABEL

    def stacked(self) -> np.ndarray:
        """Every code's data side by side (coders x (codes * units)): the pooled variable."""
        if not self.codes:
            return np.zeros((len(self.scope.coders), 0), dtype=np.uint8)
        return np.concatenate([self.data[c] for c in self.codes], axis=1)


def reliability_data(
    project: Project, scope: AgreementScope, codes: list[str], unit: str, spans: Spans | None = None
) -> ReliabilityData:
    """Binary reliability data per code for a predefined unit (turn, sentence, document)."""
    units = predefined_units(project, scope.documents, unit)
    spans = load_spans(project, scope, codes) if spans is None else spans
    m, n = len(scope.coder_ids), len(units)
    # Sortable keys: document rank * stride + offset (stride: past the longest document).
    stride = 1 + (project.db.execute(
        "SELECT max(length(text)) FROM documents WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(scope.documents)]).fetchone()[0] or 0)
    unit_rank, doc_rank = units.ranks()
    start_keys = unit_rank * stride + units.starts
    end_keys = unit_rank * stride + units.ends
    data: dict[str, np.ndarray] = {}
    for code in codes:
        # Flat arrays of every span of the code: coder index, document rank, start, end.
        flat = [(i, doc_rank[doc_id], s, e)
                for doc_id, per_coder in spans.get(code, {}).items() if doc_id in doc_rank
                for i, coder_spans in enumerate(per_coder) for s, e in coder_spans]
        if not flat or not n:
            data[code] = np.zeros((m, n), dtype=np.uint8)
            continue
        arr = np.asarray(flat, dtype=np.int64)
        # Units of a document are ordered and disjoint, so both key arrays are sorted: the
        # first unit ending after the span's start to the last starting before its end.
        lo = np.searchsorted(end_keys, arr[:, 1] * stride + arr[:, 2], side="right")
        hi = np.searchsorted(start_keys, arr[:, 1] * stride + arr[:, 3], side="left")
        keep = hi > lo
        # A difference array per coder: +1 where a span's units begin, -1 past their end.
        diff = np.zeros((m, n + 1), dtype=np.int32)
        np.add.at(diff, (arr[keep, 0], lo[keep]), 1)
        np.add.at(diff, (arr[keep, 0], hi[keep]), -1)
        data[code] = (np.cumsum(diff[:, :n], axis=1) > 0).astype(np.uint8)
    result = ReliabilityData(unit, scope, units, list(codes), data)
    for group_id, members in code_groups(project, codes).items():
        # Integer values (bit masks over the members) keep the measures on their fast path.
        mask = np.zeros((m, n), dtype=np.int64)
        count = np.zeros((m, n), dtype=np.int32)
        for j, code in enumerate(members):
            mask |= data[code].astype(np.int64) << j
            count += data[code]
        result.groups[group_id] = mask
        result.group_members[group_id] = members
        result.group_overlaps[group_id] = int((count > 1).sum())
    return result


# -- segment matching (MAXQDA style) -----------------------------------------------------


def overlap_ratio(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Intersection length / union length of two segments (0 when they do not overlap)."""
    inter = min(a[1], b[1]) - max(a[0], b[0])
    if inter <= 0:
        return 0.0
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


@dataclass
class SegmentMatch:
    """Segment matching counts for one code.

    Each segment of each coder is checked against each other coder: it *agrees* when that
    coder has a segment of the same code in the same document whose overlap (intersection
    / union) is at least the threshold.  For two coders this is MAXQDA's count (every
    segment of both coders is checked against the other one).
    """

    code: str
    segments: list[int]  # per coder
    agreements: int = 0
    disagreements: int = 0
    pairs: dict[str, tuple[int, int]] = field(default_factory=dict)  # "A~B" -> (agree, disagree)

    @property
    def total(self) -> int:
        return self.agreements + self.disagreements

    @property
    def percent(self) -> float | None:
        """Share of checked segments that agree (``None`` when nobody coded the code)."""
        return self.agreements / self.total if self.total else None


def match_segments(spans: Spans, coders: list[str], threshold: float) -> dict[str, SegmentMatch]:
    """Per code, MAXQDA-style segment agreement at an overlap ``threshold`` in (0, 1]."""
    if not 0 < threshold <= 1:
        raise CoderError(f"overlap {threshold}: use a share above 0 and at most 1 (e.g. 0.9)",
                         option="overlap")
    m = len(coders)
    out: dict[str, SegmentMatch] = {}
    for code, per_doc in spans.items():
        result = SegmentMatch(code, [0] * m)
        pair_counts = {(i, j): [0, 0] for i in range(m) for j in range(m) if i != j}
        for per_coder in per_doc.values():
            starts = [[s for s, _ in segs] for segs in per_coder]
            longest = [max((e - s for s, e in segs), default=0) for segs in per_coder]
            for i, segs in enumerate(per_coder):
                result.segments[i] += len(segs)
                for j in range(m):
                    if i == j:
                        continue
                    other = per_coder[j]
                    for seg in segs:
                        # Candidates start before seg ends and not too long before it starts.
                        lo = bisect.bisect_left(starts[j], seg[0] - longest[j])
                        hi = bisect.bisect_left(starts[j], seg[1])
                        ok = any(overlap_ratio(seg, other[k]) >= threshold for k in range(lo, hi))
                        pair_counts[(i, j)][0 if ok else 1] += 1
        for (i, j), (agree, disagree) in pair_counts.items():
            result.agreements += agree
            result.disagreements += disagree
            if i < j:
                back = pair_counts[(j, i)]
                result.pairs[f"{coders[i]}~{coders[j]}"] = (agree + back[0], disagree + back[1])
        out[code] = result
    return out


# -- characters and spans: one continuum -------------------------------------------------


@dataclass
class Continuum:
    """The documents laid end to end: document i is ``[offsets[i], offsets[i + 1])``.

    Character-level and unitizing measures see the documents as one continuum, so a
    code's spans in every document go through one sweep; a document's characters stay
    its own (no span crosses an offset).
    """

    documents: list[int]
    offsets: np.ndarray  # int64, len(documents) + 1

    @property
    def length(self) -> int:
        return int(self.offsets[-1])

    def shifted(self, per_doc: dict[int, list[list[tuple[int, int]]]], m: int) -> list[np.ndarray]:
        """One coder's spans over all documents as continuum offsets, per coder (k x 2 arrays)."""
        index = {d: i for i, d in enumerate(self.documents)}
        parts: list[list[np.ndarray]] = [[] for _ in range(m)]
        for doc_id, per_coder in per_doc.items():
            off = int(self.offsets[index[doc_id]])
            for i, spans in enumerate(per_coder):
                if spans:
                    parts[i].append(np.asarray(spans, dtype=np.int64) + off)
        return [np.concatenate(p) if p else np.zeros((0, 2), dtype=np.int64) for p in parts]


def continuum(project: Project, documents: list[int]) -> Continuum:
    """The scope's documents as one continuum, in id order."""
    docs = sorted(documents)
    lengths = dict(
        project.db.execute(
            "SELECT id, length(text) FROM documents WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps(docs)],
        ).fetchall()
    )
    offsets = np.concatenate([[0], np.cumsum([lengths[d] for d in docs])]).astype(np.int64)
    return Continuum(docs, offsets)


def coverages(spans: Spans, scope: AgreementScope, cont: Continuum, codes: list[str]) -> dict:
    """Per code, the :class:`~coder.agreement.sweep.Coverage` of the scope's coders over the continuum."""
    from .sweep import sweep

    m = len(scope.coders)
    out = {}
    for code in codes:
        shifted = cont.shifted(spans.get(code, {}), m)
        out[code] = sweep(dict(zip(scope.coders, shifted)), cont.length, scope.coders)
    return out


def per_document_covered(coverage, offsets: np.ndarray) -> np.ndarray:
    """Characters covered by exactly j coders (columns j = 0..m), per document (rows).

    Cuts the coverage's intervals at the document offsets; nothing per character.
    """
    m = len(coverage.coders)
    n_docs = len(offsets) - 1
    cuts = np.union1d(coverage.bounds, offsets)
    starts, lengths = cuts[:-1], np.diff(cuts)
    keep = lengths > 0
    starts, lengths = starts[keep], lengths[keep]
    interval = np.searchsorted(coverage.bounds, starts, side="right") - 1
    doc = np.searchsorted(offsets, starts, side="right") - 1
    counts = coverage.counts[interval] if len(coverage.masks) else np.zeros(len(starts), np.int64)
    out = np.bincount(doc * (m + 1) + counts, weights=lengths, minlength=n_docs * (m + 1))
    return out.reshape(n_docs, m + 1).astype(np.int64)
