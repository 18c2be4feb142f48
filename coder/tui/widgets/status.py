"""The status line: project, coder, document, position, progress and what is hidden."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class StatusBar(Widget):
    """One line at the top of the coding screen.

    It repaints itself only (never the layout) and only when a value changed, so moving
    the cursor costs nothing here unless the paragraph number changes.
    """

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.values: dict[str, object] = {}

    def set(self, **values: object) -> None:
        """Change some values (repaint only if something changed)."""
        changed = {k: v for k, v in values.items() if self.values.get(k) != v}
        if changed:
            self.values.update(changed)
            self.refresh()

    def render(self) -> Text:
        v = self.values
        left = Text()
        left.append("coder", style="bold")
        left.append(f" · {v.get('project', '')} · ", style="dim")
        left.append(str(v.get("coder", "")), style="bold")
        doc = v.get("document")
        if doc:
            left.append("  │  ", style="dim")
            left.append(str(doc))
        right = Text()
        if v.get("selection"):
            right.append(f"selection {v['selection']} chars", style="reverse")
            right.append("  ")
        elif v.get("anchor"):
            right.append("v: anchor set", style="reverse")
            right.append("  ")
        if v.get("paragraph"):
            right.append(f"{v['paragraph']}  ", style="dim")
        if v.get("progress") is not None:
            right.append(f"{v['progress']}% coded", style="bold")
        right.append("  │  ", style="dim")
        if v.get("others"):
            right.append("others SHOWN", style="bold yellow")
        else:
            right.append("others hidden (blind)", style="green")
        right.append(" · ", style="dim")
        if v.get("no_codebook"):
            # Suggestions and code keys need codes; the card says how to load them (the
            # command does not fit here at 80 columns).
            right.append("no codebook loaded", style="bold yellow")
        else:
            right.append("suggestions on" if v.get("suggestions") else "suggestions off",
                         style="" if v.get("suggestions") else "dim")
        if v.get("memo"):
            right.append(" · ✎ memo", style="dim")
        width = self.size.width - 2 if self.size.width else 160
        room = width - right.cell_len - 2
        if left.cell_len > room:
            left.truncate(max(10, room), overflow="ellipsis")
        gap = max(1, width - left.cell_len - right.cell_len)
        return Text.assemble(left, " " * gap, right)


class InfoLine(Widget):
    """A one-line label that repaints without asking for a new layout (unlike ``Static``)."""

    DEFAULT_CSS = """
    InfoLine { height: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = Text()

    def update(self, text: Text) -> None:
        """Show ``text`` (repaint only if it changed)."""
        if text.plain != self.text.plain or text.spans != self.text.spans:
            self.text = text
            self.refresh()

    def render(self) -> Text:
        return self.text
