"""The attribute prompt: `;`, then a dimension's key, then a value's key (0 clears it).

Keys are the first letter of each name that is still free (shown in the prompt), so the
shipped codebook reads `; s a` for source = attributed and `; p n` for polarity =
negated.  When a code carries one dimension only, the prompt starts at its values.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

CLEAR_KEYS = ("0", "backspace", "delete")


def letter_keys(names: list[str]) -> dict[str, str]:
    """``{key: name}``: the first letter of each name not yet taken, else a digit."""
    keys: dict[str, str] = {}
    for name in names:
        for char in name.lower() + "123456789":
            if char.isalnum() and char != "0" and char not in keys:
                keys[char] = name
                break
    return keys


class AttributePrompt(ModalScreen[tuple[str, str | None] | None]):
    """Pick a dimension and a value; dismisses with ``(dimension, value or None)``."""

    DEFAULT_CSS = """
    AttributePrompt { align: center bottom; }
    AttributePrompt > Vertical { width: 90; max-width: 95%; height: auto; max-height: 60%;
                                 border: round $accent; background: $surface; padding: 0 1;
                                 margin-bottom: 3; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, title: str, dimensions: list, current: dict[str, str]) -> None:
        super().__init__()
        self.title_text = title
        self.dimensions = {d.id: d for d in dimensions}
        self.dimension_keys = letter_keys([d.id for d in dimensions])
        self.current = current
        self.chosen: str | None = dimensions[0].id if len(dimensions) == 1 else None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text, style="bold"))
            yield Static(id="attribute-choices")

    def on_mount(self) -> None:
        self._paint()

    def value_keys(self, dimension: str) -> dict[str, str]:
        """``{key: value}`` for one dimension."""
        return letter_keys(self.dimensions[dimension].values)

    def _paint(self) -> None:
        text = Text()
        if self.chosen is None:
            for key, name in self.dimension_keys.items():
                dimension = self.dimensions[name]
                text.append(f" {key} ", style="bold reverse")
                text.append(f" {dimension.name}  ", style="bold")
                text.append(f"now: {self.current.get(name, '—')}\n", style="dim")
            text.append("\nkey of a dimension; esc: cancel", style="dim italic")
        else:
            dimension = self.dimensions[self.chosen]
            text.append(f"{dimension.name}", style="bold")
            text.append(f"  now: {self.current.get(self.chosen, '—')}\n", style="dim")
            for key, value in self.value_keys(self.chosen).items():
                text.append(f" {key} ", style="bold reverse")
                label = dimension.value_names.get(value, value)
                text.append(f" {label}\n")
            text.append("\n0: clear; esc: cancel", style="dim italic")
        self.query_one("#attribute-choices", Static).update(text)

    def on_key(self, event) -> None:
        key = event.character or event.key
        if event.key == "escape":
            return
        event.stop()
        event.prevent_default()
        if self.chosen is None:
            if key in self.dimension_keys:
                self.chosen = self.dimension_keys[key]
                self._paint()
            return
        if event.key in CLEAR_KEYS:
            self.dismiss((self.chosen, None))
            return
        values = self.value_keys(self.chosen)
        if key in values:
            self.dismiss((self.chosen, values[key]))

    def action_cancel(self) -> None:
        self.dismiss(None)
