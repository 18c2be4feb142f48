"""The transcript on the coding screen: a Line-API widget (a ``ScrollView`` with ``render_line``).

Why not a ``TextArea`` or a ``Static``: a long transcript (60k-300k words) must scroll and
take a selection keystroke in constant time.  Here the text is wrapped once per width by
:class:`~coder.tui.widgets.layout.Layout`; each display line is rendered on demand into a
``Strip`` and kept in an LRU cache; a change (a selection step, a new coding) discards and
repaints only the lines whose styling changed.

Positions are document offsets (code points).  The cursor and the selection anchor are
offsets; codings, suggestions and search hits are ``(start, end)`` offset spans, indexed by
the display lines they touch.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.color import Color
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...corpus.segment import sentence_at
from ...corpus.turns import paragraph_number
from ..keymap import DOCUMENT_VIEW_KEYS, bindings
from .layout import BLANK, HEADING, PREAMBLE, Layout, char_width, display_text
from .stripes import Stripes, margin_width

GUTTER = 3          # cells left of the text: speaker bar, coding mark, space
MAX_TEXT_WIDTH = 100  # a comfortable reading measure, even on a wide terminal
_WORD = re.compile(r"\w+", re.UNICODE)

KIND_COLORS = {
    "president": "#d4a017",
    "press": "#3fa7c9",
    "official": "#5fae6b",
    "moderator": "#9b7fc2",
}
KIND_LABELS = {"president": "President", "press": "Press", "official": "Official",
               "moderator": "Moderator", "other": "", "unknown": ""}


@dataclass(frozen=True)
class Span:
    """A styled range of the document: a coding, a suggestion or a search hit."""

    start: int
    end: int
    code: str | None = None
    key: object = None  # annotation id, suggestion id ...


def blend(base: str | Color, over: str | Color, alpha: float) -> str:
    """``over`` laid over ``base`` with opacity ``alpha``, as a hex colour."""
    base_color = base if isinstance(base, Color) else Color.parse(base)
    over_color = over if isinstance(over, Color) else Color.parse(over)
    return base_color.blend(over_color, alpha).hex


def _span_order(span: Span) -> tuple:
    return span.start, span.end, span.code or "", str(span.key)


class _SpanIndex:
    """Spans by the display lines they touch, so a line finds its spans without a scan.

    Updated by difference: a new coding adds one span to a few lines, it does not
    rebuild the index of thousands.
    """

    def __init__(self) -> None:
        self.spans: set[Span] = set()
        self.by_line: dict[int, list[Span]] = {}

    def rebuild(self, layout: Layout | None) -> None:
        """Index every span again (after the layout changed)."""
        self.by_line = {}
        if layout is not None:
            for span in self.spans:
                self._add(layout, span)

    def _add(self, layout: Layout, span: Span) -> None:
        # Kept in text order: what a line draws first must not depend on set order
        # (string hashes differ per process, and snapshots would flicker).
        for line in layout.lines_between(span.start, span.end):
            insort(self.by_line.setdefault(line, []), span, key=_span_order)

    def _remove(self, layout: Layout, span: Span) -> None:
        for line in layout.lines_between(span.start, span.end):
            spans = self.by_line.get(line)
            if spans is not None:
                spans.remove(span)
                if not spans:
                    del self.by_line[line]

    def update(self, layout: Layout | None, spans: Iterable[Span]) -> set[Span]:
        """Make the index hold ``spans``; returns the spans that came or went."""
        new = set(spans)
        gone, came = self.spans - new, new - self.spans
        if layout is not None:
            for span in gone:
                self._remove(layout, span)
            for span in came:
                self._add(layout, span)
        self.spans = new
        return gone | came

    def at(self, line: int) -> list[Span]:
        return self.by_line.get(line, ())


class DocumentView(ScrollView, can_focus=True):
    """A read-only, codable view of one document's text with its turns, codings and suggestions."""

    ALLOW_SELECT = False  # the view has its own selection (character offsets)
    STRIPES = False  # coding stripes when a view opens (ctrl+s toggles them)
    BINDINGS = bindings(DOCUMENT_VIEW_KEYS)

    DEFAULT_CSS = """
    DocumentView {
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
    }
    """

    class CursorMoved(Message):
        """The cursor or the selection changed."""

        def __init__(self, view: DocumentView, offset: int) -> None:
            super().__init__()
            self.view = view
            self.offset = offset

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.text = ""
        self.turn_info: list[dict] = []
        self.text_layout: Layout | None = None
        self.cursor = 0
        self.anchor_offset: int | None = None
        self.sticky_anchor = False  # `v`: plain moves extend the selection
        self._goal_cell: int | None = None  # column kept by up/down moves
        self.code_colors: dict[str, str] = {}
        self.code_labels: dict[str, tuple[str, str]] = {}  # code -> (key, name) for stripes
        self.stripes_on = self.STRIPES
        self._stripes = Stripes()
        self._label_width = 0
        self._own = _SpanIndex()
        self._others = _SpanIndex()
        self._suggestions = _SpanIndex()
        self._search = _SpanIndex()
        self._coded_turns: set[int] = set()
        self._memo_lines: set[int] = set()  # lines where a memo'd segment ends: a ✎ in the gutter
        self._memo_ends: list[int] = []
        self.current_suggestion: Span | None = None
        self._set_aside: set = set()
        self._cache: LRUCache[int, Strip] = LRUCache(2048)
        self._styles: dict[str, Style] = {}
        self._dragging = False
        self.first_paint: float | None = None
        self._pending_offset: int | None = None  # perf_counter() of the first rendered line

    # -- content ---------------------------------------------------------------------------

    def place_cursor(self, offset: int) -> None:
        """Put the cursor at ``offset`` and show it (now, or once the text is laid out)."""
        if self.text_layout is None:
            self._pending_offset = offset
            return
        self.move_to(offset)
        self.scroll_to_offset(offset, center=True)

    def set_document(self, text: str, turns: list[dict]) -> None:
        """Show a document (its text and its turns, as ``document_turns`` returns them)."""
        self.text = text
        self.turn_info = turns
        self.text_layout = None
        self.cursor = 0
        self.anchor_offset = None
        self.sticky_anchor = False
        self.current_suggestion = None
        self._own, self._others = _SpanIndex(), _SpanIndex()
        self._suggestions, self._search = _SpanIndex(), _SpanIndex()
        self._stripes = Stripes()
        self._coded_turns = set()
        self._memo_lines, self._memo_ends = set(), []
        self._relayout()
        if self.text_layout is not None:
            self.cursor = self.text_layout.snap(0)
        self.scroll_to(y=0, animate=False)

    def _text_width(self) -> int:
        width = self.scrollable_content_region.width or self.size.width
        room = width - GUTTER - 1
        self._label_width = 0
        if self.stripes_on:
            margin, self._label_width = margin_width(room)
            room -= margin
        return max(10, min(MAX_TEXT_WIDTH, room))

    def _relayout(self) -> None:
        """Wrap the text for the current width (once per width) and re-index the spans."""
        if not self.size.width:
            return
        label_width = self._label_width
        width = self._text_width()
        if self.text_layout is not None and self.text_layout.width == width:
            if label_width != self._label_width:
                self._cache.clear()
                self.refresh()
            return
        first = self.text_layout is None
        self.text_layout = Layout(self.text, self.turn_info, width)
        if first:
            self.cursor = self.text_layout.snap(self.cursor)
            if self._pending_offset is not None:
                offset, self._pending_offset = self._pending_offset, None
                self.call_after_refresh(self.place_cursor, offset)
        for index in (self._own, self._others, self._suggestions, self._search):
            index.rebuild(self.text_layout)
        self._memo_lines = {self.text_layout.line_of(max(0, end - 1)) for end in self._memo_ends}
        self._cache.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.text_layout))
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()
        self.scroll_to_offset(self.cursor)

    def _replace(self, index: _SpanIndex, spans: Iterable[Span]) -> None:
        """Give ``index`` these spans; repaint the lines of spans that came or went."""
        changed = index.update(self.text_layout, spans)
        if changed and self.stripes_on and index in (self._own, self._others):
            changed |= self._stripes.update(self._own.spans | self._others.spans)
        if changed and self.text_layout is not None:
            self._invalidate(line for span in changed for line in
                             self.text_layout.lines_between(span.start, span.end))

    def set_stripes(self, on: bool) -> None:
        """Coding stripes beside the text on or off (the text is wrapped again, narrower)."""
        if on == self.stripes_on:
            return
        self.stripes_on = on
        self._stripes.update(self._own.spans | self._others.spans if on else ())
        if self.text_layout is not None:
            offset = self.cursor
            self._relayout()
            self._cache.clear()
            self.refresh()
            self.scroll_to_offset(offset, center=True)

    def set_code_labels(self, labels: dict[str, tuple[str, str]]) -> None:
        """Each code's (key, name) as the stripes label it."""
        self.code_labels = labels
        self.refresh_all()

    def _span_lines(self, span: Span) -> Iterable[int]:
        assert self.text_layout is not None
        return self.text_layout.lines_between(span.start, span.end)

    def set_codings(self, own: list[dict], others: list[dict]) -> None:
        """The coder's own annotations (backgrounds) and, when shown, other coders' (tints)."""
        self._replace(self._own, [Span(a["start"], a["end"], a["code_id"], a["id"]) for a in own])
        self._replace(self._others, [
            Span(a["start"], a["end"], a["code_id"], a["id"]) for a in others])

    def patch_own(self, before: dict | None, after: dict | None) -> None:
        """One of the coder's annotations changed (``None``: it did not exist / is gone)."""
        spans = set(self._own.spans)
        if before is not None:
            spans.discard(Span(before["start"], before["end"], before["code_id"], before["id"]))
        if after is not None:
            spans.add(Span(after["start"], after["end"], after["code_id"], after["id"]))
        self._replace(self._own, spans)

    def set_suggestions(self, pending: list[dict]) -> None:
        """Pending suggestions (underlined; dimmed when set aside: ``marked``, a code that
        counts only the speaker's own affirmed move and a reading that is not one)."""
        self._set_aside = {s["id"] for s in pending if s.get("marked")}
        self._replace(self._suggestions, [
            Span(s["start"], s["end"], s["code_id"], s["id"]) for s in pending])

    def set_search(self, hits: list[tuple[int, int]]) -> None:
        """Search hits to highlight."""
        self._replace(self._search, [Span(a, b) for a, b in hits])

    def set_coded_turns(self, turns: set[int]) -> None:
        """Which turns the coder has coded (their headings show a tick)."""
        changed = self._coded_turns ^ turns
        self._coded_turns = set(turns)
        if changed and self.text_layout is not None:
            self._invalidate(self.text_layout.heading_lines[t] for t in changed
                             if 0 <= t < len(self.text_layout.heading_lines))

    def set_memo_marks(self, ends: list[int]) -> None:
        """Mark with a ✎ (in the gutter, before the text) the lines where segments with a memo end
        (``ends``: their end offsets)."""
        self._memo_ends = sorted(ends)
        if self.text_layout is None:
            return
        lines = {self.text_layout.line_of(max(0, end - 1)) for end in self._memo_ends}
        changed = lines ^ self._memo_lines
        self._memo_lines = lines
        if changed:
            self._invalidate(changed)

    def set_current_suggestion(self, suggestion: dict | None) -> None:
        """The suggestion `a`/`r` act on (drawn stronger)."""
        old = self.current_suggestion
        new = None if suggestion is None else Span(
            suggestion["start"], suggestion["end"], suggestion["code_id"], suggestion["id"])
        self.current_suggestion = new
        if self.text_layout is not None:
            self._invalidate(line for span in (old, new) if span is not None
                             for line in self._span_lines(span))

    def set_code_colors(self, colors: dict[str, str]) -> None:
        """Each code's colour (hex)."""
        self.code_colors = colors
        self.refresh_all()

    def refresh_all(self) -> None:
        """Forget every rendered line (styles or colours changed)."""
        self._cache.clear()
        self._styles.clear()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._cache.clear()

    # -- queries ---------------------------------------------------------------------------

    @property
    def selection(self) -> tuple[int, int] | None:
        """The selected ``(start, end)`` offsets, or None."""
        if self.anchor_offset is None or self.anchor_offset == self.cursor:
            return None
        return (min(self.anchor_offset, self.cursor), max(self.anchor_offset, self.cursor))

    def own_spans_at(self, offset: int) -> list[Span]:
        """The coder's spans covering ``offset``, innermost first."""
        if self.text_layout is None:
            return []
        spans = [s for s in self._own.at(self.text_layout.line_of(offset)) if s.start <= offset < s.end]
        return sorted(spans, key=lambda s: s.end - s.start)

    def suggestion_at(self, offset: int) -> Span | None:
        """The suggestion `a` acts on at ``offset``: the current one if it covers it, else
        the shortest pending one there (None: no suggestion)."""
        if self.text_layout is None:
            return None
        here = [s for s in self._suggestions.at(self.text_layout.line_of(offset))
                if s.start <= offset < s.end]
        if not here:
            return None
        current = self.current_suggestion
        if current is not None and current in here:
            return current
        return min(here, key=lambda s: (s.end - s.start, s.start))

    def turn_index_at(self, offset: int | None = None) -> int:
        """The turn (index into the turns list) at ``offset`` (default: the cursor)."""
        if self.text_layout is None:
            return -1
        return self.text_layout.turn_at(self.cursor if offset is None else offset)

    # -- moving ----------------------------------------------------------------------------

    def move_to(self, offset: int, *, extend: bool = False, keep_goal: bool = False,
                direction: int = 1) -> None:
        """Put the cursor at ``offset``; ``extend`` (shift) grows the selection from its anchor."""
        if self.text_layout is None:
            return
        offset = self.text_layout.snap(max(0, min(offset, len(self.text))), direction)
        old_selection, old_cursor = self.selection, self.cursor
        if extend or self.sticky_anchor:
            if self.anchor_offset is None:
                self.anchor_offset = self.cursor
        else:
            self.anchor_offset = None
        self.cursor = offset
        if not keep_goal:
            self._goal_cell = None
        self._invalidate_selection(old_selection, self.selection, old_cursor, self.cursor)
        self.scroll_to_offset(self.cursor)
        self.post_message(self.CursorMoved(self, self.cursor))

    def select(self, start: int, end: int) -> None:
        """Select ``text[start:end]`` (cursor at the end)."""
        if self.text_layout is None:
            return
        old_selection, old_cursor = self.selection, self.cursor
        self.anchor_offset, self.cursor = start, end
        self._invalidate_selection(old_selection, self.selection, old_cursor, self.cursor)
        self.scroll_to_offset(start)
        self.scroll_to_offset(end)
        self.post_message(self.CursorMoved(self, self.cursor))

    def clear_selection(self) -> None:
        """Drop the selection and the `v` anchor (the cursor stays)."""
        old = self.selection
        self.anchor_offset = None
        self.sticky_anchor = False
        self._invalidate_selection(old, None, self.cursor, self.cursor)
        self.post_message(self.CursorMoved(self, self.cursor))

    def _invalidate_selection(self, old: tuple[int, int] | None, new: tuple[int, int] | None,
                              old_cursor: int, new_cursor: int) -> None:
        """Repaint only the lines whose selection state or cursor changed."""
        layout = self.text_layout
        if layout is None:
            return
        lines = {layout.line_of(old_cursor), layout.line_of(new_cursor)}
        if old != new:
            # Lines in the symmetric difference of the two ranges.
            points = sorted({*(old or ()), *(new or ())})
            for a, b in zip(points, points[1:]):
                inside_old = old is not None and old[0] <= a and b <= old[1]
                inside_new = new is not None and new[0] <= a and b <= new[1]
                if inside_old != inside_new:
                    lines.update(layout.lines_between(a, b))
        self._invalidate(lines)

    def _invalidate(self, lines: Iterable[int]) -> None:
        top = self.scroll_offset.y
        height = self.size.height
        for line in set(lines):
            self._cache.discard(line)
            if top <= line < top + height:
                self.refresh_line(line)

    def scroll_to_offset(self, offset: int, *, center: bool = False) -> None:
        """Scroll so the line of ``offset`` is visible (with a little context)."""
        if self.text_layout is None or not self.size.height:
            return
        line = self.text_layout.line_of(offset)
        self.scroll_to_line(line, center=center)

    def scroll_to_line(self, line: int, *, center: bool = False) -> None:
        """Scroll so ``line`` is visible (centred when ``center``)."""
        height = self.size.height
        top = self.scroll_offset.y
        margin = min(2, max(0, height // 4))
        if center:
            target = max(0, line - height // 3)
        elif line < top + margin:
            target = max(0, line - margin)
        elif line >= top + height - margin:
            target = line - height + margin + 1
        else:
            return
        self.scroll_to(y=target, animate=False)

    def _cursor_cell(self) -> tuple[int, int]:
        assert self.text_layout is not None
        line = self.text_layout.line_of(self.cursor)
        return line, self.text_layout.cells_before(line, self.cursor)

    def _step(self, delta: int) -> int:
        """The offset one character from the cursor (skipping combining marks and hidden gaps)."""
        text = self.text
        offset = self.cursor + delta
        if delta > 0:
            while offset < len(text) and char_width(text[offset]) == 0 and text[offset] != "\u200d":
                offset += 1
        assert self.text_layout is not None
        snapped = self.text_layout.snap(offset, delta)
        if delta < 0 and snapped >= self.cursor and offset > 0:
            # Backwards out of a hidden gap: land at the end of the text before it.
            index = bisect_right(self.text_layout._visible_starts, self.cursor - 1) - 1
            if index > 0:
                snapped = self.text_layout.visible[index - 1][1]
        return snapped

    def _word(self, delta: int) -> int:
        text = self.text
        if delta > 0:
            match = _WORD.search(text, self.cursor)
            if match and match.start() == self.cursor:
                match = _WORD.search(text, match.end())
            return match.start() if match else len(text)
        start = max(0, self.cursor - 200)
        best = 0 if start == 0 else start
        for match in _WORD.finditer(text, start, self.cursor):
            best = match.start()
        return best

    def _word_end(self) -> int:
        """The end of the word at or after the cursor: a selection grown word by word
        takes whole words and not the space or comma after them."""
        match = _WORD.search(self.text, self.cursor)
        return match.end() if match else len(self.text)

    def _vertical(self, lines: int) -> int:
        assert self.text_layout is not None
        line, cell = self._cursor_cell()
        goal = self._goal_cell if self._goal_cell is not None else cell
        direction = 1 if lines > 0 else -1
        target = self.text_layout.first_text_line(
            max(0, min(len(self.text_layout) - 1, line + lines)), direction)
        if target is None:
            target = self.text_layout.first_text_line(line + lines - direction, -direction) or line
        offset = self.text_layout.offset_at(target, goal)
        self._goal_cell = goal
        return offset

    def _paragraph(self, delta: int) -> int:
        assert self.text_layout is not None
        starts = self.text_layout.paragraph_starts
        if delta > 0:
            index = bisect_right(starts, self.cursor)
            return starts[index] if index < len(starts) else len(self.text)
        index = bisect_left(starts, self.cursor) - 1
        return starts[index] if index >= 0 else 0

    def _line_edge(self, end: bool) -> int:
        assert self.text_layout is not None
        line = self.text_layout.line_of(self.cursor)
        return self.text_layout.line_last(line) if end else self.text_layout.starts[line]

    # Actions: plain moves drop the selection (unless `v` is on), select_* moves extend it.

    def _move(self, name: str, extend: bool) -> None:
        if self.text_layout is None:
            return
        keep_goal = name in ("up", "down", "page_up", "page_down")
        direction = -1 if name in ("left", "up", "word_left", "page_up", "paragraph_up",
                                   "home", "top") else 1
        page = max(1, self.size.height - 2)
        target = {
            "left": lambda: self._step(-1),
            "right": lambda: self._step(1),
            "up": lambda: self._vertical(-1),
            "down": lambda: self._vertical(1),
            "word_left": lambda: self._word(-1),
            "word_right": (lambda: self._word_end()) if extend else (lambda: self._word(1)),
            "home": lambda: self._line_edge(False),
            "end": lambda: self._line_edge(True),
            "page_up": lambda: self._vertical(-page),
            "page_down": lambda: self._vertical(page),
            "paragraph_up": lambda: self._paragraph(-1),
            "paragraph_down": lambda: self._paragraph(1),
            "top": lambda: 0,
            "bottom": lambda: len(self.text),
        }[name]()
        self.move_to(target, extend=extend, keep_goal=keep_goal, direction=direction)

    def action_move(self, name: str) -> None:
        """Move the cursor (``left``, ``word_right``, ``page_down`` ...)."""
        self._move(name, extend=False)

    def action_extend(self, name: str) -> None:
        """Move the cursor and extend the selection."""
        self._move(name, extend=True)

    def action_toggle_anchor(self) -> None:
        """`v`: drop an anchor here (moves now extend the selection), or lift it."""
        if self.sticky_anchor:
            self.sticky_anchor = False
            return self.clear_selection()
        self.sticky_anchor = True
        self.anchor_offset = self.cursor
        self.post_message(self.CursorMoved(self, self.cursor))

    def action_clear_selection(self) -> None:
        """Escape: no selection."""
        self.clear_selection()

    # -- sentence / turn ranges ------------------------------------------------------------

    def sentence_at(self, offset: int) -> tuple[int, int]:
        """The sentence around ``offset`` (:mod:`coder.corpus.segment`, within its paragraph)."""
        assert self.text_layout is not None
        starts = self.text_layout.paragraph_starts
        index = bisect_right(starts, offset) - 1
        para_start = starts[index] if index >= 0 else 0
        para_end = self.text.find("\n", para_start)
        if para_end == -1:
            para_end = len(self.text)
        turn = self.text_layout.turn_at(offset)
        if turn >= 0:
            para_end = min(para_end, self.text_layout.turn_ranges[turn][1])
        found = sentence_at(self.text, offset, para_start, para_end)
        return found if found is not None else _trim(self.text, para_start, para_end)

    def turn_range(self, offset: int) -> tuple[int, int] | None:
        """The whole turn around ``offset`` (trimmed), or None outside turns."""
        assert self.text_layout is not None
        turn = self.text_layout.turn_at(offset)
        if turn < 0:
            return None
        start, end = self.text_layout.turn_ranges[turn]
        return _trim(self.text, start, end) if end > start else None

    # -- mouse -----------------------------------------------------------------------------

    def _offset_at_mouse(self, event: events.MouseEvent) -> int | None:
        if self.text_layout is None:
            return None
        point = event.get_content_offset_capture(self) if self._dragging else \
            event.get_content_offset(self)
        if point is None:
            return None
        line = max(0, min(len(self.text_layout) - 1, point.y + self.scroll_offset.y))
        return self.text_layout.offset_at(line, max(0, point.x - GUTTER))

    async def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button != 1:
            return
        offset = self._offset_at_mouse(event)
        if offset is None:
            return
        self.focus()
        self.sticky_anchor = False
        self.move_to(offset, extend=event.shift)
        self._dragging = True
        self.capture_mouse()

    async def on_mouse_move(self, event: events.MouseMove) -> None:
        if not self._dragging:
            return
        offset = self._offset_at_mouse(event)
        if offset is not None and offset != self.cursor:
            self.move_to(offset, extend=True)

    async def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._dragging:
            self._dragging = False
            self.release_mouse()

    # -- rendering -------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._make_style(name)
            self._styles[name] = style
        return style

    def _make_style(self, name: str) -> Style:
        base = self.rich_style
        background = self.background_colors[1]
        if name == "base":
            return base
        if name.startswith("kind:"):
            color = KIND_COLORS.get(name[5:], "#888888")
            return Style(color=color, bold=name[5:] in ("president", "press"))
        if name == "heading-dim":
            return Style(color=blend(background, base.color.name if base.color else "#cccccc", 0.55))
        if name == "preamble":
            return Style(color=blend(background, "#cccccc", 0.55), italic=True)
        if name == "cursor":
            return Style(color="#000000", bgcolor="#ffb000", bold=True)
        if name == "selection":
            return Style(reverse=True)
        if name == "search":
            return Style(bgcolor=blend(background, "#e0c341", 0.55), color="#000000")
        if name == "memo-mark":
            return Style(color="#ffd75f", bold=True)
        if name == "coded-mark":
            return Style(color=blend(background, "#cccccc", 0.8), bold=True)
        raise KeyError(name)

    def _code_color(self, code: str | None) -> str:
        return self.code_colors.get(code or "", "#888888")

    def render_line(self, y: int) -> Strip:
        """One display line (from the cache when its styling has not changed)."""
        if self.first_paint is None:
            import time

            self.first_paint = time.perf_counter()
        line = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        layout = self.text_layout
        if layout is None or line >= len(layout):
            return Strip.blank(width, self.rich_style)
        strip = self._cache.get(line)
        if strip is None:
            kind = layout.kinds[line]
            if kind == HEADING:
                strip = self._render_heading(line, width)
            elif kind == BLANK:
                strip = Strip.blank(width, self.rich_style)
            else:
                strip = self._render_text(line, width)
            self._cache[line] = strip
        return strip

    def _render_heading(self, line: int, width: int) -> Strip:
        assert self.text_layout is not None
        index = self.text_layout.turns[line]
        turn = self.turn_info[index]
        kind = turn.get("speaker_kind") or "unknown"
        base = self.rich_style
        dim = base + self._style("heading-dim")
        label_style = base + self._style(f"kind:{kind}")
        name = turn.get("speaker") or turn.get("alias") or "?"
        if kind == "press":
            label, detail = "Press", turn.get("alias") or ""
        elif kind == "president":
            label, detail = name, "President"
        else:
            label = name
            detail = turn.get("speaker_role") or KIND_LABELS.get(kind, "")
        right = f"¶{paragraph_number(turn['seq'])}"
        answered = turn.get("answered_in")
        if answered is not None:
            right = f"→ answered in ¶{paragraph_number(self.turn_info[answered]['seq'])}   {right}"
        elif turn.get("answers") is not None:
            right = f"↩ to ¶{paragraph_number(self.turn_info[turn['answers']]['seq'])}   {right}"
        coded = index in self._coded_turns
        segments = [Segment("▎", base + self._style(f"kind:{kind}")),
                    Segment("✓" if coded else " ", base + self._style("coded-mark")),
                    Segment(" ", base),
                    Segment(display_text(label), label_style)]
        used = GUTTER + _cells(label)
        if detail:
            text = f" · {display_text(detail)}"
            segments.append(Segment(text, dim))
            used += _cells(text)
        total = min(width, GUTTER + self.text_layout.width + 1)
        gap = total - used - _cells(right)
        if gap >= 2:
            segments.append(Segment(" " * gap, base))
            segments.append(Segment(right, dim))
            used += gap + _cells(right)
        strip = Strip(segments)
        return strip.crop_extend(0, width, base)

    def _render_text(self, line: int, width: int) -> Strip:
        layout = self.text_layout
        assert layout is not None
        start, end = layout.starts[line], layout.ends[line]
        base = self.rich_style
        kind_name = "preamble" if layout.kinds[line] == PREAMBLE else None
        turn = layout.turns[line]
        speaker_kind = self.turn_info[turn].get("speaker_kind") if turn >= 0 else None
        line_base = base + self._style("preamble") if kind_name else base
        own = self._own.at(line)
        others = self._others.at(line)
        suggestions = self._suggestions.at(line)
        hits = self._search.at(line)
        current = self.current_suggestion
        selection = self.selection
        cursor = self.cursor
        show_cursor = layout.line_of(cursor) == line
        # Cut the line wherever some styling starts or stops.
        cuts = {start, end}
        for group in (own, others, suggestions, hits):
            for span in group:
                cuts.add(min(max(span.start, start), end))
                cuts.add(min(max(span.end, start), end))
        if current is not None and current.start < end and current.end > start:
            cuts.update((max(current.start, start), min(current.end, end)))
        if selection is not None:
            cuts.update(min(max(p, start), end) for p in selection)
        if show_cursor and start <= cursor < end:
            cuts.update((cursor, min(end, cursor + 1 + _marks_after(self.text, cursor + 1, end))))
        points = sorted(cuts)
        background = self.background_colors[1]
        segments: list[Segment] = []
        max_overlap = 0
        first_code: str | None = None
        for a, b in zip(points, points[1:]):
            style = line_base
            codes = [s.code for s in own if s.start <= a and s.end >= b]
            if codes:
                first_code = first_code or codes[0]
                distinct = list(dict.fromkeys(codes))
                max_overlap = max(max_overlap, len(distinct))
                style = style + self._coding_style(tuple(distinct), background)
            other_codes = [s.code for s in others if s.start <= a and s.end >= b]
            if other_codes:
                style = style + Style(color=blend(background, self._code_color(other_codes[0]), 0.95),
                                      italic=True)
            sugg = [s for s in suggestions if s.start <= a and s.end >= b]
            if sugg:
                style = style + Style(underline=True, dim=all(x.key in self._set_aside for x in sugg))
                if current is not None and current in sugg or (
                        current is not None and current.start <= a and current.end >= b):
                    style = style + Style(bold=True, bgcolor=blend(
                        background, self._code_color(current.code), 0.35))
            elif current is not None and current.start <= a and current.end >= b:
                style = style + Style(underline=True, bold=True, bgcolor=blend(
                    background, self._code_color(current.code), 0.35))
            if any(h.start <= a and h.end >= b for h in hits):
                style = style + self._style("search")
            if selection is not None and selection[0] <= a and selection[1] >= b:
                style = style + self._style("selection")
            if show_cursor and a == cursor:
                style = style + self._style("cursor")
            segments.append(Segment(display_text(self.text[a:b]), style))
        if show_cursor and cursor == end and (layout.line_last(line) == end or start == end):
            segments.append(Segment(" ", base + self._style("cursor")))
        # Gutter: speaker bar, then a mark where codes overlap (a count) or a code begins.
        bar = Segment("▎", base + self._style(f"kind:{speaker_kind}")) if speaker_kind else \
            Segment(" ", base)
        if max_overlap >= 2:
            mark = Segment(str(min(max_overlap, 9)), base + Style(
                bold=True, color=self._code_color(first_code), reverse=True))
        elif own:
            mark = Segment("▌", base + Style(color=self._code_color(own[0].code)))
        elif others:
            mark = Segment("┆", base + Style(color=self._code_color(others[0].code)))
        else:
            mark = Segment(" ", base)
        # The gutter's third cell marks the line where a memo'd segment ends (a margin mark:
        # the column right of the text is not always free once a scrollbar takes a cell).
        memo = Segment("✎", base + self._style("memo-mark")) if line in self._memo_lines \
            else Segment(" ", base)
        strip = Strip([bar, mark, memo, *segments])
        if self.stripes_on:
            strip = Strip.join([strip.crop_extend(0, GUTTER + layout.width, base),
                                Strip(self._margin(line, own, others, base))])
        return strip.crop_extend(0, width, base)

    def _margin(self, line: int, own: list[Span], others: list[Span], base: Style) -> list[Segment]:
        """The stripes beside one text line."""
        layout = self.text_layout
        assert layout is not None
        spans = [*own, *others]
        return self._stripes.margin(
            spans, set(others), lambda span: layout.line_of(span.start) == line,
            self._code_color, self._code_label, self._label_width, base,
            self.background_colors[1].hex)

    def _code_label(self, code: str | None) -> tuple[str, str]:
        return self.code_labels.get(code or "", ("•", code or "?"))

    def _coding_style(self, codes: tuple[str, ...], background: Color) -> Style:
        key = "coding:" + "|".join(codes)
        style = self._styles.get(key)
        if style is None:
            if len(codes) == 1:
                style = Style(bgcolor=blend(background, self._code_color(codes[0]), 0.42))
            else:
                # Overlaps: the codes' colours mixed, stronger, and bold text.
                mixed = Color.parse(self._code_color(codes[0]))
                for index, code in enumerate(codes[1:], start=2):
                    mixed = mixed.blend(Color.parse(self._code_color(code)), 1 / index)
                style = Style(bgcolor=blend(background, mixed, 0.68), bold=True)
            self._styles[key] = style
        return style


def _cells(text: str) -> int:
    return sum(char_width(c) for c in text)


def _marks_after(text: str, position: int, end: int) -> int:
    """How many zero-width characters (combining marks) follow ``position``."""
    count = 0
    while position + count < end and char_width(text[position + count]) == 0:
        count += 1
    return count


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` without surrounding white space."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end

