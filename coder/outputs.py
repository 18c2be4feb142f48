"""Writing an output file: the one way every command that writes a file does it.

A regular file (or a new name) is written atomically: a temporary file beside it, renamed
onto it when complete, so a failed export never leaves half a file.  Anything else at the
given name is never replaced:

- a symbolic link is followed, and its target is written as above (the link stays a link);
- a FIFO or a character device (``/dev/null``, a named pipe read by another program) is
  written through: the finished file is copied into it;
- a name for one of this process's open descriptors (``/dev/stdout``, ``/dev/stderr``,
  ``/dev/fd/N``, ``/proc/self/fd/N``) is written through that descriptor, whatever it is:
  a pipe (``coder export /dev/stdout | head``), a terminal, or a file the shell opened
  (``>> all.csv`` appends, as the shell asked; a file is never replaced behind the
  shell's back).  Following those links by name does not work for a pipe (the link
  points to ``pipe:[123]``, no file), nor keep an append;
- a folder, a block device or a socket is refused with a one-line error;
- so is an SQLite database or its write-ahead log (a project file: ``coder export coder.db``
  would otherwise replace the project with the export).

A reader that stops early (``| head``) raises :class:`BrokenPipeError` (the temporary file
removed), which the command line takes as the end, quietly.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import CoderError


def _target(path: Path) -> Path:
    """``path`` with symbolic links followed (a dangling link gives the name it points to)."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


# The folders whose entries are the open descriptors of a process, links resolved:
# /proc/PID/fd (Linux; /dev/fd and /proc/self/fd lead there) and /dev/fd (the BSDs, macOS).
_DESCRIPTOR_FOLDER = re.compile(r"/proc/(\d+)(?:/task/\d+)?/fd|/dev/fd")


def descriptor_of(path: str | Path) -> int | None:
    """The number of this process's open descriptor ``path`` names, else None.

    ``/dev/stdout`` gives 1, ``/dev/stderr`` 2, ``/dev/fd/N`` and ``/proc/self/fd/N`` N,
    also through links of one's own.  The links are read one by one, not resolved at once:
    for a pipe the last one points to ``pipe:[123]``, which is no file.
    """
    try:
        current = os.path.abspath(os.fspath(path))
        for _ in range(40):  # as many links as the kernel follows
            folder = os.path.realpath(os.path.dirname(current))
            name = os.path.basename(current)
            found = _DESCRIPTOR_FOLDER.fullmatch(folder)
            if found and name.isdigit():
                pid = found.group(1)
                return int(name) if pid is None or int(pid) == os.getpid() else None
            current = os.path.join(folder, name)
            if not os.path.islink(current):
                return None
            current = os.path.join(folder, os.readlink(current))
    except (OSError, ValueError):  # an unreadable link, a NUL in the name
        return None
    return None


def _check_descriptor(path: Path, descriptor: int) -> None:
    """What :func:`check_output_path` checks, for a descriptor (:func:`descriptor_of`)."""
    try:
        mode = os.fstat(descriptor).st_mode
    except OSError:
        raise CoderError(f"cannot write {path}: it is not open") from None
    if stat.S_ISDIR(mode):
        raise CoderError(f"cannot write {path}: it is a folder; give a file name")
    if stat.S_ISBLK(mode):
        raise CoderError(f"cannot write {path}: it is a block device, not a file")
    # `coder export /dev/stdout >> coder.db` would append to the project file.
    if stat.S_ISREG(mode) and _is_database(Path(f"/dev/fd/{descriptor}")):
        raise CoderError(f"cannot write {path}: it is an SQLite database (a project file?), "
                         "which the output would damage; give another file name")


def check_output_path(path: str | Path) -> Path:
    """``path`` as a Path if a file can be written there, else a one-line CoderError.

    Checks what can be checked before any work is done: the name (links followed) is not
    a folder, a block device or a socket, and its folder exists.  Permissions show when
    writing: see :func:`output_file`.
    """
    path = Path(path)
    descriptor = descriptor_of(path)
    if descriptor is not None:
        _check_descriptor(path, descriptor)
        return path
    target = _target(path)
    try:
        mode = os.stat(target).st_mode
    except OSError:
        mode = None
    if mode is not None:
        if stat.S_ISDIR(mode):
            raise CoderError(f"cannot write {path}: it is a folder; give a file name")
        if stat.S_ISBLK(mode) or stat.S_ISSOCK(mode):
            kind = "a block device" if stat.S_ISBLK(mode) else "a socket"
            raise CoderError(f"cannot write {path}: it is {kind}, not a file")
        if not stat.S_ISREG(mode):
            return path  # a FIFO or character device: written through, its folder is fine
        if _is_database(target):
            raise CoderError(f"cannot write {path}: it is an SQLite database (a project file?), "
                             "which the output would replace; give another file name")
    parent = target.parent
    if not parent.exists():
        raise CoderError(f"cannot write {path}: the folder {parent} does not exist")
    if not parent.is_dir():
        raise CoderError(f"cannot write {path}: {parent} is not a folder")
    return path


# The first bytes of an SQLite database, and of its write-ahead log (either byte order).
_SQLITE_MAGIC = b"SQLite format 3\x00"
_WAL_MAGIC = (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")


def _is_database(path: Path) -> bool:
    """Whether the regular file ``path`` is an SQLite database or write-ahead log."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(_SQLITE_MAGIC))
    except OSError:  # unreadable: writing will say what is wrong
        return False
    return head == _SQLITE_MAGIC or head[:4] in _WAL_MAGIC


def _umask() -> int:
    """The process umask (read without changing it where Linux allows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _final_mode(path: Path) -> int:
    """The mode a plain ``open(path, "w")`` would leave: the old file's, or 0666 & ~umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def is_special(path: str | Path) -> bool:
    """Whether ``path`` (links followed) exists and is not a regular file or folder."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


@contextlib.contextmanager
def output_file(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it becomes ``path`` (see the module).

    The finished file gets the permissions an ordinary write would give it (those of
    the file it replaces, else 0666 less the umask), not ``mkstemp``'s private 0600.
    Operating-system errors (a read-only folder, a full disk) become one-line
    ``cannot write PATH: reason`` errors, and the temporary file is removed.
    """
    path = check_output_path(path)
    descriptor = descriptor_of(path)
    target = path if descriptor is not None else _target(path)
    through = descriptor is not None or is_special(target)
    # A device's folder (/dev) is rarely writable: its temporary file goes to the temp dir.
    folder = None if through else target.parent
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise CoderError(f"cannot write {path}: {exc.strerror or exc}") from None
    os.close(handle)
    temp_path = Path(temp)
    try:
        yield temp_path
        if descriptor is not None:
            _copy_to_descriptor(temp_path, descriptor)
            temp_path.unlink()
        elif through:
            with open(temp_path, "rb") as source, open(target, "wb") as sink:
                shutil.copyfileobj(source, sink, 1 << 20)
            temp_path.unlink()
        else:
            os.chmod(temp_path, _final_mode(target))
            os.replace(temp_path, target)
    except BrokenPipeError:  # the reader has stopped (`| head`): not a failure to report
        temp_path.unlink(missing_ok=True)
        raise
    except OSError as exc:
        temp_path.unlink(missing_ok=True)
        raise CoderError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise


def _copy_to_descriptor(source_path: Path, descriptor: int) -> None:
    """Copy a finished file into an open descriptor, at its offset (or its end, when it
    appends), leaving the descriptor open.  What Python's own streams hold for it is
    written first, so the output keeps its order."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    with open(source_path, "rb") as source, open(descriptor, "wb", closefd=False) as sink:
        shutil.copyfileobj(source, sink, 1 << 20)


def write_text(path: str | Path, text: str, *, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` the way :func:`output_file` writes (``\\n`` kept as is)."""
    with output_file(path) as temp:
        with open(temp, "w", encoding=encoding, newline="") as out:
            out.write(text)
