"""What every command shares: the project option, error reporting, progress bars, JSON output."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from ..errors import CoderError
from ..project import Project, default_path

project_option = click.option(
    "-p", "--project", "project_path", type=click.Path(path_type=Path),
    default=None, envvar="CODER_PROJECT", show_envvar=True,
    help="Project file (default: ./coder.db).",
)


def with_project(func: Callable) -> Callable:
    """Decorator: add ``-p/--project`` and pass an open :class:`Project` as ``project``."""

    @project_option
    @functools.wraps(func)
    def wrapper(*args, project_path: Path | None = None, **kwargs):
        with Project(project_path or default_path()) as project:
            return func(*args, project=project, **kwargs)

    return wrapper


def fail(message: str) -> None:
    """Print a one-line error and exit with status 1."""
    click.echo(f"coder: {message}", err=True)
    sys.exit(1)


def warn(message: str) -> None:
    """Print a one-line warning on stderr."""
    click.echo(f"coder: warning: {message}", err=True)


def print_json(value: object) -> None:
    """Write ``value`` as indented UTF-8 JSON on stdout."""
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


@contextlib.contextmanager
def progress(total: int, label: str, *, enabled: bool | None = None) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr (only on a terminal, or when ``enabled``).

    Yields ``advance(n=1)``.  Core functions take an optional ``progress`` callback of
    the same shape, so they stay free of terminal code.
    """
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled or total <= 1:
        yield lambda n=1: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    # No refresh thread (auto_refresh=False): the import forks worker processes, and a
    # process with a second thread is not safe to fork.  The bar redraws as work advances.
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True), transient=True,
                  auto_refresh=False) as bar:
        task = bar.add_task(label, total=total)
        shown = [0.0]

        def advance(n: int = 1) -> None:
            bar.advance(task, n)
            moment = time.monotonic()
            if moment - shown[0] >= 0.1:
                shown[0] = moment
                bar.refresh()

        yield advance


def _shown_project() -> Path:
    """The project file a database error is about: the one opened (``-p``), else the default."""
    return Project.last_path or default_path()


class CoderGroup(click.Group):
    """A click group that turns :class:`CoderError` into a one-line message and exit 1."""

    def invoke(self, ctx: click.Context):
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # a closed pipe shows here, not as noise at exit
            return result
        except BrokenPipeError:
            # `coder search ... | head`: the reader has all it wanted; stop quietly.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)
        except CoderError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            click.echo("coder: interrupted; everything committed before the interruption is kept",
                       err=True)
            sys.exit(130)
        except sqlite3.OperationalError as exc:
            # A read-only, locked or vanished project file: the transaction was rolled back.
            fail(f"{_shown_project()}: the project file cannot be written ({exc}); "
                 "the change in progress was not saved")
        except sqlite3.DatabaseError as exc:
            fail(f"{_shown_project()}: database error ({exc})")
        except OSError as exc:
            where = exc.filename or ""
            fail(f"{where}: {exc.strerror or exc}" if where else str(exc))
