"""`?`: every key binding, read from the bindings themselves (after the user's keymap)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..keymap import ALL_KEYS, CARD_KEYS, keymap_path

GROUP_ORDER = ["Move", "Select", "Code", "Suggestions", "History", "View", "Card", "App", "Codes"]


def binding_rows(sources: list[BindingsMap], keymap: dict[str, str], key_display) -> list[tuple]:
    """``(group, keys, description, id)`` for every binding in ``sources`` after ``keymap``.

    Keys bound to the same action are listed together (``left, h``).
    """
    groups = {spec.id: spec.group for spec in [*ALL_KEYS, *CARD_KEYS]}
    merged: dict[tuple, list[str]] = {}
    order: list[tuple] = []
    for source in sources:
        bindings = source.copy()
        if keymap:
            bindings.apply_keymap(keymap)
        for key, binding in bindings:
            if binding.system or not binding.description:
                continue
            text = binding.tooltip or binding.description
            group = groups.get(binding.id or "", "Codes" if binding.action.startswith("apply_code")
                               else "App")
            ident = (group, text, binding.id)
            if ident not in merged:
                merged[ident] = []
                order.append(ident)
            shown = binding.key_display if binding.key_display and not (
                binding.id and binding.id in keymap) else key_display(binding.with_key(key))
            if shown not in merged[ident]:
                merged[ident].append(shown)
    rows = [(g, ", ".join(merged[(g, d, i)]), d, i or "") for g, d, i in order]
    rank = {name: index for index, name in enumerate(GROUP_ORDER)}
    return sorted(rows, key=lambda r: rank.get(r[0], 99))


class HelpScreen(ModalScreen[None]):
    """The keys of the workbench, grouped, with the ids a keymap file can remap."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 110; max-width: 95%; height: 90%;
                                  border: round $accent; background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close help", show=False)]

    def __init__(self, sources: list[BindingsMap]) -> None:
        super().__init__()
        self.sources = sources

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self._table(), id="help-table")

    def _table(self) -> Table:
        keymap = getattr(self.app, "_keymap", {}) or {}
        rows = binding_rows(self.sources, keymap, self.app.get_key_display)
        table = Table(box=None, expand=True, show_header=True, header_style="bold",
                      title="Keys  (esc closes)", title_style="bold")
        table.add_column("key", style="bold cyan", no_wrap=True, width=24)
        table.add_column("does")
        table.add_column("id (for keymap.toml)", style="dim", no_wrap=True)
        group = None
        for row_group, keys, description, binding_id in rows:
            if row_group != group:
                group = row_group
                table.add_row(Text(group, style="bold underline"), "", "")
            table.add_row(keys, description, binding_id)
        path = keymap_path()
        table.caption = (f"keymap: {path}" if path else
                         "remap keys in ~/.config/coder/keymap.toml (or $CODER_KEYMAP): "
                         'id = "key"')
        return table

    def action_close(self) -> None:
        self.dismiss(None)


def screen_sources(screen) -> list[BindingsMap]:
    """The bindings that can act on the coding screen: the transcript's, the screen's
    (including the codes' keys) and the app's."""
    from ..widgets.document_view import DocumentView

    sources = []
    try:
        sources.append(screen.query_one(DocumentView)._bindings)
    except Exception:
        sources.append(BindingsMap(DocumentView.BINDINGS))
    sources.append(screen._bindings)
    sources.append(screen.app._bindings)
    return sources


__all__ = ["HelpScreen", "binding_rows", "screen_sources"]
