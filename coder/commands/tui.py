"""``coder tui``: open the coding workbench (Textual is imported only when the command runs)."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import click

from ..project import default_path
from .common import project_option


def default_coder(given: str | None = None) -> str:
    """The coder a command acts as: ``given`` (its ``--coder``), else ``$CODER_NAME``, else
    the operating-system user name.

    A ``--coder ""`` is given, not missing: it is passed on for the core to refuse, never
    quietly replaced by the user name (that filed the work under someone else).
    """
    if given is not None:
        return given
    name = os.environ.get("CODER_NAME")
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no user name to be had (some containers)
        return "coder"


@click.command()
@click.option("--coder", "coder_name", default=None, metavar="NAME",
              help="Who is coding (default: $CODER_NAME or your user name).")
@click.option("--doc", "document_id", type=int, default=None, metavar="ID",
              help="Open this document (default: your next assigned, or first uncoded, one).")
@project_option
def tui(coder_name: str | None, document_id: int | None, project_path: Path | None) -> None:
    """Code in the terminal workbench: select text, press a code's key.

    \b
    Your codings and the suggestions are shown; other coders' codings are hidden until
    you press `o` (blind coding).  `?` lists every key; `ctrl+p` opens the command palette.
    Every change is saved the moment you make it.
    """
    from ..tui.run import run_tui

    run_tui(project_path or default_path(), default_coder(coder_name), document_id)
