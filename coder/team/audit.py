"""The precision audit of suggestions: a seeded, stratified draw read by a judge.

Counting matches says nothing about whether a suggestion is right.  A *judge* (a coder)
reads a sample of suggestions against the codebook's definitions and marks each
correct, borderline or wrong, with a reason; the report gives precision per code, per
pattern, per year (and per predicted attribute value) with n and a Wilson 95 % interval,
and says when a cell is too thin to be a rate.

* :func:`draw_audit` draws ``per_code`` suggestions of every code (a simple random sample
  within each code: per-code precision is unbiased), reproducibly from ``seed`` and the
  filters alone, so two judges given the same seed read the same items (each blind to
  the other's verdicts) and can be compared.
* :func:`judge_item` records a verdict (one transaction, logged).
* :func:`audit_report` aggregates; :func:`wilson_interval` is the interval.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from ..annotate import code_attributes, predicted_attributes
from ..codebook.store import codebook_attributes
from ..errors import CoderError
from ..project import Project, now
from ..selection import Filters
from ..wording import first_few

if TYPE_CHECKING:
    from ..suggest.store import PatternReport

VERDICTS = ("correct", "borderline", "wrong")
THIN = 30
"""Below this many suggestions judged a cell is flagged as thin: its interval is wider than ±0.15."""
Z95 = 1.959963984540054


def wilson_interval(successes: float, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval for a proportion (95 % by default); None when ``n`` is 0.

    Unlike the normal approximation it stays inside [0, 1] and behaves at 0 and n
    successes, which is where small audit cells live (Wilson 1927; Brown, Cai &
    DasGupta 2001).  ``successes`` may be fractional (the formula only uses the
    proportion): a suggestion two judges disagree on counts half correct.
    """
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError(f"successes {successes} outside 0..{n}")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = (z / (1 + z2 / n)) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def _code_filter(codes: Sequence[str] | None) -> tuple[str, list]:
    if not codes:
        return "", []
    parts, params = [], []
    for code in codes:
        parts.append("(s.code_id = ? OR s.code_id LIKE ?)")
        params += [code, code + ".%"]
    return " AND (" + " OR ".join(parts) + ")", params


def _suggestion_columns(project: Project) -> set[str]:
    return {row[1] for row in project.db.execute("PRAGMA table_info(suggestions)")}


def candidate_suggestions(project: Project, *, codes: Sequence[str] | None = None,
                          since: str | None = None, until: str | None = None,
                          predicted: dict[str, str] | None = None,
                          doc_ids: Sequence[int] | None = None, presented: bool = False,
                          unjudged: bool = False, suggestion_ids: Sequence[int] | None = None,
                          notes: list[str] | None = None, where: Sequence[str] | None = None,
                          include_excluded: bool = False) -> list[dict]:
    """The suggestions a draw chooses from (current codebook codes only), in a stable order.

    ``since``/``until`` compare with the document date (YYYY[-MM[-DD]], inclusive);
    ``where`` keeps documents with those attributes (``genre=speech``) and documents
    excluded from the corpus are left out unless ``include_excluded`` (the selection
    rules of :mod:`coder.selection`);
    ``predicted`` keeps suggestions whose predicted attribute values match (``{"source":
    "own"}``), which needs a rule engine that stores predictions.  A code that carries no
    such dimension (a context code has no source) is not filtered by it: the workbench
    presents its suggestions whatever the dimension would say, so they pass, and a line
    saying how many codes passed so goes to ``notes``.  ``presented`` keeps only what the
    workbench presents (not set aside, i.e. not dimmed); ``unjudged`` leaves out every
    suggestion (same document, code and span) any judge has already given a verdict on;
    ``suggestion_ids`` keeps only those suggestions.
    """
    sql = ("SELECT s.*, d.date AS date FROM suggestions s JOIN documents d ON d.id = s.document_id"
           " JOIN codes c ON c.id = s.code_id WHERE c.retired = 0")
    code_sql, params = _code_filter(codes)
    sql += code_sql
    if since:
        sql += " AND d.date >= ?"
        params.append(since)
    if until:
        # "2019" or "2019-03" include the whole year or month.
        sql += " AND substr(d.date, 1, ?) <= ?"
        params += [len(until), until]
    if doc_ids:
        sql += f" AND s.document_id IN ({','.join('?' * len(doc_ids))})"
        params += [int(i) for i in doc_ids]
    if presented and "marked" in _suggestion_columns(project):
        sql += " AND s.marked = 0"
    if unjudged:
        # By span, not by suggestion id: a re-run of `coder suggest` renumbers suggestions.
        sql += (" AND NOT EXISTS (SELECT 1 FROM audit_items j WHERE j.verdict IS NOT NULL"
                " AND j.document_id = s.document_id AND j.code_id = s.code_id"
                ' AND j.start = s.start AND j."end" = s."end")')
    if suggestion_ids is not None:
        # One JSON parameter: a long id list would pass SQLite's limit on parameters.
        sql += " AND s.id IN (SELECT value FROM json_each(?))"
        params.append(json.dumps(sorted({int(i) for i in suggestion_ids})))
    more, more_params = Filters(where=list(where) if where else None,
                                include_excluded=include_excluded or bool(doc_ids)).document_sql("d")
    sql += more
    params += more_params
    rows = project.rows(sql + ' ORDER BY s.code_id, s.document_id, s.start, s."end", s.pattern_id',
                        params)
    if predicted:
        columns = _suggestion_columns(project)
        missing = [k for k in predicted if k not in columns and f"predicted_{k}" not in columns
                   and "attributes" not in columns]
        if missing:
            raise CoderError(f"suggestions carry no predicted {', '.join(missing)} "
                             "(run `coder suggest` with a version that predicts attributes)")
        declared = {attribute.id for attribute in codebook_attributes(project)}
        for k in predicted:
            if k not in declared:
                raise CoderError(f"predicted {k}=...: no code of the codebook carries a {k} "
                                 f"dimension (it declares {', '.join(sorted(declared)) or 'none'})",
                                 option="predicted")
        dims = _dimensions_by_code(project, rows)
        carried = {code: {a.id for a in attributes} for code, attributes in dims.items()}
        without = {code for code, ids in carried.items() if any(k not in ids for k in predicted)}
        rows = [row for row in rows if all(
            k not in carried[row["code_id"]]
            or predicted_attributes(project, row, dims[row["code_id"]]).get(k) == v
            for k, v in predicted.items())]
        if without and notes is not None:
            names = " or ".join(sorted(predicted))
            notes.append(f"{len(without)} code(s) have no {names} dimension (e.g. {min(without)}): "
                         "their suggestions are kept, not filtered by it")
    return rows


def _dimensions_by_code(project: Project, rows: list[dict]) -> dict[str, list]:
    return {code: code_attributes(project, code) for code in {row["code_id"] for row in rows}}


@dataclass(frozen=True)
class AuditDraw:
    """The outcome of :func:`draw_audit`."""

    draw: str              # the draw's name
    judge: str
    drawn: int             # items added now
    already: int           # items this judge already had in this draw
    codes: dict[str, int]  # per code, how many were drawn
    notes: list[str]       # what the filters left out, one line each


def draw_audit(project: Project, judge: str, *, per_code: int, seed: int,
               codes: Sequence[str] | None = None, since: str | None = None,
               until: str | None = None, predicted: dict[str, str] | None = None,
               doc_ids: Sequence[int] | None = None, draw: str | None = None,
               presented: bool = False, unjudged: bool = False,
               suggestion_ids: Sequence[int] | None = None,
               where: Sequence[str] | None = None, include_excluded: bool = False) -> AuditDraw:
    """Draw up to ``per_code`` suggestions of every code for ``judge``; one transaction.

    The sample depends only on ``seed`` and the filters.  Items are shown in a shuffled
    order (not grouped by code, so a judge does not settle into one code's rhythm).
    Drawing again with the same name adds nothing already drawn for this judge.
    ``presented``, ``unjudged`` and ``suggestion_ids`` filter as in
    :func:`candidate_suggestions`; an id of ``suggestion_ids`` that is no current
    suggestion is an error.
    """
    if per_code < 1:
        raise CoderError("per_code must be at least 1", option="per_code")
    name = draw or f"seed-{seed}"
    notes: list[str] = []
    if suggestion_ids is not None:
        known = {row["id"] for row in candidate_suggestions(project, suggestion_ids=suggestion_ids,
                                                                 include_excluded=True)}
        unknown = sorted({int(i) for i in suggestion_ids} - known)
        if unknown:
            raise CoderError(f"suggestion #{unknown[0]} is no current suggestion"
                             + (f" (nor {len(unknown) - 1} more)" if len(unknown) > 1 else ""))
    if where:
        from ..corpus.documents import parse_where

        parse_where(where)  # a malformed one fails before any work
    rows = candidate_suggestions(project, codes=codes, since=since, until=until,
                                 predicted=predicted, doc_ids=doc_ids, presented=presented,
                                 unjudged=unjudged, suggestion_ids=suggestion_ids, notes=notes,
                                 where=where, include_excluded=include_excluded)
    if not rows:
        raise CoderError("no suggestions match; run `coder suggest` or widen the filters")
    by_code: dict[str, list[dict]] = {}
    for row in rows:
        by_code.setdefault(row["code_id"], []).append(row)
    chosen: list[dict] = []
    counts: dict[str, int] = {}
    for code, members in sorted(by_code.items()):
        # A generator per code: adding a code to the filter does not change another's sample.
        rng = random.Random(f"{seed}:{code}")
        picked = rng.sample(members, min(per_code, len(members)))
        counts[code] = len(picked)
        chosen += picked
    random.Random(f"{seed}:order").shuffle(chosen)
    dims = _dimensions_by_code(project, chosen)
    added = already = 0
    with project.transaction():
        judge_id = project.coder_id(judge)  # a new judge belongs to the draw's transaction
        seq = project.db.execute("SELECT coalesce(max(seq), 0) FROM audit_items WHERE judge_id = ?"
                                 " AND draw = ?", [judge_id, name]).fetchone()[0]
        stamp = now()
        for row in chosen:
            cursor = project.db.execute(
                'INSERT OR IGNORE INTO audit_items(draw, judge_id, seq, suggestion_id, document_id,'
                ' code_id, start, "end", pattern_id, codebook_version, predicted, drawn_at)'
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [name, judge_id, seq + 1, row["id"], row["document_id"], row["code_id"],
                 row["start"], row["end"], row["pattern_id"], row["codebook_version"],
                 json.dumps(predicted_attributes(project, row, dims[row["code_id"]]),
                            sort_keys=True), stamp])
            if cursor.rowcount:
                seq += 1
                added += 1
            else:
                already += 1
        project.log_event("draw", "audit", None, coder_id=judge_id,
                          after={"draw": name, "seed": seed, "per_code": per_code,
                                 "codes": list(codes or []), "since": since, "until": until,
                                 "predicted": predicted or {}, "presented": presented,
                                 "unjudged": unjudged, "where": list(where or []), "ids": len(suggestion_ids or []),
                                 "drawn": added})
    return AuditDraw(draw=name, judge=judge, drawn=added, already=already, codes=counts,
                     notes=notes)


# An audit item's live suggestion, by its natural key: a re-run of `coder suggest`
# renumbers suggestions (``i``: the audit item, ``s``: the suggestion).
_LIVE_KEY = ("s.document_id = i.document_id AND s.code_id = i.code_id AND s.start = i.start"
             ' AND s."end" = i."end" AND s.pattern_id = i.pattern_id')


def audit_items(project: Project, judge: str, *, draw: str | None = None,
                pending_only: bool = False) -> list[dict]:
    """The judge's items in showing order, with the text, its context and the speaker.

    Only the judge's own verdicts are included: a judge never sees another's.  Each item
    says whether the workbench presents its suggestion now: ``set_aside`` is True when it
    is dimmed (``set_aside_why`` gives the rule's reason when one applies), False when
    presented, None when the suggestion is gone (a later `coder suggest` dropped it).
    """
    judge_id = project.coder_id(judge, create=False)
    sql = ("SELECT i.*, d.date, d.title, substr(d.text, i.start + 1, i.\"end\" - i.start) AS text,"
           " c.name AS code_name, c.definition, c.when_to_use, c.when_not_to_use,"
           " s.marked AS live_marked, s.cues AS live_cues, s.id AS live_id"
           " FROM audit_items i JOIN documents d ON d.id = i.document_id"
           " LEFT JOIN codes c ON c.id = i.code_id"
           f" LEFT JOIN suggestions s ON {_LIVE_KEY}"
           " WHERE i.judge_id = ?")
    params: list = [judge_id]
    if draw:
        sql += " AND i.draw = ?"
        params.append(draw)
    if pending_only:
        sql += " AND i.verdict IS NULL"
    items = project.rows(sql + " GROUP BY i.id ORDER BY i.draw, i.seq", params)
    for item in items:
        item["predicted"] = json.loads(item["predicted"] or "{}")
        marked, cues = item.pop("live_marked"), item.pop("live_cues")
        item["set_aside"] = None if item.pop("live_id") is None else bool(marked)
        why = None
        if item["set_aside"]:
            why = (json.loads(cues) if cues else {}).get("set_aside") or "not the speaker's own affirmed move"
        item["set_aside_why"] = why
        item.update(item_context(project, item))
    return items


def item_context(project: Project, item: dict, *, width: int = 400) -> dict:
    """The turn around an item: ``before``/``after`` text (up to ``width`` each), speaker.

    ``previous`` is the turn before it (``{"speaker", "kind", "text"}``, the last
    ``width`` characters), or None: an answer is judged with the question it answers.
    """
    turn = project.rows(
        'SELECT t.seq, t.question_id, t.start, t."end", s.name AS speaker, COALESCE(t.kind, s.kind) AS kind FROM turns t'
        " LEFT JOIN speakers s ON s.id = t.speaker_id"
        ' WHERE t.document_id = ? AND t.start <= ? AND t."end" >= ? ORDER BY t.seq LIMIT 1',
        [item["document_id"], item["start"], item["end"]])
    lo, hi = (turn[0]["start"], turn[0]["end"]) if turn else (0, None)
    hi = item["end"] + width if hi is None else min(hi, item["end"] + width)
    turn_start = lo
    lo = max(lo, item["start"] - width)
    text = project.db.execute(
        "SELECT substr(text, ? + 1, ? - ?), substr(text, ? + 1, ? - ?) FROM documents WHERE id = ?",
        [lo, item["start"], lo, item["end"], hi, item["end"], item["document_id"]]).fetchone()
    before, after = text
    # A window edge inside the turn cuts a word: leave the part-word out.
    if lo > turn_start and " " in before:
        before = before[before.index(" ") + 1:]
    if len(after) == width and " " in after:
        after = after[:after.rindex(" ")]
    previous = None
    if turn:
        head = ('SELECT t.start, t."end", s.name AS speaker, COALESCE(t.kind, s.kind) AS kind'
                " FROM turns t LEFT JOIN speakers s ON s.id = t.speaker_id")
        if turn[0]["question_id"] is not None:   # an answer: the question it answers
            rows = project.rows(head + " WHERE t.id = ?", [turn[0]["question_id"]])
        else:
            rows = project.rows(head + " WHERE t.document_id = ? AND t.seq < ?"
                                " ORDER BY t.seq DESC LIMIT 1", [item["document_id"], turn[0]["seq"]])
        if rows:
            row = rows[0]
            start = max(row["start"], row["end"] - width)
            said = project.db.execute("SELECT substr(text, ? + 1, ? - ?) FROM documents WHERE id = ?",
                                      [start, row["end"], start, item["document_id"]]).fetchone()[0]
            if start > row["start"] and " " in said:
                said = "… " + said[said.index(" ") + 1:]
            previous = {"speaker": row["speaker"], "kind": row["kind"], "text": said.strip()}
    return {"before": before, "after": after, "previous": previous,
            "speaker": turn[0]["speaker"] if turn else None,
            "speaker_kind": turn[0]["kind"] if turn else None}


def judge_item(project: Project, judge: str, item_id: int, verdict: str | None,
               reason: str | None = None) -> dict:
    """Record (``verdict=None``: withdraw) the judge's verdict on one item; returns the row."""
    if verdict is not None and verdict not in VERDICTS:
        raise CoderError(f"verdict {verdict!r} must be one of {', '.join(VERDICTS)}")
    judge_id = project.coder_id(judge, create=False)
    with project.transaction():
        rows = project.rows("SELECT * FROM audit_items WHERE id = ?", [item_id])
        if not rows:
            raise CoderError(f"no audit item #{item_id}")
        if rows[0]["judge_id"] != judge_id:
            raise CoderError(f"audit item #{item_id} was drawn for another judge")
        before = rows[0]
        project.db.execute("UPDATE audit_items SET verdict = ?, reason = ?, judged_at = ? WHERE id = ?",
                           [verdict, (reason or "").strip() or None,
                            now() if verdict else None, item_id])
        after = project.rows("SELECT * FROM audit_items WHERE id = ?", [item_id])[0]
        project.log_event("judge", "audit_item", item_id, coder_id=judge_id,
                          before={k: before[k] for k in ("verdict", "reason")},
                          after={k: after[k] for k in ("verdict", "reason")})
    return after


def read_verdicts(path: str | Path) -> list[dict]:
    """Verdicts from a CSV file: a header row naming ``item`` (an audit item id) or
    ``suggestion`` (a suggestion id), ``verdict`` (correct / borderline / wrong / none) and
    optionally ``reason``.  Returns ``[{"row", "item"|"suggestion", "verdict", "reason"}]``;
    bad input is a :class:`CoderError` naming the file and the row (the header is row 1).
    """
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            lines = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CoderError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from exc
    if not lines:
        raise CoderError(f"{path}: empty; the first row names the columns item (or suggestion),"
                         " verdict, reason")
    header = [name.strip().lower() for name in lines[0]]
    key = next((k for k in ("item", "suggestion") if k in header), None)
    if key is None or "verdict" not in header:
        raise CoderError(f"{path}: row 1 must name the columns item (or suggestion), verdict and "
                         f"optionally reason; it names {', '.join(header) or 'nothing'}")
    at = {name: header.index(name) for name in (key, "verdict", "reason") if name in header}
    out = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        raw, verdict = cells[at[key]].strip().lstrip("#"), cells[at["verdict"]].strip().lower()
        if not raw.isdigit():
            raise CoderError(f"{path}: row {number}: {key} {raw!r} is not a number")
        if verdict not in (*VERDICTS, "none"):
            raise CoderError(f"{path}: row {number}: verdict {verdict!r} must be one of "
                             f"{', '.join(VERDICTS)} or none")
        out.append({"row": number, key: int(raw), "verdict": None if verdict == "none" else verdict,
                    "reason": cells[at["reason"]].strip() if "reason" in at else None})
    return out


def judge_items(project: Project, judge: str, verdicts: list[dict], *,
                source: str = "input") -> list[dict]:
    """Record many verdicts (rows of :func:`read_verdicts`) in one transaction.

    Every row is checked before anything is written: an item that is not the judge's, or
    a suggestion drawn for the judge in no (or in more than one) item, is an error naming
    ``source`` and the row, and the project is left unchanged.  Returns the stored rows.
    """
    judge_id = project.coder_id(judge, create=False)
    mine = project.rows("SELECT i.id, i.document_id, i.code_id, i.start, i.\"end\", i.pattern_id,"
                        " i.suggestion_id FROM audit_items i WHERE i.judge_id = ?", [judge_id])
    by_item = {row["id"]: row for row in mine}
    live = {(r["document_id"], r["code_id"], r["start"], r["end"], r["pattern_id"]): r["id"]
            for r in project.rows('SELECT id, document_id, code_id, start, "end", pattern_id'
                                  " FROM suggestions WHERE id IN (SELECT value FROM json_each(?))",
                                  [json.dumps([v["suggestion"] for v in verdicts if "suggestion" in v])])}
    # A suggestion id names an item by the id it was drawn with, or (after a re-run of
    # `coder suggest` renumbered them) by the live suggestion's natural key.
    by_suggestion: dict[int, set[int]] = {}
    for row in mine:
        key = (row["document_id"], row["code_id"], row["start"], row["end"], row["pattern_id"])
        for sid in (row["suggestion_id"], live.get(key)):
            if sid is not None:
                by_suggestion.setdefault(sid, set()).add(row["id"])
    plan = []
    for verdict in verdicts:
        where = f"{source}: row {verdict.get('row', '?')}"
        if "suggestion" in verdict:
            items = sorted(set(by_suggestion.get(verdict["suggestion"], [])))
            if not items:
                raise CoderError(f"{where}: suggestion #{verdict['suggestion']} is in none of "
                                 f"{judge}'s audit items")
            if len(items) > 1:
                raise CoderError(f"{where}: suggestion #{verdict['suggestion']} is in {len(items)} "
                                 f"of {judge}'s items (#{items[0]}, #{items[1]}): name the item")
            item_id = items[0]
        else:
            item_id = verdict["item"]
            if item_id not in by_item:
                raise CoderError(f"{where}: audit item #{item_id} is not one of {judge}'s")
        plan.append((item_id, verdict["verdict"], verdict.get("reason")))
    with project.transaction():
        return [judge_item(project, judge, item_id, verdict, reason)
                for item_id, verdict, reason in plan]


def _count(value: Fraction) -> int | float:
    """A (possibly fractional) count as JSON shows it: an int when whole, else 4 decimals."""
    return int(value) if value.denominator == 1 else round(float(value), 4)


@dataclass(frozen=True)
class Tally:
    """Verdict counts and rates of a group of judged suggestions.

    ``n`` counts distinct suggestions (items), however many judges read each;
    ``judgements`` counts the verdicts behind them.  A suggestion read by several judges
    counts once, as the share of their verdicts that say correct (borderline, wrong), so
    ``correct``, ``borderline`` and ``wrong`` may be fractional (two judges split on a
    suggestion add 0.5 to each side) and always sum to ``n``.  ``precision`` counts
    *correct* only, ``lenient`` borderline too; ``low``/``high`` (and
    ``lenient_low``/``lenient_high``) are Wilson 95 % bounds over the ``n`` suggestions;
    ``thin``: fewer suggestions than the report's threshold.  Rates are None when ``n``
    is 0.
    """

    n: int
    judgements: int
    correct: int | float
    borderline: int | float
    wrong: int | float
    precision: float | None
    low: float | None
    high: float | None
    lenient: float | None
    lenient_low: float | None
    lenient_high: float | None
    thin: bool

    @classmethod
    def of(cls, items: list[list[str]], thin: int, **key) -> Tally:
        """The tally of ``items``, each the list of verdicts on one suggestion (``key``: the
        subclass's key fields)."""
        n = len(items)
        # Exact fractions: a sum of shares like 1/3 + 2/3 must come to a whole 1, not
        # 0.999..., or a cell of all-correct items would miss its upper bound of 1.
        share = {verdict: sum((Fraction(v.count(verdict), len(v)) for v in items), Fraction(0))
                 for verdict in VERDICTS}
        correct, borderline = share["correct"], share["borderline"]
        strict = wilson_interval(float(correct), n)
        lenient = wilson_interval(float(correct + borderline), n)
        return cls(**key, n=n, judgements=sum(len(v) for v in items),
                   correct=_count(correct), borderline=_count(borderline),
                   wrong=_count(share["wrong"]),
                   precision=round(float(correct / n), 4) if n else None,
                   low=round(strict[0], 4) if strict else None,
                   high=round(strict[1], 4) if strict else None,
                   lenient=round(float((correct + borderline) / n), 4) if n else None,
                   lenient_low=round(lenient[0], 4) if lenient else None,
                   lenient_high=round(lenient[1], 4) if lenient else None,
                   thin=n < thin)


@dataclass(frozen=True)
class _Keyed:
    key: object


@dataclass(frozen=True)
class PrecisionCell(Tally, _Keyed):
    """A report cell: a family, code, year or prediction (``key``) and its :class:`Tally`.

    (``_Keyed`` comes last among the bases so that ``key`` is the first field, as in the
    report's JSON.)
    """


@dataclass(frozen=True)
class PatternCell(Tally):
    """A per-pattern report cell: the :class:`Tally` of one ``code``'s ``pattern``."""

    code: str
    pattern: str


@dataclass(frozen=True)
class JudgeAgreement:
    """How far judges who read the same suggestions agree (nominal alpha, share of pairs)."""

    judges: list[str]
    items: int
    alpha: float | None
    percent: float | None


@dataclass(frozen=True)
class ReportBlindness:
    """The report was cut to ``judge``'s own judgements: ``pending`` items still to judge."""

    judge: str
    pending: int


@dataclass(frozen=True)
class AuditReport:
    """The result of :func:`audit_report`."""

    judgements: int
    suggestions: int       # distinct suggestions judged (what the cells' n count)
    pending: int
    judges: list[str]
    draws: list[str]
    thin_below: int
    overall: PrecisionCell
    weighted: float | None
    weighted_over: str | None  # which suggestions ``weighted`` speaks for
    by_family: list[PrecisionCell]
    by_code: list[PrecisionCell]
    by_pattern: list[PatternCell]
    by_year: list[PrecisionCell]
    by_predicted: list[PrecisionCell]
    judge_agreement: JudgeAgreement | None
    warnings: list[str]
    blind: ReportBlindness | None


# The item's live suggestion, by its natural key: a re-run of `coder suggest` renumbers them.
_LIVE_SUGGESTION = f"SELECT 1 FROM suggestions s WHERE {_LIVE_KEY}"


def report_blind_to_others(project: Project, viewer: str | None, draw: str | None = None
                           ) -> int:
    """How many items ``viewer`` still has to judge when the report must hide others'
    judgements from them (0: it need not).

    A judge reads blind: until they have judged every item drawn for them (in ``draw``,
    when given), the report shows them their own judgements only, not who else judged or
    what.  A project owner (setting ``owners``) sees everything.
    """
    if not viewer:
        return 0
    from .blind import owners

    if viewer in owners(project):
        return 0
    sql = ("SELECT count(*) FROM audit_items i JOIN coders k ON k.id = i.judge_id"
           " WHERE k.name = ? AND i.verdict IS NULL")
    params: list = [viewer]
    if draw:
        sql += " AND i.draw = ?"
        params.append(draw)
    return project.db.execute(sql, params).fetchone()[0]


def _weighted_precision(project: Project, items: list) -> tuple[float | None, str | None,
                                                                str | None]:
    """Precision weighted by each code's share of the suggestions it was judged on:
    ``(weighted, which suggestions it speaks for, a warning or None)``.

    An audit drawn from presented suggestions says nothing of the set-aside ones (and the
    other way round), so each (code, presented or set aside) cell is weighted by its own
    count of current suggestions, and cells nobody judged are left out and named.
    ``items`` are the judged suggestions of :func:`audit_report` (one per suggestion,
    ``live_marked`` whether it is set aside now, None when it is gone, ``verdicts`` every
    verdict on it): a cell's precision
    is the mean of its suggestions' shares of correct verdicts, as in the report's cells.
    """
    judged: dict[tuple[str, int], list[float]] = {}
    for item in items:
        if item["live_marked"] is not None:  # (None: a later run dropped it; kind unknown)
            verdicts = item["verdicts"]
            judged.setdefault((item["code_id"], int(item["live_marked"])), []).append(
                verdicts.count("correct") / len(verdicts))
    if not judged:
        return None, None, None
    population = {(code, int(m)): n for code, m, n in project.db.execute(
        "SELECT s.code_id, s.marked, count(*) FROM suggestions s JOIN documents d"
        " ON d.id = s.document_id WHERE d.excluded = 0 GROUP BY s.code_id, s.marked")}
    total = sum(population.get(key, 0) for key in judged)
    if not total:
        return None, None, None
    weighted = round(sum(sum(scores) / len(scores) * population.get(key, 0)
                         for key, scores in judged.items()) / total, 4)
    kinds = {m for _, m in judged}
    over = ("presented and set-aside suggestions" if kinds == {0, 1} else
            "set-aside suggestions" if kinds == {1} else "presented suggestions")
    codes = {code for code, _ in judged}
    unread = sorted(f"{code} {'set aside' if m else 'presented'}" for (code, m), n
                    in population.items() if code in codes and n and (code, m) not in judged)
    note = None
    if unread:
        note = ("the weighted precision leaves out suggestions of a kind nobody judged: "
                f"{first_few(unread, 3)} (a draw over all suggestions reads both kinds)")
    return weighted, over, note


def audit_report(project: Project, *, judges: Sequence[str] | None = None,
                 draw: str | None = None, codes: Sequence[str] | None = None,
                 thin: int = THIN, viewer: str | None = None,
                 set_aside: bool | None = None) -> AuditReport:
    """Precision of judged suggestions: overall, per family, code, pattern, year, prediction.

    ``precision`` counts *correct* only; ``lenient`` counts borderline as correct too.
    Each cell has n and Wilson 95 % bounds (``low``/``high``); ``thin`` marks cells with
    fewer than ``thin`` suggestions.  ``n`` counts distinct suggestions (by document, code,
    span and pattern), not judgements: a suggestion two judges read is one observation,
    and counting it twice would narrow the interval as if twice as many suggestions had
    been read.  Its score is the share of its verdicts saying correct (for ``lenient``,
    correct or borderline), so a suggestion the judges split on counts half correct and
    ``correct`` may be fractional; the judges' agreement is reported apart
    (``judge_agreement``).  Filter with ``judges`` to read one judge's precision.
    ``weighted`` re-weights per-code precision by each code's share of the current
    suggestions it was measured on (the draw takes the same number per code, so the raw
    overall figure over-represents rare codes): presented and set-aside suggestions are
    weighted apart, each by the precision judged on its own kind, and only the kinds some
    judgement read count (``weighted_over`` says which); suggestions in documents excluded
    from analyses are not counted.

    ``viewer``: who reads the report.  A judge with items still to judge sees only their
    own judgements (see :func:`report_blind_to_others`); ``blind`` then says so.

    ``set_aside``: False keeps only items whose suggestion the workbench presents now,
    True only those it sets aside (dimmed); items whose suggestion is gone (a later
    `coder suggest` dropped it) are then left out, as nobody can say which they are.
    """
    left = report_blind_to_others(project, viewer, draw)
    if left:
        judges = [viewer] if not judges or viewer in judges else []
    sql = ("SELECT i.*, k.name AS judge, substr(d.date, 1, 4) AS year,"
           f" (SELECT s.marked FROM suggestions s WHERE {_LIVE_KEY}) AS live_marked"
           " FROM audit_items i JOIN coders k ON k.id = i.judge_id"
           " JOIN documents d ON d.id = i.document_id WHERE i.verdict IS NOT NULL")
    params: list = []
    if judges or left:  # a blind judge asking for others' gets nothing (IN () holds for none)
        sql += f" AND k.name IN ({','.join('?' * len(judges))})"
        params += list(judges)
    if draw:
        sql += " AND i.draw = ?"
        params.append(draw)
    where, more = _code_filter(codes)
    sql += where.replace("s.code_id", "i.code_id")
    params += more
    if set_aside is not None:
        sql += f" AND EXISTS ({_LIVE_SUGGESTION} AND s.marked = ?)"
        params.append(int(set_aside))
    rows = project.rows(sql + " ORDER BY i.id", params)
    if left:
        pending = left
    else:
        pending = project.db.execute("SELECT count(*) FROM audit_items WHERE verdict IS NULL"
                                     + (" AND draw = ?" if draw else ""),
                                     [draw] if draw else []).fetchone()[0]

    # One entry per suggestion judged (its natural key: a re-run of `coder suggest`
    # renumbers suggestions), carrying every verdict on it.
    judged: dict[tuple, dict] = {}
    for row in rows:
        key = (row["document_id"], row["code_id"], row["start"], row["end"], row["pattern_id"])
        judged.setdefault(key, {**row, "verdicts": []})["verdicts"].append(row["verdict"])
    items = list(judged.values())

    def verdicts_by(key_of) -> list[tuple[object, list[list[str]]]]:
        buckets: dict = {}
        for item in items:
            for key in key_of(item):
                buckets.setdefault(key, []).append(item["verdicts"])
        return sorted(buckets.items(), key=lambda kv: str(kv[0]))

    def group(key_of) -> list[PrecisionCell]:
        return [PrecisionCell.of(verdicts, thin, key=key) for key, verdicts in verdicts_by(key_of)]

    by_code = group(lambda r: [r["code_id"]])
    weighted, weighted_over, note = _weighted_precision(project, items)
    by_pattern = [PatternCell.of(verdicts, thin, code=code, pattern=pattern)
                  for (code, pattern), verdicts in verdicts_by(
                      lambda r: [(r["code_id"], r["pattern_id"])])]
    by_year = group(lambda r: [r["year"] or "undated"])
    thin_cells = sum(c.thin for cells in (by_code, by_pattern, by_year) for c in cells)
    warnings: list[str] = []
    if left:
        warnings.append(
            f"{viewer} still has {left} item(s) to judge: the report shows {viewer}'s own "
            "judgements only, blind to who else judged (all once every item is judged; a "
            "project owner sees all)")
    if note:
        warnings.append(note)
    if not rows:
        warnings.append("no judged items yet: `coder audit draw`, then `coder audit judge`")
    elif thin_cells:
        warnings.append(
            f"{thin_cells} cell(s) have fewer than {thin} suggestions judged: read their "
            "intervals, not their rates")
    return AuditReport(
        judgements=len(rows),
        suggestions=len(items),
        pending=pending,
        judges=sorted({r["judge"] for r in rows}),
        draws=sorted({r["draw"] for r in rows}),
        thin_below=thin,
        overall=PrecisionCell.of([item["verdicts"] for item in items], thin, key="all"),
        weighted=weighted,
        weighted_over=weighted_over,
        by_family=group(lambda r: [r["code_id"].split(".")[0]]),
        by_code=by_code,
        by_pattern=by_pattern,
        by_year=by_year,
        by_predicted=group(lambda r: [f"{k}={v}" for k, v in
                                      sorted(json.loads(r["predicted"] or "{}").items())]),
        judge_agreement=_judge_agreement(rows),
        warnings=warnings,
        blind=ReportBlindness(judge=viewer, pending=left) if left else None,
    )


def _judge_agreement(rows: list[dict]) -> JudgeAgreement | None:
    """How far judges who read the same suggestions agree (None: no suggestion read twice).

    Nominal Krippendorff's alpha over judges x suggestions (correct / borderline /
    wrong), and the share of pairs agreeing; a precision figure is only as good as this.
    """
    from ..agreement.measures import krippendorff_alpha, percent_agreement

    judges = sorted({r["judge"] for r in rows})
    if len(judges) < 2:
        return None
    by_item: dict[tuple, dict[str, str]] = {}
    for row in rows:
        key = (row["document_id"], row["code_id"], row["start"], row["end"], row["pattern_id"])
        by_item.setdefault(key, {})[row["judge"]] = row["verdict"]
    shared = [verdicts for verdicts in by_item.values() if len(verdicts) >= 2]
    if not shared:
        return None
    data = [[verdicts.get(judge) for verdicts in shared] for judge in judges]
    alpha = krippendorff_alpha(data)
    percent = percent_agreement(data)
    return JudgeAgreement(judges=judges, items=len(shared),
                          alpha=None if alpha.value is None else round(alpha.value, 4),
                          percent=None if percent.value is None else round(percent.value, 4))


def audited_precision(project: Project, *, judges: Sequence[str] | None = None
                      ) -> dict[str, PrecisionCell]:
    """Per code: the audited precision cell (as in :func:`audit_report`), for weighting counts."""
    return {cell.key: cell for cell in audit_report(project, judges=judges).by_code}


def with_intervals(project: Project, report: PatternReport, *, thin: int = THIN) -> PatternReport:
    """Add n and Wilson 95 % bounds to ``coder patterns report``, and the audited precision.

    ``n`` is the number of accept/reject decisions (accepts by coding included) behind
    ``precision`` (``low``/``high`` its interval); ``audit`` is the pattern's cell of :func:`audit_report` (None when no
    item of the pattern was judged).  Decisions are what coders happened to accept while
    coding, so they lean towards the suggestions they agreed with; the audit is a sample.
    """
    audited = {(cell.code, cell.pattern): cell
               for cell in audit_report(project, thin=thin).by_pattern}
    rows = []
    for row in report.patterns:
        n = row.accepted + row.covered + row.rejected
        bounds = wilson_interval(row.accepted + row.covered, n)
        low, high = (round(bounds[0], 4), round(bounds[1], 4)) if bounds else (None, None)
        rows.append(dataclasses.replace(row, n=n, low=low, high=high, thin=n < thin,
                                        audit=audited.get((row.code, row.pattern))))
    return dataclasses.replace(report, patterns=rows, thin_below=thin)


def suggestion_frequencies(project: Project, *, by: str = "year",
                           codes: Sequence[str] | None = None, since: object = None,
                           until: object = None, document_ids: Sequence[int] | None = None,
                           where: Sequence[str] | None = None, include_excluded: bool = False,
                           weighted: bool = False) -> tuple[list[str], list[dict], list[str]]:
    """Suggestions per month or year, per code family: ``(columns, rows, warnings)``.

    The documents are chosen as every statistic chooses them (:mod:`coder.selection`):
    dated within ``since``/``until``, the ``document_ids``, with the ``where``
    attributes, excluded documents left out unless ``include_excluded`` (or named by id).

    Suggestions are not codings: columns say ``(unvalidated)``.  With ``weighted``, the
    suggestions the workbench presents and those it sets aside (dimmed: not the speaker's
    own affirmed move, or a set-aside rule) are counted apart, and each part is weighted
    by the precision audited on its own kind only (the code's cell of
    :func:`audit_report` with ``set_aside`` False or True, else its top-level family's):
    ``<code> presented x audited precision`` and ``<code> set aside x audited
    precision``, an estimate of how many are right, as good as the audit behind it.  A
    part with no such audit (an audit drawn with ``presented`` reads no set-aside
    suggestion) has an empty weighted cell, and a warning says so; its count stays in
    its own unweighted column.  Warnings cover only the codes counted.
    """
    from ..codebook.model import code_tree
    from ..export.matrix import code_columns, column_index
    from ..selection import resolve_filters

    if by not in ("month", "year"):
        raise CoderError(f"by must be month or year, not {by!r}", option="by")
    selection = resolve_filters(project, since=since, until=until, document_ids=document_ids,
                                where=where, include_excluded=include_excluded)
    wanted = list(codes or [])
    if not wanted:
        tree = code_tree(project)
        wanted = [c for c, row in tree.items() if row["parent_id"] is None and not row["retired"]]
    columns = code_columns(project, wanted)
    index = column_index(columns)
    width = 7 if by == "month" else 4
    more, params = selection.document_sql("d")
    sql = ("SELECT substr(d.date, 1, ?) AS period, s.code_id, s.marked, count(*) AS n"
           " FROM suggestions s JOIN documents d ON d.id = s.document_id"
           f" WHERE d.date IS NOT NULL{more}"
           " GROUP BY period, s.code_id, s.marked ORDER BY period")
    counts = [row for row in project.rows(sql, [width, *params]) if row["code_id"] in index]
    kinds = ("presented", "set aside")
    # precision[kind][code]: the audited precision of that kind of suggestion (None: none)
    precision: dict[str, dict[str, float | None]] = {kind: {} for kind in kinds}
    warnings: list[str] = []
    if weighted:
        in_scope = sorted(index)
        used: list[PrecisionCell] = []
        for kind in kinds:
            report = audit_report(project, codes=in_scope, set_aside=kind == "set aside")
            by_code = {c.key: c for c in report.by_code}
            by_family = {c.key: c for c in report.by_family}
            unaudited = set()
            for row in counts:
                if bool(row["marked"]) != (kind == "set aside"):
                    continue
                code = row["code_id"]
                cell = by_code.get(code) or by_family.get(code.split(".")[0])
                precision[kind][code] = cell.precision if cell else None
                if cell is None:
                    unaudited.add(code)
                elif cell not in used:
                    used.append(cell)
            if unaudited and kind == "presented":
                warnings.append(
                    f"{len(unaudited)} code(s) have no precision audited on presented "
                    f"suggestions (e.g. {min(unaudited)}): their presented weighted cells "
                    "are empty")
            elif unaudited:
                warnings.append(
                    f"{len(unaudited)} code(s) have set-aside suggestions but no precision "
                    f"audited on set-aside ones (e.g. {min(unaudited)}): those are counted "
                    "unweighted (set aside column) and their set-aside weighted cells are "
                    "empty; an audit draw over all suggestions, not only presented ones, "
                    "reads them too")
        gone = project.db.execute(
            "SELECT count(*) FROM audit_items i WHERE i.verdict IS NOT NULL AND i.code_id IN"
            f" (SELECT value FROM json_each(?)) AND NOT EXISTS ({_LIVE_SUGGESTION})",
            [json.dumps(in_scope)]).fetchone()[0]
        if gone:
            warnings.append(f"{gone} judged audit item(s) of these codes are left out of the "
                            "weights: their suggestions are gone (a later `coder suggest` "
                            "replaced them), so whether they were presented is unknown")
        if any(cell.thin for cell in used):
            warnings.append("some audited precisions rest on fewer than "
                            f"{THIN} suggestions judged: see `coder audit report`")
    periods: dict[str, dict] = {}
    for row in counts:
        entry = periods.setdefault(row["period"], {
            "n": [0] * len(columns),
            **{kind: {"n": [0] * len(columns), "w": [0.0] * len(columns),
                      "missing": [False] * len(columns)} for kind in kinds}})
        kind = kinds[1] if row["marked"] else kinds[0]
        for column in index[row["code_id"]]:
            entry["n"][column] += row["n"]
            part = entry[kind]
            part["n"][column] += row["n"]
            if weighted:
                value = precision[kind].get(row["code_id"])
                if value is None:
                    part["missing"][column] = True
                else:
                    part["w"][column] += row["n"] * value
    out_columns = [by]
    for name, _ in columns:
        out_columns.append(f"{name} suggested (unvalidated)")
        if weighted:
            for kind in kinds:
                out_columns += [f"{name} {kind} (unvalidated)",
                                f"{name} {kind} x audited precision"]
    rows = []
    for period in sorted(periods):
        entry = periods[period]
        record: dict = {by: period}
        for column, (name, _) in enumerate(columns):
            record[f"{name} suggested (unvalidated)"] = entry["n"][column]
            if weighted:
                for kind in kinds:
                    part = entry[kind]
                    record[f"{name} {kind} (unvalidated)"] = part["n"][column]
                    record[f"{name} {kind} x audited precision"] = (
                        None if part["missing"][column] else round(part["w"][column], 2))
        rows.append(record)
    return out_columns, rows, warnings
