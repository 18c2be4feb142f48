"""Merging keeps the methods record: the reveals behind the blind-coding claim, and a fresh
lead file (no codebook, no sample) takes the coders' codebook and sample record."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from coder.agreement.report import agreement_report
from coder.commands.team import merge as merge_command
from coder.project import Project, now
from coder.schema import MIGRATIONS
from coder.team.blind import blind_record, reveal, reveals
from coder.team.merge import merge_project
from coder.team.sample import draw_sample, set_status
from tests.helpers import code_phrase, make_project

NOFORCE = "No vamos a combatir el fuego con fuego."
WAR = "Ya no hay guerra en la sierra."
CODERS = ["alice", "bob"]


def sha_ids(project: Project) -> dict[str, int]:
    return dict(project.db.execute("SELECT sha256, id FROM documents").fetchall())


def by_sha(project: Project, record: dict) -> dict:
    """A blind record keyed by (document sha256, coder) instead of the file's ids."""
    shas = {v: k for k, v in sha_ids(project).items()}
    return {(shas[d], c): (v["blind"], v["codings"], v["after_reveal"], v["first_reveal"])
            for (d, c), v in record.items()}


def all_docs(project: Project) -> list[int]:
    return [r[0] for r in project.db.execute("SELECT id FROM documents ORDER BY id")]


@pytest.fixture
def bobs_copy(tmp_path):
    """Bob's copy: a sample of all three documents for alice and bob; alice's work pulled in
    (a coding of document 1, all three marked done); bob looked at it after marking it done (a logged reveal) and then
    coded it; documents 2 and 3 he coded blind."""
    with make_project(tmp_path, documents=3, name="b.db") as b:
        draw_sample(b, CODERS, size=3, seed=1, blind_suggestions=True)
        code_phrase(b, "alice", 1, "DES.NOFORCE", NOFORCE)
        for doc in (1, 2, 3):
            set_status(b, "alice", doc, "done")
        for doc in (2, 3):
            code_phrase(b, "bob", doc, "SEC.WAR", WAR)
        set_status(b, "bob", 1, "done")
        reveal(b, "bob", 1, via="cli segments")
        code_phrase(b, "bob", 1, "DES.NOFORCE", NOFORCE)
        for doc in (2, 3):
            set_status(b, "bob", doc, "done")
        record = blind_record(b, CODERS, all_docs(b))
        assert not record[(1, "bob")]["blind"] and record[(2, "bob")]["blind"]
        assert all(record[(d, "alice")]["blind"] for d in (1, 2, 3))
    return tmp_path / "b.db"


def test_merge_carries_reveals_mapped_to_the_leads_ids_once(bobs_copy, tmp_path):
    # The lead's file numbers coders (carol, bob, alice) and documents (one more, first in
    # path order) differently: the reveal must land on bob and on the same text.
    with Project(bobs_copy) as b:
        expected = by_sha(b, blind_record(b, CODERS, all_docs(b)))
        theirs = reveals(b)
    with make_project(tmp_path, documents=4, name="lead.db",
                      coders=("carol", "bob", "alice")) as lead:
        assert sha_ids(lead) != sha_ids(Project(bobs_copy))
        report = merge_project(lead, bobs_copy)
        assert report.reveals_added == 1
        [mine] = reveals(lead)
        doc = sha_ids(lead)[next(s for s, i in sha_ids(Project(bobs_copy)).items() if i == 1)]
        assert (mine["coder"], mine["document_id"], mine["at"], mine["via"]) == (
            "bob", doc, theirs[0]["at"], "cli segments")
        shared = [d for d in all_docs(lead) if (d, "bob") in
                  {(sha_ids(lead)[s], c) for s, c in expected}]
        assert by_sha(lead, blind_record(lead, CODERS, shared)) == expected
        # Twice: nothing more.
        again = merge_project(lead, bobs_copy)
        assert again.reveals_added == 0 and len(reveals(lead)) == 1
    # The other way: bob pulls the lead's file; his reveal is not doubled, and alice (who
    # pulls it too) gets bob's reveal as it happened and none of her own.
    with Project(bobs_copy) as b:
        assert merge_project(b, tmp_path / "lead.db").reveals_added == 0
        assert len(reveals(b)) == 1
    with make_project(tmp_path, documents=3, name="a.db") as a:
        merge_project(a, tmp_path / "lead.db")
        assert [(r["coder"], r["document_id"]) for r in reveals(a)] == [("bob", 1)]
        record = blind_record(a, CODERS, all_docs(a))
        assert all(record[(d, "alice")]["blind"] for d in (1, 2, 3))
        assert not record[(1, "bob")]["blind"]


def test_the_earliest_reveal_counts_whichever_file_logged_it_first(bobs_copy, tmp_path):
    """A reveal the lead logged later than bob's (but in a lower row than the merged one)
    does not hide that bob saw the others' work before his coding."""
    with make_project(tmp_path, documents=3, name="lead.db") as lead:
        reveal(lead, "bob", 1, via="workbench o")   # not assigned here yet: allowed
        merge_project(lead, bobs_copy)
        with Project(bobs_copy) as b:
            first = reveals(b)[0]["at"]
        assert [r["at"] > first for r in reveals(lead)] == [True, False]
        record = blind_record(lead, CODERS, [1])[(1, "bob")]
        assert record["first_reveal"] == first
        assert not record["blind"] and record["after_reveal"] == 1


def test_merge_command_names_updated_assignments_and_reveals(bobs_copy, tmp_path):
    with make_project(tmp_path, documents=3, name="lead.db", coders=()) as lead:
        lead_path = lead.path
    with Project(bobs_copy) as b:
        set_status(b, "bob", 2, "in_progress")
    first = CliRunner().invoke(merge_command, ["-p", str(lead_path), str(bobs_copy)])
    assert "6 assignments added;" in first.output
    assert "1 reveal of others' work" in first.output
    with Project(bobs_copy) as b:
        set_status(b, "bob", 2, "done")       # a status moved on after that merge
    result = CliRunner().invoke(merge_command, ["-p", str(lead_path), str(bobs_copy)])
    assert result.exit_code == 0, result.output
    assert "0 assignments added, 1 assignment updated" in result.output
    assert "reveal" not in result.output     # merged once only


# -- a fresh lead file ---------------------------------------------------------------------


def test_merge_into_a_fresh_project_takes_the_codebook_and_sample_record(bobs_copy, tmp_path):
    with Project(tmp_path / "fresh.db", create=True):
        pass
    result = CliRunner().invoke(merge_command, ["-p", str(tmp_path / "fresh.db"), str(bobs_copy)])
    assert result.exit_code == 0, result.output
    assert "took" in result.output and "codebook" in result.output
    with Project(tmp_path / "fresh.db") as lead, Project(bobs_copy) as b:
        def state(p):
            return (p.rows("SELECT id, parent_id, name, key, sort, retired FROM codes ORDER BY id"),
                    p.rows("SELECT id, codes FROM code_groups ORDER BY id"),
                    p.setting("codebook_version"), p.setting("blind_suggestions"))
        assert state(lead) == state(b)
        assert lead.setting("codebook_version") is not None
        assert lead.setting("reliability_sample") == b.setting("reliability_sample")
        # The lead computes the same agreement as bob's copy (groups included).
        ours = agreement_report(lead, CODERS).as_dict()
        theirs = agreement_report(b, CODERS).as_dict()
        assert ours["documents"] == theirs["documents"] == [1, 2, 3]
        assert ours["groups"] == theirs["groups"] and ours["groups"]
        assert ours["pooled"] == theirs["pooled"]
        assert not blind_record(lead, CODERS, [1])[(1, "bob")]["blind"]


def schema_one_file(path, *, with_codebook_setting: bool) -> None:
    """A project file as the first schema wrote it: one document, a codebook, a coding."""
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    stamp = now()
    conn.execute("INSERT INTO codebooks(id, name, version, source, yaml, loaded_at)"
                 " VALUES (1, 'Old codebook', 'v-old', NULL, '', ?)", [stamp])
    conn.execute("INSERT INTO codes(id, codebook_id, parent_id, name) VALUES ('OLD', 1, NULL, 'Old')")
    conn.execute("INSERT INTO codes(id, codebook_id, parent_id, name)"
                 " VALUES ('OLD.X', 1, 'OLD', 'Old child')")
    if with_codebook_setting:
        conn.execute("INSERT INTO settings(key, value) VALUES ('codebook_id', '1')")
    conn.execute("INSERT INTO coders(id, name, created_at) VALUES (1, 'alice', ?)", [stamp])
    conn.execute("INSERT INTO documents(id, title, sha256, text, imported_at)"
                 " VALUES (1, 'Una conferencia', 'abc123', 'Texto inventado para la prueba.', ?)",
                 [stamp])
    conn.execute('INSERT INTO annotations(uuid, document_id, code_id, coder_id, start, "end",'
                 " created_at, updated_at) VALUES ('u-1', 1, 'OLD.X', 1, 0, 5, ?, ?)",
                 [stamp, stamp])
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("with_codebook_setting", [True, False])
def test_merge_of_a_schema_one_file_into_a_fresh_project(tmp_path, with_codebook_setting):
    old = tmp_path / "old.db"
    schema_one_file(old, with_codebook_setting=with_codebook_setting)
    with Project(tmp_path / "fresh.db", create=True):
        pass
    result = CliRunner().invoke(merge_command, ["-p", str(tmp_path / "fresh.db"), str(old)])
    assert result.exit_code == 0, result.output
    with Project(tmp_path / "fresh.db") as lead:
        codes = {r["id"]: r["parent_id"] for r in lead.rows("SELECT id, parent_id FROM codes")}
        assert set(codes) >= {"OLD.X"}
        assert lead.rows("SELECT code_id, start, \"end\" FROM annotations") == [
            {"code_id": "OLD.X", "start": 0, "end": 5}]
        version = lead.db.execute("SELECT version FROM codebooks").fetchall()
        assert version == [("v-old",)]
        if with_codebook_setting:   # the codebook came whole: the tree too
            assert codes == {"OLD": None, "OLD.X": "OLD"}
            assert lead.setting("codebook_version") == "v-old"
