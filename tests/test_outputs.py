"""Output files: every command that writes one follows links, writes through FIFOs and
devices, and never replaces any of them (coder.outputs)."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from coder.cli import main
from coder.errors import CoderError
from coder.outputs import output_file, write_text
from tests.helpers import build_coded


@pytest.fixture
def coded(project, tmp_path):
    build_coded(project, tmp_path)
    return project


# (name of the output, the command's arguments with OUT for the output's path)
WRITERS = [
    ("out.csv", ["export", "OUT"]),
    ("out.jsonl", ["export", "OUT"]),
    ("out.parquet", ["export", "OUT"]),
    ("out.xlsx", ["export", "OUT"]),
    ("out.qdpx", ["export", "OUT"]),
    ("out.qdc", ["export", "OUT"]),
    ("stats.csv", ["stats", "--csv", "OUT", "--no-chart"]),
    ("co.csv", ["cooccurrence", "--csv", "OUT"]),
    ("agree.csv", ["agreement", "--coders", "alice,bob", "--docs", "all", "--csv", "OUT"]),
    ("patterns.jsonl", ["patterns", "export", "OUT"]),
    ("plot.png", ["stats", "--plot", "OUT", "--no-chart"]),
    ("codebook.yaml", ["codebook", "save", "OUT"]),
    ("taguette.csv", ["codebook", "save", "OUT", "--format", "taguette"]),
    ("roster.yaml", ["speakers", "export", "OUT"]),
]
IDS = [f"{args[0]}-{name}" for name, args in WRITERS]


def run(project, args, out: Path):
    args = [str(out) if a == "OUT" else a for a in args]
    return CliRunner().invoke(main, [*args, "-p", str(project.path)])


@pytest.mark.parametrize(("name", "args"), WRITERS, ids=IDS)
def test_a_symlink_is_written_through_and_stays_a_link(coded, tmp_path, name, args):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / name
    target.write_bytes(b"old")
    link = tmp_path / name
    link.symlink_to(target)
    result = run(coded, args, link)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() not in (b"old", b"")
    assert not [p for p in tmp_path.rglob("*.tmp")]


def _drain(fifo: Path, into: list) -> threading.Thread:
    def read():
        with open(fifo, "rb") as handle:
            into.append(handle.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize(("name", "args"), WRITERS, ids=IDS)
def test_a_fifo_is_written_through_not_replaced(coded, tmp_path, name, args):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = _drain(fifo, got)
    result = run(coded, args, fifo)
    reader.join(10)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert got and got[0]


@pytest.fixture
def null_device(tmp_path) -> Path:
    """A private character device like /dev/null (never the system's own, which a buggy
    writer running as root would replace)."""
    node = tmp_path / "null.csv"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError):
        pytest.skip("cannot make a device node here")
    return node


def test_a_device_is_written_through_not_replaced(coded, null_device):
    for args in (["export", "OUT"], ["stats", "--csv", "OUT", "--no-chart"],
                 ["agreement", "--coders", "alice,bob", "--docs", "all", "--csv", "OUT"],
                 ["patterns", "export", "OUT"]):
        result = run(coded, args, null_device)
        assert result.exit_code == 0, result.output
        assert stat.S_ISCHR(os.lstat(null_device).st_mode), args
    assert not list(null_device.parent.glob(".*.tmp"))


def test_folders_sockets_and_missing_folders_are_refused_in_one_line(tmp_path):
    import socket

    with pytest.raises(CoderError, match="it is a folder"):
        write_text(tmp_path, "x")
    sock_path = tmp_path / "s.sock"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(sock_path))
        with pytest.raises(CoderError, match="it is a socket"):
            write_text(sock_path, "x")
    finally:
        sock.close()
    with pytest.raises(CoderError, match="does not exist"):
        write_text(tmp_path / "nope" / "x.csv", "x")
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "made.csv")
    write_text(dangling, "hello")
    assert dangling.is_symlink() and (tmp_path / "made.csv").read_text() == "hello"


def test_a_failed_write_leaves_the_old_file(tmp_path):
    path = tmp_path / "keep.csv"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with output_file(path) as temp:
            temp.write_text("half")
            raise RuntimeError("boom")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.csv"]


@pytest.mark.parametrize(("name", "args"), WRITERS, ids=IDS)
def test_no_writer_replaces_the_project_file(coded, name, args):
    """`coder speakers export coder.db` wrote the roster over the project itself: every
    writer refuses an SQLite database (and its write-ahead log), in one line, and the
    project still opens with its data."""
    coded.db.conn.commit()
    before = coded.db.execute("SELECT count(*) FROM annotations").fetchone()[0]
    result = run(coded, args, coded.path)
    assert result.exit_code != 0
    assert "it is an SQLite database" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert coded.db.execute("SELECT count(*) FROM annotations").fetchone()[0] == before
    with open(coded.path, "rb") as handle:
        assert handle.read(16) == b"SQLite format 3\x00"


def test_a_write_ahead_log_is_refused_too(tmp_path):
    log = tmp_path / "coder.db-wal"
    log.write_bytes(b"\x37\x7f\x06\x82" + bytes(28))
    with pytest.raises(CoderError, match="SQLite database"):
        write_text(log, "x")
    assert log.read_bytes()[:4] == b"\x37\x7f\x06\x82"


# -- the standard output and other open descriptors ------------------------------------------------
# `coder export /dev/stdout | head` failed: "/dev/stdout" was resolved as a link to its end,
# which for a pipe is "pipe:[123]", no file ("No such file or directory").

@pytest.mark.parametrize(("name", "args"), WRITERS, ids=IDS)
def test_a_pipe_named_by_a_descriptor_is_written_through(coded, tmp_path, name, args):
    """Every writer, into a real pipe named as /dev/fd/N (through a link carrying the
    file name, so each picks its format as with a plain file)."""
    read_end, write_end = os.pipe()
    got: list[bytes] = []

    def drain():
        with open(read_end, "rb") as handle:
            got.append(handle.read())

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    link = tmp_path / name
    link.symlink_to(f"/dev/fd/{write_end}")
    try:
        result = run(coded, args, link)
    finally:
        os.close(write_end)
    reader.join(10)
    assert result.exit_code == 0, result.output
    assert got and got[0]
    assert link.is_symlink() and not list(tmp_path.glob(".*.tmp"))


def test_a_descriptor_of_a_file_is_written_at_its_end_not_replaced(tmp_path):
    """`coder export /dev/stdout >> all.csv` appends, as the shell asked (the file was
    replaced, losing what it held); `>> coder.db` is refused."""
    path = tmp_path / "all.csv"
    path.write_text("before\n")
    inode = path.stat().st_ino
    with open(path, "a") as handle:
        write_text(f"/dev/fd/{handle.fileno()}", "after\n")
    assert path.read_text() == "before\nafter\n" and path.stat().st_ino == inode
    database = tmp_path / "coder.db"
    database.write_bytes(b"SQLite format 3\x00" + bytes(100))
    with open(database, "ab") as handle:
        with pytest.raises(CoderError, match="SQLite database"):
            write_text(f"/dev/fd/{handle.fileno()}", "x")
    assert database.stat().st_size == 116


def test_a_descriptor_that_is_not_open_is_refused_in_one_line():
    read_end, write_end = os.pipe()
    os.close(read_end)
    os.close(write_end)
    with pytest.raises(CoderError, match=f"cannot write /dev/fd/{write_end}: it is not open"):
        write_text(f"/dev/fd/{write_end}", "x")


def _coder(project, args: list[str], **options):
    import subprocess
    import sys

    from tests.helpers import REPO

    env = {**os.environ, "PYTHONPATH": str(REPO), **options.pop("env", {})}
    return subprocess.run([sys.executable, "-m", "coder", *args, "-p", str(project.path)],
                          env=env, timeout=120, **options)


@pytest.mark.parametrize("args", [
    ["export", "OUT", "--format", "csv"],
    ["codebook", "save", "OUT"],
    ["stats", "--csv", "OUT", "--no-chart"],
], ids=["export", "codebook-save", "stats"])
def test_dev_stdout_into_a_pipe_carries_the_data_alone(coded, tmp_path, args):
    """`coder ... /dev/stdout | head`, run for real: the pipe gets what a file would (and
    nothing else: "wrote ...", tables and warnings go to stderr)."""
    import subprocess

    coded.db.conn.commit()
    as_file = tmp_path / "as-file"
    assert run(coded, args, as_file).exit_code == 0
    done = _coder(coded, [("/dev/stdout" if a == "OUT" else a) for a in args],
                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == as_file.read_bytes()
    assert "wrote" in done.stderr.decode()


def test_dev_stdout_into_a_closed_pipe_ends_quietly(coded, tmp_path):
    """`coder export /dev/stdout | head -1`, the reader gone before coder writes: exit 0,
    no traceback, no temporary file left."""
    import subprocess

    coded.db.conn.commit()
    temp = tmp_path / "temp"
    temp.mkdir()
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will read: every write fails with EPIPE
    try:
        done = _coder(coded, ["export", "/dev/stdout", "--format", "csv"], stdout=write_end,
                      stderr=subprocess.PIPE, env={"TMPDIR": str(temp)})
    finally:
        os.close(write_end)
    stderr = done.stderr.decode()
    assert done.returncode == 0, stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    assert "Broken pipe" not in stderr
    assert not list(temp.iterdir())
