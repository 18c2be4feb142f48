"""Shared fixtures: temporary projects, a small transcript written for the tests, the real corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from coder.project import Project

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REAL_CORPUS = SHARED / "corpus" / "mananeras"

TRANSCRIPT = """Conferencia de prensa matutina sobre seguridad | Martes 5 de marzo, 2019
Presidencia de la República
05 de marzo de 2019
---
PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR
Buenos días. Hoy vamos a informar sobre la estrategia de paz.
No vamos a responder a la violencia con más violencia; vamos a atender las causas.
---
PREGUNTA
Presidente, ¿la Guardia Nacional va a depender de la Defensa?
---
RESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR
Va a tener mando civil, y se acabó la guerra contra el narco.
---
LUIS CRESENCIO SANDOVAL GONZÁLEZ, SECRETARIO DE LA DEFENSA NACIONAL
Con su permiso, señor presidente. Presento el avance del reclutamiento.
---
INTERLOCUTORA
¿Y los becarios de Jóvenes Construyendo el Futuro?
---
PRESIDENTE DE MÉXICO, ANDRÉS MANUEL LÓPEZ OBRADOR
Son la mejor manera de quitarle jóvenes a la delincuencia: abrazos, no balazos.
"""

CODEBOOK = """codebook:
  name: Test codebook
  languages: [es, en]
codes:
  - id: SEC
    name: Securitizing move
    color: "#c0392b"
    definition: A move that presents an issue as an existential threat.
    children:
      - id: SEC.WAR
        name: War framing
        key: "1"
        color: "#e74c3c"
        definition: The issue is framed as a war.
        when_to_use: The speaker frames violence as war.
        when_not_to_use: A past war is declared over (use DES.ENDWAR).
        examples: ["Estamos en guerra contra el crimen."]
        patterns:
          - id: war-phrase
            lang: es
            pattern: "guerra contra el narco"
  - id: DES
    name: Desecuritizing move
    color: "#2980b9"
    children:
      - id: DES.NOFORCE
        name: No force
        key: "2"
        color: "#3498db"
        definition: Rejecting force as the answer to violence.
        patterns:
          - id: abrazos
            lang: es
            pattern: "abrazos, no balazos"
      - id: DES.ROOT
        name: Root causes
        key: "3"
        patterns:
          - id: causas
            lang: es
            pattern: [{"LEMMA": "atender"}, {"LOWER": "las"}, {"LOWER": "causas"}]
"""


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A new, empty project file."""
    with Project(tmp_path / "test.db", create=True) as project:
        yield project


@pytest.fixture
def transcript(tmp_path: Path) -> Path:
    """A short transcript in the corpus layout (written for the tests)."""
    path = tmp_path / "2019" / "marzo" / "05--conferencia.txt"
    path.parent.mkdir(parents=True)
    path.write_text(TRANSCRIPT, encoding="utf-8")
    return path


@pytest.fixture
def codebook_file(tmp_path: Path) -> Path:
    path = tmp_path / "codebook.yaml"
    path.write_text(CODEBOOK, encoding="utf-8")
    return path


@pytest.fixture
def tui_project(tmp_path: Path) -> Path:
    """The path of a small project for the workbench tests (see ``test_tui_common``)."""
    from tests.test_tui_common import build_project

    return build_project(tmp_path)


@pytest.fixture
def real_corpus() -> Path:
    """The shared real corpus; tests using it skip where it is absent."""
    if not REAL_CORPUS.is_dir():
        pytest.skip("the shared corpus (../shared/corpus/mananeras) is not here")
    return REAL_CORPUS
