"""Speakers from all the evidence: order independence, kinds per turn over time, rename,
rosters (including hostile ones) and what the rules leave unresolved.

Every speaker line and sentence here is invented for the tests.
"""

from __future__ import annotations

import threading

import pytest

from coder.corpus.importer import import_paths
from coder.corpus.roster import (
    export_roster,
    load_roster,
    merge_speakers,
    rename_speaker,
    unresolved_speakers,
)
from coder.corpus.speakers import list_speakers, parse_speaker
from coder.errors import CoderError
from coder.export.search import iter_hits
from coder.project import Project

MONTHS = {1: "enero", 3: "marzo", 6: "junio", 9: "septiembre", 11: "noviembre"}


def _write(folder, name, date, lines, title="Conferencia de prensa matutina"):
    """A transcript dated ``date`` (YYYY-MM-DD), one invented turn per speaker line; a line
    ending in '?' makes its turn ask something."""
    year, month, day = (int(x) for x in date.split("-"))
    body = ""
    for i, line in enumerate(lines):
        asks = line.endswith("?")
        line = line.rstrip("?")
        body += f"---\n{line}\n{'¿Qué opina del puente nuevo?' if asks else 'Hablamos del puente.'} {i}\n"
    path = folder / name
    path.write_text(f"{title}\nPresidencia\n{day:02d} de {MONTHS[month]} de {year}\n{body}",
                    encoding="utf-8")
    return path


def _corpus(folder):
    return [
        _write(folder, "a.txt", "2019-03-05", [
            "PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR", "PREGUNTA",
            "CLAUDIA SHEINBAUM PARDO, JEFA DE GOBIERNO DE LA CIUDAD DE MÉXICO",
            "PRSIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR", "VOZ MUJER?", "VOZ MUJER",
            "JUAN ORLANDO PÉREZ ROBLES, PRESIDENTE DE LA REPÚBLICA DE ARCADIA",
            "RAFAEL OJEDA DURÁN, SECRETARIO DE MARINA", "SECRETARIO DE MARINA"]),
        _write(folder, "b.txt", "2019-06-05", [
            "PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR", "ANDRÉS MANU6EL LÓPEZ OBRADOR",
            "ANDRÉS MANUEL LÓPEZ OBRADOR (EN ESE MOMENTO JEFE DE GOBIERNO) (VIDEO)",
            "VOZ DEL PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR MANIPULADA", "JOSÉ RAFAEL OJEDA DURÁN",
            "OJEDA DURÁN"]),
        _write(folder, "c.txt", "2024-11-05", [
            "PRESIDENTA DE MÉXICO, CLAUDIA SHEINBAUM PARDO", "INTERLOCUTOR",
            "PRESIDENTA CLAUDIA SHEINBAUM PARDO", "SECRETARIO DE SEGURIDAD, OMAR GÓMEZ VALDÉS",
            "OMAR GÓMEZ VALDÉS"]),
        _write(folder, "d.txt", "2024-11-06", [
            "CLAUDIA SHEINBAUM PARDO", "PREGUNTA", "GÓMEZ VALDÉS", "INTERVENCIÓN?", "INTERVENCIÓN"],
               title="Otra conferencia"),
    ]


def _table(project):
    """The speaker tables without ids: what must not depend on import order."""
    speakers = sorted(
        (s["name"], s["kind"], s["role"] or "", tuple(s["aliases"]), s["turns"])
        for s in list_speakers(project))
    turns = sorted(project.db.execute(
        "SELECT d.sha256, t.seq, s.name, t.kind, COALESCE(t.role, ''), t.question_id IS NULL"
        " FROM turns t JOIN documents d ON d.id = t.document_id"
        " JOIN speakers s ON s.id = t.speaker_id").fetchall())
    return speakers, turns


def _speakers_by_title(project) -> dict[str, str]:
    """Each document's title -> "speaker / kind" of its (last) turn."""
    return dict(project.db.execute(
        "SELECT d.title, s.name || ' / ' || t.kind FROM turns t JOIN documents d"
        " ON d.id = t.document_id JOIN speakers s ON s.id = t.speaker_id").fetchall())


def test_import_order_does_not_change_the_speakers(tmp_path):
    files = _corpus(tmp_path)
    tables = []
    for number, order in enumerate([files, files[::-1], [files[2], files[0], files[3], files[1]]]):
        with Project(tmp_path / f"p{number}.db", create=True) as project:
            for path in order:  # one import per file: each adds evidence
                import_paths(project, [path])
            tables.append(_table(project))
    assert tables[0] == tables[1] == tables[2]


def test_two_concurrent_halves_give_the_same_speakers(tmp_path):
    files = _corpus(tmp_path)
    with Project(tmp_path / "whole.db", create=True) as project:
        import_paths(project, files)
        whole = _table(project)
    Project(tmp_path / "halves.db", create=True).close()
    errors = []

    def half(paths):
        try:
            with Project(tmp_path / "halves.db") as project:
                import_paths(project, paths, workers=1)
        except Exception as exc:  # reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=half, args=(files[:2],)),
               threading.Thread(target=half, args=(files[2:],))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with Project(tmp_path / "halves.db") as project:
        assert _table(project) == whole


def test_a_project_from_before_turn_kinds_gets_them_on_opening(tmp_path):
    """A project upgraded from a schema whose turns had no kind works them out when it is
    opened, not at the next import (the migration marks it; coder.corpus does the work)."""
    import coder.corpus  # noqa: F401  (registers the work, as the CLI, TUI and API do)
    from tests.helpers import as_before_turn_kinds

    path = tmp_path / "old.db"
    with Project(path, create=True) as project:
        import_paths(project, _corpus(tmp_path))
        expected = _table(project)
    as_before_turn_kinds(path)
    with Project(path) as project:
        assert project.db.execute("SELECT count(*) FROM turns WHERE kind IS NULL").fetchone()[0] == 0
        assert project.setting("pending:turn_kinds") is None
        assert _table(project) == expected


def test_the_canonical_name_follows_what_people_say_not_the_first_line(tmp_path):
    """A typo'd speaker line seen first, and more often, than the right spelling: the name
    words the spellings disagree on are looked up in what is said in the person's
    documents ("Ramírez" is said, "Ramíirez" never), whatever the import order."""
    def write(name, date, turns):
        year, month, day = (int(x) for x in date.split("-"))
        body = "".join(f"---\n{line}\n{said}\n" for line, said in turns)
        path = tmp_path / name
        path.write_text(f"Conferencia de prensa matutina\nPresidencia\n{day:02d} de "
                        f"{MONTHS[month]} de {year}\n{body}", encoding="utf-8")
        return path

    first = write("a.txt", "2019-03-05", [
        ("PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR", "Le pido a Ernesto Ramírez que nos explique."),
        ("ERNESTO RAMÍIREZ GONZÁLEZ, SECRETARIO DE PESCA", "Con gusto, presidente."),
        ("PREGUNTA", "¿Y las vedas?"),
        ("ERNESTO RAMÍIREZ GONZÁLEZ, SECRETARIO DE PESCA", "Empiezan en junio.")])
    second = write("b.txt", "2019-06-05", [
        ("ERNESTO RAMÍREZ GONZÁLEZ", "Buenos días. Informo sobre la pesca ribereña.")])
    names = []
    for number, order in enumerate([[first, second], [second, first]]):
        with Project(tmp_path / f"p{number}.db", create=True) as project:
            for path in order:
                import_paths(project, [path])
            names.append(sorted(s["name"] for s in list_speakers(project) if s["kind"] == "official"))
    assert names[0] == names[1] == ["Ernesto Ramírez González"]


def test_names_kinds_and_roles(project, tmp_path):
    import_paths(project, _corpus(tmp_path))
    speakers = {s["name"]: s for s in list_speakers(project)}
    amlo = speakers["Andrés Manuel López Obrador"]
    # The typo'd title and the digit inside the name are the same person, never the name.
    assert {"PRSIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR", "ANDRÉS MANU6EL LÓPEZ OBRADOR"} <= set(amlo["aliases"])
    assert not any("Prsidente" in name or "Voz" in name or "De México" in name for name in speakers)
    # A role before the name, a role after it and the name alone are one person.
    sheinbaum = speakers["Claudia Sheinbaum Pardo"]
    assert len(sheinbaum["aliases"]) == 4
    # A short form joins the person of the same document; a role alone joins its holder.
    ojeda = speakers["José Rafael Ojeda Durán"]
    assert {"OJEDA DURÁN", "SECRETARIO DE MARINA", "RAFAEL OJEDA DURÁN, SECRETARIO DE MARINA"} \
        <= set(ojeda["aliases"])
    # In a document where nobody of that name speaks, it stays apart, marked unresolved.
    assert speakers["Gómez Valdés"]["turns"] == 1
    assert "short form of Omar Gómez Valdés" in {r["why"] for r in unresolved_speakers(project)}
    assert speakers["Recording"]["kind"] == "recording"
    assert speakers["Juan Orlando Pérez Robles"]["kind"] == "guest"
    kinds = dict(project.db.execute(
        "SELECT a.alias || ' ' || d.date, t.kind FROM turns t JOIN speaker_aliases a ON a.id = t.alias_id"
        " JOIN documents d ON d.id = t.document_id").fetchall())
    # Sheinbaum is an official in 2019 and the president in November 2024.
    assert kinds["CLAUDIA SHEINBAUM PARDO, JEFA DE GOBIERNO DE LA CIUDAD DE MÉXICO 2019-03-05"] == "official"
    assert kinds["CLAUDIA SHEINBAUM PARDO 2024-11-06"] == "president"
    # A name with no role takes the role of that person's nearest turn with one.
    assert kinds["JOSÉ RAFAEL OJEDA DURÁN 2019-06-05"] == "official"
    # The archival clip is a recording, not an official with the role "JEFE DE GOBIERNO".
    assert kinds["ANDRÉS MANUEL LÓPEZ OBRADOR (EN ESE MOMENTO JEFE DE GOBIERNO) (VIDEO) 2019-06-05"] \
        == "recording"
    # An unidentified voice is the press only when it asks.
    voices = project.db.execute("SELECT t.kind FROM turns t JOIN speaker_aliases a ON a.id = t.alias_id"
                                " WHERE a.alias = 'VOZ MUJER' ORDER BY t.seq").fetchall()
    assert [k for (k,) in voices] == ["press", "voice"]
    # So is an "INTERVENCIÓN": a reporter's asks; a testimony or a shout does not.
    voices = project.db.execute("SELECT t.kind FROM turns t JOIN speaker_aliases a ON a.id = t.alias_id"
                                " WHERE a.alias = 'INTERVENCIÓN' ORDER BY t.seq").fetchall()
    assert [k for (k,) in voices] == ["press", "voice"]


def test_a_name_with_no_role_anywhere_is_a_guest(project, tmp_path):
    """Someone named who holds no office the project knows of (a testimony, a cadet
    reciting) is a guest; a name alone whose person has a role elsewhere takes that."""
    import_paths(project, [
        _write(tmp_path, "a.txt", "2019-03-05", [
            "PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR", "ROSA LUNA PARDO", "TOMÁS ÍÑIGUEZ SOLÍS"]),
        _write(tmp_path, "b.txt", "2019-06-05", [
            "TOMÁS ÍÑIGUEZ SOLÍS, SUBSECRETARIO DE AGUA", "PREGUNTA"])])
    kinds = dict(project.db.execute(
        "SELECT a.alias, t.kind FROM turns t JOIN speaker_aliases a ON a.id = t.alias_id"
        " JOIN documents d ON d.id = t.document_id WHERE d.date = '2019-03-05'").fetchall())
    assert kinds["ROSA LUNA PARDO"] == "guest"
    assert kinds["TOMÁS ÍÑIGUEZ SOLÍS"] == "official"
    speakers = {s["name"]: s["kind"] for s in list_speakers(project)}
    assert speakers["Rosa Luna Pardo"] == "guest"


def test_views_show_the_turns_kind_not_the_speakers(project, tmp_path):
    """The audit card (TUI and report) and the workbench's speaker filter read the kind and
    role of the turn on its date: Sheinbaum's 2019 turn is an official's, though she is
    the president overall."""
    from coder.corpus.documents import document_turns
    from coder.team.audit import item_context
    from coder.tui.queries import documents_with_speaker

    import_paths(project, _corpus(tmp_path))
    (document_id, start, end), = project.db.execute(
        'SELECT t.document_id, t.start, t."end" FROM turns t JOIN speaker_aliases a'
        " ON a.id = t.alias_id WHERE a.alias LIKE 'CLAUDIA SHEINBAUM PARDO, JEFA%'").fetchall()
    assert project.rows("SELECT kind FROM speakers WHERE name = 'Claudia Sheinbaum Pardo'"
                        )[0]["kind"] == "president"
    context = item_context(project, {"document_id": document_id, "start": start + 1, "end": end - 1})
    assert (context["speaker"], context["speaker_kind"]) == ("Claudia Sheinbaum Pardo", "official")
    turn = next(t for t in document_turns(project, document_id) if t["start"] == start)
    assert (turn["speaker_kind"], turn["speaker_role"]) == (
        "official", "JEFA DE GOBIERNO DE LA CIUDAD DE MÉXICO")
    assert document_id in documents_with_speaker(project, "jefa de gobierno")


def test_role_president_is_the_president_of_the_day(project, tmp_path):
    import_paths(project, _corpus(tmp_path))
    hits = list(iter_hits(project, "puente", role="president"))
    assert {(h.speaker, h.date[:4]) for h in hits} == {
        ("Andrés Manuel López Obrador", "2019"), ("Claudia Sheinbaum Pardo", "2024")}
    assert len(hits) == 4 + 3  # two titled lines, the typo and the digit; three 2024 turns
    officials = {h.speaker for h in iter_hits(project, "puente", role="official")}
    assert "Claudia Sheinbaum Pardo" in officials and "Andrés Manuel López Obrador" not in officials
    with pytest.raises(CoderError, match="no turn with the role"):
        list(iter_hits(project, "puente", role="astronauta"))


def test_parentheticals_stay_apart_from_the_name():
    line = parse_speaker("ANDRÉS MANUEL LÓPEZ OBRADOR (EN ESE MOMENTO JEFE DE GOBIERNO)")
    assert (line.key, line.role, line.note) == ("ANDRES MANUEL LOPEZ OBRADOR", None,
                                               "EN ESE MOMENTO JEFE DE GOBIERNO")
    assert parse_speaker("JUAN PÉREZ LÓPEZ (INAUDIBLE)").key == "JUAN PEREZ LOPEZ"
    assert parse_speaker("ZOÉ ROBLEDO, DIRECTOR DEL SEGURO (IMSS)").role == "DIRECTOR DEL SEGURO (IMSS)"
    role_first = parse_speaker("FISCAL GENERAL DE LA REPÚBLICA, ANA LUISA MORA PAZ")
    assert (role_first.key, role_first.role) == ("ANA LUISA MORA PAZ", "FISCAL GENERAL DE LA REPÚBLICA")
    assert parse_speaker("FISCAL GENERAL DE LA REPÚBLICA").role_only


@pytest.mark.parametrize("raw, name, role", [
    # A role first and the name after it, no comma: the name follows the role's complement.
    ("SECRETARIO DE HACIENDA ARTURO PÉREZ", "Arturo Pérez", "SECRETARIO DE HACIENDA"),
    ("SECRETARIA DE ENERGÍA ROCÍO GARZA LUNA", "Rocío Garza Luna", "SECRETARIA DE ENERGÍA"),
    ("DIRECTOR GENERAL DEL IMSS JUAN PABLO ROBLES MARÍN", "Juan Pablo Robles Marín",
     "DIRECTOR GENERAL DEL IMSS"),
    ("SECRETARIO DE LA DEFENSA NACIONAL LUIS SANDOVAL ORTIZ", "Luis Sandoval Ortiz",
     "SECRETARIO DE LA DEFENSA NACIONAL"),
    ("DIRECTOR DE PETRÓLEOS MEXICANOS OCTAVIO ROMERO", "Octavio Romero",
     "DIRECTOR DE PETRÓLEOS MEXICANOS"),
    # A role alone stays a role: its last words are its complement, not a name.
    ("SECRETARIO DE SEGURIDAD Y PROTECCIÓN CIUDADANA", None, None),
    ("SECRETARIA DE EDUCACIÓN PÚBLICA", None, None),
    ("GOBERNADOR DEL ESTADO DE NUEVO LEÓN", None, None),
    ("SECRETARIA DE MEDIO AMBIENTE Y RECURSOS NATURALES", None, None),
])
def test_role_first_without_a_comma(raw, name, role):
    line = parse_speaker(raw)
    if name is None:
        assert line.role_only and not line.person
    else:
        assert (line.name, line.role, line.kind, line.role_only) == (name, role, "official", False)


@pytest.mark.parametrize("role, kind", [
    ("JEFA DE GOBIERNO DE CIUDAD DE MÉXICO", "official"),
    ("EMBAJADOR DE MÉXICO ANTE LA ORGANIZACIÓN DE LAS NACIONES UNIDAS", "official"),
    ("PRESIDENTE DE LA REPÚBLICA DE ARCADIA", "guest"),
    ("DIRECTORA GENERAL DE GRUPO CONSTRUCTOR", "guest"),
    ("SECRETARIO DE MARINA", "official"),
    ("PRESIDENTA DEL PODER JUDICIAL DEL ESTADO DE ARCADIA", "official"),  # a court, not a club
    ("PRESIDENTE DEL CLUB DE AJEDREZ DE ARCADIA", "guest"),
])
def test_role_kinds(role, kind):
    from coder.corpus.speakers import role_kind

    assert role_kind(role) == kind


def test_rename_sticks_across_imports(project, tmp_path):
    files = _corpus(tmp_path)
    import_paths(project, files[:1])
    renamed = rename_speaker(project, "Juan Orlando Pérez Robles", "J. O. Pérez", kind="guest")
    assert renamed["name"] == "J. O. Pérez"
    import_paths(project, files[1:])
    assert "J. O. Pérez" in {s["name"] for s in list_speakers(project)}
    with pytest.raises(CoderError, match="another speaker"):
        rename_speaker(project, "J. O. Pérez", "Press")
    with pytest.raises(CoderError, match="unknown kind"):
        rename_speaker(project, "J. O. Pérez", "X", kind="king")


def test_roster_round_trip(tmp_path):
    files = _corpus(tmp_path)
    roster = tmp_path / "roster.yaml"
    with Project(tmp_path / "one.db", create=True) as one:
        import_paths(one, files)
        merge_speakers(one, "Gómez Valdés", "Omar Gómez Valdés")
        rename_speaker(one, "Omar Gómez Valdés", "Omar Gómez", kind="official")
        export_roster(one, roster)
        expected = _table(one)[0]
    with Project(tmp_path / "two.db", create=True) as two:
        load_roster(two, roster)  # before the import: later imports follow it
        import_paths(two, files)
        assert _table(two)[0] == expected


def test_roster_export_writes_as_every_output_does(tmp_path):
    """Through coder.outputs: a folder is refused in one line, a link's target is written."""
    files = _corpus(tmp_path)
    with Project(tmp_path / "one.db", create=True) as one:
        import_paths(one, files)
        with pytest.raises(CoderError, match="it is a folder; give a file name"):
            export_roster(one, tmp_path)
        target = tmp_path / "real.yaml"
        target.write_text("old", encoding="utf-8")
        link = tmp_path / "link.yaml"
        link.symlink_to(target)
        assert export_roster(one, link) > 0
    assert link.is_symlink() and target.read_text(encoding="utf-8").startswith("# coder speaker")


@pytest.mark.parametrize("content, message", [
    ("speakers: [\n  - name: x\n", "not valid YAML"),
    ("- just a list\n", "expected a list under 'speakers:'"),
    ("speakers:\n  - spellings: [A]\n", "speaker 1 has no name"),
    ("speakers:\n  - name: A\n    kind: king\n", "unknown kind 'king'"),
    ("speakers:\n  - name: A\n    spellings: [1, 2]\n", "'spellings' must be a list"),
    ("speakers:\n  - name: A\n    spellings: [X]\n  - name: B\n    spellings: [X]\n", "listed under"),
    ("a: &a [*a]\n", "YAML aliases"),
])
def test_hostile_rosters_leave_the_project_unchanged(project, tmp_path, content, message):
    import_paths(project, _corpus(tmp_path)[:1])
    before = _table(project)
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CoderError, match=message) as error:
        load_roster(project, path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)
    assert _table(project) == before


@pytest.mark.parametrize("kind", ["folder", "missing", "binary"])
def test_unreadable_rosters(project, tmp_path, kind):
    path = tmp_path / "r.yaml"
    if kind == "folder":
        path.mkdir()
    elif kind == "binary":
        path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(CoderError) as error:
        load_roster(project, path)
    assert str(path) in str(error.value)


def test_unresolved_short_forms_are_listed(project, tmp_path):
    import_paths(project, [
        _write(tmp_path, "a.txt", "2019-03-05", ["ANA MARÍA LÓPEZ RUIZ", "ANA MARÍA LÓPEZ DÍAZ"]),
        _write(tmp_path, "b.txt", "2019-06-05", ["ANA MARÍA LÓPEZ"]),
    ])
    [row] = unresolved_speakers(project)
    assert row["name"] == "Ana María López" and "could be" in row["why"]


def test_a_given_name_in_the_other_gender_joins_only_by_a_shared_role(project, tmp_path):
    import_paths(project, [
        _write(tmp_path, "a.txt", "2019-03-05", ["PAULA INÉS SOTO VEGA, SECRETARIA DE PUENTES",
                                                  "GABRIELA RÍOS MATA, DIRECTORA DE PARQUES"]),
        _write(tmp_path, "b.txt", "2019-06-05", ["PAULA INÉS SOTO VEGA, SECRETARIA DE PUENTES",
                                                  "GABRIELA RÍOS MATA"]),
        # PAUL for PAULA with her role: a typo; GABRIEL with another role: maybe someone else.
        _write(tmp_path, "c.txt", "2019-11-05", ["PAUL INÉS SOTO VEGA, SECRETARIA DE PUENTES",
                                                  "GABRIEL RÍOS MATA, DIRECTOR DE CAMINOS"]),
    ])
    names = {r["name"] for r in list_speakers(project)}
    assert "Paula Inés Soto Vega" in names and "Paul Inés Soto Vega" not in names
    assert {"Gabriela Ríos Mata", "Gabriel Ríos Mata"} <= names
    [row] = unresolved_speakers(project)
    assert row["name"] == "Gabriel Ríos Mata" and row["why"] == "could be Gabriela Ríos Mata"


def test_a_speech_whose_title_names_the_head_of_government_is_theirs(project, tmp_path):
    """A document that names no speaker (the placeholder ???) is the head of government's
    when its title says they speak; any other stays an unknown speaker's."""
    def unnamed(name, date, title):
        """A transcript whose only speaker line is the placeholder ???."""
        year, month, day = (int(x) for x in date.split("-"))
        path = tmp_path / name
        path.write_text(f"{title}\nPresidencia\n{day:02d} de {MONTHS[month]} de {year}\n---\n"
                        "???\nAmigas, amigos: hablamos del puente nuevo.\n", encoding="utf-8")
        return path

    import_paths(project, [
        _write(tmp_path, "a.txt", "2019-03-05", ["PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR"]),
        unnamed("b.txt", "2019-06-05",
                "Mensaje del presidente Andrés Manuel López Obrador en el puente nuevo"),
        unnamed("c.txt", "2024-11-05", "Remarks by President Sheinbaum Pardo at the bridge"),
        unnamed("d.txt", "2019-06-06", "Versión estenográfica | Presentación del puente nuevo"),
        unnamed("e.txt", "2019-06-07",
                "Declaración de Andrés Manuel López Obrador y Claudia Sheinbaum Pardo"),
        unnamed("f.txt", "2019-06-08",
                "Mensaje conjunto: Andrés Manuel López Obrador y Claudia Sheinbaum Pardo"),
    ])
    by_title = _speakers_by_title(project)
    assert by_title["Mensaje del presidente Andrés Manuel López Obrador en el puente nuevo"] \
        == "Andrés Manuel López Obrador / president"
    assert by_title["Remarks by President Sheinbaum Pardo at the bridge"] \
        == "Claudia Sheinbaum Pardo / president"
    for title in ("Versión estenográfica | Presentación del puente nuevo",
                  "Declaración de Andrés Manuel López Obrador y Claudia Sheinbaum Pardo",
                  "Mensaje conjunto: Andrés Manuel López Obrador y Claudia Sheinbaum Pardo"):
        assert by_title[title].startswith("Unknown speaker")
    # Where the line came from stays visible among the spellings.
    assert project.db.execute("SELECT count(*) FROM speaker_aliases WHERE alias ="
                              " 'ANDRÉS MANUEL LÓPEZ OBRADOR (SEGÚN EL TÍTULO)'").fetchone() == (1,)


@pytest.mark.parametrize("raw, kind, role", [
    # Titles and no name: a role without a name, never a person called "Presidenta".
    ("PRESIDENTA", "president", "PRESIDENTA"),
    ("PRESIDENTE:", "president", "PRESIDENTE"),
    ("PRSIDENTE", "president", "PRSIDENTE"),
    ("SR. PRESIDENTE", "president", "SR. PRESIDENTE"),
    ("THE PRESIDENT", "president", "PRESIDENT"),
    ("EL PRESIDENTE", "president", "PRESIDENTE"),
    ("LA PRESIDENTA", "president", "PRESIDENTA"),
    ("EL SECRETARIO", "official", "SECRETARIO"),
    ("LA GOBERNADORA DEL ESTADO DE ARCADIA", "official", "GOBERNADORA DEL ESTADO DE ARCADIA"),
    ("CANCILLER DE ARCADIA", "guest", "CANCILLER DE ARCADIA"),
    ("DOCTORA", "other", "DOCTORA"),
])
def test_a_title_or_role_alone_names_nobody(raw, kind, role):
    line = parse_speaker(raw)
    assert (line.role_only, line.person, line.kind, line.role) == (True, False, kind, role)
    assert line.name.startswith("[")


@pytest.mark.parametrize("raw, key, kind", [
    # An article, a courtesy title or CANCILLER before the name is not part of it.
    ("LA SECRETARIA DE PESCA, ANA ROBLES LUNA", "ANA ROBLES LUNA", "official"),
    ("EL PRESIDENTE TOMÁS ÍÑIGUEZ SOLÍS", "TOMAS INIGUEZ SOLIS", "president"),
    ("SEÑORA ANA ROBLES LUNA", "ANA ROBLES LUNA", "other"),
    ("SEÑOR TOMÁS ÍÑIGUEZ", "TOMAS INIGUEZ", "other"),
    ("CANCILLER TOMÁS ÍÑIGUEZ SOLÍS", "TOMAS INIGUEZ SOLIS", "official"),
])
def test_words_before_a_name_are_not_the_name(raw, key, kind):
    line = parse_speaker(raw)
    assert (line.key, line.kind, line.person) == (key, kind, True)


@pytest.mark.parametrize("raw, name", [
    ("INTÉRPRETE", "Other voices"), ("TRADUCTORA", "Other voices"),
    ("INTÉRPRETE DEL PRIMER MINISTRO", "Other voices"), ("INTERPRETER", "Other voices"),
    ("MAESTRA DE CEREMONIAS", "Moderator"), ("LA MODERADORA", "Moderator"),
    ("PARTICIPANTE", "Unidentified voice"), ("INVITADA", "Unidentified voice"),
])
def test_interpreters_hosts_and_participants_are_voices(raw, name):
    line = parse_speaker(raw)
    assert (line.name, line.person) == (name, False)


def test_the_head_of_governments_role_alone_is_the_head_of_the_day(project, tmp_path):
    """"PRESIDENTE" in 2019 and "PRESIDENTA" in November 2024, with no name: each is the
    head of the administration in force that day, who speaks under a name elsewhere, and
    its turns are the president's; whatever the import order."""
    files = [
        _write(tmp_path, "a.txt", "2019-03-05", ["PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR", "PREGUNTA?"]),
        _write(tmp_path, "b.txt", "2019-06-05", ["PRESIDENTE", "INTERLOCUTOR?", "EL PRESIDENTE"]),
        _write(tmp_path, "c.txt", "2024-11-05", ["PRESIDENTA DE MÉXICO, CLAUDIA SHEINBAUM PARDO"]),
        _write(tmp_path, "d.txt", "2024-11-06", ["PRESIDENTA", "PREGUNTA?", "LA PRESIDENTA"]),
    ]
    tables = []
    for number, order in enumerate([files, files[::-1]]):
        with Project(tmp_path / f"p{number}.db", create=True) as other:
            for path in order:
                import_paths(other, [path])
            tables.append(_table(other))
    assert tables[0] == tables[1]
    import_paths(project, files)
    speakers = {s["name"]: s for s in list_speakers(project)}
    assert {"PRESIDENTE", "EL PRESIDENTE"} <= set(speakers["Andrés Manuel López Obrador"]["aliases"])
    assert {"PRESIDENTA", "LA PRESIDENTA"} <= set(speakers["Claudia Sheinbaum Pardo"]["aliases"])
    assert not any(name.startswith("[") for name in speakers)
    assert {(h.speaker, h.date[:4]) for h in iter_hits(project, "puente", role="president")} == {
        ("Andrés Manuel López Obrador", "2019"), ("Claudia Sheinbaum Pardo", "2024")}


def test_the_head_of_governments_role_with_no_named_head_is_named_from_the_administrations(
        project, tmp_path):
    """Nobody names the head anywhere in the project: the administrations file does, so the
    title is the head in office on the date, by name too (`--speaker Sheinbaum` finds it),
    and the turn is the president's.  With no administration in force on the date, the
    role stays a speaker of its own, marked unresolved, and its turn is still the president's."""
    import_paths(project, [_write(tmp_path, "a.txt", "2024-11-05", ["PRESIDENTA", "PREGUNTA?"])])
    (kind, name), = project.db.execute(
        "SELECT t.kind, s.name FROM turns t JOIN speaker_aliases a ON a.id = t.alias_id"
        " JOIN speakers s ON s.id = t.speaker_id WHERE a.alias = 'PRESIDENTA'").fetchall()
    assert (kind, name) == ("president", "Claudia Sheinbaum Pardo")
    assert unresolved_speakers(project) == []
    assert {h.speaker for h in iter_hits(project, "puente", speaker="Sheinbaum")} == {
        "Claudia Sheinbaum Pardo"}
    # The named head arriving later takes the title over: one speaker.
    import_paths(project, [_write(tmp_path, "b.txt", "2024-11-06",
                                  ["PRESIDENTA DE MÉXICO, CLAUDIA SHEINBAUM PARDO"])])
    assert [s["name"] for s in list_speakers(project)
            if s["name"].startswith("Claudia")] == ["Claudia Sheinbaum Pardo"]


def test_the_head_of_governments_role_outside_every_administration_stays_unresolved(
        project, tmp_path):
    import_paths(project, [_write(tmp_path, "a.txt", "1990-11-05", ["PRESIDENTA", "PREGUNTA?"])])
    assert [r["name"] for r in unresolved_speakers(project)] == ["[Presidenta]"]


def test_the_head_still_in_office_is_the_president_before_the_handover(project, tmp_path):
    """Between the election and the handover the president-elect's events are theirs (the
    administrations file's `from`), but the head still in office is the president at their
    own event, not a guest."""
    import_paths(project, [
        _write(tmp_path, "a.txt", "2018-09-15", ["PRESIDENTE ENRIQUE PEÑA NIETO"]),
        _write(tmp_path, "b.txt", "2018-09-16", ["ANDRÉS MANUEL LÓPEZ OBRADOR", "PREGUNTA?"]),
        _write(tmp_path, "c.txt", "2019-03-05", ["ENRIQUE PEÑA NIETO"]),
    ])
    kinds = dict(((name, date), kind) for name, date, kind in project.db.execute(
        "SELECT s.name, d.date, t.kind FROM turns t JOIN speakers s ON s.id = t.speaker_id"
        " JOIN documents d ON d.id = t.document_id WHERE s.kind != 'press'"))
    assert kinds[("Enrique Peña Nieto", "2018-09-15")] == "president"
    assert kinds[("Andrés Manuel López Obrador", "2018-09-16")] == "president"
    assert kinds[("Enrique Peña Nieto", "2019-03-05")] == "guest"   # a former president


def test_a_speech_whose_lines_name_nobody_is_the_head_of_governments_by_its_title(
        project, tmp_path):
    """A speech transcribed with a date or a heading where the speaker line goes (its lines
    name nobody) is the head's when its title says the head speaks, as with no line at
    all; without a speech word in the title it stays as it was."""
    def lined(name, date, title, line):
        year, month, day = (int(x) for x in date.split("-"))
        path = tmp_path / name
        path.write_text(f"{title}\nPresidencia\n{day:02d} de {MONTHS[month]} de {year}\n---\n"
                        f"{line}\nFriends: we speak of the new bridge.\n", encoding="utf-8")
        return path

    import_paths(project, [
        _write(tmp_path, "a.txt", "2019-03-05", ["PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR"]),
        lined("b.txt", "2019-06-05", "Speech Delivered by Andrés Manuel López Obrador at the bridge",
              "JUNE 5, 2019"),
        lined("c.txt", "2019-06-06", "Mensaje del presidente Andrés Manuel López Obrador",
              "(APLAUSOS)"),
        lined("d.txt", "2019-06-07", "López Obrador firma el compromiso del puente",
              "AL PUEBLO DE MÉXICO"),
    ])
    by_title = _speakers_by_title(project)
    assert by_title["Speech Delivered by Andrés Manuel López Obrador at the bridge"] \
        == "Andrés Manuel López Obrador / president"
    assert by_title["Mensaje del presidente Andrés Manuel López Obrador"] \
        == "Andrés Manuel López Obrador / president"
    assert by_title["López Obrador firma el compromiso del puente"] == "Not a speaker / other"


def test_speakers_are_the_same_however_the_documents_come_in(tmp_path):
    """A project re-imported from its REFI-QDA export, or merged into an empty project,
    has the speakers, names and turn kinds an import of the files gives (the REFI path
    named the president after a spelling with "(INTERPRETATION)" and left voices that ask
    as voices, not the press)."""
    from coder.export.refi import export_qdpx, import_refi
    from coder.team.merge import merge_project

    files = _corpus(tmp_path)
    (tmp_path / "x.txt").write_text(
        "Conferencia de prensa matutina\nPresidencia\n07 de junio de 2019\n---\n"
        "ANDRÉS MANUEL LÓPEZ OBRADOR (INTERPRETATION)\nWe speak of the new bridge.\n",
        encoding="utf-8")
    files.append(tmp_path / "x.txt")
    with Project(tmp_path / "files.db", create=True) as project:
        import_paths(project, files)
        expected = _table(project)
        export_qdpx(project, tmp_path / "p.qdpx")
    assert "Andrés Manuel López Obrador" in {row[0] for row in expected[0]}
    with Project(tmp_path / "refi.db", create=True) as project:
        import_refi(project, tmp_path / "p.qdpx")
        assert _table(project) == expected
    with Project(tmp_path / "merged.db", create=True) as project:
        merge_project(project, tmp_path / "files.db")
        assert _table(project) == expected
