"""Errors a user can act on.

Every error raised for bad input is a :class:`CoderError` whose message is one line that
names the file (or thing) and the problem.  The CLI prints ``coder: <message>`` and exits
with status 1; it never shows a traceback for these.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

# Control characters (a newline, a tab, an escape) in a file name: shown escaped, so that
# a message stays one line and a terminal shows the name, not what the bytes would do.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _escape(match: re.Match) -> str:
    return repr(match.group())[1:-1]  # "\n", "\t", "\x1b"


def shown_name(path: object) -> str:
    """A file name as text that can be printed and stored on one line: bytes that are not
    UTF-8 (on POSIX a name is bytes; Python carries such bytes as lone surrogates) become
    U+FFFD, and control characters (a newline in a name) their escapes ("\\n")."""
    text = _printable(path)
    return _CONTROLS.sub(_escape, text) if _CONTROLS.search(text) else text


def _printable(path: object) -> str:
    """:func:`shown_name` without the escapes: a message's newlines are its own to fold."""
    text = os.fspath(path) if isinstance(path, os.PathLike) else str(path)
    if isinstance(text, bytes):
        return text.decode("utf-8", "replace")
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def raw_name(path: object) -> str | None:
    """The exact bytes of a file name that :func:`shown_name` had to change, percent-encoded
    (``urllib.parse.unquote_to_bytes`` gives them back); None for a name shown as it is."""
    from urllib.parse import quote

    name = os.fsencode(path)
    try:
        if not _CONTROLS.search(name.decode("utf-8")):
            return None
    except UnicodeDecodeError:
        pass
    return quote(name, safe="/")


class CoderError(Exception):
    """A problem the user can fix; its message is shown as one line.

    The core never names command-line flags (the workbench and the Python API have none).
    A message about the value of one argument gives that argument's keyword as ``option``
    (``since``, ``per_code``) and, where it reads naturally, starts with it ("per_code must
    be at least 1"); the CLI then shows the flag instead (``--per-code must be at least 1``,
    see :func:`coder.commands.common.cli_message`).
    """

    def __init__(self, message: str, *, path: object | None = None,
                 option: str | None = None) -> None:
        self.path = path
        self.option = option
        text = " ".join(_printable(message).split())  # always one line, always printable
        if path is not None and not text.startswith(shown_name(path)):
            text = f"{shown_name(path)}: {text}"
        super().__init__(text)


class ImportProblem(CoderError):
    """A file that cannot be imported (unreadable, empty, hostile, wrong layout)."""


class NotADocument(ImportProblem):
    """A file coder recognises as one of its own outputs (an export), not a document.

    An import passes over it with a note instead of storing it as documents.
    """


class StoppedPartway(CoderError):
    """A long job (import, suggest) that commits as it goes and was stopped by the
    project file (disk full, locked, read-only): its message says what was kept."""


class CodebookError(CoderError):
    """A codebook that does not validate; the message names the line when it can."""


class ProjectError(CoderError):
    """A project file that is missing, locked, or of an unknown schema version."""


class PatternError(CoderError):
    """A codebook pattern spaCy cannot compile, or that needs a richer pipeline."""


def read_text(path: str | Path, error: type[CoderError] = CoderError) -> str:
    """A UTF-8 text file (a leading BOM dropped), or ``error``: one line naming the file."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise error(f"cannot read ({exc.strerror or exc})", path=path) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise error("not UTF-8 text", path=path) from None
