"""This document's coded segments as a table; choosing a row jumps to the segment."""

from __future__ import annotations

import json

from rich.text import Text
from textual.widgets import DataTable


class _Position(int):
    """A segment's start offset (so rows sort in text order) displayed as its ¶ number."""

    paragraph: int | None = None

    def __str__(self) -> str:
        # No paragraph: the segment lies in the document's header, before the first turn.
        return f"¶{self.paragraph}" if self.paragraph is not None else "¶–"


def _excerpt(text: str, start: int, end: int, width: int = 60) -> str:
    snippet = " ".join(text[start:end].split())
    return snippet if len(snippet) <= width else snippet[: width - 1] + "…"


def _attribute_note(raw: str | None) -> str:
    """A coding's attribute values, short: ``att·neg`` (first three letters of each)."""
    if not raw or raw == "{}":
        return ""
    values = json.loads(raw)
    return "·".join(str(values[k])[:3] for k in sorted(values))


class SegmentsTable(DataTable):
    """The coder's segments (and, when shown, other coders'), in text order.

    Updated by difference: rows come and go one by one, so applying a code on a document
    with thousands of segments does not rebuild the table.
    """

    DEFAULT_CSS = """
    SegmentsTable { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self._rows: dict[str, tuple] = {}

    def on_mount(self) -> None:
        self._ensure_columns()

    def _ensure_columns(self) -> None:
        # Rows may arrive before this widget's own mount handler has run.
        if self.columns:
            return
        self.add_column("¶", key="at", width=6)
        self.add_column("code", key="code", width=self._code_width())
        # Fixed widths: measuring cells as rows come and go would re-lay the table out.
        self.add_column("text", key="text", width=self._text_width())
        self.add_column("", key="note", width=12)

    def _code_width(self) -> int:
        return min(24, max(10, (self.size.width or 100) // 5))

    def _text_width(self) -> int:
        # What the other columns (and each column's two cells of padding) leave.
        return max(10, (self.size.width or 100) - 6 - self._code_width() - 12 - 9)

    def on_resize(self) -> None:
        if "text" not in self.columns:
            return
        widths = {"code": self._code_width(), "text": self._text_width()}
        if any(self.columns[key].width != width for key, width in widths.items()):
            for key, width in widths.items():
                self.columns[key].width = width
            self._require_update_dimensions = True
            self.refresh()

    def set_segments(self, annotations: list[dict], *, text: str, coder: str,
                     paragraph_of, code_names: dict[str, str], colors: dict[str, str],
                     limit: int | None = None) -> bool:
        """Show ``annotations`` (dicts from ``document_annotations``).

        At most ``limit`` rows are added per call (a first fill of thousands of rows is
        spread over several frames); returns True when rows are still missing.
        """
        self._ensure_columns()
        wanted: dict[str, tuple] = {}
        for a in annotations:
            wanted[f"a{a['id']}"] = (a["start"], a["end"], a["code_id"], a.get("memo"),
                                     a.get("origin"), a.get("coder"), a.get("attributes"))
        changed = False
        for key in [k for k, signature in self._rows.items() if wanted.get(k) != signature]:
            self.remove_row(key)
            del self._rows[key]
            changed = True
        by_key = {f"a{a['id']}": a for a in annotations} if len(wanted) > len(self._rows) else {}
        added = 0
        more = False
        for key, signature in wanted.items():
            if key in self._rows:
                continue
            if limit is not None and added >= limit:
                more = True
                break
            a = by_key[key]
            self.add_row(*self._cells(a, text, coder, paragraph_of, code_names, colors), key=key)
            self._rows[key] = signature
            added += 1
            changed = True
        if changed:
            self.sort("at")
        return more

    @staticmethod
    def _cells(a: dict, text: str, coder: str, paragraph_of, code_names: dict[str, str],
               colors: dict[str, str]) -> tuple:
        position = _Position(a["start"])
        position.paragraph = paragraph_of(a["start"], a["end"])
        code = Text()
        code.append("■ ", style=colors.get(a["code_id"], ""))
        code.append(code_names.get(a["code_id"], a["code_id"]))
        notes = []
        if a.get("coder") and a["coder"] != coder:
            notes.append(a["coder"])
        if a.get("memo"):
            notes.append("✎")
        if a.get("origin") == "suggestion":
            notes.append("accepted")
        values = _attribute_note(a.get("attributes"))
        if values:
            notes.insert(0, values)
        return position, code, _excerpt(text, a["start"], a["end"], 200), " ".join(notes)

    def annotation_id(self, row_key) -> int | None:
        """The annotation id of a row key."""
        value = getattr(row_key, "value", row_key)
        return int(value[1:]) if value and value.startswith("a") else None
