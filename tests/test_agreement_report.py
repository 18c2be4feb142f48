"""The agreement report: coefficients checked against reference libraries, degenerate codes,
thresholds, scope statements, JSON/CSV output and the command."""

from __future__ import annotations

import csv
import json

import krippendorff
import numpy as np
import pytest
from click.testing import CliRunner

from coder.agreement import units as U
from coder.agreement.report import agreement_report
from coder.commands.team import agreement as agreement_command
from coder.errors import CoderError
from tests.helpers import code_phrase, make_project, phrase_span

CODERS = ["alice", "bob", "carol"]


@pytest.fixture
def coded(tmp_path):
    """Three coders over three documents, agreeing on some codes and not on others."""
    with make_project(tmp_path, documents=3) as project:
        for doc in (1, 2, 3):
            for coder in CODERS:
                code_phrase(project, coder, doc, "SEC.WAR", "Ya no hay guerra en la sierra.")
            code_phrase(project, "alice", doc, "DES.NOFORCE", "No vamos a combatir el fuego con fuego.")
            code_phrase(project, "bob", doc, "DES.NOFORCE", "No vamos a combatir el fuego", trim=(3, 0))
        code_phrase(project, "carol", 2, "DES.NOFORCE", "No vamos a combatir el fuego con fuego.")
        code_phrase(project, "alice", 1, "DES.ROOT", "Vamos a atender a los jóvenes del barrio.")
        code_phrase(project, "bob", 3, "DES.ROOT", "La seguridad se construye con empleo y escuelas.")
        yield project


def row(report, code_id):
    return next(r for r in report.rows if r.id == code_id)


@pytest.mark.parametrize("unit", ["turn", "sentence", "document"])
def test_alpha_matches_reference(coded, unit):
    report = agreement_report(coded, CODERS, unit)
    scope = U.select_documents(coded, CODERS, "all")
    data = U.reliability_data(coded, scope, report_codes(report), unit)
    for r in report.rows:
        matrix = data.data[r.id].astype(float)
        if r.alpha is not None:
            expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
            assert r.alpha == pytest.approx(expected)
            assert r.n == matrix.shape[1]
    used = [r.id for r in report.rows if any(r.coded)]
    assert "SEC.THREAT" not in used and report.pooled.n == len(used) * matrix.shape[1]
    stacked = U.reliability_data(coded, scope, used, unit).stacked().astype(float)
    assert report.pooled.alpha == pytest.approx(
        krippendorff.alpha(reliability_data=stacked, level_of_measurement="nominal"))
    assert "Fleiss" in row(report, "DES.NOFORCE").kappa_measure or "fleiss" in row(
        report, "DES.NOFORCE").kappa_measure


def report_codes(report):
    return [r.id for r in report.rows]


def test_two_coders_use_cohen(coded):
    report = agreement_report(coded, ["alice", "bob"], "turn")
    r = row(report, "DES.NOFORCE")
    assert "cohen" in r.kappa_measure
    # alice and bob code the same turn in all three documents: perfect agreement.
    assert r.alpha == pytest.approx(1.0) and r.kappa == pytest.approx(1.0)
    assert r.percent == pytest.approx(1.0)
    # The pooled row equals the coefficients computed on the stacked data.
    from sklearn.metrics import cohen_kappa_score

    scope = U.select_documents(coded, ["alice", "bob"], "all")
    used = [r.id for r in report.rows if any(r.coded)]   # codes nobody used are left out
    stacked = U.reliability_data(coded, scope, used, "turn").stacked()
    assert report.pooled.kappa == pytest.approx(cohen_kappa_score(stacked[0], stacked[1]))
    assert report.pooled.percent == pytest.approx((stacked[0] == stacked[1]).mean())
    assert report.pooled.alpha == pytest.approx(krippendorff.alpha(
        reliability_data=stacked.astype(float), level_of_measurement="nominal"))


def test_degenerate_codes_give_reasons(coded):
    report = agreement_report(coded, CODERS, "turn")
    nobody = row(report, "SEC.THREAT")
    assert nobody.alpha is None and nobody.reason == "nobody used this code"
    root = row(report, "DES.ROOT")
    assert root.extra.get("only") is None  # alice and bob both used it
    only = agreement_report(coded, ["alice", "carol"], "turn")
    assert row(only, "DES.ROOT").reason == "only alice used this code"
    assert row(report, "SEC.WAR").alpha == pytest.approx(1.0)
    # Every coder coded war framing in every document: no variation at the document level.
    by_document = agreement_report(coded, CODERS, "document")
    war = row(by_document, "SEC.WAR")
    assert war.alpha is None and "no variation" in war.reason
    text = by_document.format_text()
    assert "no variation" in text
    assert "Not used by any of these coders (3 codes, no coefficient): SEC, SEC.THREAT, DES" in text
    assert "\nSEC.THREAT " not in text  # no table row for an unused code


def test_flags_and_text(coded):
    report = agreement_report(coded, CODERS, "turn")
    flagged = {r.id: r.flag for r in report.rows}
    for r in report.rows:
        if r.alpha is not None and r.alpha < 0.667:
            assert flagged[r.id] == "< .667"
        elif r.alpha is not None and r.alpha < 0.8:
            assert flagged[r.id] == "< .800"
    text = report.format_text()
    assert "unit: turn" in text and "alice, bob, carol" in text
    assert "all 3 documents coded by all 3 coders" in text
    assert "Krippendorff (2004" in text and "stacked" in text


def test_character_alpha_matches_reference(coded):
    report = agreement_report(coded, CODERS, "character")
    lengths = dict(coded.db.execute("SELECT id, length(text) FROM documents").fetchall())
    total = sum(lengths.values())
    used_marks = []
    for r in report.rows:
        marks = np.zeros((3, total))  # a per-character oracle is fine at this size
        offset = 0
        for doc in (1, 2, 3):
            for i, coder in enumerate(CODERS):
                for s, e in coded.db.execute(
                        'SELECT a.start, a."end" FROM annotations a JOIN coders k ON k.id = a.coder_id'
                        " WHERE k.name = ? AND a.document_id = ? AND a.code_id = ? AND deleted = 0",
                        [coder, doc, r.id]):
                    marks[i, offset + s: offset + e] = 1
            offset += lengths[doc]
        assert r.coded == [int(x) for x in marks.sum(axis=1)]
        if r.alpha is not None:
            assert r.alpha == pytest.approx(
                krippendorff.alpha(reliability_data=marks, level_of_measurement="nominal"))
        if marks.any():
            used_marks.append(marks)
    assert report.n_units == total
    stacked = np.concatenate(used_marks, axis=1)
    assert report.pooled.alpha == pytest.approx(
        krippendorff.alpha(reliability_data=stacked, level_of_measurement="nominal"))


def test_span_unit(coded):
    report = agreement_report(coded, ["alice", "bob"], "span", overlap=0.9)
    r = row(report, "DES.NOFORCE")
    start, end = phrase_span(coded, 1, "No vamos a combatir el fuego con fuego.")
    # bob's segment is alice's minus 3 characters at the start and the last 11.
    ratio = (end - 11 - (start + 3)) / (end - start)
    assert ratio < 0.9
    assert (r.extra["agreements"], r.extra["disagreements"]) == (0, 6)
    loose = agreement_report(coded, ["alice", "bob"], "span", overlap=round(ratio - 0.01, 2))
    assert row(loose, "DES.NOFORCE").extra["agreements"] == 6
    war = row(report, "SEC.WAR")
    assert war.percent == 1.0 and war.alpha == pytest.approx(1.0)
    assert "|u_alpha" in war.alpha_measure
    assert report.pooled.kappa is not None and "Brennan" in report.pooled.kappa_measure
    assert report.groups and report.groups[0].id == "STANCE"


def test_bootstrap_reproducible(coded):
    one = agreement_report(coded, CODERS, "sentence", bootstrap=300, seed=11)
    two = agreement_report(coded, CODERS, "sentence", bootstrap=300, seed=11)
    r1, r2 = row(one, "DES.NOFORCE"), row(two, "DES.NOFORCE")
    assert r1.ci_low is not None and (r1.ci_low, r1.ci_high) == (r2.ci_low, r2.ci_high)
    assert r1.ci_low <= r1.alpha <= r1.ci_high
    chars = agreement_report(coded, CODERS, "character", bootstrap=200, seed=3)
    r = row(chars, "DES.NOFORCE")
    assert r.ci_low is not None and r.ci_low <= r.ci_high


def test_exclusive_group(coded):
    report = agreement_report(coded, ["alice", "bob"], "turn")
    group = report.groups[0]
    assert group.id == "STANCE"
    scope = U.select_documents(coded, ["alice", "bob"], "all")
    data = U.reliability_data(coded, scope, report_codes(report), "turn")
    numeric = data.groups["STANCE"].astype(float)
    expected = krippendorff.alpha(reliability_data=numeric, level_of_measurement="nominal")
    assert group.alpha == pytest.approx(expected)


def test_code_filter_and_errors(coded):
    report = agreement_report(coded, CODERS, "turn", codes=["DES.NOFORCE"])
    assert report_codes(report) == ["DES.NOFORCE"] and report.groups == []
    with pytest.raises(CoderError):
        agreement_report(coded, CODERS, "paragraph")
    with pytest.raises(CoderError):
        agreement_report(coded, CODERS, "turn", codes=["NOPE"])
    with pytest.raises(CoderError):
        agreement_report(coded, ["alice", "zoe"], "turn")


def test_json_and_csv(coded, tmp_path):
    report = agreement_report(coded, CODERS, "turn")
    data = json.loads(report.to_json())
    assert data["unit"] == "turn" and data["coders"] == CODERS and data["documents"] == [1, 2, 3]
    assert {c["id"] for c in data["codes"]} == set(report_codes(report))
    assert data["thresholds"] == {"reliable": 0.8, "tentative": 0.667}
    path = tmp_path / "agreement.csv"
    report.write_csv(path)
    with open(path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(report.rows) + len(report.groups) + 1
    assert {"coded_alice", "coded_bob", "coded_carol", "alpha", "flag"} <= set(rows[0])


def test_command(coded, tmp_path):
    runner = CliRunner()
    out = tmp_path / "table.csv"
    result = runner.invoke(agreement_command, [
        "-p", str(coded.path), "--coders", "alice,bob,carol", "--unit", "sentence",
        "--csv", str(out), "--bootstrap", "200", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "unit: sentence" in result.output and "95% CI" in result.output
    assert out.exists()
    result = runner.invoke(agreement_command, [
        "-p", str(coded.path), "--coders", "alice,bob", "--unit", "span", "--overlap", "0.8",
        "--code", "SEC.WAR", "--docs", "1,2", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["overlap"] == 0.8 and data["documents"] == [1, 2]
    assert [c["id"] for c in data["codes"]] == ["SEC.WAR"]
