"""How coder's messages word a list that may be long."""

from __future__ import annotations

from collections.abc import Iterable


def first_few(items: Iterable[object], limit: int, sep: str = ", ") -> str:
    """The first ``limit`` items joined by ``sep``, then how many more there are:
    ``first_few(["a", "b", "c"], 2) == "a, b and 1 more"``."""
    items = [str(item) for item in items]
    shown = sep.join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def count_of(n: int, noun: str) -> str:
    """``n`` and the noun, plural unless one: "1 document", "2 documents"."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
