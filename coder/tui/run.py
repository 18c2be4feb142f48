"""Run the workbench in the terminal (what ``coder tui``, ``coder review`` and ``coder demo`` call)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import CoderError


def _need_terminal(path: str | Path, what: str) -> None:
    from ..project import Project

    Project(path).close()  # a missing or foreign project file is the first thing to say
    # Without a terminal Textual would write escape codes into a pipe and wait forever.
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise CoderError(f"{what} needs an interactive terminal (stdin and stdout are not one)")
    # The command line's "waiting for FILE" line would tear the screen: the screens wait
    # for another coder's lock quietly.
    Project.on_wait = None


def run_tui(path: str | Path, coder_name: str, document_id: int | None = None) -> None:
    """Open the coding workbench on the project file at ``path`` as ``coder_name``."""
    _need_terminal(path, "the workbench (coder tui)")
    from .app import create_app

    create_app(path, coder_name, document_id=document_id).run()


def run_review(path: str | Path, coders: list[str], adjudicator: str,
               reveal_reason: str | None = None) -> None:
    """Open the review (adjudication) screen comparing ``coders`` (``reveal_reason``: an
    owner's logged override of the blind-coding hold on open sampled documents)."""
    _need_terminal(path, "the review screen (coder review)")
    from .app import create_app

    create_app(path, adjudicator, mode="review", review_coders=list(coders),
               adjudicator=adjudicator, reveal_reason=reveal_reason).run()


def run_audit(path: str | Path, judge: str, draw: str | None = None) -> None:
    """Open the audit screen on the items drawn for ``judge``."""
    _need_terminal(path, "the audit screen (coder audit judge)")
    from .app import create_app

    create_app(path, judge, mode="audit", draw=draw).run()
