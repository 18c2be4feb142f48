"""The memo panel (`ctrl+n`): the memos of the document in view, of its segments and of the
codes used in it (or on the card), read through :func:`coder.memos.list_memos`."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from ...memos import list_memos
from ...project import Project


class MemoPanel(DataTable):
    """One row per memo: where it is (code, document, ¶ of a segment), who wrote it, the memo.

    Enter on a row posts ``DataTable.RowSelected``; :meth:`memo_at` gives the memo row.
    """

    DEFAULT_CSS = """
    MemoPanel { height: 8; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.memos: dict[str, dict] = {}

    def on_mount(self) -> None:
        self.add_column("on", key="on", width=22)
        self.add_column("by", key="by", width=8)
        self.add_column("memo", key="memo")

    def show_memos(self, project: Project, document_id: int, *, code_ids: list[str],
                   coder: str, others: bool, colors: dict[str, str]) -> int:
        """Fill the panel; ``others``: other coders' memos too (else the coder's own only,
        as blind coding wants).  Returns how many memos are listed."""
        rows = list_memos(project, document_ids=[document_id])
        if code_ids:
            rows = list_memos(project, on=["code"], codes=code_ids) + rows
        seen: set[str] = set()
        self.clear()
        self.memos = {}
        for row in rows:
            if row["memo_id"] in seen or (not others and row["coder"] not in (coder, None)):
                continue
            if row["on"] == "code" and row["code_id"] not in code_ids:
                continue  # a descendant's memo: the panel lists the codes in view only
            seen.add(row["memo_id"])
            where = Text()
            if row["on"] == "document":
                where.append("this document", style="bold")
            else:
                where.append("■ ", style=colors.get(row["code_id"] or "", ""))
                if row["on"] == "segment":
                    where.append(f"¶{row['paragraph'] or '–'} ", style="bold")
                where.append(row["code_name"] or row["code_id"] or "",
                             style="" if row["on"] == "segment" else "bold")
            memo = " ".join((row["memo"] or "").split())
            self.add_row(where, row["coder"] or "", Text("✎ " + memo), key=row["memo_id"])
            self.memos[row["memo_id"]] = row
        self.border_title = f"memos · {len(self.memos)}"
        return len(self.memos)

    def memo_at(self, row_key) -> dict | None:
        """The memo row of a table row key."""
        return self.memos.get(getattr(row_key, "value", row_key))
