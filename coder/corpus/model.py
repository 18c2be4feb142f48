"""What a format reader returns: a document's text and its speaker turns.

Readers never touch the database.  They turn a file into a :class:`ParsedDocument`;
``coder.corpus.importer`` normalises speakers, links questions to answers and stores it.
Offsets are code-point indices into ``ParsedDocument.text``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class ParsedTurn:
    """One speaker turn: ``text[start:end]`` spoken by ``speaker`` (the raw line, or None)."""

    start: int
    end: int
    speaker: str | None = None


@dataclass
class ParsedDocument:
    """A document as read from a file, before it is stored."""

    text: str
    turns: list[ParsedTurn]
    title: str | None = None
    date: dt.date | None = None
    kind: str | None = None
    author: str | None = None
    lang: str | None = None
    metadata: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # Where in its file the document is, for messages ("row 3"; None: the whole file).
    origin: str | None = None
    # The text's UTF-8 encoding when a reader has it already (the file's own bytes), so
    # the importer need not encode it again; None: encode the text.
    utf8: bytes | None = field(default=None, repr=False)

    def check(self) -> None:
        """Assert the turns are ordered, non-overlapping and inside the text."""
        last = 0
        for turn in self.turns:
            if not (last <= turn.start <= turn.end <= len(self.text)):
                raise ValueError(f"turn {turn} out of order or outside the text")
            last = turn.end
