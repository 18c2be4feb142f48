"""Review of disagreements between coders, and adjudication into a gold layer.

A *disagreement* is a stretch of one document where the coders did not code one code the
same way.  Per code and document, every listed coder's live spans are grouped into
clusters (spans that overlap, across coders, by at least one character); a cluster where
the coders' spans are not all identical is a disagreement.  Its ``splits`` are the
intervals where some coders applied the code and others did not (from the character
sweep of :mod:`coder.agreement.sweep`); a coder with no span in the cluster left that
text uncoded (an *unmatched* segment of the others).

:func:`adjudicate` settles one disagreement: the adjudicator takes one coder's version,
the union of all versions, none (the text is not coded), or a span of their own, with a
reason.  The result goes to the *gold* coder (``coders.is_gold = 1``, named ``gold`` by
default) as annotations with ``origin = 'adjudicated'`` whose memo names the
adjudicator, the choice and the reason.  Each adjudication is one transaction and one
event (``action = 'create'``, ``entity = 'adjudication'``, coder = the gold coder) with
before/after snapshots in :mod:`coder.annotate`'s format, so
``coder.annotate.undo(project, "gold")`` takes the whole adjudication back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..corpus.turns import DocumentTurns, paragraph_number
from ..errors import CoderError
from ..project import Project
from .coders import GOLD, gold_coder

Choice = str | tuple[int, int]


@dataclass
class Disagreement:
    """One disagreement on ``code_id`` in ``document_id`` over ``[start, end)``.

    ``versions`` maps each coder to their spans of the code in the cluster (empty: they
    did not code it), ``annotations`` to the ids of those annotations; ``splits`` lists
    ``(start, end, coders_with)`` where coders split; ``gold`` holds the gold layer's
    spans of the code overlapping the stretch, and ``settled`` says whether an
    adjudication (not undone) covers it.
    """

    document_id: int
    code_id: str
    start: int
    end: int
    versions: dict[str, list[tuple[int, int]]]
    annotations: dict[str, list[int]]
    splits: list[tuple[int, int, tuple[str, ...]]] = field(default_factory=list)
    gold: list[tuple[int, int]] = field(default_factory=list)
    settled: bool = False
    code_name: str = ""

    @property
    def key(self) -> str:
        """A stable label: ``doc:code:start-end``."""
        return f"{self.document_id}:{self.code_id}:{self.start}-{self.end}"

    @property
    def split_chars(self) -> int:
        """Characters on which the coders split."""
        return sum(e - s for s, e, _ in self.splits)

    @property
    def kind(self) -> str:
        """``unmatched`` when some coder did not code the stretch at all, else ``boundaries``."""
        return "unmatched" if any(not v for v in self.versions.values()) else "boundaries"

    @property
    def coders_with(self) -> list[str]:
        """The coders who coded something in the stretch."""
        return [c for c, v in self.versions.items() if v]

    def as_dict(self) -> dict:
        """JSON-ready form."""
        return {"key": self.key, "document_id": self.document_id, "code_id": self.code_id,
                "code_name": self.code_name, "start": self.start, "end": self.end,
                "kind": self.kind, "split_chars": self.split_chars,
                "versions": {c: [list(s) for s in v] for c, v in self.versions.items()},
                "splits": [[s, e, list(w)] for s, e, w in self.splits],
                "gold": [list(s) for s in self.gold], "settled": self.settled}


def _clusters(per_coder: list[list[tuple[int, int]]]) -> list[list[tuple[int, int, int]]]:
    """Spans of all coders grouped where they overlap (by >= 1 character): (start, end, coder)."""
    items = sorted((s, e, i) for i, spans in enumerate(per_coder) for s, e in spans)
    clusters: list[list[tuple[int, int, int]]] = []
    reach = -1
    for item in items:
        if clusters and item[0] < reach:
            clusters[-1].append(item)
            reach = max(reach, item[1])
        else:
            clusters.append([item])
            reach = item[1]
    return clusters


def _adjudications(project: Project, document_id: int | None = None) -> list[dict]:
    """The adjudication events still in effect (not undone), newest last.

    An adjudication that wrote gold codings is a ``create`` event; "not coded" where the
    gold layer had codings only removes them, a ``delete`` event: both settle.
    """
    out = []
    for row in project.rows("SELECT after FROM events WHERE entity = 'adjudication' AND undone = 0"
                            " AND action IN ('create', 'delete') ORDER BY id"):
        info = json.loads(row["after"] or "{}").get("adjudication")
        if info and (document_id is None or info["document_id"] == document_id):
            out.append(info)
    return out


def disagreements(project: Project, coders: list[str], *, code: str | None = None,
                  document_id: int | None = None, docs: str | list[int] | None = None,
                  gold: str = GOLD) -> list[Disagreement]:
    """The disagreements among ``coders``, worst documents first.

    Documents: ``document_id`` alone, else those :func:`coder.agreement.units.select_documents`
    picks for ``docs`` (default: the reliability sample, else every document all the
    coders coded).  Documents are ordered by their number of disagreements, then by the
    characters in dispute (both descending); disagreements within a document by position.
    """
    from ..agreement.sweep import sweep
    from ..agreement.units import load_spans, select_codes, select_documents

    scope = select_documents(project, coders, [document_id] if document_id is not None
                             else (docs or "auto"))
    codes = select_codes(project, scope, [code] if code else None)
    names = dict(project.db.execute("SELECT id, name FROM codes").fetchall())
    spans = load_spans(project, scope, codes)
    ids = _annotation_ids(project, scope.coder_ids, scope.documents, codes)
    gold_spans = _gold_spans(project, gold, scope.documents, codes)
    settled = {}
    for info in _adjudications(project):
        if info.get("gold", GOLD) == gold:
            settled.setdefault((info["document_id"], info["code_id"]), []).append(
                (info["start"], info["end"]))
    lengths = dict(project.db.execute("SELECT id, length(text) FROM documents").fetchall())
    found: list[Disagreement] = []
    for code_id in codes:
        for doc_id, per_coder in spans.get(code_id, {}).items():
            if all(per_coder[0] == other for other in per_coder[1:]):
                continue
            for cluster in _clusters(per_coder):
                versions = {name: [(s, e) for s, e, i in cluster if i == k]
                            for k, name in enumerate(scope.coders)}
                first = next(iter(versions.values()))
                if all(v == first for v in versions.values()):
                    continue
                start = min(s for s, _, _ in cluster)
                end = max(e for _, e, _ in cluster)
                cov = sweep(versions, lengths[doc_id], scope.coders)
                splits = cov.splits()
                if not splits:
                    # Same characters covered, only cut differently (e.g. a span nested in
                    # another of the same code): nothing for an adjudicator to settle.
                    continue
                d = Disagreement(
                    doc_id, code_id, start, end, versions,
                    {name: [ids[(doc_id, code_id, scope.coder_ids[k], s, e)]
                            for s, e in versions[name]] for k, name in enumerate(scope.coders)},
                    splits=[(sp.start, sp.end, tuple(sp.coders_with)) for sp in splits],
                    gold=[g for g in gold_spans.get((doc_id, code_id), []) if g[0] < end and g[1] > start],
                    code_name=names.get(code_id, code_id))
                d.settled = any(s < end and e > start for s, e in settled.get((doc_id, code_id), []))
                found.append(d)
    per_doc: dict[int, list[int]] = {}
    for d in found:
        stats = per_doc.setdefault(d.document_id, [0, 0])
        stats[0] += 1
        stats[1] += d.split_chars
    found.sort(key=lambda d: (-per_doc[d.document_id][0], -per_doc[d.document_id][1],
                              d.document_id, d.start, d.end, d.code_id))
    return found


def _annotation_ids(project: Project, coder_ids_: list[int], documents: list[int],
                    codes: list[str]) -> dict[tuple, int]:
    out = {}
    for row in project.db.execute(
            'SELECT document_id, code_id, coder_id, start, "end", id FROM annotations'
            f" WHERE deleted = 0 AND coder_id IN ({','.join('?' * len(coder_ids_))})"
            " AND document_id IN (SELECT value FROM json_each(?))"
            " AND code_id IN (SELECT value FROM json_each(?)) ORDER BY id DESC",
            [*coder_ids_, json.dumps(documents), json.dumps(codes)]):
        out[tuple(row[:5])] = row[5]   # duplicates: the oldest annotation wins
    return out


def _gold_spans(project: Project, gold: str, documents: list[int],
                codes: list[str]) -> dict[tuple[int, str], list[tuple[int, int]]]:
    out: dict[tuple[int, str], list[tuple[int, int]]] = {}
    for doc_id, code_id, start, end in project.db.execute(
            'SELECT a.document_id, a.code_id, a.start, a."end" FROM annotations a JOIN coders k'
            " ON k.id = a.coder_id WHERE k.name = ? AND a.deleted = 0"
            " AND a.document_id IN (SELECT value FROM json_each(?))"
            " AND a.code_id IN (SELECT value FROM json_each(?))"
            ' ORDER BY a.start, a."end"', [gold, json.dumps(documents), json.dumps(codes)]):
        out.setdefault((doc_id, code_id), []).append((start, end))
    return out


def choice_spans(disagreement: Disagreement, choice: Choice) -> list[tuple[int, int]]:
    """The spans a choice stands for: a coder's version, ``union``, ``none`` or ``(start, end)``."""
    from ..agreement.sweep import merge_spans

    if isinstance(choice, tuple | list):
        if len(choice) != 2:
            raise CoderError(f"a span of your own is (start, end); got {choice!r}")
        start, end = int(choice[0]), int(choice[1])
        if not 0 <= start < end:
            raise CoderError(f"span {start}-{end} is empty")
        return [(start, end)]
    if choice == "none":
        return []
    if choice == "union":
        every = [s for spans in disagreement.versions.values() for s in spans]
        return [(int(s), int(e)) for s, e in merge_spans(every)]
    if choice in disagreement.versions:
        return list(disagreement.versions[choice])
    raise CoderError(f"choice {choice!r}: name a coder ({', '.join(disagreement.versions)}), "
                     "union, none, or give (start, end)")


def _choice_label(choice: Choice) -> str:
    if isinstance(choice, tuple | list):
        return f"own span {int(choice[0])}-{int(choice[1])}"
    return {"union": "union of all versions", "none": "not coded"}.get(choice, f"{choice}'s version")


def adjudicate(project: Project, disagreement: Disagreement, *, choice: Choice, adjudicator: str,
               reason: str = "", gold: str = GOLD) -> list[dict]:
    """Settle a disagreement into the gold layer; returns the gold annotations it created.

    Gold annotations of the code that overlap the stretch (from an earlier adjudication)
    are replaced.  One transaction and one undoable event; the memo of each gold
    annotation and the event record the adjudicator, the choice, the reason and the
    coders' versions.
    """
    from ..annotate import apply_batch

    adjudicator = (adjudicator or "").strip()
    if not adjudicator:
        raise CoderError("name the adjudicator", option="adjudicator")
    d = disagreement
    new_spans = choice_spans(d, choice)
    label = _choice_label(choice)
    reason = " ".join((reason or "").split())
    memo = f"adjudicated by {adjudicator}: {label}" + (f"; {reason}" if reason else "")
    gold_id = gold_coder(project, gold)
    with project.transaction():
        low = min([d.start, *(s for s, _ in new_spans)])
        high = max([d.end, *(e for _, e in new_spans)])
        replaced = [row[0] for row in project.db.execute(
            "SELECT id FROM annotations WHERE coder_id = ? AND document_id = ? AND code_id = ?"
            ' AND deleted = 0 AND start < ? AND "end" > ? ORDER BY id',
            [gold_id, d.document_id, d.code_id, high, low])]
        # The key names the disagreement this settles, so undo and the audit trail can
        # point back at it (and the review cursor return to it).
        details = {
            "key": d.key, "kind": d.kind, "document_id": d.document_id, "code_id": d.code_id, "start": d.start, "end": d.end,
            "choice": list(choice) if isinstance(choice, tuple | list) else choice,
            "spans": [list(s) for s in new_spans], "adjudicator": adjudicator, "reason": reason,
            "gold": gold, "versions": {c: [list(s) for s in v] for c, v in d.versions.items()},
        }
        created = apply_batch(project, gold,
                              create=[(d.document_id, d.code_id, s, e) for s, e in new_spans],
                              delete=replaced, origin="adjudicated", memo=memo,
                              entity="adjudication", details={"adjudication": details})
        if not created and not replaced:
            # "Not coded" with nothing to remove still belongs in the audit trail.
            project.log_event("create", "adjudication", None, coder_id=gold_id,
                              before={"annotations": {}}, after={"adjudication": details})
    d.gold = [(r["start"], r["end"]) for r in created]
    d.settled = True
    return created


def adopt_unanimous(project: Project, coders: list[str], *, adjudicator: str,
                    docs: str | list[int] | None = None, gold: str = GOLD) -> int:
    """Copy into the gold layer every span all ``coders`` coded identically.

    Spans the gold layer already has are skipped.  One transaction and one undoable
    event; returns the number of gold annotations created.
    """
    from ..agreement.units import load_spans, select_codes, select_documents
    from ..annotate import apply_batch

    adjudicator = (adjudicator or "").strip()
    if not adjudicator:
        raise CoderError("name the adjudicator", option="adjudicator")
    scope = select_documents(project, coders, docs or "auto")
    codes = select_codes(project, scope)
    spans = load_spans(project, scope, codes)
    gold_coder(project, gold)
    have = _gold_spans(project, gold, scope.documents, codes)
    memo = f"adjudicated by {adjudicator}: unanimous ({', '.join(coders)})"
    new = []
    for code_id in codes:
        for doc_id, per_coder in spans.get(code_id, {}).items():
            common = set(per_coder[0]).intersection(*map(set, per_coder[1:]))
            new.extend((doc_id, code_id, start, end)
                       for start, end in sorted(common - set(have.get((doc_id, code_id), []))))
    # One transaction and one event: the whole adoption is undone at once.
    created = apply_batch(project, gold, create=new, origin="adjudicated", memo=memo,
                          entity="adjudication",
                          details={"adoption": {"adjudicator": adjudicator, "coders": coders,
                                                "gold": gold}})
    return len(created)


def undo_adjudication(project: Project, gold: str = GOLD) -> dict | None:
    """Undo the gold layer's most recent change (an adjudication); returns its event or None.

    The event's ``settles`` names the disagreement it had settled (its key), so the
    review screen can put the cursor back on it.
    """
    from ..annotate import undo

    return _with_settles(undo(project, gold))


def redo_adjudication(project: Project, gold: str = GOLD) -> dict | None:
    """Redo the gold layer's last undone adjudication; returns its event (with ``settles``) or None."""
    from ..annotate import redo

    return _with_settles(redo(project, gold))


def _with_settles(event: dict | None) -> dict | None:
    if event is None:
        return None
    info = json.loads(event.get("after") or "{}").get("adjudication") or {}
    key = info.get("key") or (f"{info['document_id']}:{info['code_id']}:{info['start']}-{info['end']}"
                              if info.get("document_id") is not None else None)
    return {**event, "settles": key}


def context(project: Project, disagreement: Disagreement, width: int = 160) -> dict:
    """The disputed text with ``width`` characters either side, cut at word boundaries.

    Returns ``before``, ``text``, ``after`` and the ``offset`` of ``before`` in the document,
    plus the speaker and ``paragraph`` number (from 1, as the workbench's ¶) of its turn.
    """
    d = disagreement
    row = project.db.execute(
        "SELECT substr(text, ?, ?), length(text) FROM documents WHERE id = ?",
        [max(0, d.start - width) + 1, d.end - max(0, d.start - width) + width, d.document_id],
    ).fetchone()
    if row is None:
        raise CoderError(f"no document #{d.document_id}")
    chunk, _ = row
    offset = max(0, d.start - width)
    before = chunk[: d.start - offset]
    text = chunk[d.start - offset: d.end - offset]
    after = chunk[d.end - offset:]
    if offset and " " in before:
        cut = before.index(" ") + 1
        before, offset = before[cut:], offset + cut
    if " " in after:
        after = after[: after.rindex(" ")]
    # The paragraph is the segments table's and the workbench's: one rule, one numbering.
    turn = DocumentTurns(project, d.document_id).turn_of(d.start, d.end)
    return {"before": before, "text": text, "after": after, "offset": offset,
            "speaker": turn["speaker"] if turn else None,
            "paragraph": paragraph_number(turn["seq"]) if turn else None}


def reviewable(project: Project, coders: list[str], items: list[Disagreement], *,
               reveal_reason: str | None = None, by: str | None = None,
               via: str = "review") -> tuple[list[Disagreement], dict[int, list[str]]]:
    """Split ``items`` into those review may show and those held back for blind coding.

    A disagreement in a document of the reliability sample is held back while any of
    ``coders`` has not marked that document done: showing it would show each coder the
    others' codings (:mod:`coder.team.blind`).  With ``reveal_reason`` (an owner's override,
    ``by`` naming them) nothing is held back and each open coder's reveal is logged, so
    their later changes there no longer count as blind.  Returns ``(shown, held)`` with
    ``held`` = {document: coders who have not marked it done}.
    """
    from .blind import open_sample, reveal

    open_docs = open_sample(project, coders)
    held = {d.document_id: open_docs[d.document_id] for d in items if d.document_id in open_docs}
    if held and reveal_reason:
        for document_id, names in held.items():
            for name in names:
                reveal(project, name, document_id, via=via, reason=reveal_reason,
                       by=by or name)
        return items, {}
    return [d for d in items if d.document_id not in held], held


def held_message(held: dict[int, list[str]]) -> str:
    """One line saying which disagreements review holds back and why (empty: none)."""
    if not held:
        return ""
    waiting = sorted({name for names in held.values() for name in names})
    return (f"{len(held)} sampled document{'s' if len(held) != 1 else ''} held back (blind coding):"
            f" not yet marked done by {', '.join(waiting)}")


def review_summary(project: Project, coders: list[str], **kwargs) -> dict:
    """Counts for the queue header: disagreements, settled, open, documents."""
    items = disagreements(project, coders, **kwargs)
    return {"disagreements": len(items), "settled": sum(d.settled for d in items),
            "open": sum(not d.settled for d in items),
            "documents": len({d.document_id for d in items})}


__all__ = ["Disagreement", "adjudicate", "adopt_unanimous", "choice_spans", "context",
           "disagreements", "held_message", "redo_adjudication", "review_summary", "reviewable",
           "undo_adjudication"]
