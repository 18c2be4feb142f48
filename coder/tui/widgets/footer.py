"""The coding screen's footer: on a narrow terminal, the essential hints stay.

Textual's footer lays the shown bindings out left to right and cuts what does not fit, so
at 80 columns "undo" and "help" (the last ones) fell off.  This footer drops the least
essential hints from the end instead, until the rest fit, and never drops :data:`ESSENTIAL`.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer

ESSENTIAL = ("history.undo", "app.help")  # binding ids (coder.tui.keymap)
# Dropped first when the footer is too narrow (anything else goes after these, from the end).
DROP_FIRST = ("app.quit", "view.documents", "view.others", "select.turn", "code.remove",
              "select.sentence", "suggestion.reject", "code.pick", "suggestion.next")


class CodingFooter(Footer):
    """A footer that keeps :data:`ESSENTIAL` hints visible at any width."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._laid_out_for = 0

    def compose(self) -> ComposeResult:
        keys = list(super().compose())
        width = self.size.width or self.app.size.width
        palette = [k for k in keys if k.has_class("-command-palette")]
        hints = [k for k in keys if not k.has_class("-command-palette")]

        def cells(key) -> int:
            return len(key.key_display) + 1 + len(key.description) + 2

        used = sum(cells(k) for k in hints) + sum(cells(k) + 2 for k in palette)
        ids = self._binding_ids()
        rank = {binding_id: index for index, binding_id in enumerate(DROP_FIRST)}
        order = sorted(reversed(hints), key=lambda k: rank.get(ids.get(k.action, ""), len(rank)))
        for key in order:
            if used <= width:
                break
            if ids.get(key.action) in ESSENTIAL:
                continue
            hints.remove(key)
            used -= cells(key)
        self.styles.grid_size_columns = len(hints) + len(palette)
        self._laid_out_for = width
        yield from hints
        yield from palette

    def _binding_ids(self) -> dict[str, str]:
        """action -> binding id of the bindings shown (ids survive a user's remapping)."""
        return {binding.action: binding.id or ""
                for _node, binding, _enabled, _tooltip in self.screen.active_bindings.values()}

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._laid_out_for:
            self.call_after_refresh(self.recompose)

