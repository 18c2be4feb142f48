"""Blind coding in the reliability sample: no key path shows others' work on an open sampled
document, and every reveal is in the events log (coder.team.blind)."""

from __future__ import annotations

import re

import pytest
from textual.widgets import DataTable

from coder.annotate import apply_code
from coder.errors import CoderError
from coder.project import Project
from coder.team.blind import blind_documents, blind_record, blindness, reveal, reveals
from coder.team.coders import add_coders
from coder.team.review import disagreements, reviewable
from coder.team.sample import draw_sample, set_status
from coder.tui.app import create_app
from coder.tui.screens.coding import CodingScreen
from coder.tui.screens.review import ReviewScreen
from coder.tui.widgets.segments import SegmentsTable
from tests.helpers import build_project
from tests.tui.pilot import SIZE, notices, run

PHRASE = "la estrategia de paz"


def _code(project: Project, coder: str, phrase: str = PHRASE, code: str = "DES.ROOT") -> dict:
    text = project.db.execute("SELECT text FROM documents WHERE id = 1").fetchone()[0]
    start = text.index(phrase)
    return apply_code(project, coder, 1, code, start, start + len(phrase))


@pytest.fixture
def sampled(tmp_path):
    """Two documents, both in the reliability sample of alice and bob (suggestions blind);
    bob coded a phrase of document 1, alice has not finished it."""
    path = build_project(tmp_path, speech=True)
    with Project(path) as project:
        add_coders(project, ["alice", "bob"])
        draw_sample(project, ["alice", "bob"], size="2", seed=1, blind_suggestions=True)
        _code(project, "bob")
        _code(project, "alice", "abrazos, no balazos", "DES.NOFORCE")
    return path


def reveal_events(path) -> list[dict]:
    with Project(path) as project:
        return reveals(project)


# -- the rule, in the core ---------------------------------------------------------------------

def test_rule_and_override_in_the_core(sampled):
    with Project(sampled) as project:
        state = blindness(project, "alice", 1)
        assert state.blind and state.hide_suggestions
        assert "not marked it done" in state.reason
        with pytest.raises(CoderError, match="reliability sample"):
            reveal(project, "alice", 1, via="test")
        assert reveals(project) == []          # a refusal logs nothing
        info = reveal(project, "alice", 1, via="test", reason="training session", by="dana")
        assert info["override"] and info["by"] == "dana"
        project.set_setting("owners", ["olga"])
        with pytest.raises(CoderError, match="only a project owner"):
            reveal(project, "bob", 1, via="test", reason="curious", by="bob")
        set_status(project, "alice", 2, "done")
        assert not blindness(project, "alice", 2).blind
        reveal(project, "alice", 2, via="test")  # after done: allowed, still logged
        logged = [(e["coder"], e["document_id"], e["override"]) for e in reveals(project)]
        assert logged == [("alice", 1, True), ("alice", 2, False)]


def test_blind_record_reads_the_events(sampled):
    with Project(sampled) as project:
        _code(project, "alice")                       # before any reveal: blind
        record = blind_record(project, ["alice", "bob"], [1, 2])
        assert record[(1, "alice")]["blind"] and record[(1, "alice")]["codings"] == 2
        set_status(project, "alice", 1, "done")
        reveal(project, "alice", 1, via="test")
        set_status(project, "alice", 1, "in_progress")
        _code(project, "alice", "mando civil", "DES.NOFORCE")   # made after seeing bob's
        record = blind_record(project, ["alice", "bob"], [1, 2])
        assert not record[(1, "alice")]["blind"] and record[(1, "alice")]["after_reveal"] == 1
        assert record[(1, "bob")]["blind"]
        assert blind_documents(record, ["alice", "bob"], [1, 2]) == [2]


def test_review_holds_back_open_sampled_documents(sampled):
    with Project(sampled) as project:
        items = disagreements(project, ["alice", "bob"], docs="all")
        assert {d.document_id for d in items} == {1}
        shown, held = reviewable(project, ["alice", "bob"], items)
        assert shown == [] and held == {1: ["alice", "bob"]}
        set_status(project, "alice", 1, "done")
        set_status(project, "bob", 1, "done")
        shown, held = reviewable(project, ["alice", "bob"], items)
        assert shown == items and held == {}
        assert reveals(project) == []


def test_review_override_logs_a_reveal_per_open_coder(sampled):
    with Project(sampled) as project:
        items = disagreements(project, ["alice", "bob"], docs="all")
        shown, held = reviewable(project, ["alice", "bob"], items, reveal_reason="pilot",
                                 by="dana")
        assert shown == items and held == {}
        assert {(e["coder"], e["via"], e["by"]) for e in reveals(project)} == {
            ("alice", "review", "dana"), ("bob", "review", "dana")}


# -- no key path in the workbench reveals others' work ---------------------------------------------

def test_no_key_path_reveals_others_inside_an_open_sample(sampled):
    async def body():
        app = create_app(sampled, "alice", document_id=1)
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            assert isinstance(screen, CodingScreen)
            assert not screen.suggestions_on and screen.pending == []  # the sample hides them
            await pilot.press("o")
            await pilot.pause()
            assert not screen.show_others and screen.others == []
            assert any("reliability sample" in n for n in notices(app))
            # The palette: the toggle refuses the same way; the override wants a reason.
            await pilot.press("ctrl+p", *"toggle other")
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            assert not screen.show_others
            await pilot.press("ctrl+p", *"reveal others")
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("escape")          # no reason given: nothing shown
            await pilot.pause()
            assert not screen.show_others and screen.others == []
            # The segments list holds alice's rows only (bob's coding is not listed).
            table = screen.query_one(SegmentsTable)
            assert table.row_count == 1 and [a["coder"] for a in screen.own] == ["alice"]
            # Opening the other document keeps it hidden too.
            screen.load_document(2)
            await pilot.pause()
            assert not screen.show_others and screen.others == []
        assert reveal_events(sampled) == []

    run(body())


def test_review_screen_refuses_open_sample(sampled):
    async def body():
        app = create_app(sampled, "alice", mode="review", review_coders=["alice", "bob"],
                         adjudicator="alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ReviewScreen)
            assert screen.items == [] and screen.held == {1: ["alice", "bob"]}
            assert screen.query_one("#review-queue", DataTable).row_count == 0
            assert "held back" in str(screen.render_detail())
        assert reveal_events(sampled) == []

    run(body())


def test_reveal_after_done_and_override_are_logged(sampled):
    async def body():
        with Project(sampled) as project:
            set_status(project, "alice", 1, "done")
        app = create_app(sampled, "alice", document_id=1)
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await pilot.press("o")
            await pilot.pause()
            assert screen.show_others and [a["coder"] for a in screen.others] == ["bob"]
            # Moving to a document still open in the sample hides them again (no reveal).
            screen.load_document(2)
            await pilot.pause()
            assert not screen.show_others and screen.others == []
            # An override with a reason reveals it, logged.
            await pilot.press("ctrl+p", *"reveal others")
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press(*"calibration", "ctrl+s")
            await pilot.pause()
            assert screen.show_others
        events = reveal_events(sampled)
        assert [(e["document_id"], e["via"], e["override"], e["reason"]) for e in events] == [
            (1, "workbench o", False, None), (2, "workbench override", True, "calibration")]

    run(body())


# -- the record in the agreement report and the methods paragraph --------------------------------

def test_agreement_reports_blindness_and_methods(sampled):
    import json

    from click.testing import CliRunner

    from coder.cli import main

    with Project(sampled) as project:
        text = project.db.execute("SELECT text FROM documents WHERE id = 2").fetchone()[0]
        for coder in ("alice", "bob"):        # both coded document 2 as well
            apply_code(project, coder, 2, "DES.ROOT", 0, 20)
        set_status(project, "alice", 1, "done")
        reveal(project, "alice", 1, via="test")
        set_status(project, "alice", 1, "in_progress")
        start = project.db.execute("SELECT text FROM documents WHERE id = 1").fetchone()[0] \
            .index("mando civil")
        apply_code(project, "alice", 1, "DES.NOFORCE", start, start + 11)   # after the reveal
    assert text
    runner = CliRunner()

    def invoke(*args):
        result = runner.invoke(main, ["agreement", "--project", str(sampled), "--coders",
                                      "alice,bob", *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    out = invoke()
    assert "alice: blind on 1 of 2 documents" in out and "#1: not blind: alice" in out
    report = json.loads(invoke("--json"))
    assert list(report["blind"]) == ["coders", "pairs", "blind", "all_blind", "documents"]
    assert report["blind"]["coders"]["alice"] == {"blind": 1, "not_blind": 1}
    assert report["blind"]["documents"] == [{"document_id": 1, "alice": False, "bob": True},
                                            {"document_id": 2, "alice": True, "bob": True}]
    assert json.loads(invoke("--json", "--blind-only"))["documents"] == [2]
    methods = invoke("--methods", "--bootstrap", "200")
    assert "random reliability sample of 2" in methods and "seed 1" in methods
    assert "blind for 3 of 4 coder-document pairs" in methods
    assert "suggestions were hidden" in methods and "| **pooled** |" in methods
    info = json.loads(invoke("--methods", "--json", "--bootstrap", "200", "--blind-only"))
    assert info["documents"] == [2] and info["left_out_not_blind"] == [1]
    assert info["blind"]["all_blind"] and info["sample"]["seed"] == 1
    assert info["agreement"]["bootstrap"] == 200
    blind_only = invoke("--methods", "--bootstrap", "200", "--blind-only")
    assert "Coding was blind" in blind_only
    # One document is one, not "1 documents"; intervals in brackets (a dash after a
    # negative bound reads as a minus).
    text = " ".join(blind_only.split())
    assert "coded the same 2 documents from a random reliability sample" in text
    assert ("1 document (#1) is left out because it was not coded blind by every coder: the "
            "event log records another coder's work revealed to alice there") in text
    assert "Agreement is computed on the remaining 1 document." in text
    assert re.search(r"\| \[−?\.\d{3}, −?\.\d{3}\] \|", methods), methods


def test_cli_listings_hold_back_others_inside_an_open_sample(sampled):
    """`coder annotations` and `coder segments` apply the workbench's rule to who is looking
    (--as): bob's coding on document 1 is held back from alice while she has it open, with a
    note saying why; after done it is shown and that showing is a logged reveal."""
    import json

    from click.testing import CliRunner

    from coder.cli import main

    runner = CliRunner()

    def invoke(*args):
        result = runner.invoke(main, [*args, "--project", str(sampled)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    for command in (["annotations", "--doc", "1", "--json"], ["segments", "DES", "--json"]):
        result = invoke(*command, "--as", "alice")
        assert {row["coder"] for row in json.loads(result.stdout)} <= {"alice"}
        assert "held back 1 coding(s) of others on document(s) #1" in result.stderr
        asked_for_bob = invoke(*command, "--coder", "bob", "--as", "alice")
        assert json.loads(asked_for_bob.stdout) == []
        # bob has not marked it done either: alice's coding is held back from him
        as_bob = json.loads(invoke(*command, "--as", "bob").stdout)
        assert {row["coder"] for row in as_bob} == {"bob"}
        # someone outside the sample is not coding blind: everything, and no reveal logged
        assert {row["coder"] for row in json.loads(invoke(*command, "--as", "carol").stdout)} \
            == {"alice", "bob"}
    assert reveal_events(sampled) == []

    with Project(sampled) as project:
        set_status(project, "alice", 1, "done")
    shown = invoke("annotations", "--doc", "1", "--json", "--as", "alice")
    assert {row["coder"] for row in json.loads(shown.stdout)} == {"alice", "bob"}
    assert shown.stderr == ""
    events = reveal_events(sampled)
    assert [(e["coder"], e["document_id"], e["via"], e["override"]) for e in events] \
        == [("alice", 1, "cli annotations", False)]


def test_exports_and_the_python_api_hold_back_others_inside_an_open_sample(sampled, tmp_path,
                                                                            monkeypatch):
    """`coder export --as` and `open_project(...).segments()` apply the same rule: alice,
    who has document 1 open, gets no codings of bob's on it (said on stderr / as a warning);
    a matrix or REFI project that would include them is refused; carol sees everything."""
    import csv
    import warnings

    from click.testing import CliRunner

    from coder.api import open_project
    from coder.cli import main

    monkeypatch.delenv("CODER_NAME", raising=False)
    runner = CliRunner()

    def export(name, *args):
        out = tmp_path / name
        result = runner.invoke(main, ["-p", str(sampled), "export", str(out), *args])
        rows = list(csv.DictReader(out.open(encoding="utf-8"))) if out.exists() and \
            out.suffix == ".csv" and result.exit_code == 0 else []
        return result, [(r["document_id"], r.get("coder")) for r in rows]

    result, rows = export("alice.csv", "--as", "alice")
    assert result.exit_code == 0, result.output
    assert rows == [("1", "alice")]                      # bob's coding on #1 held back
    assert "held back 1 coding(s) of others on document(s) #1" in result.stderr
    result, rows = export("carol.csv", "--as", "carol")  # outside the sample: everything
    assert sorted(rows) == [("1", "alice"), ("1", "bob")] and "held back" not in result.stderr
    for name, extra in (("m.csv", ["--by", "document"]), ("p.qdpx", [])):
        refused, _ = export(name, *extra, "--as", "alice")
        assert refused.exit_code == 1 and "codes document(s) #1, #2 blind" in refused.output
        assert not (tmp_path / name).exists()
    allowed, _ = export("mine.csv", "--by", "document", "--coder", "alice", "--as", "alice")
    assert allowed.exit_code == 0, allowed.output
    with open_project(sampled) as project:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = project.segments(viewer="alice")
        assert list(frame["coder"]) == ["alice"] and "held back" in str(caught[0].message)
        monkeypatch.setenv("CODER_NAME", "alice")
        with pytest.warns(UserWarning, match="held back"):
            assert list(project.segments()["coder"]) == ["alice"]
        monkeypatch.setenv("CODER_NAME", "carol")
        assert sorted(project.segments()["coder"]) == ["alice", "bob"]
    # Search by code: on a document alice codes blind only her own segments count.
    found = runner.invoke(main, ["-p", str(sampled), "search", "estrategia de paz",
                                 "--code", "DES.ROOT", "--as", "alice"])
    assert found.exit_code == 0 and "0 of 0 hits" in found.stderr
    assert "only alice's own segments count" in found.stderr
    found = runner.invoke(main, ["-p", str(sampled), "search", "estrategia de paz",
                                 "--code", "DES.ROOT", "--as", "carol"])
    assert "1 of 1 hit" in found.stderr and "only" not in found.stderr
    assert reveal_events(sampled) == []                  # nothing was shown to alice
