"""The documents screen: filter by date, kind, speaker, coding status and text; open one."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, Select

from ...corpus.documents import list_documents
from ...errors import CoderError
from ...project import Project
from .. import queries
from ..keymap import DOCUMENTS_KEYS, bindings

STATUS_STYLE = {"not started": "dim", "in progress": "yellow", "done": "green"}


def date_matches(date: str | None, wanted: str) -> bool:
    """``wanted`` is a prefix (``2019``, ``2019-03``) or a range ``FROM..TO`` (either side optional)."""
    wanted = wanted.strip()
    if not wanted:
        return True
    if not date:
        return False
    if ".." in wanted:
        low, high = (part.strip() for part in wanted.split("..", 1))
        return (not low or date >= low) and (not high or date[: len(high)] <= high)
    return date.startswith(wanted)


class DocumentsScreen(Screen[int | None]):
    """Every document with the coder's status; enter opens one, escape goes back."""

    BINDINGS = bindings(DOCUMENTS_KEYS)

    DEFAULT_CSS = """
    DocumentsScreen #filters { height: 3; }
    DocumentsScreen #filters Input { width: 1fr; }
    DocumentsScreen #filters Select { width: 22; }
    DocumentsScreen #count { height: 1; padding: 0 1; color: $text-muted; }
    DocumentsScreen DataTable { height: 1fr; }
    """

    def __init__(self, project: Project, coder: str, *, current: int | None = None) -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        self.current = current
        self.documents = list_documents(project)
        self.status = queries.coding_status(project, coder)
        self.assigned = queries.assigned_documents(project, coder)
        self._text_hits: set[int] | None = None
        self._speaker_hits: set[int] | None = None

    def compose(self) -> ComposeResult:
        kinds = sorted({d["kind"] for d in self.documents if d["kind"]})
        yield Label(Text.assemble(("Documents", "bold"), (f"  · {self.coder}", "dim")), id="title")
        with Horizontal(id="filters"):
            yield Input(placeholder="date: 2019-03 or 2019-03-01..2019-04-15", id="date")
            yield Select([(k, k) for k in kinds], prompt="any kind", id="kind")
            yield Input(placeholder="speaker (name, role or label)", id="speaker")
            yield Select([(s, s) for s in queries.STATUS_LABELS], prompt="any status", id="status")
            yield Input(placeholder="full text (enter to search)", id="text")
        yield Label("", id="count")
        yield DataTable(id="docs", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("id", key="id", width=5)
        table.add_column("date", key="date", width=10)
        table.add_column("kind", key="kind", width=16)
        # The title takes what the other columns leave (no sideways scrolling).
        title_width = max(20, self.app.size.width - 75)
        table.add_column("title", key="title", width=title_width)
        table.add_column("turns", key="turns", width=5)
        table.add_column("words", key="words", width=7)
        table.add_column(f"{self.coder}", key="status", width=14)
        self.refresh_rows()
        table.focus()

    def _status(self, document_id: int) -> str:
        return self.status.get(document_id, "not started")

    def refresh_rows(self) -> None:
        """Apply the filters to the table."""
        date = self.query_one("#date", Input).value
        kind = self.query_one("#kind", Select).value
        status = self.query_one("#status", Select).value
        rows = []
        for d in self.documents:
            if not date_matches(d["date"], date):
                continue
            if kind not in (Select.NULL, None) and d["kind"] != kind:
                continue
            if status not in (Select.NULL, None) and self._status(d["id"]) != status:
                continue
            if self._speaker_hits is not None and d["id"] not in self._speaker_hits:
                continue
            if self._text_hits is not None and d["id"] not in self._text_hits:
                continue
            rows.append(d)
        table = self.query_one(DataTable)
        table.clear()
        for d in rows:
            label = self._status(d["id"])
            status_text = Text(label, style=STATUS_STYLE[label])
            if d["id"] in self.assigned:
                status_text.append(" ◆", style="bold")
            title = Text(d["title"] or "")
            if d["id"] == self.current:
                title.stylize("bold")
            table.add_row(str(d["id"]), d["date"] or "", d["kind"] or "", title, str(d["turns"]),
                          str(d["words"]), status_text, key=str(d["id"]))
        self.query_one("#count", Label).update(
            f"{len(rows)} of {len(self.documents)} documents · ◆ assigned to you · enter opens")
        if self.current is not None and str(self.current) in table.rows:
            table.move_cursor(row=table.get_row_index(str(self.current)))

    @on(Input.Changed, "#date")
    @on(Select.Changed)
    def _filter_changed(self) -> None:
        self.refresh_rows()

    @on(Input.Changed, "#speaker")
    def _speaker_changed(self, event: Input.Changed) -> None:
        self._speaker_hits = queries.documents_with_speaker(self.project, event.value) \
            if event.value.strip() else None
        self.refresh_rows()

    @on(Input.Submitted, "#text")
    def _text_search(self, event: Input.Submitted) -> None:
        query = event.value.strip()
        if not query:
            self._text_hits = None
        else:
            try:
                self._text_hits = queries.documents_matching(self.project, query)
            except CoderError as exc:
                self.notify(str(exc), severity="error")
                return
        self.refresh_rows()
        self.query_one(DataTable).focus()

    @on(Input.Changed, "#text")
    def _text_cleared(self, event: Input.Changed) -> None:
        if not event.value.strip() and self._text_hits is not None:
            self._text_hits = None
            self.refresh_rows()

    @on(DataTable.RowSelected, "#docs")
    def _open(self, event: DataTable.RowSelected) -> None:
        self.dismiss(int(event.row_key.value))

    def action_back(self) -> None:
        """Back to the coding screen without changing document."""
        self.dismiss(None)

    def action_focus_text(self) -> None:
        """Jump to the full-text search field (from the table or another field: ctrl+f is
        never text, so it needs no ``opens_prompt``)."""
        self.set_focus(self.query_one("#text", Input))  # now: the keys typed next are the query
