"""The speakers commands against a hostile user: a voice merged into a person, a president
by hand, administrations out of order, rosters with doubled names, typo'd keys and control
characters, names that are digits, empty names and folders, and the --kind filter.

Every wrong input is refused in one line and leaves the project file exactly as it was.
Every speaker line and sentence here is invented for the tests.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from coder.cli import main
from coder.corpus.administrations import SHIPPED, parse_administrations
from coder.corpus.importer import import_paths
from coder.corpus.roster import (
    load_roster,
    merge_speakers,
    rename_speaker,
    set_administrations,
    split_speaker,
    unresolved_speakers,
)
from coder.corpus.speakers import find_speaker, list_speakers
from coder.errors import CoderError
from coder.export.search import iter_hits
from coder.project import Project

HEAD = "Andrés Manuel López Obrador"
MONTHS = {3: "marzo", 6: "junio"}


def _write(folder, name, date, lines):
    """A transcript dated ``date`` (YYYY-MM-DD), one invented turn per speaker line; a line
    ending in '?' makes its turn ask something."""
    year, month, day = (int(x) for x in date.split("-"))
    body = ""
    for i, line in enumerate(lines):
        asks = line.endswith("?")
        body += (f"---\n{line.rstrip('?')}\n"
                 f"{'¿Cuándo abre el puente nuevo?' if asks else 'El puente abre pronto.'} {i}\n")
    path = folder / name
    path.write_text(f"Conferencia de prensa matutina\nPresidencia\n{day:02d} de "
                    f"{MONTHS[month]} de {year}\n{body}", encoding="utf-8")
    return path


def _lines(folder):
    """Two invented conferences: the head of government of 2019, the press, an official,
    a guest, and a short form the rules leave unresolved."""
    return [
        _write(folder, "a.txt", "2019-03-05", [
            "PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR", "PREGUNTA?",
            "LORENA VIDAL ARCOS, SECRETARIA DE TURISMO", "PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR",
            "TOMÁS QUIROGA BELTRÁN", "ANA MARÍA LUNA RIVAS", "ANA MARÍA LUNA SOTO"]),
        _write(folder, "b.txt", "2019-06-05", [
            "PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR", "INTERLOCUTORA?", "ANA MARÍA LUNA"]),
    ]


def _state(project):
    """Everything a speakers command may change: a refused one changes none of it."""
    return {table: project.db.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
            for table in ("settings", "speakers", "speaker_aliases", "speaker_merges", "turns",
                          "events")}


@pytest.fixture
def filled(project, tmp_path):
    import_paths(project, _lines(tmp_path))
    return project


@pytest.fixture
def cli(tmp_path):
    """A project file with the invented conferences, and a way to run coder on it."""
    path = tmp_path / "cli.db"
    with Project(path, create=True) as project:
        import_paths(project, _lines(tmp_path))
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, ["-p", str(path), *args], catch_exceptions=False)

    run.path = path
    return run


def _refused(error, *words):
    text = str(error.value)
    assert "\n" not in text
    for word in words:
        assert word in text


# --- 1. a generic voice never merges into a person ------------------------------------

@pytest.mark.parametrize("voice", ["Press", "PREGUNTA", "INTERLOCUTORA"])
def test_a_generic_voice_is_not_merged_into_a_person(filled, voice):
    before = _state(filled)
    with pytest.raises(CoderError) as error:
        merge_speakers(filled, voice, HEAD)
    _refused(error, "generic voice", "split")
    assert _state(filled) == before
    # The president is still the president, with his own turns only.
    hits = list(iter_hits(filled, "puente", role="president"))
    assert {h.speaker for h in hits} == {HEAD} and len(hits) == 3


def test_a_voices_spelling_is_not_split_into_a_person(filled):
    before = _state(filled)
    with pytest.raises(CoderError) as error:
        split_speaker(filled, "PREGUNTA", into=HEAD)
    _refused(error, "generic voice", HEAD)
    assert _state(filled) == before
    # The other way stays allowed: a person merged into a voice becomes that voice.
    merged = merge_speakers(filled, "Tomás Quiroga Beltrán", "Press")
    assert merged["name"] == "Press"
    kinds = {s["name"]: s["kind"] for s in list_speakers(filled)}
    assert kinds["Press"] == "press" and kinds[HEAD] == "president"


def test_the_cli_refuses_a_voice_into_a_person_in_one_line(cli):
    result = cli("speakers", "merge", "Press", HEAD)
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert result.output.startswith("coder: cannot merge 'Press'")
    assert f"`coder speakers split SPELLING --into '{HEAD}'`" in result.output


# --- 2. nobody is made the president by hand ------------------------------------------

def test_rename_refuses_the_president_kind(filled):
    before = _state(filled)
    with pytest.raises(CoderError) as error:
        rename_speaker(filled, "Tomás Quiroga Beltrán", "Tomás Quiroga", kind="president")
    _refused(error, "president", "coder speakers administrations")
    assert _state(filled) == before
    assert {h.speaker for h in iter_hits(filled, "puente", role="president")} == {HEAD}
    # Every other kind can still be given.
    for kind in ("official", "guest", "press", "moderator", "recording", "voice", "other",
                 "unknown"):
        assert rename_speaker(filled, "Tomás Quiroga Beltrán", "Tomás Quiroga Beltrán",
                              kind=kind)["kind"] == kind


def test_a_roster_refuses_the_president_kind_and_takes_the_others(filled, tmp_path):
    before = _state(filled)
    bad = tmp_path / "bad.yaml"
    bad.write_text("speakers:\n  - name: Tomás Quiroga\n    kind: president\n"
                   "    spellings: [TOMÁS QUIROGA BELTRÁN]\n", encoding="utf-8")
    with pytest.raises(CoderError) as error:
        load_roster(filled, bad)
    _refused(error, str(bad), "speaker 1", "coder speakers administrations")
    assert _state(filled) == before
    good = tmp_path / "good.yaml"
    good.write_text("speakers:\n  - name: Tomás Quiroga\n    kind: moderator\n"
                    "    spellings: [TOMÁS QUIROGA BELTRÁN]\n", encoding="utf-8")
    load_roster(filled, good)
    assert {s["name"]: s["kind"] for s in list_speakers(filled)}["Tomás Quiroga"] == "moderator"


def test_the_cli_refuses_kind_president_in_one_line(cli):
    result = cli("speakers", "rename", "Tomás Quiroga Beltrán", "T. Q.", "--kind", "president")
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "coder speakers administrations" in result.output


# --- 3. administrations in order ------------------------------------------------------

@pytest.mark.parametrize("entries, words", [
    ("  - head: Irene Salas Mora\n    start: 2020-05-01\n    end: 2019-01-01\n",
     ["administration 1 (Irene Salas Mora)", "start 2020-05-01 is after end 2019-01-01"]),
    ("  - head: Irene Salas Mora\n    start: 2010-01-01\n    end: 2016-01-01\n"
     "  - head: Bruno Gil Ferrer\n    start: 2015-06-01\n",
     ["administration 2 (Bruno Gil Ferrer)", "administration 1 (Irene Salas Mora)", "overlap"]),
    ("  - head: Irene Salas Mora\n    start: 2010-01-01\n"
     "  - head: Bruno Gil Ferrer\n    start: 2015-06-01\n    end: 2016-01-01\n",
     ["administration 2 (Bruno Gil Ferrer)", "still in office", "overlap"]),
    ("  - head: Irene Salas Mora\n    start: 2010-01-01\n    end: 2015-06-01\n"
     "  - head: Bruno Gil Ferrer\n    start: 2015-06-01\n",
     ["administration 2 (Bruno Gil Ferrer)", "ends 2015-06-01", "overlap"]),
    ("  - head: Irene Salas Mora\n    start: 2010-01-01\n    from: 2011-01-01\n",
     ["administration 1 (Irene Salas Mora)", "from 2011-01-01 is after start"]),
], ids=["start-after-end", "overlap", "open-ended-overlap", "same-day", "from-after-start"])
def test_administrations_out_of_order_are_refused(filled, tmp_path, entries, words):
    path = tmp_path / "bad.yaml"
    path.write_text("administrations:\n" + entries, encoding="utf-8")
    before = _state(filled)
    with pytest.raises(CoderError) as error:
        set_administrations(filled, path)
    _refused(error, str(path), *words)
    assert _state(filled) == before
    # The shipped list (a president-elect's conferences before taking office) still passes.
    assert len(parse_administrations(SHIPPED.read_text(encoding="utf-8"), str(SHIPPED))) >= 3
    text = ("administrations:\n  - head: Irene Salas Mora\n    start: 2010-01-01\n"
            "    end: 2015-05-31\n  - head: Bruno Gil Ferrer\n    start: 2015-06-01\n"
            "    from: 2015-03-01\n")
    assert [a.head for a in parse_administrations(text, "ok.yaml")] == [
        "Irene Salas Mora", "Bruno Gil Ferrer"]


# --- 4. rosters: one entry per name, known keys, names that are text -----------------

@pytest.mark.parametrize("content, words", [
    ("speakers:\n  - name: Tomás Quiroga\n    spellings: [TOMÁS QUIROGA BELTRÁN]\n"
     "  - name: TOMAS QUIROGA\n    spellings: [T. QUIROGA]\n",
     ["speaker 2", "'TOMAS QUIROGA'", "speaker 1's"]),
    ("speakers:\n  - name: Tomás Quiroga\n    kidn: official\n",
     ["speaker 1 (Tomás Quiroga)", "unknown key 'kidn'", "name, kind, spellings"]),
    ("speakers:\n  - name: 5\n", ["speaker 1", "not text"]),
    ('speakers:\n  - name: "Tomás\\u202eQuiroga"\n', ["speaker 1", "control character",
                                                       "U+202E"]),
    ('speakers:\n  - name: "Tomás\\x07Quiroga"\n', ["speaker 1", "U+0007"]),
    ('speakers:\n  - name: "Tomás\\u2066Quiroga"\n', ["speaker 1", "U+2066"]),
    ('speakers:\n  - name: "Tomás\\x7fQuiroga"\n', ["speaker 1", "U+007F"]),
], ids=["same-name", "unknown-key", "number", "bidi-override", "bell", "bidi-isolate", "delete"])
def test_hostile_roster_entries_are_refused(filled, tmp_path, content, words):
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    before = _state(filled)
    with pytest.raises(CoderError) as error:
        load_roster(filled, path)
    _refused(error, str(path), *words)
    assert _state(filled) == before


# --- 5. digits that are an id name that speaker ---------------------------------------

def test_digits_that_are_a_speaker_id_name_that_speaker(filled):
    head = find_speaker(filled, HEAD)
    rename_speaker(filled, "Tomás Quiroga Beltrán", str(head["id"]))
    assert find_speaker(filled, str(head["id"]))["id"] == head["id"]
    renamed = rename_speaker(filled, str(head["id"]), "Andrés M. López Obrador")
    assert renamed["id"] == head["id"]
    # The speaker called so is still reached by its spelling.
    assert find_speaker(filled, "TOMÁS QUIROGA BELTRÁN")["name"] == str(head["id"])


# --- 6. an empty --into ---------------------------------------------------------------

@pytest.mark.parametrize("into", ["", "   ", "\t"])
def test_split_into_an_empty_name_is_refused(filled, into):
    before = _state(filled)
    with pytest.raises(CoderError) as error:
        split_speaker(filled, "TOMÁS QUIROGA BELTRÁN", into=into)
    _refused(error, "into")
    assert error.value.option == "into"
    assert _state(filled) == before


def test_the_cli_refuses_an_empty_into_in_one_line(cli):
    result = cli("speakers", "split", "TOMÁS QUIROGA BELTRÁN", "--into", "")
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert result.output.startswith("coder: --into is empty")


# --- 7. a folder is one line ----------------------------------------------------------

@pytest.mark.parametrize("command", ["load", "export", "administrations"])
def test_a_folder_is_refused_in_one_line(cli, tmp_path, command):
    folder = tmp_path / "adir"
    folder.mkdir()
    result = cli("speakers", command, str(folder))
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "Usage" not in result.output and "folder" in result.output
    assert str(folder) in result.output


# --- 8. coder speakers --kind ---------------------------------------------------------

def test_list_speakers_by_kind(filled):
    assert {s["name"] for s in list_speakers(filled, ["official"])} == {"Lorena Vidal Arcos"}
    both = {s["kind"] for s in list_speakers(filled, ["press", "president"])}
    assert both == {"press", "president"}
    assert {s["kind"] for s in unresolved_speakers(filled, ["guest"])} == {"guest"}
    assert unresolved_speakers(filled, ["official"]) == []
    with pytest.raises(CoderError) as error:
        list_speakers(filled, ["king"])
    assert error.value.option == "kind"


def test_the_cli_filters_speakers_by_kind(cli):
    rows = json.loads(cli("speakers", "--kind", "official", "--json").output)
    assert [r["name"] for r in rows] == ["Lorena Vidal Arcos"]
    rows = json.loads(cli("speakers", "--kind", "press,official", "--kind", "president",
                          "--json").output)
    assert {r["kind"] for r in rows} == {"press", "official", "president"}
    table = cli("speakers", "--kind", "official")
    assert table.exit_code == 0 and "Lorena Vidal Arcos" in table.output
    assert HEAD not in table.output and "1 speakers" in table.output
    assert "--kind" in cli("speakers", "--help").output
    bad = cli("speakers", "--kind", "king")
    assert bad.exit_code == 1 and bad.output.count("\n") == 1
    assert bad.output.startswith("coder: --kind 'king'")
