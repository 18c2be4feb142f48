"""The codebook as a Taguette codebook CSV (Taguette imports codebooks only as CSV).

Taguette's "Import codebook" reads a header row and takes the tag from the column
``tag`` (or ``name``/``path``), its description from ``description`` and, in versions
with nested tags, its parent from ``parent`` (a tag named in the same file); other
columns are ignored.  A code's tag is its id (unique, stable, the name coder's other
exports use); the description is the code's name and its definition.
"""

from __future__ import annotations

from .model import Codebook, tree_order

TAGUETTE_COLUMNS = ["tag", "description", "parent"]


def taguette_rows(book: Codebook) -> list[list[str]]:
    """One row per code, parents before children, in :data:`TAGUETTE_COLUMNS` order."""
    present = {code.id for code in book.codes}
    rows = []
    for code in tree_order(list(book.codes)):
        definition = " ".join(code.definition.split())
        description = f"{code.name}: {definition}" if definition else code.name
        rows.append([code.id, description, code.parent if code.parent in present else ""])
    return rows
