"""Coding stripes: a margin beside the transcript with one labelled stripe per coding.

As in MAXQDA, each coding is a vertical stripe in the code's colour next to the lines it
covers, so overlapping codes read as parallel stripes rather than a blended background.
Codings take *lanes* (margin columns): a coding keeps its lane from its first line to its
last, and overlapping codings never share one.  The lanes are assigned once per change of
the codings (greedy interval colouring, O(n log n)); a line's margin is then drawn from the
codings the document view already indexes by display line, so painting stays per visible
line, whatever the length of the transcript.

The label: the stripe's first cell shows the code's key (or its initial) on the code's
colour; when the view has room to spare, the code names of the codings starting on a line
are written after the lanes.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable

from rich.segment import Segment
from rich.style import Style

LANES = 4          # margin columns for stripes; more overlapping codings show a "+"
MAX_LABEL = 22     # cells for code names, when the view is wide enough
MIN_LABEL = 8      # narrower than this, names are left out (the key in the stripe stays)
MIN_TEXT = 60      # the text keeps at least this width before names take any


def margin_width(room: int) -> tuple[int, int]:
    """``(margin, label)``: the cells the stripes take in a view whose text would otherwise
    have ``room`` cells, and how many of them are for code names.  The lanes are always
    there; names only when the text keeps :data:`MIN_TEXT` cells."""
    label = min(MAX_LABEL, room - (LANES + 1) - 1 - MIN_TEXT)
    if label < MIN_LABEL:
        label = 0
    return LANES + 1 + (label + 1 if label else 0), label


def assign_lanes(spans: Iterable) -> dict:
    """Each span's lane: the lowest lane free at its start (spans sorted by start, longer
    first, so a long coding keeps the inner lane and the short ones inside it sit beside)."""
    lanes: dict = {}
    busy: list[tuple[int, int]] = []   # (end, lane) of spans still open
    free: list[int] = []
    top = 0
    for span in sorted(spans, key=lambda s: (s.start, -s.end, s.code or "", s.key or 0)):
        while busy and busy[0][0] <= span.start:
            heapq.heappush(free, heapq.heappop(busy)[1])
        if free:
            lane = heapq.heappop(free)
        else:
            lane, top = top, top + 1
        lanes[span] = lane
        heapq.heappush(busy, (span.end, lane))
    return lanes


class Stripes:
    """The lanes of the codings shown, and the margin of one display line."""

    def __init__(self) -> None:
        self.lane_of: dict = {}
        self._styles: dict[tuple, Style] = {}  # (kind, colour, base) -> style, painted often

    def _style(self, kind: str, color: str, base: Style, ink: str = "") -> Style:
        key = (kind, color, base, ink)
        style = self._styles.get(key)
        if style is None:
            if kind == "key":
                style = base + Style(color=ink, bgcolor=color, bold=True)
            elif kind == "name-other":
                style = base + Style(color=color, italic=True)
            else:
                style = base + Style(color=color)
            self._styles[key] = style
        return style

    def update(self, spans: Iterable) -> set:
        """Re-assign lanes for ``spans``; returns the spans whose lane changed (to repaint)."""
        new = assign_lanes(spans)
        old = self.lane_of
        self.lane_of = new
        changed = {s for s, lane in new.items() if old.get(s) != lane}
        changed.update(s for s in old if s not in new)
        return changed

    def margin(self, line_spans: list, other_spans: set, first_line_of: Callable[[object], bool],
               color_of: Callable[[str | None], str], label_of: Callable[[str | None], tuple[str, str]],
               label_width: int, base: Style, ink: str) -> list[Segment]:
        """The margin's segments for one line.

        ``line_spans``: the codings touching the line; ``other_spans``: which of them are
        other coders'; ``first_line_of(span)``: whether the span starts on this line;
        ``label_of(code)``: the code's (key, name); ``ink``: the colour of a key drawn on
        a stripe (the background, so the key reads on any code colour).
        """
        cells: list[Segment | None] = [None] * LANES
        overflow = False
        starting: list[tuple[int, object]] = []
        for span in line_spans:
            lane = self.lane_of.get(span)
            if lane is None:
                continue
            starts = first_line_of(span)
            if starts:
                starting.append((lane, span))
            if lane >= LANES:
                overflow = True
                continue
            color = color_of(span.code)
            if span in other_spans:
                cell = Segment("┆", self._style("line", color, base))
            elif starts:
                key, _ = label_of(span.code)
                cell = Segment(key, self._style("key", color, base, ink))
            else:
                cell = Segment("┃", self._style("line", color, base))
            cells[lane] = cell
        if overflow:  # more overlapping codings than lanes: the names still list them
            cells[LANES - 1] = Segment("+", base + Style(bold=True))
        segments = [Segment(" ", base)]
        segments += [cell or Segment(" ", base) for cell in cells]
        if label_width:
            segments.append(Segment(" ", base))
            used = 0
            for _, span in sorted(starting, key=lambda item: item[0]):
                _, name = label_of(span.code)
                room = label_width - used - (1 if used else 0)
                if room < 3:
                    break
                text = name if len(name) <= room else name[:room - 1] + "…"
                if used:
                    segments.append(Segment(" ", base))
                    used += 1
                kind = "name-other" if span in other_spans else "line"
                segments.append(Segment(text, self._style(kind, color_of(span.code), base)))
                used += len(text)
            segments.append(Segment(" " * (label_width - used), base))
        return segments
