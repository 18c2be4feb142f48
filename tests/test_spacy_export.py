"""`coder patterns export --format spacy`: pipelines `spacy.load` opens as they are, whose
spans, with the documented steps on top, are exactly `coder suggestions`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from coder.cli import main
from coder.project import Project

CODEBOOK = """\
codebook:
  name: Export test
  languages: [es, en]
codes:
  - id: WAR
    name: War
    patterns:
      - {id: narco, lang: es, pattern: "guerra contra el narco"}
      - id: declare
        lang: es
        pattern: [{LEMMA: declarar}, {LOWER: la}, {LOWER: guerra}]
      - {id: drugs, lang: en, pattern: "war on drugs"}
  - id: ROOT
    name: Root causes
    patterns:
      - {id: causes, lang: es, pattern: "atender las causas", attr: LEMMA}
  - id: FORCE
    name: Armed forces
    patterns:
      - {id: guard, lang: es, pattern: "Guardia Nacional", attr: ORTH}
      - id: forces
        lang: es
        pattern: [{LOWER: {IN: [fuerzas, fuerza]}}, {LOWER: armadas, OP: "?"}]
  - id: THREAT
    name: Threat
    patterns:
      - id: threaten
        lang: es
        pattern: [{LEMMA: amenazar}]
      - {id: threat-en, lang: en, pattern: [{LEMMA: threaten}]}
    exclude:
      - id: not-a-threat
        lang: es
        pattern: [{LOWER: "no"}, {LOWER: es}, {LOWER: amenaza}]
  - id: PEACE
    name: Peace
    patterns:
      - {id: peace, lang: es, pattern: "paz"}
      - {id: peace-security, lang: es, pattern: "la paz y la seguridad"}
"""

# Written for this test.
SPANISH = """Conferencia de prueba
Presidencia de la República
05 de marzo de 2019
---
PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR
Ellos declararon la guerra y perdieron la guerra contra el narco. Declaramos la paz.
Vamos a atender las causas, porque atendiendo las causas se construye la paz y la seguridad.
La Guardia Nacional no es la guardia nacional de antes; las fuerzas armadas ayudan, la fuerza no.
---
PREGUNTA
¿No es amenaza lo que dicen? Amenazan a la prensa y nos amenazaron ayer.
---
PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR
No es amenaza. Ya no hay guerra contra el narco, hay paz.
"""

ENGLISH = """Test briefing
Press office
March 6, 2019
---
SPOKESWOMAN
The war on drugs is over. Nobody threatens the press; they threatened nobody.
"""


@pytest.fixture
def project(tmp_path) -> Project:
    from coder.codebook import parse_codebook, store_codebook
    from coder.corpus.importer import import_paths
    from coder.suggest import run_suggest

    (tmp_path / "es.txt").write_text(SPANISH, encoding="utf-8")
    (tmp_path / "en.txt").write_text(ENGLISH, encoding="utf-8")
    with Project(tmp_path / "p.db", create=True) as project:
        report = import_paths(project, [tmp_path / "es.txt", tmp_path / "en.txt"])
        assert report.documents == 2
        store_codebook(project, parse_codebook(CODEBOOK))
        run_suggest(project)
        yield project


def _suggested(project: Project) -> set[tuple]:
    from coder.suggest import list_suggestions

    return {(s["document"], s["code"], s["start"], s["end"]) for s in list_suggestions(project)}


def _coder_steps(spans: list[tuple]) -> list[tuple]:
    """README.txt's steps 1 and 2 over raw spans (code, pattern, start, end)."""
    excluded = [(c[4:], s, e) for c, _, s, e in spans if c.startswith("NOT:")]
    hits = {h for h in spans if not h[0].startswith("NOT:")
            and not any(c == h[0] and s < h[3] and h[2] < e for c, s, e in excluded)}
    kept = []
    for code in {h[0] for h in hits}:
        ranked = sorted((h for h in hits if h[0] == code), key=lambda h: (h[2] - h[3], h[2], h[1]))
        kept += [h for i, h in enumerate(ranked)
                 if all(h[3] <= o[2] or h[2] >= o[3] for o in ranked[:i])]
    return kept


def test_the_exported_pipelines_reproduce_coder_suggestions(project, tmp_path):
    import spacy

    out = tmp_path / "pipes"
    result = CliRunner().invoke(main, ["patterns", "export", str(out), "-p", str(project.path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["README.txt", "coder-patterns.json", "en", "es"]
    readme = (out / "README.txt").read_text(encoding="utf-8")
    assert 'spacy.load(' in readme and "NOT:" in readme and "clause" in readme

    expected = _suggested(project)
    codes = {code for _, code, _, _ in expected}
    assert codes == {"WAR", "ROOT", "FORCE", "THREAT", "PEACE"}  # the text exercises each
    got, raw = set(), []
    for lang in ("es", "en"):
        nlp = spacy.load(out / lang)  # the documented way, nothing registered by coder
        assert nlp.lang == lang
        rulers = {name: nlp.get_pipe(name).phrase_matcher_attr for name in nlp.pipe_names
                  if name.startswith("coder_")}
        if lang == "es":
            assert rulers == {"coder_lemma": "LEMMA", "coder_lower": "LOWER", "coder_orth": "ORTH"}
        for doc_id, text in project.db.execute(
                "SELECT id, text FROM documents WHERE lang = ?", [lang]).fetchall():
            for start, end in project.db.execute(
                    'SELECT start, "end" FROM turns WHERE document_id = ? ORDER BY seq', [doc_id]):
                doc = nlp(text[start:end])
                spans = [(s.label_, s.id_, s.start_char + start, s.end_char + start)
                         for s in doc.spans["coder"]]
                raw += spans
                got |= {(doc_id, code, s, e) for code, _, s, e in _coder_steps(spans)}
    assert got == expected
    # The steps on top of spaCy mattered here: an exclude matched, a nested hit was dropped.
    assert any(label == "NOT:THREAT" for label, *_ in raw)
    assert any(pattern == "peace" for _, pattern, *_ in raw)
    assert len([s for s in raw if not s[0].startswith("NOT:")]) > len(got)


def test_jsonl_is_still_written_for_a_jsonl_name_and_the_folder_is_replaced_whole(project, tmp_path):
    runner = CliRunner()
    lines = tmp_path / "rules.jsonl"
    result = runner.invoke(main, ["patterns", "export", str(lines), "-p", str(project.path)])
    assert result.exit_code == 0 and lines.read_text().count("\n") == 11
    out = tmp_path / "pipes"
    for _ in range(2):  # an earlier export is replaced
        assert runner.invoke(main, ["patterns", "export", str(out), "-p",
                                    str(project.path)]).exit_code == 0
    manifest = json.loads((out / "coder-patterns.json").read_text())
    assert manifest["languages"] == {"en": 2, "es": 9}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".pipes")]
    other = tmp_path / "other"
    other.mkdir()
    (other / "mine.txt").write_text("keep me")
    result = runner.invoke(main, ["patterns", "export", str(other), "-p", str(project.path)])
    assert result.exit_code == 1 and "holds other files" in result.output
    assert (other / "mine.txt").read_text() == "keep me"


def test_patterns_a_blank_pipeline_cannot_match_are_left_out_with_a_note(project, tmp_path):
    from coder.suggest.spacy_export import export_spacy_pipelines

    project.db.execute("UPDATE codes SET patterns = ? WHERE id = 'PEACE'", [json.dumps(
        [{"id": "noun", "lang": "es", "pattern": [{"POS": "NOUN", "LOWER": "paz"}]},
         {"id": "peace", "lang": "es", "pattern": "paz"}])])
    notes: list[str] = []
    result = export_spacy_pipelines(project, Path(tmp_path / "pipes"), warn=notes.append)
    assert result.languages["es"] == 8
    assert any("pattern noun" in n and "POS" in n for n in notes)
    assert "pattern noun" in (tmp_path / "pipes" / "README.txt").read_text()
