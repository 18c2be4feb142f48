"""Document filters that were accepted but not applied, found by a hostile pass: the
REFI-QDA project export, `documents --coverage` and `--duplicates`, the attribute
messages of `documents set`, the agreement header, and no-op exclude/include.

Every text here is invented for the tests.
"""

from __future__ import annotations

import json
import zipfile

import pytest
from click.testing import CliRunner

from coder.annotate import apply_code, set_attribute
from coder.cli import main
from coder.codebook import parse_codebook, store_codebook
from coder.corpus.documents import list_documents, set_attributes, set_excluded
from coder.corpus.importer import import_paths
from coder.project import Project
from tests.helpers import code_phrase, db_rows, make_project, with_attributes, write_transcript

PHRASE = "Ya no hay guerra en la sierra."


@pytest.fixture
def team(tmp_path):
    """Four team documents (two in March, two in June 2019), each coded SEC.WAR by alice
    and bob; returns (project path, {date: id})."""
    with make_project(tmp_path, documents=4, months=["marzo", "junio"]) as project:
        ids = {d["date"]: d["id"] for d in list_documents(project)}
        for document in ids.values():
            for coder in ("alice", "bob"):
                code_phrase(project, coder, document, "SEC.WAR", PHRASE)
    return tmp_path / "team.db", ids


def cli(path, *args):
    """``coder ARGS -p PATH``, exceptions not caught (a traceback fails the test)."""
    return CliRunner().invoke(main, [*map(str, args), "-p", str(path)], catch_exceptions=False)


def one_line_error(result, *words):
    """The command failed with one ``coder: ...`` line holding each of ``words``."""
    assert result.exit_code == 1, result.output
    assert result.output.startswith("coder: ") and result.output.count("\n") == 1, result.output
    for word in words:
        assert word in result.output, result.output


def qdpx_content(path):
    """(source titles' count, codings' count) of a written .qdpx."""
    with zipfile.ZipFile(path) as archive:
        qde = archive.read("project.qde").decode("utf-8")
        members = [n for n in archive.namelist() if n.startswith("sources/")]
    assert qde.count("<TextSource ") == len(members)
    return len(members), qde.count("<Coding ")


# -- 1. the REFI-QDA project export applies every filter it takes -----------------------------


def test_qdpx_export_applies_the_document_filters(team, tmp_path):
    path, ids = team
    march, june = sorted(d for d in ids if d < "2019-06"), sorted(d for d in ids if d >= "2019-06")
    with Project(path) as project:
        set_attributes(project, ids[march[0]], ["venue=patio central"])
        set_excluded(project, [ids[june[1]]])
    out = tmp_path / "p.qdpx"

    assert cli(path, "export", out, "--where", "venue=patio central").exit_code == 0
    assert qdpx_content(out) == (1, 2)  # one document, alice's and bob's codings there
    assert cli(path, "export", out).exit_code == 0
    assert qdpx_content(out) == (3, 6)  # the excluded document is left out ...
    assert cli(path, "export", out, "--include-excluded").exit_code == 0
    assert qdpx_content(out) == (4, 8)  # ... unless asked for
    assert cli(path, "export", out, "--since", "2019-06").exit_code == 0
    assert qdpx_content(out) == (1, 2)
    assert cli(path, "export", out, "--until", "2019-03", "--coder", "alice").exit_code == 0
    assert qdpx_content(out) == (2, 2)
    assert cli(path, "export", out, "--doc", ids[june[1]]).exit_code == 0
    assert qdpx_content(out) == (1, 2)  # named by id: counted though excluded
    assert cli(path, "export", out, "--code", "DES").exit_code == 0
    assert qdpx_content(out) == (3, 0)
    assert cli(path, "export", out, "--gold").exit_code == 1  # no gold layer: said, not ignored


def test_qdc_export_refuses_filters_it_cannot_apply(team, tmp_path):
    path, _ = team
    out = tmp_path / "c.qdc"
    for option in (["--where", "venue=patio"], ["--include-excluded"], ["--coder", "alice"]):
        one_line_error(cli(path, "export", out, *option), option[0], ".qdc")
        assert not out.exists()
    one_line_error(cli(path, "export", tmp_path / "p.qdpx", "--counts"), "--counts")


# -- 2. --coverage honours the listing's filters -----------------------------------------------


def test_coverage_honours_since_until_and_excluded(tmp_path):
    with make_project(tmp_path, documents=3, months=["marzo", "junio", "agosto"]) as project:
        first = min(list_documents(project), key=lambda d: d["date"])["id"]
        set_excluded(project, [first])
    path = tmp_path / "team.db"

    def months(*options):
        result = cli(path, "documents", "--coverage", "--json", *options)
        assert result.exit_code == 0, result.output
        return [(row["month"], row["documents"]) for row in json.loads(result.output)]

    assert months("--since", "2019-05", "--until", "2019-07") == [
        ("2019-05", 0), ("2019-06", 1), ("2019-07", 0)]  # the range's gaps show too
    assert months("--since", "2018", "--until", "2030")[0] == ("2019-03", 0)  # within the data
    assert months("--since", "2018", "--until", "2030")[-1] == ("2019-08", 1)
    assert months("--excluded") == [("2019-03", 1)]
    # Without --since the months start at the first matching document.
    assert months("--where", "genre=mañanera", "--until", "2019-07") == [
        ("2019-06", 1), ("2019-07", 0)]


# -- 3. --duplicates honours the filters; --duplicates --coverage is refused --------------------

SENTENCES = [f"La brigada {i} de reforestación sembró pinos en la ladera norte del cerro."
             for i in range(30)]
OTHER = [f"El tramo {i} del acueducto llevará agua a las colonias altas de la ciudad."
         for i in range(30)]


def _transcript(title: str, day: int, month: str, sentences: list[str]) -> str:
    body = "".join(f"---\nPRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR\n{s}\n" for s in sentences)
    return f"{title}\nPresidencia\n{day:02d} de {month} de 2019\n{body}"


@pytest.fixture
def doubled(tmp_path):
    """Two same-day pairs of near-duplicates: a press conference in February (ids 1, 2) and
    a speech in July (ids 3, 4); returns the project path."""
    files = [
        ("a.txt", "Conferencia de prensa matutina", 14, "febrero", SENTENCES),
        ("b.txt", "Conferencia de prensa matutina (versión corregida)", 14, "febrero",
         SENTENCES[:28] + ["Un párrafo nuevo añadido al final de la versión corregida."]),
        ("c.txt", "Discurso en la presa del valle", 3, "julio", OTHER),
        ("d.txt", "Discurso en la presa del valle, segunda publicación", 3, "julio",
         OTHER[:29]),
    ]
    paths = [write_transcript(tmp_path / "in", name, _transcript(title, day, month, text))
             for name, title, day, month, text in files]
    path = tmp_path / "dup.db"
    with Project(path, create=True) as project:
        import_paths(project, paths)
        assert [d["id"] for d in list_documents(project)] == [1, 2, 3, 4]
    return path


def test_duplicates_honour_the_filters(doubled):
    def pairs(*options):
        result = cli(doubled, "documents", "--duplicates", "--json", *options)
        assert result.exit_code == 0, result.output
        return sorted((row["document"], row["duplicate"]) for row in json.loads(result.output))

    assert pairs() == [(1, 2), (3, 4)]
    assert pairs("--since", "2019-06") == [(3, 4)]
    assert pairs("--until", "2019-02-14") == [(1, 2)]
    assert pairs("--where", "genre=speech") == [(3, 4)]
    assert pairs("--where", "genre=mañanera") == [(1, 2)]
    # A pair is listed when either document passes: the twin outside the filter shows.
    assert cli(doubled, "documents", "set", "2", "venue=salón").exit_code == 0
    assert pairs("--where", "venue=salón") == [(1, 2)]
    assert cli(doubled, "documents", "exclude", "4").exit_code == 0
    assert pairs("--excluded") == [(3, 4)]
    assert "either of its documents" in cli(doubled, "documents", "--help").output


def test_duplicates_with_coverage_and_a_stray_threshold_are_refused(doubled):
    one_line_error(cli(doubled, "documents", "--duplicates", "--coverage"),
                   "--duplicates", "--coverage")
    one_line_error(cli(doubled, "documents", "--coverage", "--threshold", "0.5"), "--threshold")


# -- 5. `documents set`: messages about the argument, keys with control characters -------------


@pytest.mark.parametrize("assignment", ["=x", "noequals"])
def test_set_names_the_argument_not_where(team, assignment):
    path, ids = team
    result = cli(path, "documents", "set", min(ids.values()), assignment)
    one_line_error(result, repr(assignment), "key=value")
    assert "--where" not in result.output


@pytest.mark.parametrize("key", ["date", "id"])
def test_set_of_a_column_gives_no_exclusion_hint(team, key):
    path, ids = team
    result = cli(path, "documents", "set", min(ids.values()), f"{key}=5")
    one_line_error(result, repr(key), "not an attribute you can set")
    assert "exclude" not in result.output
    one_line_error(cli(path, "documents", "set", min(ids.values()), "excluded=1"),
                   "coder documents exclude/include")


@pytest.mark.parametrize("key", ["sede\nnueva", "sede\tnueva", "sede\x00", "sede\x1b[1m",
                                 "se\u200bde", "se\u2028de"])
def test_set_refuses_keys_with_control_characters(team, key):
    path, ids = team
    document = min(ids.values())
    before = db_rows(path, "SELECT metadata FROM documents WHERE id = ?", [document])
    events = db_rows(path, "SELECT count(*) AS n FROM events")
    one_line_error(cli(path, "documents", "set", document, f"{key}=uno"), "control character")
    assert db_rows(path, "SELECT metadata FROM documents WHERE id = ?", [document]) == before
    assert db_rows(path, "SELECT count(*) AS n FROM events") == events


# -- 6. the agreement header says what was used ---------------------------------------------


def test_agreement_header_says_the_filter(team):
    path, ids = team
    documents = sorted(ids.values())
    assert cli(path, "documents", "set", documents[0], "venue=patio").exit_code == 0
    result = cli(path, "agreement", "--coders", "alice,bob", "--where", "venue=patio")
    assert result.exit_code == 0, result.output
    header = next(line for line in result.output.splitlines() if line.startswith("Documents"))
    assert header == ("Documents (1): the 1 of the 4 documents coded by both coders that "
                      "match venue=patio")
    one_line_error(cli(path, "agreement", "--coders", "alice,bob", "--where", "venue=nada"),
                   "no document coded by all of alice, bob matches venue=nada")
    assert cli(path, "documents", "exclude", documents[1]).exit_code == 0
    result = cli(path, "agreement", "--coders", "alice,bob")
    assert "Documents (3): the 3 of the 4 documents coded by both coders that are not " \
           "excluded from analyses" in result.output
    # Documents named by id are narrowed by --where too, and the header says so.
    result = cli(path, "agreement", "--coders", "alice,bob", "--doc",
                 f"{documents[0]},{documents[2]}", "--where", "venue=patio")
    assert result.exit_code == 0, result.output
    assert "Documents (1): the 1 of the 2 documents chosen by id" in result.output


def test_attribute_agreement_honours_where(project, transcript):
    import_paths(project, [transcript])
    store_codebook(project, parse_codebook(with_attributes()))
    for coder, value in (("alice", "negated"), ("bob", "affirmed")):
        set_attribute(project, coder, apply_code(project, coder, 1, "SEC.WAR", 10, 40)["id"],
                      "polarity", value)
    args = ["agreement", "--coders", "alice,bob", "--attributes", "--docs", "all"]
    assert cli(project.path, *args).exit_code == 0
    one_line_error(cli(project.path, *args, "--where", "venue=nada"), "matches venue=nada")


# -- 7. a no-op exclude or include writes nothing ---------------------------------------------


def test_noop_exclude_and_include_write_no_event(team):
    path, ids = team
    document = str(min(ids.values()))
    count = lambda: db_rows(path, "SELECT count(*) AS n FROM events")[0]["n"]  # noqa: E731
    assert cli(path, "documents", "exclude", document).exit_code == 0
    before = count()
    result = cli(path, "documents", "exclude", document)
    assert result.exit_code == 0 and "already excluded" in result.output
    assert count() == before
    assert cli(path, "documents", "include", document).exit_code == 0
    before = count()
    result = cli(path, "documents", "include", document)
    assert result.exit_code == 0 and "not excluded" in result.output
    assert count() == before
    # Setting an attribute to the value it has is no change either.
    assert cli(path, "documents", "set", document, "venue=patio").exit_code == 0
    before = count()
    assert cli(path, "documents", "set", document, "venue=patio").exit_code == 0
    assert count() == before
