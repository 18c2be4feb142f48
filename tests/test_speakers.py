"""Speaker normalisation: titles, roles, typos, press voices, and user merges that stick."""

from __future__ import annotations

import pytest

from coder.corpus.importer import import_paths
from coder.corpus.speakers import list_speakers, merge_speakers, parse_speaker
from coder.errors import CoderError


@pytest.mark.parametrize("raw", [
    "PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR",
    "ANDRÉS MANUEL LÓPEZ OBRADOR",
    "PRESIDENTE DE MÉXICO, ANDRÉS MANUEL LÓPEZ OBRADOR",
    "RESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR",
    "PRESIDENTE ANDRES MANUEL LOPEZ OBRADOR:",
    "PRESIDENTE ANDRÉS MANUEL\u200b LÓPEZ OBRADOR",
])
def test_president_spellings_share_a_key(raw):
    line = parse_speaker(raw)
    assert line.key == "ANDRES MANUEL LOPEZ OBRADOR"
    assert line.name == "Andrés Manuel López Obrador" or raw.upper() == raw


def test_president_kind_from_title():
    assert parse_speaker("PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR").kind == "president"
    assert parse_speaker("RESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR").kind == "president"
    # A president of something else is an official with a role, not the head of the event.
    other = parse_speaker("CARLOS SALAZAR LOMELÍN, PRESIDENTE DEL CONSEJO COORDINADOR EMPRESARIAL")
    assert other.kind == "official" and other.role.startswith("PRESIDENTE DEL CONSEJO")


def test_role_after_comma():
    line = parse_speaker("JOSÉ RAFAEL OJEDA DURÁN, SECRETARIO DE MARINA")
    assert (line.name, line.role, line.kind) == ("José Rafael Ojeda Durán", "SECRETARIO DE MARINA",
                                                 "official")


@pytest.mark.parametrize("raw", ["PREGUNTA", "INTERLOCUTOR", "INTERLOCUTORA", "VOZ MUJER",
                                 "VOZ DE HOMBRE", "INTERVENCIÓN", "INTERVENCIÓN MUJER", "QUESTION"])
def test_press_voices(raw):
    line = parse_speaker(raw)
    assert line.kind == "press" and line.name == "Press"


def test_other_generic_voices():
    assert parse_speaker("MODERADORA").kind == "moderator"
    assert parse_speaker("VOCES A CORO").kind == "other"
    assert parse_speaker("???").kind == "unknown"
    assert parse_speaker(None).kind == "unknown"


def test_import_groups_spellings(project, transcript):
    import_paths(project, [transcript])
    speakers = {s["name"]: s for s in list_speakers(project)}
    amlo = speakers["Andrés Manuel López Obrador"]
    assert amlo["kind"] == "president" and amlo["turns"] == 3
    assert len(amlo["aliases"]) == 3
    assert speakers["Press"]["aliases"] == ["INTERLOCUTORA", "PREGUNTA"]


def test_merge_is_kept_for_later_imports(project, tmp_path):
    first = tmp_path / "a.txt"
    first.write_text("T\nA\n01 de enero de 2020\n---\nJUAN PÉREZ\nHola.\n---\nJUAN PERES, VOCERO\nAdiós.\n")
    import_paths(project, [first])
    assert len(list_speakers(project)) == 2
    merge_speakers(project, "Juan Peres", "Juan Pérez")
    [speaker] = list_speakers(project)
    assert speaker["turns"] == 2
    second = tmp_path / "b.txt"
    second.write_text("T2\nA\n02 de enero de 2020\n---\nJUAN PERES\nOtra vez.\n")
    import_paths(project, [second])
    [speaker] = list_speakers(project)
    assert speaker["name"] == "Juan Pérez" and speaker["turns"] == 3


def test_merge_errors(project, transcript):
    import_paths(project, [transcript])
    with pytest.raises(CoderError, match="no speaker"):
        merge_speakers(project, "Nadie", "Press")
    with pytest.raises(CoderError, match="already the same"):
        merge_speakers(project, "Press", "PREGUNTA")
