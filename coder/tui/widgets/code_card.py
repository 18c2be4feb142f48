"""The current code's definition, rules and an example, always visible while coding."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ...codebook.model import Code
from ..keymap import CARD_KEYS, bindings
from .codebook_tree import NO_CODEBOOK


class CodeCard(Widget):
    """What the current code means: definition, when to use, when not to, one example.

    A fixed-height pane that repaints itself only: the card changes as the cursor moves
    over codings, and a new layout of the screen on each change would cost a frame.

    At full size (``ctrl+e``) the card takes the focus and scrolls by lines and pages
    (:data:`~coder.tui.keymap.CARD_KEYS`), so a long definition with many examples is
    readable to its last line even at 80x24; the last row says how much is left below.
    """

    BINDINGS = bindings(CARD_KEYS)

    DEFAULT_CSS = """
    CodeCard { background: $surface; padding: 0 1; height: 14; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.code_id: tuple | None = None
        self.text = Text()
        self.full = False  # ctrl+e: every example, and room for them
        self.top = 0  # the first wrapped line shown at full size
        self._shown: tuple = (None, None, "")
        self.border_title = "ctrl+e: full card"

    def update(self, text: Text) -> None:
        """Show ``text``."""
        self.text = text
        self.refresh()

    def render(self) -> Text:
        if not self.full:
            return self.text
        lines = self.lines()
        height = max(1, self.size.height)
        self.top = max(0, min(self.top, len(lines) - height))
        shown = list(lines[self.top:self.top + height])
        below = len(lines) - (self.top + height)
        if below > 0:  # the last row says there is more, and how to get it
            shown[-1] = Text(f"↓ {below + 1} more line(s): j/↓, pgdn, end", style="dim italic")
        return Text("\n").join(shown)

    def lines(self) -> list[Text]:
        """The card's text wrapped to the pane's width (what the full card scrolls over)."""
        return list(self.text.wrap(self.app.console, max(1, self.size.width)))

    def set_full(self, full: bool) -> None:
        """Full size (every example; focused and scrollable) or the compact card."""
        self.full = full
        self.top = 0
        self.can_focus = full
        self.border_title = "ctrl+e: back" if full else "ctrl+e: full card"
        self.code_id = None
        self.show_code(*self._shown[:2], why=self._shown[2], no_codebook=self._shown[3])

    def action_scroll(self, lines: int) -> None:
        """Scroll the full card by ``lines``."""
        self.top = max(0, self.top + lines)
        self.refresh()

    def action_page(self, pages: int) -> None:
        """Scroll the full card by ``pages`` (a page keeps one line of the last in view)."""
        self.action_scroll(pages * max(1, self.size.height - 1))

    def action_scroll_to(self, where: int) -> None:
        """The top (0) or the end (-1) of the full card."""
        self.top = 0 if where == 0 else len(self.lines())
        self.refresh()

    def action_close(self) -> None:
        """Back to the text (as ctrl+e)."""
        self.screen.action_toggle_card()

    def show_code(self, code: Code | None, color: str | None, *, why: str = "",
                  no_codebook: bool = False) -> None:
        """Explain ``code`` (None: a hint on how to choose one, or, with ``no_codebook``,
        on how to load a codebook)."""
        key = (code.id if code else None, why, self.full, no_codebook)
        if key == self.code_id:
            return
        self.code_id = key
        self._shown = (code, color, why, no_codebook)
        self.top = 0
        if code is None and no_codebook:
            self.update(Text(NO_CODEBOOK, style="yellow"))
            return
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
