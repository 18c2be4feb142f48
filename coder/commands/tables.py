"""Terminal tables for command output (rich)."""

from __future__ import annotations

from collections.abc import Iterable

NUMERIC = {"id", "turns", "words", "n", "hits", "documents", "accepted", "rejected", "precision",
           "assigned", "reliability", "in_progress", "done", "annotations", "chars"}


def cells(values: Iterable[object]) -> list:
    """Table cells shown exactly as written: rich reads a plain string as markup, so a
    title or a name holding "[b]" would change style and one holding "[/]" would stop the
    command with a traceback."""
    from rich.text import Text

    return [Text(str(value)) for value in values]


def print_table(rows: Iterable[dict], columns: list[str], *, title: str | None = None,
                max_width: dict[str, int] | None = None) -> None:
    """Print ``rows`` as a table; columns in ``max_width`` are cut (…) to fit the terminal."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    rows = list(rows)
    max_width = max_width or {}
    widths = {c: max([len(c)] + [len(str(r.get(c) or "")) for r in rows]) for c in columns}
    console = Console()
    if not console.is_terminal:
        # Into a file or a pipe nothing is cut: rich would crop the table to 80 columns,
        # losing its last columns and all but the start of every title.
        console = Console(width=max(console.width, sum(widths.values()) + 3 * len(columns) + 1))
        max_width = {}
    fixed = sum(widths[c] for c in columns if c not in max_width) + 3 * len(columns) + 1
    room = max(10, (console.width - fixed) // max(1, len(max_width)))
    table = Table(title=Text(title) if title else None, title_justify="left", header_style="bold")
    for column in columns:
        cap = min(max_width[column], room) if column in max_width else None
        table.add_column(column, justify="right" if column in NUMERIC else "left",
                         max_width=cap, min_width=None if cap else widths[column],
                         overflow="ellipsis", no_wrap=True)
    for row in rows:
        table.add_row(*cells("" if row.get(c) is None else row.get(c) for c in columns))
    console.print(table)
