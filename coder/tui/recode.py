"""A code key with nothing selected: what it does to the coder's segment under the cursor.

GUI tools add a code to a coded span by dropping it on the span; here the code's key does
it.  Adding is the default.  When the new code is an alternative to the one there (a
sibling under the same parent, or a member of the same exclusive group), the coder most
likely means "that was the wrong code", so the workbench asks: replace (one undoable
change of the coding's code), add as well (siblings only; an exclusive group allows one),
or cancel.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

ADD, REPLACE, SAME = "add", "replace", "same"


def exclusive_groups(project) -> list[set[str]]:
    """The codebook's exclusive groups (codes of which a span takes at most one)."""
    import json

    return [set(json.loads(row["codes"])) for row in project.rows("SELECT codes FROM code_groups")]


def plan(segment: dict, code_id: str, own: list[dict], parents: dict[str, str | None],
         groups: list[set[str]]) -> tuple[str, bool]:
    """What a code key does to ``segment``: ``(ADD | REPLACE | SAME, both_allowed)``.

    SAME: the coder already has ``code_id`` on exactly that span.  REPLACE: ``code_id`` is
    an alternative to the segment's code (``both_allowed`` False when an exclusive group
    forbids keeping both).  ADD otherwise.
    """
    old = segment["code_id"]
    if any(a["code_id"] == code_id and a["start"] == segment["start"] and a["end"] == segment["end"]
           for a in own):
        return SAME, True
    exclusive = any(old in group and code_id in group for group in groups)
    if exclusive:
        return REPLACE, False
    if old != code_id and parents.get(old) is not None and parents.get(old) == parents.get(code_id):
        return REPLACE, True
    return ADD, True


class ReplaceOrAdd(ModalScreen[str | None]):
    """Replace the segment's code, add the new one as well, or cancel."""

    DEFAULT_CSS = """
    ReplaceOrAdd { align: center middle; }
    ReplaceOrAdd > Vertical { width: 72; max-width: 95%; height: auto; border: round $warning;
                              background: $surface; padding: 1 2; }
    ReplaceOrAdd Label { width: 1fr; }
    """
    BINDINGS = [
        Binding("y,enter", "answer('replace')", "Replace", show=False),
        Binding("a", "answer('add')", "Add as well", show=False),
        Binding("escape,n", "answer(None)", "Cancel", show=False),
    ]

    def __init__(self, old: str, new: str, quote: str, *, both_allowed: bool) -> None:
        super().__init__()
        self.old, self.new, self.quote, self.both_allowed = old, new, quote, both_allowed

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text.assemble("Replace ", (self.old, "bold"), " with ", (self.new, "bold"),
                                      " on “", (self.quote, "italic"), "”?"))
            hint = "y / enter: replace     a: add as well     esc: cancel" if self.both_allowed \
                else "y / enter: replace     esc: cancel   (an exclusive group: one of them only)"
            yield Label(Text(hint, style="dim"))

    def action_answer(self, choice: str | None) -> None:
        if choice == "add" and not self.both_allowed:
            return
        self.dismiss(choice)


def code_segment(screen, segment: dict, code_id: str, *, typed: bool = False) -> None:
    """Apply ``code_id`` to ``segment`` on the coding ``screen`` (the code key's action
    when nothing is selected): add, or ask and replace; each one undoable change.
    ``typed``: the code's own key was pressed (only then may a capital be Caps Lock)."""
    from .. import annotate

    own = screen.own
    parents = {code.id: code.parent for code in screen.codes}
    if not hasattr(screen, "_exclusive_groups"):
        screen._exclusive_groups = exclusive_groups(screen.project)
    what, both_allowed = plan(segment, code_id, own, parents, screen._exclusive_groups)
    names = {code.id: code.name for code in screen.codes}
    new_name = names.get(code_id, code_id)
    if what == SAME:
        screen.notify(f"This segment is already coded {new_name}.", timeout=3)
        return

    def add() -> None:
        def done(row: dict, replaced: bool) -> None:
            if replaced:
                screen.reload()
            else:
                screen._patch_own(row)
            screen.set_current_code(code_id, why="just added")
            screen.notify(f"Added {new_name} to the segment (u undoes).", timeout=3)

        # An exclusive group's rule (coder.annotate) still holds: it asks, or refuses.
        screen._run_exclusive(annotate.apply_code, (screen.document_id, code_id,
                                                    segment["start"], segment["end"]), code_id, done)

    def replace() -> None:
        row = screen._run(annotate.update_annotation, segment["id"], code_id=code_id, replace=True)
        if row is not None:
            screen.reload()  # an exclusive group's other codings here may have gone too
            screen.set_current_code(code_id, why="just replaced")
            screen.notify(f"Replaced {names.get(segment['code_id'], segment['code_id'])} with "
                          f"{new_name} (u undoes).", timeout=3)

    code = next((c for c in screen.codes if c.id == code_id), None)
    slip = caps_slip(code.key if code else None, code_id, screen.codes) if typed else None
    if slip is not None and what == ADD:
        # Caps Lock turns `u` into `U`: on a segment a slip would code it; ask first.
        from .screens.pickers import Confirm

        screen.app.push_screen(
            Confirm(f"Add {new_name} ({code.key}) to this segment? Caps Lock may be on: {slip}."),
            lambda yes: yes and add())
        return
    if what == ADD:
        add()
        return
    text = screen.document.get("text", "")
    quote = " ".join(text[segment["start"]:segment["end"]].split())
    quote = quote if len(quote) <= 48 else quote[:47] + "…"

    def answer(choice: str | None) -> None:
        if choice == REPLACE:
            replace()
        elif choice == ADD:
            add()

    screen.app.push_screen(ReplaceOrAdd(names.get(segment["code_id"], segment["code_id"]),
                                        new_name, quote, both_allowed=both_allowed), answer)


def caps_slip(key: str | None, code_id: str, codes: list) -> str | None:
    """A hint when ``key`` looks like a Caps Lock slip: an upper-case letter whose lower
    case is a workbench command (`U` for `u` undo) or, in a codebook with
    ``case_sensitive_keys``, another code's key.  None when the key is not such a letter."""
    if not key or len(key) != 1 or not key.isalpha() or not key.isupper():
        return None
    lower = key.lower()
    twin = next((c for c in codes if c.key == lower and c.id != code_id), None)
    if twin is not None:
        return f"{lower} is {twin.name}"
    from .keymap import ALL_KEYS

    for spec in ALL_KEYS:
        if lower in spec.keys.split(","):
            return f"{lower} is {spec.description.split(' (')[0].lower()}"
    return None
