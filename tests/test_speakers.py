"""Speaker normalisation: titles, roles, typos, press voices, and user merges that stick."""

from __future__ import annotations

import pytest

from coder.corpus.importer import import_paths
from coder.corpus.roster import merge_speakers, split_speaker
from coder.corpus.speakers import (
    SpeakerResolver,
    display_name,
    find_speaker,
    list_speakers,
    parse_speaker,
    same_person,
)
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
    # A president of something else is a guest with a role, not the head of the event.
    other = parse_speaker("CARLOS SALAZAR LOMELÍN, PRESIDENTE DEL CONSEJO COORDINADOR EMPRESARIAL")
    assert other.kind == "guest" and other.role.startswith("PRESIDENTE DEL CONSEJO")


def test_role_after_comma():
    line = parse_speaker("JOSÉ RAFAEL OJEDA DURÁN, SECRETARIO DE MARINA")
    assert (line.name, line.role, line.kind) == ("José Rafael Ojeda Durán", "SECRETARIO DE MARINA",
                                                 "official")


@pytest.mark.parametrize("raw", ["PREGUNTA", "INTERLOCUTOR", "INTERLOCUTORA", "QUESTION"])
def test_press_voices(raw):
    line = parse_speaker(raw)
    assert line.kind == "press" and line.name == "Press"


@pytest.mark.parametrize("raw", ["VOZ MUJER", "VOZ DE HOMBRE", "VOZ EN OFF", "INTERVENCIÓN",
                                 "INTERVENCIÓN MUJER", "INTERVENCIÓN EN EL AUDITORIO"])
def test_unidentified_voices(raw):
    """Press only when the turn asks something (see test_speakers_turns)."""
    line = parse_speaker(raw)
    assert line.kind == "voice" and line.name == "Unidentified voice"


def test_other_generic_voices():
    assert parse_speaker("MODERADORA").kind == "moderator"
    assert parse_speaker("VOCES A CORO").kind == "voice"
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


# --- One person, many spellings -------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    "HUGO LÓPEZ-GATELL RAMÍREZ",
    "HUGO LÓPEZ GATELL RAMÍREZ",
    "HUGO LÓPEZ-GATELL RAMÍREZ.",
    "Hugo López-Gatell Ramírez:",
    "HUGO LÓPEZ-GATELL RAMÍREZ, SUBSECRETARIO DE PREVENCIÓN Y PROMOCIÓN DE LA SALUD",
])
def test_hyphens_and_trailing_punctuation_do_not_change_the_key(raw):
    assert parse_speaker(raw).key == "HUGO LOPEZ GATELL RAMIREZ"


def test_role_after_a_dot_is_split_off():
    line = parse_speaker("LUIS CRESENCIO SANDOVAL GONZÁLEZ. SECRETARIO DE LA DEFENSA NACIONAL")
    assert (line.key, line.role, line.kind) == ("LUIS CRESENCIO SANDOVAL GONZALEZ",
                                                "SECRETARIO DE LA DEFENSA NACIONAL", "official")
    # A role before a comma-separated rest keeps all of it.
    line = parse_speaker("ALEJANDRO ENCINAS RODRÍGUEZ. SUBSECRETARIO DE DERECHOS HUMANOS, "
                         "POBLACIÓN Y MIGRACIÓN")
    assert line.key == "ALEJANDRO ENCINAS RODRIGUEZ"
    assert line.role == "SUBSECRETARIO DE DERECHOS HUMANOS, POBLACIÓN Y MIGRACIÓN"


@pytest.mark.parametrize("raw, key, role", [
    ("MARCELO EBRARD CASAUBON SECRETARIO DE RELACIONES EXTERIORES", "MARCELO EBRARD CASAUBON",
     "SECRETARIO DE RELACIONES EXTERIORES"),
    ("ZOÉ ROBLEDO ABURTO DIRECTOR GENERAL DEL INSTITUTO MEXICANO DEL SEGURO SOCIAL (IMSS)",
     "ZOE ROBLEDO ABURTO", "DIRECTOR GENERAL DEL INSTITUTO MEXICANO DEL SEGURO SOCIAL (IMSS)"),
    ("CARLOS SALAZAR LOMELÍN PRESIDENTE DEL CONSEJO COORDINADOR EMPRESARIAL",
     "CARLOS SALAZAR LOMELIN", "PRESIDENTE DEL CONSEJO COORDINADOR EMPRESARIAL"),
    # Not roles: a surname that is also a role word, a middle initial, a single given name.
    ("LUISA MARÍA ALCALDE LUJÁN", "LUISA MARIA ALCALDE LUJAN", None),
    ("DONALD J. TRUMP", "DONALD TRUMP", None),
    ("JUAN FISCAL", "JUAN FISCAL", None),
])
def test_role_word_without_comma(raw, key, role):
    line = parse_speaker(raw)
    assert (line.key, line.role) == (key, role)


@pytest.mark.parametrize("key, other", [
    ("HUGO LOPEZ GATELL", "HUGO LOPEZ GATELL RAMIREZ"),      # a surname more
    ("RAFAEL OJEDA DURAN", "JOSE RAFAEL OJEDA DURAN"),        # a given name more, in front
    ("ZOE ROBLEDO ABURTO", "ZOE ALEJANDRO ROBLEDO ABURTO"),   # a second given name
    ("HUGO LOPEZ GATELL RAMIRES", "HUGO LOPEZ GATELL RAMIREZ"),
    ("HUGO LOPEZ GATEL RAMIREZ", "HUGO LOPEZ GATELL RAMIREZ"),
    ("LUIS CRESCENCIO SANDOVAL GONZALEZ", "LUIS CRESENCIO SANDOVAL GONZALEZ"),
    ("ARIANDA MONTIEL REYES", "ARIADNA MONTIEL REYES"),       # two letters swapped
    ("OSE LUIS ALOMIA ZEGARRA", "JOSE LUIS ALOMIA ZEGARRA"),  # first letter lost
    ("RICARDO MEJIA BERDEJO", "RICARDO MEJIA BERDEJA"),       # surnames have no gender
    ("MARIEL BETZAIDA SANTA MARIA MARTINEZ", "MARIEL BETZAIDA SANTAMARIA MARTINEZ"),
    ("SOFIA ANA RUIZ MORA", "ANA SOFIA RUIZ MORA"),            # given names swapped
    ("PEDRO GATELL LOPEZ RAMIREZ", "PEDRO LOPEZ GATELL RAMIREZ"),  # a compound surname swapped
])
def test_same_person(key, other):
    assert same_person(key, other) and same_person(other, key)


@pytest.mark.parametrize("key, other", [
    ("JUAN PEREZ LOPEZ", "JUAN PEREZ GOMEZ"),
    # Over the whole-key ratio, but a different surname, not a typo.
    ("MARIA DEL CARMEN GARCIA LOPEZ", "MARIA DEL CARMEN GARCIA GOMEZ"),
    ("JUAN CARLOS HERNANDEZ LOPEZ", "JUAN CARLOS FERNANDEZ LOPEZ"),
    ("JOSE LUIS MARTIN LOPEZ", "JOSE LUIS MARTINEZ LOPEZ"),
    ("GABRIEL GARCIA RODRIGUEZ", "GABRIELA GARCIA RODRIGUEZ"),
    ("ANDRES ORTIZ SALINAS", "ANDREA ORTIZ SALINAS"),
    ("ALEJANDRO TORRES MEDINA", "ALEJANDRA TORRES MEDINA"),
    # Two name words are too few to tell people apart.
    ("ARTURO HERRERA", "ARTURO HERRERA GUTIERREZ"),
    ("JUAN PERES", "JUAN PEREZ"),
    ("ANA RUIZ", "RUIZ ANA"),  # the same two words in another order: too few to tell
    # Another first name with the same surnames.
    ("PEDRO GARCIA RIOS", "FRANCISCO GARCIA RIOS"),
])
def test_not_the_same_person(key, other):
    assert not same_person(key, other) and not same_person(other, key)


CORPUS_LINES = [
    "HUGO LÓPEZ-GATELL",
    "HUGO LÓPEZ-GATELL RAMÍREZ, SUBSECRETARIO DE PREVENCIÓN Y PROMOCIÓN DE LA SALUD",
    "HUGO LÓPEZ GATELL RAMÍREZ",
    "HUGO LÓPEZ-GATELL RAMÍRES",
    "HUGO LÓPEZ-GATELL RAMÍREZ.",
    "HUGO LÓPEZ-GATEL RAMÍREZ",
    "LUIS CRESENCIO SANDOVAL GONZÁLEZ. SECRETARIO DE LA DEFENSA NACIONAL",
    "LUIS CRESCENCIO SANDOVAL GONZÁLEZ",
    "RAFAEL OJEDA DURÁN, SECRETARIO DE MARINA",
    "JOSÉ RAFAEL OJEDA DURÁN",
    "MARCELO EBRARD CASAUBON",
    "MARCELO EBRARD CASAUBON SECRETARIO DE RELACIONES EXTERIORES",
    "JUAN PÉREZ LÓPEZ",
    "JUAN PÉREZ GÓMEZ",
    "PREGUNTA",
    "INTERLOCTORA",
]


def _write(tmp_path, name, lines, title="Conferencia"):
    """A transcript file with one short invented turn per speaker line."""
    body = "".join(f"---\n{line}\nTexto de prueba número {i}.\n" for i, line in enumerate(lines))
    path = tmp_path / name
    path.write_text(f"{title}\nPresidencia\n05 de marzo de 2019\n{body}", encoding="utf-8")
    return path


def test_import_joins_spellings_of_one_person(project, tmp_path):
    import_paths(project, [_write(tmp_path, "a.txt", CORPUS_LINES)])
    speakers = {s["name"]: s for s in list_speakers(project)}
    # Two spellings seen equally often: the alphabetically first is the name.
    assert set(speakers) == {"Hugo López-Gatell Ramírez", "Luis Crescencio Sandoval González",
                             "José Rafael Ojeda Durán", "Marcelo Ebrard Casaubon",
                             "Juan Pérez López", "Juan Pérez Gómez", "Press"}
    assert speakers["Hugo López-Gatell Ramírez"]["turns"] == 6
    assert speakers["Luis Crescencio Sandoval González"]["turns"] == 2
    assert speakers["José Rafael Ojeda Durán"]["role"] == "SECRETARIO DE MARINA"
    assert speakers["Marcelo Ebrard Casaubon"]["role"] == "SECRETARIO DE RELACIONES EXTERIORES"
    assert speakers["Press"]["turns"] == 2
    # What the rules stripped is kept with each spelling.
    titles = dict(project.db.execute("SELECT alias, title FROM speaker_aliases").fetchall())
    assert titles["LUIS CRESENCIO SANDOVAL GONZÁLEZ. SECRETARIO DE LA DEFENSA NACIONAL"] == \
        "SECRETARIO DE LA DEFENSA NACIONAL"
    assert titles["HUGO LÓPEZ-GATELL RAMÍRES"] is None


def test_spellings_join_across_imports_and_follow_user_merges(project, tmp_path):
    import_paths(project, [_write(tmp_path, "a.txt", ["JOSÉ RAFAEL OJEDA DURÁN", "JUAN PÉREZ"])])
    merge_speakers(project, "Juan Pérez", "José Rafael Ojeda Durán")
    # A new import reads the known spellings back from the project.
    import_paths(project, [_write(tmp_path, "b.txt", ["RAFAEL OJEDA DURÁN", "JUAN PÉREZ",
                                                      "JOSÉ RAFAEL OJEDA DURAN."], title="Otra")])
    [speaker] = list_speakers(project)
    assert speaker["name"] == "José Rafael Ojeda Durán" and speaker["turns"] == 5


def test_spellings_meet_the_fullest_name_first(project, tmp_path):
    # Each shorter spelling is part of the full one: read against it (not against each
    # other, whatever the order of the lines), all three are one person.
    lines = ["ZOÉ ALEJANDRO ROBLEDO", "ZOÉ ROBLEDO ABURTO", "ZOÉ ALEJANDRO ROBLEDO ABURTO"]
    import_paths(project, [_write(tmp_path, "a.txt", lines)])
    [zoe] = list_speakers(project)
    assert zoe["name"] == "Zoé Alejandro Robledo Aburto" and zoe["turns"] == 3


def test_a_spelling_matching_two_speakers_joins_neither(project, tmp_path):
    lines = ["JUAN CARLOS PÉREZ LÓPEZ", "JUAN CARLOS PÉREZ GÓMEZ", "JUAN CARLOS PÉREZ"]
    import_paths(project, [_write(tmp_path, "a.txt", lines)])
    speakers = {s["name"]: s for s in list_speakers(project)}
    assert len(speakers) == 3
    assert "could be" in project.rows("SELECT unresolved FROM speakers WHERE name = ?",
                                      ["Juan Carlos Pérez"])[0]["unresolved"]


def test_new_spellings_follow_a_user_merge_into_press(project, tmp_path):
    import_paths(project, [_write(tmp_path, "a.txt", ["PREGUNTA", "JUAN PÉREZ LÓPEZ"])])
    merge_speakers(project, "Juan Pérez López", "Press")
    import_paths(project, [_write(tmp_path, "b.txt", ["JUAN PÉREZ LÓPES", "PRESIDENTE ANDRÉS "
                                                      "MANUEL LÓPEZ OBRADOR"], title="Otra")])
    speakers = {s["name"]: s for s in list_speakers(project)}
    assert set(speakers) == {"Press", "Andrés Manuel López Obrador"}
    assert speakers["Press"]["turns"] == 3
    # ... and the typo's turn counts as a question the next turn answers.
    assert project.db.execute("SELECT count(*) FROM turns WHERE question_id IS NOT NULL"
                              ).fetchone()[0] == 1


def test_rolled_back_spelling_is_forgotten(project):
    resolver = SpeakerResolver(project)
    with project.transaction():
        resolver.resolve("JUAN PÉREZ LÓPEZ")
    resolver.commit()
    with pytest.raises(RuntimeError), project.transaction():
        resolver.resolve("HUGO LÓPEZ-GATELL RAMÍREZ")
        raise RuntimeError("file failed")
    resolver.rollback()
    with project.transaction():
        # Takes the id the rolled-back speaker had: a stale index would send Hugo here.
        olga = resolver.resolve("OLGA SÁNCHEZ CORDERO")[0]
        hugo = resolver.resolve("HUGO LÓPEZ-GATELL RAMÍRES")[0]
    resolver.commit()
    assert hugo != olga
    assert {s["name"] for s in list_speakers(project)} == {
        "Juan Pérez López", "Olga Sánchez Cordero", "Hugo López-Gatell Ramíres"}


def test_find_speaker_by_another_spelling(project, tmp_path):
    import_paths(project, [_write(tmp_path, "a.txt", CORPUS_LINES[:3])])
    assert find_speaker(project, "Hugo López-Gatell")["key"] == "HUGO LOPEZ GATELL RAMIREZ"
    assert find_speaker(project, "hugo lopez gatell ramirez")["kind"] == "official"


# --- Stage directions, headings, press voices with typos -------------------------------------

@pytest.mark.parametrize("raw", ["(HONORES AL C. PRESIDENTE)", "(MINUTO DE APLAUSOS)"])
def test_stage_directions(raw):
    line = parse_speaker(raw)
    assert (line.name, line.kind) == ("Stage direction", "other") and not line.person
    assert line.stripped == raw.strip("()")


@pytest.mark.parametrize("raw", ["(PROYECCIÓN DE VIDEO)", "(INICIA VIDEO", "VIDEO", "AUDIO",
                                 "VOZ DEL PRESIDENTE JUAN PÉREZ LÓPEZ MANIPULADA EN UN ESTUDIO"])
def test_recordings(raw):
    line = parse_speaker(raw)
    assert (line.name, line.kind) == ("Recording", "recording") and not line.person


@pytest.mark.parametrize("raw", ["AL PUEBLO DE MÉXICO", "TRANSLATOR'S NOTES", "TRANSLATOR’S NOTES",
                                 "DECEMBER 1, 2019", "VE-157", "PRD", "PT", "MORENA"])
def test_lines_that_name_nobody(raw):
    line = parse_speaker(raw)
    assert (line.name, line.kind) == ("Not a speaker", "other") and not line.person
    assert line.stripped == raw


@pytest.mark.parametrize("raw, name", [
    ("INTERLOCTORA", "Press"), ("PREGUNTO", "Press"), ("PREUGUNTA", "Press"),
    ("INTERCULTOR", "Press"), ("INTERVENCÍON", "Unidentified voice"), ("PREGUNTA.", "Press"),
    ("MODERADO", "Moderator"), ("MODERRADOR", "Moderator"), ("CONDUCTORA", "Moderator"),
])
def test_mistyped_voices(raw, name):
    assert parse_speaker(raw).name == name


@pytest.mark.parametrize("raw", ["SANTIAGO", "PEDRO CERISOLA", "MODESTO", "PEDRO PREGONERO"])
def test_short_names_are_not_voices(raw):
    line = parse_speaker(raw)
    assert line.kind == "other" and line.person


# --- Display names ---------------------------------------------------------------------------

@pytest.mark.parametrize("raw, name", [
    ("INSTITUTO MEXICANO DEL SEGURO SOCIAL (IMSS)", "Instituto Mexicano del Seguro Social (IMSS)"),
    ("REPRESENTANTE OPS/OMS", "Representante Ops/Oms"),
    ("INSTITUTO ‘SALVADOR ZUBIRÁN’", "Instituto ‘Salvador Zubirán’"),
    ("HOSPITAL “EL PINO”", "Hospital “El Pino”"),
    ("JOHN O'BRIEN", "John O'Brien"),
    ("TRANSLATOR'S", "Translator's"),
    ("MARÍA ELENA ÁLVAREZ-BUYLLA ROCES", "María Elena Álvarez-Buylla Roces"),
])
def test_display_name_casing(raw, name):
    assert display_name(raw) == name


# --- Kind president: the head of the event ---------------------------------------------------

@pytest.mark.parametrize("order", [1, -1])
def test_foreign_president_is_a_guest(project, tmp_path, order):
    lines = ["PRESIDENTE DONALD TRUMP", "DONALD J. TRUMP, PRESIDENTE DE LOS ESTADOS UNIDOS",
             "DONALD TRUMP", "PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR"][::order]
    import_paths(project, [_write(tmp_path, "a.txt", lines)])
    speakers = {s["name"]: s for s in list_speakers(project)}
    trump = speakers["Donald Trump"] if "Donald Trump" in speakers else speakers["Donald J. Trump"]
    assert (trump["kind"], trump["turns"]) == ("guest", 3)
    assert trump["role"] == "PRESIDENTE DE LOS ESTADOS UNIDOS"
    assert speakers["Andrés Manuel López Obrador"]["kind"] == "president"


def test_head_of_event_role_after_the_name():
    line = parse_speaker("ANDRÉS MANUEL LÓPEZ OBRADOR, PRESIDENTE DE MÉXICO")
    assert (line.key, line.kind) == ("ANDRES MANUEL LOPEZ OBRADOR", "president")
    assert parse_speaker("DONALD TRUMP, PRESIDENTE DE ESTADOS UNIDOS").kind == "guest"


def test_two_importers_on_one_file_share_spellings(tmp_path):
    """A resolver whose cache predates another process's import must not collide with it."""
    from coder.corpus.speakers import SpeakerResolver
    from coder.project import Project

    path = tmp_path / "p.db"
    with Project(path, create=True) as first, Project(path) as second:
        stale = SpeakerResolver(first)          # cache filled while the file is empty
        fresh = SpeakerResolver(second)
        with second.transaction():
            theirs = fresh.resolve("MARÍA LÓPEZ HERRERA, VOCERA")
        fresh.commit()
        with first.transaction():
            ours = stale.resolve("MARÍA LÓPEZ HERRERA, VOCERA")
        stale.commit()
        assert ours == theirs
        assert first.db.execute("SELECT count(*) FROM speaker_aliases").fetchone()[0] == 1


# --- Splitting what was joined wrongly ------------------------------------------------------

def test_split_a_spelling_the_rules_joined(project, tmp_path):
    lines = ["ZOÉ ROBLEDO ABURTO", "ZOÉ ALEJANDRO ROBLEDO ABURTO", "ZOÉ ROBLEDO ABURTO"]
    import_paths(project, [_write(tmp_path, "a.txt", lines)])
    [joined] = list_speakers(project)
    assert joined["turns"] == 3
    target = split_speaker(project, "ZOÉ ALEJANDRO ROBLEDO ABURTO")
    assert target["name"] == "Zoé Alejandro Robledo Aburto" and target["turns"] == 1
    speakers = {s["name"]: s for s in list_speakers(project)}
    assert speakers["Zoé Robledo Aburto"]["turns"] == 2
    assert speakers["Zoé Alejandro Robledo Aburto"]["aliases"] == ["ZOÉ ALEJANDRO ROBLEDO ABURTO"]
    # The fix is kept: the same spelling in a later import goes where the user put it.
    import_paths(project, [_write(tmp_path, "b.txt", ["ZOÉ ALEJANDRO ROBLEDO ABURTO"],
                                  title="Otra")])
    assert {s["name"]: s["turns"] for s in list_speakers(project)} == {
        "Zoé Robledo Aburto": 2, "Zoé Alejandro Robledo Aburto": 2}
    assert project.rows("SELECT action, entity FROM events WHERE action = 'split'") == [
        {"action": "split", "entity": "speaker"}]


def test_split_undoes_a_merge_and_moves_into_a_named_speaker(project, tmp_path):
    import_paths(project, [_write(tmp_path, "a.txt", ["PREGUNTA", "JUAN PÉREZ LÓPEZ",
                                                      "PREGUNTA", "MARÍA GÓMEZ RUIZ"])])
    merge_speakers(project, "Juan Pérez López", "Press")
    assert project.db.execute("SELECT count(*) FROM turns WHERE question_id IS NOT NULL"
                              ).fetchone()[0] == 1
    # Back out of the press, as a new speaker: his turn answers the question before it again.
    back = split_speaker(project, "juan perez lopez")
    assert back["name"] == "Juan Pérez López" and back["turns"] == 1
    assert project.db.execute("SELECT count(*) FROM turns WHERE question_id IS NOT NULL"
                              ).fetchone()[0] == 2
    assert project.db.execute("SELECT count(*) FROM speaker_merges").fetchone()[0] == 0
    # Into an existing speaker; its old speaker, now without a spelling, is gone.
    moved = split_speaker(project, "MARÍA GÓMEZ RUIZ", into="Juan Pérez López")
    assert moved["id"] == back["id"] and moved["turns"] == 1
    assert {s["name"] for s in list_speakers(project)} == {"Press", "Juan Pérez López"}
    # Into a new speaker named by the user.
    named = split_speaker(project, "MARÍA GÓMEZ RUIZ", into="María Gómez")
    assert named["name"] == "María Gómez" and named["turns"] == 1


def test_split_errors(project, transcript):
    import_paths(project, [transcript])
    with pytest.raises(CoderError, match="no spelling"):
        split_speaker(project, "NADIE")
    with pytest.raises(CoderError, match="as Press itself; name the speaker"):
        split_speaker(project, "PREGUNTA")
    with pytest.raises(CoderError, match="already belongs to"):
        split_speaker(project, "PREGUNTA", into="Press")
    with pytest.raises(CoderError, match="itself"):
        split_speaker(project, "RESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR")


@pytest.mark.parametrize("first, second", [
    ("MODERADORA, LUCÍA PÉREZ", "LUCÍA PÉREZ, MODERADORA"),
    ("PERIODISTA, JUAN LÓPEZ", "JUAN LÓPEZ, PERIODISTA"),
])
def test_a_voice_word_before_the_name_reads_as_after_it(first, second):
    """"MODERADORA, LUCÍA PÉREZ" was a person called "Moderadora" whose role was the name."""
    a, b = parse_speaker(first), parse_speaker(second)
    assert (a.name, a.key, a.kind, a.role) == (b.name, b.key, b.kind, b.role)
    assert a.name == b.name and a.person and a.role.startswith(("MODERADORA", "PERIODISTA"))
