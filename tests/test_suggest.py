"""Suggestions: pattern validation, the pipeline, matching, runs in a project, reports, CLI.

Every text here is written for the tests.  The fast pass is checked against the naive
one on generated text in ``test_suggest_fast.py``.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from coder.errors import CoderError, PatternError
from coder.project import Project
from coder.suggest import (
    RunScope,
    check_pattern,
    export_patterns,
    import_patterns,
    list_suggestions,
    needs_attrs,
    pattern_report,
    prepare_run,
    run_suggest,
)
from coder.suggest.engine import PatternRef, build_plan, match_texts
from coder.suggest.pipeline import LemmaData, load_pipeline, pipeline_spec
from coder.team.coders import set_suggestions_visible, suggestions_visible

# -- check_pattern / needs_attrs ------------------------------------------------------------


def entry(pattern, **extra) -> dict:
    return {"id": "p1", "lang": "es", "pattern": pattern, **extra}


@pytest.mark.parametrize("pattern, extra", [
    ("guerra contra el narco", {}),
    ("atender las causas", {"attr": "LEMMA"}),
    ([{"LEMMA": "atender"}, {"LOWER": {"IN": ["las", "sus"]}}, {"LOWER": "causas"}], {}),
    ([{"LOWER": "guerra"}, {"IS_PUNCT": True, "OP": "?"}, {"TEXT": {"REGEX": "^[Nn]arco"}}], {}),
    ([{"LOWER": "no"}, {"OP": "{1,3}"}, {"LEMMA": "guerra"}], {}),
    ([{"POS": "VERB"}, {"LOWER": "guerra"}], {}),
])
def test_check_pattern_accepts_valid_patterns(pattern, extra):
    assert check_pattern(entry(pattern, **extra)) is None


@pytest.mark.parametrize("bad, words", [
    ({"lang": "es", "pattern": "guerra"}, "id"),
    ({"id": "x", "pattern": "guerra"}, "lang"),
    ({"id": "x", "lang": "zz-nope", "pattern": "guerra"}, "unknown language"),
    (entry("   "), "empty phrase"),
    (entry(42), "must be a phrase"),
    (entry("guerra", attr="POS"), "attr"),
    (entry([{"LOWER": "guerra"}], attr="LEMMA"), "phrase patterns"),
    (entry([]), "empty token pattern"),
    (entry(["guerra"]), "token 1"),
    (entry([{"LOWER": "guerra", "OP": "??"}]), "token 1: OP"),
    (entry([{"LOWER": "guerra"}, {"LOWR": "contra"}]), "token 2: LOWR"),
    (entry([{"LOWER": {"IN": "guerra"}}]), "LOWER"),
    (entry([{"LOWER": {"REGEX": "(guerra"}}]), "does not compile"),
    (entry([{"_": {"foo": True}}]), "custom attributes"),
])
def test_check_pattern_names_the_problem_in_one_line(bad, words):
    problem = check_pattern(bad)
    assert problem is not None and words in problem
    assert "\n" not in problem


def test_needs_attrs_lists_what_a_tokenizer_cannot_give():
    assert needs_attrs(entry("guerra")) == set()
    assert needs_attrs(entry("atender las causas", attr="LEMMA")) == {"LEMMA"}
    assert needs_attrs(entry([{"POS": "VERB"}, {"LEMMA": "x"}, {"LOWER": "y", "OP": "?"}])) == {"POS", "LEMMA"}
    assert needs_attrs(entry([{"dep": "nsubj"}, {"ENT_TYPE": "PER"}])) == {"DEP", "ENT_TYPE"}


# -- pipeline -------------------------------------------------------------------------------

def test_pipeline_names_and_lemmas():
    spec = pipeline_spec("es")
    assert spec.name.startswith("blank:es+lookup/spacy-3.8") and "/lookups-" in spec.name
    assert spec.display == "es_blank" and spec.lemma_table
    nlp = load_pipeline("es")
    assert load_pipeline("es") is nlp  # cached per process
    assert nlp.pipe_names == ["lemmatizer", "sentencizer"]
    doc = nlp("Se acabó la guerra; atendiendo las causas.")
    assert [t.lemma_ for t in doc][:3] == ["Se", "acabar", "lo"]
    assert doc[5].lemma_ == "atender"


def test_language_without_lemma_table_falls_back_to_lowercase():
    spec = pipeline_spec("xx")
    assert not spec.lemma_table and spec.name.startswith("blank:xx/spacy-")
    warnings: list[str] = []
    plan = build_plan("xx", [PatternRef("C", {"id": "w", "lang": "xx", "pattern": [{"LEMMA": "Guerra"}]}),
                             PatternRef("C", {"id": "p", "lang": "xx", "pattern": "Gran Guerra",
                                              "attr": "LEMMA"})], warn=warnings.append)
    assert warnings and "lowercase" in warnings[0]
    text = "La GUERRA y la gran guerra."
    hits = match_texts(plan, [text], naive=True)[0]
    assert hits == [("C", "w", 3, 9), ("C", "p", 15, 26), ("C", "w", 20, 26)]
    assert match_texts(plan, [text])[0] == hits


def test_lemma_data_agrees_with_the_table_spacy_loads():
    data = LemmaData.for_lang("es")
    table = load_pipeline("es").get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    words = {"atiende", "causas", "las", "amenazas", "guerra", "Atender", "fuimos"}
    found = data.entries(keys=words)
    for word in words:
        assert found.get(word, word) == table.get(word, word)
    forms = set(data.entries(values={"atender"}))
    assert {"atiende", "atendemos", "atendiendo"} <= forms
    assert all(table.get(form) == "atender" for form in forms)


# -- matching -------------------------------------------------------------------------------

def plan_of(*items: tuple, lang: str = "es"):
    """A plan from (code, id, pattern[, attr][, exclude]) tuples."""
    refs = []
    for item in items:
        code, pid, pattern = item[:3]
        extra = {"attr": item[3]} if len(item) > 3 and item[3] else {}
        exclude = len(item) > 4 and item[4]
        refs.append(PatternRef(code, {"id": pid, "lang": lang, "pattern": pattern, **extra}, exclude))
    return build_plan(lang, refs)


def both(plan, texts):
    naive = match_texts(plan, texts, naive=True)
    fast = match_texts(plan, texts)
    assert fast == naive
    return naive


def test_phrases_tokens_and_lemmas_match_with_code_point_offsets():
    plan = plan_of(
        ("SEC.WAR", "war", "guerra contra el narco"),
        ("DES.ROOT", "causes", [{"LEMMA": "atender"}, {"LOWER": "las"}, {"LOWER": "causas"}]),
        ("DES.ROOT", "causes-phrase", "atender las causas", "LEMMA"),
        ("DES.NOFORCE", "hugs", "abrazos, no balazos"),
    )
    text = "¡Ya! 🙂 atendimos las causas: se acabó la GUERRA contra el narco.\nAbrazos, no balazos."
    hits = both(plan, [text])[0]
    spans = {(code, pid): (s, text[s:e]) for code, pid, s, e in hits}
    assert spans == {  # offsets are code points: the emoji counts as one
        ("DES.ROOT", "causes"): (7, "atendimos las causas"),
        ("DES.ROOT", "causes-phrase"): (7, "atendimos las causas"),
        ("SEC.WAR", "war"): (41, "GUERRA contra el narco"),
        ("DES.NOFORCE", "hugs"): (65, "Abrazos, no balazos"),
    }
    # spaCy's lookup table is case-sensitive: a capitalised verb keeps its own text as lemma.
    assert both(plan, ["Atendimos las causas"])[0] == []


def test_lemma_patterns_use_the_lookup_table_case_sensitively():
    plan = plan_of(("C", "verb", [{"LEMMA": "atender"}]))
    hits = both(plan, ["atendimos, atiende y Atiende; atender."])[0]
    assert [(s, e) for _, _, s, e in hits] == [(0, 9), (11, 18), (30, 37)]


def test_overlapping_and_nested_hits_are_kept_duplicates_are_not():
    plan = plan_of(
        ("A", "long", "guerra contra el narco"),
        ("A", "short", "guerra contra"),
        ("B", "word", [{"LOWER": "guerra"}]),
        ("B", "word-again", [{"LOWER": {"IN": ["guerra", "paz"]}}]),
        ("C", "optional", [{"LOWER": "guerra"}, {"LOWER": "contra", "OP": "?"}]),
    )
    hits = both(plan, ["la guerra contra el narco"])[0]
    assert ("A", "long", 3, 25) in hits and ("A", "short", 3, 16) in hits
    assert ("B", "word", 3, 9) in hits and ("B", "word-again", 3, 9) in hits
    assert ("C", "optional", 3, 9) in hits and ("C", "optional", 3, 16) in hits
    assert len(hits) == len(set(hits)) == 6


def test_exclude_drops_overlapping_hits_of_the_same_code_only():
    plan = plan_of(
        ("SEC.THREAT", "threat", [{"LEMMA": "amenazar"}]),
        ("CTX", "threat-word", [{"LOWER": "amenaza"}]),
        ("SEC.THREAT", "not-a-threat", [{"LOWER": "no"}, {"LOWER": "es"}, {"LOWER": "amenaza"}], None, True),
    )
    text = "Esto no es amenaza. Pero amenazan al pueblo."
    hits = both(plan, [text])[0]
    assert [(c, text[s:e]) for c, _, s, e in hits] == [("CTX", "amenaza"), ("SEC.THREAT", "amenazan")]


def test_context_patterns_and_unanchored_patterns_agree_with_naive():
    plan = plan_of(
        ("S", "sent-start", [{"IS_SENT_START": True, "LOWER": "guerra"}]),
        ("S", "spacy", [{"LOWER": "paz", "SPACY": False}]),
    )
    texts = ["Guerra. guerra y la guerra sin paz", "paz,paz paz"]
    hits = both(plan, texts)
    assert [t[2] for t in hits[0] if t[1] == "sent-start"] == [0, 8]
    assert [t[2] for t in hits[1]] == [0, 8]  # the "paz" followed by a space does not match
    assert plan.context_regex and not plan.full_all
    unanchored = plan_of(("N", "digits", [{"IS_DIGIT": True}, {"LOWER": {"REGEX": "^homicidios?$"}}]))
    assert unanchored.full_all and unanchored.notes
    assert [h[2:] for h in both(unanchored, ["Hubo 25 homicidios y 3 Homicidio."])[0]] == [(5, 18), (21, 32)]


def test_pattern_needing_pos_is_refused_naming_code_and_pattern():
    with pytest.raises(PatternError) as info:
        build_plan("es", [PatternRef("SEC.MARK.WAR", {"id": "war-x", "lang": "es",
                                                      "pattern": [{"POS": "VERB"}, {"LOWER": "guerra"}]})])
    assert str(info.value) == ("code SEC.MARK.WAR, pattern war-x: needs POS, which the blank "
                               "pipeline 'es_blank' cannot give; install a trained pipeline and choose it as the model")


def test_unknown_model_is_a_coder_error():
    with pytest.raises(CoderError, match="not installed"):
        build_plan("es", [PatternRef("C", entry("guerra"))], model="xx_no_such_pipeline_sm")


# -- runs in a project ------------------------------------------------------------------------

CODEBOOK = """codebook:
  name: Suggest tests
  languages: [es]
codes:
  - id: SEC
    name: Securitizing
    children:
      - id: SEC.WAR
        name: War
        patterns:
          - {id: war-narco, lang: es, pattern: "guerra contra el narco"}
          - id: declare-war
            lang: es
            pattern: [{LEMMA: declarar}, {LOWER: la}, {LOWER: guerra}]
      - id: SEC.THREAT
        name: Threat
        patterns:
          - id: threat
            lang: es
            pattern: [{LEMMA: amenazar}]
        exclude:
          - id: no-threat
            lang: es
            pattern: [{LOWER: "no"}, {LOWER: es}, {LOWER: amenaza}]
  - id: DES
    name: Desecuritizing
    children:
      - id: DES.NOFORCE
        name: No force
        patterns:
          - {id: hugs, lang: es, pattern: "abrazos, no balazos"}
      - id: DES.ROOT
        name: Root causes
        patterns:
          - {id: causes, lang: es, pattern: "atender las causas", attr: LEMMA}
"""


def transcript(title: str, date: str, turns: list[tuple[str, str]]) -> str:
    lines = [title, "Presidencia de la República", date]
    for speaker, text in turns:
        lines += ["---", speaker, text]
    return "\n".join(lines) + "\n"


DOCS = {
    "2019/marzo/05--uno.txt": transcript("Conferencia uno", "05 de marzo de 2019", [
        ("PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR",
         "Buenos días. Ellos declararon la guerra y fracasaron contra el narco.\n"
         "Nosotros vamos a atender las causas: abrazos, no balazos."),
        ("PREGUNTA", "Presidente, ¿no es amenaza lo que dijo el cártel? Dicen que amenazan a la prensa."),
        ("PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR", "No es amenaza. Ya no hay guerra contra el narco."),
    ]),
    "2019/junio/10--dos.txt": transcript("Conferencia dos", "10 de junio de 2019", [
        ("PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR", "Atendemos las causas, no declaramos la guerra."),
        ("INTERLOCUTORA", "¿Y la guerra contra el narco de antes? Declaró la guerra Calderón."),
    ]),
    "2020/enero/15--tres.txt": transcript("Conferencia tres", "15 de enero de 2020", [
        ("PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR", "Abrazos, no balazos. Los amenazaron y no cedimos."),
        ("PREGUNTA", "Usted dijo abrazos, no balazos."),
    ]),
    "2020/julio/01--cuatro.txt": transcript("Conferencia cuatro", "01 de julio de 2020", [
        ("PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR", "Vamos a atender las causas que originan la violencia."),
    ]),
}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    for name, text in DOCS.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def proj(tmp_path: Path, corpus: Path) -> Project:
    from coder.codebook import parse_codebook, store_codebook
    from coder.corpus.importer import import_paths

    with Project(tmp_path / "suggest.db", create=True) as project:
        report = import_paths(project, [corpus])
        assert report.documents == len(DOCS)
        store_codebook(project, parse_codebook(CODEBOOK))
        yield project


def doc_id(project: Project, title: str) -> int:
    return project.db.execute("SELECT id FROM documents WHERE title = ?", [title]).fetchone()[0]


def rows(project: Project, sql: str, params=()) -> list[tuple]:
    return [tuple(r) for r in project.db.execute(sql, params).fetchall()]


def all_suggestions(project: Project) -> set[tuple]:
    return set(rows(project, 'SELECT document_id, code_id, start, "end", pattern_id FROM suggestions'))


def test_run_stores_suggestions_with_code_point_spans_of_turns_only(proj):
    report = run_suggest(proj)
    assert report.processed == 4 and report.suggestions > 0
    found = list_suggestions(proj)
    assert found and all(s["status"] == "pending" for s in found)
    texts = {(s["code"], s["text"]) for s in found}
    assert ("SEC.WAR", "guerra contra el narco") in texts
    assert ("SEC.WAR", "declararon la guerra") in texts
    assert ("DES.NOFORCE", "abrazos, no balazos") in texts
    assert ("SEC.THREAT", "amenazan") in texts and ("SEC.THREAT", "amenazaron") in texts
    assert ("DES.ROOT", "atender las causas") in texts and ("DES.ROOT", "Atendemos las causas") not in texts
    # "no es amenaza" is excluded; headers and speaker lines are never matched.
    assert all(s["text"].lower() != "amenaza" for s in found)
    for s in found:
        text = proj.db.execute("SELECT text FROM documents WHERE id = ?", [s["document"]]).fetchone()[0]
        assert text[s["start"]:s["end"]] == s["text"]
        turn = rows(proj, 'SELECT count(*) FROM turns WHERE document_id = ? AND start <= ? AND "end" >= ?',
                    [s["document"], s["start"], s["end"]])
        assert turn == [(1,)]
    version = proj.setting("codebook_version")
    assert {s["codebook_version"] for s in found} == {version}
    assert {s["pipeline"] for s in found} == {pipeline_spec("es").name}
    assert rows(proj, "SELECT count(*) FROM suggest_runs") == [(4,)]


def test_rerun_skips_unchanged_documents(proj):
    run_suggest(proj)
    before = rows(proj, "SELECT id, created_at FROM suggestions ORDER BY id")
    report = run_suggest(proj)
    assert report.processed == 0 and report.up_to_date == 4
    assert rows(proj, "SELECT id, created_at FROM suggestions ORDER BY id") == before
    assert run_suggest(proj, force=True).processed == 4


def test_changed_codebook_replaces_suggestions_and_keeps_decisions(proj):
    from coder.annotate import accept_suggestion, reject_suggestion
    from coder.codebook import parse_codebook, store_codebook

    run_suggest(proj)
    by_text = {(s["code"], s["text"]): s for s in list_suggestions(proj)}
    accepted = by_text[("SEC.WAR", "declararon la guerra")]
    rejected = by_text[("SEC.THREAT", "amenazan")]
    accept_suggestion(proj, "alice", accepted["id"])
    reject_suggestion(proj, "alice", rejected["id"])
    reject_suggestion(proj, "bob", accepted["id"])
    old_ids = {s["id"] for s in list_suggestions(proj)}

    store_codebook(proj, parse_codebook(CODEBOOK.replace(
        "      - id: DES.ROOT",
        "          - {id: hugs-word, lang: es, pattern: [{LOWER: fracasaron}]}\n      - id: DES.ROOT")))
    report = run_suggest(proj)
    assert report.processed == 4
    now = list_suggestions(proj)
    assert not old_ids & {s["id"] for s in now}  # replaced
    assert {s["codebook_version"] for s in now} == {proj.setting("codebook_version")}
    assert any(s["pattern"] == "hugs-word" for s in now)
    decisions = rows(proj, 'SELECT suggestion_id, code_id, start, "end", pattern_id, decision FROM decisions')
    assert len(decisions) == 3
    by_key = {(s["code"], s["start"], s["end"], s["pattern"]): s for s in now}
    for suggestion_id, code, start, end, pattern, _ in decisions:
        assert by_key[(code, start, end, pattern)]["id"] == suggestion_id  # re-linked
    mine = {(s["code"], s["text"]): s for s in list_suggestions(proj, coder="alice")}
    assert mine[("SEC.WAR", "declararon la guerra")]["status"] == "accepted"
    assert mine[("SEC.THREAT", "amenazan")]["status"] == "rejected"
    everyone = {(s["code"], s["text"]): s for s in list_suggestions(proj)}
    assert everyone[("SEC.WAR", "declararon la guerra")]["status"] == "disputed"
    assert everyone[("SEC.WAR", "declararon la guerra")]["decisions"] == {"alice": "accepted", "bob": "rejected"}

    # A pattern removed: its suggestions go, the decision stays with a NULL link.
    store_codebook(proj, parse_codebook(CODEBOOK.replace(
        "          - id: declare-war\n            lang: es\n"
        "            pattern: [{LEMMA: declarar}, {LOWER: la}, {LOWER: guerra}]\n", "")))
    run_suggest(proj)
    assert not [s for s in list_suggestions(proj) if s["pattern"] == "declare-war"]
    assert rows(proj, "SELECT suggestion_id FROM decisions WHERE pattern_id = 'declare-war'") == [(None,), (None,)]


def test_scope_by_speaker_role_document_and_dates(proj):
    one, two = doc_id(proj, "Conferencia uno"), doc_id(proj, "Conferencia dos")
    report = run_suggest(proj, RunScope(speaker="andres manuel LOPEZ obrador"))
    assert report.processed == 4
    speakers = set(rows(proj, "SELECT DISTINCT sp.kind FROM suggestions s JOIN turns t ON t.document_id ="
                              ' s.document_id AND t.start <= s.start AND t."end" >= s."end"'
                              " JOIN speakers sp ON sp.id = t.speaker_id"))
    assert speakers == {("president",)}
    # A narrower scope is covered; a wider one re-runs (and keeps what was covered).
    assert run_suggest(proj, RunScope(speaker="Andrés Manuel López Obrador", doc_ids=[one])).up_to_date == 1
    press = run_suggest(proj, RunScope(role="press"))
    assert press.processed >= 2
    kinds = set(rows(proj, "SELECT DISTINCT sp.kind FROM suggestions s JOIN turns t ON t.document_id ="
                           ' s.document_id AND t.start <= s.start AND t."end" >= s."end"'
                           " JOIN speakers sp ON sp.id = t.speaker_id"))
    assert kinds == {("president",), ("press",)}
    assert run_suggest(proj).up_to_date + run_suggest(proj).processed == 4
    assert run_suggest(proj).up_to_date == 4

    dated = prepare_run(proj, RunScope(since="2019-06-01", until="2019-12-31"), force=True)
    assert [t.document_id for t in dated.tasks] == [two]
    assert prepare_run(proj, RunScope(doc_ids=[one, two]), force=True).documents == 2
    with pytest.raises(CoderError, match="no speaker"):
        prepare_run(proj, RunScope(speaker="Nadie Que Exista"))
    with pytest.raises(CoderError, match="no document"):
        prepare_run(proj, RunScope(doc_ids=[999]))
    with pytest.raises(CoderError, match="unknown role"):
        prepare_run(proj, RunScope(role="pope"))


def test_documents_without_turns_are_skipped(proj):
    with proj.transaction():
        proj.db.execute(
            "INSERT INTO documents(title, sha256, text, imported_at) VALUES ('vacío', 'x', 'guerra contra el narco', 'now')")
    report = run_suggest(proj)
    assert report.no_turns == 1 and report.processed == 4


def test_documents_in_a_language_without_patterns_are_skipped_with_a_warning(proj):
    one, two = doc_id(proj, "Conferencia uno"), doc_id(proj, "Conferencia dos")
    with proj.transaction():
        proj.db.execute("UPDATE documents SET lang = 'en' WHERE id = ?", [one])
        proj.db.execute("UPDATE documents SET lang = 'klingon' WHERE id = ?", [two])
    warnings: list[str] = []
    report = run_suggest(proj, warn=warnings.append)
    assert (report.processed, report.no_patterns) == (2, 2)
    assert any("'en'" in w and "'klingon'" in w for w in warnings)
    assert {d for d, *_ in all_suggestions(proj)}.isdisjoint({one, two})


def test_invalid_pattern_stops_before_anything_is_written(proj):
    run_suggest(proj)
    before = all_suggestions(proj), rows(proj, "SELECT * FROM suggest_runs ORDER BY document_id")
    with proj.transaction():
        proj.db.execute("UPDATE codes SET patterns = ? WHERE id = 'DES.ROOT'",
                        [json.dumps([{"id": "broken", "lang": "es", "pattern": [{"LOWER": "x", "OP": "??"}]}])])
        proj.db.execute("UPDATE settings SET value = '\"changed\"' WHERE key = 'codebook_version'")
    with pytest.raises(PatternError, match=r"^code DES.ROOT, pattern broken: token 1: OP"):
        run_suggest(proj)
    with proj.transaction():
        proj.db.execute("UPDATE codes SET patterns = ? WHERE id = 'DES.ROOT'",
                        [json.dumps([{"id": "pos", "lang": "es", "pattern": [{"POS": "NOUN"}]}])])
    with pytest.raises(PatternError, match="code DES.ROOT, pattern pos: needs POS"):
        run_suggest(proj)
    assert (all_suggestions(proj), rows(proj, "SELECT * FROM suggest_runs ORDER BY document_id")) == before


def test_interrupted_run_keeps_earlier_documents_and_resumes(proj):
    calls = []

    def interrupt(n: int = 1) -> None:
        calls.append(n)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_suggest(proj, progress=interrupt)
    done = rows(proj, "SELECT document_id FROM suggest_runs")
    assert len(done) == 2
    assert {d for d, *_ in all_suggestions(proj)} <= {d for d, in done}
    resumed = run_suggest(proj)
    assert (resumed.processed, resumed.up_to_date) == (2, 2)
    complete = all_suggestions(proj)
    run_suggest(proj, force=True)
    assert all_suggestions(proj) == complete


def read_suggestions(project: Project) -> set[tuple]:
    return set(rows(project, 'SELECT document_id, code_id, start, "end", pattern_id, source,'
                             " polarity, sector, context, marked, cues FROM suggestions"))


def test_two_workers_give_the_same_suggestions(proj):
    run_suggest(proj)
    single = all_suggestions(proj)
    readings = read_suggestions(proj)
    report = run_suggest(proj, workers=2, force=True)
    assert report.processed == 4
    assert all_suggestions(proj) == single
    # The workers read each hit in its turn too: the same predicted attributes.
    assert read_suggestions(proj) == readings
    assert {r[6] for r in readings} >= {"question", "negated"}
    run_suggest(proj, naive=True, force=True)
    assert all_suggestions(proj) == single


def test_this_process_matches_too_and_stores_in_task_order(proj, monkeypatch):
    """With two workers this process matches documents itself between handing them out;
    the rows come out in the same order as from one process."""
    from coder.suggest import store

    order = ('SELECT document_id, code_id, start, "end", pattern_id, source, polarity'
             " FROM suggestions ORDER BY id")
    run_suggest(proj, workers=1, force=True)
    single = rows(proj, order)
    matched_here = []
    original = store.match_and_read

    def counting(plans, book, payload, naive=False):
        matched_here.append(payload[0])
        return original(plans, book, payload, naive)

    monkeypatch.setattr(store, "AHEAD_PER_WORKER", 1)
    monkeypatch.setattr(store, "match_and_read", counting)
    report = run_suggest(proj, workers=2, force=True)
    assert report.processed == 4
    assert matched_here  # (forked workers call the function they inherited: not counted)
    assert len(matched_here) < 4
    assert rows(proj, order) == single


def _dying_worker_task(payload):
    import os

    os._exit(3)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux")
def test_workers_that_die_fail_instead_of_hanging(proj, monkeypatch):
    """A worker that dies stops the run with a clear error; nothing half-written."""
    from coder.suggest import store

    # Forked workers see the patched task.
    monkeypatch.setattr(store, "_worker_task", _dying_worker_task)
    with pytest.raises(CoderError, match="worker process stopped unexpectedly"):
        run_suggest(proj, workers=2)
    assert rows(proj, "SELECT count(*) FROM suggestions") == [(0,)]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux")
def test_a_script_from_standard_input_can_use_workers(proj):
    """Forked workers need no importable main module (spawned ones could not start from a
    script read from standard input): the same suggestions as one process."""
    import subprocess

    run_suggest(proj, workers=1)
    one = rows(proj, 'SELECT document_id, code_id, start, "end", source, polarity FROM suggestions'
                     " ORDER BY 1, 2, 3, 4")
    assert one
    script = (
        "from coder.project import Project\n"
        "from coder.suggest import run_suggest\n"
        f"with Project({str(proj.path)!r}) as project:\n"
        "    run_suggest(project, workers=2, force=True)\n"
    )
    result = subprocess.run([sys.executable, "-"], input=script, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert rows(proj, 'SELECT document_id, code_id, start, "end", source, polarity FROM suggestions'
                      " ORDER BY 1, 2, 3, 4") == one


def test_suggestions_can_be_hidden_from_a_coder(proj):
    assert suggestions_visible(proj, "alice")  # unknown coders see them
    set_suggestions_visible(proj, "alice", False)
    assert not suggestions_visible(proj, "alice") and suggestions_visible(proj, "bob")
    assert rows(proj, "SELECT suggestions_off FROM coders WHERE name = 'alice'") == [(1,)]
    set_suggestions_visible(proj, "alice", True)
    assert suggestions_visible(proj, "alice")
    assert rows(proj, "SELECT count(*) FROM events WHERE entity = 'coder'") == [(2,)]


def test_pattern_report_counts_decisions_and_gold(proj):
    from coder.annotate import accept_suggestion, apply_code, reject_suggestion

    run_suggest(proj)
    found = list_suggestions(proj)
    threat = [s for s in found if s["pattern"] == "threat"]
    accept_suggestion(proj, "alice", threat[0]["id"])
    reject_suggestion(proj, "alice", threat[1]["id"])
    reject_suggestion(proj, "bob", threat[1]["id"])
    gold = proj.coder_id("gold")
    assert rows(proj, "SELECT is_gold FROM coders WHERE id = ?", [gold]) == [(1,)]
    war = [s for s in found if s["code"] == "SEC.WAR" and s["document"] == doc_id(proj, "Conferencia uno")]
    for s in war[:1]:
        apply_code(proj, "gold", s["document"], "SEC.WAR", s["start"], s["end"] + 3)
    apply_code(proj, "gold", war[0]["document"], "SEC.THREAT", 0, 5)  # a gold span no suggestion finds

    report = pattern_report(proj)
    assert report.gold_coders == ["gold"]
    by = {(r.code, r.pattern): r for r in report.patterns}
    assert by[("SEC.THREAT", "threat")].accepted == 1 and by[("SEC.THREAT", "threat")].rejected == 2
    assert by[("SEC.THREAT", "threat")].precision == pytest.approx(1 / 3, abs=1e-3)
    assert by[("SEC.THREAT", "threat")].hits == len(threat)
    assert by[("DES.ROOT", "causes")].precision is None
    in_gold_doc = [s for s in war if s["pattern"] == war[0]["pattern"]]
    assert by[("SEC.WAR", war[0]["pattern"])].gold_tp >= 1
    assert by[("SEC.WAR", war[0]["pattern"])].gold_hits >= len(in_gold_doc)
    codes = {r.code: r for r in report.codes}
    assert codes["SEC.WAR"].gold_recall == 1.0
    assert codes["SEC.THREAT"].gold_found == 0


def test_pattern_report_counts_coding_over_a_suggestion_as_accepting_it(proj):
    from coder.annotate import accept_suggestion, apply_code, reject_suggestion

    run_suggest(proj)
    threat = [s for s in list_suggestions(proj) if s["pattern"] == "threat"]
    assert len(threat) >= 2
    first, second = threat[0], threat[1]
    accept_suggestion(proj, "alice", first["id"])  # decided: its coding adds nothing more
    reject_suggestion(proj, "bob", second["id"])
    # Carol codes over both with the same code, wider, without pressing a or r; bob's own
    # coding over the one he rejected does not turn his rejection into an accept.
    for item in (first, second):
        apply_code(proj, "carol", item["document"], "SEC.THREAT", item["start"], item["end"] + 2)
    apply_code(proj, "bob", second["document"], "SEC.THREAT", second["start"], second["end"])
    # Another code over the span is no accept of this one.
    apply_code(proj, "dan", first["document"], "DES.ROOT", first["start"], first["end"])
    row = {(r.code, r.pattern): r for r in pattern_report(proj).patterns}[("SEC.THREAT", "threat")]
    assert (row.accepted, row.covered, row.rejected) == (1, 2, 1)
    assert row.precision == pytest.approx(3 / 4)
    assert list_suggestions(proj, coder="carol", status="covered")


def test_export_and_import_patterns_round_trip(proj, tmp_path):
    path = tmp_path / "patterns.jsonl"
    count = export_patterns(proj, path)
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert count == len(lines) == 6
    assert {"label": "DES.NOFORCE", "pattern": "abrazos, no balazos", "id": "hugs", "lang": "es"} in lines
    # An EntityRuler loading the file must never tag the code with an exclude pattern.
    assert any(line.get("exclude") and line["id"] == "no-threat"
               and line["label"] == "NOT:SEC.THREAT" for line in lines)

    run_suggest(proj)
    old_version = proj.setting("codebook_version")
    new = [line for line in lines if line["label"].removeprefix("NOT:") != "SEC.THREAT"]
    new.append({"label": "SEC.THREAT", "pattern": [{"LOWER": "amenazan"}], "id": "threat-3pl", "lang": "es"})
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in new), encoding="utf-8")
    result = import_patterns(proj, path)
    assert result["codes"] == 4 and proj.setting("codebook_version") == result["version"] != old_version
    stored = json.loads(rows(proj, "SELECT patterns FROM codes WHERE id = 'SEC.THREAT'")[0][0])
    assert [p["id"] for p in stored] == ["threat-3pl"]
    assert rows(proj, "SELECT exclude FROM codes WHERE id = 'SEC.THREAT'") == [("[]",)]
    assert run_suggest(proj).processed == 4
    assert {s["text"] for s in list_suggestions(proj, code="SEC.THREAT")} == {"amenazan"}


@pytest.mark.parametrize("line, words", [
    ('{"label": "SEC.WAR", "pattern": [{"LOWER": "x", "OP": "??"}], "id": "bad", "lang": "es"}', "line 2: code SEC.WAR, pattern bad"),
    ('{"label": "NOPE", "pattern": "x", "id": "y", "lang": "es"}', "code NOPE is not in the current codebook"),
    ('not json', "line 2: not JSON"),
    ('{"label": "SEC.WAR", "pattern": "x", "id": "y", "lang": "es", "colour": 1}', "unknown field"),
    ('{"label": "SEC.WAR", "pattern": "guerra", "id": "war-narco", "lang": "es"}', "repeats line 1"),
])
def test_import_validates_everything_before_changing_anything(proj, tmp_path, line, words):
    path = tmp_path / "bad.jsonl"
    good = '{"label": "SEC.WAR", "pattern": "guerra", "id": "war-narco", "lang": "es"}'
    path.write_text(good + "\n" + line + "\n", encoding="utf-8")
    before = rows(proj, "SELECT id, patterns, exclude FROM codes ORDER BY id"), proj.setting("codebook_version")
    with pytest.raises(PatternError, match=words):
        import_patterns(proj, path)
    assert (rows(proj, "SELECT id, patterns, exclude FROM codes ORDER BY id"), proj.setting("codebook_version")) == before


def test_no_codebook_is_a_clear_error(tmp_path):
    with Project(tmp_path / "empty.db", create=True) as project:
        with pytest.raises(CoderError, match="no codebook loaded"):
            run_suggest(project)


# -- the command line -------------------------------------------------------------------------

def cli(project: Project, *args: str):
    from coder.cli import main

    return CliRunner().invoke(main, ["-p", str(project.path), *args], catch_exceptions=False)


def test_cli_suggest_suggestions_and_patterns(proj, tmp_path):
    result = cli(proj, "suggest", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "4 matched" in result.output
    assert "4 up to date" in cli(proj, "suggest").output
    one = doc_id(proj, "Conferencia uno")
    listed = json.loads(cli(proj, "suggestions", "--doc", str(one), "--json").stdout)
    assert listed and {"id", "code", "start", "end", "text", "pattern", "status", "codebook_version"} <= set(listed[0])
    assert {s["document"] for s in listed} == {one}

    tried = cli(proj, "patterns", "try", "Se acabó la guerra contra el narco", "--lang", "es", "--json")
    data = json.loads(tried.stdout)
    assert [t["lemma"] for t in data["tokens"]][:2] == ["Se", "acabar"]
    assert [(h["code"], h["text"]) for h in data["hits"]] == [("SEC.WAR", "guerra contra el narco")]
    # The JSON keys scripts read (PatternTrial.as_json): a renamed field fails here.
    assert list(data) == ["pipeline", "tokens", "hits"]
    assert list(data["tokens"][0]) == ["i", "text", "lower", "lemma", "in_table", "start", "end"]
    assert list(data["hits"][0])[:7] == ["code", "pattern", "start", "end", "text", "exclude",
                                         "dropped"]
    assert {"source", "polarity", "sector", "context", "marked", "cues"} <= set(data["hits"][0])
    assert "guerra contra el narco" in cli(proj, "patterns", "try", "Se acabó la guerra contra el narco").output

    report = json.loads(cli(proj, "patterns", "report", "--json").stdout)
    assert {r["pattern"] for r in report["patterns"]} >= {"hugs", "threat", "causes"}
    assert list(report) == ["gold_coders", "patterns", "codes", "thin_below"]
    assert list(report["patterns"][0]) == [
        "code", "pattern", "in_codebook", "hits", "documents", "accepted", "rejected", "covered",
        "precision", "n", "low", "high", "thin", "audit"]
    assert "precision" in cli(proj, "patterns", "report").output

    path = tmp_path / "p.jsonl"
    assert "wrote 6" in cli(proj, "patterns", "export", str(path)).output
    # The codebook's own patterns back: nothing to replace, no new version (see
    # test_reimporting_unchanged_patterns_makes_no_new_version).
    assert "nothing changed" in cli(proj, "patterns", "import", str(path)).output

    cli(proj, "coders", "add", "carol")
    hidden = cli(proj, "suggest", "--off-for-coder", "carol")
    assert "carol: suggestions hidden" in hidden.output
    assert not suggestions_visible(proj, "carol")
    assert json.loads(cli(proj, "suggestions", "--coder", "carol", "--json").stdout) == []


def test_unknown_coder_names_are_refused_by_suggestions_and_suggest(proj):
    """`suggestions --coder zed` listed everything as zed's pending, and `suggest
    --off-for-coder nobody` made a coder 'nobody' (a typo hid nothing from the coder meant)."""
    run_suggest(proj)
    cli(proj, "coders", "add", "alice")
    result = cli(proj, "suggestions", "--coder", "zed")
    assert result.exit_code == 1 and result.output.count("\n") == 1, result.output
    assert result.output.startswith("coder: no coder named 'zed'") and "alice" in result.output
    with pytest.raises(CoderError, match="no coder named 'zed'"):
        list_suggestions(proj, coder="zed")
    assert list_suggestions(proj, coder="alice")  # a known coder still lists them
    for option in ("--off-for-coder", "--on-for-coder"):
        result = cli(proj, "suggest", option, "alice", option, "nobody")
        assert result.exit_code == 1 and "no coder named 'nobody'" in result.output, result.output
        # Nothing changed: no coder 'nobody', alice's suggestions as they were.
        assert rows(proj, "SELECT name, suggestions_off FROM coders") == [("alice", 0)]
    result = cli(proj, "suggest", "--off-for-coder", "alice")
    assert result.exit_code == 0 and not suggestions_visible(proj, "alice")


def test_cli_reports_bad_patterns_in_one_line(proj):
    with proj.transaction():
        proj.db.execute("UPDATE codes SET patterns = ? WHERE id = 'DES.ROOT'",
                        [json.dumps([{"id": "pos", "lang": "es", "pattern": [{"POS": "NOUN"}]}])])
    from coder.cli import main

    result = CliRunner().invoke(main, ["-p", str(proj.path), "suggest"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "coder: code DES.ROOT, pattern pos: needs POS, which the blank pipeline 'es_blank' cannot "
        "give; install a trained pipeline and choose it as the model"]
    assert rows(proj, "SELECT count(*) FROM suggestions") == [(0,)]


def test_project_file_is_consistent_after_a_run(proj):
    run_suggest(proj)
    conn = sqlite3.connect(proj.path)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


def test_suggest_dates_take_the_syntax_of_every_command(proj):
    """Issue #14: ``suggest --since`` took only YYYY-MM-DD while search and stats took YYYY too."""
    two = doc_id(proj, "Conferencia dos")
    result = cli(proj, "suggest", "--since", "2019-04", "--until", "2019", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["documents"] == 1 and report["processed"] == 1
    assert {r[0] for r in rows(proj, "SELECT DISTINCT document_id FROM suggestions")} == {two}
    # "--until 2019-06" runs to the end of June (a prefix), as for exports.
    dated = json.loads(cli(proj, "suggest", "--force", "--since", "2019", "--until", "2019-06",
                           "--json").stdout)
    assert dated["documents"] == 2
    from coder.cli import main

    bad = CliRunner().invoke(main, ["-p", str(proj.path), "suggest", "--since", "2019-13"])
    assert bad.exit_code == 1 and "use YYYY, YYYY-MM or YYYY-MM-DD" in bad.output


def test_default_workers_follow_the_size_of_the_run(proj, monkeypatch):
    """One process for a small run; two (at most, and no more than the cores or the
    documents) once there is enough text to match."""
    from coder.corpus import parallel
    from coder.suggest import store

    run = store.prepare_run(proj)
    assert run.tasks and store.default_workers(run) == 1
    monkeypatch.setattr(store, "PARALLEL_MIN_CHARS", 0)
    monkeypatch.setattr(parallel, "available_cpus", lambda: 4)
    assert store.default_workers(run) == min(2, len(run.tasks))
    monkeypatch.setattr(parallel, "available_cpus", lambda: 1)
    assert store.default_workers(run) == 1


def test_a_turn_of_over_a_million_characters_is_matched():
    """spaCy refuses texts over a million characters (for a parser's memory); coder's blank
    pipelines take them: a speech transcribed as one huge turn is matched like any other,
    the same by the fast pass and the naive one (it stopped `coder suggest` with E088)."""
    plan = build_plan("es", [PatternRef("C", entry("declarar la guerra"))])
    text = "No vamos a declarar la guerra. " * 33_000
    assert len(text) > 1_000_000
    fast, = match_texts(plan, [text])
    naive, = match_texts(plan, [text], naive=True)
    assert len(fast) == 33_000 and fast == naive


def test_a_turn_longer_than_a_trained_pipeline_takes_is_a_one_line_error():
    """A trained pipeline keeps spaCy's limit (its parser needs about 1 GB per 100,000
    characters): a longer turn is a one-line error saying what to do, not a traceback."""
    from coder.suggest.engine import get_engine

    plan = build_plan("es", [PatternRef("C", entry("guerra"))])
    engine = get_engine(plan, naive=True)
    limit = engine.nlp.max_length
    try:
        engine.nlp.max_length = 40  # as a trained pipeline's limit would stop it
        with pytest.raises(CoderError, match="longer than pipeline .* takes") as caught:
            engine.match_naive(["No vamos a declarar la guerra contra nadie, nunca."])
        assert "\n" not in str(caught.value)
    finally:
        engine.nlp.max_length = limit


def test_a_codebook_of_phrases_only_matches_without_spacy_warnings():
    """With no token pattern the token Matcher is empty; spaCy warns (W036) on every doc
    it is run on, which `coder suggest --naive` printed to users."""
    import warnings

    plan = build_plan("es", [PatternRef("C", entry("declarar la guerra"))])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hits, = match_texts(plan, ["No vamos a declarar la guerra."], naive=True)
    assert len(hits) == 1
