"""The document view's layout: wrapping once per width, and display cells <-> offsets.

Pure Python (no app), so the properties can be checked on many random texts.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coder.tui.widgets.layout import BLANK, HEADING, PREAMBLE, TEXT, Layout, char_width
from tests.helpers import TRANSCRIPT

WORDS = ["paz", "violencia", "México", "jóvenes", "北京", "🙂", "di\u0301as", "ñandú", "a",
         "Guardia", "—", "supercalifragilisticoespialidoso", "¿qué?", "¡no!", "x"]


def turns_of(text: str) -> list[dict]:
    """Turns as the importer makes them: the text after each ``---`` and speaker line."""
    from coder.corpus.text import parse_transcript

    return [{"start": t.start, "end": t.end} for t in parse_transcript(text).turns]


def visible_cells(layout: Layout, line: int) -> int:
    text = layout.text[layout.starts[line]:layout.ends[line]].rstrip()
    return sum(char_width(c) for c in text)


def test_transcript_layout_shows_headings_turns_and_the_preamble():
    layout = Layout(TRANSCRIPT, turns_of(TRANSCRIPT), 40)
    kinds = layout.kinds
    assert kinds[:3] == [PREAMBLE, PREAMBLE, PREAMBLE]  # title, author, date
    assert kinds.count(HEADING) == 6 and len(layout.heading_lines) == 6
    assert BLANK in kinds
    # No line shows the separators or the raw speaker lines.
    shown = [TRANSCRIPT[layout.starts[i]:layout.ends[i]] for i in range(len(layout))
             if kinds[i] in (TEXT, PREAMBLE)]
    assert not any("---" in line or "PRESIDENTE ANDRÉS" in line for line in shown)
    assert all(visible_cells(layout, i) <= 40 for i in range(len(layout)))


def test_hidden_gaps_are_skipped():
    turns = turns_of(TRANSCRIPT)
    layout = Layout(TRANSCRIPT, turns, 60)
    gap = turns[0]["end"] + 3  # inside "\n---\nPREGUNTA\n"
    assert layout.snap(gap, 1) == turns[1]["start"]
    assert layout.snap(gap, -1) == turns[0]["end"]


def test_wide_characters_and_combining_marks():
    text = "ab北京🙂 e\u0301x"
    layout = Layout(text, [], 40)
    assert layout.cells_before(0, 2) == 2       # after "ab"
    assert layout.cells_before(0, 3) == 4       # after "ab北"
    assert layout.cells_before(0, 5) == 8       # after the emoji
    # Both cells of a wide character lead to it; a combining mark is never a target.
    assert layout.offset_at(0, 4) == 3 and layout.offset_at(0, 5) == 3
    e = text.index("e")
    assert layout.offset_at(0, layout.cells_before(0, e)) == e
    assert layout.offset_at(0, layout.cells_before(0, e) + 1) == e + 2  # the x after é
    assert layout.snap(e + 1) == e


def test_wrapping_breaks_between_words_and_inside_overlong_ones():
    text = "uno dos tres " + "x" * 25 + " fin"
    layout = Layout(text, [], 10)
    lines = [text[layout.starts[i]:layout.ends[i]] for i in range(len(layout))]
    assert lines[0] == "uno dos "
    assert "x" * 10 in lines
    assert lines[-1].endswith("fin")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=80),
       st.lists(st.sampled_from([" ", " ", " ", "\n", ", "]), min_size=80, max_size=80),
       st.integers(min_value=8, max_value=70))
def test_layout_covers_the_text_and_maps_both_ways(words, separators, width):
    text = "".join(w + s for w, s in zip(words, separators)).strip()
    if not text:
        return
    layout = Layout(text, [], width)
    text_lines = [i for i in range(len(layout)) if layout.kinds[i] == TEXT]
    # Lines cover the text in order, each paragraph exactly, and fit the width.
    position = 0
    for i in text_lines:
        assert layout.starts[i] == position or text[position:layout.starts[i]] == "\n"
        position = layout.ends[i]
        assert visible_cells(layout, i) <= width
    assert position == len(text)
    # Every base character maps to a cell and back.
    for offset, ch in enumerate(text):
        if ch == "\n" or char_width(ch) == 0:
            continue
        line = layout.line_of(offset)
        assert layout.starts[line] <= offset < max(layout.ends[line], offset + 1)
        assert layout.offset_at(line, layout.cells_before(line, offset)) == offset


def test_layout_of_a_long_text_is_linear_and_lines_are_bounded():
    words = ("la paz es fruto de la justicia y no de la guerra " * 4000).strip()
    layout = Layout(words, [{"start": 0, "end": len(words)}], 90)
    assert len(layout) > 1000
    assert max(layout.ends[i] - layout.starts[i] for i in range(len(layout))) <= 91


@pytest.mark.parametrize("width", [8, 33, 100])
def test_line_of_is_monotonic(width):
    layout = Layout(TRANSCRIPT, turns_of(TRANSCRIPT), width)
    lines = [layout.line_of(o) for o in range(len(TRANSCRIPT))]
    assert lines == sorted(lines)
