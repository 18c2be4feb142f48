"""The coding screen: the transcript, the codebook, the current code's rules, the segments.

Every key that changes data calls one function of ``coder.annotate`` (which commits before
it returns) and only then updates the screen from the database, so what the coder sees is
what is stored.  A failed action (a bad span, a retired code, a busy database) shows its
one-line message and leaves the screen as it was.
"""

from __future__ import annotations

import re
import sqlite3
from bisect import bisect_right, insort

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.keys import _character_to_key
from textual.screen import Screen
from textual.widgets import DataTable, Input, Tree

from ... import annotate
from ...codebook import project_codes
from ...corpus.documents import document_turns, get_document
from ...corpus.turns import paragraph_number, turn_index_of
from ...errors import CoderError
from ...export.search import fold_accents
from ...project import Project
from ...team.blind import blindness, reveal
from ...team.coders import suggestions_visible
from .. import queries
from ..keymap import ALL_KEYS, CODING_KEYS, bindings
from ..typeahead import opens_prompt
from ..widgets.code_card import CodeCard
from ..widgets.codebook_tree import NO_CODEBOOK, CodebookTree, code_colors
from ..widgets.document_view import DocumentView
from ..widgets.footer import CodingFooter
from ..widgets.memo_panel import MemoPanel
from ..widgets.segments import SegmentsTable
from ..widgets.status import InfoLine, StatusBar
from .codebook_edit import CodebookActions
from .memos import MemoActions
from .pickers import Choice, Confirm, MemoEditor, Picker
from .retrieval import RetrievalActions

_WORD = re.compile(r"\w+", re.UNICODE)
CODABLE_KINDS = ("press", "president")
_SUGGESTION_WHY = "suggestion: a accepts, r rejects"


class SearchBar(Input):
    """`/`: type to find in this document (case and accents ignored); enter: next hit;
    escape: back to the text with the hit selected."""

    # Priority: escape closes the field as the app reads it, so the keys typed after it
    # in a burst go back to the text (coder.tui.typeahead).
    BINDINGS = [Binding("escape", "close", "Close search", show=False, priority=True)]

    def action_close(self) -> None:
        self.screen.close_search()


class CodingScreen(MemoActions, RetrievalActions, CodebookActions, Screen):
    """Code one document: select text, press a code's key; accept or reject suggestions."""

    BINDINGS = bindings(CODING_KEYS)

    def __init__(self, project: Project, coder: str, document_id: int) -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        self.document_id = document_id
        self.codes = project_codes(project)
        self.code_by_id = {code.id: code for code in self.codes}
        self.palette = code_colors(self.codes, _theme_background(self))
        self.show_others = False
        self._overridden: set[int] = set()  # documents an override revealed (logged)
        self.suggestions_on = suggestions_visible(project, coder)
        # `n` passes suggestions set aside (not the speaker's own affirmed move) unless on.
        self.include_set_aside = False
        self.document: dict = {}
        self.turns: list[dict] = []
        self.own: list[dict] = []
        self.others: list[dict] = []
        self.pending: list[dict] = []
        self.pending_starts: list[int] = []
        self.current_code: str | None = None
        self._last_turn = -2
        self._search_hits: list[tuple[int, int]] = []
        self._folded: str | None = None
        self.key_clashes: list[str] = []
        self._caps_warned: set[str] = set()  # capital code keys already explained once
        self._turn_starts: list[int] = []
        self._segments_due = False
        self._view: DocumentView | None = None
        self._status_timer = None
        self._values_of: dict[int, str] = {}  # annotation id -> its attribute values (JSON)

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="body"):
            with Vertical(id="side"):
                yield CodebookTree(self.codes, self.palette, id="codebook")
                yield CodeCard(id="card")
            with Vertical(id="main"):
                yield DocumentView(id="document")
                yield SearchBar(placeholder="search this document (enter: next, esc: done)",
                                id="search")
                yield InfoLine(id="segments-title")
                yield SegmentsTable(id="segments")
                yield MemoPanel(id="memos")
        yield CodingFooter()

    @property
    def view(self) -> DocumentView:
        """The transcript widget."""
        if self._view is None:
            self._view = self.query_one(DocumentView)
        return self._view

    def on_mount(self) -> None:
        self._bind_code_keys()
        self.query_one(SearchBar).display = False
        self.query_one(MemoPanel).display = False
        self.load_document(self.document_id)
        self.set_current_code(None)
        self.view.focus()
        # Other coders' work arrives through the shared file: while it is shown, look for
        # commits by other connections (cheap: a counter SQLite keeps) and re-read then.
        self._data_version = self._read_data_version()
        self.set_interval(2.0, self._poll_others)
        if self.key_clashes:
            self.notify("; ".join(self.key_clashes), title="Code keys not bound", severity="warning",
                        timeout=8)

    def _bind_code_keys(self) -> None:
        """Bind each code's key (from the codebook) to "apply this code to the selection".

        A key the workbench already uses (after the user's keymap) stays the workbench's;
        the code is still one `c` away, and the clash is reported once.
        """
        keymap = getattr(self.app, "_keymap", {}) or {}
        taken = set()
        for spec in ALL_KEYS:
            for key in (keymap.get(spec.id) or spec.keys).split(","):
                taken.add(_character_to_key(key) if len(key) == 1 else key)
        for code in self.codes:
            if not code.key:
                continue
            key = _character_to_key(code.key) if len(code.key) == 1 else code.key
            if key in taken:
                self.key_clashes.append(f"{code.id} key {code.key!r} is a workbench key")
                continue
            taken.add(key)
            self._bindings._add_binding(Binding(
                # `typed`: only a key pressed can be a Caps Lock slip (not the picker's,
                # the tree's or the palette's choice of the same code).
                key, f"apply_code({code.id!r}, True)", f"Code: {code.name}", show=False,
                key_display=code.key))
        # Caps Lock turns a code's letter into its capital: when the capital does nothing
        # else, it says so (and codes nothing) rather than leaving the coder guessing.
        for code in self.codes:
            key = code.key or ""
            if len(key) == 1 and key.islower() and key.upper() not in taken:
                taken.add(key.upper())
                self._bindings._add_binding(Binding(
                    key.upper(), f"caps_slip({key!r}, {code.id!r})", "", show=False))

    def _read_data_version(self) -> int:
        return self.project.db.execute("PRAGMA data_version").fetchone()[0]

    def _poll_others(self) -> None:
        version = self._read_data_version()
        if version != self._data_version:
            self._data_version = version
            if self.show_others:
                self.reload(suggestions=False)

    # -- loading ---------------------------------------------------------------------------

    def load_document(self, document_id: int) -> None:
        """Show a document (its turns, the coder's codings and the pending suggestions)."""
        document = get_document(self.project, document_id)
        self.document_id = document_id
        self.document = document
        self._blind_check()
        turns = document_turns(self.project, document_id)
        index_of = {turn["id"]: index for index, turn in enumerate(turns)}
        for turn in turns:
            question = index_of.get(turn["question_id"]) if turn["question_id"] else None
            turn["answers"] = question
            if question is not None and turns[question].get("answered_in") is None:
                turns[question]["answered_in"] = index_of[turn["id"]]
        self.turns = turns
        self._turn_starts = [turn["start"] for turn in turns]
        self._folded = None
        self._search_hits = []
        view = self.view
        view.set_code_colors(self.palette)
        view.set_code_labels({c.id: (c.key or "•", c.name) for c in self.codes})
        view.set_document(document["text"], turns)
        self._last_turn = -2
        self.reload()
        if self.own:
            # Pick up where the coder left off: the end of their latest change here.
            latest = max(self.own, key=lambda a: a["updated_at"] or "")
            view.place_cursor(latest["end"])
        table = self.query_one(SegmentsTable)
        table.clear()
        table._rows.clear()
        title = document.get("title") or f"document #{document_id}"
        self.query_one(StatusBar).set(
            project=self.project.path.name, coder=self.coder,
            document=f"{document.get('date') or ''} · {title}".strip(" ·"),
            suggestions=self.suggestions_on, no_codebook=not self.codes,
            memo=bool(queries.document_memo_text(self.project, self.coder, document_id)))
        self._update_position(view.cursor)

    def _blind_check(self) -> None:
        """Apply the blind-coding rule (coder.team.blind) to the document just opened:
        others' work is hidden inside the coder's open sample, and a reveal on any other
        document is logged; suggestions follow the coder's flag and the sample's."""
        state = blindness(self.project, self.coder, self.document_id)
        self.suggestions_on = suggestions_visible(self.project, self.coder) \
            and not state.hide_suggestions
        self._overridden.clear()
        if self.show_others:
            if state.blind:
                self.show_others = False
                self.notify(state.reason, title="Others hidden", timeout=8)
            else:
                self._run(reveal, self.document_id, via="workbench (document opened)")

    def reload(self, *, suggestions: bool = True) -> None:
        """Re-read codings (and suggestions) from the database and repaint what changed."""
        project, doc = self.project, self.document_id
        if self.show_others and doc not in self._overridden \
                and blindness(project, self.coder, doc).blind:
            self.show_others = False  # the rule holds even if a status changed meanwhile
        everyone = annotate.document_annotations(project, doc, others=True) if self.show_others \
            else annotate.document_annotations(project, doc, coder=self.coder)
        self.own = [a for a in everyone if a["coder"] == self.coder]
        self.others = [a for a in everyone if a["coder"] != self.coder]
        self._values_of = {a["id"]: a["attributes"] for a in self.own
                           if a.get("attributes") not in (None, "{}")}
        if suggestions:
            if self.suggestions_on:
                found = annotate.document_suggestions(project, doc, self.coder)
                self.pending = [s for s in found if s["status"] == "pending"]
            else:
                self.pending = []
            self.pending_starts = [s["start"] for s in self.pending]
            view = self.view
            view.set_suggestions(self.pending)
            current = view.current_suggestion
            if current is not None and not any(s["id"] == current.key for s in self.pending):
                view.set_current_suggestion(None)
        self._show_codings()

    def _patch_own(self, row: dict) -> None:
        """Put one annotation row, as the core returned it after committing, into the
        coder's codings (cheaper than re-reading thousands of them after each key)."""
        before = next((a for a in self.own if a["id"] == row["id"]), None)
        self.own = [a for a in self.own if a["id"] != row["id"]]
        self._values_of.pop(row["id"], None)
        if not row.get("deleted") and row.get("attributes") not in (None, "{}"):
            self._values_of[row["id"]] = row["attributes"]
        after = None
        if not row.get("deleted"):
            code = self.code_by_id.get(row["code_id"])
            after = {**row, "code_name": code.name if code else row["code_id"],
                     "color": code.color if code else None, "coder": self.coder}
            insort(self.own, after, key=lambda a: (a["start"], a["end"], a["id"]))
        self.view.patch_own(before, after)
        if after is not None:
            self._last_segment = (after["start"], after["end"])  # what ctrl+l selects again
        self._show_codings(view=False)

    def _show_codings(self, *, view: bool = True) -> None:
        if view:
            self.view.set_codings(self.own, self.others)
        self.show_memo_marks()
        self._update_progress()
        if not self._segments_due:
            # The segment list follows once the transcript has been repainted.
            self._segments_due = True
            self.call_after_refresh(self._update_segments)

    def _update_segments(self) -> None:
        self._segments_due = False
        table = self.query_one(SegmentsTable)
        rows = self.own + (self.others if self.show_others else [])
        more = table.set_segments(rows, text=self.document.get("text", ""), coder=self.coder,
                                  paragraph_of=self._paragraph_of,
                                  code_names={c.id: c.name for c in self.codes},
                                  colors=self.palette, limit=250)
        if more:  # a long list fills over several frames; the text stays responsive
            self._segments_due = True
            self.call_after_refresh(self._update_segments)
        title = Text()
        title.append(" segments ", style="bold")
        title.append(f" {len(self.own)} mine", style="")
        if self.suggestions_on:
            aside = sum(1 for s in self.pending if s.get("marked"))
            shown = "shown" if self.include_set_aside else "passed"
            title.append(f" · {len(self.pending)} suggestions left"
                         + (f" ({aside} set aside, {shown})" if aside else ""), style="")
        title.append(" · ")
        title.append(f"{len(self.others)} by others shown" if self.show_others else "others hidden",
                     style="yellow" if self.show_others else "dim")
        self.query_one("#segments-title", InfoLine).update(title)

    def _paragraph_of(self, start: int, end: int) -> int | None:
        """The ¶ of a span: the paragraph number every export gives it (None: header)."""
        index = turn_index_of(self.turns, self._turn_starts, start, end)
        return None if index is None else paragraph_number(self.turns[index]["seq"])

    def coded_turns(self) -> set[int]:
        """Indexes of the turns the coder has coded (a coding of theirs overlaps the turn)."""
        starts = self._turn_starts
        coded: set[int] = set()
        for a in self.own:
            index = max(0, bisect_right(starts, a["start"]) - 1)
            while index < len(starts) and starts[index] < a["end"]:
                if self.turns[index]["end"] > a["start"]:
                    coded.add(index)
                index += 1
        return coded

    def _update_progress(self) -> None:
        nonempty = {i for i, t in enumerate(self.turns) if t["end"] > t["start"]}
        coded = self.coded_turns()
        self.view.set_coded_turns(coded)
        percent = round(100 * len(coded & nonempty) / len(nonempty)) if nonempty else 0
        self.query_one(StatusBar).set(progress=percent, others=self.show_others)

    def _update_position(self, offset: int) -> None:
        turn = self.view.turn_index_at(offset)
        if turn != self._last_turn:
            self._last_turn = turn
            where = (f"¶{paragraph_number(self.turns[turn]['seq'])} / {len(self.turns)}"
                     if turn >= 0 else f"header / {len(self.turns)}")
            self.query_one(StatusBar).set(paragraph=where)

    # -- reacting to the view and the panes ------------------------------------------------

    @on(DocumentView.CursorMoved)
    def _cursor_moved(self, event: DocumentView.CursorMoved) -> None:
        self._update_position(event.offset)
        # The selection's size goes to the status bar once the keys pause: repainting the
        # top line on every step would repaint every pane between it and the text.
        if self._status_timer is None:
            self._status_timer = self.set_timer(0.15, self._show_selection)
        if self.view.suggestion_at(event.offset) is not None:  # cheap: the line's index
            # `a` would accept this one: the card shows what it is about to code.
            suggestion = self._suggestion_here()
            current = self.view.current_suggestion
            if suggestion is not None and (current is None or current.key != suggestion["id"]
                                           or self.current_code != suggestion["code_id"]):
                self.set_current_code(suggestion["code_id"], why=_SUGGESTION_WHY)
            if suggestion is not None:
                return
        spans = self.view.own_spans_at(event.offset)
        card_key = self.query_one(CodeCard).code_id
        if not spans and card_key and card_key[1] == _SUGGESTION_WHY:
            self.set_current_code(self.current_code)  # off the suggestion: no longer "a accepts"
        if spans:
            values = self._values_of.get(spans[0].key)
            note = "" if values is None else " · " + ", ".join(
                f"{k}={v}" for k, v in annotate.attribute_values({"attributes": values}).items())
            self.set_current_code(spans[0].code, why="under the cursor" + note)

    def _show_selection(self) -> None:
        self._status_timer = None
        selection = self.view.selection
        self.query_one(StatusBar).set(
            selection=None if selection is None else selection[1] - selection[0],
            anchor=self.view.sticky_anchor)

    def set_current_code(self, code_id: str | None, *, why: str = "") -> None:
        """Show ``code_id``'s definition and rules on the card (and mark it in the tree)."""
        if code_id is not None and code_id not in self.code_by_id:
            return
        self.current_code = code_id
        self.query_one(CodeCard).show_code(self.code_by_id.get(code_id), self.palette.get(code_id or ""),
                                           why=why, no_codebook=not self.codes)
        self.query_one(CodebookTree).mark_current(code_id)

    @on(Tree.NodeHighlighted, "#codebook")
    def _code_highlighted(self, event: Tree.NodeHighlighted) -> None:
        if event.node.data:
            self.set_current_code(event.node.data)

    @on(Tree.NodeSelected, "#codebook")
    def _code_chosen(self, event: Tree.NodeSelected) -> None:
        """Enter or a click on a code: apply it to the selection; with none, its segments."""
        code_id = event.node.data
        if not code_id:
            return
        if self.view.selection is not None:
            self.action_apply_code(code_id)
            self.view.focus()
        else:
            # Nothing to code: enter on a code retrieves its segments across documents.
            self.set_current_code(code_id)
            self.action_retrieve(code_id)

    @on(DataTable.RowSelected, "#segments")
    def _segment_chosen(self, event: DataTable.RowSelected) -> None:
        annotation_id = self.query_one(SegmentsTable).annotation_id(event.row_key)
        row = next((a for a in self.own + self.others if a["id"] == annotation_id), None)
        if row is None:
            return
        self.view.select(row["start"], row["end"])
        self.view.scroll_to_offset(row["start"], center=True)
        self.set_current_code(row["code_id"])
        self.view.focus()

    # -- doing things (each through the core, then the screen) ----------------------------

    def _run(self, action, *args, **kwargs):
        """Call a core function; a CoderError becomes a message, not a crash."""
        try:
            return action(self.project, self.coder, *args, **kwargs)
        except CoderError as exc:
            self.notify(str(exc), severity="error", timeout=6)
        except sqlite3.OperationalError as exc:
            # Busy beyond the timeout (another coder holding a long write): nothing was saved.
            self.notify(f"not saved: the project file is busy ({exc}); try again",
                        severity="error", timeout=8)
        return None

    def _target_span(self) -> tuple[int, int] | None:
        selection = self.view.selection
        if selection is None:
            self.notify("Nothing selected: shift+arrows or v to select, s sentence, t turn.",
                        timeout=3)
            return None
        start, end = selection
        text = self.document["text"]
        while start < end and text[start].isspace():
            start += 1
        # White space around, and a dangling comma or semicolon at the end, are not coded.
        while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:"):
            end -= 1
        if start == end:
            self.notify("The selection is only white space.", timeout=3)
            return None
        return start, end

    def _run_exclusive(self, action, args: tuple, code_id: str, done) -> None:
        """Run a coding action; where it would put a second code of an exclusive group on
        the coder's coded span, ask to replace (group ``on_conflict: ask``) or say why not
        (``refuse``).  ``done(result, replaced)`` follows a change."""
        conflicts: list = []

        def attempt(project, coder, *rest):
            try:
                return action(project, coder, *rest)
            except annotate.ExclusiveConflict as exc:
                if exc.mode != "ask":
                    raise
                conflicts.append(exc)
                return None

        result = self._run(attempt, *args)
        if result is not None:
            done(result, False)
            return
        if not conflicts:
            return
        exc = conflicts[0]
        names = {c.id: c.name for c in self.codes}
        old = sorted({r["code_id"] for r in exc.conflicts})
        old_names = ", ".join(names.get(c, c) for c in old)
        question = (f"{names.get(code_id, code_id)} and {old_names} are exclusive (group "
                    f"{exc.group}), and you coded this passage {old_names}.\n"
                    f"Replace {old_names} with {names.get(code_id, code_id)}?")

        def answer(yes: bool | None) -> None:
            if not yes:
                self.notify(f"Kept {old_names}; nothing changed.", timeout=3)
                return
            again = self._run(action, *args, replace=True)
            if again is not None:
                done(again, True)

        self.app.push_screen(Confirm(question), answer)

    def action_caps_slip(self, key: str, code_id: str) -> None:
        """The capital of a code's letter key, bound to nothing else: Caps Lock, probably."""
        code = self.code_by_id.get(code_id)
        self.notify(f"{key.upper()} is not a code key (Caps Lock on?): {key} codes "
                    f"{code.name if code else code_id}. Nothing was coded.",
                    severity="warning", timeout=4)

    def action_apply_code(self, code_id: str, typed: bool = False) -> None:
        """Code the selection with ``code_id``; with nothing selected, the segment under the
        cursor (:mod:`coder.tui.recode`: add the code, or replace an alternative, asking).

        ``typed`` is True when the code's own key was pressed: only then can a capital key
        be a Caps Lock slip worth a warning.  Chosen by name (picker, tree, palette), the
        code is said in a short message instead, since no key named it.
        """
        if self.view.selection is None and self._spans_here():
            from ..recode import code_segment

            code_segment(self, self._spans_here()[0], code_id, typed=typed)
            return
        span = self._target_span()
        if span is None:
            return

        def applied(row: dict, replaced: bool) -> None:
            self.view.clear_selection()
            if replaced:
                self.reload()
            else:
                self._patch_own(row)
            # The cursor on the new segment's end: [ ] x m act on it straight away.
            self.view.move_to(row["end"])
            self.set_current_code(code_id, why="just applied")
            if typed:
                self._warn_caps_slip(code_id)
            else:
                code = self.code_by_id.get(code_id)
                self.notify(f"Coded {code.name if code else code_id} (u undoes).", timeout=3)

        self._run_exclusive(annotate.apply_code, (self.document_id, code_id, *span), code_id,
                            applied)

    def _warn_caps_slip(self, code_id: str) -> None:
        """Coding by a capital whose lower case means something else (`S` when `s` selects a
        sentence, `P` when `p` is another code) may be Caps Lock: say so, with the undo.
        When `p` is another code it says so every time; a command's capital, once per key
        and session (the codebook chose that capital on purpose)."""
        from ..recode import caps_slip

        code = self.code_by_id.get(code_id)
        slip = caps_slip(code.key if code else None, code_id, self.codes)
        if slip is None:
            return
        twin = any(c.key == code.key.lower() for c in self.codes)
        if twin or code.key not in self._caps_warned:
            self._caps_warned.add(code.key)
            self.notify(f"Coded {code.name} with {code.key}: Caps Lock on? {slip} (u undoes).",
                        severity="warning", timeout=5)

    @opens_prompt
    def action_pick_code(self) -> None:
        """`c`: choose a code by name (fuzzy) and apply it to the selection."""
        if not self.codes:
            # An empty picker would leave the coder looking for codes that are not there.
            self.notify(NO_CODEBOOK, severity="warning", timeout=5)
            return
        if self._target_span() is None:
            return
        choices = []
        for code in self.codes:
            label = Text()
            label.append("■ ", style=self.palette.get(code.id, ""))
            label.append(f"{code.key or ' '} ", style="bold")
            label.append(code.name, style="bold")
            label.append(f"  {code.id}", style="dim")
            if code.definition:
                label.append(f"  {code.definition.strip()[:70]}", style="dim italic")
            choices.append(Choice(code.id, label, f"{code.name} {code.id} {code.key or ''}"))
        self.app.push_screen(Picker("Code the selection as …", choices),
                             lambda code_id: code_id and self.action_apply_code(code_id))

    def _spans_here(self) -> list[dict]:
        offset = self.view.cursor
        rows = [a for a in self.own if a["start"] <= offset < a["end"]]
        if not rows and offset > 0:
            # The cursor just after a segment's last character still means that segment.
            rows = [a for a in self.own if a["end"] == offset]
        return sorted(rows, key=lambda a: a["end"] - a["start"])

    def _choose_annotation(self, rows: list[dict], title: str, then) -> None:
        if len(rows) == 1:
            then(rows[0])
            return
        text = self.document["text"]
        choices = []
        for a in rows:
            label = Text()
            label.append("■ ", style=self.palette.get(a["code_id"], ""))
            label.append(self.code_by_id[a["code_id"]].name if a["code_id"] in self.code_by_id
                         else a["code_id"], style="bold")
            label.append(f"  “{' '.join(text[a['start']:a['end']].split())[:60]}”", style="dim")
            choices.append(Choice(str(a["id"]), label, f"{a['code_id']} {a['code_name']}"))
        by_id = {str(a["id"]): a for a in rows}
        self.app.push_screen(Picker(title, choices),
                             lambda value: value and then(by_id[value]))

    @opens_prompt
    def action_remove_code(self) -> None:
        """`x`: remove the coder's code under the cursor (a picker when several overlap)."""
        rows = self._spans_here()
        if not rows:
            self.notify("No code of yours under the cursor.", timeout=3)
            return

        def remove(row: dict) -> None:
            removed = self._run(annotate.remove_annotation, row["id"])
            if removed is not None:
                self._patch_own(removed)
                # The card follows: the code still under the cursor, or none (not the removed one).
                left = self._spans_here()
                self.set_current_code(left[0]["code_id"] if left else None,
                                      why="under the cursor" if left else "")
                self.notify(f"Removed {row['code_name']} (u brings it back).", timeout=3)

        self._choose_annotation(rows, "Remove which code?", remove)

    @opens_prompt
    def action_attribute(self) -> None:
        """`;`: set an attribute value of the coder's segment under the cursor (else of the
        suggestion accepted last)."""
        rows = [a for a in self._spans_here()
                if annotate.code_attributes(self.project, a["code_id"])]
        if not rows:
            # Accepting moves on to the next suggestion: `;` there still means the one
            # just accepted (its predicted values are what a coder checks first).
            rows = [a for a in self.own if a["id"] == getattr(self, "_last_accepted", None)
                    and annotate.code_attributes(self.project, a["code_id"])]
        if not rows:
            self.notify("No segment of yours with attributes under the cursor (the codebook "
                        "declares them under `attributes:`).", timeout=4)
            return

        def prompt(row: dict) -> None:
            from .attributes import AttributePrompt

            dimensions = annotate.code_attributes(self.project, row["code_id"])
            title = f"Attribute of {row.get('code_name') or row['code_id']}"
            self.app.push_screen(AttributePrompt(title, dimensions, annotate.attribute_values(row)),
                                 lambda choice: choice and set_value(row, *choice))

        def set_value(row: dict, dimension: str, value: str | None) -> None:
            changed = self._run(annotate.set_attribute, row["id"], dimension, value)
            if changed is not None:
                self._patch_own(changed)
                self.notify(f"{dimension} = {value or '—'} (u undoes it)", timeout=3)

        self._choose_annotation(rows, "Attribute of which segment?", prompt)

    def action_resize(self, delta: int) -> None:
        """`]` grows / `[` shrinks the segment under the cursor by a word, at its end nearest
        the cursor."""
        rows = self._spans_here()
        if not rows:
            self.notify("No code of yours under the cursor.", timeout=3)
            return
        row = rows[0]
        start, end = row["start"], row["end"]
        cursor = self.view.cursor
        at_end = (end - cursor) <= (cursor - start)
        text = self.document["text"]
        # Growing stops at the edges of the turn (the text between turns is not shown) and
        # of the paragraph: a segment ends on a paragraph's last period, not across it.
        turn = self.view.turn_index_at(start)
        low, high = (self.turns[turn]["start"], self.turns[turn]["end"]) if turn >= 0 \
            else (0, len(text))
        low = max(low, text.rfind("\n", 0, start) + 1)
        paragraph_end = text.find("\n", max(start, end - 1))
        if paragraph_end != -1:
            high = min(high, paragraph_end)
        if at_end:
            end = min(_next_word_end(text, end), high) if delta > 0 else \
                _previous_word_end(text, end, start)
        else:
            start = max(_previous_word_start(text, start), low) if delta > 0 else \
                _next_word_start(text, start, end)
        if end <= start or (start, end) == (row["start"], row["end"]):
            self.notify("The segment cannot change that way.", timeout=2)
            return
        def resized(changed: dict, replaced: bool) -> None:
            if replaced:
                self.reload()
            else:
                self._patch_own(changed)
            self.view.move_to(end if at_end else start)

        self._run_exclusive(annotate.resize_annotation, (row["id"], start, end), row["code_id"],
                            resized)

    # suggestions

    def _suggestion_here(self) -> dict | None:
        offset = self.view.cursor
        current = self.view.current_suggestion
        here = [s for s in self.pending if s["start"] <= offset < s["end"]]
        if current is not None:
            for s in here:
                if s["id"] == current.key:
                    return s
        if here:
            return here[0]
        if current is not None:
            return next((s for s in self.pending if s["id"] == current.key), None)
        return None

    def action_suggestion(self, delta: int) -> None:
        """`n` / `N`: the next / previous pending suggestion.  Suggestions set aside (dimmed:
        the code counts only the speaker's own affirmed move, and this one reads otherwise)
        are passed by, unless the screen's ``include_set_aside`` is on or nothing else is left."""
        if not self.suggestions_on:
            self.notify("Suggestions are off for you (blind coding).", timeout=3)
            return
        if not self.pending:
            self.notify("No pending suggestions in this document.", timeout=3)
            return
        route = self.pending if self.include_set_aside else [
            s for s in self.pending if not s.get("marked")] or self.pending
        starts = [s["start"] for s in route]
        current = self.view.current_suggestion
        offset = self.view.cursor
        if delta > 0:
            index = bisect_right(starts, offset)
            if current is not None and current.start == offset:
                index = next((i + 1 for i, s in enumerate(route) if s["id"] == current.key),
                             index)
            index = index % len(route)
        else:
            index = bisect_right(starts, offset - 1) - 1
            if current is not None and current.start == offset:
                index = next((i - 1 for i, s in enumerate(route) if s["id"] == current.key),
                             index)
            index = index % len(route)
        self._go_to_suggestion(route[index])

    def action_toggle_set_aside(self) -> None:
        """`ctrl+d`: whether `n`/`N` (and the move after a decision) stop at suggestions set
        aside too; they stay dimmed either way."""
        if not self.suggestions_on:
            self.notify("Suggestions are off for you (blind coding).", timeout=3)
            return
        self.include_set_aside = not self.include_set_aside
        aside = sum(1 for s in self.pending if s.get("marked"))
        if self.include_set_aside:
            self.notify(f"n stops at suggestions set aside too ({aside} here, dimmed); "
                        "ctrl+d passes them again.", timeout=4)
        else:
            self.notify("n passes suggestions set aside again.", timeout=3)
        self._update_segments()

    def _go_to_suggestion(self, suggestion: dict) -> None:
        view = self.view
        view.set_current_suggestion(suggestion)
        view.move_to(suggestion["start"])
        view.scroll_to_offset(suggestion["start"], center=True)
        self.set_current_code(suggestion["code_id"], why=f"suggested by {suggestion['pattern_id']}")

    def _decide(self, function, verb: str) -> None:
        suggestion = self._suggestion_here()
        if suggestion is None:
            self.notify("No suggestion here: n jumps to the next one.", timeout=3)
            return
        if function is annotate.accept_suggestion:
            self._run_exclusive(function, (suggestion["id"],), suggestion["code_id"],
                                lambda result, _: self._decided(suggestion, result, function, verb))
            return
        result = self._run(function, suggestion["id"])
        if result is not None:
            self._decided(suggestion, result, function, verb)

    def _decided(self, suggestion: dict, result: dict, function, verb: str) -> None:
        if function is annotate.accept_suggestion:
            self._last_accepted = result["id"]  # `;` then works on it from the next one
            self._last_segment = (result["start"], result["end"])
        self.reload()
        following = [s for s in self.pending if s["start"] >= suggestion["start"]
                     and (self.include_set_aside or not s.get("marked"))]
        if following:
            self._go_to_suggestion(following[0])
        else:
            self.view.set_current_suggestion(None)
            self.notify(f"{verb} · no more suggestions after this one.", timeout=3)

    def action_accept(self) -> None:
        """`a`: accept the suggestion (it becomes your coding)."""
        self._decide(annotate.accept_suggestion, "Accepted")

    def action_reject(self) -> None:
        """`r`: reject the suggestion."""
        self._decide(annotate.reject_suggestion, "Rejected")

    def action_accept_pattern(self) -> None:
        """`A`: accept every pending suggestion of this suggestion's pattern here (asks first)."""
        suggestion = self._suggestion_here()
        if suggestion is None:
            self.notify("No suggestion here: n jumps to the next one.", timeout=3)
            return
        pattern = suggestion["pattern_id"]
        count = sum(1 for s in self.pending if s["pattern_id"] == pattern)
        code = self.code_by_id.get(suggestion["code_id"])
        question = (f"Accept all {count} pending suggestion{'s' if count != 1 else ''} of pattern "
                    f"“{pattern}” ({code.name if code else suggestion['code_id']}) in this document?")

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            accepted = self._run(annotate.accept_pattern, self.document_id, pattern)
            if accepted is not None:
                self.reload()
                self.view.set_current_suggestion(None)
                left = sum(1 for s in self.pending if s["pattern_id"] == pattern)
                note = (f" {left} left pending: they overlap your coding with another code of "
                        "an exclusive group (decide them one by one)." if left else "")
                self.notify(f"Accepted {len(accepted)} suggestions of “{pattern}” (u undoes)."
                            + note, timeout=6 if left else 4)

        self.app.push_screen(Confirm(question), answer)

    # memos

    @opens_prompt
    def action_memo(self) -> None:
        """`m`: memo on the segment under the cursor, or on the document."""
        rows = self._spans_here()
        if rows:
            def edit(row: dict) -> None:
                name = self.code_by_id[row["code_id"]].name if row["code_id"] in self.code_by_id \
                    else row["code_id"]
                self.app.push_screen(MemoEditor(f"Memo on {name} ¶{self._paragraph_of(row['start'], row['end'])}",
                                                row.get("memo") or ""),
                                     lambda text: self._save_segment_memo(row, text))

            self._choose_annotation(rows, "Memo on which segment?", edit)
            return
        self.action_memo_document()

    def action_memo_document(self) -> None:
        """The coder's memo on this document (the command palette; `m` off any segment)."""
        current = queries.document_memo_text(self.project, self.coder, self.document_id)
        self.app.push_screen(MemoEditor("Memo on this document", current),
                             lambda text: self._save_document_memo(current, text))

    def _save_segment_memo(self, row: dict, text: str | None) -> None:
        if text is None or text == (row.get("memo") or ""):
            return
        updated = self._run(annotate.update_annotation, row["id"], memo=text)
        if updated is not None:
            self._patch_own(updated)
            self.notify("Memo saved.", timeout=2)

    def _save_document_memo(self, before: str, text: str | None) -> None:
        if text is None or text == before:
            return
        if self._run(annotate.document_memo, self.document_id, text) is not None:
            self.query_one(StatusBar).set(memo=bool(text.strip()))
            self.show_memo_marks()
            self.notify("Document memo saved.", timeout=2)

    # selection helpers

    def action_select_sentence(self) -> None:
        """`s`: select the sentence at the cursor; again: add the next sentence.  With a
        selection that is not whole sentences (a search hit, `v` or shift+moves), `s`
        selects every sentence it touches, from the start of the first to the end of the
        last."""
        view = self.view
        selection = view.selection
        if selection is not None and not self._is_sentence_run(selection):
            # A search leaves its hit selected mid-sentence, the cursor at the hit's end:
            # growing from the hit (or from the cursor) would cut the sentence's head off.
            text = self.document["text"]
            first, last = selection
            while first < last and text[first].isspace():
                first += 1
            while last > first and text[last - 1].isspace():
                last -= 1
            if first < last:
                start, _ = view.sentence_at(first)
                _, end = view.sentence_at(last - 1)
                view.select(min(start, first), max(end, last))
                return
        if selection is not None and self._is_sentence_run(selection):
            text = self.document["text"]
            after = selection[1]
            while after < len(text) and text[after] in " \t":
                after += 1
            if after >= len(text) or text[after] == "\n":
                return
            _, end = view.sentence_at(after)
            view.select(selection[0], end)
        else:
            view.select(*view.sentence_at(view.cursor))

    def _is_sentence_run(self, selection: tuple[int, int]) -> bool:
        start, _ = self.view.sentence_at(selection[0])
        _, end = self.view.sentence_at(max(selection[0], selection[1] - 1))
        return (start, end) == selection

    def action_select_turn(self) -> None:
        """`t`: select the whole turn at the cursor."""
        span = self.view.turn_range(self.view.cursor)
        if span is None:
            self.notify("The cursor is not in a speaker's turn.", timeout=2)
            return
        self.view.select(*span)

    def action_uncoded(self, delta: int) -> None:
        """`}` / `{`: the next / previous press question or president answer you have not coded."""
        coded = self.coded_turns()
        here = self.view.turn_index_at()
        order = range(here + 1, len(self.turns)) if delta > 0 else range(here - 1, -1, -1)
        for index in order:
            turn = self.turns[index]
            if turn.get("speaker_kind") in CODABLE_KINDS and turn["end"] > turn["start"] \
                    and index not in coded:
                view = self.view
                view.move_to(turn["start"])
                view.scroll_to_line(view.text_layout.heading_lines[index], center=True)
                return
        self.notify("No uncoded question or answer " + ("below." if delta > 0 else "above."),
                    timeout=3)

    # search

    @opens_prompt
    def action_search(self) -> None:
        """`/`: search this document."""
        bar = self.query_one(SearchBar)
        bar.display = True
        # Focused now, not scheduled (``bar.focus()``): the keys typed right after `/` are
        # routed as soon as the app reads them, and they are the query.
        self.set_focus(bar)

    def close_search(self) -> None:
        """Hide the search bar (the current hit stays selected)."""
        bar = self.query_one(SearchBar)
        bar.display = False
        self.view.set_search([])
        self.set_focus(self.view)  # now: the keys typed next are the text's again

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self._find(event.value, from_offset=self._search_origin(), announce=False)

    @on(Input.Submitted, "#search")
    def _search_next(self, event: Input.Submitted) -> None:
        selection = self.view.selection
        self._find(event.value, from_offset=(selection[0] + 1) if selection else self.view.cursor)

    def _search_origin(self) -> int:
        selection = self.view.selection
        return selection[0] if selection else self.view.cursor

    def _find(self, query: str, *, from_offset: int, announce: bool = True) -> None:
        """Highlight every hit of ``query`` and select the first one from ``from_offset``.

        While typing (``announce=False``) a miss only shows in the bar, not as a message.
        """
        bar = self.query_one(SearchBar)
        query = fold_accents(query.strip())
        if not query:
            self.view.set_search([])
            bar.border_subtitle = ""
            return
        if self._folded is None:
            self._folded = fold_accents(self.document["text"])
        folded = self._folded
        visible = self.view.text_layout.visible if self.view.text_layout else [(0, len(folded))]
        hits = []
        for start, end in visible:
            position = folded.find(query, start, end)
            while position != -1 and len(hits) < 5000:
                hits.append((position, position + len(query)))
                position = folded.find(query, position + 1, end)
        self.view.set_search(hits)
        if not hits:
            bar.border_subtitle = "not found"
            if announce:
                self.notify(f"“{query}” is not in this document.", timeout=2)
            return
        starts = [h[0] for h in hits]
        index = bisect_right(starts, from_offset - 1) % len(hits)
        bar.border_subtitle = f"{index + 1} of {len(hits)}"
        start, end = hits[index]
        self.view.select(start, end)
        self.view.scroll_to_offset(start, center=True)

    # history and views

    def _history(self, function, action: str, verb: str) -> None:
        """Undo or redo (``function``); ``action`` names it when there is nothing to do
        ("Nothing to undo."), ``verb`` says what was done ("Undone: ...")."""
        event = self._run(function)
        if event is None:
            self.notify(f"Nothing to {action}.", timeout=2)
            return
        what, document_id = queries.describe_event(event)
        self.reload()
        if document_id not in (None, self.document_id):
            self.notify(f"{verb}: {what} in document #{document_id} (not this one).", timeout=4)
        else:
            self.notify(f"{verb}: {what}.", timeout=2)

    def action_undo(self) -> None:
        """`u`: undo your last change (any kind, any document)."""
        self._history(annotate.undo, "undo", "Undone")

    def action_redo(self) -> None:
        """`ctrl+r`: redo what you undid last."""
        self._history(annotate.redo, "redo", "Redone")

    def action_toggle_others(self) -> None:
        """`o`: show or hide other coders' codings (hidden by default: blind coding).

        Inside the coder's open reliability sample it refuses, saying why; every showing is
        logged as a reveal (coder.team.blind)."""
        if not self.show_others:
            if self._run(reveal, self.document_id, via="workbench o") is None:
                return
        self.show_others = not self.show_others
        self.reload(suggestions=False)  # the status bar says which: blind coding is a visible state

    def action_reveal_override(self) -> None:
        """Show others' codings inside an open sample: an owner's override, with a reason
        (logged; the coder's later changes here no longer count as blind)."""
        if self.show_others:
            return
        state = blindness(self.project, self.coder, self.document_id)
        if not state.blind:
            self.action_toggle_others()
            return

        def answer(reason: str | None) -> None:
            if reason and reason.strip() and self._run(
                    reveal, self.document_id, via="workbench override", reason=reason) is not None:
                self._overridden.add(self.document_id)
                self.show_others = True
                self.reload(suggestions=False)

        self.app.push_screen(MemoEditor("Reason for revealing others' codings (logged)", ""),
                             answer)

    def action_reselect(self) -> None:
        """`ctrl+l`: select the segment coded last again (here: the latest change)."""
        span = getattr(self, "_last_segment", None)
        if span is None and self.own:
            latest = max(self.own, key=lambda a: a["updated_at"] or "")
            span = (latest["start"], latest["end"])
        if span is None:
            self.notify("No segment of yours in this document yet.", timeout=3)
            return
        self.view.select(*span)
        self.view.scroll_to_offset(span[0], center=True)

    def action_toggle_card(self) -> None:
        """`ctrl+e`: the code card at full size (the codebook tree steps aside) or back."""
        full = not self.has_class("-card-full")
        self.set_class(full, "-card-full")
        card = self.query_one(CodeCard)
        card.set_full(full)
        # The full card takes the keys (arrows and pages scroll it); back, the text has them.
        (card if full else self.view).focus()

    def action_toggle_stripes(self) -> None:
        """`ctrl+s`: coding stripes beside the text on or off."""
        self.view.set_stripes(not self.view.stripes_on)

    def action_documents(self) -> None:
        """`ctrl+o`: the documents screen."""
        from .documents import DocumentsScreen

        def chosen(document_id: int | None) -> None:
            if document_id is not None and document_id != self.document_id:
                self.load_document(document_id)
            self.view.focus()

        self.app.push_screen(DocumentsScreen(self.project, self.coder, current=self.document_id),
                             chosen)

    def action_mark_done(self) -> None:
        """Mark this document done in your assignments (command palette)."""
        from ...team.sample import set_status

        if self._run(set_status, self.document_id, "done") is not None:
            self.notify("Marked done.", timeout=2)


def _theme_background(screen: Screen) -> str:
    """The background the codes' colours must read on: the light or the dark theme's."""
    from ...codebook.colours import DARK_BACKGROUND, LIGHT_BACKGROUND

    try:
        dark = screen.app.current_theme.dark
    except Exception:  # no running app (a screen built in a test): the default dark theme
        dark = True
    return DARK_BACKGROUND if dark else LIGHT_BACKGROUND


def _next_word_end(text: str, position: int) -> int:
    match = _WORD.search(text, position)
    return match.end() if match else position


def _previous_word_end(text: str, end: int, start: int) -> int:
    best = start
    for match in _WORD.finditer(text, start, end):
        if match.end() < end:
            best = match.end()
    return best


def _previous_word_start(text: str, start: int) -> int:
    best = start
    for match in _WORD.finditer(text, max(0, start - 200), start):
        best = match.start()
    return best


def _next_word_start(text: str, start: int, end: int) -> int:
    first = _WORD.search(text, start, end)
    if first is None:
        return start
    second = _WORD.search(text, first.end(), end)
    return second.start() if second else start
