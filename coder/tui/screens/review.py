"""The review screen: the queue of disagreements and their adjudication into the gold layer.

Left, a table of disagreements (worst documents first); right, the selected one: the text
with context and, for each coder, whether and how they coded it.  The adjudicator picks
coder N's version (1-5), the union of all versions (u), none (0: the text is not coded) or
a span of their own (e), with an optional reason (r) that goes with the next decision.
Every decision is one call of :func:`coder.team.review.adjudicate`: committed before the
queue says it is settled, and undone as a whole with z.
"""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from ...errors import CoderError
from ...project import Project
from ...team import review as core
from ..keymap import REVIEW_KEYS, bindings
from ..typeahead import opens_prompt

# One style per coder column (coder 1..5), for their stretch in the detail pane.
CODER_STYLES = ["black on #f6c85f", "black on #6fb1e0", "black on #9bd47a", "black on #e79ac0",
                "black on #c4a7e7"]


class ReviewScreen(Screen):
    """Settle the disagreements among ``coders`` into the gold layer as ``adjudicator``."""

    BINDINGS = bindings(REVIEW_KEYS)
    DEFAULT_CSS = """
    ReviewScreen #review-header { height: 1; background: $panel; padding: 0 1; }
    ReviewScreen #review-body { height: 1fr; }
    ReviewScreen #review-queue { width: 55%; }
    ReviewScreen #review-detail-scroll { width: 45%; border-left: solid $panel; padding: 0 1; }
    ReviewScreen #review-prompt { display: none; }
    ReviewScreen #review-prompt.visible { display: block; }
    """

    def __init__(self, project: Project, coders: list[str], adjudicator: str, *,
                 gold: str = core.GOLD, docs: str | list[int] | None = None,
                 reveal_reason: str | None = None) -> None:
        super().__init__()
        if not 2 <= len(coders) <= 5:
            raise CoderError("review compares 2 to 5 coders (--coders alice,bob)")
        self.project = project
        self.coders = list(coders)
        self.adjudicator = adjudicator
        self.gold = gold
        self.docs = docs
        self.items: list[core.Disagreement] = []
        self.reason = ""
        self._prompt_for: str | None = None
        self.message = ""
        self._status_column = None
        # Blind coding: sampled documents not yet marked done by every coder stay out of
        # the queue, unless an owner's override (a reason) revealed them, logged once.
        self.reveal_reason = reveal_reason
        self.held: dict[int, list[str]] = {}
        self._revealed: set[int] = set()

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="review-header")
        with Horizontal(id="review-body"):
            yield DataTable(id="review-queue", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="review-detail-scroll"):
                yield Static(id="review-detail")
        yield Input(id="review-prompt")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#review-queue", DataTable)
        table.add_columns("#", "doc", "code", "where", "kind", "coded by", "split")
        # Sized for its widest value: a column sized by "open" alone cut a decision's
        # "settled" to "settle" (update_cell does not widen a column).
        self._status_column = table.add_column("status", width=len("settled"))
        self.reload()
        table.focus()

    # -- data ------------------------------------------------------------------------------

    @property
    def current(self) -> core.Disagreement | None:
        """The highlighted disagreement (None with an empty queue)."""
        table = self.query_one("#review-queue", DataTable)
        if not self.items or table.cursor_row is None:
            return None
        return self.items[min(table.cursor_row, len(self.items) - 1)]

    def reload(self, keep: int | None = None) -> None:
        """Recompute the queue from the database and redraw it (cursor on row ``keep``)."""
        table = self.query_one("#review-queue", DataTable)
        row = table.cursor_row if keep is None else keep
        items = core.disagreements(self.project, self.coders, docs=self.docs, gold=self.gold)
        shown, self.held = core.reviewable(self.project, self.coders, items,
                                           reveal_reason=self.reveal_reason, by=self.adjudicator)
        if self.reveal_reason:
            self._revealed = {d.document_id for d in items}
            self.reveal_reason = None
        self.items = [d for d in items if d in shown or d.document_id in self._revealed]
        self.held = {k: v for k, v in self.held.items() if k not in self._revealed}
        table.clear()
        for i, d in enumerate(self.items, 1):
            with_ = ",".join(str(self.coders.index(c) + 1) for c in d.coders_with)
            table.add_row(str(i), f"#{d.document_id}", d.code_id, f"{d.start}-{d.end}", d.kind,
                          with_, str(d.split_chars), "settled" if d.settled else "open", key=d.key)
        if self.items:
            table.move_cursor(row=max(0, min(row or 0, len(self.items) - 1)))
        self.refresh_view()

    def refresh_view(self) -> None:
        """Redraw the header and the detail pane for the highlighted disagreement."""
        settled = sum(d.settled for d in self.items)
        header = (f"Review · {', '.join(f'{i}:{c}' for i, c in enumerate(self.coders, 1))}"
                  f" · adjudicator {self.adjudicator} → {self.gold} · "
                  f"{len(self.items) - settled} open / {len(self.items)}")
        if self.message:
            header += f" · {self.message}"
        if self.held:
            header += f" · {core.held_message(self.held)}"
        self.query_one("#review-header", Static).update(Text(header))
        self.query_one("#review-detail", Static).update(self.render_detail())

    def render_detail(self) -> Text:
        """The selected disagreement: context, each coder's version, gold, pending reason."""
        d = self.current
        out = Text()
        if d is None and self.held:
            out.append(core.held_message(self.held) + ".\n", style="bold")
            out.append("Review opens them once every coder has marked them done (or an owner "
                       "overrides: coder review --reveal-reason TEXT, logged).\n")
            return out
        if d is None:
            out.append("No disagreements: the coders coded these documents the same way.\n",
                       style="bold")
            return out
        ctx = core.context(self.project, d)
        doc = self.project.db.execute("SELECT title, date FROM documents WHERE id = ?",
                                      [d.document_id]).fetchone()
        out.append(f"{d.code_id} {d.code_name}\n", style="bold")
        out.append(f"#{d.document_id} {doc[1] or ''} {doc[0] or ''}\n", style="dim")
        if ctx["paragraph"] is not None:
            out.append(f"¶{ctx['paragraph']} · {ctx['speaker'] or '?'}\n", style="dim")
        out.append(f"{d.kind} · {d.split_chars} characters in dispute · {d.start}-{d.end}\n\n")
        out.append(ctx["before"], style="dim")
        out.append(ctx["text"], style="reverse")
        out.append(ctx["after"] + "\n\n", style="dim")
        text = ctx["text"]
        for i, coder in enumerate(self.coders):
            spans = d.versions.get(coder, [])
            out.append(f"{i + 1} {coder}: ", style="bold")
            if not spans:
                out.append("not coded\n")
                continue
            out.append(", ".join(f"{s}-{e}" for s, e in spans) + "\n")
            line = Text(text)
            for s, e in spans:
                line.stylize(CODER_STYLES[i], max(0, s - d.start), max(0, e - d.start))
            out.append("  ")
            out.append(line)
            out.append("\n")
        out.append("\n")
        if d.settled:
            gold = ", ".join(f"{s}-{e}" for s, e in d.gold) or "not coded"
            out.append(f"gold: {gold} (settled; deciding again replaces it)\n", style="green")
        out.append(f"reason: {self.reason or '(none; r to write one)'}\n", style="italic")
        out.append("\n1-5 coder's version · u union · 0 none · e own span · r reason · z undo",
                   style="dim")
        return out

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_view()

    # -- decisions -------------------------------------------------------------------------

    def decide(self, choice: core.Choice) -> None:
        """Adjudicate the highlighted disagreement with ``choice`` and move to the next open one."""
        d = self.current
        if d is None:
            return
        table = self.query_one("#review-queue", DataTable)
        row = table.cursor_row
        try:
            core.adjudicate(self.project, d, choice=choice, adjudicator=self.adjudicator,
                            reason=self.reason, gold=self.gold)
        except CoderError as exc:
            self.notify(escape(str(exc)), severity="error")
            return
        self.reason = ""
        self.message = f"settled {d.code_id} in #{d.document_id}"
        # adjudicate() marked the item settled; the other items are unchanged (a decision
        # only writes the gold layer), so update one cell instead of rebuilding the queue.
        table.update_cell(d.key, self._status_column, "settled")
        table.move_cursor(row=row)
        self.refresh_view()
        self.action_next_open()

    def action_pick(self, n: int) -> None:
        """Take coder ``n``'s version (1-based, in the order of ``--coders``)."""
        if n > len(self.coders):
            self.notify(f"there is no coder {n} (coders: {', '.join(self.coders)})",
                        severity="warning")
            return
        self.decide(self.coders[n - 1])

    def action_union(self) -> None:
        """Take the union of every coder's version."""
        self.decide("union")

    def action_none(self) -> None:
        """Decide the stretch is not coded with this code."""
        self.decide("none")

    @opens_prompt
    def action_edit_span(self) -> None:
        """Ask for a span of the adjudicator's own (``start-end`` document offsets)."""
        d = self.current
        if d is not None:
            self._prompt("span", f"{d.start}-{d.end}", "your span: start-end (Enter to settle)")

    @opens_prompt
    def action_reason(self) -> None:
        """Ask for the reason that goes with the next decision."""
        self._prompt("reason", self.reason, "reason for the next decision (Enter to keep)")

    def action_undo(self) -> None:
        """Undo the gold layer's last change; the cursor goes back to what it had settled."""
        event = core.undo_adjudication(self.project, self.gold)
        self.message = "undid the last adjudication" if event else "nothing to undo"
        self._reload_on(event)

    def action_redo(self) -> None:
        """Redo the adjudication undone last; the cursor goes to what it settles."""
        event = core.redo_adjudication(self.project, self.gold)
        self.message = "redid the adjudication" if event else "nothing to redo"
        self._reload_on(event)

    def _reload_on(self, event: dict | None) -> None:
        """Reload the queue with the cursor on the disagreement ``event`` settled, so the
        next decision goes to the item just undone, never to its neighbour."""
        key = (event or {}).get("settles")
        row = next((i for i, d in enumerate(self.items) if d.key == key), None)
        self.reload(keep=row)
        row = next((i for i, d in enumerate(self.items) if d.key == key), None)
        if row is not None:
            self.query_one("#review-queue", DataTable).move_cursor(row=row)
            self.refresh_view()

    def action_move(self, step: int) -> None:
        """Move the queue cursor by ``step`` rows."""
        table = self.query_one("#review-queue", DataTable)
        if self.items:
            table.move_cursor(row=max(0, min(len(self.items) - 1, table.cursor_row + step)))

    def action_next_open(self) -> None:
        """Move to the next disagreement not yet settled (wrapping around)."""
        table = self.query_one("#review-queue", DataTable)
        n = len(self.items)
        for step in range(n):
            i = (table.cursor_row + step) % n
            if not self.items[i].settled:
                table.move_cursor(row=i)
                return

    def action_back(self) -> None:
        """Close a prompt, else leave the screen (quit when it is the only one)."""
        prompt = self.query_one("#review-prompt", Input)
        if prompt.has_class("visible"):
            self._close_prompt()
            return
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.app.exit()

    # -- prompt ----------------------------------------------------------------------------

    def _prompt(self, purpose: str, value: str, placeholder: str) -> None:
        prompt = self.query_one("#review-prompt", Input)
        self._prompt_for = purpose
        prompt.value = value
        prompt.placeholder = placeholder
        prompt.add_class("visible")
        # Focused now, not scheduled: the keys typed right after `r` / `e` are the prompt's.
        self.set_focus(prompt)

    def _close_prompt(self) -> None:
        prompt = self.query_one("#review-prompt", Input)
        prompt.remove_class("visible")
        self._prompt_for = None
        self.query_one("#review-queue", DataTable).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        purpose, value = self._prompt_for, event.value.strip()
        self._close_prompt()
        if purpose == "reason":
            self.reason = value
            self.refresh_view()
        elif purpose == "span":
            try:
                start, end = (int(x) for x in value.replace(",", "-").split("-"))
            except ValueError:
                self.notify(f"{value!r}: give the span as start-end", severity="error")
                return
            self.decide((start, end))

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        # While the prompt is open, keys go to it (only Escape leaves).
        if self._prompt_for is not None and action != "back":
            return False
        return True
