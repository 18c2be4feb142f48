"""Small modal screens: a fuzzy picker (codes, segments), the memo editor, a yes/no question."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.fuzzy import Matcher
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, TextArea
from textual.widgets.option_list import Option


@dataclass
class Choice:
    """One thing to pick: the value returned, how it looks, and the text the filter matches."""

    value: str
    label: Text | str
    search: str


def _score(matcher: Matcher, query: str, choice: Choice) -> float:
    """Fuzzy score, with a lift for choices whose label has a word starting with the query
    (so "attend" puts "Attending the causes" above "Root causes (attending …)")."""
    score = matcher.match(choice.search)
    if score <= 0:
        return 0.0
    label = choice.label.plain if isinstance(choice.label, Text) else str(choice.label)
    words = label.lower().split()
    query = query.lower().strip()
    if any(word.startswith(query) for word in words):
        score += 1.0
    # The searched text starts with the name: a name that begins with the query ("Crime
    # statistics" for "crime") goes above one that only has it later ("Organised crime").
    if choice.search.lower().startswith(query):
        score += 1.0
    return score


class Picker(ModalScreen[str | None]):
    """Type to filter (fuzzy), arrows to move, enter to pick, escape to cancel."""

    DEFAULT_CSS = """
    Picker { align: center middle; }
    Picker > Vertical { width: 90; max-width: 95%; height: 26; max-height: 90%;
                        border: round $accent; background: $surface; padding: 0 1; }
    Picker Label { height: 1; }
    Picker Input { height: 3; }
    Picker OptionList { height: 1fr; border: none; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]

    def __init__(self, title: str, choices: list[Choice], *, placeholder: str = "type to filter") -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.placeholder = placeholder
        self._shown: list[Choice] = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text, style="bold"))
            yield Input(placeholder=self.placeholder, id="filter")
            yield OptionList(*self._options(self.choices), id="choices")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.choices:
            options.highlighted = 0
        self.query_one(Input).focus()

    @staticmethod
    def _options(choices: list[Choice]) -> list[Option]:
        return [Option(choice.label, id=str(index)) for index, choice in enumerate(choices)]

    def on_input_changed(self, event: Input.Changed) -> None:
        query = event.value.strip()
        if query:
            matcher = Matcher(query)
            scored = [(_score(matcher, query, c), i, c) for i, c in enumerate(self.choices)]
            self._shown = [c for score, _i, c in sorted(scored, key=lambda t: (-t[0], t[1]))
                           if score > 0]
        else:
            self._shown = list(self.choices)
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(self._options(self._shown))
        if self._shown:
            options.highlighted = 0

    def action_move(self, delta: int) -> None:
        options = self.query_one(OptionList)
        if not self._shown:
            return
        current = options.highlighted or 0
        options.highlighted = max(0, min(len(self._shown) - 1, current + delta))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        if self._shown and options.highlighted is not None:
            self.dismiss(self._shown[options.highlighted].value)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._shown[event.option_index].value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class MemoEditor(ModalScreen[str | None]):
    """Write a memo: ctrl+s or escape saves (nothing typed is lost); Discard throws it away."""

    DEFAULT_CSS = """
    MemoEditor { align: center middle; }
    MemoEditor > Vertical { width: 90; max-width: 95%; height: 22; border: round $accent;
                            background: $surface; padding: 0 1; }
    MemoEditor TextArea { height: 1fr; }
    MemoEditor Horizontal { height: 3; align: right middle; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", show=False),
        Binding("escape", "save", "Save", show=False),
    ]

    def __init__(self, title: str, text: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.initial = text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text.assemble((self.title_text, "bold"),
                                      ("   ctrl+s / esc save · Discard drops the edits", "dim")))
            yield TextArea(self.initial, id="memo", soft_wrap=True)
            with Horizontal():
                yield Button("Discard", id="discard")
                yield Button("Save", id="save", variant="primary")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(None)


class Confirm(ModalScreen[bool]):
    """A yes/no question: y or enter says yes, n or escape says no."""

    DEFAULT_CSS = """
    Confirm { align: center middle; }
    Confirm > Vertical { width: 70; max-width: 90%; height: auto; border: round $warning;
                         background: $surface; padding: 1 2; }
    Confirm Label { width: 1fr; }
    """
    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", show=False),
        Binding("n,escape", "answer(False)", "No", show=False),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            yield Label(Text("y / enter: yes     n / esc: no", style="dim"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


def code_choices(codes, palette: dict[str, str], *, skip: set[str] | None = None) -> list[Choice]:
    """A picker's choices for codes: colour, key, name, id and the start of the definition."""
    choices = []
    for code in codes:
        if skip and code.id in skip:
            continue
        label = Text()
        label.append("■ ", style=palette.get(code.id, ""))
        label.append(f"{code.key or ' '} ", style="bold")
        label.append(code.name, style="bold")
        label.append(f"  {code.id}", style="dim")
        if code.definition:
            label.append(f"  {code.definition.strip()[:70]}", style="dim italic")
        choices.append(Choice(code.id, label, f"{code.name} {code.id} {code.key or ''}"))
    return choices
