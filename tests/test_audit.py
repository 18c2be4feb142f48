"""The precision audit: Wilson intervals, the seeded stratified draw, verdicts, the report."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from coder.cli import main
from coder.codebook import parse_codebook, store_codebook
from coder.corpus.importer import import_paths
from coder.errors import CoderError
from coder.project import now
from coder.team.audit import (
    audit_items,
    audit_report,
    draw_audit,
    judge_item,
    wilson_interval,
)
from tests.helpers import CODEBOOK, TRANSCRIPT


@pytest.mark.parametrize(("successes", "n", "low", "high"), [
    # Values from Brown, Cai & DasGupta (2001) and R's prop.test(correct = FALSE).
    (0, 10, 0.0, 0.2775),
    (10, 10, 0.7225, 1.0),
    (5, 10, 0.2366, 0.7634),
    (81, 263, 0.2553, 0.3662),
    (1, 1, 0.2065, 1.0),
])
def test_wilson_interval_matches_known_values(successes, n, low, high):
    lo, hi = wilson_interval(successes, n)
    assert lo == pytest.approx(low, abs=1e-4)
    assert hi == pytest.approx(high, abs=1e-4)


def test_wilson_interval_edges():
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError):
        wilson_interval(3, 2)
    # Narrower with more data at the same rate.
    small, large = wilson_interval(3, 10), wilson_interval(300, 1000)
    assert large[1] - large[0] < small[1] - small[0]


@pytest.fixture
def audited(project, tmp_path):
    """Three documents (2019, 2019, 2020) with suggestions of three codes."""
    paths = []
    for n, (year, day) in enumerate([("2019", "05"), ("2019", "12"), ("2020", "05")]):
        text = TRANSCRIPT.replace("2019", year).replace("05 de marzo", f"{day} de marzo")
        path = tmp_path / year / "marzo" / f"{day}-{n}--conferencia.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    import_paths(project, paths)
    store_codebook(project, parse_codebook(CODEBOOK))
    stamp = now()
    for doc in (1, 2, 3):
        for i in range(6):
            code, pattern = [("SEC.WAR", "war-phrase"), ("DES.NOFORCE", "abrazos"),
                             ("DES.ROOT", "causas")][i % 3]
            project.db.execute(
                'INSERT INTO suggestions(document_id, code_id, start, "end", pattern_id,'
                " codebook_version, pipeline, created_at) VALUES (?, ?, ?, ?, ?, 'v', 't', ?)",
                [doc, code, 10 + 20 * i, 20 + 20 * i, pattern, stamp])
    return project


def test_draw_is_stratified_by_code_and_reproducible(audited):
    result = draw_audit(audited, "ana", per_code=4, seed=7)
    assert result.codes == {"DES.NOFORCE": 4, "DES.ROOT": 4, "SEC.WAR": 4}
    assert result.drawn == 12
    ana = [(i["code_id"], i["document_id"], i["start"]) for i in audit_items(audited, "ana")]
    # The same seed gives another judge the same items, in the same order.
    draw_audit(audited, "ben", per_code=4, seed=7)
    ben = [(i["code_id"], i["document_id"], i["start"]) for i in audit_items(audited, "ben")]
    assert ana == ben
    # Drawing again under the same name adds nothing; another seed draws another sample.
    again = draw_audit(audited, "ana", per_code=4, seed=7)
    assert (again.drawn, again.already) == (0, 12)
    other = draw_audit(audited, "cy", per_code=4, seed=8)
    cy = [(i["code_id"], i["document_id"], i["start"]) for i in audit_items(audited, "cy")]
    assert other.drawn == 12 and sorted(cy) != sorted(ana)


def test_draw_filters(audited):
    result = draw_audit(audited, "ana", per_code=50, seed=1, codes=["DES"], since="2020")
    assert result.codes == {"DES.NOFORCE": 2, "DES.ROOT": 2}
    assert {i["date"][:4] for i in audit_items(audited, "ana")} == {"2020"}
    result = draw_audit(audited, "ana", per_code=50, seed=1, codes=["SEC"], until="2019-03",
                        draw="early")
    assert result.codes == {"SEC.WAR": 4}
    with pytest.raises(CoderError, match="no suggestions match"):
        draw_audit(audited, "ana", per_code=1, seed=1, codes=["CTX"])
    # (this codebook declares no attributes: a filter on one is a mistake, said so)
    with pytest.raises(CoderError, match="no code of the codebook carries a source dimension"):
        draw_audit(audited, "ana", per_code=1, seed=1, predicted={"source": "own"})


def test_items_carry_context_and_stay_blind(audited):
    draw_audit(audited, "ana", per_code=2, seed=3)
    draw_audit(audited, "ben", per_code=2, seed=3)
    ana, ben = audit_items(audited, "ana"), audit_items(audited, "ben")
    judge_item(audited, "ana", ana[0]["id"], "wrong", "not about security")
    # Ben's items show nothing of Ana's verdicts.
    assert all(item["verdict"] is None for item in audit_items(audited, "ben"))
    assert audit_items(audited, "ana")[0]["verdict"] == "wrong"
    item = audit_items(audited, "ana")[0]
    stored = audited.db.execute("SELECT text FROM documents WHERE id = ?",
                                [item["document_id"]]).fetchone()[0]
    assert item["text"] == stored[item["start"]:item["end"]]
    assert stored[:item["start"]].endswith(item["before"])
    assert item["definition"] is not None
    with pytest.raises(CoderError, match="another judge"):
        judge_item(audited, "ben", ana[0]["id"], "correct")
    with pytest.raises(CoderError, match="verdict 'maybe'"):
        judge_item(audited, "ben", ben[0]["id"], "maybe")
    event = audited.rows("SELECT * FROM events WHERE action = 'judge'")[0]
    assert json.loads(event["after"]) == {"verdict": "wrong", "reason": "not about security"}


def test_report_gives_precision_n_and_intervals(audited):
    draw_audit(audited, "ana", per_code=6, seed=11)
    verdicts = {"SEC.WAR": ["correct"] * 2 + ["wrong"] * 4,
                "DES.NOFORCE": ["correct"] * 5 + ["borderline"],
                "DES.ROOT": ["correct"] * 3 + ["borderline", "wrong", "wrong"]}
    for item in audit_items(audited, "ana"):
        judge_item(audited, "ana", item["id"], verdicts[item["code_id"]].pop())
    report = audit_report(audited)
    assert report.judgements == 18 and report.pending == 0
    codes = {c.key: c for c in report.by_code}
    assert (codes["SEC.WAR"].n, codes["SEC.WAR"].correct) == (6, 2)
    assert codes["SEC.WAR"].precision == pytest.approx(2 / 6, abs=1e-4)
    low, high = wilson_interval(2, 6)
    assert (codes["SEC.WAR"].low, codes["SEC.WAR"].high) == (round(low, 4), round(high, 4))
    assert codes["DES.NOFORCE"].lenient == 1.0
    families = {c.key: c for c in report.by_family}
    assert families["DES"].n == 12 and families["DES"].correct == 8
    assert report.overall.precision == pytest.approx(10 / 18, abs=1e-4)
    years = {c.key: c.n for c in report.by_year}
    assert sum(years.values()) == 18 and set(years) <= {"2019", "2020"}
    assert {(c.code, c.pattern) for c in report.by_pattern} == {
        ("SEC.WAR", "war-phrase"), ("DES.NOFORCE", "abrazos"), ("DES.ROOT", "causas")}
    # Every cell has fewer than 30 judgements: the report says so.
    assert all(c.thin for c in report.by_code)
    assert any("fewer than 30" in w for w in report.warnings)
    assert not audit_report(audited, thin=5).by_code[0].thin
    # Filters: one judge, one family.
    assert audit_report(audited, judges=["nobody"]).judgements == 0
    assert audit_report(audited, codes=["SEC"]).judgements == 6


def test_cli_draw_mark_report(audited):
    runner = CliRunner()
    path = str(audited.path)
    result = runner.invoke(main, ["audit", "draw", "--judge", "ana", "--per-code", "2",
                                  "--seed", "5", "-p", path])
    assert result.exit_code == 0, result.output
    assert "6 suggestion(s) of 3 code(s) drawn for ana" in result.output
    result = runner.invoke(main, ["audit", "list", "--judge", "ana", "--json", "-p", path])
    items = json.loads(result.output)
    assert len(items) == 6 and items[0]["verdict"] is None
    result = runner.invoke(main, ["audit", "mark", str(items[0]["id"]), "correct", "--judge", "ana",
                                  "--reason", "own move", "-p", path])
    assert result.exit_code == 0 and "correct" in result.output
    result = runner.invoke(main, ["audit", "report", "--json", "-p", path])
    report = json.loads(result.output)
    assert report["judgements"] == 1 and report["pending"] == 5
    # The JSON keys are the AuditReport / PrecisionCell fields: a renamed one fails here.
    assert list(report) == ["judgements", "suggestions", "pending", "judges", "draws", "thin_below", "overall",
                            "weighted", "weighted_over", "by_family", "by_code", "by_pattern", "by_year",
                            "by_predicted", "judge_agreement", "warnings", "blind"]
    assert list(report["overall"]) == ["key", "n", "judgements", "correct", "borderline", "wrong", "precision",
                                       "low", "high", "lenient", "lenient_low", "lenient_high",
                                       "thin"]
    assert list(report["by_pattern"][0])[-2:] == ["code", "pattern"]
    result = runner.invoke(main, ["audit", "report", "-p", path])
    assert result.exit_code == 0 and "precision" in result.output and "thin" in result.output
    result = runner.invoke(main, ["audit", "draw", "--per-code", "2", "--seed", "5",
                                  "--since", "2019-13", "-p", path])
    assert result.exit_code == 1 and "--since" in result.output


def test_patterns_report_shows_n_intervals_and_audit(audited):
    from coder.annotate import accept_suggestion, reject_suggestion

    accept_suggestion(audited, "ana", 1)   # SEC.WAR / war-phrase
    reject_suggestion(audited, "ana", 4)   # SEC.WAR / war-phrase
    draw_audit(audited, "ben", per_code=3, seed=2, codes=["SEC"])
    for item in audit_items(audited, "ben"):
        judge_item(audited, "ben", item["id"], "correct")
    runner = CliRunner()
    result = runner.invoke(main, ["patterns", "report", "--json", "-p", str(audited.path)])
    assert result.exit_code == 0, result.output
    rows = {(r["code"], r["pattern"]): r for r in json.loads(result.output)["patterns"]}
    war = rows[("SEC.WAR", "war-phrase")]
    assert (war["n"], war["precision"]) == (2, 0.5)
    assert (war["low"], war["high"]) == tuple(round(b, 4) for b in wilson_interval(1, 2))
    assert war["thin"] and war["audit"]["n"] == 3 and war["audit"]["precision"] == 1.0
    assert rows[("DES.ROOT", "causas")]["audit"] is None
    result = runner.invoke(main, ["patterns", "report", "-p", str(audited.path)])
    assert result.exit_code == 0 and "50%" in result.output and "thin" in result.output


def test_stats_counts_suggestions_weighted_by_audited_precision(audited):
    from coder.team.audit import suggestion_frequencies

    columns, rows, notes = suggestion_frequencies(audited, by="year", codes=["SEC", "DES"])
    assert columns == ["year", "SEC suggested (unvalidated)", "DES suggested (unvalidated)"]
    assert [(r["year"], r["SEC suggested (unvalidated)"], r["DES suggested (unvalidated)"])
            for r in rows] == [("2019", 4, 8), ("2020", 2, 4)]
    # Audit SEC.WAR at 1/2 and DES.NOFORCE at 1.0; DES.ROOT falls back on the DES family.
    draw_audit(audited, "ana", per_code=2, seed=4, codes=["SEC", "DES.NOFORCE"])
    for item in audit_items(audited, "ana"):
        verdict = "correct" if item["code_id"] == "DES.NOFORCE" else None
        judge_item(audited, "ana", item["id"], verdict or "correct")
    first = next(i for i in audit_items(audited, "ana") if i["code_id"] == "SEC.WAR")
    judge_item(audited, "ana", first["id"], "wrong")
    columns, rows, notes = suggestion_frequencies(audited, by="year", codes=["SEC", "DES"],
                                                  weighted=True)
    year = {r["year"]: r for r in rows}
    # Every suggestion here is presented (none set aside).
    assert year["2019"]["SEC presented x audited precision"] == 2.0   # 4 x 0.5
    assert year["2019"]["DES presented x audited precision"] == 8.0   # 4 x 1.0 + 4 x 1.0 (family)
    assert year["2019"]["SEC set aside (unvalidated)"] == 0
    assert any("fewer than 30" in n for n in notes)
    result = CliRunner().invoke(main, ["stats", "--by", "year", "--suggestions", "--weighted",
                                       "--codes", "SEC", "--json", "-p", str(audited.path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[1]["SEC presented x audited precision"] == 1.0
    result = CliRunner().invoke(main, ["stats", "--weighted", "-p", str(audited.path)])
    assert result.exit_code == 1 and "add --suggestions" in result.output


def _suggested(project, *args: str) -> dict[str, int]:
    """``coder stats --by year --suggestions --code SEC --json ARGS``: SEC per year."""
    result = CliRunner().invoke(main, ["stats", "--by", "year", "--suggestions", "--code", "SEC",
                                       "--json", *args, "-p", str(project.path)])
    assert result.exit_code == 0, result.output
    return {r["year"]: r["SEC suggested (unvalidated)"] for r in json.loads(result.stdout)}


def test_stats_of_suggestions_select_documents_as_every_statistic(audited):
    """Excluded documents, --where and --since/--until choose the documents counted, as in
    `coder stats` of codings: they were ignored (all of the project's suggestions counted)."""
    from coder.corpus.documents import set_attributes, set_excluded
    from coder.team.audit import suggestion_frequencies

    assert _suggested(audited) == {"2019": 4, "2020": 2}       # 2 SEC.WAR per document
    set_excluded(audited, [1])
    assert _suggested(audited) == {"2019": 2, "2020": 2}
    assert _suggested(audited, "--include-excluded") == {"2019": 4, "2020": 2}
    assert _suggested(audited, "--where", "genre=nothing") == {}
    set_attributes(audited, 3, ["genre=speech"])
    assert _suggested(audited, "--where", "genre=speech") == {"2020": 2}
    assert _suggested(audited, "--since", "2020") == {"2020": 2}
    # A document named by id counts though excluded (the rule of coder.selection).
    _, rows, _ = suggestion_frequencies(audited, codes=["SEC"], document_ids=[1])
    assert [(r["year"], r["SEC suggested (unvalidated)"]) for r in rows] == [("2019", 2)]
    # What --suggestions cannot apply is refused, not ignored.
    for extra in (["--coded-only"], ["--all-documents"], ["--coder", "ana"]):
        result = CliRunner().invoke(main, ["stats", "--suggestions", *extra,
                                           "-p", str(audited.path)])
        assert result.exit_code == 1 and "--suggestions takes" in result.output, extra


def test_weighted_suggestions_weigh_set_aside_ones_apart(audited):
    """A precision audited on presented suggestions weighted the set-aside ones too."""
    from coder.team.audit import suggestion_frequencies

    # Document 1's SEC.WAR hits are set aside (dimmed: not the speaker's own move).
    audited.db.execute("UPDATE suggestions SET marked = 1 WHERE document_id = 1"
                       " AND code_id = 'SEC.WAR'")
    draw_audit(audited, "ana", per_code=50, seed=1, presented=True, codes=["SEC"])
    for item in audit_items(audited, "ana"):
        assert item["set_aside"] is False
        judge_item(audited, "ana", item["id"], "correct")
    columns, rows, notes = suggestion_frequencies(audited, codes=["SEC"], weighted=True)
    assert columns == ["year", "SEC suggested (unvalidated)",
                       "SEC presented (unvalidated)", "SEC presented x audited precision",
                       "SEC set aside (unvalidated)", "SEC set aside x audited precision"]
    year = {r["year"]: r for r in rows}
    assert year["2019"]["SEC suggested (unvalidated)"] == 4
    assert year["2019"]["SEC presented (unvalidated)"] == 2
    assert year["2019"]["SEC presented x audited precision"] == 2.0    # not 4.0
    assert year["2019"]["SEC set aside (unvalidated)"] == 2
    assert year["2019"]["SEC set aside x audited precision"] is None   # nobody read them
    assert any("no precision audited on set-aside" in n and "SEC.WAR" in n for n in notes)
    # Warnings cover the codes asked for only: DES has no audit, but was not asked for.
    assert not any("DES" in n or "presented suggestions" in n for n in notes)
    result = CliRunner().invoke(main, ["stats", "--by", "year", "--suggestions", "--weighted",
                                       "--code", "SEC", "--json", "-p", str(audited.path)])
    assert result.exit_code == 0, result.output
    assert "DES" not in result.stderr and "set-aside" in result.stderr
    _, _, notes = suggestion_frequencies(audited, codes=["SEC", "DES"], weighted=True)
    assert any("no precision audited on presented" in n and "DES." in n for n in notes)
    # An audit that reads the set-aside ones weights them by their own precision.
    draw_audit(audited, "ana", per_code=50, seed=2, codes=["SEC"], draw="all", unjudged=True)
    for item in audit_items(audited, "ana", draw="all", pending_only=True):
        assert item["set_aside"] is True
        judge_item(audited, "ana", item["id"], "wrong")
    _, rows, notes = suggestion_frequencies(audited, codes=["SEC"], weighted=True)
    year = {r["year"]: r for r in rows}
    assert year["2019"]["SEC presented x audited precision"] == 2.0
    assert year["2019"]["SEC set aside x audited precision"] == 0.0
    assert not any("set-aside" in n for n in notes)


def test_report_measures_how_far_judges_agree(audited):
    from coder.agreement.measures import krippendorff_alpha

    draw_audit(audited, "ana", per_code=2, seed=9)
    draw_audit(audited, "ben", per_code=2, seed=9)
    assert audit_report(audited).judge_agreement is None      # nothing judged twice yet
    ana_verdicts = ["correct", "wrong", "correct", "borderline", "wrong", "correct"]
    ben_verdicts = ["correct", "wrong", "wrong", "borderline", "wrong", "correct"]
    for item, verdict in zip(audit_items(audited, "ana"), ana_verdicts):
        judge_item(audited, "ana", item["id"], verdict)
    for item, verdict in zip(audit_items(audited, "ben"), ben_verdicts):
        judge_item(audited, "ben", item["id"], verdict)
    shared = audit_report(audited).judge_agreement
    assert shared.items == 6 and shared.percent == pytest.approx(5 / 6, abs=1e-4)
    assert shared.alpha == pytest.approx(
        krippendorff_alpha([ana_verdicts, ben_verdicts]).value, abs=1e-4)


def test_draw_only_suggestions_predicted_so(audited):
    from tests.helpers import with_attributes

    store_codebook(audited, parse_codebook(with_attributes()))
    columns = [r[1] for r in audited.db.execute("PRAGMA table_info(suggestions)")]
    if "source" not in columns:  # a rule engine that predicts adds the column
        audited.db.execute("ALTER TABLE suggestions ADD COLUMN source TEXT")
    audited.db.execute("UPDATE suggestions SET source = CASE WHEN id % 2 = 0 THEN 'own'"
                       " ELSE 'attributed' END")
    result = draw_audit(audited, "ana", per_code=50, seed=1, predicted={"source": "own"})
    items = audit_items(audited, "ana")
    assert result.drawn == len(items) == 9  # half of the 18
    assert all(item["predicted"]["source"] == "own" for item in items)
    report = audit_report(audited)
    assert report.judgements == 0
    judge_item(audited, "ana", items[0]["id"], "correct")
    assert [c.key for c in audit_report(audited).by_predicted] == ["source=own"]


def test_draw_presented_unjudged_and_codes_without_the_dimension(audited):
    from tests.helpers import with_attributes

    store_codebook(audited, parse_codebook(with_attributes()))   # polarity: SEC codes only
    audited.db.execute("UPDATE suggestions SET polarity = CASE WHEN id % 2 = 0 THEN 'affirmed'"
                       " ELSE 'negated' END, marked = CASE WHEN id % 3 = 0 THEN 1 ELSE 0 END")
    path = str(audited.path)
    runner = CliRunner()
    result = runner.invoke(main, ["audit", "draw", "--judge", "ana", "--per-code", "50", "--seed", "1",
                                  "--predicted", "polarity=affirmed", "--json", "-p", path])
    assert result.exit_code == 0, result.output
    # DES codes carry no polarity: they are kept (the workbench shows them), and a note says so.
    assert json.loads(result.stdout)["codes"] == {"DES.NOFORCE": 6, "DES.ROOT": 6, "SEC.WAR": 3}
    assert "2 code(s) have no polarity dimension" in result.stderr
    # --presented: only what the workbench does not set aside; list says which ones are.
    result = runner.invoke(main, ["audit", "draw", "--judge", "ben", "--per-code", "50", "--seed", "1",
                                  "--presented", "-p", path])
    assert result.exit_code == 0, result.output
    marked = {r[0] for r in audited.db.execute("SELECT id FROM suggestions WHERE marked = 1")}
    ben = audit_items(audited, "ben")
    assert len(ben) == 18 - len(marked) and not {i["suggestion_id"] for i in ben} & marked
    assert all(i["set_aside"] is False for i in ben)
    ana = runner.invoke(main, ["audit", "list", "--judge", "ana", "-p", path]).output.splitlines()
    assert sum("set-aside]" in line for line in ana) == sum(
        i["suggestion_id"] in marked for i in audit_items(audited, "ana")) > 0
    listed = json.loads(runner.invoke(main, ["audit", "list", "--judge", "ana", "--json",
                                             "-p", path]).output)
    assert {i["set_aside_why"] for i in listed if i["set_aside"]} == {"not the speaker's own affirmed move"}
    # --unjudged: what any judge has a verdict on is left out of a fresh draw.
    judged = [i for i in ben if i["code_id"] == "SEC.WAR"][:2]
    for item in judged:
        judge_item(audited, "ben", item["id"], "correct")
    result = runner.invoke(main, ["audit", "draw", "--judge", "cy", "--per-code", "50", "--seed", "1",
                                  "--unjudged", "--code", "SEC", "-p", path])
    assert result.exit_code == 0, result.output
    fresh = {i["suggestion_id"] for i in audit_items(audited, "cy")}
    assert len(fresh) == 6 - len(judged) and not fresh & {i["suggestion_id"] for i in judged}


def test_draw_listed_ids(audited, tmp_path):
    ids = tmp_path / "ids.txt"
    ids.write_text("# the ones to read again\n3, 5\n7\n", encoding="utf-8")
    runner = CliRunner()
    path = str(audited.path)
    result = runner.invoke(main, ["audit", "draw", "--judge", "ana", "--seed", "2", "--ids", str(ids),
                                  "-p", path])
    assert result.exit_code == 0, result.output
    assert sorted(i["suggestion_id"] for i in audit_items(audited, "ana")) == [3, 5, 7]
    ids.write_text("3 999\n", encoding="utf-8")
    result = runner.invoke(main, ["audit", "draw", "--judge", "ben", "--seed", "2", "--ids", str(ids),
                                  "-p", path])
    assert result.exit_code == 1 and "suggestion #999 is no current suggestion" in result.output
    ids.write_text("3\nx4\n", encoding="utf-8")
    result = runner.invoke(main, ["audit", "draw", "--judge", "ben", "--seed", "2", "--ids", str(ids),
                                  "-p", path])
    assert result.exit_code == 1 and "ids.txt: line 2: 'x4'" in result.output
    assert audited.db.execute("SELECT count(*) FROM audit_items").fetchone()[0] == 3  # ana's only
    result = runner.invoke(main, ["audit", "draw", "--judge", "ben", "--seed", "2", "-p", path])
    assert result.exit_code == 1 and "--per-code N is needed" in result.output


def test_mark_many_from_csv_in_one_transaction(audited, tmp_path):
    draw_audit(audited, "ana", per_code=2, seed=5)
    draw_audit(audited, "ben", per_code=2, seed=5)
    items = audit_items(audited, "ana")
    sheet = tmp_path / "verdicts.csv"
    runner = CliRunner()
    path = str(audited.path)

    def mark(text):
        sheet.write_text(text, encoding="utf-8")
        return runner.invoke(main, ["audit", "mark", "--from", str(sheet), "--judge", "ana", "-p", path])

    def stored(judge="ana"):
        return [(i["verdict"], i["reason"]) for i in audit_items(audited, judge)]

    # Bad rows: the file and row are named, and nothing is recorded (not even the good rows).
    result = mark(f"item,verdict,reason\n{items[0]['id']},correct,ok\n{items[1]['id']},maybe,\n")
    assert result.exit_code == 1 and "verdicts.csv: row 3: verdict 'maybe'" in result.output
    ben_item = audit_items(audited, "ben")[0]["id"]
    result = mark(f"item,verdict\n{items[0]['id']},correct\n{ben_item},wrong\n")
    assert result.exit_code == 1 and f"row 3: audit item #{ben_item} is not one of ana's" in result.output
    result = mark("id,verdict\n1,correct\n")
    assert result.exit_code == 1 and "row 1 must name the columns" in result.output
    assert all(v == (None, None) for v in stored())
    # Good rows, by item id (a quoted reason holds a comma) and by suggestion id.
    result = mark(f'item,verdict,reason\n{items[0]["id"]},wrong,"vaccines, not security"\n'
                  f"{items[1]['id']},correct,\n")
    assert result.exit_code == 0, result.output
    assert "2 verdict(s)" in result.output and "1 correct" in result.output
    assert stored()[:2] == [("wrong", "vaccines, not security"), ("correct", None)]
    result = mark(f"suggestion,verdict,reason\n{items[2]['suggestion_id']},borderline,arguable\n")
    assert result.exit_code == 0, result.output
    assert stored()[2] == ("borderline", "arguable")
    assert all(v == (None, None) for v in stored("ben"))
    result = runner.invoke(main, ["audit", "mark", "--judge", "ana", "-p", path])
    assert result.exit_code != 0 and "--from FILE.csv" in result.output


def test_draw_where_selects_documents_by_attribute(audited):
    from coder.corpus.documents import set_attributes, set_excluded

    set_attributes(audited, 2, ["desk=north"])
    set_attributes(audited, 3, ["desk=north"])
    result = draw_audit(audited, "ana", per_code=50, seed=1, where=["desk=North"])
    assert sum(result.codes.values()) == 12                 # documents 2 and 3 only
    assert {i["document_id"] for i in audit_items(audited, "ana")} == {2, 3}
    # Excluded documents are left out unless asked for, as everywhere.
    set_excluded(audited, [3])
    assert sum(draw_audit(audited, "ben", per_code=50, seed=1, where=["desk=north"]).codes.values()) == 6
    assert sum(draw_audit(audited, "cy", per_code=50, seed=1, where=["desk=north"],
                          include_excluded=True).codes.values()) == 12
    with pytest.raises(CoderError, match="no suggestions match"):
        draw_audit(audited, "dee", per_code=1, seed=1, where=["desk=south"])
    with pytest.raises(CoderError, match="key=value"):
        draw_audit(audited, "dee", per_code=1, seed=1, where=["desk"])
    event = audited.rows("SELECT after FROM events WHERE action = 'draw' ORDER BY id")[0]
    assert json.loads(event["after"])["where"] == ["desk=North"]
    # The command line takes the shared --where option.
    runner = CliRunner()
    result = runner.invoke(main, ["audit", "draw", "--judge", "eve", "--per-code", "50", "--seed", "1",
                                  "--where", "desk=north", "--json", "-p", str(audited.path)])
    assert result.exit_code == 0, result.output
    assert sum(json.loads(result.stdout)["codes"].values()) == 6


def test_report_is_blind_for_a_judge_until_done(audited):
    draw_audit(audited, "ana", per_code=1, seed=9)
    draw_audit(audited, "ben", per_code=1, seed=9)
    ana, ben = audit_items(audited, "ana"), audit_items(audited, "ben")
    judge_item(audited, "ben", ben[0]["id"], "wrong")
    judge_item(audited, "ben", ben[1]["id"], "wrong")
    judge_item(audited, "ana", ana[0]["id"], "correct")
    # Ana has two items left: she sees her own judgement only, not Ben's.
    seen = audit_report(audited, viewer="ana")
    assert (seen.judgements, seen.judges, seen.pending) == (1, ["ana"], 2)
    assert (seen.blind.judge, seen.blind.pending) == ("ana", 2)
    assert seen.overall.precision == 1.0 and seen.judge_agreement is None
    assert audit_report(audited, viewer="ana", judges=["ben"]).judgements == 0
    # Someone who judges nothing (and the core without a viewer) sees everything.
    assert audit_report(audited, viewer="olga").judgements == 3
    assert audit_report(audited).judges == ["ana", "ben"]
    # A project owner sees all even with items of their own left.
    audited.set_setting("owners", ["ana"])
    assert audit_report(audited, viewer="ana").judgements == 3
    audited.set_setting("owners", [])
    # Once ana has judged all her items, she sees everyone's.
    for item in ana[1:]:
        judge_item(audited, "ana", item["id"], "borderline")
    done = audit_report(audited, viewer="ana")
    assert done.judgements == 5 and done.blind is None
    assert done.judge_agreement is not None
    # The command line reads as $CODER_NAME (or --as).
    runner = CliRunner()
    path = str(audited.path)
    result = runner.invoke(main, ["audit", "report", "--json", "--as", "ben", "-p", path])
    report = json.loads(result.output)
    assert report["judges"] == ["ben"] and report["blind"]["pending"] == 1
    result = runner.invoke(main, ["audit", "report", "-p", path], env={"CODER_NAME": "ben"})
    assert result.exit_code == 0 and "ben's own judgements only" in result.output


def test_weighted_precision_speaks_only_for_the_kind_of_suggestion_judged(audited):
    """An audit of presented suggestions weighted each code by all its suggestions, set-aside
    ones and those of excluded documents too; now each code counts the presented ones in
    documents still in the analyses, and the report says what it speaks for."""
    # SEC.WAR: 6 suggestions in all, 2 set aside (document 1); document 3 is excluded from
    # analyses.  Counted: SEC.WAR 2 presented (document 2), DES.ROOT 4 presented.
    audited.db.execute("UPDATE suggestions SET marked = 1 WHERE code_id = 'SEC.WAR'"
                       " AND document_id = 1")
    audited.db.execute("UPDATE documents SET excluded = 1 WHERE id = 3")
    draw_audit(audited, "ana", per_code=50, seed=1, presented=True, codes=["SEC.WAR", "DES.ROOT"])
    for item in audit_items(audited, "ana"):
        judge_item(audited, "ana", item["id"], "correct" if item["code_id"] == "SEC.WAR" else "wrong")
    report = audit_report(audited)
    population = dict(audited.db.execute(
        "SELECT code_id, count(*) FROM suggestions s JOIN documents d ON d.id = s.document_id"
        " WHERE s.marked = 0 AND d.excluded = 0 GROUP BY code_id"))
    sec, root = population["SEC.WAR"], population["DES.ROOT"]
    assert (sec, root) == (2, 4)
    assert report.weighted == pytest.approx(2 / 6, abs=1e-4)   # was 6 / 12: all suggestions
    assert report.weighted_over == "presented suggestions"
    assert any("nobody judged" in w and "SEC.WAR set aside" in w for w in report.warnings)
    result = CliRunner().invoke(main, ["audit", "report", "-p", str(audited.path)])
    assert "weighted by each code's share of presented suggestions" in " ".join(
        result.output.split())


def _wilson(k: float, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson's score interval written out from the formula, as a check on the code's."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    return max(0.0, centre - half), min(1.0, centre + half)


def test_report_counts_a_suggestion_two_judges_read_once(audited):
    """Two judges reading the same suggestions doubled n (18 suggestions gave n = 36), so
    the intervals were too narrow and the thin flag counted duplicates.  Now n counts
    suggestions and a suggestion the judges split on counts half correct."""
    draw_audit(audited, "ana", per_code=6, seed=4)
    draw_audit(audited, "ben", per_code=6, seed=4)
    ana, ben = audit_items(audited, "ana"), audit_items(audited, "ben")
    # SEC.WAR: both say correct on 5, they split on the sixth (ana correct, ben wrong).
    # DES.NOFORCE: both wrong on all six.  DES.ROOT: both correct on 3, wrong on 3.
    split = next(i for i in ana if i["code_id"] == "SEC.WAR")
    key = (split["document_id"], split["start"])
    root_correct = sorted(i["start"] + 1000 * i["document_id"] for i in ana
                          if i["code_id"] == "DES.ROOT")[:3]

    def verdict(item, judge):
        if item["code_id"] == "SEC.WAR":
            if (item["document_id"], item["start"]) == key and judge == "ben":
                return "wrong"
            return "correct"
        if item["code_id"] == "DES.ROOT":
            return "correct" if item["start"] + 1000 * item["document_id"] in root_correct else "wrong"
        return "wrong"

    for judge, items in (("ana", ana), ("ben", ben)):
        for item in items:
            judge_item(audited, judge, item["id"], verdict(item, judge))
    report = audit_report(audited, thin=20)
    assert report.overall.n == 18       # was 36: every judgement counted
    assert (report.judgements, report.suggestions) == (36, 18)
    assert report.overall.judgements == 36
    assert report.overall.thin        # 18 suggestions < 20, though 36 judgements
    assert report.overall.correct == pytest.approx(5.5 + 3)
    low, high = _wilson(8.5, 18)
    assert (report.overall.low, report.overall.high) == (pytest.approx(low, abs=1e-4),
                                                         pytest.approx(high, abs=1e-4))
    war = {c.key: c for c in report.by_code}["SEC.WAR"]
    assert (war.n, war.correct, war.wrong) == (6, 5.5, 0.5)
    assert war.precision == pytest.approx(5.5 / 6, abs=1e-4)
    low, high = _wilson(5.5, 6)
    assert (war.low, war.high) == (pytest.approx(low, abs=1e-4), pytest.approx(high, abs=1e-4))
    root = {c.key: c for c in report.by_code}["DES.ROOT"]
    assert (root.n, root.correct) == (6, 3)
    low, high = _wilson(3, 6)
    assert (root.low, root.high) == (pytest.approx(low, abs=1e-4), pytest.approx(high, abs=1e-4))
    family = {c.key: c for c in report.by_family}["DES"]
    assert (family.n, family.correct) == (12, 3)
    assert sum(c.n for c in report.by_pattern) == 18
    assert sum(c.n for c in report.by_year) == 18
    # The weighted precision weighs the same per-code shares (6 presented suggestions each).
    assert report.weighted == pytest.approx((5.5 / 6 + 0 + 3 / 6) / 3, abs=1e-4)
    # The judges' agreement still compares their verdicts item by item.
    assert report.judge_agreement.items == 18
    assert report.judge_agreement.percent == pytest.approx(17 / 18, abs=1e-4)
    # One judge alone: whole counts, as before.
    alone = {c.key: c for c in audit_report(audited, judges=["ben"]).by_code}["SEC.WAR"]
    assert (alone.n, alone.correct, alone.judgements) == (6, 5, 6)
    result = CliRunner().invoke(main, ["audit", "report", "-p", str(audited.path), "--as", "owner"])
    text = " ".join(result.output.split())
    assert "36 judgement(s) of 18 suggestion(s)" in text and "n=18 suggestion(s)" in text
    assert "5.5/0/0.5" in text and "counts once" in text
