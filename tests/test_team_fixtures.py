"""Shared builders for the team and agreement tests: small projects written for the tests.

The transcripts are invented here (never copied from the real corpus): each document is
a short mañanera-like exchange with a president, a reporter and an official.
"""

from __future__ import annotations

from pathlib import Path

from coder.annotate import apply_code
from coder.codebook import parse_codebook, store_codebook
from coder.corpus.importer import import_paths
from coder.project import Project
from coder.team.coders import add_coders

MONTHS = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
          "septiembre", "octubre", "noviembre", "diciembre"]

CODEBOOK = """codebook:
  name: Team test codebook
  languages: [es]
codes:
  - id: SEC
    name: Securitizing move
    children:
      - id: SEC.WAR
        name: War framing
        key: "1"
      - id: SEC.THREAT
        name: Threat
        key: "2"
  - id: DES
    name: Desecuritizing move
    children:
      - id: DES.NOFORCE
        name: No force
        key: "3"
      - id: DES.ROOT
        name: Root causes
        key: "4"
exclusive_groups:
  - id: STANCE
    codes: [SEC.WAR, DES.NOFORCE]
"""

TURNS = [
    ("PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR",
     "Buenos días a todos. Hoy hablaremos del plan de paz número {n}. "
     "No vamos a combatir el fuego con fuego. Vamos a atender a los jóvenes del barrio."),
    ("PREGUNTA",
     "Presidente, ¿qué opina del operativo en la costa? Los vecinos dicen que hubo miedo."),
    ("PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR",
     "Ya no hay guerra en la sierra. La seguridad se construye con empleo y escuelas."),
    ("ROSA ICELA RODRÍGUEZ, SECRETARIA DE SEGURIDAD",
     "Con su permiso. Presento los avances de la semana {n}. Bajaron los robos en tres estados."),
]


def transcript(n: int, month: str, day: int = 5, year: int = 2019) -> str:
    """An invented transcript in the corpus layout (document number ``n``)."""
    parts = [f"Conferencia de prensa matutina número {n}", "Presidencia de la República",
             f"{day:02d} de {month} de {year}"]
    for speaker, text in TURNS:
        parts += ["---", speaker, text.format(n=n)]
    return "\n".join(parts) + "\n"


def make_project(tmp_path: Path, documents: int = 6, *, months: list[str] | None = None,
                 coders: tuple[str, ...] = ("alice", "bob", "carol"), name: str = "team.db") -> Project:
    """A project with ``documents`` invented transcripts (spread over ``months``), the test
    codebook and the coders added."""
    months = months or ["marzo", "abril"]
    folder = tmp_path / f"corpus-{name}"
    for i in range(documents):
        month = months[i % len(months)]
        path = folder / "2019" / month / f"{i + 1:02d}--conferencia-{i + 1}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(transcript(i + 1, month, day=1 + i % 27), encoding="utf-8")
    project = Project(tmp_path / name, create=True)
    import_paths(project, [folder])
    store_codebook(project, parse_codebook(CODEBOOK))
    if coders:
        add_coders(project, list(coders))
    return project


def find(project: Project, document_id: int, phrase: str) -> tuple[int, int]:
    """The (start, end) offsets of ``phrase`` in a document's text."""
    text = project.db.execute("SELECT text FROM documents WHERE id = ?", [document_id]).fetchone()[0]
    start = text.index(phrase)
    return start, start + len(phrase)


def code(project: Project, coder: str, document_id: int, code_id: str, phrase: str,
         *, trim: tuple[int, int] = (0, 0)) -> dict:
    """Code ``phrase`` (first occurrence) as ``coder``; ``trim`` moves the bounds inwards."""
    start, end = find(project, document_id, phrase)
    return apply_code(project, coder, document_id, code_id, start + trim[0], end - trim[1])


def turns(project: Project, document_id: int) -> list[tuple[int, int]]:
    """A document's turns as (start, end)."""
    return [tuple(r) for r in project.db.execute(
        'SELECT start, "end" FROM turns WHERE document_id = ? ORDER BY seq', [document_id])]
