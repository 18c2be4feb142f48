"""Coders of a project: add them, mark the gold (adjudicated) layer, list them with progress.

Coders are never deleted: their coded work is part of the audit trail.  A *gold* coder
(``coders.is_gold = 1``) holds the adjudicated layer that review produces; exports and the
pattern precision report treat it as the reference.
"""

from __future__ import annotations

from ..errors import CoderError
from ..project import Project, check_coder_name, now

GOLD = "gold"


def check_name(name: str | None, *, exact: bool = False) -> str:
    """A coder name, stripped; CoderError unless it is 1-64 characters without spaces or
    commas (the rule of :func:`coder.project.check_coder_name`, which every way of adding
    a coder shares)."""
    return check_coder_name(name, exact=exact)


def parse_coders(value: str | list[str] | tuple[str, ...]) -> list[str]:
    """``"alice,bob"`` (or a list of such strings) → ``["alice", "bob"]``, order kept, no repeats."""
    items = [value] if isinstance(value, str) else list(value)
    names: list[str] = []
    for item in items:
        for part in str(item).split(","):
            if part.strip() and part.strip() not in names:
                names.append(check_name(part))
    return names


def add_coders(project: Project, names: list[str], *, gold: bool = False) -> list[dict]:
    """Add coders (existing ones are left as they are, except that ``gold=True`` marks them gold).

    One transaction, one ``add`` event per new coder; returns the coders' rows.
    """
    names = [check_name(n) for n in names]
    if not names:
        raise CoderError("name at least one coder")
    with project.transaction():
        for name in names:
            row = project.db.execute("SELECT id, is_gold FROM coders WHERE name = ?",
                                     [name]).fetchone()
            if row is None:
                coder_id = project.db.execute(
                    "INSERT INTO coders(name, is_gold, created_at) VALUES (?, ?, ?)",
                    [name, int(gold or name == GOLD), now()]).lastrowid
                project.log_event("add", "coder", coder_id,
                                  after={"name": name, "is_gold": int(gold or name == GOLD)})
            elif gold and not row[1]:
                project.db.execute("UPDATE coders SET is_gold = 1 WHERE id = ?", [row[0]])
                project.log_event("update", "coder", row[0], before={"is_gold": 0},
                                  after={"is_gold": 1})
    return [get_coder(project, n) for n in names]


def get_coder(project: Project, name: str) -> dict:
    """One coder's row; CoderError naming the known coders if there is none by that name."""
    rows = project.rows("SELECT * FROM coders WHERE name = ?", [name])
    if not rows:
        known = [r["name"] for r in project.rows("SELECT name FROM coders ORDER BY id")]
        hint = f" (coders: {', '.join(known)})" if known else ""
        raise CoderError(f"no coder named {name!r}; add one with `coder coders add {name}`{hint}")
    return rows[0]


def coder_ids(project: Project, names: list[str]) -> list[int]:
    """The ids of existing coders, in the order given (CoderError for an unknown name)."""
    return [get_coder(project, n)["id"] for n in names]


def gold_coder(project: Project, name: str = GOLD) -> int:
    """The id of the gold coder ``name``, created (and marked ``is_gold``) when needed."""
    name = check_name(name)
    row = project.db.execute("SELECT id, is_gold FROM coders WHERE name = ?", [name]).fetchone()
    if row and row[1]:
        return row[0]
    return add_coders(project, [name], gold=True)[0]["id"]


def set_suggestions_off(project: Project, names: list[str], off: bool = True) -> None:
    """Hide (``off=True``) or show pattern suggestions for these (existing) coders."""
    coder_ids(project, names)  # every name must be a coder already
    with project.transaction():
        for name in names:
            set_suggestions_visible(project, name, not off)


def suggestions_visible(project: Project, coder_name: str) -> bool:
    """Whether the coder sees suggestions (False for reliability coders who switched them off)."""
    row = project.db.execute("SELECT suggestions_off FROM coders WHERE name = ?",
                             [coder_name]).fetchone()
    return not (row and row[0])


def set_suggestions_visible(project: Project, coder_name: str, visible: bool) -> bool:
    """Switch suggestions on or off for a coder (created if missing); returns the old value."""
    with project.transaction():
        coder_id = project.coder_id(coder_name)
        old = suggestions_visible(project, coder_name)
        project.db.execute("UPDATE coders SET suggestions_off = ? WHERE id = ?",
                           [0 if visible else 1, coder_id])
        project.log_event("suggestions_off" if not visible else "suggestions_on", "coder",
                          coder_id, before={"suggestions_off": int(not old)},
                          after={"suggestions_off": int(not visible)})
    return old


def list_coders(project: Project) -> list[dict]:
    """Every coder with their progress.

    For each coder: ``annotations`` (live), ``documents`` coded (with at least one live
    annotation), ``assigned`` / ``reliability`` / ``done`` / ``in_progress`` assignment
    counts, and ``turns_coded``: the share of the turns of their assigned documents that
    overlap at least one of their live annotations (``None`` with nothing assigned).
    """
    coders = project.rows("SELECT * FROM coders ORDER BY id")
    stats = {r["coder_id"]: r for r in project.rows(
        "SELECT coder_id, count(*) AS annotations, count(DISTINCT document_id) AS documents"
        " FROM annotations WHERE deleted = 0 GROUP BY coder_id")}
    assigned = {r["coder_id"]: r for r in project.rows(
        "SELECT coder_id, count(*) AS assigned,"
        " sum(sample = 'reliability') AS reliability, sum(status = 'done') AS done,"
        " sum(status = 'in_progress') AS in_progress FROM assignments GROUP BY coder_id")}
    turns = {r["coder_id"]: r for r in project.rows(
        "SELECT x.coder_id, count(*) AS turns, sum(EXISTS (SELECT 1 FROM annotations a"
        "  WHERE a.document_id = t.document_id AND a.coder_id = x.coder_id AND a.deleted = 0"
        '  AND a.start < t."end" AND a."end" > t.start)) AS coded'
        " FROM assignments x JOIN turns t ON t.document_id = x.document_id GROUP BY x.coder_id")}
    out = []
    for coder in coders:
        s = stats.get(coder["id"], {})
        a = assigned.get(coder["id"], {})
        t = turns.get(coder["id"], {})
        out.append({
            "id": coder["id"], "name": coder["name"], "gold": bool(coder["is_gold"]),
            "suggestions_off": bool(coder["suggestions_off"]),
            "annotations": s.get("annotations", 0), "documents": s.get("documents", 0),
            "assigned": a.get("assigned", 0), "reliability": a.get("reliability") or 0,
            "done": a.get("done") or 0, "in_progress": a.get("in_progress") or 0,
            "turns_coded": (t["coded"] / t["turns"]) if t.get("turns") else None,
        })
    return out
