"""Vectorised word counts equal str.split() on any text and any spans."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from coder.corpus.words import word_counts

ALPHABET = st.sampled_from(list("ab ñé\n\t\u00a0\u2003\u3000\u200bx-,") + ["\U0001F600"])


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=ALPHABET, min_size=2000, max_size=3000), st.data())
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
