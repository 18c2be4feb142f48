"""The workbench application and the one factory that builds it (CLI, ``coder demo``, tests)."""

from __future__ import annotations

from pathlib import Path

from textual.app import App

from ..corpus.documents import get_document
from ..errors import CoderError
from ..project import Project
from . import queries
from .commands import CodeCommands, DocumentCommands, ScreenCommands
from .keymap import APP_KEYS, bindings, load_keymap

MODES = ("code", "review", "audit")


class CoderApp(App):
    """The coding workbench over one open project file."""

    CSS_PATH = "coder.tcss"
    TITLE = "coder"
    BINDINGS = bindings(APP_KEYS)
    COMMANDS = App.COMMANDS | {DocumentCommands, CodeCommands, ScreenCommands}

    def __init__(self, project: Project, coder: str, *, document_id: int | None = None,
                 mode: str = "code", review_coders: list[str] | None = None,
                 adjudicator: str | None = None, keymap: dict[str, str] | None = None,
                 draw: str | None = None, reveal_reason: str | None = None) -> None:
        super().__init__()
        self.reveal_reason = reveal_reason
        self.draw = draw
        self.project = project
        self.coder = coder
        self.document_id = document_id
        self.mode = mode
        self.review_coders = review_coders or []
        self.adjudicator = adjudicator
        self.initial_keymap = keymap or {}

    def on_mount(self) -> None:
        if self.initial_keymap:
            self.set_keymap(self.initial_keymap)
        self.theme = "textual-dark"
        if self.mode == "review":
            from .screens.review import ReviewScreen

            self.push_screen(ReviewScreen(self.project, self.review_coders,
                                                 self.adjudicator,
                                                 reveal_reason=self.reveal_reason))
            return
        if self.mode == "audit":
            from .screens.audit import AuditScreen

            self.push_screen(AuditScreen(self.project, self.coder, self.draw))
            return
        from .screens.coding import CodingScreen

        self.push_screen(CodingScreen(self.project, self.coder, self.document_id))

    def action_help(self) -> None:
        """`?`: every key, generated from the bindings."""
        from textual.binding import BindingsMap

        from .screens.coding import CodingScreen
        from .screens.help import HelpScreen, screen_sources

        if isinstance(self.screen, CodingScreen):
            sources = screen_sources(self.screen)
        else:
            sources = [getattr(self.screen, "_bindings", BindingsMap()), self._bindings]
        self.push_screen(HelpScreen(sources))

    def on_unmount(self) -> None:
        self.project.close()


def create_app(project_path: str | Path, coder: str, *, document_id: int | None = None,
               mode: str = "code", review_coders: list[str] | None = None,
               adjudicator: str | None = None, draw: str | None = None,
               reveal_reason: str | None = None) -> CoderApp:
    """Build the workbench on the project file at ``project_path`` for ``coder``.

    ``mode="code"`` opens the coding screen on ``document_id`` (default: the coder's next
    assigned document not done, else the first one they have not coded); ``mode="review"``
    opens the review screen for ``review_coders`` with ``adjudicator``; ``mode="audit"``
    the audit screen of the items drawn for ``coder`` as judge (of ``draw`` only, if given).  Problems (no
    project file, no documents, a bad keymap file) raise :class:`CoderError` before any
    screen is drawn.
    """
    if mode not in MODES:
        raise CoderError(f"unknown workbench mode {mode!r} (use {' or '.join(MODES)})")
    coder = (coder or "").strip()
    if not coder:
        raise CoderError("no coder name: pass --coder NAME (or set CODER_NAME)")
    keymap = load_keymap()
    if mode == "review":
        if not review_coders:
            raise CoderError("review needs the coders to compare")
    project = Project(project_path)
    try:
        for name in review_coders or []:
            project.coder_id(name, create=False)  # a typo must not create a coder
        if mode == "audit":
            from ..team.audit import audit_items

            known = project.db.execute("SELECT 1 FROM coders WHERE name = ?", [coder]).fetchone()
            if known is None or not audit_items(project, coder, draw=draw):
                raise CoderError(f"no audit items drawn for {coder}"
                                 + (f" in draw {draw!r}" if draw else "")
                                 + f"; run `coder audit draw --judge {coder} --per-code N --seed S`")
        if mode == "code":
            if document_id is None:
                document_id = queries.start_document(project, coder)
                if document_id is None:
                    raise CoderError(f"{project.path}: no documents yet; add some with "
                                     "`coder import FILES`")
            else:
                get_document(project, document_id)
        # Last, once every input is checked: a launch that fails adds no coder.
        project.coder_id(coder)
    except BaseException:
        project.close()
        raise
    return CoderApp(project, coder, document_id=document_id, mode=mode,
                    review_coders=review_coders, adjudicator=adjudicator or coder, keymap=keymap,
                    draw=draw, reveal_reason=reveal_reason)
