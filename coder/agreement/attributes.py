"""Reliability of attribute values (source, polarity, ...) over matched segments.

A code's agreement says whether coders found the same passages; an attribute's says
whether, having found the same passage, they read it the same way (own or attributed,
affirmed or negated).  So the units here are *matched segments*: for each code a
dimension applies to, a segment of one coder and a segment of the same code by another
coder in the same document whose overlap (intersection / union) reaches the threshold
belong to one unit (at most one segment per coder: each takes the best-overlapping
one).  Each coder's value for the dimension in a unit is the value of their segment,
missing when they have no segment there or left the dimension empty.  Nominal
Krippendorff's alpha runs over those units (units with fewer than two values drop out,
as alpha prescribes), pooled over the codes and per code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..annotate import attribute_values
from ..codebook.store import codebook_attributes
from ..errors import CoderError
from ..project import Project
from .measures import krippendorff_alpha, percent_agreement
from .units import overlap_ratio, select_documents

DEFAULT_OVERLAP = 0.5


@dataclass
class AttributeRow:
    """Agreement on one dimension (``code`` None: pooled over the codes it applies to)."""

    dimension: str
    code: str | None
    units: int = 0          # matched segments (two or more coders)
    pairable: int = 0       # units where two or more coders gave a value
    alpha: float | None = None
    percent: float | None = None
    reason: str | None = None
    values: dict[str, int] = field(default_factory=dict)  # value -> times given

    def as_dict(self) -> dict:
        """JSON-ready fields."""
        return dict(self.__dict__)


def matched_units(segments: list[list[dict]], threshold: float) -> list[list[dict | None]]:
    """Group one document's segments of one code (a list per coder) into matched units.

    Greedy and deterministic: every segment of the first coder with segments opens a
    unit, each other coder joins it with their best-overlapping unused segment at or
    above the threshold; segments left unused open units of their own (coded by one
    coder only: they count for the code's agreement, not for the attribute's).
    """
    m = len(segments)
    used = [set() for _ in range(m)]
    units: list[list[dict | None]] = []
    for first in range(m):
        for i, segment in enumerate(segments[first]):
            if i in used[first]:
                continue
            used[first].add(i)
            unit: list[dict | None] = [None] * m
            unit[first] = segment
            span = (segment["start"], segment["end"])
            for other in range(first + 1, m):
                best, best_ratio = None, threshold
                for j, candidate in enumerate(segments[other]):
                    if j in used[other]:
                        continue
                    ratio = overlap_ratio(span, (candidate["start"], candidate["end"]))
                    if ratio >= best_ratio:
                        best, best_ratio = j, ratio
                if best is not None:
                    used[other].add(best)
                    unit[other] = segments[other][best]
            units.append(unit)
    return units


def attribute_agreement(project: Project, coders: list[str], *, docs: str | list[int] = "auto",
                        dimensions: list[str] | None = None, overlap: float = DEFAULT_OVERLAP,
                        where: list[str] | None = None, include_excluded: bool = False
                        ) -> dict:
    """Nominal alpha per attribute dimension over matched segments, pooled and per code.

    The documents are those of :func:`coder.agreement.units.select_documents` for ``docs``,
    narrowed by ``where`` (``key=value``); excluded documents are left out unless
    ``include_excluded``.

    Returns ``{"coders", "documents", "overlap", "rows": [AttributeRow.as_dict()...]}``.
    """
    if not 0 < overlap <= 1:
        raise CoderError(f"overlap {overlap}: use a share above 0 and at most 1 (e.g. 0.5)",
                         option="overlap")
    declared = codebook_attributes(project)
    if dimensions:
        unknown = [d for d in dimensions if d not in {a.id for a in declared}]
        if unknown:
            raise CoderError(f"no attribute {unknown[0]!r} in the codebook; see `coder attributes list`")
        declared = [a for a in declared if a.id in dimensions]
    if not declared:
        raise CoderError("the codebook declares no attributes (see codebooks/README.md)")
    scope = select_documents(project, coders, docs, where=where,
                             include_excluded=include_excluded)
    index = {cid: i for i, cid in enumerate(scope.coder_ids)}
    parents = {row[0]: row[1] for row in project.db.execute("SELECT id, parent_id FROM codes")}
    rows = project.rows(
        'SELECT id, code_id, document_id, coder_id, start, "end", attributes FROM annotations'
        f" WHERE deleted = 0 AND coder_id IN ({','.join('?' * len(scope.coder_ids))})"
        " AND document_id IN (SELECT value FROM json_each(?))"
        ' ORDER BY code_id, document_id, start, "end", id',
        [*scope.coder_ids, json.dumps(scope.documents)])
    grouped: dict[tuple[str, int], list[list[dict]]] = {}
    for row in rows:
        lists = grouped.setdefault((row["code_id"], row["document_id"]),
                                   [[] for _ in scope.coder_ids])
        lists[index[row["coder_id"]]].append(row)
    units_by_code: dict[str, list[list[dict | None]]] = {}
    for (code, _doc), segments in grouped.items():
        units = [u for u in matched_units(segments, overlap) if sum(s is not None for s in u) >= 2]
        units_by_code.setdefault(code, []).extend(units)
    out = []
    for dimension in declared:
        codes = sorted(c for c in units_by_code if dimension.applies_to(c, parents))
        per_code = []
        pooled: list[list[str | None]] = [[] for _ in scope.coder_ids]
        for code in codes:
            data = _values(units_by_code[code], dimension.id)
            per_code.append(_row(dimension.id, code, data))
            for coder_row, values in zip(pooled, data):
                coder_row.extend(values)
        out.append(_row(dimension.id, None, pooled))
        out.extend(per_code)
    return {"coders": coders, "documents": len(scope.documents), "scope": scope.description,
            "overlap": overlap, "rows": [row.as_dict() for row in out]}


def _values(units: list[list[dict | None]], dimension: str) -> list[list[str | None]]:
    """Coders x units: each coder's value of ``dimension`` in each unit (None: missing)."""
    m = len(units[0]) if units else 0
    data: list[list[str | None]] = [[] for _ in range(m)]
    for unit in units:
        for coder, segment in enumerate(unit):
            data[coder].append(None if segment is None
                               else attribute_values(segment).get(dimension))
    return data


def _row(dimension: str, code: str | None, data: list[list[str | None]]) -> AttributeRow:
    row = AttributeRow(dimension=dimension, code=code, units=len(data[0]) if data else 0)
    for values in data:
        for value in values:
            if value is not None:
                row.values[value] = row.values.get(value, 0) + 1
    row.pairable = sum(1 for unit in zip(*data) if sum(v is not None for v in unit) >= 2) \
        if data else 0
    if row.pairable:
        alpha = krippendorff_alpha(data)
        row.alpha = None if alpha.value is None else round(alpha.value, 4)
        row.reason = alpha.reason if alpha.value is None else None
        percent = percent_agreement(data)
        row.percent = None if percent.value is None else round(percent.value, 4)
    else:
        row.reason = "no matched segment with values from two coders"
    return row


def format_attribute_agreement(result: dict) -> str:
    """The result as a plain-text table (one block per dimension)."""
    lines = [f"Attribute agreement over matched segments (overlap >= {result['overlap']}) of "
             f"{', '.join(result['coders'])}; {result['scope']}",
             "", f"{'dimension':<12} {'code':<28} {'units':>6} {'pairable':>8} {'alpha':>7}"
             f" {'% agree':>8}  values"]
    for row in result["rows"]:
        alpha = "-" if row["alpha"] is None else f"{row['alpha']:.3f}"
        percent = "-" if row["percent"] is None else f"{row['percent']:.0%}"
        values = ", ".join(f"{k} {v}" for k, v in sorted(row["values"].items()))
        code = row["code"] or "(all codes)"
        lines.append(f"{row['dimension']:<12} {code:<28} {row['units']:>6} {row['pairable']:>8}"
                     f" {alpha:>7} {percent:>8}  {values}")
    lines.append("")
    lines.append("alpha: nominal Krippendorff's alpha over units where two or more coders gave a "
                 "value; rely on >= .800, tentative >= .667.")
    return "\n".join(lines)
