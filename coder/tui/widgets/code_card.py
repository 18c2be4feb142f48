"""The current code's definition, rules and an example, always visible while coding."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ...codebook.model import Code


class CodeCard(Widget):
    """What the current code means: definition, when to use, when not to, one example.

    A fixed-height pane that repaints itself only: the card changes as the cursor moves
    over codings, and a new layout of the screen on each change would cost a frame.
    """

    DEFAULT_CSS = """
    CodeCard { background: $surface; padding: 0 1; height: 14; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.code_id: tuple | None = None
        self.text = Text()
        self.full = False  # ctrl+e: every example, and room for them
        self._shown: tuple = (None, None, "")
        self.border_title = "ctrl+e: full card"

    def update(self, text: Text) -> None:
        """Show ``text``."""
        self.text = text
        self.refresh()

    def render(self) -> Text:
        return self.text

    def set_full(self, full: bool) -> None:
        """Full size (every example) or the compact card (the first example)."""
        self.full = full
        self.border_title = "ctrl+e: back" if full else "ctrl+e: full card"
        self.code_id = None
        self.show_code(*self._shown[:2], why=self._shown[2])

    def show_code(self, code: Code | None, color: str | None, *, why: str = "") -> None:
        """Explain ``code`` (None: a hint on how to choose one)."""
        key = (code.id if code else None, why, self.full)
        if key == self.code_id:
            return
        self.code_id = key
        self._shown = (code, color, why)
        if code is None:
            self.update(Text("No code yet: move onto a coding, pick one with c, or press its key.",
                             style="dim italic"))
            return
        text = Text()
        text.append("■ ", style=color or "")
        if code.key:
            text.append(f"{code.key} ", style="bold reverse")
            text.append(" ")
        text.append(code.name, style="bold")
        text.append(f"  {code.id}", style="dim")
        if why:
            text.append(f"  ({why})", style="dim italic")
        text.append("\n")
        if code.definition:
            text.append(code.definition.strip() + "\n")
        if code.when_to_use:
            text.append("Use: ", style="bold green")
            text.append(code.when_to_use.strip() + "\n")
        if code.when_not_to_use:
            text.append("Not: ", style="bold red")
            text.append(code.when_not_to_use.strip() + "\n")
        examples = code.examples if self.full else code.examples[:1]
        for example in examples:
            text.append("e.g. ", style="bold")
            text.append(f"“{example.strip()}”\n", style="italic")
        self.update(text.rstrip() or text)
