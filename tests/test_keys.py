"""Codebook hot-keys can never shadow a coding-screen command, and the shipped codebook fits."""

from __future__ import annotations

from coder.codebook import RESERVED_KEYS, load_codebook
from coder.demo import SHIPPED_CODEBOOK
from coder.tui.keymap import CODING_KEYS, DOCUMENT_VIEW_KEYS

NAMED = {"left_square_bracket": "[", "right_square_bracket": "]", "left_curly_bracket": "{",
         "right_curly_bracket": "}", "slash": "/", "question_mark": "?", "space": " "}


def single_keys(specs) -> set[str]:
    keys = set()
    for spec in specs:
        for key in spec.keys.split(","):
            key = NAMED.get(key, key)
            if len(key) == 1:
                keys.add(key)
    return keys


def test_every_single_key_command_is_reserved():
    used = single_keys(CODING_KEYS + DOCUMENT_VIEW_KEYS) | {"q", "?"}
    assert used <= RESERVED_KEYS, sorted(used - RESERVED_KEYS)


def test_shipped_codebook_keys_are_free_and_unique():
    book = load_codebook(SHIPPED_CODEBOOK)
    keys = [c.key for c in book.codes if c.key]
    assert len(keys) == len(set(keys))
    assert not set(keys) & RESERVED_KEYS
