"""Retrieval: every segment of a code (with its descendants) across documents, each in its
sentence; enter jumps to the segment in its document.

The list is :func:`coder.export.segments.retrieve_segments`, the query behind
``coder segments CODE``; the filter line takes the same filters, typed as words::

    coder:alice  kind:press  since:2019-03  until:2019  doc:12  where:genre=mañanera
    source=own  gold

Others' codings on a document the coder codes blind are held back, as everywhere.
"""

from __future__ import annotations

import shlex

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from ...errors import CoderError
from ...export.segments import CONTEXT_MARKS, retrieve_segments
from ...project import Project
from ...team.blind import held_back_note, withhold_others
from ..typeahead import opens_prompt
from .pickers import Picker, code_choices

FILTER_HELP = ("coder:NAME  kind:press|president|…  since:YYYY[-MM[-DD]]  until:…  doc:ID  "
               "where:KEY=VALUE  DIMENSION=VALUE  gold   (enter applies)")


def parse_filter(line: str) -> dict:
    """The filter line as keyword arguments of :func:`retrieve_segments` (CoderError when a
    word is not understood)."""
    filters: dict = {"coders": [], "roles": [], "document_ids": [], "where": [],
                     "attributes": {}, "gold": False, "since": None, "until": None}
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise CoderError(f"filter: {exc}") from None
    for word in words:
        name, sep, value = word.partition(":")
        if word == "gold":
            filters["gold"] = True
        elif sep and name in ("coder", "kind", "role", "doc", "where", "since", "until") \
                and value:
            values = [v for v in value.split(",") if v]
            if name == "coder":
                filters["coders"] += values
            elif name in ("kind", "role"):
                filters["roles"] += values
            elif name == "doc":
                try:
                    filters["document_ids"] += [int(v) for v in values]
                except ValueError:
                    raise CoderError(f"filter: doc:{value} is not a document id") from None
            elif name == "where":
                filters["where"].append(value)
            else:
                filters[name] = value
        elif "=" in word and not sep:
            dimension, _, wanted = word.partition("=")
            filters["attributes"][dimension] = wanted
        else:
            raise CoderError(f"filter: {word!r} is not understood ({FILTER_HELP})")
    return {k: v for k, v in filters.items() if v not in ([], {}, None, False)}


class RetrievalScreen(Screen[tuple[int, int, int] | None]):
    """A code's segments across documents; dismisses with ``(document, start, end)``."""

    BINDINGS = [
        Binding("escape", "back", "back", show=True),
        # Priority, like every key that opens a prompt (coder.tui.typeahead).
        Binding("slash,f", "focus_filter", "filter", show=True, key_display="/", priority=True),
    ]
    DEFAULT_CSS = """
    RetrievalScreen #retrieval-title { height: 1; background: $panel; padding: 0 1; }
    RetrievalScreen #retrieval-filter { height: 3; }
    RetrievalScreen #retrieval-note { height: auto; max-height: 4; color: $text-muted;
                                      padding: 0 1; }
    RetrievalScreen DataTable { height: 1fr; }
    """

    def __init__(self, project: Project, coder: str, code_id: str, code_name: str, *,
                 color: str = "", filter_line: str | None = None) -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        self.code_id = code_id
        self.code_name = code_name
        self.color = color
        self.filter_line = f"coder:{coder}" if filter_line is None else filter_line
        self.rows: list[dict] = []

    def compose(self) -> ComposeResult:
        yield Static(id="retrieval-title")
        yield Input(self.filter_line, placeholder=FILTER_HELP, id="retrieval-filter")
        yield Static(id="retrieval-note")
        yield DataTable(id="retrieval", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("date", key="date", width=10)
        table.add_column("doc", key="doc", width=5)
        table.add_column("¶", key="paragraph", width=5)
        table.add_column("speaker", key="speaker", width=18)
        table.add_column("coder", key="coder", width=8)
        table.add_column("code", key="code", width=16)
        table.add_column("in its sentence", key="sentence")
        self.refresh_rows()
        table.focus()

    def refresh_rows(self) -> None:
        """Run the query with the filter line and fill the table."""
        note = self.query_one("#retrieval-note", Static)
        try:
            filters = parse_filter(self.filter_line)
            rows = retrieve_segments(self.project, self.code_id, context=0, **filters)
        except CoderError as exc:
            note.update(Text(str(exc), style="bold red"))
            return
        rows, held = withhold_others(self.project, self.coder, rows, via="workbench retrieval")
        self.rows = rows
        table = self.query_one(DataTable)
        table.clear()
        width = max(20, (self.size.width or 120) - 10 - 5 - 5 - 18 - 8 - 16 - 16)
        for index, row in enumerate(rows):
            speaker = row["speaker"] or ""
            if row["speaker_kind"] in ("press",):
                speaker = "Press"
            table.add_row(row["date"] or "", str(row["document_id"]),
                          f"¶{row['paragraph'] or '–'}", speaker[:18], row["coder"],
                          Text(row["code_name"] or row["code_id"], style=""),
                          _sentence(row["sentence"], width), key=str(index))
        documents = len({r["document_id"] for r in rows})
        title = Text()
        title.append("■ ", style=self.color)
        title.append(f"{self.code_name}", style="bold")
        title.append(f"  {self.code_id} and below · {len(rows)} segment(s) in {documents} "
                     f"document(s)", style="")
        self.query_one("#retrieval-title", Static).update(title)
        hint = "enter: go to the segment · / : filter · esc: back"
        if not rows and self.filter_line.strip() != f"coder:{self.coder}":
            # The filter line stays from one retrieval to the next: say so when it empties one.
            hint = f"no segment matches the filter “{self.filter_line}” (kept from your last " \
                   "retrieval) · / : change it · esc: back"
        note.update(Text(held_back_note(held, self.coder) or hint, style="dim"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.filter_line = event.value
        self.refresh_rows()
        self.query_one(DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        row = self.rows[int(event.row_key.value)]
        self.dismiss((row["document_id"], row["start"], row["end"]))

    @opens_prompt
    def action_focus_filter(self) -> None:
        """`/`: edit the filter line."""
        self.set_focus(self.query_one(Input))  # now: the keys typed after `/` are the filter

    def action_back(self) -> None:
        """`esc`: back to coding (from the filter line: back to the list)."""
        if self.query_one(Input).has_focus:
            self.query_one(DataTable).focus()
            return
        self.dismiss(None)


def _sentence(context: str, width: int) -> Text:
    """The sentence with the segment bold, cut around the segment to ``width`` cells."""
    left, rest = context.split(CONTEXT_MARKS[0], 1)
    segment, right = rest.split(CONTEXT_MARKS[1], 1)
    room = max(0, width - len(segment))
    if len(left) + len(right) > room:
        keep_left = min(len(left), room // 3)
        left = ("…" + left[len(left) - keep_left + 1:]) if keep_left < len(left) else left
        keep_right = max(0, room - len(left))
        right = right[:keep_right - 1] + "…" if keep_right < len(right) else right
    text = Text(left, style="dim")
    text.append(segment, style="bold reverse")
    text.append(right, style="dim")
    return text


class RetrievalActions:
    """The coding screen's way into retrieval (enter on a code in the tree; the palette)."""

    def _pick_code_then(self, title: str, then, *, skip: set[str] | None = None) -> None:
        """A fuzzy code picker; ``then(code_id)`` with the code chosen."""
        self.app.push_screen(Picker(title, code_choices(self.codes, self.palette, skip=skip)),
                             lambda code_id: code_id and then(code_id))

    def action_retrieve(self, code_id: str | None = None) -> None:
        """Open the segments of ``code_id`` (default: a code picker) across documents."""
        if code_id is None:
            self._pick_code_then("Segments of which code?", self.action_retrieve)
            return
        code = self.code_by_id.get(code_id)
        screen = RetrievalScreen(self.project, self.coder, code_id,
                                 code.name if code else code_id,
                                 color=self.palette.get(code_id, ""),
                                 filter_line=getattr(self, "_retrieval_filter", None))

        def chosen(target: tuple[int, int, int] | None) -> None:
            self._retrieval_filter = screen.filter_line  # the next retrieval keeps it
            if target is None:
                self.view.focus()
                return
            document_id, start, end = target
            if document_id != self.document_id:
                self.load_document(document_id)
            self.call_after_refresh(self._show_retrieved, start, end, code_id)

        self.app.push_screen(screen, chosen)

    def action_retrieve_current(self) -> None:
        """`ctrl+g`: the segments of the code on the card (a picker when there is none)."""
        self.action_retrieve(self.current_code)

    def _show_retrieved(self, start: int, end: int, code_id: str) -> None:
        view = self.view
        view.select(start, end)
        view.scroll_to_offset(start, center=True)
        self.set_current_code(code_id, why="retrieved")
        view.focus()
