"""Blind coding in the reliability sample: the rule, the reveals and the record.

The rule (one place, so the workbench, the review screen and the CLI say the same thing):
while a coder has a document of the reliability sample assigned and has not marked it
``done``, nothing of other coders' work on that document is shown to them (codings,
decisions, memos), and suggestions stay hidden when the sample was drawn with
``--blind-suggestions``.

A *reveal* is showing others' work on a document to a coder.  It is allowed once the coder
marked the document done (or when the document is not in their open sample), and inside an
open sample only as an explicit override with a reason (by a project owner when the
project names owners in its ``owners`` setting).  Every reveal is one ``reveal`` event in
the events log (entity ``document``, coder = the coder who sees), so whether a coder's
codings were made blind can be read back from the record: :func:`blind_record`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import CoderError
from ..project import Project


@dataclass(frozen=True)
class Blindness:
    """Whether ``coder`` must code ``document_id`` blind right now, and why."""

    coder: str
    document_id: int
    blind: bool                 # others' work may not be shown
    hide_suggestions: bool      # the sample hides suggestions here
    status: str | None          # the coder's assignment status (None: not assigned)
    sample: str | None          # 'reliability' / 'single' / None

    @property
    def reason(self) -> str:
        """One line saying why others' work is hidden (empty when it is not)."""
        if not self.blind:
            return ""
        return (f"document #{self.document_id} is in the reliability sample and {self.coder} has "
                f"not marked it done ({self.status}): others' codings, decisions and memos stay "
                "hidden until then (mark it done, or a project owner reveals it with a reason)")


def _assignment(project: Project, coder: str, document_id: int) -> tuple[int | None, dict | None]:
    row = project.db.execute("SELECT id FROM coders WHERE name = ?", [coder]).fetchone()
    if row is None:
        return None, None
    found = project.rows("SELECT sample, status FROM assignments WHERE document_id = ?"
                         " AND coder_id = ?", [document_id, row[0]])
    return row[0], (found[0] if found else None)


def blindness(project: Project, coder: str, document_id: int) -> Blindness:
    """The blind-coding state of one coder on one document (see the module's rule)."""
    _, assignment = _assignment(project, coder, document_id)
    sample = assignment["sample"] if assignment else None
    status = assignment["status"] if assignment else None
    open_sample = sample == "reliability" and status != "done"
    hide = open_sample and bool(project.setting("blind_suggestions"))
    return Blindness(coder, document_id, open_sample, hide, status, sample)


def check_may_see_others(project: Project, coder: str, document_id: int) -> None:
    """CoderError (saying why) when ``coder`` codes ``document_id`` blind."""
    state = blindness(project, coder, document_id)
    if state.blind:
        raise CoderError(state.reason)


def owners(project: Project) -> list[str]:
    """The project's owners (setting ``owners``); empty: any named person may override."""
    value = project.setting("owners") or []
    return [value] if isinstance(value, str) else list(value)


def reveal(project: Project, coder: str, document_id: int, *, via: str,
           reason: str | None = None, by: str | None = None) -> dict:
    """Record that others' work on ``document_id`` is shown to ``coder``; returns the event info.

    Refuses (CoderError, nothing logged) inside the coder's open reliability sample unless
    ``reason`` is given; then it is an override by ``by`` (default: the coder), who must be
    one of :func:`owners` when the project names owners.  ``via`` says where (``"workbench
    o"``, ``"review"``, ``"cli reveal"``).  One transaction, one ``reveal`` event.
    """
    get_document = project.db.execute("SELECT 1 FROM documents WHERE id = ?", [document_id])
    if get_document.fetchone() is None:
        raise CoderError(f"no document #{document_id}")
    state = blindness(project, coder, document_id)
    reason = " ".join((reason or "").split())
    override = state.blind
    if override:
        if not reason:
            raise CoderError(state.reason)
        who = (by or coder).strip()
        allowed = owners(project)
        if allowed and who not in allowed:
            raise CoderError(f"only a project owner ({', '.join(allowed)}) may reveal others' work "
                             f"inside an open sample; {who} is not one")
    info = {"document_id": document_id, "via": via, "override": override,
            "reason": reason or None, "by": (by or coder) if override else coder,
            "sample": state.sample, "status": state.status}
    with project.transaction():
        # A new coder is added with the reveal, once it is allowed: a refused one adds none.
        coder_id = project.coder_id(coder)
        project.log_event("reveal", "document", document_id, coder_id=coder_id, after=info)
    return info


def reveals(project: Project, document_id: int | None = None) -> list[dict]:
    """Every ``reveal`` event (oldest first): id, at, coder, document_id, via, override, reason, by."""
    import json

    sql = ("SELECT e.id, e.at, k.name AS coder, e.entity_id AS document_id, e.after FROM events e"
           " LEFT JOIN coders k ON k.id = e.coder_id WHERE e.action = 'reveal'")
    params: list = []
    if document_id is not None:
        sql += " AND e.entity_id = ?"
        params.append(document_id)
    out = []
    for row in project.rows(sql + " ORDER BY e.id", params):
        info = json.loads(row.pop("after") or "{}")
        out.append({**row, "via": info.get("via"), "override": bool(info.get("override")),
                    "reason": info.get("reason"), "by": info.get("by")})
    return out


def open_sample(project: Project, coders: list[str]) -> dict[int, list[str]]:
    """Documents of the reliability sample that some of ``coders`` have not marked done yet,
    each with those coders (in the order given)."""
    out: dict[int, list[str]] = {}
    for coder in coders:
        for (document_id,) in project.db.execute(
                "SELECT x.document_id FROM assignments x JOIN coders k ON k.id = x.coder_id"
                " WHERE k.name = ? AND x.sample = 'reliability' AND x.status != 'done'"
                " ORDER BY x.document_id", [coder]):
            out.setdefault(document_id, []).append(coder)
    return out


def blind_record(project: Project, coders: list[str], documents: list[int]) -> dict[tuple[int, str], dict]:
    """Per (document, coder): were the coder's codings there made blind?  From the record.

    A coder's work on a document counts as blind when no change to their codings there
    (created, resized, recoded or removed: ``annotations.updated_at``) comes after the first
    ``reveal`` of that document to them.  Each value holds ``blind`` (bool), ``codings``
    (live annotations), ``after_reveal`` (annotations changed after it), ``first_reveal``
    (time or None), ``override`` (whether that reveal was an override) and whether the coder
    accepted suggestions there (``suggestions_used``).
    """
    if not coders or not documents:
        return {}
    first: dict[tuple[int, str], dict] = {}
    for event in reveals(project):
        # The earliest by time, not by row: a merge appends reveals made earlier elsewhere.
        key = (event["document_id"], event["coder"])
        if key not in first or event["at"] < first[key]["at"]:
            first[key] = event
    out: dict[tuple[int, str], dict] = {}
    marks = ",".join("?" * len(documents))
    for coder in coders:
        row = project.db.execute("SELECT id FROM coders WHERE name = ?", [coder]).fetchone()
        if row is None:
            continue
        rows = project.rows(
            "SELECT document_id, deleted, updated_at, origin FROM annotations"
            f" WHERE coder_id = ? AND document_id IN ({marks})", [row[0], *documents])
        for document_id in documents:
            mine = [r for r in rows if r["document_id"] == document_id]
            event = first.get((document_id, coder))
            late = [r for r in mine if event is not None and r["updated_at"] > event["at"]]
            out[(document_id, coder)] = {
                "blind": not late, "codings": sum(not r["deleted"] for r in mine),
                "after_reveal": len(late), "first_reveal": event["at"] if event else None,
                "override": bool(event and event["override"]),
                "suggestions_used": any(r["origin"] == "suggestion" and not r["deleted"]
                                        for r in mine)}
    return out


def blind_documents(record: dict[tuple[int, str], dict], coders: list[str],
                    documents: list[int]) -> list[int]:
    """The documents on which every one of ``coders`` coded blind (per :func:`blind_record`)."""
    return [d for d in documents
            if all(record.get((d, c), {"blind": True})["blind"] for c in coders)]


def blind_documents_of(project: Project, viewer: str) -> dict[int, str]:
    """The documents ``viewer`` codes blind right now, each with the reason (the rule above)."""
    out: dict[int, str] = {}
    for document_id in open_sample(project, [viewer]):
        state = blindness(project, viewer, document_id)
        if state.blind:
            out[document_id] = state.reason
    return out


class Withholding:
    """The rule of :func:`withhold_others` for a stream of codings (an export): ask
    :meth:`keep` for each row, then call :meth:`finish` once the rows are written."""

    def __init__(self, project: Project, viewer: str, *, via: str) -> None:
        self.project, self.viewer, self.via = project, viewer, via
        self.hidden = blind_documents_of(project, viewer)
        self.held: dict[int, int] = {}
        self.shown_others: set[int] = set()

    def keep(self, document_id: int | None, coder: str | None) -> bool:
        """Whether ``viewer`` may see a coding of ``coder`` on ``document_id``."""
        if coder == self.viewer or document_id is None:
            return True
        if document_id in self.hidden:
            self.held[document_id] = self.held.get(document_id, 0) + 1
            return False
        self.shown_others.add(document_id)
        return True

    def finish(self) -> dict[int, int]:
        """Log the reveals (others' rows shown on the viewer's sampled documents, marked
        done); returns, per held document, how many rows were held back."""
        project, shown = self.project, self.shown_others
        if shown:
            coder_id = project.db.execute("SELECT id FROM coders WHERE name = ?",
                                          [self.viewer]).fetchone()
            if coder_id is not None:
                marks = ",".join("?" * len(shown))
                sampled = [d for (d,) in project.db.execute(
                    "SELECT document_id FROM assignments WHERE coder_id = ?"
                    f" AND sample = 'reliability' AND document_id IN ({marks})"
                    " ORDER BY document_id", [coder_id[0], *sorted(shown)])]
                for document_id in sampled:
                    reveal(project, self.viewer, document_id, via=self.via)
            self.shown_others = set()
        return self.held


def withhold_others(project: Project, viewer: str, rows: list[dict], *,
                    via: str) -> tuple[list[dict], dict[int, int]]:
    """Apply the rule to a listing of codings (rows with ``document_id`` and ``coder``) shown
    to ``viewer``: rows of others (gold decisions too) on a document ``viewer`` codes blind
    are held back.  Returns the rows kept and, per held document, how many were held.

    Others' rows that are shown on a document of ``viewer``'s reliability sample (marked
    done) are a reveal, logged once per document with ``via`` (the command), as the
    workbench's ``o`` is: the record then says when the coder saw the others' work.
    """
    rule = Withholding(project, viewer, via=via)
    kept = [row for row in rows if rule.keep(row.get("document_id"), row.get("coder"))]
    return kept, rule.finish()


def held_back_note(held: dict[int, int], viewer: str, what: str = "coding(s)") -> str:
    """One line saying what a listing held back for blind coding (empty when nothing);
    ``what`` names the rows (``"memo(s)"`` for a memo listing)."""
    if not held:
        return ""
    docs = ", ".join(f"#{d}" for d in sorted(held))
    return (f"held back {sum(held.values())} {what} of others on document(s) {docs}: "
            f"{viewer} codes them blind in the reliability sample and has not marked them done "
            "(mark them done, or a project owner reveals them in the workbench with a reason)")


__all__ = ["Blindness", "blind_documents", "blind_documents_of", "blind_record", "blindness",
           "check_may_see_others", "held_back_note", "open_sample", "owners", "reveal",
           "reveals", "Withholding", "withhold_others"]
