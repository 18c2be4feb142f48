"""Coders: adding, the gold layer, names, progress per coder."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from coder.commands.team import coders as coders_command
from coder.errors import CoderError
from coder.team.coders import add_coders, gold_coder, list_coders, parse_coders
from coder.team.sample import draw_sample, set_status
from tests.helpers import code_phrase, make_project


@pytest.fixture
def project(tmp_path):
    with make_project(tmp_path, documents=4) as project:
        yield project


def test_add_is_idempotent_and_logged(project):
    add_coders(project, ["alice", "dana"])
    names = [r["name"] for r in project.rows("SELECT name FROM coders ORDER BY id")]
    assert names == ["alice", "bob", "carol", "dana"]
    events = project.rows("SELECT * FROM events WHERE entity = 'coder' AND action = 'add'")
    assert len(events) == 4  # alice, bob, carol from the fixture, dana now


def test_gold_flag(project):
    rows = add_coders(project, ["gold"])
    assert rows[0]["is_gold"] == 1
    add_coders(project, ["bob"], gold=True)
    assert project.db.execute("SELECT is_gold FROM coders WHERE name = 'bob'").fetchone()[0] == 1
    other = gold_coder(project, "reference")
    assert project.db.execute("SELECT is_gold FROM coders WHERE id = ?", [other]).fetchone()[0] == 1


@pytest.mark.parametrize("bad", ["", "a b", "a,b", "x" * 65])
def test_bad_names(project, bad):
    with pytest.raises(CoderError):
        add_coders(project, [bad])


def test_parse_coders_keeps_order_and_drops_repeats():
    assert parse_coders("carol, alice,carol") == ["carol", "alice"]
    assert parse_coders(["alice,bob", "carol"]) == ["alice", "bob", "carol"]


def test_progress(project):
    draw_sample(project, ["alice", "bob"], size=1, seed=3)
    alice = next(r for r in list_coders(project) if r["name"] == "alice")
    assert alice["assigned"] >= 1 and alice["turns_coded"] == 0
    doc = project.rows("SELECT document_id FROM assignments a JOIN coders k ON k.id = a.coder_id"
                       " WHERE k.name = 'alice' ORDER BY document_id")[0]["document_id"]
    code_phrase(project, "alice", doc, "SEC.WAR", "Ya no hay guerra en la sierra.")
    set_status(project, "alice", doc, "done")
    alice = next(r for r in list_coders(project) if r["name"] == "alice")
    turns_assigned = 4 * alice["assigned"]  # every test transcript has four turns
    assert alice["turns_coded"] == pytest.approx(1 / turns_assigned)
    assert alice["done"] == 1 and alice["annotations"] == 1 and alice["documents"] == 1


def test_cli(project):
    path = str(project.path)
    runner = CliRunner()
    result = runner.invoke(coders_command, ["-p", path, "add", "dana", "--gold"])
    assert result.exit_code == 0, result.output
    assert project.db.execute("SELECT is_gold FROM coders WHERE name = 'dana'").fetchone()[0] == 1
    result = runner.invoke(coders_command, ["-p", path, "--json"])
    assert result.exit_code == 0
    assert '"dana"' in result.output
    result = runner.invoke(coders_command, ["-p", path, "add", "bad,"])
    assert result.exit_code == 0  # "bad," is the coder "bad"
    result = runner.invoke(coders_command, ["-p", path, "add", "two words"])
    assert isinstance(result.exception, CoderError)  # the CLI group prints it as one line
