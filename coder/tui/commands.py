"""Command-palette providers (`ctrl+p`): jump to a document, pick a code, run a command."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from ..corpus.documents import list_documents


def _coding_screen(provider: Provider):
    """The coding screen the palette was opened over (None elsewhere)."""
    from .screens.coding import CodingScreen

    screen = provider.screen
    return screen if isinstance(screen, CodingScreen) else None


class DocumentCommands(Provider):
    """"doc …": open a document by title, date or id."""

    async def startup(self) -> None:
        self.documents = list_documents(self.app.project)

    def _open(self, document_id: int) -> None:
        screen = _coding_screen(self)
        if screen is not None:
            screen.load_document(document_id)

    async def search(self, query: str) -> Hits:
        if _coding_screen(self) is None:
            return
        matcher = self.matcher(query)
        for d in self.documents:
            text = f"doc #{d['id']} {d['date'] or ''} {d['title'] or ''}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(self._open, d["id"]),
                          help=f"{d['kind'] or ''} · {d['turns']} turns · {d['words']} words")


class CodeCommands(Provider):
    """"code …": apply a code to the selection (or show its definition)."""

    def _pick(self, code_id: str) -> None:
        screen = _coding_screen(self)
        if screen is None:
            return
        if screen.view.selection is not None:
            screen.action_apply_code(code_id)
        else:
            screen.set_current_code(code_id)

    async def search(self, query: str) -> Hits:
        screen = _coding_screen(self)
        if screen is None:
            return
        matcher = self.matcher(query)
        for code in screen.codes:
            text = f"code {code.key or '·'} {code.name} ({code.id})"
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(self._pick, code.id),
                          help=(code.definition or "").strip()[:120] or None)


# (title, action on the coding screen, help)
SCREEN_COMMANDS = [
    ("Undo your last change", "undo", "u"),
    ("Redo", "redo", "ctrl+r"),
    ("Toggle other coders' codings", "toggle_others", "o: blind coding when hidden"),
    ("Reveal others' codings in an open sample (owner override, logged)", "reveal_override",
     "asks for a reason"),
    ("Next suggestion", "suggestion(1)", "n"),
    ("Accept all suggestions of this pattern here", "accept_pattern", "A"),
    ("Segments of code… (retrieval across documents)", "retrieve", "enter on a code in the tree"),
    ("Code: new…", "code_new", "a new code in the codebook (a new version)"),
    ("Code: rename…", "code_rename", "its id and codings stay"),
    ("Code: recolour…", "code_recolour", "#rrggbb"),
    ("Code: rekey…", "code_rekey", "its hot-key"),
    ("Code: move under another…", "code_move", "with its children"),
    ("Code: merge into another…", "code_merge", "codings move, the code is retired"),
    ("Code: split the selected segments into a new code…", "code_split",
     "your segments in the selection (or under the cursor)"),
    ("Undo the last codebook change", "code_undo", "coder codebook undo"),
    ("Memo on the document or segment", "memo", "m"),
    ("Memo on the current code", "memo_code", "the code on the card"),
    ("Memo on this document", "memo_document", "m off any segment"),
    ("Memo panel: the memos of this document and its codes", "toggle_memos", "ctrl+n"),
    ("Search in this document", "search", "/"),
    ("Next uncoded question or answer", "uncoded(1)", "}"),
    ("Mark this document done", "mark_done", "in your assignments"),
    ("Documents: filter, search, open", "documents", "ctrl+o"),
    ("Help: every key", "app.help", "?"),
]


class ScreenCommands(Provider):
    """The coding screen's commands, by name."""

    def _run(self, action: str) -> None:
        screen = _coding_screen(self)
        if screen is not None:
            self.app.call_later(screen.run_action, action)

    async def discover(self) -> Hits:
        if _coding_screen(self) is None:
            return
        for title, action, help_text in SCREEN_COMMANDS:
            yield DiscoveryHit(title, partial(self._run, action), help=help_text)

    async def search(self, query: str) -> Hits:
        if _coding_screen(self) is None:
            return
        matcher = self.matcher(query)
        for title, action, help_text in SCREEN_COMMANDS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._run, action),
                          help=help_text)
