"""The methods paragraph (`coder agreement --methods`) says what the record shows, and the
report's bootstrap is seeded, bounded and honest about the units it cannot resample."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from coder.agreement.report import agreement_report
from coder.agreement.units import match_segments
from coder.cli import main
from coder.errors import CoderError
from coder.team.blind import reveal
from coder.team.methods import format_methods, methods_report
from coder.team.sample import draw_sample, set_status
from tests.helpers import code_phrase, make_project

WAR = "Ya no hay guerra en la sierra."
NOFORCE = "No vamos a combatir el fuego con fuego."


def paragraph(text: str) -> str:
    """The paragraph (first line) with its white space made single."""
    return " ".join(text.split("\n")[0].split())


def run(project, *args) -> str:
    result = CliRunner().invoke(main, ["agreement", "-p", str(project.path), *args],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def blind_sample(tmp_path):
    """alice and bob coded and marked done all 3 sampled documents; the first was revealed
    to bob after he marked it done, and he changed his coding there afterwards."""
    with make_project(tmp_path, documents=6) as project:
        sample = draw_sample(project, ["alice", "bob"], size="3", seed=1)
        docs = sample.reliability
        for doc in docs:
            for coder in ("alice", "bob"):
                code_phrase(project, coder, doc, "SEC.WAR", WAR)
                set_status(project, coder, doc, "done")
        reveal(project, "bob", docs[0], via="test")
        code_phrase(project, "bob", docs[0], "DES.NOFORCE", NOFORCE)   # after the reveal
        yield project, docs


def test_blind_only_paragraph_states_what_happened(blind_sample):
    """With --blind-only the paragraph said a sampled document was 'not (yet) coded by every
    coder' (both had coded and finished it), that 'the event log records no reveal' (it
    records one) and counted the same document again as 'not coded blind'."""
    project, docs = blind_sample
    first = docs[0]
    info = methods_report(project, ["alice", "bob"], "turn", bootstrap=200, seed=1,
                          blind_only=True)
    text = paragraph(format_methods(info))
    assert "not (yet) coded" not in text
    assert "coded the same 3 documents from a random reliability sample of 3" in text
    assert "independently" not in text.split(".")[0]     # one document was not blind
    assert (f"1 document (#{first}) is left out because it was not coded blind by every coder: "
            "the event log records another coder's work revealed to bob there") in text
    assert text.count(f"#{first}") == 1 and text.count("left out") == 1
    assert "Agreement is computed on the remaining 2 documents." in text
    assert info["documents"] == docs[1:]
    assert info["not_coded_by_all"] == [] and info["left_out_not_blind"] == [first]
    assert info["left_out_not_blind_detail"] == [{"document_id": first, "coders": ["bob"]}]
    assert ("Coding was blind: on the remaining documents the event log records no reveal"
            in text)
    # The same through the command; the report's header keeps the sample's description.
    assert paragraph(run(project, "--coders", "alice,bob", "--blind-only", "--methods",
                         "--bootstrap", "200")) == text
    out = run(project, "--coders", "alice,bob", "--blind-only")
    header = next(line for line in out.splitlines() if line.startswith("Documents"))
    assert header == ("Documents (2): reliability sample: 3 of 3 sampled documents, coded "
                      "independently by both coders; of these, the 2 coded blind by both coders")
    assert "chosen by id" not in out
    assert "left out as not coded blind by every coder" in out and f"#{first}: bob" in out
    # Without --blind-only every document counts and the pairs are counted honestly.
    text = paragraph(format_methods(methods_report(project, ["alice", "bob"], "turn",
                                                   bootstrap=200, seed=1)))
    assert "coded the same 3 documents from" in text
    assert "Coding was blind for 5 of 6 coder-document pairs" in text
    assert "left out" not in text


def test_documents_chosen_by_id_carry_the_caveat(tmp_path):
    """With --doc 1,2 and carol never in document 2, the table notes said she was counted as
    coding nothing there but the paragraph said all 3 'coded the same 2 documents
    independently', and (with no sample) '... a sampled document'."""
    with make_project(tmp_path, documents=3) as project:
        for coder in ("alice", "bob", "carol"):
            code_phrase(project, coder, 1, "SEC.WAR", WAR)
        code_phrase(project, "alice", 2, "SEC.WAR", WAR)
        code_phrase(project, "bob", 2, "DES.NOFORCE", NOFORCE)
        info = methods_report(project, ["alice", "bob", "carol"], "turn", docs=[1, 2],
                              bootstrap=200, seed=1)
        text = paragraph(format_methods(info))
        assert text.startswith("Agreement among 3 coders (alice, bob and carol) was computed "
                               "on 2 documents chosen by id (#1, #2); carol has no codings in "
                               "document #2 and is counted as coding nothing there.")
        assert "coded the same" not in text and "sampled" not in text
        assert info["rule"] == "listed" and info["absent"] == {"carol": [2]}
        # No sample and no ids: every document all coded, and still no "sampled document".
        text = paragraph(format_methods(methods_report(project, ["alice", "bob"], "turn",
                                                       bootstrap=200, seed=1)))
        assert "coded the same 2 documents independently (every document all of them coded)" \
            in text
        assert "sampled" not in text


def test_span_methods_name_the_measures_computed(tmp_path):
    """--unit span said 'each code is a binary variable per unit' and headed the table
    "Cohen's κ" over Brennan & Prediger's kappa_n, with |u_alpha under a bare α."""
    with make_project(tmp_path, documents=2) as project:
        for doc in (1, 2):
            code_phrase(project, "alice", doc, "SEC.WAR", WAR)
            code_phrase(project, "bob", doc, "SEC.WAR", WAR, trim=(0, 6) if doc == 2 else (0, 0))
        code_phrase(project, "alice", 1, "DES.NOFORCE", NOFORCE)
        code_phrase(project, "bob", 1, "DES.NOFORCE", NOFORCE)
        info = methods_report(project, ["alice", "bob"], "span", bootstrap=1000, seed=1)
        text = format_methods(info)
        first = paragraph(text)
        assert "binary variable per unit" not in first and "Cohen" not in text
        assert "Krippendorff, Mathet, Bouvry and Widlöcher's (2016) binary unitizing alpha" in first
        assert "Brennan and Prediger's (1981) κn" in first
        assert "No bootstrap confidence intervals are given for |uα." in first
        assert "bootstrap replicates" not in first
        assert "| Code | segments | \\|uα | κn | % agreement |" in text
        # The pooled κn, computed here from the segment counts: chance 1/k, k codes used.
        from coder.agreement import units as U

        scope = U.select_documents(project, ["alice", "bob"], "all")
        spans = U.load_spans(project, scope, ["SEC.WAR", "DES.NOFORCE"])
        matches = match_segments(spans, ["alice", "bob"], 0.9)
        agree = sum(m.agreements for m in matches.values())
        total = sum(m.total for m in matches.values())
        p_o, k = agree / total, 2
        kappa_n = (p_o - 1 / k) / (1 - 1 / k)
        assert (agree, total) == (4, 6)     # the trimmed segment of document 2 misses 0.9
        pooled = next(line for line in text.splitlines() if line.startswith("| **pooled**"))
        assert pooled == (f"| **pooled** | {total} | – | {f'{kappa_n:.3f}'.lstrip('0')} | "
                          f"{100 * p_o:.1f} |")
        # The plain report heads its columns by what they hold too.
        head = next(line for line in run(project, "--coders", "alice,bob", "--unit", "span")
                    .splitlines() if line.startswith("Code "))
        assert "|uα" in head and "κn" in head


def test_bootstrap_seed_is_chosen_minimum_and_span(tmp_path):
    """--bootstrap without --seed printed 'seed None' (not reproducible); --bootstrap 1 gave a
    '95% CI' of one replicate; span with --bootstrap silently gave no interval."""
    with make_project(tmp_path, documents=3) as project:
        for doc in (1, 2, 3):
            code_phrase(project, "alice", doc, "SEC.WAR", WAR)
            if doc != 2:
                code_phrase(project, "bob", doc, "SEC.WAR", WAR)
            code_phrase(project, "bob", doc, "DES.NOFORCE", NOFORCE)
        code_phrase(project, "alice", 1, "DES.NOFORCE", NOFORCE)
        report = agreement_report(project, ["alice", "bob"], "turn", bootstrap=300)
        assert isinstance(report.seed, int)
        assert any(f"bootstrap seed {report.seed} chosen at random" in n for n in report.notes)
        assert not any("seed None" in m for m in report.measures)
        again = agreement_report(project, ["alice", "bob"], "turn", bootstrap=300,
                                 seed=report.seed)
        assert [(r.ci_low, r.ci_high) for r in again.rows] == [
            (r.ci_low, r.ci_high) for r in report.rows]
        assert report.pooled.ci_low is not None
        assert any("only 300 bootstrap replicates" in n for n in report.notes)
        assert not any("only" in n for n in agreement_report(
            project, ["alice", "bob"], "turn", bootstrap=1000, seed=1).notes)
        for few in (1, 199):
            with pytest.raises(CoderError, match="at least 200 replicates"):
                agreement_report(project, ["alice", "bob"], "turn", bootstrap=few, seed=1)
        span = agreement_report(project, ["alice", "bob"], "span", bootstrap=300, seed=1)
        assert span.bootstrap == 0 and span.seed is None
        assert any(n.startswith("no confidence intervals (300 bootstrap replicates were asked)")
                   for n in span.notes)
        # The command prints the seed it used, in the text, JSON and a warning.
        result = CliRunner().invoke(main, ["agreement", "-p", str(project.path), "--coders",
                                           "alice,bob", "--bootstrap", "200", "--json"])
        assert result.exit_code == 0, result.output
        seed = json.loads(result.stdout)["seed"]
        assert isinstance(seed, int) and f"--seed {seed}" in result.stderr
        result = CliRunner().invoke(main, ["agreement", "-p", str(project.path), "--coders",
                                           "alice,bob", "--bootstrap", "1"])
        assert result.exit_code == 1 and "--bootstrap needs at least 200" in result.output


def test_unused_codes_have_no_percent_and_counts_read_right(tmp_path):
    """Codes nobody used carried percent 1.0 next to alpha null in JSON and CSV; one
    document or code was worded '1 documents', 'Of 1 codes'."""
    with make_project(tmp_path, documents=1) as project:
        code_phrase(project, "alice", 1, "SEC.WAR", WAR)
        code_phrase(project, "bob", 1, "SEC.WAR", WAR)
        out = tmp_path / "a.csv"
        report = json.loads(run(project, "--coders", "alice,bob", "--json", "--csv", str(out)))
        unused = [r for r in report["codes"] if not any(r["coded"].values())]
        assert unused and all(r["percent"] is None and r["alpha"] is None for r in unused)
        used = next(r for r in report["codes"] if r["id"] == "SEC.WAR")
        assert used["percent"] == 1.0
        with open(out, newline="", encoding="utf-8") as handle:
            rows = {r["id"]: r for r in csv.DictReader(handle)}
        assert all(rows[r["id"]]["percent"] == "" for r in unused)
        text = run(project, "--coders", "alice,bob")
        assert "Documents (1): the 1 document coded by both coders" in text
        methods = paragraph(run(project, "--coders", "alice,bob", "--methods"))
        assert "Of 1 code used, 1 reaches alpha" in methods or "Of 1 code used, 0 reach" in methods
        assert "1 codes" not in methods and "1 documents" not in methods
