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
from tests.test_export_segments import build_coded

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
    with pytest.raises(CoderError, match="--by must be"):
        frequencies(coded, by="week")
    with pytest.raises(CoderError, match="no code"):
        frequencies(coded, codes="NOPE")


def test_parse_per():
    assert parse_per("10k") == 10_000 and parse_per("1m") == 1_000_000 and parse_per(500) == 500
    assert parse_per(None) is None and per_label(10_000) == "10k" and per_label(250) == "250"
    with pytest.raises(CoderError, match="--per"):
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
    assert [(r["month"], r["DES"]) for r in rows] == [("2019-03", "1"), ("2019-04", "0")]
    result = runner.invoke(main, ["stats", "--by", "speaker", "--series", str(series),
                                  "-p", str(coded.path)])
    assert result.exit_code == 1 and "--series needs --by month" in result.output
    result = runner.invoke(main, ["stats", "--json", "--by", "year", "-p", str(coded.path)])
    assert result.exit_code == 0 and '"year": "2019"' in result.output
