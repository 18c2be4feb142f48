"""Speaker rules on the real corpus (skipped where the shared corpus is absent).

The QA run that prompted these rules found 1,024 speakers, 615 of them with one turn: one
person under many spellings, stage directions and headings read as people, mistyped press
voices, and a foreign president of kind 'president'.
"""

from __future__ import annotations

import pytest

from coder.corpus.importer import import_paths
from coder.corpus.speakers import list_speakers
from coder.project import Project
from tests.helpers import REAL_CORPUS


@pytest.fixture(scope="module")
def speakers(tmp_path_factory):
    """Every speaker of the whole corpus, imported once for this module."""
    if not REAL_CORPUS.is_dir():
        pytest.skip("the shared corpus (../shared/corpus/mananeras) is not here")
    with Project(tmp_path_factory.mktemp("corpus") / "p.db", create=True) as project:
        import_paths(project, [REAL_CORPUS])
        return list_speakers(project)


def _owners(speakers, predicate) -> list[dict]:
    """The speakers holding at least one alias that satisfies ``predicate``."""
    return [s for s in speakers if any(predicate(alias) for alias in s["aliases"])]


def test_fragmentation_is_down(speakers):
    assert len(speakers) < 900


def test_the_president_is_the_head_of_the_event(speakers):
    [president] = [s for s in speakers if s["kind"] == "president"]
    assert president["name"] == "Andrés Manuel López Obrador"
    [trump] = _owners(speakers, lambda alias: "TRUMP" in alias)
    assert trump["kind"] == "guest" and len(trump["aliases"]) >= 4


@pytest.mark.parametrize("start", ["HUGO LÓPEZ", "LUIS CRESENCIO", "LUIS CRESCENCIO",
                                   "MARCELO EBRARD", "JOSÉ RAFAEL OJEDA", "RAFAEL OJEDA"])
def test_one_person_one_speaker(speakers, start):
    owners = _owners(speakers, lambda alias: alias.startswith(start))
    assert len(owners) == 1, [s["name"] for s in owners]


def test_spellings_of_one_official_are_joined(speakers):
    [hugo] = _owners(speakers, lambda alias: alias.startswith("HUGO LÓPEZ"))
    for alias in ("HUGO LÓPEZ-GATELL", "HUGO LÓPEZ GATELL RAMÍREZ", "HUGO LÓPEZ-GATEL RAMÍREZ"):
        assert alias in hugo["aliases"]
    [ojeda] = _owners(speakers, lambda alias: alias.startswith("RAFAEL OJEDA"))
    assert "JOSÉ RAFAEL OJEDA DURÁN" in ojeda["aliases"]


def test_stage_directions_and_headings(speakers):
    stage = {s["name"]: s for s in _owners(speakers, lambda alias: alias.startswith("("))}
    assert set(stage) == {"Stage direction", "Recording"}  # "(PROYECCIÓN DE VIDEO)" plays a clip
    assert stage["Stage direction"]["kind"] == "other"
    [nobody] = _owners(speakers, lambda alias: alias == "AL PUEBLO DE MÉXICO")
    assert (nobody["name"], nobody["kind"]) == ("Not a speaker", "other")
    # Two speeches whose only line names nobody (a date, the translator's notes) are the
    # head of government's by their titles: those lines are no speaker's spelling.
    assert not _owners(speakers, lambda alias: alias in ("DECEMBER 1, 2019", "TRANSLATOR’S NOTES"))


def test_mistyped_voices(speakers):
    named = {s["name"]: s for s in speakers}
    assert {"INTERLOCTORA", "PREGUNTO"} <= set(named["Press"]["aliases"])
    assert "INTERVENCIÓN EN EL AUDITORIO" in named["Unidentified voice"]["aliases"]
    assert "MODERADO" in named["Moderator"]["aliases"]
