"""The document view's layout: a transcript wrapped into display lines, computed once per width.

Pure Python (no Textual), so it is cheap to test.  A :class:`Layout` maps between the two
coordinate systems of the coding screen:

- document offsets: Python ``str`` indices (code points) into ``documents.text``, the only
  positions the core knows about;
- display positions: (line, cell) pairs, where a cell is one terminal column.  Wide
  characters (CJK, most emoji) take two cells, combining marks take none.

The layout shows what the coder reads: an optional dim preamble (title, date), then for
each speaker turn a heading line and the turn's paragraphs, word-wrapped, with a blank line
between turns.  The text between turns (``---`` separators, raw speaker lines) is not
displayed: the heading stands for it, and the cursor never lands there.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from functools import lru_cache

from rich.cells import get_character_cell_size

HEADING = 0
TEXT = 1
BLANK = 2
PREAMBLE = 3  # a text line of the document's header (before the first turn)

# Characters rich draws as exactly one cell (Latin, Latin-1, Latin Extended, Greek, Cyrillic):
# paragraphs made only of these take the fast, regex-only wrapping path.
_SINGLE = frozenset(
    chr(c) for lo, hi in ((0x20, 0x7E), (0xA0, 0xAC), (0xAE, 0x2FF), (0x370, 0x482))
    for c in range(lo, hi + 1))
_NOT_SINGLE = re.compile("[^\x20-\x7e\xa0-\xac\xae-\u02ff\u0370-\u0482]")


def _is_single(text: str) -> bool:
    """True when every character of ``text`` takes exactly one cell (checked in C)."""
    return _NOT_SINGLE.search(text) is None
_TOKEN = re.compile(r"\S+\s*|\s+")


@lru_cache(maxsize=64)
def _wrap_pattern(width: int) -> re.Pattern[str]:
    # The longest run of at most `width` characters that ends before a space (or the end);
    # failing that (a word longer than the line), a hard break.  Trailing spaces hang.
    return re.compile(rf"(?:.{{1,{width}}}(?=\s|$)|.{{1,{width}}})\s*")


def char_width(ch: str) -> int:
    """Terminal cells taken by one character (control characters are drawn as one space)."""
    if ch in _SINGLE:
        return 1
    if ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0:
        return 1
    if ch in ("\u200d", "\ufe0f") or unicodedata.combining(ch):
        return 0
    return get_character_cell_size(ch)


def display_text(text: str) -> str:
    """``text`` as drawn: control characters (tabs ...) become spaces, so one code point
    keeps exactly the cells :func:`char_width` says."""
    if _is_single(text):
        return text
    return "".join(" " if (ord(c) < 32 or 0x7F <= ord(c) < 0xA0) else c for c in text)


class Layout:
    """Display lines of one document at one wrap width.

    Lines are stored as parallel lists (``kinds``, ``starts``, ``ends``, ``turns``) rather
    than objects: a 300k-word transcript has tens of thousands of them.  For a TEXT or
    PREAMBLE line, ``text[starts[i]:ends[i]]`` is what it shows (trailing spaces may hang
    past the width); a HEADING or BLANK line has ``starts[i] == ends[i]`` and shows no text.
    """

    def __init__(self, text: str, turns: list[dict], width: int) -> None:
        self.text = text
        self.width = max(8, width)
        self.kinds: list[int] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.turns: list[int] = []   # turn index of each line (-1: preamble)
        self.turn_ranges: list[tuple[int, int]] = [(t["start"], t["end"]) for t in turns]
        self.heading_lines: list[int] = []  # display line of each turn's heading
        self.paragraph_starts: list[int] = []  # offsets where paragraphs begin
        # Text lines only (TEXT and PREAMBLE), in offset order, for offset -> line lookups.
        self._text_line_starts: list[int] = []
        self._text_lines: list[int] = []
        self._cells: dict[int, list[int]] = {}  # line -> cumulative cell offsets (slow lines)
        self.visible: list[tuple[int, int]] = []  # offset ranges that are displayed
        self._build(turns)
        self._visible_starts = [start for start, _ in self.visible]

    # -- building ---------------------------------------------------------------------------

    def _add(self, kind: int, start: int, end: int, turn: int) -> None:
        if kind in (TEXT, PREAMBLE):
            self._text_line_starts.append(start)
            self._text_lines.append(len(self.kinds))
        self.kinds.append(kind)
        self.starts.append(start)
        self.ends.append(end)
        self.turns.append(turn)

    def _build(self, turns: list[dict]) -> None:
        text = self.text
        if not turns:
            self.visible.append((0, len(text)))
            self._block(0, len(text), -1, TEXT)
            if not self.kinds:
                self._add(TEXT, 0, 0, -1)
            return
        preamble_end = _preamble_end(text, turns[0]["start"])
        head = text[:preamble_end]
        if head.strip():
            start = len(head) - len(head.lstrip())
            end = len(head.rstrip())
            self.visible.append((start, end))
            self._block(start, end, -1, PREAMBLE)
            self._add(BLANK, end, end, -1)
        for index, turn in enumerate(turns):
            start, end = turn["start"], turn["end"]
            if index:
                self._add(BLANK, start, start, index - 1)
            self.heading_lines.append(len(self.kinds))
            self._add(HEADING, start, start, index)
            self.visible.append((start, end))
            before = len(self.kinds)
            self._block(start, end, index, TEXT)
            if len(self.kinds) == before:  # an empty turn still gets a line for the cursor
                self._add(TEXT, start, start, index)

    def _block(self, start: int, end: int, turn: int, kind: int) -> None:
        """Wrap ``text[start:end]``: one paragraph per ``\\n``-separated line."""
        text = self.text
        width = self.width
        pattern = _wrap_pattern(width)
        position = start
        while position <= end:
            newline = text.find("\n", position, end)
            stop = end if newline == -1 else newline
            self.paragraph_starts.append(position)
            paragraph = text[position:stop]
            single = _NOT_SINGLE.search(paragraph) is None
            if not paragraph:
                self._add(kind, position, position, turn)
            elif single and len(paragraph) <= width:
                self._add(kind, position, stop, turn)
            elif single:
                # The common case, kept tight: one regex pass, appends without calls.
                spans = [match.span() for match in pattern.finditer(paragraph)]
                first = len(self.kinds)
                self._text_line_starts.extend(position + a for a, _ in spans)
                self._text_lines.extend(range(first, first + len(spans)))
                self.kinds.extend([kind] * len(spans))
                self.starts.extend(position + a for a, _ in spans)
                self.ends.extend(position + b for _, b in spans)
                self.turns.extend([turn] * len(spans))
            else:
                for line_start, line_end in _wrap_slow(paragraph, width):
                    self._add(kind, position + line_start, position + line_end, turn)
            if newline == -1:
                break
            position = newline + 1

    # -- queries ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.kinds)

    def line_of(self, offset: int) -> int:
        """The display line showing ``offset`` (an offset in a hidden gap: the line before).

        An offset at the very end of a line (a wrap point) belongs to the next line, except
        at the end of a paragraph, where it stays at the end of its own line.
        """
        index = bisect_right(self._text_line_starts, offset) - 1
        if index < 0:
            return self._text_lines[0]
        return self._text_lines[index]

    def cells_before(self, line: int, offset: int) -> int:
        """Cells from the start of ``line`` to ``offset`` (clamped to the line)."""
        start, end = self.starts[line], self.ends[line]
        offset = min(max(offset, start), end)
        if line in self._cells or not _is_single(self.text[start:end]):
            return self._cumulative(line)[offset - start]
        return offset - start

    def _cumulative(self, line: int) -> list[int]:
        cells = self._cells.get(line)
        if cells is None:
            cells = [0]
            total = 0
            for ch in self.text[self.starts[line]:self.ends[line]]:
                total += char_width(ch)
                cells.append(total)
            if len(self._cells) > 512:
                self._cells.clear()
            self._cells[line] = cells
        return cells

    def offset_at(self, line: int, cell: int) -> int:
        """The offset shown at ``cell`` of ``line`` (past the end: the line's last position).

        A wide character is hit by both of its cells; a combining mark is never a target,
        so the cursor always sits on a base character.
        """
        line = min(max(line, 0), len(self.kinds) - 1)
        kind = self.kinds[line]
        start, end = self.starts[line], self.ends[line]
        if kind in (HEADING, BLANK):
            # A heading leads to its turn's first character; a blank line to the next turn.
            nxt = line + 1
            while nxt < len(self.kinds) and self.kinds[nxt] not in (TEXT, PREAMBLE):
                nxt += 1
            if nxt < len(self.kinds):
                return self.starts[nxt]
            return end
        last = self.line_last(line)
        if cell <= 0:
            return start
        if _is_single(self.text[start:end]):
            return min(start + cell, last)
        cells = self._cumulative(line)
        # The character whose cell range contains `cell`.
        index = bisect_right(cells, cell) - 1
        offset = min(start + index, last)
        while offset > start and char_width(self.text[offset]) == 0:
            offset -= 1
        return offset

    def line_last(self, line: int) -> int:
        """The last cursor position on a line: its end when it ends a paragraph (or the text),
        else just before the next wrapped line starts."""
        end = self.ends[line]
        nxt = line + 1
        if nxt < len(self.kinds) and self.kinds[nxt] == self.kinds[line] and \
                self.starts[nxt] == end and end < len(self.text) and self.text[end] != "\n":
            # A wrap point: ``end`` is displayed at the start of the next line.
            return max(self.starts[line], end - 1)
        return end

    def first_text_line(self, line: int, direction: int) -> int | None:
        """The nearest TEXT/PREAMBLE line from ``line`` in ``direction`` (inclusive)."""
        while 0 <= line < len(self.kinds):
            if self.kinds[line] in (TEXT, PREAMBLE):
                return line
            line += direction
        return None

    def snap(self, offset: int, direction: int = 1) -> int:
        """``offset`` moved onto displayed text: out of hidden gaps (in ``direction``) and off
        combining marks (backwards)."""
        if not self.visible:
            return 0
        index = bisect_right(self._visible_starts, offset) - 1
        if index < 0:
            offset = self.visible[0][0]
        elif offset > self.visible[index][1]:
            if direction > 0 and index + 1 < len(self.visible):
                offset = self.visible[index + 1][0]
            else:
                offset = self.visible[index][1]
        text = self.text
        while 0 < offset < len(text) and char_width(text[offset]) == 0 and \
                unicodedata.combining(text[offset]):
            offset -= 1
        return offset

    def turn_at(self, offset: int) -> int:
        """The index of the turn containing ``offset`` (-1 in the preamble or a gap before)."""
        return self.turns[self.line_of(offset)]

    def lines_between(self, start: int, end: int) -> range:
        """The display lines showing any of ``text[start:end]`` (at least the line of ``start``)."""
        first = self.line_of(start)
        last = self.line_of(max(start, end - 1)) if end > start else first
        return range(first, last + 1)


def _preamble_end(text: str, first_turn_start: int) -> int:
    """Where the document's header ends: before the first ``---`` line, or before the line
    holding the first speaker label."""
    head = text[:first_turn_start]
    match = re.search(r"^[ \t]*-{3,}[ \t]*$", head, re.MULTILINE)
    if match:
        return match.start()
    cut = head.rstrip("\n").rfind("\n")
    return max(cut, 0)


def _wrap_slow(paragraph: str, width: int) -> list[tuple[int, int]]:
    """Greedy word wrap measuring each character's cells (wide characters, combining marks)."""
    lines: list[tuple[int, int]] = []
    line_start = 0
    used = 0
    for match in _TOKEN.finditer(paragraph):
        token = match.group()
        word = token.rstrip()
        word_cells = sum(char_width(c) for c in word)
        if used and used + word_cells > width:
            lines.append((line_start, match.start()))
            line_start, used = match.start(), 0
        if word_cells > width:
            # A word longer than the line: break it between characters.
            for offset, ch in enumerate(word, start=match.start()):
                cells = char_width(ch)
                if used + cells > width and offset > line_start:
                    lines.append((line_start, offset))
                    line_start, used = offset, 0
                used += cells
        else:
            used += word_cells
        used += len(token) - len(word)  # trailing spaces (hang past the width if needed)
    lines.append((line_start, len(paragraph)))
    return lines
