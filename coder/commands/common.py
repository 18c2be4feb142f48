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
from typing import NoReturn

import click
from click.core import ParameterSource

from ..errors import CoderError
from ..project import BUSY_TIMEOUT_MS, Project, default_path
from ..wording import first_few


def _group_project_first(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """A command's ``-p`` typed after it wins; else a ``-p`` given to its group
    (``coder codebook -p FILE show``, carried in ``ctx.obj``); else CODER_PROJECT."""
    if ctx.get_parameter_source(param.name) is not ParameterSource.COMMANDLINE \
            and isinstance(ctx.obj, Path):
        return ctx.obj
    return value


project_option = click.option(
    "-p", "--project", "project_path", type=click.Path(path_type=Path),
    default=None, envvar="CODER_PROJECT", show_envvar=True, callback=_group_project_first,
    help="Project file (default: ./coder.db).",
)


def _project_after_command(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    """``-p FILE`` given after a group's sub-command: that command reads its project path
    from ``ctx.obj`` (set by the group from its own ``-p``), so the later one wins."""
    if value is not None:
        ctx.obj = value


def accept_project_everywhere(group: click.Group) -> None:
    """Give every command under ``group`` a ``-p/--project`` option after its name.

    The README promises ``coder <command> ... -p FILE`` for every command.  Commands that
    open the project themselves already take it (:func:`with_project`); a group's
    sub-commands (``coders add``, ``speakers merge``) get the group's ``-p`` through
    ``ctx.obj``, and the option added here overrides it when it comes after them.  A
    group without its own ``-p`` (``codebook``, ``audit``) gets one the same way, and
    :data:`project_option` reads it when its command was not given one itself.
    """
    for command in group.commands.values():
        if isinstance(command, click.Group):
            accept_project_everywhere(command)
        if any(isinstance(p, click.Option) and "-p" in p.opts for p in command.params):
            continue
        command.params.append(click.Option(
            ["-p", "--project"], type=click.Path(path_type=Path), default=None,
            expose_value=False, callback=_project_after_command,
            help="Project file (default: the group's -p, CODER_PROJECT or ./coder.db)."))


def with_project(func: Callable) -> Callable:
    """Decorator: add ``-p/--project`` and pass an open :class:`Project` as ``project``."""

    @project_option
    @functools.wraps(func)
    def wrapper(*args, project_path: Path | None = None, **kwargs):
        with Project(project_path or default_path()) as project:
            return func(*args, project=project, **kwargs)

    return wrapper


#: Core keywords whose flag is not ``--`` + the keyword with dashes (see :func:`cli_message`).
OPTION_FLAGS = {"project": "-p/--project", "document_ids": "--doc"}


def option_flag(option: str) -> str:
    """The command-line flag of a core function's keyword argument (``per_code`` -> ``--per-code``)."""
    return OPTION_FLAGS.get(option, "--" + option.replace("_", "-"))


def cli_message(exc: CoderError) -> str:
    """A core error as the CLI says it: the core never names flags, so the flag of the
    option the error is about (``exc.option``) replaces the keyword the message starts
    with ("per_code must be ..." -> "--per-code must be ..."), or leads it."""
    text = str(exc)
    if not exc.option:
        return text
    flag = option_flag(exc.option)
    if text == exc.option or text.startswith(exc.option + " "):
        return flag + text[len(exc.option):]
    return f"{flag}: {text}"


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


def _say_waiting(path: Path) -> None:
    warn(f"waiting for {path}: it is locked by another coder process (up to "
         f"{BUSY_TIMEOUT_MS // 1000} s)…")


def _say_new_coder(name: str, others: list[str]) -> None:
    shown = first_few(others, 6)
    warn(f"{name!r} is a new coder in this project (the others: {shown}); if that is a typo, "
         "this work is filed under it — `coder coders` lists the names")


def _usage_error(exc: click.UsageError, command_path: str) -> NoReturn:
    """A wrong command line as one line, like every other error of coder (click prints a
    four-line usage block), with the exit status click gives it (2)."""
    where = exc.ctx.command_path if exc.ctx else command_path
    click.echo(f"coder: {exc.format_message().rstrip('.')}; see '{where} --help'", err=True)
    sys.exit(exc.exit_code)


DATA_ON_STDOUT = "coder.data_on_stdout"


def writes_to_stdout(args: list[str]) -> bool:
    """Whether a command line names the standard output as a file (``/dev/stdout``,
    ``/dev/fd/1``, ``/proc/self/fd/1``; see :func:`coder.outputs.descriptor_of`): the
    command then writes its data there and must say nothing else on it."""
    from ..outputs import descriptor_of

    for arg in args:
        if isinstance(arg, str) and arg.startswith("--") and "=" in arg:
            arg = arg.split("=", 1)[1]  # --csv=/dev/stdout
        if isinstance(arg, str) and not arg.startswith("-") and descriptor_of(arg) == 1:
            return True
    return False


class CoderGroup(click.Group):
    """A click group that turns :class:`CoderError` into a one-line message and exit 1."""

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        # The group's own options (`coder --bogus`) are read here, before invoke().
        data_on_stdout = parent is None and writes_to_stdout(args)
        try:
            ctx = super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            _usage_error(exc, info_name or self.name or "coder")
        if data_on_stdout:
            ctx.meta[DATA_ON_STDOUT] = True
        return ctx

    def invoke(self, ctx: click.Context):
        Project.on_wait = _say_waiting
        Project.on_new_coder = _say_new_coder
        # `coder export /dev/stdout | ...`: the data alone goes down the pipe; what the
        # command says ("wrote ...", a table, JSON) goes to stderr.
        said = (contextlib.redirect_stdout(sys.stderr) if ctx.meta.pop(DATA_ON_STDOUT, False)
                else contextlib.nullcontext())
        try:
            with said:
                result = super().invoke(ctx)
            sys.stdout.flush()  # a closed pipe shows here, not as noise at exit
            return result
        except BrokenPipeError:
            # `coder search ... | head`: the reader has all it wanted; stop quietly.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)
        except CoderError as exc:
            fail(cli_message(exc))
        except click.UsageError as exc:
            _usage_error(exc, ctx.command_path)
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
