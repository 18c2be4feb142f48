"""Shared helpers of the tests (not fixtures): paths, texts and codebooks written for the
tests, and builders of small projects. Fixtures live in ``tests/conftest.py`` (projects, the
real corpus) and ``tests/tui/conftest.py`` (the workbench); Pilot helpers in ``tests/tui/pilot.py``.

Test modules import from here, never from each other (``tests/test_layers.py`` checks it).
Every text below was written for the tests: nothing is copied from the real corpus.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from coder.annotate import apply_code, remove_annotation
from coder.codebook import parse_codebook, store_codebook
from coder.corpus.importer import import_paths
from coder.project import Project, now
from coder.team.coders import add_coders

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REAL_CORPUS = SHARED / "corpus" / "mananeras"
REFI = SHARED / "refi"

# -- the test transcript and codebook (document 1 of most test projects) -------------------------

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

ATTRIBUTES = """
attributes:
  - id: source
    name: Source of the move
    codes: [SEC, DES]
    values:
      - {id: own, name: "Own move"}
      - attributed
      - quoted
  - id: polarity
    codes: [SEC]
    values: [affirmed, negated, hypothetical, question]
  - id: audience
    values: [domestic, foreign]
"""


def with_attributes(extra: str = ATTRIBUTES) -> str:
    """CODEBOOK with an ``attributes:`` section (ATTRIBUTES unless given)."""
    return CODEBOOK.replace("codes:\n", extra.lstrip("\n") + "codes:\n", 1)


def write_transcript(folder: Path, relative: str, text: str) -> Path:
    """Write ``text`` at ``folder/relative`` (parents made); returns the path."""
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def phrase_span(project: Project, document_id: int, phrase: str) -> tuple[int, int]:
    """The (start, end) offsets of the first ``phrase`` in a document's text."""
    text = project.db.execute("SELECT text FROM documents WHERE id = ?", [document_id]).fetchone()[0]
    start = text.index(phrase)
    return start, start + len(phrase)


def code_phrase(project: Project, coder: str, document_id: int, code_id: str, phrase: str,
                *, trim: tuple[int, int] = (0, 0), **kw) -> dict:
    """Code ``phrase`` (first occurrence) as ``coder``; ``trim`` moves the bounds inwards,
    ``kw`` goes to ``apply_code`` (memo ...)."""
    start, end = phrase_span(project, document_id, phrase)
    return apply_code(project, coder, document_id, code_id, start + trim[0], end - trim[1], **kw)


# -- two coded documents (exports, analysis, search) ----------------------------------------------

# A second transcript: quotes, commas, a line starting with "=".
SECOND = """Conferencia de prensa matutina | Miércoles 10 de abril, 2019
Presidencia de la República
10 de abril de 2019
---
PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR
La VIOLENCIA no se combate con violencia. Vamos a atender a los jóvenes.
Hay que decir "no" a la guerra, y sí a la paz.
---
PREGUNTA
¿Qué opina de la estrategia militar? ¿Y de los homicidios?
---
PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR
=Fórmula no. La estrategia es de paz. Sr. Pérez, no hay guerra.
"""


def build_coded(project: Project, folder: Path) -> dict:
    """Two documents (March and April 2019), three coders incl. gold, eight live segments."""
    import_paths(project, [write_transcript(folder, "in/2019/marzo/05--a.txt", TRANSCRIPT),
                           write_transcript(folder, "in/2019/abril/10--b.txt", SECOND)])
    store_codebook(project, parse_codebook(CODEBOOK))
    project.coder_id("gold")  # is_gold = 1
    made = {
        "war": code_phrase(project, "alice", 1, "SEC.WAR", "guerra contra el narco"),
        "abrazos": code_phrase(project, "alice", 1, "DES.NOFORCE", "abrazos, no balazos",
                               memo='a memo, with "quotes"\nand a line break'),
        "causas": code_phrase(project, "alice", 1, "DES.ROOT", "atender las causas"),
        "bob_paz": code_phrase(project, "bob", 1, "DES.NOFORCE", "la estrategia de paz"),
        "gold": code_phrase(project, "gold", 1, "DES.NOFORCE", "abrazos, no balazos"),
        "violencia": code_phrase(project, "alice", 2, "DES.NOFORCE",
                                 "La VIOLENCIA no se combate con violencia."),
        "militar": code_phrase(project, "alice", 2, "SEC.WAR", "estrategia militar"),
        "formula": code_phrase(project, "bob", 2, "SEC", "=Fórmula no"),
    }
    removed = code_phrase(project, "alice", 2, "DES.ROOT", "atender a los jóvenes")
    remove_annotation(project, "alice", removed["id"])
    return made


# -- team projects (team, agreement, review) ------------------------------------------------------

MONTHS = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
          "septiembre", "octubre", "noviembre", "diciembre"]

TEAM_CODEBOOK = """codebook:
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

# Each team document is a short mañanera-like exchange: a president, a reporter, an official.
TEAM_TURNS = [
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


def team_transcript(n: int, month: str, day: int = 5, year: int = 2019) -> str:
    """An invented transcript in the corpus layout (document number ``n``)."""
    parts = [f"Conferencia de prensa matutina número {n}", "Presidencia de la República",
             f"{day:02d} de {month} de {year}"]
    for speaker, text in TEAM_TURNS:
        parts += ["---", speaker, text.format(n=n)]
    return "\n".join(parts) + "\n"


def make_project(tmp_path: Path, documents: int = 6, *, months: list[str] | None = None,
                 coders: tuple[str, ...] = ("alice", "bob", "carol"), name: str = "team.db") -> Project:
    """A team project with ``documents`` invented transcripts (spread over ``months``),
    TEAM_CODEBOOK and the coders added."""
    months = months or ["marzo", "abril"]
    folder = tmp_path / f"corpus-{name}"
    for i in range(documents):
        month = months[i % len(months)]
        path = folder / "2019" / month / f"{i + 1:02d}--conferencia-{i + 1}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(team_transcript(i + 1, month, day=1 + i % 27), encoding="utf-8")
    project = Project(tmp_path / name, create=True)
    import_paths(project, [folder])
    store_codebook(project, parse_codebook(TEAM_CODEBOOK))
    if coders:
        add_coders(project, list(coders))
    return project


def turns(project: Project, document_id: int) -> list[tuple[int, int]]:
    """A document's turns as (start, end)."""
    return [tuple(r) for r in project.db.execute(
        'SELECT start, "end" FROM turns WHERE document_id = ? ORDER BY seq', [document_id])]


# -- workbench projects (the TUI tests) -----------------------------------------------------------

# A second transcript for the workbench: another date, a speech with one speaker.
SPEECH = """Mensaje en la inauguración de una clínica rural | Sábado 9 de marzo, 2019
Presidencia de la República
09 de marzo de 2019
---
PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR
Amigas y amigos: esta clínica atenderá a las familias del campo.
La salud no es un privilegio, es un derecho del pueblo.
"""

# (code, phrase of TRANSCRIPT, pattern id): suggestions as the suggestion engine would store them.
SUGGESTIONS = [
    ("DES.ROOT", "atender las causas", "causas"),
    ("SEC.WAR", "guerra contra el narco", "war-phrase"),
    ("DES.NOFORCE", "abrazos, no balazos", "abrazos"),
]


def add_suggestion(project: Project, document_id: int, code: str, start: int, end: int,
                   pattern: str) -> int:
    """Store one suggestion row (the suggestion engine's output table)."""
    return project.db.execute(
        'INSERT INTO suggestions(document_id, code_id, start, "end", pattern_id, codebook_version,'
        " pipeline, created_at) VALUES (?, ?, ?, ?, ?, 'v', 'test', ?)",
        [document_id, code, start, end, pattern, now()]).lastrowid


def build_project(root: Path, *, suggestions: bool = True, speech: bool = False,
                  codebook: str = CODEBOOK, transcript: str = TRANSCRIPT) -> Path:
    """The path of a workbench project: TRANSCRIPT (document 1), optionally SPEECH
    (document 2), the test codebook and, by default, three suggestions on document 1."""
    folder = root / "corpus" / "2019" / "marzo"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "05--conferencia.txt").write_text(transcript, encoding="utf-8")
    if speech:
        (folder / "09--clinica.txt").write_text(SPEECH, encoding="utf-8")
    path = root / "tui.db"
    with Project(path, create=True) as project:
        import_paths(project, [root / "corpus"])
        store_codebook(project, parse_codebook(codebook))
        if suggestions:
            text = project.db.execute("SELECT text FROM documents WHERE id = 1").fetchone()[0]
            for code, phrase, pattern in SUGGESTIONS:
                start = text.index(phrase)
                add_suggestion(project, 1, code, start, start + len(phrase), pattern)
    return path


def as_before_turn_kinds(path: Path) -> None:
    """Make the project file at ``path`` look like one from before turns had kinds: no
    kinds, and the schema version of the migration that marks them to be worked out.
    Columns later migrations add go too (they are added again on opening)."""
    import sqlite3

    from coder.schema import MIGRATIONS

    upgrade = next(i for i, sql in enumerate(MIGRATIONS) if "pending:turn_kinds" in sql)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE turns SET kind = NULL, role = NULL")
    for column in ("deleted", "updated_at"):   # migration 8 (undone decisions)
        conn.execute(f"ALTER TABLE decisions DROP COLUMN {column}")
    conn.execute(f"PRAGMA user_version = {upgrade}")
    conn.commit()
    conn.close()


def db_rows(path: Path, sql: str, params: list | tuple = ()) -> list[dict]:
    """Rows read through a new connection: proof that the change was committed."""
    with Project(path) as project:
        return project.rows(sql, params)


def codings(path: Path, coder: str = "alice") -> list[tuple[str, str]]:
    """The coder's live annotations as (code, covered text), in text order."""
    rows = db_rows(path, 'SELECT a.code_id, substr(d.text, a.start + 1, a."end" - a.start) AS t'
                   " FROM annotations a JOIN documents d ON d.id = a.document_id"
                   " JOIN coders k ON k.id = a.coder_id WHERE k.name = ? AND a.deleted = 0"
                   ' ORDER BY a.start, a."end"', [coder])
    return [(r["code_id"], r["t"]) for r in rows]


# -- a project for REFI-QDA and memo exports: Spanish codebook, two coders, memos -------------

REFI_CODEBOOK = """codebook:
  name: Seguridad
codes:
  - id: SEG
    name: Securitización
    color: "#c0392b"
    definition: Un movimiento que presenta un asunto como amenaza existencial.
    children:
      - id: SEG.GUERRA
        name: Marco de guerra
        color: "#e74c3c"
        definition: |-
          La violencia se presenta como una guerra.

          Incluye metáforas bélicas.
        when_to_use: El hablante llama guerra a la violencia.
        when_not_to_use: Se declara terminada una guerra pasada.
        examples: ["Estamos en guerra contra el crimen.", "Es una batalla\\nsin cuartel."]
  - id: DES
    name: Desecuritización
    color: "#29b"
    children:
      - id: DES.PAZ
        name: Paz y causas
        color: "#3498db"
        definition: Se atienden las causas de la violencia.
      - id: DES.FUERZA
        name: Sin fuerza
exclusive_groups:
  - id: postura
    codes: [SEG.GUERRA, DES.PAZ]
"""

REFI_TEXT_ONE = """Conferencia matutina inventada para las pruebas
---
PRESIDENTE
Buenos días. No vamos a enfrentar la violencia con más violencia; vamos a atender las causas.
---
PREGUNTA
¿Se acabó la guerra contra el crimen? 🙂 Dígalo claro.
---
PRESIDENTE
Ya no hay guerra. Hay paz, becas y trabajo para los jóvenes.
"""

REFI_TEXT_TWO = """SECRETARIA: Estamos en guerra contra el crimen organizado, dijo alguien ayer.
REPORTERA: ¿Y la Guardia Nacional?
SECRETARIA: Atenderá las causas, con mando civil.
"""


def build_refi_project(path: Path) -> Project:
    """Two documents, a nested codebook with colours and rules, two coders, memos."""
    from coder.annotate import document_memo, update_annotation
    from coder.corpus.importer import store_document
    from coder.corpus.speakers import SpeakerResolver
    from coder.corpus.text import parse_plain, parse_transcript

    project = Project(path, create=True)
    resolver = SpeakerResolver(project)
    with project.transaction():
        one = parse_transcript(REFI_TEXT_ONE)
        one.title = "Conferencia de prueba"
        one.author = "Presidencia"
        import datetime as dt

        one.date = dt.date(2019, 3, 5)
        first, _ = store_document(project, one, source="one.txt", resolver=resolver)
        two = parse_plain(REFI_TEXT_TWO, title="Entrevista de prueba")
        two.metadata = {"paginas": 3, "oficial": True, "peso": 0.25, "temas": ["paz", "guardia"]}
        second, _ = store_document(project, two, source="two.txt", resolver=resolver)
    resolver.commit()
    store_codebook(project, parse_codebook(REFI_CODEBOOK))
    for coder, code, doc, text, phrase in [
        ("ana", "SEG.GUERRA", second, REFI_TEXT_TWO, "Estamos en guerra contra el crimen organizado"),
        ("beto", "SEG.GUERRA", second, REFI_TEXT_TWO, "guerra contra el crimen"),
        ("ana", "DES.PAZ", first, REFI_TEXT_ONE, "vamos a atender las causas"),
        ("beto", "DES.PAZ", first, REFI_TEXT_ONE, "atender las causas"),
        ("ana", "DES.FUERZA", first, REFI_TEXT_ONE, "No vamos a enfrentar la violencia con más violencia"),
        ("beto", "SEG", first, REFI_TEXT_ONE, "¿Se acabó la guerra contra el crimen? 🙂 Dígalo claro."),
        ("ana", "DES.PAZ", first, REFI_TEXT_ONE, "Hay paz, becas y trabajo para los jóvenes."),
    ]:
        start = text.index(phrase)
        end = start + len(phrase)
        apply_code(project, coder, doc, code, start, end)
    first_ann = project.rows("SELECT id FROM annotations WHERE code_id = 'SEG' LIMIT 1")[0]["id"]
    update_annotation(project, "beto", first_ann, memo="¿Pregunta retórica? Revisar con Ana.")
    document_memo(project, "ana", first, "El tono cambia después de la pregunta.\nSegunda línea.")
    document_memo(project, "beto", second, "Entrevista corta.")
    return project


# -- REFI-QDA validation (the shared schemas; skips where they are absent) -------------------------

def refi_file(name: str) -> Path:
    """A file of the shared REFI-QDA folder; the test skips where it is absent."""
    path = REFI / name
    if not path.exists():
        pytest.skip(f"the shared REFI-QDA files ({REFI}) are not here")
    return path


def refi_schema(name: str):
    """The shared XSD ``name``, compiled."""
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(refi_file(name))))


def validate_qdpx(path: Path) -> bytes:
    """Assert a .qdpx we wrote is valid (XSD + the checks the XSD cannot do); returns the qde."""
    from lxml import etree

    from coder.export.refi.check import check_project

    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert names[0] == "project.qde"
        qde = zf.read("project.qde")
        sources = {}
        for name in names[1:]:
            assert name.startswith("sources/") and name.endswith(".txt")
            data = zf.read(name)
            assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data
            sources[name] = len(data.decode("utf-8"))
    root = etree.fromstring(qde)
    schema = refi_schema("Project.xsd")
    assert schema.validate(root), schema.error_log.last_error
    assert check_project(root, sources) == []
    return qde


def validate_qdc(path: Path) -> bytes:
    """Assert a .qdc we wrote is valid (XSD + the codebook checks); returns its bytes."""
    from lxml import etree

    from coder.export.refi.check import check_codebook

    data = path.read_bytes()
    root = etree.fromstring(data)
    schema = refi_schema("Codebook.xsd")
    assert schema.validate(root), schema.error_log.last_error
    assert check_codebook(root) == []
    return data


# -- what a typed file declares, whatever its rows ------------------------------------------------

def stata_schema(path: Path) -> dict:
    """A .dta file's variables with their Stata storage types and display formats (any
    fixed-width string as ``str``: its width follows the longest value), their labels and
    the data label: what a do-file depends on."""
    import pandas as pd

    with pd.io.stata.StataReader(path) as reader:
        reader.read()
        labels = reader.variable_labels()
        # The reader keeps the types and formats only in private lists.
        variables = [(name, "str" if isinstance(kind, int) else kind,
                      "%s" if isinstance(kind, int) else shown, labels[name])
                     for name, kind, shown in zip(reader._varlist, reader._typlist,
                                                  reader._fmtlist)]
        return {"variables": variables, "label": reader.data_label}


def parquet_schema(path: Path) -> list[tuple[str, str, bool]]:
    """A Parquet file's columns: name, Arrow type, nullable."""
    import pyarrow.parquet as pq

    return [(f.name, str(f.type), f.nullable) for f in pq.read_schema(path)]
