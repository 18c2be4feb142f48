"""Blind reliability samples and the assignment of documents to coders.

``draw_sample`` picks a stratified random sample of documents (seeded: the same seed and
project give the same sample) that every listed coder codes independently
(``assignments.sample = 'reliability'``), and spreads the other documents over the same
coders one each (``sample = 'single'``), round-robin over a seeded shuffle.  The sample is
drawn once: drawing again refuses unless ``replace=True``.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from ..errors import CoderError
from ..project import Project
from .coders import coder_ids, set_suggestions_off

STRATA = ("month", "year", "kind")
STATUSES = ("todo", "in_progress", "done")


@dataclass
class Sample:
    """The outcome of :func:`draw_sample`."""

    coders: list[str]
    reliability: list[int]                     # document ids every coder codes
    single: dict[str, list[int]]               # coder -> documents coded by that coder alone
    strata: dict[str, tuple[int, int]] = field(default_factory=dict)  # stratum -> (sampled, of)
    seed: int | None = None
    size: str = ""
    stratify: str | None = None
    blind_suggestions: bool = False

    def as_dict(self) -> dict:
        """JSON-ready form."""
        return {"coders": self.coders, "reliability": self.reliability, "single": self.single,
                "strata": {k: {"sampled": a, "documents": b} for k, (a, b) in self.strata.items()},
                "seed": self.seed, "size": self.size, "stratify": self.stratify,
                "blind_suggestions": self.blind_suggestions}


def parse_size(size: str | int, total: int) -> int:
    """``"15%"`` → 15 % of ``total`` (rounded, at least 1 when total > 0); ``"20"`` → 20.

    CoderError for anything else, or for more documents than there are.
    """
    text = str(size).strip()
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*%", text)
    if match:
        share = float(match.group(1))
        if not 0 < share <= 100:
            raise CoderError(f"sample size {text}: a percentage must be above 0 and at most 100")
        return max(1, round(total * share / 100)) if total else 0
    if not text.isdigit() or int(text) < 1:
        raise CoderError(f"sample size {text!r}: give a number of documents (20) or a share (15%)")
    if int(text) > total:
        raise CoderError(f"sample size {text}: the project has only {total} documents")
    return int(text)


def stratum_of(document: dict, stratify: str | None) -> str:
    """The stratum of a document: its month (YYYY-MM), year, or kind; ``"unknown"`` without one."""
    if stratify is None:
        return "all"
    if stratify not in STRATA:
        raise CoderError(f"cannot stratify by {stratify!r} (use {', '.join(STRATA)})")
    if stratify == "kind":
        return document.get("kind") or "unknown"
    date = document.get("date") or ""
    width = 7 if stratify == "month" else 4
    return date[:width] if len(date) >= width else "unknown"


def allocate(counts: dict[str, int], n: int, rng: random.Random | None = None) -> dict[str, int]:
    """Proportional allocation of ``n`` over strata (largest remainder; ties at random).

    Each stratum gets ``floor(n * size / total)``; the units left go to the largest
    remainders, so the result sums to ``n`` and never exceeds a stratum's size.
    Remainders are compared exactly (as integers ``n * size mod total``).  Strata whose
    remainders tie (equal-sized strata always do) are ordered by ``rng``, so every one of
    them has the same chance of the extra document; without ``rng`` ties go by stratum
    name (deterministic, for callers with no seed).
    """
    total = sum(counts.values())
    if n > total:
        raise CoderError(f"cannot sample {n} documents out of {total}")
    if not total:
        return {k: 0 for k in counts}
    alloc, remainder = {}, {}
    for key, count in counts.items():
        alloc[key], remainder[key] = divmod(n * count, total)
    # One draw per stratum in name order: the same seed breaks the same ties.
    tiebreak = {k: (rng.random() if rng is not None else 0.0) for k in sorted(counts)}
    left = n - sum(alloc.values())
    for key in sorted(counts, key=lambda k: (-remainder[k], tiebreak[k], k))[:left]:
        alloc[key] += 1
    return alloc


def draw_sample(project: Project, coders: list[str], *, size: str | int, stratify: str | None = None,
                seed: int | None = None, replace: bool = False,
                blind_suggestions: bool = False, include_excluded: bool = False,
                where: list[str] | None = None) -> Sample:
    """Draw the reliability sample and assign every document; one transaction.

    The ``size`` documents of the sample (N or N%, allocated proportionally over the
    strata) are assigned to every coder in ``coders`` as ``reliability``; the other
    documents go to one coder each (``single``), round-robin in a seeded shuffled order so
    the load is even (counts differ by at most one).  An assignment that is kept (same
    document and coder) keeps its status.  With ``blind_suggestions`` the project setting
    ``blind_suggestions`` is set and the coders' ``suggestions_off`` flag turned on, so
    neither other coders' codings nor pattern suggestions are shown while they code.
    Refuses when assignments exist, unless ``replace=True``.  Documents excluded from
    analyses (``coder documents exclude``) are left out unless ``include_excluded``;
    ``where`` (``key=value`` attributes) narrows the documents.
    """
    if len(coders) < 2:
        raise CoderError("a reliability sample needs at least two coders (e.g. alice,bob)",
                         option="coders")
    ids = coder_ids(project, coders)
    from ..corpus.documents import where_sql

    sql, params = where_sql(where or [])
    if not include_excluded:
        sql += " AND d.excluded = 0"
    documents = project.rows(f"SELECT d.id, d.date, d.kind FROM documents d WHERE 1 = 1{sql}"
                             " ORDER BY d.id", params)
    if not documents:
        raise CoderError("the project has no documents; import some first", path=project.path)
    n = parse_size(size, len(documents))
    existing = project.rows("SELECT * FROM assignments ORDER BY document_id, coder_id")
    if existing and not replace:
        # Worded to start with the option's keyword: the CLI shows "--replace is needed ..."
        # (a leading "--replace:" read as if the user had given it).
        raise CoderError(f"replace is needed to draw a new sample: {len(existing)} assignments "
                         "exist already (statuses of documents a coder keeps are kept)",
                         option="replace")
    rng = random.Random(seed)
    strata: dict[str, list[int]] = {}
    for doc in documents:
        strata.setdefault(stratum_of(doc, stratify), []).append(doc["id"])
    # Ties of the allocation get a generator of their own, so breaking them leaves the
    # draw within strata (and the assignment of the rest) as the seed always made it.
    ties = random.Random(None if seed is None else f"{seed}:allocation")
    alloc = allocate({k: len(v) for k, v in strata.items()}, n, ties)
    reliability: list[int] = []
    for key in sorted(strata):
        reliability.extend(rng.sample(strata[key], alloc[key]))
    reliability.sort()
    chosen = set(reliability)
    rest = [doc["id"] for doc in documents if doc["id"] not in chosen]
    rng.shuffle(rest)
    # Start the round-robin at a seeded coder so no coder is always first in line.
    offset = rng.randrange(len(coders))
    single: dict[str, list[int]] = {name: [] for name in coders}
    for i, doc_id in enumerate(rest):
        single[coders[(i + offset) % len(coders)]].append(doc_id)
    for docs in single.values():
        docs.sort()
    status = {(r["document_id"], r["coder_id"]): r["status"] for r in existing}
    rows = [(d, cid, "reliability") for d in reliability for cid in ids]
    rows += [(d, ids[coders.index(name)], "single") for name, docs in single.items() for d in docs]
    with project.transaction():
        project.db.execute("DELETE FROM assignments")
        project.db.conn.executemany(
            "INSERT INTO assignments(document_id, coder_id, sample, status) VALUES (?, ?, ?, ?)",
            [(d, c, s, status.get((d, c), "todo")) for d, c, s in rows])
        info = {"coders": coders, "size": str(size), "n": n, "stratify": stratify, "seed": seed,
                "documents": reliability, "blind_suggestions": blind_suggestions}
        project.set_setting("reliability_sample", info)
        project.set_setting("blind_suggestions", bool(blind_suggestions))
        set_suggestions_off(project, coders, blind_suggestions)
        project.log_event("sample", "assignments", None,
                          before={"assignments": existing} if existing else None, after=info)
    return Sample(coders=coders, reliability=reliability, single=single, seed=seed,
                  size=str(size), stratify=stratify, blind_suggestions=blind_suggestions,
                  strata={k: (alloc[k], len(v)) for k, v in sorted(strata.items())})


def assignments(project: Project, coder: str | None = None) -> list[dict]:
    """Assignments with document date/title and the coder's live annotation count there."""
    sql = ("SELECT x.document_id, d.date, d.title, k.name AS coder, x.sample, x.status,"
           " (SELECT count(*) FROM annotations a WHERE a.document_id = x.document_id"
           "  AND a.coder_id = x.coder_id AND a.deleted = 0) AS annotations"
           " FROM assignments x JOIN documents d ON d.id = x.document_id"
           " JOIN coders k ON k.id = x.coder_id")
    params: list = []
    if coder is not None:
        coder_ids(project, [coder])
        sql += " WHERE k.name = ?"
        params.append(coder)
    return project.rows(sql + " ORDER BY k.name, x.sample, d.date, x.document_id", params)


def set_status(project: Project, coder: str, document_id: int, status: str) -> dict:
    """Mark a coder's assigned document ``todo``, ``in_progress`` or ``done`` (logged)."""
    if status not in STATUSES:
        raise CoderError(f"status {status!r}: use {', '.join(STATUSES)}")
    coder_id = coder_ids(project, [coder])[0]
    with project.transaction():
        rows = project.rows("SELECT * FROM assignments WHERE document_id = ? AND coder_id = ?",
                            [document_id, coder_id])
        if not rows:
            raise CoderError(f"document #{document_id} is not assigned to {coder}")
        project.db.execute("UPDATE assignments SET status = ? WHERE document_id = ? AND coder_id = ?",
                           [status, document_id, coder_id])
        project.log_event("status", "assignment", document_id, coder_id=coder_id,
                          before={"status": rows[0]["status"]}, after={"status": status})
    return {**rows[0], "status": status}


def reliability_documents(project: Project, coder_ids_: list[int]) -> list[int]:
    """Documents assigned as ``reliability`` to every one of these coders."""
    if not coder_ids_:
        return []
    marks = ",".join("?" * len(coder_ids_))
    return [r[0] for r in project.db.execute(
        f"SELECT document_id FROM assignments WHERE sample = 'reliability' AND coder_id IN ({marks})"
        " GROUP BY document_id HAVING count(DISTINCT coder_id) = ? ORDER BY document_id",
        [*coder_ids_, len(coder_ids_)])]
