"""Vectorised word counts equal str.split() on any text and any spans."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from coder.corpus.words import word_counts

# Three alphabets for the three array widths: ASCII (with the ASCII separators \x1c-\x1f),
# the Basic Multilingual Plane, and text with a character beyond it.
ASCII = list("ab \n\t\x0b\x0c\r\x1c\x1fx-,")
# Every whitespace character outside ASCII, and neighbours that share their first bytes.
WIDE_SPACES = "\u0085\u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000"
LOOKALIKES = "¡¿ñé\u00a1\u1681\u200b\u201c\u2030\u205e\u2060\u3001\uffff"
BMP = [*ASCII, *WIDE_SPACES, *LOOKALIKES]
ALPHABETS = [ASCII, BMP, [*BMP, "\U0001F600", "\U0010FFFF"]]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ALPHABETS).flatmap(
    lambda alphabet: st.text(alphabet=st.sampled_from(alphabet), min_size=2000, max_size=3000)),
    st.data())
def test_matches_split(text, data):
    spans = []
    for _ in range(5):
        a = data.draw(st.integers(0, len(text)))
        b = data.draw(st.integers(a, len(text)))
        spans.append((a, b))
    assert word_counts(text, spans) == [len(text[a:b].split()) for a, b in spans]


def test_short_text_and_empty_spans():
    assert word_counts("uno dos  tres", [(0, 13), (3, 3), (4, 7)]) == [3, 0, 1]
    assert word_counts("x", []) == []
