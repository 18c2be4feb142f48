"""Reading the clause around a suggestion (coder.suggest.moves): sentences written for the tests."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from coder.cli import main
from coder.codebook.load import parse_codebook
from coder.errors import CodebookError
from coder.suggest.moves import Lexicon, MoveRules, keep_longest, move_book, read_move

WAR = "declarar la guerra"


def reading(text, phrase=WAR, kind="president", **rules):
    start = text.index(phrase)
    return read_move(text, start, start + len(phrase), kind=kind, rules=MoveRules(**rules))


def attrs(text, phrase=WAR, kind="president", **rules):
    r = reading(text, phrase, kind, **rules)
    return r.source, r.polarity


# -- polarity: negation and its scope ---------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Nosotros no vamos a declarar la guerra a nadie.",
    "Nunca vamos a declarar la guerra.",
    "Jamás se nos ocurriría declarar la guerra; eso se acabó.",
    "No queremos, de ninguna manera, declarar la guerra.",
    "Tampoco pensamos declarar la guerra contra los pueblos.",
])
def test_negation_cues_negate(text):
    assert reading(text).polarity == "negated"


def test_negation_scope_ends_at_the_clause():
    # "no ... sino ...": the second member is affirmed.
    text = "No es cosa de discursos, sino declarar la guerra a la pobreza."
    assert reading(text).polarity == "affirmed"
    # a comma before "pero" closes the scope
    text = "No lo dijimos antes, pero hoy vamos a declarar la guerra a la corrupción."
    assert reading(text).polarity == "affirmed"
    # a period too
    text = "No. Vamos a declarar la guerra a la evasión fiscal."
    assert reading(text).polarity == "affirmed"
    # a negation far before the match in a long clause does not reach it
    text = ("No todos entienden lo que pasa en las comunidades del norte del país cuando"
            " ellos mismos deciden declarar la guerra.")
    assert reading(text).polarity != "negated"


def test_a_negation_opening_the_clause_governs_its_list():
    text = ("No se arregla la inseguridad con cárceles, con leyes más duras, con multas,"
            " con operativos, con mano dura.")
    assert reading(text, "mano dura").polarity == "negated"
    text = "Vamos a trabajar con todos, con las comunidades, con los maestros, con mano dura."
    assert reading(text, "mano dura").polarity == "affirmed"


def test_not_only_and_negation_inside_the_match():
    text = "No sólo vamos a declarar la guerra a la corrupción, también a la impunidad."
    assert reading(text).polarity == "affirmed"
    text = "Lo hemos dicho siempre: abrazos, no balazos."
    assert reading(text, "abrazos, no balazos").polarity == "affirmed"


def test_rejection_codes_keep_the_rejection_affirmed():
    text = "No se puede apagar el fuego con el fuego."
    phrase = "fuego con el fuego"
    assert reading(text, phrase).polarity == "negated"
    assert reading(text, phrase, negation_is_move=True).polarity == "affirmed"
    assert "rejection" in reading(text, phrase, negation_is_move=True).cues["polarity"]


# -- polarity: questions and conditionals -----------------------------------------------------

def test_questions():
    assert reading("¿Va usted a declarar la guerra a los cárteles?").polarity == "question"
    # the question mark closes the question: what follows is not asked
    text = "¿Qué hicieron? Declarar la guerra sin diagnóstico."
    assert reading(text, "Declarar la guerra").polarity == "affirmed"
    # a question without an opening mark
    assert reading("Y entonces van a declarar la guerra?").polarity == "question"
    # a reporter's turn is a question even without any mark
    text = "Presidente, hay quien le pide declarar la guerra a los grupos armados."
    assert attrs(text, kind="press") == ("own", "question")


@pytest.mark.parametrize("text", [
    "Si nos atacan, vamos a declarar la guerra.",
    "Imagínense que decidiéramos declarar la guerra.",
    "Supongamos que mañana quisiéramos declarar la guerra.",
    "En caso de que fuera necesario declarar la guerra, lo consultaríamos.",
    "Nosotros podríamos declarar la guerra, y no lo hacemos.",
])
def test_conditionals_are_hypothetical(text):
    assert reading(text).polarity == "hypothetical"


def test_si_far_back_in_another_sentence_does_not_count():
    text = "Si llueve, no salimos. Hoy vamos a declarar la guerra a la basura."
    assert reading(text).polarity == "affirmed"


# -- source -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text,phrase", [
    ("Los gobiernos anteriores decidieron declarar la guerra sin diagnóstico.", WAR),
    ("Ellos quisieron declarar la guerra y les salió mal.", WAR),
    ("En el periodo neoliberal se optó por declarar la guerra.", WAR),
    ("Según los conservadores, hay que declarar la guerra.", WAR),
    ("Hace años le declararon la guerra al narco.", "declararon la guerra"),
    ("Hay quienes todavía sueñan con declarar la guerra.", WAR),
    ("Aquella política era declarar la guerra y esperar.", WAR),
    ("Aquel presidente declaró la guerra sin consultar.", "declaró la guerra"),
])
def test_reported_and_attributed_moves(text, phrase):
    assert reading(text, phrase).source == "attributed"


@pytest.mark.parametrize("text", [
    "Nosotros vamos a declarar la guerra a la corrupción.",
    "Mi gobierno decidió declarar la guerra a la evasión fiscal.",
    "Hemos resuelto declarar la guerra a la pobreza.",
])
def test_first_person_is_own(text):
    assert reading(text).source == "own"


def test_nearest_person_cue_wins():
    text = "Ellos se equivocaron; nosotros vamos a declarar la guerra a la desigualdad."
    assert reading(text).source == "own"
    text = "Nosotros lo advertimos: ellos quisieron declarar la guerra."
    assert reading(text).source == "attributed"


def test_quotation_marks_and_readouts():
    text = 'La pancarta decía: "hay que declarar la guerra", y nadie la leyó.'
    assert reading(text).source == "quoted"
    text = "Escribió en su carta «es hora de declarar la guerra» y la firmó."
    assert reading(text).source == "quoted"
    text = "Cito textualmente: es urgente declarar la guerra."
    assert reading(text).source == "quoted"
    # a closed quotation before the match does not quote it
    text = 'Dijeron "basta" y nosotros vamos a declarar la guerra a la pobreza.'
    assert reading(text).source == "own"


# -- context, topic, the own-affirmed mark ----------------------------------------------------

SECURITY = Lexicon(["violen*", "delincuencia", "cártel*", "guardia"])
OTHER_WARS = Lexicon(["1847", "independencia"])
TOPICS = {"drugs": Lexicon(["narco*", "droga*"]), "covid": Lexicon(["vacuna*", "pandemia"])}


def _read(text, phrase, kind="president", **rules):
    start = text.index(phrase)
    return read_move(text, start, start + len(phrase), kind=kind, rules=MoveRules(**rules),
                     lexicons={"security": SECURITY, "other_wars": OTHER_WARS}, topics=TOPICS)


def test_security_context_is_required_within_the_declared_scope():
    call = "hago un llamado"
    text = "Hoy hago un llamado a vacunarse durante la pandemia."
    assert _read(text, call, requires_context="security").context is None
    text = "Por la violencia en la región, hago un llamado a los padres."
    assert _read(text, call, requires_context="security").context == "clause"
    text = "Hubo violencia en la sierra. Hoy hago un llamado a los padres."
    assert _read(text, call, requires_context="security").context is None
    assert _read(text, call, requires_context="security", within="turn").context == "turn"
    # the match itself is not its own context
    assert _read("La delincuencia organizada.", "delincuencia", requires_context="security").context is None


def test_other_wars_rule_a_match_out_and_topics_predict_the_sector():
    rules = dict(requires_context="security", unless_context="other_wars", within="turn")
    text = "En 1847 nos declararon la guerra y perdimos territorio. Hoy no hay violencia así."
    r = _read(text, "declararon la guerra", **rules)
    assert r.ruled_out and not r.kept(MoveRules(**rules))
    text = "Calderón declaró la guerra al narco y creció la violencia."
    r = _read(text, "declaró la guerra", **rules)
    assert r.kept(MoveRules(**rules)) and r.sector == "drugs" and r.source == "attributed"
    text = "Vamos a llevar la vacuna a todas partes. Tenemos que actuar."
    assert _read(text, "actuar").sector == "covid"
    assert _read("Nada que ver con ningún tema.", "tema").sector is None


def test_own_affirmed_codes_mark_the_rest():
    own = dict(counts_as="own-affirmed")
    assert not _read("Vamos a declarar la guerra a la pobreza.", WAR, **own).marked
    assert _read("No vamos a declarar la guerra.", WAR, **own).marked
    assert _read("Ellos quisieron declarar la guerra.", WAR, **own).marked
    assert _read("¿Va a declarar la guerra?", WAR, **own).marked


def test_keep_longest_per_code():
    hits = [("SEC", "a", 0, 10), ("SEC", "b", 2, 6), ("SEC", "c", 8, 20), ("DES", "d", 2, 6),
            ("SEC", "e", 30, 35), ("SEC", "e", 30, 35)]
    # b is nested in a, which overlaps the longer c: only c (and e, and DES's own) stay
    assert sorted(keep_longest(hits)) == [("DES", "d", 2, 6), ("SEC", "c", 8, 20),
                                          ("SEC", "e", 30, 35)]


# -- the codebook declares it -----------------------------------------------------------------

BOOK = """codebook: {name: t, languages: [es]}
lexicons:
  security: [violen*, guardia]
topics:
  drugs: [narco*]
codes:
  - id: SEC
    name: Securitizing
    move: {counts_as: own-affirmed}
    children:
      - id: SEC.WAR
        name: War
        move: {requires_context: security, within: turn}
        patterns:
          - {id: war, lang: es, pattern: [{LEMMA: declarar}, {LOWER: la}, {LOWER: guerra}]}
  - id: DES
    name: Desecuritizing
    children:
      - id: DES.NOFORCE
        name: No force
        move: {negation: part-of-move}
        patterns:
          - {id: fire, lang: es, pattern: "fuego con el fuego"}
"""


def test_codebook_move_rules_are_inherited_and_validated():
    book = move_book(parse_codebook(BOOK))
    war = book.for_code("SEC.WAR")
    assert war.counts_as == "own-affirmed" and war.requires_context == "security"
    assert war.within == "turn" and book.for_code("DES.NOFORCE").negation_is_move
    assert book.for_code("DES").counts_as is None
    with pytest.raises(CodebookError, match="requires_context 'crime' is not one of"):
        parse_codebook(BOOK.replace("requires_context: security", "requires_context: crime"))
    with pytest.raises(CodebookError, match="move within 'paragraph' must be"):
        parse_codebook(BOOK.replace("within: turn", "within: paragraph"))
    with pytest.raises(CodebookError, match="single words"):
        parse_codebook(BOOK.replace("[violen*, guardia]", "[mano dura]"))


def test_stored_yaml_gives_the_same_rules():
    from coder.suggest.moves import move_book_from_yaml

    full = move_book(parse_codebook(BOOK))
    light = move_book_from_yaml(BOOK)
    assert full.rules == light.rules
    assert set(full.lexicons) == set(light.lexicons) and set(full.topics) == set(light.topics)


def test_patterns_try_shows_the_reading(tmp_path):
    from coder.codebook.store import store_codebook
    from coder.project import Project

    path = tmp_path / "p.db"
    project = Project(path, create=True)
    store_codebook(project, parse_codebook(BOOK))
    project.close()
    runner = CliRunner()
    text = "Ellos quisieron declarar la guerra y hubo violencia. No se puede apagar el fuego con el fuego."
    result = runner.invoke(main, ["patterns", "try", text, "--json", "-p", str(path)])
    assert result.exit_code == 0, result.output
    hits = {h["pattern"]: h for h in json.loads(result.output)["hits"]}
    assert (hits["war"]["source"], hits["war"]["polarity"], hits["war"]["marked"]) == (
        "attributed", "affirmed", True)
    assert hits["war"]["context"] == "clause" and hits["fire"]["polarity"] == "affirmed"
    result = runner.invoke(main, ["patterns", "try", "Van a declarar la guerra.", "-p", str(path)])
    assert "dropped: no security context within the turn" in " ".join(result.output.split())
    result = runner.invoke(main, ["patterns", "try", "Y hubo violencia cuando quisimos declarar la guerra.",
                                  "--kind", "press", "-p", str(path)])
    output = " ".join(result.output.split())
    assert "polarity=question" in output and "set aside" in output
