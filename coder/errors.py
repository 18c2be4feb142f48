"""Errors a user can act on.

Every error raised for bad input is a :class:`CoderError` whose message is one line that
names the file (or thing) and the problem.  The CLI prints ``coder: <message>`` and exits
with status 1; it never shows a traceback for these.
"""

from __future__ import annotations

from pathlib import Path


class CoderError(Exception):
    """A problem the user can fix; its message is shown as one line."""

    def __init__(self, message: str, *, path: object | None = None) -> None:
        self.path = path
        text = " ".join(str(message).split())  # always one line
        if path is not None and not text.startswith(str(path)):
            text = f"{path}: {text}"
        super().__init__(text)


class ImportProblem(CoderError):
    """A file that cannot be imported (unreadable, empty, hostile, wrong layout)."""


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
