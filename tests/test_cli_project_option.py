"""``-p FILE`` is accepted after every command, nested ones included, as the README says."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from coder.cli import main


def _commands(group: click.Group, path: tuple[str, ...] = ()):
    """Every command and group under ``group``, as the words that call it."""
    for name, command in sorted(group.commands.items()):
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


ALL = list(_commands(main))


def test_the_walk_finds_the_nested_commands():
    assert {("coders", "add"), ("speakers", "merge"), ("speakers", "split"),
            ("codebook", "rename"), ("documents", "exclude"), ("demo",)} <= set(ALL)


@pytest.mark.parametrize("words", ALL, ids=" ".join)
def test_p_is_accepted_after_every_command(words, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CODER_PROJECT", raising=False)
    result = CliRunner().invoke(main, [*words, "-p", "x.db", "--help"])
    assert result.exit_code == 0, result.output
    assert "-p, --project" in result.output


@pytest.fixture
def run(tmp_path, monkeypatch, transcript, codebook_file):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CODER_PROJECT", raising=False)
    runner = CliRunner()

    def invoke(*args):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    invoke("init", "-p", "a.db")
    invoke("import", str(transcript), "-p", "a.db")
    invoke("codebook", "load", str(codebook_file), "-p", "a.db")
    return invoke


def test_p_after_a_nested_command_opens_that_file(run, tmp_path):
    run("coders", "add", "alice", "-p", "a.db")
    run("speakers", "merge", "Luis Cresencio Sandoval González",
        "Andrés Manuel López Obrador", "-p", "a.db")
    run("documents", "exclude", "1", "-p", "a.db")
    assert not (tmp_path / "coder.db").exists()  # nothing went to the default file
    names = [row["name"] for row in json.loads(run("coders", "--json", "-p", "a.db").output)]
    assert "alice" in names
    speakers = json.loads(run("speakers", "--json", "-p", "a.db").output)
    assert not any(s["name"].startswith("Luis Cresencio") for s in speakers)


def test_the_later_p_wins_and_a_groups_p_reaches_its_commands(run, tmp_path):
    run("init", "-p", "b.db")
    run("coders", "-p", "b.db", "add", "bob", "-p", "a.db")
    assert "bob" in run("coders", "-p", "a.db").output
    assert "bob" not in run("coders", "-p", "b.db").output
    # A group that had no -p of its own (codebook) passes it on to its commands.
    assert "SEC.WAR" in run("codebook", "-p", "a.db", "show").output
    result = CliRunner().invoke(main, ["codebook", "-p", "b.db", "show"])
    assert "SEC.WAR" not in result.output
