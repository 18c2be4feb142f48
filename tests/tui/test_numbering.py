"""One paragraph numbering: the ¶ the workbench shows for a coded segment is the number in
every output (segments table in CSV/Parquet/XLSX/JSON Lines, the Python API, the turn
matrix, `coder annotations`/`coder segments`, search hits, review, the memo editor, `coder
memos`), all from :func:`coder.corpus.turns.paragraph_number`."""

from __future__ import annotations

import csv
import json
import zipfile

from click.testing import CliRunner
from lxml import etree

from coder.annotate import apply_code
from coder.cli import main
from coder.corpus.turns import DocumentTurns, paragraph_number
from coder.export.matrix import code_matrix
from coder.export.refi.write import export_qdpx
from coder.export.search import search_page
from coder.export.tables import export_segments
from coder.project import Project
from coder.team.coders import add_coders
from coder.team.review import context, disagreements
from coder.tui.app import create_app
from coder.tui.screens.coding import CodingScreen
from coder.tui.screens.pickers import MemoEditor
from coder.tui.widgets.segments import SegmentsTable
from tests.helpers import build_project
from tests.tui.pilot import SIZE, run

PHRASE = "guerra contra el narco"
SPEAKER_LINE = "LUIS CRESENCIO SANDOVAL"  # a selection starting on a speaker line


def test_paragraph_number_is_the_one_conversion():
    assert paragraph_number(0) == 1 and paragraph_number(14) == 15
    assert paragraph_number(None) is None


def test_the_number_on_screen_is_the_number_everywhere(tmp_path):
    path = build_project(tmp_path, suggestions=False)
    with Project(path) as project:
        add_coders(project, ["alice", "bob"])
        text = project.db.execute("SELECT text FROM documents WHERE id = 1").fetchone()[0]
        # A span that begins on a speaker line belongs to the turn it runs into, on screen
        # and in the data alike (they used to differ by one turn).
        start = text.index(SPEAKER_LINE)
        edge = apply_code(project, "alice", 1, "DES.ROOT", start, text.index("Con su permiso") + 3)
        # bob codes the phrase differently, so review has a disagreement to show.
        war = text.index(PHRASE)
        apply_code(project, "bob", 1, "SEC.WAR", war, war + len("guerra"))

    shown: dict[int, str] = {}
    memo_title: list[str] = []

    async def body():
        app = create_app(path, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("slash", *PHRASE, "escape", "1")  # code the phrase: War framing
            screen = app.screen
            assert isinstance(screen, CodingScreen)
            await pilot.pause()
            table = screen.query_one(SegmentsTable)
            for key in table.rows:
                shown[table.annotation_id(key)] = str(table.get_row(key)[0])
            await pilot.press("left", "m")  # the memo editor names the segment's paragraph
            await pilot.pause()
            assert isinstance(app.screen, MemoEditor)
            memo_title.append(app.screen.title_text)
            await pilot.press(*"cita", "escape")                 # escape saves the memo
            await pilot.pause()

    run(body())

    with Project(path) as project:
        ids = dict(project.db.execute(
            "SELECT code_id, id FROM annotations WHERE coder_id ="
            " (SELECT id FROM coders WHERE name = 'alice') AND deleted = 0").fetchall())
        mine = {ids["SEC.WAR"], edge["id"]}
        assert set(shown) == mine
        expected = {i: int(shown[i].lstrip("¶")) for i in mine}
        assert expected[ids["SEC.WAR"]] == 3 and expected[edge["id"]] == 4
        assert memo_title == [f"Memo on War framing ¶{expected[ids['SEC.WAR']]}"]

        def alices(rows) -> dict[int, int]:
            return {int(r["annotation_id"]): int(r["paragraph"]) for r in rows
                    if r["coder"] == "alice"}

        # The segments table in every format, and the Python API.
        for suffix in ("csv", "jsonl", "parquet", "xlsx"):
            out = tmp_path / f"segments.{suffix}"
            export_segments(project, out)
            if suffix == "csv":
                rows = list(csv.DictReader(out.open(encoding="utf-8")))
            elif suffix == "jsonl":
                rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
            elif suffix == "parquet":
                import pyarrow.parquet as pq
                rows = pq.read_table(out).to_pylist()
            else:
                import openpyxl
                sheet = openpyxl.load_workbook(out, read_only=True).active
                values = list(sheet.values)
                rows = [dict(zip(values[0], row)) for row in values[1:]]
            assert alices(rows) == expected, suffix
        from coder.api import open_project
        with open_project(path) as api:
            assert alices(api.segments().to_dict("records")) == expected

        # The turn matrix: alice's codings sit in the rows with those paragraph numbers.
        _, matrix = code_matrix(project, by="turn", coder="alice")
        coded = {r["paragraph"] for r in matrix if r["document_id"] == 1 and any(
            v for k, v in r.items() if k.startswith(("SEC", "DES")))}
        assert coded == set(expected.values())

        # Search: the hit inside the coded phrase is in the same paragraph.
        hits = search_page(project, PHRASE).hits
        assert [h.paragraph for h in hits if h.document_id == 1] == [expected[ids["SEC.WAR"]]]

        # Review's context names the paragraph the same way.
        item = next(d for d in disagreements(project, ["alice", "bob"]) if d.code_id == "SEC.WAR")
        assert context(project, item)["paragraph"] == expected[ids["SEC.WAR"]]

        # REFI carries character positions, not numbers: they give back the same paragraph.
        export_qdpx(project, tmp_path / "p.qdpx")
        with zipfile.ZipFile(tmp_path / "p.qdpx") as archive:
            root = etree.fromstring(archive.read("project.qde"))
        turns = DocumentTurns(project, 1)
        refi = {int(s.get("startPosition")): turns.paragraph_of(
            int(s.get("startPosition")), int(s.get("endPosition")))
            for s in root.iter("{*}PlainTextSelection")}
        assert refi[war] == expected[ids["SEC.WAR"]] and refi[start] == expected[edge["id"]]

    # The CLI listings print the same ¶.
    runner = CliRunner()
    listing = runner.invoke(main, ["-p", str(path), "annotations", "--coder", "alice",
                                   "--as", "alice", "--json"])
    assert listing.exit_code == 0, listing.output
    assert {r["annotation_id"]: r["paragraph"] for r in json.loads(listing.stdout)} == expected
    table = runner.invoke(main, ["-p", str(path), "annotations", "--coder", "alice", "--as", "alice"])
    for annotation_id, number in expected.items():
        cells = [x.replace("│", " ").split() for x in table.stdout.splitlines()]
        assert [str(annotation_id), "1", f"¶{number}"] in [c[:3] for c in cells]  # id doc ¶
    kwic = runner.invoke(main, ["-p", str(path), "segments", "SEC.WAR", "--coder", "alice",
                                "--as", "alice"])
    assert f"¶{expected[ids['SEC.WAR']]} " in kwic.stdout
    found = runner.invoke(main, ["-p", str(path), "search", PHRASE])
    assert f"\t¶{expected[ids['SEC.WAR']]}\t" in found.stdout
    memos = runner.invoke(main, ["-p", str(path), "memos", "--as", "alice", "--json"])
    assert memos.exit_code == 0, memos.output
    assert [(m["annotation_id"], m["paragraph"]) for m in json.loads(memos.stdout)] == [
        (ids["SEC.WAR"], expected[ids["SEC.WAR"]])]
