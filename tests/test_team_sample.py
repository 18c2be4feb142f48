"""Blind reliability samples and assignments: reproducible, stratified, even, never overwritten."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from click.testing import CliRunner

from coder.commands.team import assignments as assignments_command
from coder.commands.team import sample as sample_command
from coder.errors import CoderError
from coder.team.sample import allocate, assignments, draw_sample, parse_size, set_status
from tests.helpers import make_project

CODERS = ["alice", "bob", "carol"]


@pytest.fixture
def project(tmp_path):
    with make_project(tmp_path, documents=20, months=["enero", "febrero", "marzo", "abril"]) as p:
        yield p


def plan(project):
    return sorted((r["document_id"], r["coder_id"], r["sample"], r["status"])
                  for r in project.rows("SELECT * FROM assignments"))


def test_parse_size():
    assert parse_size("15%", 200) == 30
    assert parse_size("1%", 20) == 1          # never an empty sample
    assert parse_size("7", 20) == 7
    for bad in ("0", "-3", "abc", "150%", "21"):
        with pytest.raises(CoderError):
            parse_size(bad, 20)


def test_allocate_is_proportional_and_exact():
    alloc = allocate({"a": 10, "b": 5, "c": 5}, 8)
    assert sum(alloc.values()) == 8
    assert alloc == {"a": 4, "b": 2, "c": 2}
    assert sum(allocate({"a": 1, "b": 1, "c": 1}, 2).values()) == 2


def test_allocation_ties_go_to_any_stratum_reproducibly(project):
    """Ties of the largest remainders always went to the alphabetically earlier stratum:
    with 4 equal months and 2 documents, 'enero'/'febrero'-style early months were drawn
    for every seed and the others never.  Now the seed breaks ties."""
    import random

    # The fixture's 20 documents fall into 4 months of 5: each month's quota is 0.5.
    months = {}
    for seed in range(1, 41):
        sample = draw_sample(project, CODERS, size="2", stratify="month", seed=seed, replace=True)
        months[seed] = tuple(sorted(k for k, (picked, _) in sample.strata.items() if picked))
        assert sum(picked for picked, _ in sample.strata.values()) == 2
    assert {k for chosen in months.values() for k in chosen} == {
        k for k in draw_sample(project, CODERS, size="2", stratify="month", seed=1,
                               replace=True).strata}           # every month gets its turn
    assert len(set(months.values())) >= 4                     # of the 6 possible pairs
    again = draw_sample(project, CODERS, size="2", stratify="month", seed=7, replace=True)
    assert tuple(sorted(k for k, (p, _) in again.strata.items() if p)) == months[7]
    # allocate itself: a tie broken by the generator, by name without one.
    assert allocate({"a": 1, "b": 1, "c": 1}, 1) == {"a": 1, "b": 0, "c": 0}
    winners = {max(allocate({"a": 1, "b": 1, "c": 1}, 1, random.Random(s)).items(),
                   key=lambda kv: kv[1])[0] for s in range(30)}
    assert winners == {"a", "b", "c"}
    # A clear largest remainder still wins whatever the generator.
    assert all(allocate({"a": 3, "b": 2}, 1, random.Random(s)) == {"a": 1, "b": 0}
               for s in range(10))


def test_same_seed_same_sample(project, tmp_path):
    first = draw_sample(project, CODERS, size="25%", stratify="month", seed=7)
    before = plan(project)
    again = draw_sample(project, CODERS, size="25%", stratify="month", seed=7, replace=True)
    assert again.reliability == first.reliability and plan(project) == before
    with make_project(tmp_path, documents=20, months=["enero", "febrero", "marzo", "abril"],
                      name="copy.db") as copy:
        assert draw_sample(copy, CODERS, size="25%", stratify="month", seed=7).reliability == first.reliability
    other = draw_sample(project, CODERS, size="25%", stratify="month", seed=8, replace=True)
    assert other.reliability != first.reliability


def test_stratified_and_everything_assigned(project):
    sample = draw_sample(project, CODERS, size="20%", stratify="month", seed=1)
    assert len(sample.reliability) == 4
    months = {r["id"]: r["date"][:7] for r in project.rows("SELECT id, date FROM documents")}
    # 20 documents over 4 months, 5 each: one sampled document per month.
    assert Counter(months[d] for d in sample.reliability) == {m: 1 for m in set(months.values())}
    rows = project.rows("SELECT * FROM assignments")
    reliability = [r for r in rows if r["sample"] == "reliability"]
    assert len(reliability) == 4 * 3
    assert {r["document_id"] for r in reliability} == set(sample.reliability)
    single = [r for r in rows if r["sample"] == "single"]
    assert sorted(r["document_id"] for r in single) == sorted(set(months) - set(sample.reliability))
    load = Counter(r["coder_id"] for r in single)
    assert len(load) == 3 and max(load.values()) - min(load.values()) <= 1
    assert all(r["status"] == "todo" for r in rows)
    info = project.setting("reliability_sample")
    assert info["seed"] == 1 and info["documents"] == sample.reliability


def test_refuses_to_overwrite_and_replace_keeps_status(project):
    sample = draw_sample(project, CODERS, size=4, seed=2)
    doc = sample.reliability[0]
    set_status(project, "bob", doc, "done")
    with pytest.raises(CoderError, match="replace is needed to draw a new sample"):
        draw_sample(project, CODERS, size=4, seed=2)
    draw_sample(project, CODERS, size=4, seed=2, replace=True)
    status = project.db.execute(
        "SELECT status FROM assignments a JOIN coders k ON k.id = a.coder_id"
        " WHERE k.name = 'bob' AND a.document_id = ?", [doc]).fetchone()[0]
    assert status == "done"
    events = project.rows("SELECT * FROM events WHERE action = 'sample' ORDER BY id")
    assert len(events) == 2 and json.loads(events[1]["before"])["assignments"]


def test_blind_suggestions(project):
    draw_sample(project, ["alice", "bob"], size=2, seed=1, blind_suggestions=True)
    assert project.setting("blind_suggestions") is True
    flags = dict(project.db.execute("SELECT name, suggestions_off FROM coders").fetchall())
    assert flags == {"alice": 1, "bob": 1, "carol": 0}
    draw_sample(project, ["alice", "bob"], size=2, seed=1, replace=True)
    assert project.setting("blind_suggestions") is False
    assert project.db.execute("SELECT max(suggestions_off) FROM coders").fetchone()[0] == 0


def test_needs_two_known_coders(project):
    with pytest.raises(CoderError):
        draw_sample(project, ["alice"], size=2, seed=1)
    with pytest.raises(CoderError, match="zoe"):
        draw_sample(project, ["alice", "zoe"], size=2, seed=1)
    assert plan(project) == []


def test_status_and_listing(project):
    sample = draw_sample(project, CODERS, size=2, seed=5)
    set_status(project, "carol", sample.reliability[0], "in_progress")
    rows = assignments(project, "carol")
    assert {r["coder"] for r in rows} == {"carol"}
    assert any(r["status"] == "in_progress" for r in rows)
    with pytest.raises(CoderError):
        set_status(project, "carol", sample.reliability[0], "finished")


def test_cli(project):
    path = str(project.path)
    runner = CliRunner()
    args = ["-p", path, "--size", "10%", "--stratify", "month", "--seed", "7",
            "--coders", "alice,bob,carol", "--no-suggestions"]
    result = runner.invoke(sample_command, args)
    assert result.exit_code == 0, result.output
    assert "reliability sample: 2 documents" in result.output
    assert len(project.rows("SELECT * FROM assignments WHERE sample = 'reliability'")) == 6
    result = runner.invoke(sample_command, args)
    assert isinstance(result.exception, CoderError) and result.exception.option == "replace"
    from coder.commands.common import cli_message

    # The flag leads as what is needed, not as if the user had given it ("--replace: ...").
    assert cli_message(result.exception).startswith("--replace is needed to draw a new sample: ")
    result = runner.invoke(assignments_command, ["-p", path, "--coder", "bob", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert {r["coder"] for r in data["assignments"]} == {"bob"}
    bobs = {r["document_id"] for r in data["assignments"]}
    result = runner.invoke(assignments_command, ["-p", path, "mark", str(min(bobs)), "done",
                                                 "--coder", "bob"])
    assert result.exit_code == 0, result.output
    assert project.db.execute("SELECT status FROM assignments a JOIN coders k ON k.id = a.coder_id"
                              " WHERE k.name = 'bob' AND document_id = ?", [min(bobs)]).fetchone()[0] == "done"
