"""Turns heard in a clip the turn before announced (coder.corpus.clips), on its own and
through an import.  Every speaker line and sentence here is invented for the tests."""

from __future__ import annotations

import pytest

from coder.corpus.clips import announces_clip, clip_turns, opens_live
from coder.corpus.importer import import_paths
from coder.project import Project


def _announces(text: str) -> bool:
    return announces_clip(text, 0, len(text))


def _live(text: str) -> bool:
    return opens_live(text, 0, len(text))


@pytest.mark.parametrize("text", [
    "Gracias a todos. A continuación vamos a ver un video sobre las presas.",
    "Les presentamos ahora el spot de la campaña.\nPor favor.",
    "Eso es todo. Si pudieran poner la cápsula que preparamos. Gracias.",
    "Thank you all. Now let us watch the video.",
])
def test_a_turn_that_ends_by_naming_a_clip_announces_one(text):
    assert _announces(text)


@pytest.mark.parametrize("text", [
    "Hablamos de las presas y del agua.",
    # The clip is named early; the turn goes on for three more sentences.
    "Ayer vimos un video de la presa. Luego hablamos del agua. Después del riego. Y al final del campo.",
    "Los videojuegos no son el tema. Hablamos de las escuelas.",
])
def test_a_turn_that_does_not_end_on_a_clip_announces_none(text):
    assert not _announces(text)


@pytest.mark.parametrize("text", [
    "Buenos días a todas y a todos.",
    "Muchas gracias, secretaria. Les presento el avance.",
    "Con su permiso, señor presidente.",
    "Por último, señor presidente, cierra la directora.",
    "Good morning, everyone.",
])
def test_a_turn_that_addresses_those_present_opens_live(text):
    assert _live(text)


@pytest.mark.parametrize("text", [
    "Gracias a este programa ahora tengo trabajo.",
    "El señor presidente nos visitó el año pasado.",
    "Sembramos maíz y frijol en la parcela.",
])
def test_a_testimony_does_not_open_live(text):
    assert not _live(text)


def test_a_clip_runs_from_its_announcement_to_the_first_live_turn():
    kinds = ["moderator", "voice", "guest", "other", "official", "moderator", "guest"]
    people = [None, None, "ANA RUIZ", "LUIS PEREZ", "EVA SOTO", None, "ANA RUIZ"]
    announces = [True, False, False, False, False, False, False]
    live = [False] * 7
    # The narrator, the testimony and the name with no role yet are in the clip; the
    # moderator ends it, and the guest after the moderator is live again.
    assert clip_turns(kinds, people, announces, live) == [
        False, True, True, True, True, False, False]


@pytest.mark.parametrize("stop_at", [
    ("press", None, False),  # the press asks
    ("president", "JUAN PEREZ", False),  # the president of the day speaks
    ("other", None, False),  # a stage direction
    ("official", "EVA SOTO", True),  # someone who opens by greeting the room
    ("official", "EVA SOTO RUIZ", False),  # the announcer, under a longer spelling
])
def test_a_clip_ends_at_a_live_turn(stop_at):
    kind, person, live = stop_at
    kinds = ["official", "guest", kind, "guest"]
    people = ["EVA SOTO", "ANA RUIZ", person, "LUIS PEREZ"]
    from coder.corpus.speakers import same_speaker

    inside = clip_turns(kinds, people, [True, False, False, False],
                        [False, False, live, False], same_speaker)
    assert inside == [False, True, False, False]


def test_someone_asking_for_the_clip_is_live_and_starts_it_again():
    # The announcer forgot the clip; someone else asks for it; then it plays.
    kinds = ["official", "official", "voice", "press"]
    people = ["EVA SOTO", "LUIS PEREZ", None, None]
    assert clip_turns(kinds, people, [True, True, False, False], [False] * 4) == [
        False, False, True, False]


def test_the_press_announcing_nothing_starts_no_clip():
    # A reporter asking about a video does not make the answer a recording.
    assert clip_turns(["press", "official"], [None, "EVA SOTO"], [True, False],
                      [False, False]) == [False, False]


def _transcript(folder, name, turns):
    body = "".join(f"---\n{line}\n{text}\n" for line, text in turns)
    path = folder / name
    path.write_text(f"Conferencia de prensa matutina\nPresidencia\n04 de marzo de 2019\n{body}",
                    encoding="utf-8")
    return path


CLIP = [
    ("PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR", "Buenos días. Vamos a ver el video de las presas."),
    ("VOZ MUJER", "Las presas del norte guardan agua para tres años."),
    ("ROSA MÁRQUEZ LUNA, PRODUCTORA", "Con el agua sembramos dos veces al año."),
    ("TOMÁS ÍÑIGUEZ, SECRETARIO DE AGUA", "Las obras terminan en junio."),
    ("PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR", "Muy bien. Ahora le pido al secretario que informe."),
    ("TOMÁS ÍÑIGUEZ, SECRETARIO DE AGUA", "Con su permiso, señor presidente. Les informo del avance."),
    ("PREGUNTA", "¿Cuándo se termina la presa?"),
]


def _kinds(project):
    return [tuple(row) for row in project.db.execute(
        "SELECT t.seq, t.kind, t.role FROM turns t ORDER BY t.document_id, t.seq")]


@pytest.mark.parametrize("workers", [1, 2])
def test_an_import_types_the_people_of_an_announced_clip_as_recordings(tmp_path, workers):
    files = [_transcript(tmp_path, f"{i:02d}.txt", CLIP if i == 0 else CLIP[4:])
             for i in range(20)]  # enough files for worker processes
    with Project(tmp_path / "p.db", create=True) as project:
        import_paths(project, files, workers=workers)
        kinds = _kinds(project)[:7]
        assert [kind for _, kind, _ in kinds] == [
            "president", "recording", "recording", "recording", "president", "official", "press"]
        # A clip keeps the role printed on its line; the same person live is an official.
        assert kinds[3][2] == "SECRETARIO DE AGUA" and kinds[5][2] == "SECRETARIO DE AGUA"
        # The official's own kind comes from the live turns (most of them).
        (kind,) = project.db.execute(
            "SELECT s.kind FROM speakers s WHERE s.name LIKE 'Tomás%'").fetchone()
        assert kind == "official"


def test_clip_turns_stay_recordings_whatever_is_imported_later(tmp_path):
    first = _transcript(tmp_path, "a.txt", CLIP)
    later = _transcript(tmp_path, "b.txt", [
        ("ROSA MÁRQUEZ LUNA, PRODUCTORA", "Buenos días. Vengo a contarles de la cosecha."),
        ("PREGUNTA", "¿Cuánto cosecharon?")])
    with Project(tmp_path / "one.db", create=True) as project:
        import_paths(project, [first])
        import_paths(project, [later])  # reconciles every turn again
        one = _kinds(project)
    with Project(tmp_path / "two.db", create=True) as project:
        import_paths(project, [later])
        import_paths(project, [first])
        two = _kinds(project)
    assert sorted(one) == sorted(two)
    assert ("recording", "PRODUCTORA") in {(kind, role) for _, kind, role in one}
    assert ("guest", "PRODUCTORA") in {(kind, role) for _, kind, role in one}


def test_a_project_from_before_turn_kinds_finds_its_clips_on_opening(tmp_path):
    """Kinds worked out for an upgraded project (turns stored without one) are those a
    fresh import gives, clips included."""
    import coder.corpus  # noqa: F401  (registers the work, as the CLI, TUI and API do)
    from tests.helpers import as_before_turn_kinds

    path = tmp_path / "old.db"
    with Project(path, create=True) as project:
        import_paths(project, [_transcript(tmp_path, "a.txt", CLIP)])
        expected = _kinds(project)
    assert "recording" in {kind for _, kind, _ in expected}
    as_before_turn_kinds(path)
    with Project(path) as project:
        assert _kinds(project) == expected
