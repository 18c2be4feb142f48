"""Coding rules where codings are made: a bulk accept is one undo step; a suggestion covered
by a same-code coding of the coder is resolved (``covered``), not pending; a second code of
an exclusive group on a coded span asks to replace (or refuses)."""

from __future__ import annotations

from coder.annotate import accept_pattern, apply_code, document_suggestions, redo, undo
from coder.project import Project
from tests.helpers import add_suggestion, build_project


def _span(project: Project, phrase: str) -> tuple[int, int]:
    text = project.db.execute("SELECT text FROM documents WHERE id = 1").fetchone()[0]
    start = text.index(phrase)
    return start, start + len(phrase)


def _live(project: Project) -> int:
    return project.db.execute("SELECT count(*) FROM annotations WHERE deleted = 0").fetchone()[0]


def test_bulk_accept_is_one_undo_step(tmp_path):
    path = build_project(tmp_path, suggestions=False)
    with Project(path) as project:
        for phrase in ("violencia", "guerra", "balazos"):
            add_suggestion(project, 1, "SEC.WAR", *_span(project, phrase), "bulk")
        add_suggestion(project, 1, "DES.ROOT", *_span(project, "causas"), "other")
        accepted = accept_pattern(project, "alice", 1, "bulk")
        assert len(accepted) == 3 and _live(project) == 3
        events = project.rows("SELECT * FROM events WHERE action = 'accept'")
        assert len(events) == 1                          # one event for the whole bulk accept
        undo(project, "alice")                           # one undo takes all three back
        assert _live(project) == 0
        # Undone decisions stay, marked deleted (so a merge carries the undo): none is live.
        assert project.db.execute("SELECT count(*) FROM decisions WHERE deleted = 0"
                                  ).fetchone()[0] == 0
        assert {s["status"] for s in document_suggestions(project, 1, "alice")} == {"pending"}
        redo(project, "alice")
        assert _live(project) == 3
        statuses = {s["pattern_id"]: s["status"] for s in document_suggestions(project, 1, "alice")}
        assert statuses == {"bulk": "accepted", "other": "pending"}


def test_covered_suggestion_is_resolved_not_pending(tmp_path):
    path = build_project(tmp_path, suggestions=False)
    with Project(path) as project:
        add_suggestion(project, 1, "SEC.WAR", *_span(project, "guerra contra el narco"), "war")
        add_suggestion(project, 1, "DES.ROOT", *_span(project, "atender las causas"), "root")
        start, end = _span(project, "se acabó la guerra contra el narco")
        apply_code(project, "alice", 1, "SEC.WAR", start, end)          # covers "war"
        apply_code(project, "alice", 1, "SEC.WAR", *_span(project, "atender las causas"))
        mine = {s["pattern_id"]: s["status"] for s in document_suggestions(project, 1, "alice")}
        assert mine == {"war": "covered", "root": "pending"}   # another code does not cover
        theirs = {s["pattern_id"]: s["status"] for s in document_suggestions(project, 1, "bob")}
        assert theirs == {"war": "pending", "root": "pending"}  # per coder
        # A bulk accept skips covered ones; removing the covering coding makes it pending again.
        assert accept_pattern(project, "alice", 1, "war") == []
        undo(project, "alice")
        undo(project, "alice")
        assert {s["status"] for s in document_suggestions(project, 1, "alice")} == {"pending"}


# -- exclusive groups -------------------------------------------------------------------------

def _grouped(tmp_path, mode: str = "ask"):
    """The test codebook with DES.NOFORCE and DES.ROOT made an exclusive group."""
    from tests.helpers import CODEBOOK

    codebook = CODEBOOK + ("exclusive_groups:\n  - id: DES.KIND\n"
                           f"    codes: [DES.NOFORCE, DES.ROOT]\n    on_conflict: {mode}\n")
    return build_project(tmp_path, suggestions=False, codebook=codebook)


def _codes(project: Project, coder: str = "alice") -> list[tuple[str, int, int]]:
    return [tuple(r) for r in project.db.execute(
        'SELECT a.code_id, a.start, a."end" FROM annotations a JOIN coders c ON c.id = a.coder_id'
        " WHERE a.deleted = 0 AND c.name = ? ORDER BY a.start, a.code_id", [coder])]


def test_exclusive_group_asks_to_replace_in_the_core(tmp_path):
    import pytest

    from coder.annotate import ExclusiveConflict, accept_suggestion, update_annotation

    path = _grouped(tmp_path)
    with Project(path) as project:
        noforce = apply_code(project, "alice", 1, "DES.NOFORCE", *_span(project, "atender las causas"))
        overlap = _span(project, "las causas")
        with pytest.raises(ExclusiveConflict, match="exclusive .group DES.KIND") as refused:
            apply_code(project, "alice", 1, "DES.ROOT", *overlap)
        assert refused.value.mode == "ask" and [r["id"] for r in refused.value.conflicts] == [noforce["id"]]
        assert _codes(project) == [("DES.NOFORCE", *_span(project, "atender las causas"))]
        # Other coders, non-overlapping spans and codes outside the group are not affected.
        apply_code(project, "bob", 1, "DES.ROOT", *overlap)
        apply_code(project, "alice", 1, "DES.ROOT", *_span(project, "abrazos, no balazos"))
        apply_code(project, "alice", 1, "SEC.WAR", *overlap)
        events = project.db.execute("SELECT count(*) FROM events").fetchone()[0]
        root = apply_code(project, "alice", 1, "DES.ROOT", *overlap, replace=True)
        assert project.db.execute("SELECT count(*) FROM events").fetchone()[0] == events + 1
        assert ("DES.NOFORCE", *_span(project, "atender las causas")) not in _codes(project)
        assert ("DES.ROOT", *overlap) in _codes(project)
        undo(project, "alice")                   # one undo: the replaced coding is back
        assert ("DES.NOFORCE", *_span(project, "atender las causas")) in _codes(project)
        assert ("DES.ROOT", *overlap) not in _codes(project)
        redo(project, "alice")
        assert ("DES.ROOT", *overlap) in _codes(project) and _live(project) == 4
        # Recoding onto the other code of the group, and accepting a suggestion of it, ask too.
        war = next(r for r in project.rows("SELECT * FROM annotations WHERE code_id = 'SEC.WAR'"))
        with pytest.raises(ExclusiveConflict):
            update_annotation(project, "alice", war["id"], code_id="DES.NOFORCE")
        assert root["id"] in [r["id"] for r in project.rows(
            "SELECT id FROM annotations WHERE deleted = 0")]
        add_suggestion(project, 1, "DES.NOFORCE", *_span(project, "las causas"), "nof")
        with pytest.raises(ExclusiveConflict):
            accept_suggestion(project, "alice", project.db.execute(
                "SELECT max(id) FROM suggestions").fetchone()[0])
        assert accept_pattern(project, "alice", 1, "nof") == []   # a bulk accept leaves it
        statuses = {s["pattern_id"]: s["status"] for s in document_suggestions(project, 1, "alice")}
        assert statuses == {"nof": "pending"}


def test_exclusive_group_set_to_refuse_never_replaces(tmp_path):
    import pytest

    from coder.annotate import ExclusiveConflict

    path = _grouped(tmp_path, "refuse")
    with Project(path) as project:
        apply_code(project, "alice", 1, "DES.NOFORCE", *_span(project, "atender las causas"))
        with pytest.raises(ExclusiveConflict, match="refuses a second code") as refused:
            apply_code(project, "alice", 1, "DES.ROOT", *_span(project, "las causas"), replace=True)
        assert refused.value.mode == "refuse"
        assert _codes(project) == [("DES.NOFORCE", *_span(project, "atender las causas"))]


def test_bad_on_conflict_is_a_codebook_error(tmp_path):
    import pytest

    from coder.errors import CodebookError

    with pytest.raises(CodebookError, match="on_conflict must be ask or refuse"):
        _grouped(tmp_path, "merge")


def test_cli_code_refuses_unless_replace(tmp_path):
    from click.testing import CliRunner

    from coder.cli import main

    path = _grouped(tmp_path)
    with Project(path) as project:
        first = _span(project, "atender las causas")
        second = _span(project, "las causas")
    runner = CliRunner()
    base = ["-p", str(path), "code", "1"]
    assert runner.invoke(main, [*base, "DES.NOFORCE", *map(str, first), "--coder", "alice"]).exit_code == 0
    refused = runner.invoke(main, [*base, "DES.ROOT", *map(str, second), "--coder", "alice"])
    assert refused.exit_code == 1
    message = refused.output.strip()
    assert "\n" not in message and "exclusive" in message and "--replace" in message
    with Project(path) as project:
        assert _codes(project) == [("DES.NOFORCE", *first)]
    done = runner.invoke(main, [*base, "DES.ROOT", *map(str, second), "--coder", "alice", "--replace"])
    assert done.exit_code == 0, done.output
    with Project(path) as project:
        assert _codes(project) == [("DES.ROOT", *second)]


def test_workbench_asks_before_replacing(tmp_path):
    from coder.tui.app import create_app
    from coder.tui.screens.pickers import Confirm
    from tests.tui.pilot import SIZE, run

    path = _grouped(tmp_path)

    async def body():
        app = create_app(path, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("slash", *"atender las causas", "escape", "2")   # DES.NOFORCE
            await pilot.press("slash", *"las causas", "escape", "3")           # DES.ROOT
            await pilot.pause()
            assert isinstance(app.screen, Confirm) and "exclusive" in app.screen.question
            await pilot.press("n")                                             # keep it
            await pilot.pause()
            with Project(path) as project:
                assert [c for c, *_ in _codes(project)] == ["DES.NOFORCE"]
            await pilot.press("slash", *"las causas", "escape", "3")
            await pilot.pause()
            assert isinstance(app.screen, Confirm)
            await pilot.press("y")                                             # replace
            await pilot.pause()
            with Project(path) as project:
                assert _codes(project) == [("DES.ROOT", *_span(project, "las causas"))]
            assert [a["code_id"] for a in app.screen.own] == ["DES.ROOT"]

    run(body())


def test_workbench_refuses_when_the_codebook_says_so(tmp_path):
    from coder.tui.app import create_app
    from coder.tui.screens.coding import CodingScreen
    from tests.tui.pilot import SIZE, notices, run

    path = _grouped(tmp_path, "refuse")

    async def body():
        app = create_app(path, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("slash", *"atender las causas", "escape", "2")
            await pilot.press("slash", *"las causas", "escape", "3")
            await pilot.pause()
            assert isinstance(app.screen, CodingScreen)                       # no question
            assert any("refuses a second code" in n for n in notices(app))
            with Project(path) as project:
                assert [c for c, *_ in _codes(project)] == ["DES.NOFORCE"]

    run(body())


def test_suggestions_list_knows_covered(tmp_path):
    import json

    from click.testing import CliRunner

    from coder.cli import main
    from coder.suggest import list_suggestions

    path = build_project(tmp_path, suggestions=False)
    with Project(path) as project:
        add_suggestion(project, 1, "SEC.WAR", *_span(project, "guerra contra el narco"), "war")
        add_suggestion(project, 1, "DES.ROOT", *_span(project, "atender las causas"), "root")
        apply_code(project, "alice", 1, "SEC.WAR", *_span(project, "se acabó la guerra contra el narco"))
        apply_code(project, "bob", 1, "DES.ROOT", *_span(project, "atender las causas"))
        mine = {r["pattern"]: r["status"] for r in list_suggestions(project, coder="alice")}
        assert mine == {"war": "covered", "root": "pending"}   # as the workbench counts them
        workbench = {s["pattern_id"]: s["status"] for s in document_suggestions(project, 1, "alice")}
        assert workbench == mine
        everyone = {r["pattern"]: (r["status"], r["covered_by"]) for r in list_suggestions(project)}
        assert everyone == {"war": ("covered", ["alice"]), "root": ("covered", ["bob"])}
        accept = project.db.execute("SELECT id FROM suggestions WHERE pattern_id = 'root'").fetchone()[0]
        from coder.annotate import accept_suggestion, reject_suggestion
        accept_suggestion(project, "alice", accept)
        assert {r["pattern"]: r["status"] for r in list_suggestions(project)}["root"] == "accepted"
        reject_suggestion(project, "carol", accept)
        assert {r["pattern"]: r["status"] for r in list_suggestions(project)}["root"] == "disputed"
    result = CliRunner().invoke(main, ["-p", str(path), "suggestions", "--coder", "alice",
                                       "--status", "covered", "--json"])
    assert result.exit_code == 0, result.output
    assert [(r["pattern"], r["status"]) for r in json.loads(result.stdout)] == [("war", "covered")]
    text = CliRunner().invoke(main, ["-p", str(path), "suggestions", "--coder", "alice"])
    war = next(line for line in text.stdout.splitlines() if "SEC.WAR" in line)
    assert "[covered]" in war


def test_workbench_bulk_accept_leaves_exclusive_conflicts_pending(tmp_path):
    from coder.tui.app import create_app
    from tests.tui.pilot import SIZE, notices, run

    path = _grouped(tmp_path)
    with Project(path) as project:
        apply_code(project, "alice", 1, "DES.ROOT", *_span(project, "las causas"))
        add_suggestion(project, 1, "DES.NOFORCE", *_span(project, "atender las causas"), "nof")
        add_suggestion(project, 1, "DES.NOFORCE", *_span(project, "abrazos, no balazos"), "nof")

    async def body():
        app = create_app(path, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+home", "n", "A", "y")
            await pilot.pause()
            assert any("1 left pending" in n for n in notices(app))
            with Project(path) as project:
                assert [c for c, *_ in _codes(project)] == ["DES.ROOT", "DES.NOFORCE"]

    run(body())
