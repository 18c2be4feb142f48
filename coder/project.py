"""The project file: one SQLite database per project, opened through :class:`Project`.

Every user action runs inside :meth:`Project.transaction`, which commits before it
returns, so anything the CLI or the TUI reports as done is on disk.  The file is in WAL
mode with a busy timeout, so several coders (processes) can work on it at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from .errors import CoderError, ProjectError, StoppedPartway
from .schema import MIGRATIONS, SCHEMA_VERSION

# Work a migration leaves to a layer above this one, which registers it here: the
# settings key the migration sets -> the function doing the work (in a transaction) when
# the project is next opened.  (E.g. turn kinds on a project upgraded from before them:
# their rules live in coder.corpus.)
PENDING: dict[str, Callable[[Project], None]] = {}

DEFAULT_PROJECT = "coder.db"
BUSY_TIMEOUT_MS = 30_000
PAGE_SIZE = 8192


def now() -> str:
    """The current UTC time as an ISO 8601 string with microseconds (sortable)."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


def _sqlite_utils():
    """The sqlite_utils module, imported without pandas.

    sqlite-utils imports pandas when it is installed (a third of a second, on every
    command) only to give ``pandas.Timestamp`` values a column type, and coder never
    stores one through it: while it is imported, ``import pandas`` is made to fail (a
    None entry in ``sys.modules``), and afterwards pandas imports as usual.
    """
    import sys

    module = sys.modules.get("sqlite_utils")
    if module is not None:
        return module
    hidden = "pandas" not in sys.modules
    if hidden:
        sys.modules["pandas"] = None  # type: ignore[assignment]
    try:
        import sqlite_utils
    finally:
        if hidden and "pandas" in sys.modules and sys.modules["pandas"] is None:
            del sys.modules["pandas"]
    return sqlite_utils


def _ask_for_wal(conn: sqlite3.Connection) -> str:
    """Put the file in WAL mode; returns the journal mode it is in.

    An import running alone writes with a rollback journal (:meth:`Project.bulk_writes`)
    and holds a lock the switch needs (SQLite then fails at once, without waiting).  This
    connection then works in that mode, as SQLite lets it, until the import is over and
    returns the file to WAL.
    """
    try:
        return conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise
        return conn.execute("PRAGMA journal_mode").fetchone()[0]


WAIT_NOTICE_MS = 1500  # how long a lock is waited for before the user is told
READ_ONLY = ("cannot change it: the project is read-only here (the file or its folder is "
             "not writable); commands that only read it work")

T = TypeVar("T")


def _writable(path: Path) -> bool:
    """Whether this process may write the project file and make files beside it."""
    folder = path.parent if str(path.parent) else Path(".")
    return os.access(path, os.W_OK) and os.access(folder, os.W_OK | os.X_OK)


def storage_problem(exc: sqlite3.Error) -> str:
    """What stopped a write, in a user's words (the SQLite message when unfamiliar)."""
    text = str(exc)
    if "full" in text:
        return "disk full"
    if "locked" in text or "busy" in text:
        return "the project file is locked by another coder process"
    if "readonly" in text or "read-only" in text:
        return "the project file is read-only"
    if "I/O" in text:
        return "disk I/O error"
    return text


def stopped_partway(project: Project, exc: sqlite3.Error, *, doing: str, kept: str | None,
                    rerun: str, rest: str = "the rest not") -> StoppedPartway:
    """The error for a job that commits as it goes and was stopped by ``exc``: it says
    what was really kept (``kept``: "447 suggestions in 8 documents"; None: nothing) and
    how to carry on.  The transaction in progress has been rolled back."""
    problem = storage_problem(exc)
    saved = f"{kept} were saved, {rest}" if kept else "nothing was saved"
    when = " after freeing space" if problem == "disk full" else ""
    return StoppedPartway(f"{problem} while {doing}: {saved}; run `{rerun}` again{when} "
                          "(it carries on from what was saved)", path=project.path)


_CODER_NAME = re.compile(r"^[^\s,]{1,64}$")


def check_coder_name(name: str | None, *, exact: bool = False) -> str:
    """A coder name, stripped; CoderError unless it is 1-64 characters without spaces or commas.

    The one rule for every way a coder comes into being: ``coder coders add``
    (:mod:`coder.team.coders`) and :meth:`Project.coder_id`, behind a first coding, memo
    or workbench session.  Commas are refused because ``--coders alice,bob`` lists coders
    by name, spaces because such a name could not be given back to those filters.
    ``exact``: a name with spaces around it is refused rather than stripped (the caller
    files work under the name as given, so stripping would make two names of one).
    """
    stripped = (name or "").strip()
    if not stripped:
        raise CoderError("no coder name: a coder needs a name of 1-64 characters without "
                         "spaces or commas")
    if not _CODER_NAME.match(stripped) or (exact and stripped != name):
        raise CoderError(f"coder name {name if exact else stripped!r}: use 1-64 characters "
                         "without spaces or commas")
    return stripped


def default_path() -> Path:
    """The project path used when none is given: ``$CODER_PROJECT`` or ``./coder.db``."""
    return Path(os.environ.get("CODER_PROJECT") or DEFAULT_PROJECT)


class Project:
    """An open project file.

    ``project.db`` is the :class:`sqlite_utils.Database`; domain modules take a
    ``Project`` and do their work inside :meth:`transaction`.
    """

    last_path: Path | None = None
    """The file the process opened last: what an error caught far from it names."""

    on_wait: Callable[[Path], None] | None = None
    """Called once when a write (or the opening) has waited WAIT_NOTICE_MS for another
    process's lock and goes on waiting: the CLI says so instead of hanging silently."""

    on_new_coder: Callable[[str, list[str]], None] | None = None
    """Called with the name and the other coders' names when :meth:`coder_id` creates a
    coder on first use while others exist: the CLI warns, since a mistyped ``--coder``
    would otherwise file someone's work under a new name without a word."""

    def __init__(self, path: str | Path, *, create: bool = False) -> None:
        self.path = Path(path)
        Project.last_path = self.path
        if self.path.is_dir():
            raise ProjectError("is a folder, not a project file", path=self.path)
        if not create and not self.path.exists():
            raise ProjectError(
                "no project file here; run `coder init` first or name another project file",
                path=self.path, option="project",
            )
        if create and not self.path.parent.is_dir():
            raise ProjectError(f"the folder {self.path.parent} does not exist", path=self.path)
        sqlite_utils = _sqlite_utils()
        # A project in a folder (or a file) this user cannot write is opened for reading
        # only: SQLite could not even read it otherwise (WAL needs files beside it).
        self.read_only = not create and not _writable(self.path)
        conn = None
        try:
            conn = self._connect()
            # Refuse another program's database before writing anything into it.
            version, tables = self._patiently(conn, lambda: conn.execute(
                "SELECT (SELECT user_version FROM pragma_user_version),"
                " (SELECT count(*) FROM sqlite_master)").fetchone())
            if version == 0 and (tables or not create):
                conn.close()
                raise ProjectError("not a coder project file (an SQLite database of another "
                                   "program, or empty); nothing was changed", path=self.path)
            if version == 0:
                # A new file: 8 KB pages hold a transcript in half as many overflow pages
                # as the default 4 KB (an import writes a tenth faster); fixed from here on.
                conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            conn.execute("PRAGMA foreign_keys = ON")
            if self.read_only:
                mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            else:
                mode = _ask_for_wal(conn)
                # NORMAL is safe with WAL; a rollback journal needs FULL to be as safe.
                conn.execute(f"PRAGMA synchronous = {'NORMAL' if mode == 'wal' else 'FULL'}")
        except sqlite3.OperationalError as exc:
            if conn is not None:
                conn.close()
            hint = "; another coder command is holding it: try again" if "locked" in str(exc) else ""
            raise ProjectError(f"cannot open ({exc}){hint}", path=self.path) from None
        except sqlite3.DatabaseError as exc:
            raise ProjectError(f"not a coder project file ({exc})", path=self.path) from None
        except sqlite3.Error as exc:
            raise ProjectError(f"cannot open ({exc})", path=self.path) from None
        self.db = sqlite_utils.Database(conn)
        self.wal = mode == "wal"
        self._migrate()
        self._pending()

    def _connect(self) -> sqlite3.Connection:
        """The connection: read-write, or for a read-only project ``mode=ro`` (which needs
        the WAL index beside the file, or to make it) and else ``immutable`` (nobody can
        be writing a file in a folder nobody can write)."""
        # isolation_level=None: we issue BEGIN/COMMIT ourselves (see transaction()).
        options = {"timeout": BUSY_TIMEOUT_MS / 1000, "isolation_level": None,
                   "check_same_thread": False}
        if not self.read_only:
            conn = sqlite3.connect(str(self.path), **options)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            return conn
        from urllib.parse import quote

        uri = "file:" + quote(str(self.path.resolve()))
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, **options)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            conn.close()
            conn = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, **options)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return conn

    def _patiently(self, conn: sqlite3.Connection, attempt: Callable[[], T]) -> T:
        """``attempt()``, waiting for another process's lock: briefly first, then (after
        telling :attr:`on_wait`) for up to the busy timeout."""
        conn.execute(f"PRAGMA busy_timeout = {WAIT_NOTICE_MS}")
        try:
            return attempt()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
        finally:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if Project.on_wait is not None:
            Project.on_wait(self.path)
        return attempt()

    # -- schema ---------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        version = self.schema_version
        if version > SCHEMA_VERSION:
            raise ProjectError(
                f"written by a newer coder (schema {version}, this one knows {SCHEMA_VERSION})",
                path=self.path,
            )
        if version < SCHEMA_VERSION and self.read_only:
            raise ProjectError(
                f"written by an older coder (schema {version}) and read-only here, so it "
                "cannot be upgraded; open it once where it can be written", path=self.path)
        for number in range(version, SCHEMA_VERSION):
            with self.transaction():
                # Another process may have migrated while we waited for the lock.
                if self.schema_version > number:
                    continue
                for statement in _split_sql(MIGRATIONS[number]):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number + 1}")

    def _pending(self) -> None:
        """Do the work migrations left for a layer above (see :data:`PENDING`).  A project
        that cannot be written now (read-only, busy) keeps it for a later opening."""
        keys = [key for (key,) in self.db.execute(
            "SELECT key FROM settings WHERE key LIKE 'pending:%' ORDER BY key") if key in PENDING]
        for key in keys:
            try:
                with self.transaction():
                    # Another process may have done it while we waited for the lock.
                    if self.db.execute("DELETE FROM settings WHERE key = ?", [key]).rowcount:
                        PENDING[key](self)
            except sqlite3.OperationalError:
                return

    # -- transactions ---------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Project]:
        """Run a block as one transaction (a savepoint when nested); commit on success.

        The outermost block takes the write lock up front (``BEGIN IMMEDIATE``) so two
        coders writing at once wait for each other instead of failing half-way.
        """
        conn = self.db.conn
        if self.read_only:
            raise ProjectError(READ_ONLY, path=self.path)
        if conn.in_transaction:
            # One fixed name: SQLite releases or rolls back to the innermost savepoint of
            # that name, and the statement is compiled once, not per call.
            conn.execute("SAVEPOINT coder_nested")
            try:
                yield self
            except BaseException:
                if conn.in_transaction:  # an error may have ended the whole transaction
                    conn.execute("ROLLBACK TO coder_nested")
                    conn.execute("RELEASE coder_nested")
                raise
            conn.execute("RELEASE coder_nested")
            return
        for attempt in range(50):
            try:
                if attempt == 0:
                    self._patiently(conn, lambda: conn.execute("BEGIN IMMEDIATE"))
                else:
                    conn.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as exc:  # busy beyond the timeout
                if "locked" not in str(exc) or attempt == 49:
                    raise
                time.sleep(0.05)
        try:
            yield self
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    @contextlib.contextmanager
    def bulk_writes(self) -> Iterator[None]:
        """For an import: write each page once, when no one else has the project open.

        In WAL mode a page is written twice, into the log at commit and into the file
        at the next checkpoint, and SQLite's documentation advises a rollback journal for
        large writes.  So when this is the only connection, the block runs with a
        rollback journal, as durable (``synchronous = FULL``), and the file returns to
        WAL on leaving.  When another connection has the file open (a coder in the TUI),
        nothing changes.  A command that opens the project during the block returns it to
        WAL if it gets in between two commits, else works with the rollback journal (its
        statements wait for the import's commits); the block carries on either way.
        """
        conn = self.db.conn
        if not self.wal or conn.in_transaction or self.read_only:
            yield
            return
        conn.execute("PRAGMA busy_timeout = 0")  # someone else there: do not wait
        try:
            mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
        except sqlite3.OperationalError:  # "database is locked": not alone
            mode = "wal"
        finally:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if mode != "delete":
            yield
            return
        conn.execute("PRAGMA synchronous = FULL")
        try:
            yield
        finally:
            conn.execute("PRAGMA synchronous = NORMAL")
            with contextlib.suppress(sqlite3.OperationalError):
                # Fails only if someone holds a lock past the busy timeout; then the
                # next open of the project switches it (every open asks for WAL).
                conn.execute("PRAGMA journal_mode = WAL")

    def close(self) -> None:
        """Close the connection (after a final checkpoint when nobody else is writing)."""
        self.db.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- small shared helpers -------------------------------------------------------------

    def setting(self, key: str, default: object = None) -> object:
        """A project setting (JSON value), or ``default``."""
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return default if row is None else json.loads(row[0])

    def set_setting(self, key: str, value: object) -> None:
        """Store a project setting as JSON."""
        with self.transaction():
            self.db.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, json.dumps(value)],
            )

    def coder_id(self, name: str, *, create: bool = True, foreign: bool = False) -> int:
        """The id of the coder called ``name``, created on first use unless ``create=False``.

        Every coder that comes into being by being used (a first coding, memo, workbench
        session) comes through here, so the name rule of ``coder coders add``
        (:func:`check_coder_name`) is checked here: a name with spaces or
        commas, or an empty one, is a one-line :class:`CoderError` and no coder.  Call it
        inside the action's transaction, after the action's input is checked, so that a
        failed action adds no coder.

        ``foreign``: a user named in another program's file (a REFI-QDA import), kept as
        that program wrote it (``Friedrich Markgraf``) so that its work stays attributed
        to the same person; only an empty name is refused then.
        """
        row = self.db.execute("SELECT id FROM coders WHERE name = ?", [name]).fetchone()
        if row:
            return row[0]
        if not (name or "").strip():
            check_coder_name(name)  # says that a name is needed, not that there is no coder ''
        if not create:
            raise ProjectError(f"no coder named {name!r}; add one with `coder coders add`")
        if not foreign:
            check_coder_name(name, exact=True)
        with self.transaction():
            cur = self.db.execute(
                "INSERT INTO coders(name, is_gold, created_at) VALUES (?, ?, ?)",
                [name, int(name == "gold"), now()],
            )
        if Project.on_new_coder is not None and not foreign:
            # (A REFI-QDA file's users are new by design: the import reports them.)
            others = [other for (other,) in self.db.execute(
                "SELECT name FROM coders WHERE id != ? ORDER BY id", [cur.lastrowid])]
            if others:
                Project.on_new_coder(name, others)
        return cur.lastrowid

    def log_event(self, action: str, entity: str, entity_id: int | None, *,
                  coder_id: int | None = None, before: dict | None = None,
                  after: dict | None = None, undo_of: int | None = None) -> int:
        """Append one row to the events log (call inside the action's transaction)."""
        cur = self.db.execute(
            "INSERT INTO events(at, coder_id, action, entity, entity_id, before, after, undo_of)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [now(), coder_id, action, entity, entity_id,
             None if before is None else json.dumps(before, ensure_ascii=False),
             None if after is None else json.dumps(after, ensure_ascii=False), undo_of],
        )
        return cur.lastrowid

    def rows(self, sql: str, params: list | tuple | dict = ()) -> list[dict]:
        """Run a query and return its rows as dicts."""
        cur = self.db.execute(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]


def _split_sql(script: str) -> list[str]:
    """Split a migration script into statements: comments first, then on semicolons."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [statement.strip() for statement in "\n".join(lines).split(";") if statement.strip()]

