"""Reading the clause around a suggestion: who makes the move, and how.

A pattern finds a phrase; a coder needs a move.  "Declarar la guerra" is the speaker's
own securitizing move, a predecessor's move the speaker rejects, or a reporter's
question.  This module predicts, for every suggestion, from transparent rules over the
clause, the sentence and the turn (segmented by :mod:`coder.corpus.segment`):

``polarity`` (checked in this order; the first that applies wins)
    - ``question``: the speaker's turn is a press turn (a reporter asks, even without a
      question mark), or the match lies inside ``¿…?`` or in a sentence ending in ``?``;
    - ``hypothetical``: a conditional cue ("si", "en caso de", "imagínense",
      "supongamos", "en el supuesto", "if", "suppose") earlier in the match's clause or
      in the clause before it in the same sentence, or a conditional verb (-ría) in the
      match's clause before the match;
    - ``negated``: a negation cue ("no", "nunca", "jamás", "tampoco", "ni", "nada de",
      "ningún", "sin", "dejar de", "not", "never" ...) in the match's clause, before the
      match and at most :data:`NEGATION_REACH` words from it, or opening the clause (then it
      governs the whole clause: "no se resuelve con A, con B, con C"), or a negated verb
      anywhere before the match when the match closes a list of means it governs
      ("tenemos que atender las causas, no se va a resolver sólo con policías, con cárceles,
      con mano dura").  The scope ends where the
      clause ends (a comma before "pero/sino/aunque", a semicolon, a colon, ``?``), so in
      "no ... sino X" X is affirmed.  "No sólo", "no nada más" (not only) and the tag "¿no?"
      do not negate; a denied end ("no se acabó la guerra contra ...") does not negate
      what goes on.  Negation inside the match ("ya no hay guerra", "abrazos, no
      balazos") is the phrase itself, not a denial of it.  A code whose move *is* a
      rejection (``negation: part-of-move``: rejecting force, denying militarization)
      stays affirmed when negated: "no se puede apagar el fuego con el fuego" affirms the
      rejection of force;
    - otherwise ``affirmed``.

``source``
    - ``quoted``: the match lies inside quotation marks (" " “ ” « » ‘ ’) of its line, or
      its sentence announces a read-out ("cito", "textualmente", "leo", "dice así");
    - ``attributed``: the match lies in a report of what a third party says or wants
      ("dicen nuestros adversarios que vamos a ...", "quieren que usemos ...": a verb of
      saying or wanting in the third person, at most four words, "que", no comma, colon or
      semicolon before the match; see :data:`_REPORTING`); or the nearest person cue
      before the match in its clause (else in its
      sentence) is a third party — a third-person preterite or imperfect verb
      ("declararon", "declaró", "aplicaban", "se declaró"), a verb of saying in the third
      person ("dicen", "afirmó", "según", "de acuerdo con", "como decía"), a past government or
      period ("el gobierno anterior", "los gobiernos neoliberales", "en el periodo
      neoliberal", "sexenio", "antes", the past described as such: "era", "fue", "la
      estrategia fallida"), or opponents and others ("los conservadores", "adversarios",
      "ellos", "hay quienes") — and not a first-person cue ("vamos", "hemos", "nosotros", "mi gobierno",
      "nuestro", first-person verb endings), looking back at most :data:`PERSON_REACH`
      characters;  a third-person preterite inside the match
      itself ("declaró la guerra") attributes it too; with no cue before the match, "según
      X" within :data:`ACCORDING_REACH` characters after it does ("..., según el gobierno
      anterior");
    - otherwise ``own``: the speaker's own voice (a reporter's question is the reporter's
      own move, with polarity ``question``).

``unless_context``: a lexicon (e.g. ``other_wars``) whose words in the match's sentence
rule the suggestion out ("the war of 1847" is not the war on drugs).

``context``: for codes that declare ``requires_context`` (a lexicon of the codebook, e.g.
``security``), where a lexicon word occurs around the match, outside the match itself:
``clause``, ``sentence`` or ``turn``, searched no further than the code's ``within``;
None when there is none, and then the suggestion is not made at all.

``sector``: the codebook's ``topics`` lexicon with most words in the match's sentence;
when none (or a tie), the sentences around it are added one by one, up to
:data:`SECTOR_REACH` each side; None when still no single topic leads.

``set_aside`` (the securitizing structure; each a ``move:`` key, see codebooks/README.md):
    a phrase of a security code is presented as a move only when the passage around it has
    the rest of a securitizing move.  The suggestion is kept but set aside (``marked``),
    with the reason in ``cues["set_aside"]``, when
    - ``needs_nearby: LEXICON``: no word of that lexicon occurs outside the match in its
      sentence or the sentence right before or after it: the threat that would justify a
      measure (``threats``: violence, crime, cartels ...; "desplegados 800 elementos" in a
      table of deployments is a report, not a measure claimed against a threat), or the
      danger that makes a feature threatening (``danger``: lethal, harm, firepower ...;
      "fentanilo" in a list of topics of a bilateral meeting characterises nothing);
    - ``unless_sector: "covid disaster"``: the predicted ``sector`` is one of these topics
      and was read off the match's own sentence (a health risk in a pandemic briefing, a
      hurricane in a civil-protection report: risk language outside the security field);
    - ``report: set-aside``: the sentence is an operational report, holding at least
      :data:`REPORT_QUANTITIES` quantities outside the match (numbers; a run like "56 mil
      191" counts once, a year not at all), at least one per :data:`REPORT_DENSITY` words:
      seizure and deployment statistics describe operations, they do not make the move.

    - the code counts only own affirmed moves and the turn is a moderator's (who announces
      the programme: "el comandante supremo pasará lista de honor");
    - ``own: rejected``: the source is own by a first-person cue in the match's clause and
      the phrase is affirmed, not rejected ("vamos a declarar la guerra" is the war frame,
      not the end of it); a pattern's own ``move:`` may say this (and ``negation``) for its
      hits only;
    - ``own: explicit``: the source is own only by default (no person cue at all): for codes
      whose vocabulary is mostly someone else's in this corpus (the war frame: "la mano
      dura", "la guerra contra el narco" narrated or ascribed without a verb of saying), an
      own move needs a first-person cue;
    - ``needs_before: LEXICON``: no word of the lexicon among the :data:`BEFORE_REACH` words
      right before the match in its sentence: a label is a move when it is applied ("es un
      asunto de seguridad nacional", "son instalaciones estratégicas", "considerar ... como
      un asunto de ..."), not when it names a category ("seguridad a instalaciones
      estratégicas" in a deployment briefing, "en materia de seguridad nacional");
    - ``speakers: "press"``: the turn is not of these kinds (a reporter's challenge or
      alignment is a press turn by definition).

``marked``: the code declares ``counts_as: own-affirmed`` and the reading is anything
else, or a ``set_aside`` rule applies: the suggestion is kept, but the workbench dims it
and `n` passes it by default.

Every reading carries ``cues``: the words that decided it, so a coder can see why.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from ..corpus.segment import Sentences, clauses_of_sentence

# Bump when the rules change: stored suggestions made by older rules are then re-made.
RULES_VERSION = 7

SOURCES = ("own", "attributed", "quoted")
POLARITIES = ("affirmed", "negated", "hypothetical", "question")
NEGATION_REACH = 8          # words between a negation cue and the match
PERSON_REACH = 240          # characters before the match searched for a person cue
SECTOR_REACH = 2            # sentences each side of the match's that the sector may come from
REPORT_QUANTITIES = 3       # quantities in a sentence (outside the match) that make it a report
REPORT_DENSITY = 12         # ... when there is at least one per this many words of the sentence
BEFORE_REACH = 4            # words before the match searched for a `needs_before` word
ACCORDING_REACH = 60        # characters after the match searched for "según X"
# The longest stretch read as a match's sentence.  The shared corpus's longest sentence
# has under 1,500 characters; a longer "sentence" is text without sentence punctuation
# (captions, a speech transcribed in one breath), where each match would otherwise scan
# the whole text before it (one 1.5-million-character turn took minutes).
SENTENCE_REACH = 4000
OWN_AFFIRMED = "own-affirmed"
REJECTION = "(the rejection is the move)"  # how a cue says negation kept the move affirmed

_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
_WORD_REST = re.compile(r"\w*")

_NEGATION = re.compile(
    r"\b(?:no|nunca|jam[aá]s|tampoco|ni|nada\s+de|ning[uú]n[oa]?s?|sin|dej[aeo]\w*\s+de|"
    r"not|never|no\s+longer|nor|n't)\b", re.IGNORECASE)
# "se acabó (el huachicol)": what follows came to an end, which negates it like "no" does
# ("se terminó de construir" completes something instead).  Only what follows closely,
# in the same stretch of the clause: "se terminó eso, ..." and "se termina X y se
# convierte en Y" end something else.
_CESSATION = re.compile(r"\bse\s+(?:acab|termin|conclu|finaliz)\w*(?!\s+de\b)\b",
                        re.IGNORECASE)
_CESSATION_REACH = 3  # words between the cue and the match
_DENIED_REACH = 0  # words between a negation and the "se acabó" it denies: next to it
_PAUSE = re.compile(r"[,;:.!?()]")
# "not only": an affirmation.
_NOT_ONLY = re.compile(r"\s*(?:s[oó]lo|solamente|nada\s+m[aá]s|únicamente|only)\b", re.IGNORECASE)

# What follows a negation that governs its whole clause: a clitic or a verb ("no se va a
# resolver", "no es", "no hay", "no vamos", "no podemos").
_NEGATED_VERB = re.compile(
    r"\s+(?:se|me|te|le|les|lo|la|los|las|nos|es|son|era|fue|hay|habrá|va|van|vamos|"
    r"puede|pueden|podemos|debe|deben|debemos|tiene|tienen|tenemos|queremos|quiero|"
    r"sirve|sirven|funciona|resuelve|basta|alcanza)\b", re.IGNORECASE)

# A list of means ("con A, con B, sólo con C") that a negated verb before it governs.
_WITH = re.compile(r"\b(?:con|with)\b", re.IGNORECASE)
_MEANS_ITEM = re.compile(
    r"\s*(?:(?:y|o|ni|tampoco|s[oó]lo|solamente|[uú]nicamente|nada\s+m[aá]s|or|nor|only)\s+)?"
    r"(?:con|with)\b", re.IGNORECASE)

# Items of such a list are separated by commas or by "y/o/ni" before "con".
_ITEM_BREAK = re.compile(r",|\s(?=(?:y|o|ni)\s+con\b)", re.IGNORECASE)

_CONDITIONAL = re.compile(
    r"\b(?:si|en\s+caso\s+de|en\s+el\s+supuesto|imag[ií]n\w*|supong\w*|suponiendo|"
    r"hipot[eé]tic\w*|if|suppose|imagine)\b", re.IGNORECASE)
# A conditional verb: "declararíamos", "habría", "sería" (not "tenía" / "había": -ía alone is
# imperfect).
_CONDITIONAL_VERB = re.compile(r"\b\w{2,}r[ií]a(?:s|mos|n)?\b", re.IGNORECASE)

_QUOTED_INTRO = re.compile(r"\b(?:cito|textualmente|leo|dice\s+as[ií]|quote)\b", re.IGNORECASE)
_OPEN_CLOSE = {"“": "”", "«": "»", "‘": "’"}

# Person cues.  Own: first person (singular or plural) and the speaker's government.
# Both person regexes open with ``\b(?=\w)``: every alternative starts with a letter, and
# saying so up front spares trying each alternative where a word ends.
_OWN = re.compile(
    r"\b(?=\w)(?:nosotros|nosotras|yo|vamos|hemos|estamos|somos|tenemos|queremos|podemos|"
    r"debemos|seguimos|hicimos|dijimos|decidimos|pensamos|creemos|"
    r"mi\s+gobierno|nuestro\w*|este\s+gobierno|el\s+gobierno\s+que\s+represento|"
    r"\w{2,}[aei]mos|voy|estoy|quiero|puedo|digo|creo|"
    r"we|our|I|I'm|we're|we'll)\b", re.IGNORECASE)
# Third-person preterite and imperfect verbs: a third party acted ("declararon", "se
# declaró", "aplicaban").  A weak cue: a government speaker also reports what the armed
# forces did, so it counts only inside the match or right before it (see _THIRD_REACH).
_PRETERITE = re.compile(r"\b(?:\w+aron|\w+ieron|\w{2,}ó|\w+aban|\w{3,}ían)\b", re.IGNORECASE)
_THIRD_REACH = 3
# "se" + a verb of ending ("se acabó la guerra", "ya se terminó"): the pronominal form says
# that something came to an end, with no one acting (unlike the passive "se declaró la
# guerra", where someone declared it): not a third party's act.
_ENDED_BY_ITSELF = re.compile(r"(?:acab|termin|conclu|finaliz)\w*", re.IGNORECASE)
_SE_BEFORE = re.compile(r"\bse\s+$", re.IGNORECASE)
# Strong third-party cues: verbs of saying in the third person, past governments and
# periods, opponents.
_THIRD = re.compile(
    r"\b(?=\w)(?:dicen|dijo|dijeron|decían|afirman|sostienen|aseguran|plantean|señalan|acusan|llaman|"
    r"proponen|piden|exigen|según|de\s+acuerdo\s+con|como\s+dec[ií]a\w*|"
    r"antes|anteriormente|en\s+el\s+pasado|"
    r"(?:gobierno|gobiernos|administraci[oó]n|administraciones|régimen|sexenio|sexenios)\s+"
    r"(?:anterior\w*|pasad\w*|neoliberal\w*|de\s+\w+)|"
    r"periodo\s+neoliberal|neoliberal\w*|conservador\w*|adversari\w*|opositor\w*|"
    r"la\s+oposici[oó]n|ellos|ellas|quienes|"
    # the past described as such: "era", "fue", "la estrategia fallida"
    r"era|eran|fue|fueron|fallid\w*|"
    r"they|their|said|declared|previous\s+government\w*|former\s+\w+)\b", re.IGNORECASE)
# A report of what a third party says, claims or wants, then "que" (at most four words
# between: the subject, "a la Guardia ..."): the clause after it is theirs.
_REPORTING = re.compile(
    r"(?<!\bno\s)(?<!\bni\s)(?<!\byo\s)\b(?:"
    # saying and claiming, also impersonal ("se dice que", "se decía que")
    r"dice|dicen|dijo|dijeron|dec[ií]a|dec[ií]an|afirma|afirman|afirmó|afirmaron|sostiene|"
    r"sostienen|sostuvo|asegura|aseguran|aseguró|aseguraron|señala|señalan|señaló|acusa|"
    r"acusan|acusó|creen|cre[ií]an|piensan|pensaban|opinan|insisten|alegan|argumentan|gritan|"
    r"repiten|han\s+dicho|ha\s+dicho|say|says|said|claim|claims|claimed|"
    # wanting and proposing, not impersonal: "se pretende que", "se plantea que" is how a
    # government states its own aims
    r"(?<!\bse\s)(?:plantea|plantean|planteó|proponen|propone|propuso|pide|piden|pidió|"
    r"pidieron|exige|exigen|exigió|quiere|quieren|quer[ií]an|pretende|pretenden|pretend[ií]an|"
    r"sugieren|want|wants|wanted))"
    # "quiere decir que" means "that is"; "decía yo que" is the speaker ("decía" is also
    # first person); "el que", "lo que": a relative, not a report.
    r"(?!\s+(?:decir|yo|nosotros|nosotras)\b)(?:\s+[^\W\d_]\w*){0,4}?(?<!\bel)(?<!\bla)(?<!\blos)(?<!\blas)(?<!\blo)"
    r"\s+(?:que|that)\b(?=[^,;:]*$)", re.IGNORECASE)
# "según X" after the match, X not the speaker ("según nosotros", "según nuestros datos").
_ACCORDING_AFTER = re.compile(
    r"\bsegún\b(?!\s+(?:yo|nosotros|nosotras|mi|mis|nuestr\w*)\b)|\baccording\s+to\b(?!\s+(?:me|us|our)\b)",
    re.IGNORECASE)
# Verbs in -amos/-emos/-imos carry no written accent (but -íamos, -ábamos); these common
# unaccented nouns and adjectives share the ending.
_NOT_FIRST_PERSON = frozenset("extremos supremos reclamos ramos tramos primos".split())


def _ended_by_itself(text: str, verb: re.Match) -> bool:
    """Whether a third-person verb is "se" + a verb of ending ("se acabó"): no one acted."""
    return bool(_ENDED_BY_ITSELF.fullmatch(verb.group(0))
                and _SE_BEFORE.search(text, max(0, verb.start() - 8), verb.start()))


def _is_first_plural(word: str) -> bool:
    lower = word.lower()
    if lower in _NOT_FIRST_PERSON or not lower.endswith(("amos", "emos", "imos")):
        return lower not in _NOT_FIRST_PERSON
    if any(c in lower for c in "áéíóú"):
        return lower.endswith(("íamos", "ábamos"))
    return True

_QUOTES = re.compile(r"[\"“”«»‘’]")

# A quantity: digits ("1,200", "7.62", "40%") or Spanish/English number words; a run such as
# "56 mil 191" or "treinta y dos" is one quantity.  "un/una/uno" are left out (articles).
_NUMBER_WORD = (r"(?:\d[\d.,]*%?|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|trece|"
                r"catorce|quince|dieci\w+|veinte|veinti\w+|treinta|cuarenta|cincuenta|sesenta|"
                r"setenta|ochenta|noventa|cien|ciento|cientos|\w+cientos|\w+cientas|mil|"
                r"mill[oó]n|millones|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|"
                r"million)")
_YEAR = re.compile(r"(?:19|20)\d\d")
_QUANTITY = re.compile(rf"\b{_NUMBER_WORD}(?:(?:\s+y)?\s+{_NUMBER_WORD}\b)*", re.IGNORECASE)


@dataclass
class MoveRules:
    """What a code declares about its moves (``move:`` in the codebook, inherited)."""

    requires_context: str | None = None   # a lexicon name, e.g. "security"
    within: str = "sentence"              # clause | sentence | turn
    unless_context: str | None = None     # a lexicon that rules the match out in its sentence
    counts_as: str | None = None          # "own-affirmed"
    negation_is_move: bool = False        # negation: part-of-move
    needs_nearby: str | None = None       # a lexicon: set aside unless one of its words is near
    unless_sectors: tuple[str, ...] = ()  # topics: set aside when the predicted sector is one
    report_set_aside: bool = False        # report: set-aside (statistics sentences)
    needs_before: str | None = None       # a lexicon: set aside unless a word of it just precedes
    own_explicit: bool = False            # own: explicit (own needs a first-person cue)
    own_rejected: bool = False            # own: rejected (own counts only when rejected)
    speakers: tuple[str, ...] = ()        # turn kinds the code belongs to (others set aside)


@dataclass
class Reading:
    """A suggestion's predicted attributes, and the cues that decided them."""

    source: str = "own"
    polarity: str = "affirmed"
    sector: str | None = None
    context: str | None = None
    marked: bool = False
    ruled_out: bool = False     # an `unless_context` word is in the sentence: not suggested
    set_aside: str | None = None  # why the passage lacks a securitizing structure (then marked)
    cues: dict[str, str] = field(default_factory=dict)

    def kept(self, rules: MoveRules) -> bool:
        """Whether the suggestion is made: its required context found, nothing ruling it out."""
        return not self.ruled_out and (not rules.requires_context or self.context is not None)

    def attributes(self) -> dict:
        """The predicted attributes as stored (None values left out)."""
        out = {"source": self.source, "polarity": self.polarity}
        if self.sector:
            out["sector"] = self.sector
        return out


class Lexicon:
    """A word list from the codebook: ``word`` matches the word, ``stem*`` any word it starts.

    Matching is per word (``\\w+``), case-insensitive, so one pass over a turn's words
    finds the lexicon words of a sentence (see :meth:`TurnReader.find`).
    """

    def __init__(self, words: list[str]):
        cleaned = [str(word).strip().lower() for word in words if str(word).strip()]
        self.exact = frozenset(w for w in cleaned if not w.endswith("*"))
        self.stems = tuple(w[:-1] for w in cleaned if w.endswith("*"))

        self._known: dict[str, bool] = {}

    def has(self, word: str) -> bool:
        """Whether the lower-case ``word`` is in the list (memoised: vocabularies repeat)."""
        known = self._known.get(word)
        if known is None:
            known = self._known[word] = word in self.exact or (
                bool(self.stems) and word.startswith(self.stems))
        return known


class Tagger:
    """Which of a set of lexicons each word belongs to, memoised across turns and runs."""

    def __init__(self, lexicons: list[Lexicon]):
        self.lexicons = list(lexicons)
        self._tags: dict[str, frozenset[int]] = {}
        self._finder: object = False  # see finder()

    def finder(self):
        """An Aho-Corasick automaton of the lexicons' words (``\\w+`` runs only) and stems:
        ``iter`` gives ``(index of the last character, (length, is a stem))``; None when
        a bare ``*`` makes every word a candidate."""
        if self._finder is False:
            exact = {w for lexicon in self.lexicons for w in lexicon.exact if _WORD.fullmatch(w)}
            stems = {w for lexicon in self.lexicons for w in lexicon.stems if _WORD.fullmatch(w)}
            if any(not stem for lexicon in self.lexicons for stem in lexicon.stems):
                self._finder = None
            else:
                from .engine import aho_corasick

                self._finder = aho_corasick((word, (len(word), word in stems))
                                            for word in exact | stems)
        return self._finder

    def tags(self, word: str) -> frozenset[int]:
        """The ids of the lexicons holding the lower-case ``word`` (often empty)."""
        found = self._tags.get(word)
        if found is None:
            found = self._tags[word] = frozenset(
                id(lexicon) for lexicon in self.lexicons if lexicon.has(word))
        return found


class TurnReader:
    """Reads moves in one turn; its sentences and clauses are split once, when first read
    (line by line: a hit in a long turn reads the lines around it, not the whole turn)."""

    def __init__(self, text: str, kind: str | None = None, tagger: Tagger | None = None):
        self.text = text
        self.kind = kind or "unknown"
        self._sentences = Sentences(text)
        self.tagger = tagger
        self._clauses: dict[tuple[int, int], list[tuple[int, int]]] = {}
        self._tagged: dict[tuple[int, int], list[tuple[int, int, frozenset[int]]]] = {}
        self._positions: dict[tuple, list[tuple[int, int]]] = {}
        self._counts: dict[tuple[int, int], dict[int, int]] = {}
        self.low: str | None = None  # the text in lower case, made when first needed

    def _hits(self, lexicon: Lexicon, sentence: tuple[int, int]) -> list[tuple[int, int]]:
        """The words of ``lexicon`` in one sentence (computed once per sentence).

        One pass over a sentence's words tags each with every lexicon it belongs to (the
        tagger memoises words), so asking for five topics costs one pass, not five.
        """
        key = (id(lexicon), sentence)
        found = self._positions.get(key)
        if found is None:
            if self.tagger is None or lexicon not in self.tagger.lexicons:
                self.tagger = Tagger([*(self.tagger.lexicons if self.tagger else []), lexicon])
                self._tagged.clear()
                self._counts.clear()
            ident = id(lexicon)
            found = self._positions[key] = [(s, e) for s, e, t in self._tagged_words(sentence)
                                            if ident in t]
        return found

    def _tagged_words(self, sentence: tuple[int, int]) -> list[tuple[int, int, frozenset[int]]]:
        """The words of a sentence that some lexicon holds, with the ids of those lexicons."""
        tagged = self._tagged.get(sentence)
        if tagged is None:
            tagger = self.tagger
            memo, tags = tagger._tags, tagger.tags
            tagged = []
            if self.low is None:
                low = self.text.lower()
                # A character whose lower case is longer ('İ') would shift the offsets.
                self.low = low if len(low) == len(self.text) else ""
            finder = tagger.finder()
            if self.low and finder is not None:
                # Only the words a lexicon may hold are visited, not every word: a word
                # that starts with a stem, or is a word of a list (what a regex would find,
                # more slowly: tests compare the two).
                low = self.low
                lo, hi = sentence
                done = -1  # the start of the last word tagged
                for last, (size, stem) in finder.iter(low, lo, hi) if len(finder) else ():
                    start = last - size + 1
                    if start == done or (start > 0 and (low[start - 1].isalnum()
                                                        or low[start - 1] == "_")):
                        continue  # inside a word (what \\w matches: letters, digits, _)
                    end = _WORD_REST.match(low, last + 1, hi).end()
                    if not stem and end != last + 1:
                        continue
                    done = start
                    word = low[start:end]
                    t = memo.get(word)
                    if t is None:
                        t = tags(word)
                    if t:
                        tagged.append((start, end, t))
            else:
                tagged = [(m.start(), m.end(), t) for m in _WORD.finditer(self.text, *sentence)
                          if (t := tags(m.group(0).lower()))]
            self._tagged[sentence] = tagged
        return tagged

    def _count(self, lexicon: Lexicon, sentence: tuple[int, int]) -> int:
        """How many words of ``lexicon`` the sentence holds (all lexicons counted at once)."""
        if sentence not in self._counts and (self.tagger is None
                                             or lexicon not in self.tagger.lexicons):
            return len(self._hits(lexicon, sentence))
        return self._sentence_counts(sentence).get(id(lexicon), 0)

    def _sentence_counts(self, sentence: tuple[int, int]) -> dict[int, int]:
        """How many words of each of the tagger's lexicons (by id) the sentence holds."""
        counts = self._counts.get(sentence)
        if counts is None:
            counts = self._counts[sentence] = {}
            for _, _, t in self._tagged_words(sentence):
                for ident in t:
                    counts[ident] = counts.get(ident, 0) + 1
        return counts

    def _topic_names(self, topics: dict[str, Lexicon]) -> dict[int, str] | None:
        """``{lexicon id: topic}`` when the tagger holds every topic, else None."""
        if self.tagger is None or any(lexicon not in self.tagger.lexicons
                                      for lexicon in topics.values()):
            return None
        return {id(lexicon): name for name, lexicon in topics.items()}

    @property
    def sentences(self) -> list[tuple[int, int]]:
        """Every sentence of the turn."""
        return self._sentences.all()

    def _outward(self, sentence: tuple[int, int], limit: int | None):
        """The match's sentence, then its neighbours alternately (at most ``limit`` each side)."""
        yield sentence
        before = after = sentence
        step = 1
        while limit is None or step <= limit:
            before = self._sentences.before(before) if before is not None else None
            after = self._sentences.after(after) if after is not None else None
            if before is None and after is None:
                return
            if before is not None:
                yield before
            if after is not None:
                yield after
            step += 1

    def find(self, lexicon: Lexicon, lo: int, hi: int, skip: tuple[int, int],
             sentence: tuple[int, int]) -> str | None:
        """A word of ``lexicon`` in ``text[lo:hi]`` (inside ``sentence``) outside ``skip``."""
        for s, e in self._hits(lexicon, sentence):
            if s >= lo and e <= hi and (e <= skip[0] or s >= skip[1]):
                return self.text[s:e]
        return None

    def sentence(self, offset: int) -> tuple[int, int]:
        """The sentence around ``offset``, or the words within SENTENCE_REACH/2 of it when
        the sentence is longer than SENTENCE_REACH."""
        start, end = self._sentences.at(offset) or (0, len(self.text))
        if end - start <= SENTENCE_REACH:
            return start, end
        half = SENTENCE_REACH // 2
        lo, hi = max(start, offset - half), min(end, offset + half)
        # Whole words at both edges: a cut word could read as a cue ("bue|no").
        if lo > start:
            space = _SPACE.search(self.text, lo, offset)
            lo = space.end() if space else offset
        if hi < end:
            spaces = [m.start() for m in _SPACE.finditer(self.text, offset, hi)]
            hi = spaces[-1] if spaces else hi
        return lo, hi

    def clauses(self, sentence: tuple[int, int]) -> list[tuple[int, int]]:
        if sentence not in self._clauses:
            self._clauses[sentence] = clauses_of_sentence(self.text, *sentence) or [sentence]
        return self._clauses[sentence]

    def read(self, start: int, end: int, rules: MoveRules | None = None,
             lexicons: dict[str, Lexicon] | None = None,
             topics: dict[str, Lexicon] | None = None, *, kept_only: bool = False) -> Reading:
        """The reading of the match ``text[start:end]`` (see the module docstring).

        ``kept_only``: when the suggestion will not be made (:meth:`Reading.kept` is
        False), stop once that is known and leave the rest of the reading out; a run
        drops such hits anyway, and about half of all hits are dropped.
        """
        rules = rules or MoveRules()
        sentence = self.sentence(start)
        reading = Reading()
        # Context and exclusion first (they decide whether there is a suggestion at all);
        # their cues are put in after polarity's and source's, the order readers show.
        late: dict[str, str] = {}
        if rules.requires_context:
            lexicon = (lexicons or {}).get(rules.requires_context)
            reading.context = self._context(start, end, sentence, rules.within, lexicon, late)
        if rules.unless_context:
            lexicon = (lexicons or {}).get(rules.unless_context)
            found = self.find(lexicon, *sentence, (start, end), sentence) if lexicon else None
            if found is not None:
                late["unless"] = found
                reading.ruled_out = True
        if kept_only and not reading.kept(rules):
            reading.cues.update(late)
            return reading
        clauses = self.clauses(sentence)
        index = max(0, bisect.bisect_right(clauses, (start, float("inf"))) - 1)
        clause_start = min(clauses[index][0], start)
        reading.polarity = self._polarity(start, end, sentence, clauses, index, clause_start, rules,
                                          reading.cues)
        reading.source = self._source(start, end, sentence, clause_start, reading.cues)
        reading.cues.update(late)
        if topics:
            reading.sector = self._sector(sentence, topics, reading.cues)
        reading.set_aside = self._set_aside(start, end, sentence, rules, lexicons or {},
                                            reading, reading.cues)
        if rules.counts_as == OWN_AFFIRMED:
            reading.marked = not (reading.source == "own" and reading.polarity == "affirmed")
        reading.cues.pop("source_default", None)
        reading.cues.pop("source_in_clause", None)
        if reading.set_aside:
            reading.cues["set_aside"] = reading.set_aside
            reading.marked = True
        return reading

    # -- the securitizing structure ---------------------------------------------------------

    def _set_aside(self, start, end, sentence, rules, lexicons, reading, cues) -> str | None:
        """Why the passage lacks the rest of a securitizing move (None: nothing lacking)."""
        sector = reading.sector
        if rules.speakers and self.kind not in rules.speakers:
            return f"not a {' or '.join(rules.speakers)} turn"
        if rules.own_explicit and cues.get("source_default"):
            cues.pop("source_default")
            return "no first-person cue (own needs one for this code)"
        if rules.own_rejected and cues.get("source_in_clause") and reading.polarity == "affirmed" \
                and not cues.get("polarity", "").endswith(REJECTION):
            # "Vamos a declarar la guerra": the speaker's own declaration (a first person in
            # its clause) is the war frame, not an end of it; narrated ("Calderón declara
            # la guerra", no person cue) or rejected it is this move.
            return "the speaker's own, not rejected (this phrase counts only attributed or rejected)"
        if rules.needs_before:
            lexicon = lexicons.get(rules.needs_before)
            if lexicon is not None:
                words = list(_WORD.finditer(self.text, sentence[0], start))[-BEFORE_REACH:]
                found = next((w.group(0) for w in reversed(words)
                              if lexicon.has(w.group(0).lower())), None)
                if found is None:
                    return f"no {rules.needs_before} word right before it"
                cues["before"] = found
        if self.kind == "moderator" and rules.counts_as == OWN_AFFIRMED:
            # The master of ceremonies announces ("el comandante supremo pasará lista"); the
            # move, if any, is someone else's.
            return "a moderator's announcement"
        # Only a sector read off the match's own sentence: a topic word two sentences away
        # says little about what this phrase is about.
        if sector and sector in rules.unless_sectors and getattr(self, "_sector_here", False):
            return f"sector {sector}"
        if rules.report_set_aside:
            quantities = self.quantities(sentence, (start, end))
            words = len(_WORD.findall(self.text, *sentence))
            if quantities >= REPORT_QUANTITIES and quantities * REPORT_DENSITY >= words:
                return f"report ({quantities} quantities in {words} words)"
        if rules.needs_nearby:
            lexicon = lexicons.get(rules.needs_nearby)
            if lexicon is not None:
                neighbours = (self._sentences.before(sentence), self._sentences.after(sentence))
                around = [sentence] + [other for other in neighbours
                                       if other is not None and other != sentence]
                for other in around:
                    found = self.find(lexicon, *other, (start, end), other)
                    if found is not None:
                        cues["threat"] = found
                        return None
                return f"no {rules.needs_nearby} word around"
        return None

    def quantities(self, sentence: tuple[int, int], skip: tuple[int, int]) -> int:
        """How many quantities the sentence holds outside ``skip`` (a run counts once; a
        year such as "2019" is a date, not a quantity)."""
        return sum(1 for m in _QUANTITY.finditer(self.text, *sentence)
                   if (m.end() <= skip[0] or m.start() >= skip[1]) and not _YEAR.fullmatch(m.group(0)))

    # -- polarity ---------------------------------------------------------------------------

    def _polarity(self, start, end, sentence, clauses, index, clause_start, rules, cues) -> str:
        text = self.text
        if self.kind == "press":
            cues["polarity"] = "press turn"
            return "question"
        opening = text.rfind("¿", sentence[0], start)
        if opening >= 0 and text.find("?", opening, start) < 0:
            cues["polarity"] = "¿"
            return "question"
        if text[sentence[1] - 1] == "?" and text.find("¿", sentence[0], sentence[1]) < 0:
            cues["polarity"] = "?"
            return "question"
        previous = clauses[index - 1][0] if index > 0 else clause_start
        for match in _CONDITIONAL.finditer(text, previous, start):
            cues["polarity"] = match.group(0)
            return "hypothetical"
        cue = self._negation(clause_start, start)
        if cue is not None:
            if rules.negation_is_move:
                cues["polarity"] = f"{cue} {REJECTION}"
                return "affirmed"
            cues["polarity"] = cue
            return "negated"
        verb = _CONDITIONAL_VERB.search(text, clause_start, start)
        if verb:
            cues["polarity"] = verb.group(0)
            return "hypothetical"
        return "affirmed"

    def _negation(self, clause_start: int, start: int) -> str | None:
        text = self.text
        endings = list(_CESSATION.finditer(text, clause_start, start))
        ending = endings[-1] if endings else None
        if ending is not None and not _PAUSE.search(text, ending.end(), start) \
                and len(_WORD.findall(text, ending.end(), start)) <= _CESSATION_REACH:
            denied = [m for m in _NEGATION.finditer(text, clause_start, ending.start())
                      if not _PAUSE.search(text, m.end(), ending.start())
                      and len(_WORD.findall(text, m.end(), ending.start())) <= _DENIED_REACH]
            if not denied:
                return ending.group(0)
            # "No se acabó la guerra": the end is denied, so what follows goes on; only a
            # negation after the verb of ending can negate it.
            clause_start = ending.end()
        last = None
        for match in _NEGATION.finditer(text, clause_start, start):
            if _NOT_ONLY.match(text, match.end()):
                continue
            if match.group(0).lower() == "no" and text[match.end():match.end() + 2].lstrip().startswith("?"):
                continue                  # the tag "¿no?"
            last = match
        if last is None:
            return None
        between = len(_WORD.findall(text, last.end(), start))
        if between <= NEGATION_REACH:
            return last.group(0)
        # A negation that opens the clause ("No se va a resolver con A, con B, con C")
        # governs the whole clause, however long its list.
        # (Only a negated verb: "no todos entienden ..." negates "todos", not the clause.)
        first = _NEGATION.search(text, clause_start, start)
        if first is not None and first.start() - clause_start <= 3 \
                and _NEGATED_VERB.match(text, first.end()):
            return first.group(0)
        # A negated verb governs the means ("con ...") that follow it, however long the list:
        # "no se va a resolver el problema sólo con policías, con cárceles, con mano dura".
        for cue in _NEGATION.finditer(text, clause_start, start):
            if not _NEGATED_VERB.match(text, cue.end()):
                continue
            items = _ITEM_BREAK.split(text[cue.end():start])
            if _WITH.search(items[0]) and all(_MEANS_ITEM.match(item) for item in items[1:]):
                return cue.group(0)
        return None

    # -- source -----------------------------------------------------------------------------

    def _source(self, start, end, sentence, clause_start, cues) -> str:
        text = self.text
        if self._inside_quotes(start, end):
            cues["source"] = "quotation marks"
            return "quoted"
        intro = _QUOTED_INTRO.search(text, sentence[0], start)
        if intro:
            cues["source"] = intro.group(0)
            return "quoted"
        # A third-person verb inside the match ("declaró la guerra") or right before it
        # ("le declararon la guerra").
        for match in _PRETERITE.finditer(text, start, end):
            if _ended_by_itself(text, match):
                continue
            cues["source"] = match.group(0)
            return "attributed"
        near = [m for m in _PRETERITE.finditer(text, max(clause_start, start - 60), start)
                if not _ended_by_itself(text, m)]
        if near and len(_WORD.findall(text, near[-1].end(), start)) <= _THIRD_REACH \
                and not _OWN.search(text, near[-1].end(), start):
            subject = self._nearest_person(clause_start, near[-1].start())
            if not (subject and subject[0] == "own"):
                cues["source"] = near[-1].group(0)
                return "attributed"
        # Reported speech: the match is inside what a third party says or wants ("dicen
        # nuestros adversarios que vamos a ...", "quieren que usemos ..."), whatever first
        # person the report itself holds.
        frames = list(_REPORTING.finditer(text, max(clause_start, start - PERSON_REACH), start))
        if frames:
            cues["source"] = frames[-1].group(0)
            return "attributed"
        # The clause first, then the sentence, but never further back than PERSON_REACH
        # characters: the nearest cue is what counts, and a long sentence's far start says
        # little about who speaks at the match.
        floor = start - PERSON_REACH
        clause_lo, sentence_lo = max(clause_start, floor), max(sentence[0], floor)
        for lo in (clause_lo,) if clause_lo == sentence_lo else (clause_lo, sentence_lo):
            nearest = self._nearest_person(lo, start)
            if nearest is not None:
                kind, word = nearest
                cues["source"] = word
                if kind == "own" and lo == clause_lo:
                    cues["source_in_clause"] = word  # (for `own: rejected`; not stored)
                return "own" if kind == "own" else "attributed"
        # "..., según el gobierno anterior": the source named after the match.
        after = _ACCORDING_AFTER.search(text, end, min(sentence[1], end + ACCORDING_REACH))
        if after is not None:
            cues["source"] = after.group(0)
            return "attributed"
        cues["source_default"] = "no person cue"
        return "own"

    def _nearest_person(self, lo: int, hi: int) -> tuple[str, str] | None:
        text = self.text
        best: tuple[int, str, str] | None = None
        for kind, regex in (("own", _OWN), ("third", _THIRD)):
            for match in regex.finditer(text, lo, hi):
                if kind == "own" and not _is_first_plural(match.group(0)):
                    continue
                if best is None or match.start() > best[0] or (
                        match.start() == best[0] and kind == "own"):
                    best = (match.start(), kind, match.group(0))
        return None if best is None else (best[1], best[2])

    def _inside_quotes(self, start: int, end: int) -> bool:
        text = self.text
        line_start = text.rfind("\n", 0, start) + 1
        before = text[line_start:start]
        for opener, closer in _OPEN_CLOSE.items():
            if before.rfind(opener) > before.rfind(closer):
                return True
        return before.count('"') % 2 == 1

    # -- context and topic ------------------------------------------------------------------

    def _context(self, start, end, sentence, within, lexicon, cues) -> str | None:
        if lexicon is None:
            return None
        # The sentence first: without a word there, the clause (inside it) has none either,
        # and the clauses need not be split.
        in_sentence = self.find(lexicon, *sentence, (start, end), sentence)
        if in_sentence is None:
            if within == "turn":
                for other in self._outward(sentence, None):
                    if other != sentence:
                        found = self.find(lexicon, *other, (start, end), other)
                        if found is not None:
                            cues["context"] = found
                            return "turn"
            return None
        clauses = self.clauses(sentence)
        clause = clauses[max(0, bisect.bisect_right(clauses, (start, float("inf"))) - 1)]
        found = self.find(lexicon, *clause, (start, end), sentence)
        if found is not None:
            cues["context"] = found
            return "clause"
        if within != "clause":
            cues["context"] = in_sentence
            return "sentence"
        return None

    def _sector(self, sentence, topics, cues) -> str | None:
        self._sector_here = False
        counts = dict.fromkeys(topics, 0)
        # The topic of each lexicon id, when the tagger knows every topic (a run's reader
        # does): a sentence's counts are then added in one pass over its few tagged ids.
        names = self._topic_names(topics)
        for other in self._outward(sentence, SECTOR_REACH):
            if names is None:
                for name, lexicon in topics.items():
                    counts[name] += self._count(lexicon, other)
            else:
                added = False
                for ident, n in self._sentence_counts(other).items():
                    name = names.get(ident)
                    if name is not None:
                        counts[name] += n
                        added = True
                if not added:
                    continue  # the counts, and so the verdict, are as after the last sentence
            best = max(counts.values(), default=0)
            winners = [name for name, n in counts.items() if n == best]
            if best and len(winners) == 1:
                cues["sector"] = winners[0]
                self._sector_here = other == sentence
                return winners[0]
        return None


def read_move(text: str, start: int, end: int, *, kind: str | None = None,
              rules: MoveRules | None = None, lexicons: dict[str, Lexicon] | None = None,
              topics: dict[str, Lexicon] | None = None) -> Reading:
    """The reading of the match ``text[start:end]`` in a turn ``text`` by a ``kind`` speaker."""
    tagger = Tagger([*(lexicons or {}).values(), *(topics or {}).values()])
    return TurnReader(text, kind, tagger).read(start, end, rules, lexicons, topics)


@dataclass
class MoveBook:
    """The codebook's move rules per code, its lexicons and topics, ready to read with."""

    rules: dict[str, MoveRules] = field(default_factory=dict)
    # (code, pattern id) -> the rules of a pattern that has its own `move:`
    pattern_rules: dict[tuple[str, str], MoveRules] = field(default_factory=dict)
    lexicons: dict[str, Lexicon] = field(default_factory=dict)
    topics: dict[str, Lexicon] = field(default_factory=dict)
    _tagger: Tagger | None = None

    def tagger(self) -> Tagger:
        """One tagger for every lexicon and topic of the book (shared by all turns)."""
        if self._tagger is None:
            self._tagger = Tagger([*self.lexicons.values(), *self.topics.values()])
        return self._tagger

    def reader(self, text: str, kind: str | None = None) -> TurnReader:
        """A :class:`TurnReader` for one turn that shares the book's word memo."""
        return TurnReader(text, kind, self.tagger())

    def for_code(self, code: str, pattern: str | None = None) -> MoveRules:
        """A code's rules (a code without any declaration: the defaults), or those of one of
        its patterns when that pattern has a `move:` of its own."""
        if pattern is not None and self.pattern_rules:
            rules = self.pattern_rules.get((code, pattern))
            if rules is not None:
                return rules
        return self.rules.get(code) or MoveRules()


def move_book_from_yaml(text: str) -> MoveBook:
    """:func:`move_book` of a stored codebook's YAML, without re-validating its patterns.

    The project keeps the YAML of the codebook it validated on load; reading only the
    `move:` entries, lexicons and topics from it spares every run the spaCy validation
    of all patterns.
    """
    import yaml

    from ..codebook.load import code_entries
    from ..codebook.model import Code

    # The stored YAML was checked when the codebook was loaded; libyaml's parser (when
    # PyYAML has it) reads it about ten times faster, and every run reads it.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(text, Loader=loader) or {}  # noqa: S506 - a safe loader
    codes: list[Code] = []
    parent_of: dict[int, str] = {}  # id() of a children list -> the code that holds it
    for holder, item, _ in code_entries(data.get("codes") or []):
        codes.append(Code(id=str(item["id"]), name=str(item.get("name", "")),
                          parent=parent_of.get(id(holder)) or item.get("parent"),
                          move=item.get("move") or {},
                          patterns=[p for p in item.get("patterns") or []
                                    if isinstance(p, dict) and p.get("move")]))
        if isinstance(item.get("children"), list):
            parent_of[id(item["children"])] = str(item["id"])

    class _Book:
        pass

    book = _Book()
    book.codes = codes
    book.lexicons = {str(k): [str(w) for w in v] for k, v in (data.get("lexicons") or {}).items()}
    book.topics = {str(k): [str(w) for w in v] for k, v in (data.get("topics") or {}).items()}
    return move_book(book)


def move_book(codebook) -> MoveBook:
    """Each code's effective :class:`MoveRules` (a code inherits its ancestors' ``move:``)."""
    by_id = {code.id: code for code in codebook.codes}
    book = MoveBook(lexicons={name: Lexicon(words) for name, words in codebook.lexicons.items()},
                    topics={name: Lexicon(words) for name, words in codebook.topics.items()})
    for code in codebook.codes:
        chain, current, seen = [], code, set()
        while current is not None and current.id not in seen:
            seen.add(current.id)
            chain.append(current)
            current = by_id.get(current.parent) if current.parent else None
        merged: dict = {}
        for ancestor in reversed(chain):
            merged.update(ancestor.move or {})
        book.rules[code.id] = _rules(merged)
        for entry in code.patterns:
            # A pattern's own `move:` (how its phrase reads) overrides its code's.
            if isinstance(entry, dict) and entry.get("move"):
                book.pattern_rules[(code.id, str(entry.get("id")))] = _rules(
                    {**merged, **entry["move"]})
    return book


def _rules(merged: dict) -> MoveRules:
    """:class:`MoveRules` from a merged ``move:`` mapping."""
    return MoveRules(
        requires_context=merged.get("requires_context"),
        within=merged.get("within", "sentence"),
        counts_as=merged.get("counts_as"),
        unless_context=merged.get("unless_context"),
        negation_is_move=merged.get("negation") == "part-of-move",
        needs_nearby=merged.get("needs_nearby"),
        unless_sectors=tuple(_names(merged.get("unless_sector"))),
        report_set_aside=merged.get("report") == "set-aside",
        needs_before=merged.get("needs_before"),
        own_explicit=merged.get("own") == "explicit",
        own_rejected=merged.get("own") == "rejected",
        speakers=tuple(_names(merged.get("speakers"))),
    )


def _names(value) -> list[str]:
    """Topic names from a ``move:`` value: "covid disaster", "covid, disaster" or a list."""
    if not value:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [name for name in re.split(r"[\s,]+", str(value)) if name]


def keep_longest(hits: list[tuple]) -> list[tuple]:
    """Of overlapping hits ``(code, pattern, start, end)`` of one code, only the longest.

    Nested and overlapping duplicates of one code point at one passage; the longest match
    says most.  A hit is kept unless a hit of its code ranked before it overlaps it (rank:
    longer first, then the earlier start, then the pattern id), so a hit nested in a hit
    that itself lost to a longer one is dropped too.
    """
    by_code: dict[str, list[tuple]] = {}
    for hit in set(hits):
        by_code.setdefault(hit[0], []).append(hit)
    kept: list[tuple] = []
    for code_hits in by_code.values():
        code_hits.sort(key=lambda h: (-(h[3] - h[2]), h[2], h[1]))
        for i, hit in enumerate(code_hits):
            # kept unless a hit ranked before it (longer, or as long and earlier) overlaps it
            if all(hit[3] <= other[2] or hit[2] >= other[3] for other in code_hits[:i]):
                kept.append(hit)
    return kept
