"""Splitting a code (issue #13, item 4): chosen codings move to a new code, one version,
logged, and `codebook undo` gives them back."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from coder.annotate import apply_code
from coder.cli import main
from coder.codebook import current_codebook, load_codebook, store_codebook
from coder.codebook.edit import split_code, undo_edit
from coder.corpus.importer import import_paths
from coder.errors import CodebookError


@pytest.fixture
def coded(project, transcript, codebook_file):
    """Three codings of DES.ROOT (two alice's, one bob's) and one of SEC.WAR."""
    import_paths(project, [transcript])
    store_codebook(project, load_codebook(codebook_file))
    ids = [apply_code(project, "alice", 1, "DES.ROOT", 0, 10)["id"],
           apply_code(project, "alice", 1, "DES.ROOT", 20, 30)["id"],
           apply_code(project, "bob", 1, "DES.ROOT", 40, 50)["id"],
           apply_code(project, "alice", 1, "SEC.WAR", 60, 70)["id"]]
    project.ids = ids
    return project


def _code_of(project) -> dict[int, str]:
    return {row["id"]: row["code_id"] for row in project.rows(
        "SELECT id, code_id FROM annotations ORDER BY id")}


def test_split_moves_the_chosen_codings_and_undo_gives_them_back(coded):
    root_1, root_2, root_bob, war = coded.ids
    before_version = coded.setting("codebook_version")
    version, moved = split_code(coded, "DES.ROOT", "DES.ROOT.YOUTH", "Youth programmes",
                                annotation_ids=[root_2, root_bob], key="8")
    assert moved == 2 and version != before_version
    assert _code_of(coded) == {root_1: "DES.ROOT", root_2: "DES.ROOT.YOUTH",
                               root_bob: "DES.ROOT.YOUTH", war: "SEC.WAR"}
    book = current_codebook(coded)
    new = next(c for c in book.codes if c.id == "DES.ROOT.YOUTH")
    assert (new.name, new.key, new.parent) == ("Youth programmes", "8", "DES")
    # Beside the source, in tree order.
    order = [c.id for c in book.codes]
    assert order.index("DES.ROOT.YOUTH") == order.index("DES.ROOT") + 1
    event = coded.rows("SELECT action, after FROM events WHERE action = 'codebook-edit'")[-1]
    assert '"split"' in event["after"]
    undo_edit(coded)
    assert set(_code_of(coded).values()) == {"DES.ROOT", "SEC.WAR"}
    assert coded.setting("codebook_version") == before_version
    retired = coded.db.execute("SELECT retired FROM codes WHERE id = 'DES.ROOT.YOUTH'").fetchone()
    assert retired == (1,)


@pytest.mark.parametrize("ids, new_id, message", [
    ([], "NEW", "say which codings"),
    ([999], "NEW", "no segment #999"),
    (["war"], "NEW", "is coded SEC.WAR, not DES.ROOT"),
    (["root"], "SEC.WAR", "already a code 'SEC.WAR'"),
])
def test_bad_splits_are_refused_and_change_nothing(coded, ids, new_id, message):
    ids = [coded.ids[3] if i == "war" else coded.ids[0] if i == "root" else i for i in ids]
    before = (_code_of(coded), coded.setting("codebook_version"))
    with pytest.raises(CodebookError, match=message):
        split_code(coded, "DES.ROOT", new_id, "New", annotation_ids=ids)
    assert (_code_of(coded), coded.setting("codebook_version")) == before


def test_cli_split_by_ids_or_by_coder(coded, monkeypatch):
    path = str(coded.path)
    root_1, root_2, root_bob, _ = coded.ids
    coded.close()
    monkeypatch.delenv("CODER_PROJECT", raising=False)

    def run(*args):
        return CliRunner().invoke(main, [*args, "-p", path], catch_exceptions=False)

    result = run("codebook", "split", "DES.ROOT", "DES.ROOT.B", "Bob's reading",
                 "--coder", "bob")
    assert result.exit_code == 0, result.output
    assert "split 1 coding(s) of DES.ROOT into the new code DES.ROOT.B" in result.output
    result = run("codebook", "split", "DES.ROOT", "DES.ROOT.S", "Second", "--segments",
                 str(root_2))
    assert result.exit_code == 0, result.output
    from coder.project import Project

    with Project(path) as project:
        assert _code_of(project)[root_bob] == "DES.ROOT.B"
        assert _code_of(project)[root_2] == "DES.ROOT.S"
        assert _code_of(project)[root_1] == "DES.ROOT"
    bad = run("codebook", "split", "DES.ROOT", "X", "X", "--coder", "nobody")
    assert bad.exit_code == 1 and "nothing split" in bad.output
    assert "undid the split of DES.ROOT" in run("codebook", "undo").output
