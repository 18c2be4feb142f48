"""Every key binding of the workbench, with an id, and the user's keymap file that remaps them.

The tables below are the single source of the bindings: the widgets and screens build
their ``BINDINGS`` from them, and the help screen lists what is actually bound.  A user
remaps a binding by its id in a TOML file (``$CODER_KEYMAP``, else
``~/.config/coder/keymap.toml``)::

    # ~/.config/coder/keymap.toml
    "suggestion.accept" = "y"
    "cursor.word_right" = ["ctrl+right", "w"]

A code's own hot-key comes from the codebook and never takes a key listed here (the
codebook validator refuses the keys in ``coder.codebook.model.RESERVED_KEYS``).
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import CoderError


@dataclass(frozen=True)
class KeySpec:
    """One binding: its id (what a keymap file names), default keys, action and help text."""

    id: str
    keys: str
    action: str
    description: str
    group: str
    show: bool = False
    key_display: str | None = None
    priority: bool = False
    short: str = ""  # the footer's label (``description`` is the help screen's)
    # Opens a prompt that takes typing: bound with priority, so it opens before the keys
    # typed after it are routed (coder.tui.typeahead); the action of a key that can be
    # typed (not ctrl+...) must be ``opens_prompt``.
    prompt: bool = False


def _moves() -> list[KeySpec]:
    specs = []
    moves = [
        ("left", "left,h", "character left"), ("right", "right,l", "character right"),
        ("up", "up,k", "line up"), ("down", "down,j", "line down"),
        ("word_left", "ctrl+left", "word left"), ("word_right", "ctrl+right", "word right"),
        ("home", "home", "start of line"), ("end", "end", "end of line"),
        ("page_up", "pageup", "page up"), ("page_down", "pagedown", "page down"),
        ("paragraph_up", "ctrl+up", "previous paragraph"),
        ("paragraph_down", "ctrl+down", "next paragraph"),
        ("top", "ctrl+home", "start of document"), ("bottom", "ctrl+end", "end of document"),
    ]
    for name, keys, text in moves:
        specs.append(KeySpec(f"cursor.{name}", keys, f"move('{name}')", f"Cursor: {text}",
                             "Move"))
    for name, keys, text in moves:
        if name in ("top", "bottom"):
            continue
        shifted = ",".join(_shift(k) for k in keys.split(",") if len(k) > 1)
        specs.append(KeySpec(f"select.{name}", shifted, f"extend('{name}')",
                             f"Extend selection: {text}", "Select"))
    return specs


def _shift(key: str) -> str:
    return f"ctrl+shift+{key[5:]}" if key.startswith("ctrl+") else f"shift+{key}"


# Bindings of the document view (active while the transcript has the focus).
DOCUMENT_VIEW_KEYS: list[KeySpec] = [
    *_moves(),
    KeySpec("select.anchor", "v", "toggle_anchor", "Selection anchor on/off (moves extend)",
            "Select"),
    KeySpec("select.clear", "escape", "clear_selection", "Clear the selection", "Select"),
]

# Bindings of the coding screen (active whatever pane has the focus).
CODING_KEYS: list[KeySpec] = [
    KeySpec("select.sentence", "s", "select_sentence",
            "Select the sentence (again: add the next; after a partial selection: on to its end)",
            "Select", show=True, short="sentence"),
    KeySpec("select.turn", "t", "select_turn", "Select the whole turn", "Select", show=True, short="turn"),
    KeySpec("code.pick", "c", "pick_code", "Code the selection (fuzzy code picker)", "Code",
            show=True, short="code", prompt=True),
    KeySpec("code.remove", "x", "remove_code", "Remove the code under the cursor", "Code",
            show=True, short="remove", prompt=True),
    KeySpec("segment.shrink", "left_square_bracket", "resize(-1)",
            "Shrink the segment under the cursor by a word (nearest end)", "Code", key_display="["),
    KeySpec("segment.grow", "right_square_bracket", "resize(1)",
            "Grow the segment under the cursor by a word (nearest end)", "Code", key_display="]"),
    KeySpec("memo", "m", "memo", "Memo on the segment (or the document)", "Code", prompt=True),
    KeySpec("memo.code", "ctrl+k", "memo_code", "Memo on the code on the card", "Code",
            prompt=True),
    KeySpec("attribute.set", "semicolon", "attribute",
            "Attribute of the segment under the cursor: ; then one key, the value's (a "
            "attributed, n negated ...; the key of the value set clears it)", "Code",
            key_display=";", prompt=True),
    KeySpec("suggestion.next", "n", "suggestion(1)", "Next suggestion", "Suggestions", show=True, short="next"),
    KeySpec("suggestion.previous", "N", "suggestion(-1)", "Previous suggestion", "Suggestions"),
    KeySpec("suggestion.accept", "a", "accept", "Accept the suggestion", "Suggestions", show=True, short="accept"),
    KeySpec("suggestion.reject", "r", "reject", "Reject the suggestion", "Suggestions", show=True, short="reject"),
    KeySpec("suggestion.accept_pattern", "A", "accept_pattern",
            "Accept every pending suggestion of this pattern here (asks first)", "Suggestions"),
    KeySpec("suggestion.set_aside", "ctrl+d", "toggle_set_aside",
            "Suggestions set aside (dimmed: not the speaker's own affirmed move): n stops at "
            "them too / passes them again", "Suggestions"),
    KeySpec("search", "slash", "search", "Search in the document", "Move", key_display="/",
            prompt=True),
    KeySpec("turn.next_uncoded", "right_curly_bracket", "uncoded(1)",
            "Next uncoded press question or president answer", "Move", key_display="}"),
    KeySpec("turn.previous_uncoded", "left_curly_bracket", "uncoded(-1)",
            "Previous uncoded press question or president answer", "Move", key_display="{"),
    KeySpec("history.undo", "u", "undo", "Undo your last change", "History", show=True, short="undo"),
    KeySpec("history.redo", "ctrl+r", "redo", "Redo", "History"),
    KeySpec("view.others", "o", "toggle_others", "Show / hide other coders' codings", "View",
            show=True, short="others"),
    KeySpec("view.retrieve", "ctrl+g", "retrieve_current",
            "Retrieval: every segment of the code on the card (and below) across documents",
            "View"),
    KeySpec("view.memos", "ctrl+n", "toggle_memos",
            "Memo panel: memos of this document, its segments and its codes (enter: open)",
            "View"),
    KeySpec("view.documents", "ctrl+o", "documents", "Documents (filter, search, open)", "View",
            show=True, short="documents"),
    KeySpec("view.stripes", "ctrl+s", "toggle_stripes",
            "Coding stripes beside the text on/off (one labelled stripe per coding)", "View"),
    KeySpec("view.card", "ctrl+e", "toggle_card",
            "Code card full size on/off (definition, use, not, every example; it takes the "
            "keys: arrows, j/k, pgup/pgdn, home/end scroll it, esc goes back)", "View"),
    KeySpec("select.last_segment", "ctrl+l", "reselect",
            "Select the last segment you coded again (a code key then adds to it)", "Select"),
]

# Bindings of the whole application.
APP_KEYS: list[KeySpec] = [
    KeySpec("app.help", "question_mark", "help", "Help: every key", "App", show=True,
            key_display="?", short="help"),
    KeySpec("app.palette", "ctrl+p", "command_palette", "Command palette", "App", show=False,
            priority=True, short="commands"),
    KeySpec("app.quit", "q", "quit", "Quit (everything is already saved)", "App", show=True, short="quit"),
]

# Bindings of the documents screen.
DOCUMENTS_KEYS: list[KeySpec] = [
    KeySpec("documents.back", "escape", "back", "Back to coding", "Documents", show=True, short="back"),
    KeySpec("documents.search", "ctrl+f", "focus_text", "Full-text search", "Documents",
            show=True, short="full text", prompt=True),
]

ALL_KEYS: list[KeySpec] = [*DOCUMENT_VIEW_KEYS, *CODING_KEYS, *APP_KEYS, *DOCUMENTS_KEYS]

# Bindings of the review screen, with ids like the rest of the workbench's keymap.
REVIEW_KEYS: list[KeySpec] = [
    *[KeySpec(f"review.pick_{n}", str(n), f"pick({n})", "Coder N's version" if n == 1 else f"Coder {n}'s version", "Review",
              show=n == 1, key_display="1-5" if n == 1 else None) for n in range(1, 6)],
    KeySpec("review.union", "u,U", "union", "Union", "Review", show=True),
    KeySpec("review.none", "0", "none", "None (not coded)", "Review", show=True),
    KeySpec("review.edit", "e", "edit_span", "Own span", "Review", show=True, prompt=True),
    KeySpec("review.reason", "r,R", "reason", "Reason", "Review", show=True, prompt=True),
    KeySpec("review.undo", "z", "undo", "Undo", "Review", show=True),
    KeySpec("review.redo", "Z", "redo", "Redo", "Review"),
    KeySpec("review.next", "j,down", "move(1)", "Next disagreement", "Review"),
    KeySpec("review.previous", "k,up", "move(-1)", "Previous disagreement", "Review"),
    KeySpec("review.next_open", "n", "next_open", "Next open", "Review", show=True),
    KeySpec("review.back", "q,escape", "back", "Back", "Review", show=True),
]


# Bindings of the audit screen (coder audit judge).
AUDIT_KEYS: list[KeySpec] = [
    KeySpec("audit.correct", "c", "judge('correct')", "Correct: the code applies as defined",
            "Audit", show=True, short="correct"),
    KeySpec("audit.borderline", "b", "judge('borderline')", "Borderline: arguable",
            "Audit", show=True, short="borderline"),
    KeySpec("audit.wrong", "w", "judge('wrong')", "Wrong: the code does not apply", "Audit",
            show=True, short="wrong"),
    KeySpec("audit.reason", "r", "reason", "Write a reason: for the next verdict, or this "
            "item's own when it is judged (the verdict stays)", "Audit", show=True, short="reason",
            prompt=True),
    KeySpec("audit.reason_last", "e", "reason_last", "Write the reason of the verdict just "
            "given (after c / b / w; the verdict stays)", "Audit", show=True, short="why last",
            prompt=True),
    KeySpec("audit.clear", "0", "judge(None)", "Withdraw the verdict on this item", "Audit"),
    KeySpec("audit.next", "n,j,right", "move(1)", "Next item", "Audit", show=True, short="next"),
    KeySpec("audit.previous", "p,k,left", "move(-1)", "Previous item", "Audit", short="previous"),
    KeySpec("audit.next_open", "space", "next_open", "Next item not judged yet", "Audit"),
    KeySpec("audit.back", "q,escape", "back", "Leave (every verdict is saved)", "Audit",
            show=True, short="quit"),
]

# The code card at full size (ctrl+e) holds the focus: these keys scroll it.
CARD_KEYS: list[KeySpec] = [
    KeySpec("card.down", "down,j", "scroll(1)", "Full card: a line down", "Card"),
    KeySpec("card.up", "up,k", "scroll(-1)", "Full card: a line up", "Card"),
    KeySpec("card.page_down", "pagedown,space", "page(1)", "Full card: a page down", "Card"),
    KeySpec("card.page_up", "pageup", "page(-1)", "Full card: a page up", "Card"),
    KeySpec("card.top", "home", "scroll_to(0)", "Full card: the top", "Card"),
    KeySpec("card.bottom", "end", "scroll_to(-1)", "Full card: the end", "Card"),
    KeySpec("card.close", "escape", "close", "Full card: back to the text", "Card"),
]

# Screens and panes with their own key tables: their keys may repeat the workbench's.
SCREEN_KEYS: list[KeySpec] = [*REVIEW_KEYS, *AUDIT_KEYS, *CARD_KEYS]


def bindings(specs: list[KeySpec]) -> list:
    """Textual ``Binding`` objects for ``specs`` (imported lazily: this module stays light)."""
    from textual.binding import Binding

    return [Binding(spec.keys, spec.action, spec.short or spec.description, show=spec.show,
                    key_display=spec.key_display, priority=spec.priority or spec.prompt,
                    id=spec.id, tooltip=spec.description)
            for spec in specs]


def keymap_path() -> Path | None:
    """The keymap file in use: ``$CODER_KEYMAP``, else the user's config file if it exists."""
    explicit = os.environ.get("CODER_KEYMAP")
    if explicit:
        return Path(explicit).expanduser()
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    path = config / "coder" / "keymap.toml"
    return path if path.is_file() else None


def load_keymap(path: str | Path | None = None) -> dict[str, str]:
    """Read a keymap file into ``{binding id: "key[,key...]"}`` (empty when there is none).

    Raises :class:`CoderError` naming the file for unreadable TOML, unknown binding ids or
    values that are not key strings.
    """
    path = Path(path) if path is not None else keymap_path()
    if path is None:
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CoderError(f"cannot read the keymap file ({exc.strerror})", path=path) from None
    data = _parse_toml(text, path)
    table = data.get("keys") or data.get("keymap") or data
    known = {spec.id for spec in [*ALL_KEYS, *SCREEN_KEYS]}
    keymap: dict[str, str] = {}
    for binding_id, value in table.items():
        if binding_id not in known:
            close = difflib.get_close_matches(binding_id, sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise CoderError(f"unknown binding id {binding_id!r}{hint}; `?` in the workbench "
                             "lists every id", path=path)
        if isinstance(value, str):
            keys = [value]
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            keys = value
        else:
            raise CoderError(f"{binding_id}: a key is a string or a list of strings", path=path)
        keymap[binding_id] = ",".join(_key_name(k.strip()) for k in keys)
    return keymap


def _key_name(key: str) -> str:
    """Single characters as Textual names them ('[' -> 'left_square_bracket')."""
    if len(key) == 1:
        from textual.keys import _character_to_key

        return _character_to_key(key)
    return key


def _parse_toml(text: str, path: Path) -> dict:
    try:
        import tomllib  # Python 3.11+
    except ImportError:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ImportError:
            return _parse_simple(text, path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CoderError(f"not valid TOML ({exc})", path=path) from None


_LINE = re.compile(r'^\s*"?([\w.]+)"?\s*=\s*(.+?)\s*$')


def _parse_simple(text: str, path: Path) -> dict:  # pragma: no cover - Python 3.10 only
    """Enough TOML for a keymap: ``id = "key"`` / ``id = ["a", "b"]`` lines and tables."""
    import json

    data: dict = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("["):
            continue
        match = _LINE.match(line)
        if not match:
            raise CoderError(f"line {number}: expected `id = \"key\"`", path=path)
        try:
            data[match.group(1)] = json.loads(match.group(2))
        except ValueError:
            raise CoderError(f"line {number}: expected a quoted key", path=path) from None
    return data
