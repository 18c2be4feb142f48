"""Word counts (runs of non-whitespace, exactly as ``len(str.split())``) for many spans at once.

Counting with ``str.split`` allocates every word; over the 8.8-million-word corpus that was
the largest single cost of an import.  Here the text becomes one array of code points and
every span's count is the number of word starts inside it.  The
array is as narrow as the text allows (one byte for ASCII, two for the Basic Multilingual
Plane, where nearly every transcript lives): encoding and scanning it is most of the cost.
(Scanning the UTF-8 bytes instead was tried: mapping offsets and finding the multi-byte
spaces cost more than the encoding it saves.)
"""

from __future__ import annotations

import sys
from functools import lru_cache

SHORT = 2000  # below this many characters, str.split() is quicker than setting up arrays
_WIDE = "utf-32-le" if sys.byteorder == "little" else "utf-32-be"
_NARROW = "utf-16-le" if sys.byteorder == "little" else "utf-16-be"
_BMP = 0x10000


@lru_cache(maxsize=1)
def _space_table():
    """A bool per code point of the Basic Multilingual Plane: does str.split() split on it."""
    import numpy as np

    table = np.zeros(_BMP, dtype=bool)
    # Every code point str.isspace() accepts lies below U+3001.
    table[[c for c in range(0x3001) if chr(c).isspace()]] = True
    return table


def _code_points(text: str):
    """The text as a numpy array of code points, in the narrowest type that holds them."""
    import numpy as np

    if text.isascii():  # O(1): CPython records it
        return np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    data = text.encode(_NARROW)
    if len(data) == 2 * len(text):  # no surrogate pairs: one unit per code point
        return np.frombuffer(data, dtype=np.uint16)
    codes = np.frombuffer(text.encode(_WIDE), dtype=np.uint32)
    # Beyond the BMP nothing is whitespace: clamp those to an entry that is not.
    return np.minimum(codes, _BMP - 1).astype(np.uint16)


def word_counts(text: str, spans: list[tuple[int, int]]) -> list[int]:
    """``[len(text[a:b].split()) for a, b in spans]``, computed in one vectorised pass."""
    if not spans:
        return []
    if len(text) < SHORT:
        return [len(text[a:b].split()) for a, b in spans]
    import numpy as np

    space = np.take(_space_table(), _code_points(text))
    # A word starts where a non-space follows a space (or opens the text).
    starts = ~space
    starts[1:] &= space[:-1]
    count = np.count_nonzero
    result = []
    for a, b in spans:
        if b <= a:
            result.append(0)
        elif not space[a] and not starts[a]:
            # A word cut by the span's start still counts once inside the span.
            result.append(int(count(starts[a:b])) + 1)
        else:
            result.append(int(count(starts[a:b])))
    return result
