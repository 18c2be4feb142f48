"""The attribute prompt: `;`, then one key, the value's (the key of the value set clears it).

Every value of every dimension the code carries gets its own key: the first letter of
its id that is still free, in the codebook's order (else a digit), so one key names the
dimension and the value at once.  The shipped codebook reads `; a` for source =
attributed, `; n` for polarity = negated, `; q` for quoted.  Pressing the key of the value
a segment already has clears it.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static


def value_keys(dimensions: list) -> dict[str, tuple[str, str]]:
    """``{key: (dimension, value)}``: each value's first letter not yet taken (in the
    codebook's order of dimensions and values), else a digit."""
    keys: dict[str, tuple[str, str]] = {}
    for dimension in dimensions:
        for value in dimension.values:
            for char in value.lower() + "123456789":
                if char.isalnum() and char != "0" and char not in keys:
                    keys[char] = (dimension.id, value)
                    break
    return keys


class AttributePrompt(ModalScreen[tuple[str, str | None] | None]):
    """Pick a value of any dimension with one key; dismisses with ``(dimension, value or
    None)`` (None: the value was set and its key clears it)."""

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
        self.current = current
        self.keys = value_keys(dimensions)  # one key per value, unique across dimensions

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text, style="bold"))
            yield Static(id="attribute-choices")

    def on_mount(self) -> None:
        self._paint()

    def key_of(self, dimension: str, value: str) -> str | None:
        """The key that sets ``value`` of ``dimension`` (None: it got none)."""
        return next((k for k, pair in self.keys.items() if pair == (dimension, value)), None)

    def _paint(self) -> None:
        text = Text()
        for dimension in self.dimensions.values():
            now = self.current.get(dimension.id)
            text.append(f"{dimension.name}", style="bold")
            text.append(f"  now: {now or '—'}\n", style="dim")
            for value in dimension.values:
                key = self.key_of(dimension.id, value)
                if key is None:
                    continue
                text.append(f" {key} ", style="bold reverse")
                label = dimension.value_names.get(value, value)
                text.append(f" {label}  ", style="bold" if value == now else "")
            text.append("\n")
        text.append("\none key sets its value (the key of the value set clears it); esc: cancel",
                    style="dim italic")
        self.query_one("#attribute-choices", Static).update(text)

    def on_key(self, event) -> None:
        key = event.character or event.key
        if event.key == "escape":
            return
        event.stop()
        event.prevent_default()
        if key in self.keys:
            dimension, value = self.keys[key]
            self.dismiss((dimension, None if self.current.get(dimension) == value else value))

    def action_cancel(self) -> None:
        self.dismiss(None)
