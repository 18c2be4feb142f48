"""Documents: derived attributes, user attributes and --where, exclusion from analyses,
same-day near-duplicates (listed and warned about at import), coverage by month.

Every text here is invented for the tests.
"""

from __future__ import annotations

import json

import pytest

from coder.corpus.documents import (
    coverage,
    duplicates,
    list_documents,
    set_attributes,
    set_excluded,
)
from coder.corpus.importer import import_paths
from coder.errors import CoderError
from coder.export.search import iter_hits

MONTHS = {1: "enero", 2: "febrero", 3: "marzo", 5: "mayo"}
SENTENCES = [f"El puente número {i} de la carretera costera se terminará antes de la temporada de lluvias."
             for i in range(40)]


def _write(folder, name, date, title, sentences):
    year, month, day = (int(x) for x in date.split("-"))
    body = "".join(f"---\nPRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR\n{s}\n" for s in sentences)
    path = folder / name
    path.write_text(f"{title}\nPresidencia\n{day:02d} de {MONTHS[month]} de {year}\n{body}",
                    encoding="utf-8")
    return path


@pytest.fixture
def run(tmp_path, monkeypatch):
    """``coder ...`` in a temporary folder (the project is ./coder.db there)."""
    from click.testing import CliRunner

    from coder.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CODER_PROJECT", raising=False)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def corpus(tmp_path):
    return [
        _write(tmp_path, "a.txt", "2019-01-10", "Conferencia de prensa matutina", SENTENCES),
        # The same conference published again, with a few sentences changed.
        _write(tmp_path, "b.txt", "2019-01-10", "Versión de la conferencia de prensa matutina",
               SENTENCES[:38] + ["Una frase distinta al final del texto publicado de nuevo."] * 2),
        _write(tmp_path, "c.txt", "2019-01-10", "Inauguración de un hospital rural",
               [f"Hoy abrimos el hospital del pueblo {i} con médicos y enfermeras." for i in range(30)]),
        _write(tmp_path, "d.txt", "2019-05-02", "Discurso en la plaza principal", SENTENCES[:5]),
    ]


def test_derived_attributes(project, corpus):
    import_paths(project, corpus)
    docs = {d["title"]: d for d in list_documents(project)}
    assert docs["Conferencia de prensa matutina"]["genre"] == "mañanera"
    assert docs["Inauguración de un hospital rural"]["genre"] == "event"
    assert docs["Discurso en la plaza principal"]["genre"] == "speech"
    assert {d["administration"] for d in docs.values()} == {"Andrés Manuel López Obrador"}


def test_duplicates_are_listed_and_warned_about(project, corpus):
    report = import_paths(project, corpus)
    warnings = [w for f in report.files for w in f.warnings]
    assert len(warnings) == 1 and "near-duplicate of document #1" in warnings[0]
    [pair] = duplicates(project)
    assert (pair["document"], pair["duplicate"], pair["date"]) == (1, 2, "2019-01-10")
    assert 0.9 <= pair["containment"] <= 1 and 0.8 <= pair["jaccard"] < 1
    assert duplicates(project, threshold=1.0) == []


def test_excluded_documents_are_kept_but_left_out(project, corpus):
    import_paths(project, corpus)
    before = len(list(iter_hits(project, "puente")))
    assert set_excluded(project, [2]) == [2]
    assert set_excluded(project, [2]) == []  # already excluded: nothing changes
    assert len(list_documents(project)) == 4  # kept
    assert [d["id"] for d in list_documents(project, excluded=True)] == [2]
    after = len(list(iter_hits(project, "puente")))
    assert after == before - 38
    assert len(list(iter_hits(project, "puente", include_excluded=True))) == before
    assert [row["documents"] for row in coverage(project)][:1] == [2]
    assert [row["documents"] for row in coverage(project, include_excluded=True)][:1] == [3]
    set_excluded(project, ["#2"], False)
    assert len(list(iter_hits(project, "puente"))) == before
    with pytest.raises(CoderError, match="no document #99"):
        set_excluded(project, [99])


def test_user_attributes_and_where(project, corpus):
    import_paths(project, corpus)
    assert set_attributes(project, 3, ["venue=Hospital", "audience=public"])["venue"] == "Hospital"
    assert [d["id"] for d in list_documents(project, where=["venue=hospital"])] == [3]
    assert [d["id"] for d in list_documents(project, where=["genre=speech"])] == [4]
    assert list_documents(project, where=["genre=speech", "venue=Hospital"]) == []
    hits = list(iter_hits(project, "puente", where=["genre=speech"]))
    assert hits and {h.document_id for h in hits} == {4}
    set_attributes(project, 3, ["venue="])  # an empty value removes the key
    metadata = json.loads(project.db.execute("SELECT metadata FROM documents WHERE id = 3").fetchone()[0])
    assert "venue" not in metadata and metadata["audience"] == "public"
    with pytest.raises(CoderError, match="key=value"):
        list_documents(project, where=["genre"])
    with pytest.raises(CoderError, match="not an attribute you can set"):
        set_attributes(project, 3, ["excluded=1"])
    events = project.db.execute("SELECT count(*) FROM events WHERE entity = 'document'").fetchone()[0]
    assert events == 2


def test_coverage_shows_gaps(project, corpus):
    import_paths(project, corpus)
    rows = coverage(project)
    assert [r["month"] for r in rows] == ["2019-01", "2019-02", "2019-03", "2019-04", "2019-05"]
    assert [r["documents"] for r in rows] == [3, 0, 0, 0, 1]
    assert rows[1]["words"] == 0 and rows[0]["words"] > 0


def test_documents_cli(run, corpus):
    run("init")
    run("import", *map(str, corpus))
    result = run("documents", "--duplicates", "--json")
    assert result.exit_code == 0 and json.loads(result.output)[0]["duplicate"] == 2
    assert run("documents", "exclude", "2").exit_code == 0
    listed = json.loads(run("documents", "--json", "--excluded").output)
    assert [d["id"] for d in listed] == [2]
    assert run("documents", "set", "3", "venue=Hospital").exit_code == 0
    assert [d["id"] for d in json.loads(run("documents", "--json", "--where", "venue=Hospital").output)] == [3]
    coverage_rows = json.loads(run("documents", "--coverage", "--json").output)
    assert coverage_rows[0] == {"month": "2019-01", "documents": 2,
                                "words": coverage_rows[0]["words"]}
    assert "--where" in run("search", "--help").output
    result = run("search", "puente", "--where", "genre=speech", "--json")
    assert result.exit_code == 0, result.output


def test_agreement_leaves_out_excluded_documents(tmp_path):
    from coder.agreement.report import agreement_report
    from tests.helpers import code_phrase, make_project

    with make_project(tmp_path, documents=3) as project:
        for doc in (1, 2, 3):
            for coder in ("alice", "bob"):
                code_phrase(project, coder, doc, "SEC.WAR", "Ya no hay guerra en la sierra.")
        assert agreement_report(project, ["alice", "bob"], "turn").documents == [1, 2, 3]
        set_excluded(project, [2])
        report = agreement_report(project, ["alice", "bob"], "turn")
        assert report.documents == [1, 3]
        assert any("#2" in note for note in report.notes)
        assert agreement_report(project, ["alice", "bob"], "turn",
                                include_excluded=True).documents == [1, 2, 3]
        set_attributes(project, 3, ["venue=plaza"])
        assert agreement_report(project, ["alice", "bob"], "turn",
                                where=["venue=plaza"]).documents == [3]


PUENTE_CODEBOOK = """codebook:
  name: Bridges
  languages: [es]
codes:
  - id: OBRA
    name: Public works
    color: "#2e86c1"
    definition: A public work is announced.
    patterns:
      - id: puente
        lang: es
        pattern: "puente"
"""


def test_where_on_sample_and_suggest(run, corpus, tmp_path):
    """`coder sample` and `coder suggest` take --where (and leave excluded documents out
    unless --include-excluded), as the other commands do."""
    run("init")
    run("import", *map(str, corpus))
    (tmp_path / "obras.yaml").write_text(PUENTE_CODEBOOK, encoding="utf-8")
    assert run("codebook", "load", str(tmp_path / "obras.yaml")).exit_code == 0
    assert run("documents", "exclude", "2").exit_code == 0
    for name in ("ana", "beto"):
        assert run("coders", "add", name).exit_code == 0
    drawn = run("sample", "--size", "100%", "--seed", "3", "--coders", "ana,beto", "--json",
                "--where", "genre=mañanera")
    assert drawn.exit_code == 0, drawn.output
    assert sorted(json.loads(drawn.output)["reliability"]) == [1]  # 2 is excluded
    drawn = run("sample", "--size", "100%", "--seed", "3", "--coders", "ana,beto", "--json",
                "--where", "genre=mañanera", "--include-excluded", "--replace")
    assert sorted(json.loads(drawn.output)["reliability"]) == [1, 2]
    bad = run("sample", "--size", "1", "--seed", "3", "--coders", "ana,beto", "--where", "genre")
    assert bad.exit_code != 0 and "key=value" in bad.output
    result = run("suggest", "--where", "genre=speech", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["documents"] == 1  # d.txt, the speech
    result = run("suggest", "--json")
    assert json.loads(result.output)["documents"] == 3  # all but the excluded one
    assert "--where" in run("sample", "--help").output and "--where" in run("suggest", "--help").output


def test_listing_into_a_file_is_not_cut(run, tmp_path):
    """Into a pipe or a file (not a terminal) the table keeps every column and whole titles:
    rich cropped it to 80 columns, cutting titles to a few letters and the last column off."""
    title = "Conferencia de prensa matutina sobre la seguridad pública y la Guardia Nacional " * 2
    _write(tmp_path, "a.txt", "2019-01-10", title.strip(), SENTENCES[:3])
    run("init")
    run("import", str(tmp_path / "a.txt"))
    result = run("documents")
    assert result.exit_code == 0
    assert title.strip() in result.output and "excluded" in result.output


def test_the_same_text_laid_out_anew_is_a_duplicate(run, tmp_path):
    """The web copy and the PDF copy of one conference share no line (the PDF's are wrapped
    at 72 columns) and a corrected copy has commas added: all are the same text."""
    import textwrap

    body = " ".join(f"El puente {i} de la carretera costera se terminará antes de la temporada"
                    f" de lluvias del año próximo." for i in range(60))
    head = "Conferencia de prensa matutina\nPresidencia\n10 de enero de 2019\n"
    (tmp_path / "web.txt").write_text(head + body + "\n", encoding="utf-8")
    (tmp_path / "pdf.txt").write_text(head + textwrap.fill(body, 72) + "\n", encoding="utf-8")
    (tmp_path / "fix.txt").write_text(head + body.replace(" se terminará", ", se terminará")
                                      + "\n", encoding="utf-8")
    # Another text of the same day and length is not one.
    other = " ".join(f"Hoy abrimos el hospital {i} del pueblo con médicos, enfermeras y"
                     f" medicinas para todos." for i in range(62))
    (tmp_path / "other.txt").write_text(head + other + "\n", encoding="utf-8")
    run("init")
    result = run("import", *(str(tmp_path / n) for n in ("web.txt", "pdf.txt", "fix.txt", "other.txt")))
    assert result.exit_code == 0
    assert result.output.count("near-duplicate of document") == 2, result.output
    pairs = json.loads(run("documents", "--duplicates", "--json").output)
    assert {(p["document"], p["duplicate"]) for p in pairs} >= {(1, 2), (1, 3)} or \
        len({frozenset((p["document"], p["duplicate"])) for p in pairs}) == 3
    assert all(4 not in (p["document"], p["duplicate"]) for p in pairs)
