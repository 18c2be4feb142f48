"""Reading the clause around a suggestion (coder.suggest.moves): sentences written for the tests."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from coder.cli import main
from coder.codebook.load import parse_codebook
from coder.errors import CodebookError
from coder.suggest.moves import (
    Lexicon,
    MoveRules,
    Tagger,
    TurnReader,
    keep_longest,
    move_book,
    read_move,
)

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


def test_a_negated_verb_governs_the_list_of_means_after_it():
    # the negation does not open the clause and lies far from the match, but the match closes
    # a list of means ("con A, con B, con C") that the negated verb governs
    text = ("Hay que ir a las causas, no se va a arreglar el problema de los robos en las"
            " carreteras sólo con patrullas, sólo con retenes, con cárceles, con mano dura.")
    assert reading(text, "mano dura").polarity == "negated"
    # no list: a far negation still does not reach the match
    text = ("Hay que ir a las causas, no se va a arreglar el problema de los robos en las"
            " carreteras de un día para otro y por eso pedimos mano dura.")
    assert reading(text, "mano dura").polarity == "affirmed"
    # a single means after the negated verb, far from it
    text = ("Por eso digo que no se resuelve el problema de la inseguridad y de la violencia en"
            " las ciudades sólo con mano dura.")
    assert reading(text, "mano dura").polarity == "negated"
    # items joined by "y con" / "o con" are a list too
    text = ("Ya lo sabemos, no es con retenes y con cárceles y con multas más altas y con mano"
            " dura como vamos a salir de esto.")
    assert reading(text, "mano dura").polarity == "negated"
    # a list without a negated verb before it is affirmed
    text = "Vamos a responder con patrullas, con retenes, con mano dura."
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


@pytest.mark.parametrize("text,phrase,source", [
    # "se" + a verb of ending: the speaker says the war is over (own), no one acted.
    ("Se acabó la guerra contra el narco.", "acabó la guerra", "own"),
    ("Ya se terminó la guerra; ahora atendemos las causas.", "terminó la guerra", "own"),
    # The passive "se declaró" still reports someone's act, and without "se" the verb has
    # a subject of its own; a verb of saying before it still attributes.
    ("En aquel sexenio se declaró la guerra sin diagnóstico.", "declaró la guerra", "attributed"),
    ("Aquel gobierno acabó con la guerra de un día para otro.", "acabó con la guerra", "attributed"),
    ("Dijeron que se acabó la guerra, pero no era cierto.", "acabó la guerra", "attributed"),
])
def test_se_with_a_verb_of_ending_is_no_third_party(text, phrase, source):
    assert reading(text, phrase).source == source


def test_an_ending_negates_what_ended_and_is_the_end_move_itself():
    text = "Se acabó la guerra contra el narco."
    # The war frame that came to an end is negated, and no one acted ("se").
    assert attrs(text, "guerra contra el narco") == ("own", "negated")
    # The end-of-war move itself (negation part of the move) is affirmed.
    assert attrs(text, "acabó la guerra", negation_is_move=True) == ("own", "affirmed")
    text = "Con eso se acabó ya esa extorsión a los productores."
    assert reading(text, "extorsión").polarity == "negated"


@pytest.mark.parametrize("text,phrase", [
    # Finishing something ("se terminó de construir") is no ending of what follows.
    ("Ayer se terminó de construir el cuartel de la Guardia Nacional.", "Guardia Nacional"),
    # What ended is named before a pause, or far before the match: something else ended.
    ("Todo eso se terminó, los elementos pasaron a la Guardia Nacional.", "Guardia Nacional"),
    ("Se termina el abuso de siempre y se convierte en delito grave.", "delito grave"),
])
def test_an_ending_reaches_only_what_follows_it_closely(text, phrase):
    assert reading(text, phrase).polarity == "affirmed"


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


THREATS = Lexicon(["violen*", "delincuen*", "robo*", "cártel*", "armas"])
SECTORS = {"drugs": Lexicon(["narco*", "droga*"]), "covid": Lexicon(["vacuna*", "pandemia", "contagio*"]),
           "disaster": Lexicon(["huracán", "inundaci*", "damnificad*"])}


def _structure(text, phrase, kind="president", **rules):
    start = text.index(phrase)
    return read_move(text, start, start + len(phrase), kind=kind,
                     rules=MoveRules(counts_as="own-affirmed", **rules),
                     lexicons={"threats": THREATS}, topics=SECTORS)


def test_a_measure_needs_a_threat_around_it():
    deploy = "desplegamos 600 elementos"
    # the threat the deployment answers, in the sentence or the one before: presented
    text = "Por la violencia en la zona desplegamos 600 elementos del Ejército."
    r = _structure(text, deploy, needs_nearby="threats")
    assert not r.marked and r.set_aside is None and r.cues["threat"] == "violencia"
    text = "Creció el robo de ganado en la región. Ayer desplegamos 600 elementos del Ejército."
    assert not _structure(text, deploy, needs_nearby="threats").marked
    # no threat anywhere near: kept, but set aside with the reason
    text = ("Buenos días a todos. Hoy les informo del avance. Ayer desplegamos 600 elementos del"
            " Ejército a la capital.")
    r = _structure(text, deploy, needs_nearby="threats")
    assert r.marked and r.set_aside == "no threats word around" and r.kept(MoveRules())
    assert r.source == "own" and r.polarity == "affirmed"
    # two sentences away is too far
    text = "Hubo violencia el martes. Luego vino la feria. Ayer desplegamos 600 elementos."
    assert _structure(text, deploy, needs_nearby="threats").marked
    # the match itself does not supply its threat
    text = "Les digo que el robo pone en riesgo la vida de los viajeros."
    assert _structure(text, "el robo", needs_nearby="threats").marked


def test_a_feature_of_the_threat_needs_its_danger_characterised():
    danger = Lexicon(["letal*", "daño*", "poder", "morir"])

    def feature(text):
        start = text.index("el fentanilo")
        return read_move(text, start, start + len("el fentanilo"), kind="president",
                         rules=MoveRules(counts_as="own-affirmed", needs_nearby="danger"),
                         lexicons={"danger": danger})

    assert not feature("Les explico que el fentanilo es letal desde la primera dosis.").marked
    assert not feature("Hablamos de el fentanilo. Quien lo prueba puede morir en un año.").marked
    r = feature("En la reunión se vieron tres temas: la frontera, el fentanilo y el comercio.")
    assert r.marked and r.set_aside == "no danger word around"


def test_health_and_civil_protection_sectors_are_set_aside():
    risk = "pone en riesgo la vida"
    text = "La pandemia pone en riesgo la vida de los abuelos, cuídense del contagio."
    r = _structure(text, risk, unless_sectors=("covid", "disaster"))
    assert r.sector == "covid" and r.marked and r.set_aside == "sector covid"
    text = "El huracán pone en riesgo la vida de miles de familias en la costa."
    assert _structure(text, risk, unless_sectors=("covid", "disaster")).set_aside == "sector disaster"
    # a security sector stays presented
    text = "El cártel pone en riesgo la vida de los jóvenes con la droga."
    r = _structure(text, risk, unless_sectors=("covid", "disaster"))
    assert r.sector == "drugs" and not r.marked
    # a sector read off a neighbouring sentence does not set the match aside
    text = "Se aplicó la vacuna. El grupo armado pone en riesgo la vida de los vecinos."
    r = _structure(text, risk, unless_sectors=("covid", "disaster"))
    assert r.sector == "covid" and not r.marked


def test_a_moderators_announcement_is_set_aside():
    text = "A continuación el comandante supremo pasará lista de honor."
    r = _structure(text, "comandante supremo", kind="moderator")
    assert r.marked and r.set_aside == "a moderator's announcement"
    assert not _structure(text, "comandante supremo", kind="president").marked
    # only codes that count own affirmed moves
    start = text.index("comandante")
    assert not read_move(text, start, start + 10, kind="moderator").marked


def test_own_explicit_needs_a_first_person_cue():
    iron = "mano dura"
    # narrated or ascribed without a verb of saying: no person cue, so not presented as own
    text = "Y luego vino la mano dura, cosas lamentables que todavía padecemos."
    r = _structure(text, iron, own_explicit=True)
    assert r.source == "own" and r.marked and r.set_aside.startswith("no first-person cue")
    assert "source_default" not in r.cues
    # a first-person cue makes it the speaker's own frame
    text = "Nosotros vamos a aplicar mano dura contra los secuestradores."
    assert not _structure(text, iron, own_explicit=True).marked
    # without the rule the default stays own and presented
    text = "Y luego vino la mano dura, cosas lamentables que todavía padecemos."
    assert not _structure(text, iron).marked


def test_a_label_needs_a_declaring_word_before_it():
    label = "instalaciones estratégicas"
    declaring = Lexicon(["es", "son", "como", "considerar", "declaró"])

    def natsec(text):
        start = text.index(label)
        return read_move(text, start, start + len(label), kind="president",
                         rules=MoveRules(counts_as="own-affirmed", needs_before="declaring"),
                         lexicons={"declaring": declaring})

    r = natsec("Las presas son instalaciones estratégicas del Estado y hay que cuidarlas.")
    assert not r.marked and r.cues["before"] == "son"
    assert not natsec("Vamos a considerar las presas como instalaciones estratégicas.").marked
    r = natsec("Tenemos seis mil elementos en seguridad a instalaciones estratégicas del país.")
    assert r.marked and r.set_aside == "no declaring word right before it"
    # the declaring word must be close: "es" six words back does not apply the label
    assert natsec("Lo que es cierto es que cuidamos muy bien todas las instalaciones estratégicas.").marked


def test_codes_of_press_turns_are_set_aside_elsewhere():
    text = "Quiero felicitarlo por la estrategia de seguridad, presidente."
    start = text.index("felicitarlo")
    rules = MoveRules(speakers=("press",))
    assert not read_move(text, start, start + 11, kind="press", rules=rules).marked
    r = read_move(text, start, start + 11, kind="official", rules=rules)
    assert r.marked and r.set_aside == "not a press turn"


def test_statistics_sentences_are_reports():
    feature = "armas de alto poder"
    text = ("En la semana se aseguraron 1,200 cartuchos, 35 vehículos, 14 inmuebles y 240"
            " armas de alto poder.")
    r = _structure(text, feature, report_set_aside=True)
    assert r.marked and r.set_aside.startswith("report (4 quantities")
    # a run such as "56 mil 191" is one quantity, a year none
    text = "En 2019 y en 2020 vimos armas de alto poder con 56 mil 191 cartuchos."
    assert not _structure(text, feature, report_set_aside=True).marked
    # a few numbers in a long argument are not a report
    text = ("Los grupos que traen armas de alto poder desde el norte son un peligro para todos,"
            " lo vimos hace dos años y lo vimos otra vez hace tres semanas, por eso la gente"
            " de las comunidades de la sierra pide que nos quedemos cuatro meses más.")
    assert not _structure(text, feature, report_set_aside=True).marked
    # only codes that declare it
    text = "Se aseguraron 1,200 cartuchos, 35 vehículos, 14 inmuebles y 240 armas de alto poder."
    assert not _structure(text, feature).marked


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


def test_codebook_declares_the_securitizing_structure():
    book_text = BOOK.replace("move: {counts_as: own-affirmed}",
                             'move: {counts_as: own-affirmed, unless_sector: "drugs"}').replace(
        "move: {requires_context: security, within: turn}",
        "move: {requires_context: security, within: turn, needs_nearby: security, report: set-aside}")
    war = move_book(parse_codebook(book_text)).for_code("SEC.WAR")
    assert war.unless_sectors == ("drugs",) and war.needs_nearby == "security"
    assert war.report_set_aside and war.counts_as == "own-affirmed"
    from coder.suggest.moves import move_book_from_yaml
    assert move_book_from_yaml(book_text).rules == move_book(parse_codebook(book_text)).rules
    with pytest.raises(CodebookError, match="needs_nearby 'crime' is not one of"):
        parse_codebook(book_text.replace("needs_nearby: security", "needs_nearby: crime"))
    with pytest.raises(CodebookError, match="unless_sector 'health' is not one of the `topics:`"):
        parse_codebook(book_text.replace('unless_sector: "drugs"', 'unless_sector: "drugs health"'))
    with pytest.raises(CodebookError, match="move report 'drop' must be set-aside or keep"):
        parse_codebook(book_text.replace("report: set-aside", "report: drop"))
    more = book_text.replace("report: set-aside", 'report: set-aside, needs_before: security,'
                             ' own: explicit, speakers: "press official"')
    war = move_book(parse_codebook(more)).for_code("SEC.WAR")
    assert war.needs_before == "security" and war.own_explicit
    assert war.speakers == ("press", "official")
    with pytest.raises(CodebookError, match="needs_before 'x' is not one of"):
        parse_codebook(more.replace("needs_before: security", "needs_before: x"))
    with pytest.raises(CodebookError, match="move own 'always' must be explicit or rejected or default"):
        parse_codebook(more.replace("own: explicit", "own: always"))


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


def test_the_shipped_codebook_reads_the_securitizing_structure():
    """The shipped codebook's `move:` rules on sentences written for the test."""
    from pathlib import Path

    from coder.suggest.moves import move_book_from_yaml

    shipped = Path(__file__).resolve().parents[1] / "codebooks" / "securitization.yaml"
    book = move_book_from_yaml(shipped.read_text(encoding="utf-8"))

    def read(code, text, phrase, kind="president"):
        start = text.index(phrase)
        return book.reader(text, kind).read(start, start + len(phrase), book.for_code(code),
                                            book.lexicons, book.topics)

    # a deployment answering violence is presented; one read out of a table is set aside
    assert not read("SEC.MEASURE.MILITARY", "Por los asesinatos en la sierra enviamos 900"
                    " elementos del Ejército.", "enviamos 900 elementos").marked
    assert read("SEC.MEASURE.MILITARY", "En la región norte enviamos 900 elementos, en la"
                " región sur 450, en la costa 300 y en la capital 120.",
                "enviamos 900 elementos").marked
    # a health risk in a pandemic passage is not a security threat declaration
    assert read("SEC.MARK.THREAT", "El contagio en la pandemia pone en riesgo la vida de"
                " los abuelos.", "pone en riesgo la vida").marked
    assert not read("SEC.MARK.THREAT", "Esas bandas de secuestradores ponen en riesgo la vida"
                    " de los viajeros.", "ponen en riesgo la vida").marked
    # the war frame needs a first-person cue; the label needs to be applied
    assert read("SEC.MARK.WAR", "Y luego vino la mano dura, y todo empeoró.", "mano dura").marked
    assert not read("SEC.MEASURE.NATSEC", "Las presas son instalaciones estratégicas y las"
                    " cuidamos.", "instalaciones estratégicas").marked
    assert read("SEC.MEASURE.NATSEC", "Hay tres mil soldados dando seguridad a"
                " instalaciones estratégicas.", "instalaciones estratégicas").marked
    # a reporter's code outside a press turn is set aside
    assert read("CTX.QA.ALIGNED", "Quiero felicitarlo por su estrategia de seguridad.",
                "felicitarlo", kind="official").marked


@pytest.mark.parametrize("text", [
    "Ellos quisieron declarar la guerra y fracasaron con la violencia.",
    "Nosotros no vamos a declarar la guerra; el crimen se atiende de otro modo.",
    "¿Va a declarar la guerra?",
    "Vamos a declarar la guerra a la pobreza.",
    "No es una guerra de 1847 declarar la guerra hoy.",
])
def test_a_run_reading_stops_early_only_for_dropped_hits(text):
    """`kept_only` (what a run uses) gives the full reading of every kept hit, and for a hit
    that is dropped says so without the rest."""
    from coder.suggest.moves import TurnReader

    lexicons = {"security": Lexicon(["violencia", "crimen"]), "other_wars": Lexicon(["1847"])}
    topics = {"drugs": Lexicon(["narco*"]), "crime": Lexicon(["crimen", "violencia"])}
    rules = MoveRules(requires_context="security", unless_context="other_wars", counts_as="own-affirmed")
    start = text.index(WAR)
    full = TurnReader(text, "president").read(start, start + len(WAR), rules, lexicons, topics)
    fast = TurnReader(text, "president").read(start, start + len(WAR), rules, lexicons, topics,
                                              kept_only=True)
    assert fast.kept(rules) == full.kept(rules)
    if full.kept(rules):
        assert fast == full
    else:
        assert (fast.source, fast.polarity, fast.sector) == ("own", "affirmed", None)


@pytest.mark.parametrize("words", [
    ["guerra", "narco*", "crimen organizado", "c.j.n.g", "violen*", "paz"],
    ["*", "guerra"],          # a bare star holds every word
    ["x-y*", "año", "AÑO", "niño*"],
    [],
])
def test_only_the_words_a_lexicon_may_hold_are_tagged(words):
    """The tagger's automaton finds the same tagged words as trying every word."""
    from coder.suggest.moves import _WORD, Tagger, TurnReader

    lexicons = [Lexicon(words), Lexicon(["narcotráfico", "paz*"])]
    text = ("La guerra, el narcotráfico y la violencia: ¿paz? Niños y niñas; NARCOS, narco-"
            "guerra, pazguato, x-yz, año 2019 AÑO; crimen organizado (c.j.n.g) apaz paz.")
    tagger = Tagger(lexicons)
    reader = TurnReader(text, tagger=tagger)
    for sentence in reader.sentences:
        expected = [(m.start(), m.end(), t) for m in _WORD.finditer(text, *sentence)
                    if (t := tagger.tags(m.group(0).lower()))]
        assert reader._tagged_words(sentence) == expected


def _words_regex(lexicons):
    """The tagger's words the slow way, as a regex: a whole word of a list, or any word
    starting with a stem (the oracle for the Aho-Corasick finder)."""
    import re

    from coder.suggest.engine import trie_regex

    exact = {w for lexicon in lexicons for w in lexicon.exact if re.fullmatch(r"\w+", w)}
    stems = {w for lexicon in lexicons for w in lexicon.stems if re.fullmatch(r"\w+", w)}
    branches = [rf"(?:{trie_regex(exact)})(?!\w)"] * bool(exact) + \
               [rf"(?:{trie_regex(stems)})\w*"] * bool(stems)
    return re.compile(r"(?<!\w)(?:" + "|".join(branches) + ")")


TAG_WORDS = ["violencia", "violento", "violen", "cártel", "cárteles", "narco", "narcos", "droga",
             "guardia", "guardias", "1847", "a1847", "vacuna", "pandemia", "pandemias", "inde",
             "independencia", "independencias", "_narco", "narco_", "x", "İ", "ß"]


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(st.one_of(st.sampled_from(TAG_WORDS), st.sampled_from([" ", ", ", ".", "-", "\n", "¿", "2"]),
                                 st.text(max_size=3)), max_size=30),
       cut=st.integers(0, 5))
def test_the_tagger_finds_the_words_a_regex_over_the_text_finds(pieces, cut):
    lexicons = [SECURITY, OTHER_WARS, *TOPICS.values(), Lexicon(["inde*", "independencia", "guardias"])]
    text = "".join(pieces)
    reader = TurnReader(text, "president", Tagger(lexicons))
    low = text.lower()
    if len(low) != len(text):
        return  # (read word by word then)
    # A sentence-like range, its edges anywhere (as the finder may be asked).
    lo, hi = min(cut, len(text)), max(min(cut, len(text)), len(text) - cut)
    expected = [m.span() for m in _words_regex(lexicons).finditer(low, lo, hi)]
    assert [(s, e) for s, e, _ in reader._tagged_words((lo, hi))] == expected


def test_a_sentence_without_punctuation_is_read_near_the_match():
    """Text with no sentence punctuation (captions, a speech transcribed in one breath) is
    one endless "sentence": the reader looks at whole words within SENTENCE_REACH of the
    match, so it reads the match as in a short text (and each match no longer scans the
    whole text before it: a 1.5-million-character turn took minutes)."""
    from coder.suggest.moves import SENTENCE_REACH, TurnReader

    filler = "y luego hablamos de los programas del bienestar en cada pueblo " * 400
    text = filler + "nosotros no vamos a declarar la guerra " + filler
    start = text.index(WAR)
    reader = TurnReader(text, "president")
    lo, hi = reader.sentence(start)
    assert hi - lo <= SENTENCE_REACH and lo <= start < hi
    assert text[lo - 1].isspace() and text[hi].isspace()  # whole words at both edges
    reading = reader.read(start, start + len(WAR))
    short = "nosotros no vamos a declarar la guerra"
    alone = TurnReader(short, "president").read(short.index(WAR), short.index(WAR) + len(WAR))
    assert (reading.source, reading.polarity) == (alone.source, alone.polarity) == ("own", "negated")


# -- speech acts the reading must not invert (sentences written for the tests) ----------------

@pytest.mark.parametrize("text, phrase", [
    ("Dicen nuestros adversarios que vamos a mantener al Ejército en las calles.", "Ejército"),
    ("Los conservadores quieren que usemos al Ejército contra el pueblo.", "Ejército"),
    ("Siempre se ha dicho que nosotros vamos a usar al Ejército.", "Ejército"),
    ("El crimen es una amenaza para la nación, según el gobierno anterior.", "amenaza"),
])
def test_a_report_of_what_others_say_or_want_is_attributed(text, phrase):
    """The first person inside a report ("dicen ... que vamos") is the reported party's view
    of us, not the speaker's move; "según X" after the match names whose view it is."""
    r = reading(text, phrase)
    assert r.source == "attributed", r.cues


@pytest.mark.parametrize("text, phrase", [
    ("Yo les digo que vamos a mantener al Ejército en las calles.", "Ejército"),
    ("Les decía yo que vamos a mantener al Ejército en las calles.", "Ejército"),
    ("Eso no quiere decir que vamos a sacar al Ejército.", "Ejército"),
    ("Se pretende que vayamos llevando al Ejército a los cuarteles.", "Ejército"),
    ("Dicen cosas, pero vamos a mantener al Ejército en los cuarteles.", "Ejército"),
    ("El crimen es una amenaza para la nación, según nuestros datos.", "amenaza"),
    ("El crimen es una amenaza para la nación; lo mostraron hace meses los reportes que el"
     " instituto publicó, según la prensa.", "amenaza"),
])
def test_the_speakers_own_words_are_not_a_report(text, phrase):
    """The speaker saying it ("yo les digo que", "decía yo"), "quiere decir" (that is), an
    impersonal aim ("se pretende que"), a report that ended at a comma, "según" the speaker
    or far after the match: own."""
    r = reading(text, phrase)
    assert r.source == "own", r.cues


def test_a_denied_end_does_not_negate_what_goes_on():
    """"Se acabó la guerra contra el narco" negates the war; "no se acabó ..." says it goes on."""
    phrase = "guerra contra el narco"
    assert attrs("Ya se acabó la guerra contra el narco.", phrase)[1] == "negated"
    assert attrs("No se acabó la guerra contra el narco, sigue la violencia.", phrase)[1] \
        == "affirmed"
    # a negation further back is not the denial of the end
    assert attrs("Nunca dijimos que se acabó la guerra contra el narco.", phrase)[1] == "negated"


def test_a_pattern_may_say_how_its_own_phrase_reads():
    """A pattern's `move:` (negation, own) overrides its code's for its hits only."""
    text = BOOK.replace(
        '          - {id: fire, lang: es, pattern: "fuego con el fuego"}',
        '          - {id: fire, lang: es, pattern: "fuego con el fuego"}\n'
        "          - id: ended\n"
        "            lang: es\n"
        "            pattern: \"acabó la guerra\"\n"
        "            move: {negation: negates}\n"
        "          - id: declared\n"
        "            lang: es\n"
        "            pattern: \"declarar la guerra\"\n"
        "            move: {own: rejected}", 1)
    assert text != BOOK
    from coder.suggest.moves import move_book_from_yaml

    for book in (move_book(parse_codebook(text)), move_book_from_yaml(text)):
        assert book.for_code("DES.NOFORCE").negation_is_move
        assert not book.for_code("DES.NOFORCE", "ended").negation_is_move
        assert book.for_code("DES.NOFORCE", "declared").own_rejected
        assert book.for_code("DES.NOFORCE", "other").negation_is_move
    with pytest.raises(CodebookError, match="pattern ended: move requires_context belongs to the code"):
        parse_codebook(text.replace("move: {negation: negates}",
                                    "move: {requires_context: security}"))
    with pytest.raises(CodebookError, match="move own 'always' must be"):
        parse_codebook(text.replace("move: {own: rejected}", "move: {own: always}"))


@pytest.mark.parametrize("text, set_aside", [
    ("Vamos a declarar la guerra al narco.", True),
    ("Nosotros le declaramos hoy la guerra al narco.", True),
    ("Calderón declara la guerra al narco y todo empeora.", False),   # narrated, no person cue
    ("Ellos decidieron declarar la guerra al narco.", False),
    ("Nosotros no vamos a declarar la guerra al narco.", False),      # rejected: the move
])
def test_own_rejected_sets_aside_the_speakers_own_declaration(text, set_aside):
    phrase = "declarar la guerra" if "declarar" in text else "declaramos hoy la guerra" \
        if "declaramos" in text else "declara la guerra"
    r = reading(text, phrase, negation_is_move=True, own_rejected=True)
    assert bool(r.set_aside) is set_aside, (r.source, r.polarity, r.cues)


def test_the_shipped_codebook_does_not_invert_the_war_frame():
    """The shipped codebook on sentences written for the test: the speaker declaring war is
    the war frame (SEC.MARK.WAR presented, DES.ENDWAR set aside); a denied end of the war is
    a negated end; a war narrated of others stays the end-of-war move."""
    from pathlib import Path

    from coder.suggest.moves import move_book_from_yaml

    shipped = Path(__file__).resolve().parents[1] / "codebooks" / "securitization.yaml"
    book = move_book_from_yaml(shipped.read_text(encoding="utf-8"))

    def read(code, pattern, text, phrase):
        start = text.index(phrase)
        return book.reader(text, "president").read(
            start, start + len(phrase), book.for_code(code, pattern), book.lexicons, book.topics)

    own = "Vamos a declarar la guerra al narco, a los cárteles y a la violencia."
    assert read("DES.ENDWAR", "endwar-declared-es", own, "declarar la guerra").marked
    assert not read("SEC.MARK.WAR", "war-on-drugs-es", own, "guerra al narco").marked
    narrated = "Ellos decidieron declarar la guerra al narco y creció la violencia."
    assert not read("DES.ENDWAR", "endwar-declared-es", narrated, "declarar la guerra").marked
    denied = "No se acabó la guerra contra el narco, sigue la violencia."
    assert read("DES.ENDWAR", "endwar-over-es", denied, "acabó la guerra").polarity == "negated"
    said = "Ya se acabó la guerra contra el narco y la violencia baja."
    assert read("DES.ENDWAR", "endwar-over-es", said, "acabó la guerra").polarity == "affirmed"
