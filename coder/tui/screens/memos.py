"""Memos in the workbench: the memo panel (`ctrl+n`), memos on codes (command palette),
the ✎ marks in the text.  A mixin of the coding screen, kept apart from its other keys."""

from __future__ import annotations

from textual.widgets import DataTable

from ... import memos as core_memos
from .. import queries
from ..typeahead import opens_prompt
from ..widgets.document_view import DocumentView
from ..widgets.memo_panel import MemoPanel
from ..widgets.segments import SegmentsTable
from .pickers import MemoEditor


class MemoActions:
    """What the coding screen does with memos (it provides project, coder, document_id,
    own, codes, code_by_id, palette, current_code, show_others, _run)."""

    def show_memo_marks(self) -> None:
        """A ✎ beside the lines where memo'd segments end (the coder's, and others' when
        shown; a memo on the segment itself or in the memos table, as from a REFI import
        or a team merge); the panel follows."""
        shown = self.own + (self.others if self.show_others else [])
        in_table = queries.segments_with_memo_rows(self.project, [a["id"] for a in shown])
        self.query_one(DocumentView).set_memo_marks(
            [a["end"] for a in shown if (a.get("memo") or "").strip() or a["id"] in in_table])
        panel = self.query_one(MemoPanel)
        if panel.display:
            self.refresh_memo_panel()

    def codes_in_view(self) -> list[str]:
        """The codes the panel lists memos of: those used in this document, and the card's."""
        used = dict.fromkeys(a["code_id"] for a in self.own)
        if self.current_code:
            used.setdefault(self.current_code)
        return list(used)

    def refresh_memo_panel(self) -> None:
        """Re-read the memos of this document, its segments and the codes in view."""
        self.query_one(MemoPanel).show_memos(
            self.project, self.document_id, code_ids=self.codes_in_view(), coder=self.coder,
            others=self.show_others, colors=self.palette)

    def action_toggle_memos(self) -> None:
        """`ctrl+n`: show the memo panel (in place of the segment list) or hide it."""
        panel = self.query_one(MemoPanel)
        panel.display = not panel.display
        self.query_one(SegmentsTable).display = not panel.display
        if panel.display:
            self.refresh_memo_panel()
            panel.focus()
        else:
            self.query_one(DocumentView).focus()

    @opens_prompt
    def action_memo_code(self, code_id: str | None = None) -> None:
        """Write your memo on a code (default: the one on the card)."""
        code_id = code_id or self.current_code
        if code_id is None:
            self.notify("No code on the card: move onto a coding or pick a code first.",
                        timeout=3)
            return
        current = next((r["memo"] for r in core_memos.list_memos(
            self.project, on=["code"], codes=[code_id], coders=[self.coder])
            if r["code_id"] == code_id), "")
        name = self.code_by_id[code_id].name if code_id in self.code_by_id else code_id
        self.app.push_screen(MemoEditor(f"Memo on the code {name}", current),
                             lambda text: self._save_code_memo(code_id, current, text))

    def _save_code_memo(self, code_id: str, before: str, text: str | None) -> None:
        if text is None or text == before:
            return
        if self._run(core_memos.memo_on, text, code=code_id) is not None:
            self.notify("Code memo saved (u undoes it).", timeout=2)
            if self.query_one(MemoPanel).display:
                self.refresh_memo_panel()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a memo: a segment's jumps to it; a code's or the document's opens it."""
        if not isinstance(event.data_table, MemoPanel):
            return
        row = event.data_table.memo_at(event.row_key)
        if row is None:
            return
        if row["on"] == "code":
            self.action_memo_code(row["code_id"])
        elif row["on"] == "document":
            self.action_memo_document()
        else:
            view = self.query_one(DocumentView)
            view.select(row["start"], row["end"])
            view.scroll_to_offset(row["start"], center=True)
            self.set_current_code(row["code_id"])
            view.focus()
