"""The audit screen: a judge reads each drawn suggestion in turn and says if it is right.

Top, where the item is (n of N, date, speaker, code and pattern, predicted attributes);
middle, the turn around the match with the match highlighted; below, the code's
definition and rules, which is what the judge reads it against.  c / b / w record
correct, borderline or wrong (one call of :func:`coder.team.audit.judge_item` each,
committed before the screen moves on to the next unjudged item).  A reason may come
before the verdict (r on an unjudged item: kept for the next verdict) or after it (e: the
reason of the item judged last; r on a judged item: its own), and the verdict stays.  The
turn before the item's (the question, when the item is an answer) is shown above it, and
the header says when the workbench sets the suggestion aside (dims it).  Only the judge's
own items and verdicts are shown: nobody else's.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from ...errors import CoderError
from ...project import Project
from ...team import audit as core
from ..keymap import AUDIT_KEYS, bindings
from ..typeahead import opens_prompt

VERDICT_STYLES = {"correct": "bold green", "borderline": "bold yellow", "wrong": "bold red"}


class AuditScreen(Screen):
    """Judge the items drawn for ``judge`` (optionally of one ``draw``)."""

    BINDINGS = bindings(AUDIT_KEYS)
    DEFAULT_CSS = """
    AuditScreen #audit-header { height: 2; background: $panel; padding: 0 1; }
    AuditScreen #audit-body { height: 1fr; padding: 0 1; }
    AuditScreen #audit-text { margin: 1 0; }
    AuditScreen #audit-rules { color: $text-muted; }
    AuditScreen #audit-reason { display: none; }
    AuditScreen #audit-reason.visible { display: block; }
    """

    def __init__(self, project: Project, judge: str, draw: str | None = None) -> None:
        super().__init__()
        self.project = project
        self.judge = judge
        self.draw = draw
        self.items: list[dict] = []
        self.index = 0
        self.reason: str | None = None
        self.last_judged: int | None = None      # index of the item judged last (for `e`)
        self.reason_for: int | None = None       # index whose reason the open line edits

    def compose(self) -> ComposeResult:
        yield Static(id="audit-header")
        with VerticalScroll(id="audit-body"):
            yield Static(id="audit-text")
            yield Static(id="audit-rules")
        yield Input(placeholder="reason (enter: keep it, esc: cancel)", id="audit-reason")
        yield Footer()

    def on_mount(self) -> None:
        self.items = core.audit_items(self.project, self.judge, draw=self.draw)
        if not self.items:
            self.query_one("#audit-header", Static).update(Text(
                f"No items drawn for {self.judge}: run `coder audit draw --judge {self.judge} "
                "--per-code N --seed S` first.", style="bold"))
            return
        pending = [i for i, item in enumerate(self.items) if item["verdict"] is None]
        self.index = pending[0] if pending else 0
        self.show()

    # -- display ---------------------------------------------------------------------------

    @property
    def item(self) -> dict | None:
        """The item on screen."""
        return self.items[self.index] if self.items else None

    def show(self) -> None:
        """Paint the current item."""
        item = self.item
        if item is None:
            return
        done = sum(1 for i in self.items if i["verdict"] is not None)
        header = Text()
        header.append(f" {self.index + 1}/{len(self.items)} ", style="bold reverse")
        header.append(f"  judged {done}, left {len(self.items) - done}   ")
        header.append(f"{item['code_id']}", style="bold")
        header.append(f" ({item['code_name'] or '?'})  pattern {item['pattern_id']}  ")
        verdict = item["verdict"]
        header.append(verdict or "not judged", style=VERDICT_STYLES.get(verdict, "dim"))
        if item.get("set_aside"):
            header.append("  set aside", style="bold magenta")
            header.append(f" ({item['set_aside_why']})" if item.get("set_aside_why") else "",
                          style="magenta")
        elif item.get("set_aside") is None and "set_aside" in item:
            header.append("  gone from suggestions", style="magenta")
        header.append("\n ")
        header.append(f"{item['date'] or 'undated'} · {item['title'] or ''}"[:80], style="dim")
        if item["speaker"]:
            kind = f" ({item['speaker_kind']})" if item["speaker_kind"] else ""
            header.append(f" · {item['speaker']}{kind}", style="dim")
        if item["predicted"]:
            predicted = ", ".join(f"{k}={v}" for k, v in item["predicted"].items())
            header.append(f" · predicted {predicted}", style="italic")
        self.query_one("#audit-header", Static).update(header)
        text = Text()
        previous = item.get("previous")
        if previous:
            who = previous["speaker"] or "unknown speaker"
            kind = f" ({previous['kind']})" if previous.get("kind") else ""
            text.append(f"previous turn, {who}{kind}:\n", style="bold dim")
            text.append(" ".join(previous["text"].split()) + "\n\n", style="dim")
        if item["speaker"]:
            text.append(f"{item['speaker']}:\n", style="bold dim")
        text.append(" ".join(item["before"].split()) + " ")
        text.append(" ".join(item["text"].split()), style="bold black on #f6c85f")
        text.append(" " + " ".join(item["after"].split()))
        if item["reason"]:
            text.append(f"\n\nreason: {item['reason']}", style="italic")
        if self.reason:
            text.append(f"\n\nnext verdict's reason: {self.reason}", style="italic yellow")
        self.query_one("#audit-text", Static).update(text)
        rules = Text()
        for label, field in (("Definition", "definition"), ("When to use", "when_to_use"),
                             ("When not to use", "when_not_to_use")):
            if item.get(field):
                rules.append(f"{label}: ", style="bold")
                rules.append(" ".join(item[field].split()) + "\n")
        self.query_one("#audit-rules", Static).update(rules)

    # -- actions ---------------------------------------------------------------------------

    def action_judge(self, verdict: str | None) -> None:
        """Record the verdict on the item on screen, then go to the next unjudged one."""
        item = self.item
        if item is None:
            return
        try:
            row = core.judge_item(self.project, self.judge, item["id"], verdict, self.reason)
        except CoderError as exc:
            self.notify(str(exc), severity="error", timeout=6)
            return
        item["verdict"], item["reason"] = row["verdict"], row["reason"]
        self.reason = None
        self.last_judged = self.index if verdict is not None else None
        if verdict is None:
            self.show()
            return
        if not self._advance():
            self.notify(f"All {len(self.items)} items judged: `coder audit report` has the "
                        "figures.", timeout=8)
            self.show()

    def _advance(self) -> bool:
        for offset in range(1, len(self.items) + 1):
            index = (self.index + offset) % len(self.items)
            if self.items[index]["verdict"] is None:
                self.index = index
                self.show()
                return True
        return False

    def action_next_open(self) -> None:
        """Jump to the next item not judged yet."""
        if self.items and not self._advance():
            self.notify("Every item is judged.", timeout=3)

    def action_move(self, delta: int) -> None:
        """Previous / next item, judged or not."""
        if self.items:
            self.index = max(0, min(len(self.items) - 1, self.index + delta))
            self.show()

    @opens_prompt
    def action_reason(self) -> None:
        """Open the reason line: on a judged item it edits that item's reason (the verdict
        stays); on an unjudged one enter keeps it for the next verdict."""
        item = self.item
        if item is not None and item["verdict"] is not None:
            self._open_reason(self.index)
        else:
            self._open_reason(None)

    @opens_prompt
    def action_reason_last(self) -> None:
        """Reason for the verdict just given (the item judged last), after the verdict."""
        if self.last_judged is None:
            self.notify("No verdict given yet on this screen: r writes a reason first.", timeout=4)
            return
        self._open_reason(self.last_judged)

    def _open_reason(self, index: int | None) -> None:
        self.reason_for = index
        field = self.query_one("#audit-reason", Input)
        if index is None:
            field.value = self.reason or ""
            field.placeholder = "reason for the next verdict (enter: keep it, esc: cancel)"
        else:
            target = self.items[index]
            field.value = target["reason"] or ""
            field.placeholder = (f"reason for item {index + 1} ({target['verdict']}; enter: save, "
                                 "esc: cancel)")
        field.add_class("visible")
        # Focused now, not scheduled: the keys typed right after `r` are the reason.
        self.set_focus(field)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip() or None
        index, self.reason_for = self.reason_for, None
        self._close_reason()
        if index is None:
            self.reason = value
        else:
            target = self.items[index]
            try:
                row = core.judge_item(self.project, self.judge, target["id"], target["verdict"], value)
            except CoderError as exc:
                self.notify(str(exc), severity="error", timeout=6)
                return
            target["verdict"], target["reason"] = row["verdict"], row["reason"]
            self.notify(f"Reason saved on item {index + 1} ({row['verdict']}).", timeout=3)
        self.show()

    def on_key(self, event) -> None:
        field = self.query_one("#audit-reason", Input)
        if event.key == "escape" and field.has_class("visible"):
            event.stop()
            event.prevent_default()
            self._close_reason()

    def _close_reason(self) -> None:
        field = self.query_one("#audit-reason", Input)
        field.remove_class("visible")
        self.set_focus(None)

    def action_back(self) -> None:
        """Leave the screen (everything is saved already)."""
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.app.exit()
