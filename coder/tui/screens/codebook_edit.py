"""Changing the code tree from the workbench (command palette): new code, rename, recolour,
rekey, move, merge, split, undo — the same calls as ``coder codebook ...``
(:mod:`coder.codebook.edit`): each a new codebook version, logged, undoable.

Every picker lists the code on the card first, so "rename the code I am looking at" is
ctrl+p, the command, enter, the new name, enter.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from ...codebook import edit, project_codes
from ...errors import CoderError
from ..widgets.codebook_tree import CodebookTree, code_colors
from ..widgets.status import StatusBar
from .pickers import Choice, Confirm, Picker, code_choices

TOP = "(top level)"


class Ask(ModalScreen[str | None]):
    """One line of text: enter answers, escape cancels."""

    DEFAULT_CSS = """
    Ask { align: center middle; }
    Ask > Vertical { width: 70; max-width: 95%; height: auto; border: round $accent;
                     background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, question: str, value: str = "", *, placeholder: str = "") -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text.assemble((self.question, "bold"), ("   enter: ok · esc: cancel",
                                                                  "dim")))
            yield Input(self.value, placeholder=self.placeholder)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


def new_code_id(parent: str | None, name: str, taken: set[str]) -> str:
    """An id for a new code: the parent's id, a dot and the name's first letters, upper
    case without accents (``SEC.MARK`` + "Siege talk" -> ``SEC.MARK.SIEGE``), made unique."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", folded)
    stem = (words[0] if words else "CODE").upper()[:12]
    base = f"{parent}.{stem}" if parent else stem
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}{number}", number + 1
    return candidate


class CodebookActions:
    """The coding screen's code-management commands (it provides project, coder, codes,
    code_by_id, palette, current_code, own, view, _run, notify, reload, set_current_code)."""

    def _code_choices(self, *, skip: set[str] | None = None, top: bool = False) -> list[Choice]:
        choices = code_choices(self.codes, self.palette, skip=skip)
        # The code on the card first: the likely one.
        choices.sort(key=lambda c: c.value != self.current_code)
        if top:
            choices.insert(0, Choice(TOP, Text(TOP, style="italic"), "top level root"))
        return choices

    def _pick(self, title: str, then, **kwargs) -> None:
        self.app.push_screen(Picker(title, self._code_choices(**kwargs)),
                             lambda value: value and then(value))

    def _edited(self, function, *args, done: str, **kwargs):
        """Run a codebook edit (not per coder: the project's codebook) and show the new tree;
        a refusal is a message and changes nothing."""
        try:
            result = function(self.project, *args, **kwargs)
        except CoderError as exc:
            self.notify(str(exc), severity="error", timeout=6)
            return None
        except sqlite3.OperationalError as exc:
            self.notify(f"not saved: the project file is busy ({exc}); try again",
                        severity="error", timeout=8)
            return None
        if result is None:
            self.notify("No codebook change to undo.", timeout=3)
            return None
        self.codebook_changed()
        self.notify(f"{done} (palette: “Undo the last codebook change”).", timeout=4)
        return result

    def codebook_changed(self) -> None:
        """Re-read the codes: tree, colours, keys, card and codings follow the new version."""
        self.codes = project_codes(self.project)
        self.code_by_id = {code.id: code for code in self.codes}
        self.palette = code_colors(self.codes)
        self.query_one(CodebookTree).set_codes(self.codes, self.palette)
        self.view.set_code_colors(self.palette)
        for key, bound in list(self._bindings.key_to_bindings.items()):
            kept = [b for b in bound if not str(b.action).startswith("apply_code(")]
            if kept:
                self._bindings.key_to_bindings[key] = kept
            else:
                del self._bindings.key_to_bindings[key]
        self.key_clashes = []
        self._bind_code_keys()
        current = self.current_code if self.current_code in self.code_by_id else None
        self.set_current_code(current)
        self.query_one(StatusBar).set(no_codebook=not self.codes)
        self.reload()

    def action_code_new(self) -> None:
        """Add a code: its name, its parent, its key."""
        def named(name: str | None) -> None:
            if name and name.strip():
                self._pick(f"Where does “{name.strip()}” go?",
                           lambda parent: keyed(name.strip(), parent), top=True)

        def keyed(name: str, parent: str) -> None:
            parent_id = None if parent == TOP else parent
            self.app.push_screen(Ask(f"Key for “{name}” (blank: none)", ""),
                                 lambda key: key is not None and make(name, parent_id, key))

        def make(name: str, parent: str | None, key: str) -> None:
            taken = {row[0] for row in self.project.db.execute("SELECT id FROM codes")}
            code_id = new_code_id(parent, name, taken)
            self._edited(edit.add_code, code_id, name, parent=parent, key=key.strip() or None,
                         done=f"Added {code_id} “{name}”")

        self.app.push_screen(Ask("Name of the new code"), named)

    def action_code_rename(self) -> None:
        """Rename a code (its id, and so its codings, stay)."""
        def chosen(code_id: str) -> None:
            code = self.code_by_id[code_id]
            self.app.push_screen(Ask(f"New name for {code_id}", code.name),
                                 lambda name: name and name != code.name and self._edited(
                                     edit.rename_code, code_id, name,
                                     done=f"Renamed {code_id} to “{name.strip()}”"))

        self._pick("Rename which code?", chosen)

    def action_code_recolour(self) -> None:
        """Give a code a new colour (#rrggbb)."""
        def chosen(code_id: str) -> None:
            current = self.code_by_id[code_id].color or self.palette.get(code_id, "")
            self.app.push_screen(Ask(f"Colour of {code_id} (#rgb or #rrggbb)", current),
                                 lambda color: color and color != current and self._edited(
                                     edit.recolour_code, code_id, color.strip(),
                                     done=f"{code_id} is now {color.strip()}"))

        self._pick("Recolour which code?", chosen)

    def action_code_rekey(self) -> None:
        """Give a code a new hot-key (blank: none)."""
        def chosen(code_id: str) -> None:
            current = self.code_by_id[code_id].key or ""
            self.app.push_screen(Ask(f"Key of {code_id} (blank: none)", current),
                                 lambda key: key is not None and key != current and self._edited(
                                     edit.rekey_code, code_id, key.strip() or None,
                                     done=f"{code_id} key: {key.strip() or 'none'}"))

        self._pick("Rekey which code?", chosen)

    def action_code_move(self) -> None:
        """Hang a code (with its children) under another."""
        def chosen(code_id: str) -> None:
            self._pick(f"Move {code_id} under …",
                       lambda parent: self._edited(
                           edit.move_code, code_id, None if parent == TOP else parent,
                           done=f"Moved {code_id} under {parent}"),
                       skip={code_id}, top=True)

        self._pick("Move which code?", chosen)

    def action_code_merge(self) -> None:
        """Merge a code into another: its codings move there, it is retired."""
        def source_chosen(source: str) -> None:
            self._pick(f"Merge {source} into …", lambda target: confirm(source, target),
                       skip={source})

        def confirm(source: str, target: str) -> None:
            count = self.project.db.execute(
                "SELECT count(*) FROM annotations WHERE code_id = ? AND deleted = 0",
                [source]).fetchone()[0]
            question = (f"Merge {self.code_by_id[source].name} ({source}, {count} coding(s) "
                        f"of every coder) into {self.code_by_id[target].name} ({target})? "
                        f"{source} is retired.")
            self.app.push_screen(Confirm(question), lambda yes: yes and self._edited(
                edit.merge_codes, source, target, done=f"Merged {source} into {target}"))

        self._pick("Merge which code?", source_chosen)

    def action_code_split(self) -> None:
        """Move your selected segments of a code (those in the selection, else the one
        under the cursor) to a new code beside it."""
        selection = self.view.selection
        if selection is not None:
            rows = [a for a in self.own if a["start"] < selection[1] and a["end"] > selection[0]]
        else:
            rows = self._spans_here()
        if not rows:
            self.notify("Select the segments to split off (or put the cursor on one).",
                        timeout=4)
            return
        codes = list(dict.fromkeys(a["code_id"] for a in rows))

        def source_chosen(source: str) -> None:
            ids = [a["id"] for a in rows if a["code_id"] == source]
            self.app.push_screen(
                Ask(f"Name of the new code for {len(ids)} segment(s) of {source}"),
                lambda name: name and name.strip() and split(source, ids, name.strip()))

        def split(source: str, ids: list[int], name: str) -> None:
            taken = {row[0] for row in self.project.db.execute("SELECT id FROM codes")}
            parent = self.code_by_id[source].parent
            code_id = new_code_id(parent, name, taken)
            self._edited(edit.split_code, source, code_id, name, annotation_ids=ids,
                         done=f"Split {len(ids)} segment(s) of {source} into {code_id}")

        if len(codes) == 1:
            source_chosen(codes[0])
        else:
            choices = [c for c in code_choices(self.codes, self.palette) if c.value in codes]
            self.app.push_screen(Picker("Split which code's segments?", choices),
                                 lambda value: value and source_chosen(value))

    def action_code_undo(self) -> None:
        """Undo the last change to the code tree (codings come back too)."""
        self._edited(edit.undo_edit, done="Undid the last codebook change")
