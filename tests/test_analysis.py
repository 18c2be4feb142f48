"""Frequencies per month / year / speaker / document, rates per words, series, plots."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from coder.analysis import (
    frequencies,
    parse_per,
    per_label,
    plot_frequencies,
    read_series,
    terminal_chart,
)
from coder.cli import main
from coder.errors import CoderError
from tests.helpers import build_coded

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def coded(project, tmp_path):
    build_coded(project, tmp_path)
    return project


def words_of(project, document_id: int) -> int:
    """Words counted here from the turn texts, independently of the importer."""
    text = project.db.execute("SELECT text FROM documents WHERE id = ?", [document_id]).fetchone()[0]
    return sum(len(text[s:e].split()) for s, e in project.db.execute(
        'SELECT start, "end" FROM turns WHERE document_id = ?', [document_id]))


def test_per_month_counts_and_rates(coded):
    columns, rows = frequencies(coded, by="month", codes="SEC,DES", per="10k")
    assert columns == ["month", "documents", "words", "SEC", "SEC per 10k", "DES", "DES per 10k"]
    march, april = rows
    assert (march["month"], march["SEC"], march["DES"]) == ("2019-03", 1, 4)
    assert (april["month"], april["SEC"], april["DES"]) == ("2019-04", 2, 1)
    assert march["words"] == words_of(coded, 1) and april["words"] == words_of(coded, 2)
    assert march["DES per 10k"] == round(4 * 10_000 / words_of(coded, 1), 4)
    assert april["SEC per 10k"] == round(2 * 10_000 / words_of(coded, 2), 4)


def test_default_codes_are_top_level_families(coded):
    columns, rows = frequencies(coded, by="year", coder="alice")
    assert columns == ["year", "documents", "words", "SEC", "DES"]
    assert rows == [{"year": "2019", "documents": 2, "words": words_of(coded, 1) + words_of(coded, 2),
                     "SEC": 2, "DES": 3}]


def test_per_speaker_uses_turn_words(coded):
    columns, rows = frequencies(coded, by="speaker", codes=["SEC", "DES"], coder="alice", per=1000)
    by_kind = {r["speaker_kind"]: r for r in rows}
    assert (by_kind["president"]["SEC"], by_kind["president"]["DES"]) == (1, 3)
    assert (by_kind["press"]["SEC"], by_kind["press"]["DES"]) == (1, 0)
    president_words = sum(w for (w,) in coded.db.execute(
        "SELECT t.words FROM turns t JOIN speakers s ON s.id = t.speaker_id WHERE s.kind = 'president'"))
    assert by_kind["president"]["words"] == president_words
    assert by_kind["president"]["DES per 1k"] == round(3 * 1000 / president_words, 4)
    assert rows[0]["speaker_kind"] == "president"  # most coded first


def test_per_document_and_bad_input(coded):
    _, rows = frequencies(coded, by="document", codes=["SEC.WAR"])
    assert [(r["document_id"], r["SEC.WAR"]) for r in rows] == [(1, 1), (2, 1)]
    with pytest.raises(CoderError, match="^by must be"):
        frequencies(coded, by="week")
    with pytest.raises(CoderError, match="no code"):
        frequencies(coded, codes="NOPE")


def test_parse_per():
    assert parse_per("10k") == 10_000 and parse_per("1m") == 1_000_000 and parse_per(500) == 500
    assert parse_per(None) is None and per_label(10_000) == "10k" and per_label(250) == "250"
    with pytest.raises(CoderError, match="^per "):
        parse_per("ten")


def test_read_series(tmp_path):
    monthly = tmp_path / "m.csv"
    monthly.write_text("month,homicides\n2019-03,2500\n2019-04,2400\n", encoding="utf-8")
    assert read_series(monthly) == ("homicides", {"2019-03": 2500.0, "2019-04": 2400.0})
    daily = tmp_path / "d.csv"
    daily.write_text("fecha_texto;date;value\nx;2019-03-01;1,5\ny;2019-03-02;2\nz;2019-04-01;\n",
                     encoding="utf-8")
    assert read_series(daily) == ("value", {"2019-03": 3.5})  # a blank cell is a gap
    assert read_series(monthly, by="year") == ("homicides", {"2019": 4900.0})
    bad = tmp_path / "bad.csv"
    bad.write_text("day,value\n1,2\n", encoding="utf-8")
    with pytest.raises(CoderError, match="'month' or 'date' column"):
        read_series(bad)
    bad.write_text("month,value\nMarch,2\n", encoding="utf-8")
    with pytest.raises(CoderError, match="line 2"):
        read_series(bad)


def test_series_row_with_an_extra_cell_is_a_one_line_error(coded, tmp_path):
    """A decimal comma in a comma-separated file gives a row one cell too many: csv keeps
    the extra cell as a list, and reading it crashed (AttributeError: 'list' ... 'strip')."""
    series = tmp_path / "s.csv"
    series.write_text("month,value\n2019-01,5\n2019-04,1,5\n", encoding="utf-8")
    with pytest.raises(CoderError, match=r"s\.csv: line 3: 3 cells where the header names 2; "
                                         "a decimal comma"):
        read_series(series)
    series.write_text("month,value,note\n2019-01,5,a\n\n2019-04,6,b,c\n", encoding="utf-8")
    with pytest.raises(CoderError, match=r"line 4: 4 cells where the header names 3$"):
        read_series(series)  # the file's line (the blank one counted); no comma in a number
    series.write_text("month,value\n2019-01,5\n2019-04,1,5\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["stats", "--series", str(series), "--plot",
                                       str(tmp_path / "y.png"), "-p", str(coded.path)])
    assert result.exit_code == 1 and result.output.count("\n") == 1, result.output
    assert "s.csv: line 3:" in result.output and "decimal comma" in result.output
    assert not (tmp_path / "y.png").exists()


@pytest.mark.parametrize(("body", "message"), [
    ("month,value\n2019-01,abc\n", r"line 2: value 'abc' is not a number$"),
    ("month,value\n2019-01,1\n2019-02,nan\n", r"line 3: value 'nan' is not a number$"),
    ('month,value\n2019-01,"1,5"\n', r"line 2: value '1,5' is not a number \(a decimal comma"),
    ("month;value\n2019-01;1,5\n2019-02;x\n", r"line 3: value 'x' is not a number$"),
    ("month,value\n2019-13,5\n", r"line 2: month '2019-13' is not a month \(YYYY-MM\): there "
                                  "is no month 13$"),
    ("date,value\n2019-02-30,5\n", r"line 2: date '2019-02-30' is not a date \(2019-02 has no "
                                    r"day 30\)$"),
    ("month,value\n2019,5\n", r"line 2: month '2019' is not a month \(YYYY-MM\)$"),
])
def test_series_values_it_cannot_read_are_errors(coded, tmp_path, body, message):
    """They were dropped: "wrote y.png" with an empty axis, the reader none the wiser."""
    series = tmp_path / "s.csv"
    series.write_text(body, encoding="utf-8")
    with pytest.raises(CoderError, match=r"s\.csv: " + message):
        read_series(series)
    result = CliRunner().invoke(main, ["stats", "--series", str(series), "--plot",
                                       str(tmp_path / "y.png"), "-p", str(coded.path)])
    assert result.exit_code == 1 and result.output.count("\n") == 1, result.output
    assert not (tmp_path / "y.png").exists()


def test_series_periods_outside_the_table_are_counted_in_a_warning(coded, tmp_path):
    pytest.importorskip("matplotlib")
    series = tmp_path / "s.csv"
    series.write_text("month,value\n2019-03,5\n2030-01,7\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["stats", "--series", str(series), "--plot",
                                       str(tmp_path / "y.png"), "-p", str(coded.path)])
    assert result.exit_code == 0, result.output
    assert "1 of the 2 months of " in result.stderr and "not drawn" in result.stderr
    assert (tmp_path / "y.png").exists()


def test_series_gaps_and_timestamps_still_read(tmp_path):
    series = tmp_path / "s.csv"
    series.write_text("date,value\n2019-03-01 00:00:00,2\n2019-03-02T12:00,1.5\n2019-04-01,\n",
                      encoding="utf-8")
    assert read_series(series) == ("value", {"2019-03": 3.5})
    assert read_series(series, by="year") == ("value", {"2019": 3.5})


def test_unreadable_files_are_one_line_errors(tmp_path):
    """The series and a pattern file share one reader: missing and non-UTF-8 files."""
    from coder.errors import PatternError
    from coder.suggest.store import read_pattern_file

    latin = tmp_path / "latin.csv"
    latin.write_bytes("month,valor\n2019-03,año\n".encode("latin-1"))
    for read, error in ((read_series, CoderError), (read_pattern_file, PatternError)):
        with pytest.raises(error, match=r"latin\.csv: not UTF-8 text$"):
            read(latin)
        with pytest.raises(error, match=r"missing\.jsonl: cannot read \(No such file"):
            read(tmp_path / "missing.jsonl")


def test_plot_writes_a_png(coded, tmp_path):
    pytest.importorskip("matplotlib")
    columns, rows = frequencies(coded, by="month", codes="SEC,DES", per="10k")
    series = ("homicides", {"2019-03": 2500.0, "2019-04": 2400.0})
    path = plot_frequencies(columns, rows, tmp_path / "trend.png", per="10k", series=series,
                            colors={"SEC": "#c0392b", "DES": "#2980b9"})
    data = path.read_bytes()
    assert data.startswith(PNG) and len(data) > 10_000
    columns, rows = frequencies(coded, by="speaker", codes="SEC,DES")
    bars = plot_frequencies(columns, rows, tmp_path / "speakers.png", by="speaker")
    assert bars.read_bytes().startswith(PNG)


def test_plot_without_matplotlib_is_a_clear_error(coded, tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    columns, rows = frequencies(coded, by="month")
    with pytest.raises(CoderError, match=r"needs matplotlib: pip install 'coder\[plot\]'"):
        plot_frequencies(columns, rows, tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_terminal_chart(coded):
    pytest.importorskip("plotext")
    columns, rows = frequencies(coded, by="month", codes="SEC,DES")
    chart = terminal_chart(columns, rows, color=False, width=60, height=12)
    assert chart and "SEC" in chart and "DES" in chart and "2019-03" in chart
    assert terminal_chart(*frequencies(coded, by="speaker"), by="speaker") is None


def test_cli_stats(coded, tmp_path):
    pytest.importorskip("matplotlib")
    series = tmp_path / "h.csv"
    series.write_text("month,homicides\n2019-03,2500\n2019-04,2400\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["stats", "--codes", "SEC,DES", "--per", "10k", "--gold",
                                  "--plot", str(tmp_path / "t.png"), "--series", str(series),
                                  "--csv", str(tmp_path / "t.csv"), "-p", str(coded.path)])
    assert result.exit_code == 0, result.output
    assert "SEC per 10k" in result.output
    assert (tmp_path / "t.png").read_bytes().startswith(PNG)
    with open(tmp_path / "t.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # The gold layer coded only March: April is missing (blank), not 0.
    assert [(r["month"], r["DES"]) for r in rows] == [("2019-03", "1"), ("2019-04", "")]
    assert "words of the 1 document coded by the gold layer" in " ".join(result.output.split())
    result = runner.invoke(main, ["stats", "--by", "speaker", "--series", str(series),
                                  "-p", str(coded.path)])
    assert result.exit_code == 1 and "--series needs --by month" in result.output
    result = runner.invoke(main, ["stats", "--json", "--by", "year", "-p", str(coded.path)])
    assert result.exit_code == 0 and '"year": "2019"' in result.output


# -- the denominator: only the documents a coder coded ----------------------------------------------

MAY = ("Mensaje | 2 de mayo, 2019\nAutor\n02 de mayo de 2019\n---\n"
       "PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR\nHablamos de la guerra y de la paz en mayo.\n")
JUNE = ("Mensaje | 3 de junio, 2019\nAutor\n03 de junio de 2019\n---\n"
        "PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR\nNada que codificar en junio, solo palabras.\n")


@pytest.fixture
def partly_coded(coded, tmp_path):
    """build_coded plus May (coded by bob only; alice assigned, not done) and June (no
    segments, alice's assignment done: read and found empty, so coded)."""
    from coder.annotate import apply_code
    from coder.corpus.importer import import_paths
    from tests.helpers import write_transcript

    import_paths(coded, [write_transcript(tmp_path, "in/2019/mayo/02--c.txt", MAY),
                         write_transcript(tmp_path, "in/2019/junio/03--d.txt", JUNE)])
    text = coded.db.execute("SELECT text FROM documents WHERE id = 3").fetchone()[0]
    start = text.index("guerra")
    apply_code(coded, "bob", 3, "SEC.WAR", start, start + len("guerra"))
    alice = coded.coder_id("alice")
    with coded.transaction():
        coded.db.execute("INSERT INTO assignments(document_id, coder_id, status) VALUES (3, ?, 'todo')",
                         [alice])
        coded.db.execute("INSERT INTO assignments(document_id, coder_id, status) VALUES (4, ?, 'done')",
                         [alice])
    return coded


def test_coded_documents(partly_coded):
    from coder.analysis import coded_documents

    assert coded_documents(partly_coded, coder="alice") == {1, 2, 4}
    assert coded_documents(partly_coded, coder="bob") == {1, 2, 3}
    assert coded_documents(partly_coded, gold=True) == {1}
    assert coded_documents(partly_coded, coders=["alice", "bob"]) == {1, 2, 3, 4}
    assert coded_documents(partly_coded) == {1, 2, 3, 4}
    assert coded_documents(partly_coded, coder="alice", since="2019-04") == {2, 4}


def test_one_coder_is_normalised_over_the_documents_they_coded(partly_coded):
    columns, rows = frequencies(partly_coded, by="month", codes="SEC,DES", coder="alice", per="10k")
    by_month = {r["month"]: r for r in rows}
    assert list(by_month) == ["2019-03", "2019-04", "2019-05", "2019-06"]
    may, june = by_month["2019-05"], by_month["2019-06"]
    # May: alice never coded it; missing, not 0 (and its words are not in a denominator).
    assert (may["documents"], may["words"], may["SEC"], may["SEC per 10k"]) == (0, 0, None, None)
    # June: assignment done without segments: a real zero over June's words.
    assert (june["documents"], june["words"], june["SEC"], june["SEC per 10k"]) == (
        1, words_of(partly_coded, 4), 0, 0.0)
    assert by_month["2019-03"]["SEC per 10k"] == round(1 * 10_000 / words_of(partly_coded, 1), 4)
    # --all-documents: the old denominator, May a zero over its words.
    _, rows = frequencies(partly_coded, by="month", codes="SEC,DES", coder="alice", per="10k",
                          coded_only=False)
    may = next(r for r in rows if r["month"] == "2019-05")
    assert (may["documents"], may["words"], may["SEC"], may["SEC per 10k"]) == (
        1, words_of(partly_coded, 3), 0, 0.0)


def test_without_a_coder_every_document_counts(partly_coded):
    _, rows = frequencies(partly_coded, by="month", codes="SEC")
    assert [(r["month"], r["documents"], r["SEC"]) for r in rows] == [
        ("2019-03", 1, 1), ("2019-04", 1, 2), ("2019-05", 1, 1), ("2019-06", 1, 0)]
    # Explicitly coded-only without a coder: documents anyone coded (all four here).
    _, rows = frequencies(partly_coded, by="month", codes="SEC", coded_only=True)
    assert [r["SEC"] for r in rows] == [1, 2, 1, 0]


def test_coded_only_by_year_document_and_speaker(partly_coded):
    _, years = frequencies(partly_coded, by="year", codes="SEC", gold=True, per=1000)
    assert years == [{"year": "2019", "documents": 1, "words": words_of(partly_coded, 1), "SEC": 0,
                      "SEC per 1k": 0.0}]
    _, docs = frequencies(partly_coded, by="document", codes="SEC", coder="alice")
    assert [(r["document_id"], r["SEC"]) for r in docs] == [(1, 1), (2, 1), (3, None), (4, 0)]
    _, speakers = frequencies(partly_coded, by="speaker", codes="SEC", gold=True)
    gold_words = sum(w for (w,) in partly_coded.db.execute("SELECT words FROM turns WHERE document_id = 1"))
    assert sum(r["words"] for r in speakers) == gold_words


def test_denominator_is_described(partly_coded):
    from coder.analysis import denominator

    assert denominator(partly_coded, coder="alice") == "words of the 3 documents coded by alice"
    assert denominator(partly_coded, gold=True) == "words of the 1 document coded by the gold layer"
    assert denominator(partly_coded, coder="alice", coded_only=False) == "words of all 4 documents"
    assert denominator(partly_coded) == "words of all 4 documents"
    assert denominator(partly_coded, since="2019-05") == "words of all 2 documents"


def test_plot_has_gaps_not_zeros(partly_coded, tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib.figure

    columns, rows = frequencies(partly_coded, by="month", codes="SEC,DES", coder="alice", per="10k")
    drawn = {}
    real_savefig = matplotlib.figure.Figure.savefig

    def spy(figure, *args, **kwargs):
        axis = figure.axes[0]
        drawn["title"] = axis.get_title()
        drawn["lines"] = {line.get_label(): list(line.get_ydata()) for line in axis.get_lines()}
        return real_savefig(figure, *args, **kwargs)

    matplotlib.figure.Figure.savefig = spy
    try:
        plot_frequencies(columns, rows, tmp_path / "gap.png", per="10k",
                         note="alice; words of the 3 documents coded by alice")
    finally:
        matplotlib.figure.Figure.savefig = real_savefig
    sec = drawn["lines"]["SEC"]
    assert sec[3] == 0.0 and sec[2] != sec[2]  # June a zero, May NaN (a gap)
    assert "words of the 3 documents coded by alice" in drawn["title"].replace("\n", " ")
    assert (tmp_path / "gap.png").read_bytes().startswith(PNG)


def test_terminal_chart_skips_missing_periods(partly_coded):
    pytest.importorskip("plotext")
    columns, rows = frequencies(partly_coded, by="month", codes="SEC,DES", coder="alice")
    assert terminal_chart(columns, rows, color=False, width=60, height=12)
    for row in rows:
        row["SEC"] = row["DES"] = None
    assert terminal_chart(columns, rows, color=False) is None  # nothing to draw


def test_cli_stats_names_the_denominator(partly_coded, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["stats", "--by", "month", "--codes", "SEC,DES", "--coder", "alice",
                                  "--per", "10k", "--csv", str(tmp_path / "a.csv"),
                                  "-p", str(partly_coded.path)])
    assert result.exit_code == 0, result.output
    title = " ".join(result.output.split())
    assert "Coded segments by month (alice; words of the 3 documents coded by alice)" in title
    with open(tmp_path / "a.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["month"], r["SEC"]) for r in rows] == [
        ("2019-03", "1"), ("2019-04", "1"), ("2019-05", ""), ("2019-06", "0")]
    result = runner.invoke(main, ["stats", "--codes", "SEC", "--coder", "alice", "--all-documents",
                                  "--json", "-p", str(partly_coded.path)])
    assert result.exit_code == 0, result.output
    assert '"SEC": null' not in result.output
    result = runner.invoke(main, ["stats", "--codes", "SEC", "--coder", "alice", "--json",
                                  "-p", str(partly_coded.path)])
    assert '"SEC": null' in result.output


# -- bad plot paths ---------------------------------------------------------------------------------

def test_plot_paths(coded, tmp_path):
    pytest.importorskip("matplotlib")
    import os
    import stat

    columns, rows = frequencies(coded, by="month", codes="SEC,DES")
    for bad, message in [(tmp_path / "s.txt", "the name must end in .png, .svg or .pdf"),
                         (tmp_path / "noext", "the name must end in"),
                         (tmp_path / "no" / "s.png", "does not exist"),
                         (tmp_path, "it is a folder")]:
        with pytest.raises(CoderError, match=message) as info:
            plot_frequencies(columns, rows, bad)
        assert str(info.value).startswith(f"cannot write a plot to {bad}" if "name" in message
                                          else f"cannot write {bad}")
    old = os.umask(0o022)
    try:
        for name in ("s.svg", "s.pdf", "S.PNG"):
            plot_frequencies(columns, rows, tmp_path / name)
            assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644
    finally:
        os.umask(old)
    assert (tmp_path / "s.pdf").read_bytes().startswith(b"%PDF")
    assert b"<svg" in (tmp_path / "s.svg").read_bytes()[:1000]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_cli_stats_bad_paths_are_one_line(coded, tmp_path):
    runner = CliRunner()
    for args in (["--plot", str(tmp_path / "s.txt")], ["--plot", str(tmp_path)],
                 ["--csv", str(tmp_path / "no" / "t.csv")], ["--csv", str(tmp_path)],
                 ["--series", str(tmp_path / "missing.csv")], ["--series", str(tmp_path)]):
        result = runner.invoke(main, ["stats", *args, "-p", str(coded.path)])
        assert result.exit_code == 1, (args, result.output)
        assert result.output.count("\n") == 1 and result.output.startswith("coder: "), result.output
    result = runner.invoke(main, ["cooccurrence", "--csv", str(tmp_path), "-p", str(coded.path)])
    assert result.exit_code == 1 and result.output.count("\n") == 1 and "it is a folder" in result.output
    assert not list(tmp_path.glob("*.txt"))
