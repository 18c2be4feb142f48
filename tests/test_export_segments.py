"""The tidy segments table and its writers: columns, filters, formats, determinism."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from coder.annotate import document_memo
from coder.cli import main
from coder.errors import CoderError
from coder.export.segments import (
    SEGMENT_COLUMNS,
    context_window,
    segments_frame,
    segments_rows,
)
from coder.export.tables import export_segments
from tests.helpers import (
    build_coded,
)


@pytest.fixture
def coded(project, tmp_path):
    build_coded(project, tmp_path)
    return project


def test_rows_have_the_columns_in_order_and_the_right_values(coded):
    rows = segments_rows(coded)
    assert len(rows) == 8  # the removed annotation is not there
    assert all(list(r) == SEGMENT_COLUMNS for r in rows)
    war = next(r for r in rows if r["code_id"] == "SEC.WAR" and r["document_id"] == 1)
    assert war["text"] == "guerra contra el narco"
    assert war["code_name"] == "War framing"
    assert war["code_path"] == "Securitizing move > War framing"
    assert war["speaker"] == "Andrés Manuel López Obrador" and war["speaker_kind"] == "president"
    assert war["paragraph"] == 3 and war["question_paragraph"] == 2  # counted from 1, as ¶
    assert war["date"] == "2019-03-05" and war["kind"] == "press conference"
    assert war["coder"] == "alice" and war["origin"] == "manual"
    assert war["codebook_version"] == coded.setting("codebook_version")
    assert "[[guerra contra el narco]]" in war["context"]
    press = next(r for r in rows if r["text"] == "estrategia militar")
    assert press["speaker_kind"] == "press" and press["question_paragraph"] is None
    memo = next(r for r in rows if r["coder"] == "alice" and r["text"] == "abrazos, no balazos")
    assert memo["memo"].startswith("a memo, with")


def test_rows_are_sorted_by_document_start_end_code_coder(coded):
    rows = segments_rows(coded)
    keys = [(r["document_id"], r["start"], r["end"], r["code_id"], r["coder"]) for r in rows]
    assert keys == sorted(keys)


def test_memos_table_is_joined_to_the_memo_column(coded):
    row = next(r for r in segments_rows(coded) if r["code_id"] == "SEC.WAR" and r["document_id"] == 1)
    from coder.project import now

    with coded.transaction():
        coded.db.execute(
            "INSERT INTO memos(uuid, annotation_id, coder_id, text, created_at, updated_at)"
            " VALUES ('m1', ?, 1, 'a separate memo', ?, ?)", [row["annotation_id"], now(), now()])
    document_memo(coded, "alice", 1, "a document memo is not a segment memo")
    row = next(r for r in segments_rows(coded) if r["annotation_id"] == row["annotation_id"])
    assert row["memo"] == "a separate memo"


def test_context_is_cut_on_word_boundaries():
    text = "uno dos tres cuatro CINCO seis siete ocho nueve"
    start = text.index("CINCO")
    # 10 characters either side end inside "tres" and "siete": those halves are dropped.
    assert text[start - 10:start + 15] == "es cuatro CINCO seis siet"
    assert context_window(text, start, start + 5, width=10) == "cuatro [[CINCO]] seis"
    assert context_window(text, start, start + 5, width=12) == "tres cuatro [[CINCO]] seis siete"
    assert context_window(text, start, start + 5, width=0) == "[[CINCO]]"
    assert context_window("a\nb  c", 2, 3, 10) == "a [[b]] c"


def test_filters_coder_gold_codes_dates_documents(coded):
    assert {r["coder"] for r in segments_rows(coded, coder="bob")} == {"bob"}
    assert len(segments_rows(coded, coders=["alice", "bob"])) == 7
    gold = segments_rows(coded, gold=True)
    assert [r["coder"] for r in gold] == ["gold"]
    # A code includes its descendants.
    sec = segments_rows(coded, codes=["SEC"])
    assert sorted(r["code_id"] for r in sec) == ["SEC", "SEC.WAR", "SEC.WAR"]
    assert [r["code_id"] for r in segments_rows(coded, codes="SEC.WAR")] == ["SEC.WAR", "SEC.WAR"]
    assert {r["document_id"] for r in segments_rows(coded, since="2019-04-01")} == {2}
    assert {r["document_id"] for r in segments_rows(coded, until="2019-03")} == {1}
    assert {r["document_id"] for r in segments_rows(coded, until="2019-03-04")} == set()
    assert {r["document_id"] for r in segments_rows(coded, document_ids=[2])} == {2}


def test_bad_filters_are_one_line_errors(coded):
    with pytest.raises(CoderError, match="no coder named 'carol'"):
        segments_rows(coded, coder="carol")
    with pytest.raises(CoderError, match="no code 'NOPE'"):
        segments_rows(coded, codes=["NOPE"])
    with pytest.raises(CoderError, match="not a date"):
        segments_rows(coded, since="March 2019")


def test_csv_is_rfc4180_and_byte_identical(coded, tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    assert export_segments(coded, first).rows == 8
    export_segments(coded, second)
    data = first.read_bytes()
    assert data == second.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.split(b"\r\n")[0].decode() == ",".join(SEGMENT_COLUMNS)
    # The memo with a comma, quotes and a newline is quoted, quotes doubled.
    assert b'"a memo, with ""quotes""\nand a line break"' in data
    parsed = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    assert len(parsed) == 8 and list(parsed[0]) == SEGMENT_COLUMNS
    assert any(p["memo"] == 'a memo, with "quotes"\nand a line break' for p in parsed)
    assert any(p["text"] == "=Fórmula no" for p in parsed)


def test_csv_bom_for_excel(coded, tmp_path):
    export_segments(coded, tmp_path / "bom.csv", bom=True)
    assert (tmp_path / "bom.csv").read_bytes().startswith(b"\xef\xbb\xbfannotation_id,")


def test_jsonl_one_object_per_line_and_byte_identical(coded, tmp_path):
    export_segments(coded, tmp_path / "a.jsonl")
    export_segments(coded, tmp_path / "b.jsonl")
    data = (tmp_path / "a.jsonl").read_bytes()
    assert data == (tmp_path / "b.jsonl").read_bytes()
    lines = data.decode("utf-8").split("\n")
    assert lines[-1] == "" and len(lines) == 9
    objects = [json.loads(line) for line in lines[:-1]]
    assert list(objects[0]) == SEGMENT_COLUMNS
    assert isinstance(objects[0]["start"], int)
    assert "López" in data.decode("utf-8")  # UTF-8, not \u escapes


def test_parquet_keeps_types(coded, tmp_path):
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    export_segments(coded, tmp_path / "s.parquet")
    table = pq.read_table(tmp_path / "s.parquet")
    assert table.column_names == SEGMENT_COLUMNS
    assert table.schema.field("start").type == pa.int64()
    assert table.schema.field("paragraph").type == pa.int64()
    assert table.schema.field("date").type == pa.date32()
    assert pa.types.is_timestamp(table.schema.field("created_at").type)
    rows = table.to_pylist()
    assert rows[0]["date"] == dt.date(2019, 3, 5)
    assert [r["text"] for r in rows] == [r["text"] for r in segments_rows(coded)]


def test_xlsx_opens_and_keeps_text_as_text(coded, tmp_path):
    import openpyxl
    import pandas as pd

    summary = export_segments(coded, tmp_path / "s.xlsx")
    assert summary.rows == 8
    sheet = openpyxl.load_workbook(tmp_path / "s.xlsx").active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header == SEGMENT_COLUMNS
    texts = [row[SEGMENT_COLUMNS.index("text")].value for row in sheet.iter_rows(min_row=2)]
    assert "=Fórmula no" in texts  # a string, not a formula
    frame = pd.read_excel(tmp_path / "s.xlsx")
    assert list(frame.columns) == SEGMENT_COLUMNS and len(frame) == 8


def test_xlsx_dates_and_timestamps_are_date_cells(coded, tmp_path):
    import openpyxl
    import pandas as pd

    export_segments(coded, tmp_path / "s.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "s.xlsx").active
    rows = list(sheet.iter_rows(min_row=2))
    date = rows[0][SEGMENT_COLUMNS.index("date")]
    assert date.is_date and date.value.date() == dt.date(2019, 3, 5)
    assert date.number_format == "yyyy-mm-dd"
    created = rows[0][SEGMENT_COLUMNS.index("created_at")]
    stored = segments_rows(coded)[0]["created_at"]
    assert created.is_date and created.number_format.startswith("yyyy-mm-dd hh:mm:ss")
    # Excel keeps milliseconds: the cell is the stored UTC time to the millisecond.
    delta = created.value - dt.datetime.fromisoformat(stored).replace(tzinfo=None)
    assert abs(delta) <= dt.timedelta(microseconds=500)
    frame = pd.read_excel(tmp_path / "s.xlsx")
    assert str(frame["date"].dtype).startswith("datetime64")


def test_xlsx_keeps_a_date_that_is_not_whole_as_text(tmp_path):
    import openpyxl

    from coder.export.tables import write_xlsx

    write_xlsx([("2019", "2019-03-05T10:00:00+00:00"), ("2019-02-30", "later")],
               ["date", "created_at"], tmp_path / "t.xlsx")
    rows = list(openpyxl.load_workbook(tmp_path / "t.xlsx").active.values)[1:]
    assert rows[0] == ("2019", dt.datetime(2019, 3, 5, 10, 0))
    assert rows[1] == ("2019-02-30", "later")


def test_frame_is_typed_and_project_segments_delegates(coded):
    frame = segments_frame(coded)
    assert list(frame.columns) == SEGMENT_COLUMNS and len(frame) == 8
    assert str(frame["start"].dtype) == "int64"
    assert str(frame["paragraph"].dtype) == "Int64"
    assert str(frame["date"].dtype).startswith("datetime64")
    assert str(frame["created_at"].dtype).startswith("datetime64") and "UTC" in str(frame["created_at"].dtype)
    import coder

    with coder.open_project(coded.path) as opened:
        assert len(opened.segments(coder="alice")) == 5


def test_empty_project_exports_a_header(project, tmp_path):
    assert export_segments(project, tmp_path / "e.csv").rows == 0
    assert (tmp_path / "e.csv").read_text(encoding="utf-8").strip() == ",".join(SEGMENT_COLUMNS)
    assert list(segments_frame(project).columns) == SEGMENT_COLUMNS


def test_unknown_suffix_and_failed_export_leave_no_file(coded, tmp_path):
    with pytest.raises(CoderError, match="suffix"):
        export_segments(coded, tmp_path / "s.txt")
    with pytest.raises(CoderError, match="no coder"):
        export_segments(coded, tmp_path / "s.csv", coder="nobody")
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".csv", ".tmp")) == []


def test_cli_export(coded, tmp_path):
    runner = CliRunner()
    out = tmp_path / "out.csv"
    result = runner.invoke(main, ["export", str(out), "-p", str(coded.path), "--gold"])
    assert result.exit_code == 0, result.output
    assert "wrote 1 segment(s)" in result.output
    result = runner.invoke(main, ["export", str(tmp_path / "x.jsonl"), "-p", str(coded.path),
                                  "--code", "DES", "--since", "2019-04"])
    assert result.exit_code == 0, result.output
    assert len((tmp_path / "x.jsonl").read_text(encoding="utf-8").splitlines()) == 1
    result = runner.invoke(main, ["export", str(out), "-p", str(coded.path), "--coder", "nobody"])
    assert result.exit_code == 1 and result.output.startswith("coder: no coder named")


def test_cli_refi_dispatch(coded, tmp_path, monkeypatch):
    """.qdpx goes to coder.export.refi (a stand-in here), with the coders passed on."""
    import sys
    import types

    from coder.export.refi.write import QdcExport, QdpxExport

    calls = []
    fake = types.ModuleType("coder.export.refi")
    fake.export_qdpx = lambda project, path, *, coders=None, **filters: \
        calls.append(("qdpx", coders)) or QdpxExport(codes=5, documents=2, annotations=7,
                                                     coders=1, memos=0, variables=0, sets=0)
    fake.export_qdc = lambda project, path: calls.append(("qdc", None)) or QdcExport(codes=5, sets=0)
    monkeypatch.setitem(sys.modules, "coder.export.refi", fake)
    runner = CliRunner()
    result = runner.invoke(main, ["export", str(tmp_path / "p.qdpx"), "-p", str(coded.path),
                                  "--coder", "alice"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["export", str(tmp_path / "c.qdc"), "-p", str(coded.path)])
    assert result.exit_code == 0, result.output
    assert calls == [("qdpx", ["alice"]), ("qdc", None)]
    result = runner.invoke(main, ["export", str(tmp_path / "p.qdpx"), "-p", str(coded.path),
                                  "--by", "month"])
    assert result.exit_code == 1 and "takes only --coder" in result.output


# -- QA fixes: dates, paths, permissions, unknown documents, formula injection ----------------


@pytest.mark.parametrize("value, problem", [
    ("2019-13", "there is no month 13"),
    ("2019-00", "there is no month 0"),
    ("2019-02-30", "2019-02 has no day 30"),
    ("2019-02-29", "2019-02 has no day 29"),  # not a leap year
    ("2019-04-31", "2019-04 has no day 31"),
    ("March 2019", "is not a date"),
    ("2019-3", "is not a date"),
])
def test_impossible_dates_are_one_line_errors(coded, value, problem):
    for option in ("since", "until"):
        with pytest.raises(CoderError) as info:
            segments_rows(coded, **{option: value})
        message = str(info.value)
        # The core names the argument, not the flag (the CLI adds that: cli_message).
        assert message.startswith(f"{option} {value!r}") and problem in message
        assert info.value.option == option and "--" not in message
        assert "\n" not in message


def test_real_dates_are_accepted_and_ranges_checked(coded):
    assert segments_rows(coded, since="2020-02-29") == []  # a leap day is a date
    assert len(segments_rows(coded, since="2019", until="2019-12-31")) == 8
    assert {r["document_id"] for r in segments_rows(coded, since="2019-03", until="2019-03-31")} == {1}
    with pytest.raises(CoderError, match="the start date 2019-05 is after the end date 2019-04"):
        segments_rows(coded, since="2019-05", until="2019-04")
    # A day inside the --until month is not "after" it.
    assert {r["document_id"] for r in segments_rows(coded, since="2019-04-10", until="2019-04")} == {2}


def test_cli_bad_date_fails_before_writing(coded, tmp_path):
    runner = CliRunner()
    for command in (["export", str(tmp_path / "x.csv")], ["export", str(tmp_path / "m.csv"), "--by", "month"],
                    ["stats"], ["search", "guerra"], ["cooccurrence"]):
        result = runner.invoke(main, [*command, "--since", "2019-13", "-p", str(coded.path)])
        assert result.exit_code == 1, (command, result.output)
        assert result.output == ("coder: --since '2019-13' is not a date (there is no month 13); "
                                 "use YYYY, YYYY-MM or YYYY-MM-DD\n")
    assert list(tmp_path.glob("*.csv")) == []


def test_unknown_document_is_an_error_and_writes_nothing(coded, tmp_path):
    with pytest.raises(CoderError, match=r"no document 99999 in the project"):
        export_segments(coded, tmp_path / "x.csv", document_ids=[99999])
    with pytest.raises(CoderError, match=r"no document 7, 99999"):
        segments_rows(coded, document_ids=[1, 7, 99999])
    result = CliRunner().invoke(main, ["export", str(tmp_path / "x.csv"), "--document", "99999",
                                       "-p", str(coded.path)])
    assert result.exit_code == 1
    assert result.output == "coder: no document 99999 in the project; see `coder documents`\n"
    assert not (tmp_path / "x.csv").exists()
    assert len(segments_rows(coded, document_ids=[2])) == 3


def test_bad_output_paths_are_one_line_errors(coded, tmp_path):
    runner = CliRunner()

    def fails(path, *extra) -> str:
        result = runner.invoke(main, ["export", str(path), *extra, "-p", str(coded.path)])
        assert result.exit_code == 1, result.output
        assert result.output.count("\n") == 1 and "Traceback" not in result.output
        return result.output

    missing = tmp_path / "no" / "such" / "x.csv"
    assert fails(missing) == f"coder: cannot write {missing}: the folder {missing.parent} does not exist\n"
    assert fails(tmp_path) == f"coder: cannot write {tmp_path}: it is a folder; give a file name\n"
    (tmp_path / "afile").write_text("x")
    assert "is not a folder" in fails(tmp_path / "afile" / "x.csv")
    assert "cannot write" in fails(missing, "--by", "month")
    assert "cannot write" in fails(tmp_path / "no" / "p.qdpx")
    with pytest.raises(CoderError, match="cannot write .*: the folder .* does not exist"):
        export_segments(coded, missing)


def test_unwritable_folder_and_failed_write_leave_no_file(coded, tmp_path, monkeypatch):
    import os
    import tempfile

    out = tmp_path / "out"
    out.mkdir()

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    with monkeypatch.context() as patch:
        patch.setattr(tempfile, "mkstemp", refuse)
        with pytest.raises(CoderError) as info:
            export_segments(coded, out / "x.csv")
    assert str(info.value) == f"cannot write {out / 'x.csv'}: Permission denied"
    with monkeypatch.context() as patch:  # e.g. a full disk at the very end
        patch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError(28, "No space left on device")))
        with pytest.raises(CoderError, match="cannot write .*x.csv: No space left on device"):
            export_segments(coded, out / "x.csv")
    assert list(out.iterdir()) == []  # no file, no temporary file
    result = CliRunner().invoke(main, ["export", "/proc/x.csv", "-p", str(coded.path)])
    assert result.exit_code == 1 and result.output.startswith("coder: cannot write /proc/x.csv")


@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_exported_files_get_ordinary_permissions(coded, tmp_path, umask, expected):
    import os
    import stat

    old = os.umask(umask)
    try:
        for name in ("s.csv", "s.jsonl", "s.parquet", "s.xlsx"):
            export_segments(coded, tmp_path / name)
            assert stat.S_IMODE((tmp_path / name).stat().st_mode) == expected, name
    finally:
        os.umask(old)


def test_overwriting_keeps_the_files_permissions(coded, tmp_path):
    import os
    import stat

    target = tmp_path / "s.csv"
    target.write_text("old")
    os.chmod(target, 0o640)
    export_segments(coded, target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_text(encoding="utf-8").startswith("annotation_id,")


def test_excel_safe_prefixes_formula_cells(coded, tmp_path):
    from coder.export.tables import excel_safe_cell, write_csv

    export_segments(coded, tmp_path / "raw.csv")
    export_segments(coded, tmp_path / "safe.csv", excel_safe=True)
    raw = list(csv.DictReader(io.StringIO((tmp_path / "raw.csv").read_text(encoding="utf-8"), newline="")))
    safe = list(csv.DictReader(io.StringIO((tmp_path / "safe.csv").read_text(encoding="utf-8"), newline="")))
    assert any(r["text"] == "=Fórmula no" for r in raw)  # exact by default
    assert any(r["text"] == "'=Fórmula no" for r in safe)
    assert not any(r["text"].startswith("=") for r in safe)
    assert [r["annotation_id"] for r in safe] == [r["annotation_id"] for r in raw]
    assert [excel_safe_cell(v) for v in ["=1+2", "+34 55", "-x", "@SUM(A1)", "\tx", "a=b", 5, -3, None]] == [
        "'=1+2", "'+34 55", "'-x", "'@SUM(A1)", "'\tx", "a=b", 5, -3, None]
    write_csv([["=cmd", -1]], ["a", "b"], tmp_path / "t.csv", excel_safe=True)
    assert (tmp_path / "t.csv").read_bytes() == b"a,b\r\n'=cmd,-1\r\n"


def test_cli_excel_safe_and_help(coded, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["export", str(tmp_path / "s.csv"), "--excel-safe", "--bom",
                                  "-p", str(coded.path)])
    assert result.exit_code == 0, result.output
    data = (tmp_path / "s.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "'=Fórmula no".encode() in data
    result = runner.invoke(main, ["export", str(tmp_path / "s.jsonl"), "--excel-safe",
                                  "-p", str(coded.path)])
    assert result.exit_code == 0 and "--excel-safe only applies to CSV" in result.output
    assert '"=Fórmula no"' in (tmp_path / "s.jsonl").read_text(encoding="utf-8")
    help_text = " ".join(runner.invoke(main, ["export", "--help"]).output.split())
    assert "--excel-safe" in help_text and "for Excel add --bom, and --excel-safe" in help_text


def test_a_failed_xlsx_export_prints_no_lxml_noise(tmp_path, monkeypatch):
    import gc
    import sys

    from coder.errors import CoderError
    from coder.export.tables import write_xlsx

    ignored = []
    monkeypatch.setattr(sys, "unraisablehook", ignored.append)

    def rows():
        yield ("una",)
        raise CoderError("the rows stopped")

    with pytest.raises(CoderError, match="the rows stopped"):
        write_xlsx(rows(), ["text"], tmp_path / "a.xlsx")
    with pytest.raises(CoderError, match="does not exist"):
        write_xlsx([("una",)], ["text"], tmp_path / "missing" / "b.xlsx")
    gc.collect()
    assert ignored == []  # nothing for Python to print as "Exception ignored in ..."
    assert not list(tmp_path.iterdir())


def test_xlsx_text_with_lone_surrogates_is_written_with_replacement_marks(tmp_path):
    import openpyxl

    from coder.export.tables import write_xlsx

    write_xlsx([("caf\udce9 notas",)], ["source"], tmp_path / "s.xlsx")
    assert openpyxl.load_workbook(tmp_path / "s.xlsx").active["A2"].value == "caf\ufffd notas"


def test_dta_keeps_types_dates_and_names_stata_can_take(coded, tmp_path):
    import pandas as pd

    summary = export_segments(coded, tmp_path / "s.dta")
    assert summary.format == "dta" and summary.rows == 8
    # "end" is a reserved word for Stata readers (pandas renames it too).
    assert summary.renamed == {"end": "_end"}
    frame = pd.read_stata(tmp_path / "s.dta")
    assert list(frame.columns) == [c if c != "end" else "_end" for c in SEGMENT_COLUMNS]
    rows = segments_rows(coded)
    assert list(frame["text"]) == [r["text"] for r in rows]
    assert list(frame["start"]) == [r["start"] for r in rows]
    assert list(frame["_end"]) == [r["end"] for r in rows]
    assert frame["date"].iloc[0] == pd.Timestamp(2019, 3, 5)  # a %td date, not text
    # A missing number is Stata's missing; a missing text is the empty string.
    press = [i for i, r in enumerate(rows) if r["question_paragraph"] is None]
    assert press and frame["question_paragraph"].iloc[press].isna().all()
    assert frame["memo"].iloc[press[0]] == (rows[press[0]]["memo"] or "")
    with pd.io.stata.StataReader(tmp_path / "s.dta") as reader:
        assert reader.variable_labels()["_end"] == "end"
        assert reader.data_label == "coder segments"


def test_dta_long_text_is_a_strl_and_an_empty_table_has_the_columns(project, tmp_path):
    import pandas as pd

    from coder.export.tables import write_dta

    long = "¿guerra? " * 400  # over 2,045 bytes: more than a fixed-width Stata string holds
    count, renamed = write_dta([(1, long, None), (2, "corto", 3), (3, "a\udcff b", 4)],
                               ["id", "text", "n"], tmp_path / "t.dta")
    assert count == 3 and renamed == {}
    frame = pd.read_stata(tmp_path / "t.dta")
    assert frame["text"].iloc[0] == long and frame["text"].iloc[1] == "corto"
    assert frame["text"].iloc[2] == "a\ufffd b"  # a lone surrogate cannot be encoded
    assert frame["n"].isna().iloc[0] and frame["n"].iloc[1] == 3
    assert export_segments(project, tmp_path / "e.dta").rows == 0
    assert list(pd.read_stata(tmp_path / "e.dta").columns) == \
        [c if c != "end" else "_end" for c in SEGMENT_COLUMNS]


def test_an_empty_export_has_the_schema_of_a_full_one(coded, tmp_path):
    """`coder export e.dta --since 2030` (no rows) wrote `date` as text and the ids as
    doubles, where a full export has a %td date and longs: do-files broke on empty
    subsets.  The segments and the memos, in Stata, Parquet and pandas, now keep their
    types, labels and names whatever the rows."""
    from coder.memos import MEMO_COLUMNS
    from tests.helpers import parquet_schema, stata_schema

    def export(command: list[str], name: str, *more: str):
        args = [a if a != "OUT" else str(tmp_path / name) for a in command]
        result = CliRunner().invoke(main, [*args, *more, "-p", str(coded.path)])
        assert result.exit_code == 0, result.output
        return tmp_path / name

    for command, stem in ((["export", "OUT"], "segments"), (["memos", "--out", "OUT"], "memos")):
        full = export(command, f"{stem}.dta")
        empty = export(command, f"{stem}-empty.dta", "--since", "2030-01-01")
        assert stata_schema(empty) == stata_schema(full)
        variables = {name: (kind, shown) for name, kind, shown, _ in
                     stata_schema(empty)["variables"]}
        assert variables["date"] == ("d", "%td")
        assert variables["document_id"][0] == variables["_end"][0] == "l"
        assert variables["paragraph"][0] == "l"  # a long, missing as `.` where there is none
        full = export(command, f"{stem}.parquet")
        empty = export(command, f"{stem}-empty.parquet", "--since", "2030-01-01")
        assert parquet_schema(empty) == parquet_schema(full)
        assert ("date", "date32[day]", True) in parquet_schema(empty)
    assert [name for name, *_ in parquet_schema(tmp_path / "memos.parquet")] == MEMO_COLUMNS
    full, empty = segments_frame(coded), segments_frame(coded, since="2030-01-01")
    assert len(full) and not len(empty)
    assert empty.dtypes.to_dict() == full.dtypes.to_dict()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=6))
def test_stata_names_are_valid_distinct_and_kept_when_they_can_be(columns):
    """Names pandas' Stata writer would not change again, one per column."""
    import warnings

    import pandas as pd

    from coder.export.tables import stata_names

    names = stata_names(columns)
    assert len(set(names)) == len(names) == len(columns)
    assert all(1 <= len(name) <= 32 for name in names)
    assert stata_names(columns) == names  # the same columns, the same names
    for at, (column, name) in enumerate(zip(columns, names)):
        # A name Stata takes is kept, whatever other columns there are (a repeated one
        # the first time), so no column ever carries another one's valid name.
        if stata_names([column]) == [column] and column not in columns[:at]:
            assert name == column
        if len(column) <= 32 and column.isidentifier() and column.isascii() \
                and column not in columns[:at]:
            assert name.lstrip("_").startswith(column.lstrip("_")[:24])
    frame = pd.DataFrame({name: [1] for name in names})
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.InvalidColumnName)
        frame.to_stata(buffer, write_index=False, version=118)


def test_stata_names_keep_a_valid_name_and_rename_only_the_invalid_one():
    """Codes `X-1` and `X_1`: `X-1` was renamed `X_1` and the real `X_1` pushed to
    `X_1_2`, so in Stata the variable `X_1` held the other code's numbers."""
    from coder.export.tables import stata_names

    assert stata_names(["X-1", "X_1"]) == ["X_1_2", "X_1"]
    assert stata_names(["X_1", "X-1"]) == ["X_1", "X_1_2"]
    # The renamed one steps over every valid name, wherever it stands.
    assert stata_names(["X-1", "X_1", "X_1_2"]) == ["X_1_3", "X_1", "X_1_2"]
    assert stata_names(["end", "_end"]) == ["_end_2", "_end"]
    assert stata_names(["SEC.WAR", "SEC"]) == ["SEC_WAR", "SEC"]


def test_dta_matrix_column_of_a_code_holds_that_codes_numbers(project, tmp_path):
    """End to end: `coder export m.dta --by document` with codes X-1 and X_1 and a segment
    of X_1 only; Stata's variable X_1 is the code X_1 (1), X-1 gets another name (0)."""
    import pandas as pd

    from coder.codebook import parse_codebook, store_codebook
    from coder.corpus.importer import import_paths
    from tests.helpers import TRANSCRIPT, code_phrase, write_transcript

    import_paths(project, [write_transcript(tmp_path, "in/2019/marzo/05--a.txt", TRANSCRIPT)])
    store_codebook(project, parse_codebook(
        "codebook:\n  name: Clash\n  languages: [es]\ncodes:\n"
        "  - id: X-1\n    name: Dash\n  - id: X_1\n    name: Underscore\n"))
    code_phrase(project, "alice", 1, "X_1", "guerra contra el narco")
    project.db.conn.commit()
    out = tmp_path / "m.dta"
    result = CliRunner().invoke(main, ["export", str(out), "--by", "document",
                                       "-p", str(project.path)])
    assert result.exit_code == 0, result.output
    assert "X-1 -> X_1_2" in result.output and "X_1 ->" not in result.output
    frame = pd.read_stata(out)
    assert list(frame.columns)[4:] == ["X_1_2", "X_1"]
    assert list(frame["X_1"]) == [1] and list(frame["X_1_2"]) == [0]
    with pd.io.stata.StataReader(out) as reader:
        labels = reader.variable_labels()
    assert labels["X_1_2"] == "X-1" and labels["X_1"] == ""


def test_cli_export_dta_says_which_columns_were_renamed(coded, tmp_path):
    out = tmp_path / "m.dta"
    result = CliRunner().invoke(main, ["export", str(out), "-p", str(coded.path), "--by", "document"])
    assert result.exit_code == 0, result.output
    assert "Stata names for" in result.output and "SEC.WAR -> SEC_WAR" in result.output
    result = CliRunner().invoke(main, ["export", str(tmp_path / "s.data"), "--format", "dta",
                                       "-p", str(coded.path)])
    assert result.exit_code == 0, result.output and (tmp_path / "s.data").exists()
