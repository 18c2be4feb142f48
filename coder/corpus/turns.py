"""Turns: which press question each answer turn answers, and which turn a position falls in.

The one home of the question -> answer links (written at import, rewritten when speakers
are merged or reconciled), of :class:`DocumentTurns`, the position -> turn lookup the
segments table, matrices and statistics share, and of the *paragraph numbering*.

One numbering: a turn is stored with ``seq`` counted from 0, but people (the workbench's
¶, review, search, every export, REFI, memos) see it as its *paragraph number*, counted
from 1.  :func:`paragraph_number` is the only place that converts one into the other, and
:func:`turn_index_of` the only rule for which paragraph a coded span belongs to (the turn
containing its start; a span starting on a speaker line belongs to the turn it runs into).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence

from ..project import Project


def paragraph_number(seq: int | None) -> int | None:
    """The paragraph number people see for a turn stored with ``seq`` (None: no turn).

    Turns are stored counted from 0; every screen and output counts paragraphs from 1, as
    the workbench's ¶ does.  Nothing else converts between the two.
    """
    return None if seq is None else seq + 1


def turn_index_of(turns: Sequence[Mapping], starts: Sequence[int], start: int,
                  end: int) -> int | None:
    """The index in ``turns`` (ordered by start; ``starts`` their starts) of a span's turn.

    The turn containing ``start``; else the first turn the span overlaps (a selection that
    begins on a speaker line belongs to the turn it runs into); else None.
    """
    index = bisect.bisect_right(starts, start) - 1
    if index >= 0 and start < turns[index]["end"]:
        return index
    following = index + 1
    if following < len(turns) and turns[following]["start"] < end:
        return following
    return None


def answered_questions(turns: Iterable[tuple[int, str | None]]) -> list[int | None]:
    """For each ``(turn id, speaker kind)`` in order, the id of the press question it answers.

    The turns after a press turn, up to the next press, moderator or unknown-speaker turn,
    answer it; every other turn answers nothing.
    """
    current = None
    answers: list[int | None] = []
    for turn_id, kind in turns:
        if kind == "press":
            current = turn_id
            answers.append(None)
        elif kind in ("moderator", "unknown", None):
            current = None
            answers.append(None)
        else:
            answers.append(current)
    return answers


def link_questions(project: Project, document_id: int) -> None:
    """Re-link a document's answer turns to their questions (after speakers were merged)."""
    turns = project.db.execute(
        "SELECT t.id, COALESCE(t.kind, s.kind) FROM turns t LEFT JOIN speakers s"
        " ON s.id = t.speaker_id WHERE t.document_id = ? ORDER BY t.seq", [document_id]).fetchall()
    project.db.conn.executemany(
        "UPDATE turns SET question_id = ? WHERE id = ?",
        [(answer, turn_id) for (turn_id, _), answer in zip(turns, answered_questions(turns))])


class DocumentTurns:
    """The turns of one document, for finding the turn a position falls in."""

    def __init__(self, project: Project, document_id: int) -> None:
        self.turns = project.rows(
            'SELECT t.id, t.seq, t.start, t."end", t.question_id, t.words, t.speaker_id,'
            " s.name AS speaker, COALESCE(t.role, s.role) AS speaker_role,"
            " COALESCE(t.kind, s.kind) AS speaker_kind"
            " FROM turns t LEFT JOIN speakers s ON s.id = t.speaker_id"
            " WHERE t.document_id = ? ORDER BY t.start, t.seq", [document_id])
        self.starts = [t["start"] for t in self.turns]
        self.seq_by_id = {t["id"]: t["seq"] for t in self.turns}

    def turn_of(self, start: int, end: int) -> dict | None:
        """The turn containing ``start``; else the first turn the span overlaps; else None.

        (A selection that begins on a speaker line still belongs to the turn it runs into.)
        """
        index = turn_index_of(self.turns, self.starts, start, end)
        return None if index is None else self.turns[index]

    def paragraph_of(self, start: int, end: int) -> int | None:
        """The paragraph number (from 1) of the span ``[start, end)``; None outside turns."""
        turn = self.turn_of(start, end)
        return None if turn is None else paragraph_number(turn["seq"])

    def straying(self, start: int, end: int) -> str | None:
        """How the span ``[start, end)`` strays beyond one turn, in words (None: it lies
        inside one turn, or the document has no turns)."""
        if not self.turns:
            return None
        found = self.overlapping(start, end)
        if not found:
            return "lies outside every turn (in the header or on a speaker line)"
        if len(found) > 1:
            return f"runs across {len(found)} turns and the speaker lines between them"
        if start < found[0]["start"] or end > found[0]["end"]:
            return "runs beyond its turn (into the header or a speaker line)"
        return None

    def overlapping(self, start: int, end: int) -> list[dict]:
        """Every turn the span ``[start, end)`` overlaps, in order."""
        index = max(0, bisect.bisect_right(self.starts, start) - 1)
        found = []
        for turn in self.turns[index:]:
            if turn["start"] >= end:
                break
            if turn["end"] > start:
                found.append(turn)
        return found
