"""Speaker lines → canonical speakers.

A raw speaker line ("PRESIDENTE DE MÉXICO, ANDRÉS MANUEL LÓPEZ OBRADOR",
"JOSÉ RAFAEL OJEDA DURÁN, SECRETARIO DE MARINA", "INTERLOCUTORA") is split into a person's
name, a title/role, and a kind (president, official, press, moderator, other, unknown).

*Rules for one line* (:func:`parse_speaker`):

- Generic voices (PREGUNTA, INTERLOCUTORA, MODERADOR, VOCES A CORO, ???) become one speaker
  each: Press, Moderator, Other voices, Unknown speaker.  A line of one or two words that
  is a near miss of a voice name (INTERLOCTORA, PREGUNTO, MODERADO) counts as that voice.
- A line that opens with "(" is a stage direction ("(PROYECCIÓN DE VIDEO)"): all of them
  share the speaker "Stage direction" (kind other).  Lines that cannot name a person (a
  heading such as "AL PUEBLO DE MÉXICO", "TRANSLATOR'S NOTES", a date, a document number,
  a party acronym heading a vote tally) share "Not a speaker" (kind other).  Both keep
  kind other, not unknown, because nobody unidentified spoke; what the line said is kept
  as the alias's title.
- A role is split off after a comma, after ". " or before a role word (SECRETARIO,
  DIRECTORA, GOBERNADOR, PRESIDENTE DE ...) that follows at least two name words; a
  leading title (PRESIDENTE, DR., LIC. ...) is stripped.  What was stripped is stored as
  the alias's title.
- The *key* of a name is its folded form (no accents, upper case) with hyphens as spaces,
  punctuation and middle initials dropped: "HUGO LÓPEZ-GATELL RAMÍREZ." and "Hugo López
  Gatell Ramírez" share a key, and so one canonical speaker.

*Rules across lines* (:class:`SpeakerResolver`): when an import meets a person's key for the
first time it is compared with the person keys already known (in the project and in this
import), and the new spelling joins that speaker when it is

- the same name written more fully or shorter: one key's words are a contiguous run of
  the other's ("RAFAEL OJEDA DURÁN" / "JOSÉ RAFAEL OJEDA DURÁN"), or the longer has one
  or two more given names after the same first name, with the same surnames ("ZOÉ
  ROBLEDO ABURTO" / "ZOÉ ALEJANDRO ROBLEDO ABURTO"); the shorter must have at least three
  name words (particles such as DE LA do not count);
- the same name with a typo: the same number of words, rapidfuzz ratio >= 92 over the
  whole key, and each differing word one edit away (two for a same-length word of six
  letters or more), with the same first letter (or the first letter lost: OSÉ/JOSÉ) and,
  among given names, not a masculine/feminine pair (GABRIEL/GABRIELA); or the same
  letters split otherwise (SANTAMARÍA / SANTA MARÍA).

Two-word names never join this way ("ARTURO HERRERA" stays apart from "ARTURO HERRERA
GUTIÉRREZ"), and a spelling that would join two different speakers joins neither.  When
the new spelling is the known name written more fully, the speaker takes the fuller name.

*Kind president* means the head of the event (AMLO in this corpus): a line whose leading
title is PRESIDENTE/PRESIDENT (or whose role is "Presidente de México") gives it, but a
person also seen with a role after the name ("DONALD TRUMP, PRESIDENTE DE ESTADOS UNIDOS")
is an official, whichever line comes first.

Users fix what the rules get wrong with :func:`coder.corpus.roster.merge_speakers`; the fix is stored and
later imports follow it (new spellings of a merged person too).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import CoderError
from ..project import Project
from .kinds import PERSON_KINDS

if TYPE_CHECKING:
    from .administrations import Administration

PRESS = "Press"
MODERATOR = "Moderator"
OTHER_VOICES = "Other voices"
UNKNOWN = "Unknown speaker"
STAGE_DIRECTION = "Stage direction"
NOT_A_SPEAKER = "Not a speaker"
RECORDING = "Recording"
VOICE = "Unidentified voice"
PRESIDENT_ROLE = "Presidente"  # the role of a president whose line names none

# Generic voices, after folding (accents removed, upper case).
_PRESS_VOICES = re.compile(
    r"^(PREGUNTA|PREGUNTAS|INTERLOCUTOR|INTERLOCUTORA|INTERLOCUTORES|REPORTERO|REPORTERA|"
    r"PERIODISTA|QUESTION|Q|REPORTER|PRESS)$"
)
# An unidentified voice: a reporter when the turn asks something, else a narrator,
# someone in a clip or in the audience, a testimony at an event (kind voice).  An
# "INTERVENCIÓN" is one of these: at events it is mostly a testimony or a shout from the
# audience, and a reporter's intervention asks something.
_UNIDENTIFIED_VOICES = re.compile(
    r"^(VOZ( DE)? (MUJER|HOMBRE)|VOZ|VOZ EN OFF( (DE )?(MUJER|HOMBRE))?|NARRADOR|NARRADORA|"
    r"LOCUTOR|LOCUTORA|VOICE|VOICE OVER|NARRATOR|SPEAKER|"
    r"INTERVENCION( DE)?( (MUJER|HOMBRE))?|INTERVENCION (EN|DESDE) EL (AUDITORIO|PUBLICO)|"
    r"AUDIENCE MEMBER|PARTICIPANTE|ASISTENTE|INVITADO|INVITADA|PARTICIPANT)$")
_MODERATOR_VOICES = re.compile(
    r"^(MODERADOR|MODERADORA|MODERATOR|PRESENTADOR|PRESENTADORA|CONDUCTOR|CONDUCTORA|MC|"
    r"MAESTR[OA] DE CEREMONIAS|MASTER OF CEREMONIES)$")
_OTHER_VOICES = re.compile(
    r"^(VOCES( A CORO)?|VOZ( DE)? (NINA|NINO|NINOS|NINAS)|"
    r"NINO|NINA|NINOS|NINAS|JOVEN|INDIGENA|ASISTENTES|PUBLICO|CORO|CROWD|VOICES|PARTICIPANTES|"
    # An interpreter voices someone else's words: never a person of the conference.
    r"(INTERPRETE|TRADUCTOR|TRADUCTORA|INTERPRETER|TRANSLATOR|INTERPRETACION|TRADUCCION)"
    r"( (DEL?|DE LA|AL|OF|FOR) .*)?)$"
)
_RECORDING_VOICES = re.compile(r"^(VIDEO|AUDIO|GRABACION|CLIP|CAPSULA|SPOT|RECORDING)$")
_UNKNOWN_VOICES = re.compile(r"^(\?+|DESCONOCIDO|DESCONOCIDA|INAUDIBLE|UNKNOWN)$")
_VOICES = ((_PRESS_VOICES, PRESS, "press"), (_UNIDENTIFIED_VOICES, VOICE, "voice"),
           (_MODERATOR_VOICES, MODERATOR, "moderator"), (_OTHER_VOICES, OTHER_VOICES, "voice"),
           (_RECORDING_VOICES, RECORDING, "recording"), (_UNKNOWN_VOICES, UNKNOWN, "unknown"))
# Voice names a mistyped line of one or two words is compared with (rapidfuzz ratio >= 85).
# Only names of six letters or more: a short word is one typo away from too many others.
_VOICE_SPELLINGS = {
    "PREGUNTA": (PRESS, "press"), "INTERLOCUTOR": (PRESS, "press"),
    "INTERLOCUTORA": (PRESS, "press"), "INTERVENCION": (VOICE, "voice"),
    "REPORTERO": (PRESS, "press"), "REPORTERA": (PRESS, "press"),
    "PERIODISTA": (PRESS, "press"), "VOZ MUJER": (VOICE, "voice"),
    "VOZ HOMBRE": (VOICE, "voice"), "MODERADOR": (MODERATOR, "moderator"),
    "MODERADORA": (MODERATOR, "moderator"), "PRESENTADOR": (MODERATOR, "moderator"),
    "PRESENTADORA": (MODERATOR, "moderator"),
}
VOICE_FUZZ = 85
NAME_FUZZ = 92  # rapidfuzz ratio over a whole key for a typo match (see the docstring)
# Keys of the speakers that stand for many people: never matched with a person's name.
GENERIC_KEYS = frozenset(name.upper() for name in (PRESS, MODERATOR, OTHER_VOICES, UNKNOWN,
                                                    STAGE_DIRECTION, NOT_A_SPEAKER, RECORDING,
                                                    VOICE))

# Titles that can precede a name; PRESIDENT(E) as a leading title marks the head of the event.
_TITLES = [
    "PRESIDENTE DE LOS ESTADOS UNIDOS MEXICANOS", "PRESIDENTE DE MEXICO", "PRESIDENT OF MEXICO",
    "PRESIDENTA DE LOS ESTADOS UNIDOS MEXICANOS", "PRESIDENTA DE MEXICO", "C. PRESIDENTA",
    "PRESIDENTE", "PRESIDENTA", "PRESIDENT", "C. PRESIDENTE", "SECRETARIO", "SECRETARIA",
    "SUBSECRETARIO", "SUBSECRETARIA", "GENERAL", "ALMIRANTE", "DOCTOR", "DOCTORA", "DR.", "DRA.",
    "LIC.", "LICENCIADO", "LICENCIADA", "INGENIERO", "INGENIERA", "ING.", "SENADOR", "SENADORA",
    "GOBERNADOR", "GOBERNADORA", "MAESTRO", "MAESTRA", "MTRO.", "MTRA.", "SR.", "SRA.", "MR.",
    "MRS.", "MS.", "SECRETARY", "AMBASSADOR", "EMBAJADOR", "EMBAJADORA", "BENEFICIARIO",
    "BENEFICIARIA", "SENOR", "SENORA", "CANCILLER",
]
# Titles by first word: a line is compared with the few that can start it.
_TITLES_BY_WORD = {word: [title for title in _TITLES if title.split()[0] == word]
                   for word in {title.split()[0] for title in _TITLES}}
_PRESIDENT_TITLES = {"PRESIDENTE", "PRESIDENTA", "PRESIDENT", "C. PRESIDENTE", "C. PRESIDENTA",
                     "PRESIDENTE DE MEXICO", "PRESIDENTA DE MEXICO", "PRESIDENT OF MEXICO",
                     "PRESIDENTE DE LOS ESTADOS UNIDOS MEXICANOS",
                     "PRESIDENTA DE LOS ESTADOS UNIDOS MEXICANOS"}
# A role after the name that still names the head of the event (Mexico's president).
_HEAD_ROLE = re.compile(
    r"^(C\. )?PRESIDENT[EA]( CONSTITUCIONAL)? DE (MEXICO|LOS ESTADOS UNIDOS MEXICANOS|LA REPUBLICA)$"
    r"|^PRESIDENT OF (MEXICO|THE UNITED MEXICAN STATES)$")
# Words whose typos ("PRSIDENTE", "PRESDIDENTE", "RESIDENTE", "GOBERNDOR") still open a
# title or a role: a first word this close to one of them (and not a name) is read as it.
_TITLE_WORDS = ("PRESIDENTE", "PRESIDENTA", "SECRETARIO", "SECRETARIA", "SUBSECRETARIO",
                "SUBSECRETARIA", "GOBERNADOR", "GOBERNADORA", "DIRECTOR", "DIRECTORA")
# Words that open a role when a line has no comma: "MARCELO EBRARD CASAUBON SECRETARIO DE
# RELACIONES EXTERIORES".  Words that are also surnames (ALCALDE: Luisa María Alcalde
# Luján) or that head many non-role phrases (PRESIDENTE) only count before DE/DEL.
_ROLE_WORDS = frozenset(
    "SECRETARIO SECRETARIA SUBSECRETARIO SUBSECRETARIA DIRECTOR DIRECTORA SUBDIRECTOR "
    "SUBDIRECTORA GOBERNADOR GOBERNADORA COMANDANTE TITULAR COORDINADOR COORDINADORA "
    "EMBAJADOR EMBAJADORA JEFE JEFA FISCAL PROCURADOR PROCURADORA SUBPROCURADOR SUBPROCURADORA "
    "SENADOR SENADORA DIPUTADO DIPUTADA VOCERO VOCERA COMISIONADO COMISIONADA CONSEJERO "
    "CONSEJERA REPRESENTANTE CANCILLER".split())
_ROLE_WORDS_BEFORE_DE = frozenset({"PRESIDENTE", "PRESIDENTA", "ALCALDE", "ALCALDESA"})
# A name never starts with these (a heading does: "AL PUEBLO DE MÉXICO").
_NOT_NAME_START = frozenset({"AL", "A", "EL", "LOS", "LAS", "PARA", "POR", "CON", "EN", "SOBRE",
                             "TO", "THE", "FOR"})
# An article before a title, a role or a voice is part of neither: "EL PRESIDENTE",
# "LA SECRETARIA DE GOBERNACIÓN, <NAME>", "LA MODERADORA", "THE PRESIDENT".
_ARTICLES = frozenset({"EL", "LA", "THE"})
# Party acronyms alone on a speaker line: the labels of a vote tally read out ("PRD" then
# "a favor siete, en contra uno"), not speakers.  (MC is the master of ceremonies.)
_PARTIES = frozenset({"PRD", "PT", "PAN", "PRI", "MORENA", "PVEM", "PES", "PANAL"})
# Words of document headings, never of a person's name.
_HEADING_WORDS = frozenset({"NOTA", "NOTAS", "NOTE", "NOTES", "VERSION", "ESTENOGRAFICA",
                            "TRANSCRIPCION", "TRANSCRIPT"})
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]")
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_PARTICLES = {"de", "del", "la", "las", "los", "y", "e", "van", "von", "da", "di", "of", "the"}
_KEY_PARTICLES = frozenset(word.upper() for word in _PARTICLES)
_KEY_SPACES = re.compile(r"[-\u2010-\u2015/]")
_KEY_PUNCTUATION = re.compile(r"[^\w\s]")


def fold_name(text: str) -> str:
    """Upper case without accents or invisible characters, single-spaced."""
    text = _COMBINING.sub("", unicodedata.normalize("NFKD", _INVISIBLE.sub("", text)))
    return " ".join(text.upper().split())


def clean(raw: str) -> str:
    """The raw line without invisible characters, surrounding space or a trailing colon."""
    text = " ".join(_INVISIBLE.sub("", raw).split())
    return text.rstrip(":").strip()


def name_key(name: str) -> str:
    """The key spellings of one name share: folded, hyphens as spaces, no punctuation, and
    no middle initials ("DONALD J. TRUMP" → "DONALD TRUMP")."""
    return _key(fold_name(name))


def _key(folded: str) -> str:
    words = _KEY_PUNCTUATION.sub("", _KEY_SPACES.sub(" ", folded)).split()
    if len(words) >= 3:
        # Transcribers add or drop a middle initial; the first word is kept (it may be the
        # only given name: "J. ÁNGEL ...").
        words = words[:1] + [w for w in words[1:] if len(w) > 1 or w in _KEY_PARTICLES]
    return " ".join(words)


# Letters that start a capitalised part of a word: after a hyphen, slash, opening quote or
# bracket; after an apostrophe only when more letters follow (O'Brien, but Translator's).
_CAPITAL_AFTER = re.compile(r"(^|[-/‘“«(¿¡\"])(\w)|(['’])(\w)(?=\w)")
_ACRONYM = re.compile(r"^\(\W*[A-ZÁÉÍÓÚÜÑ][A-ZÁÉÍÓÚÜÑ/&.\-]*\W*\)\W*$")


def display_name(name: str) -> str:
    """'ANDRÉS MANUEL LÓPEZ OBRADOR' → 'Andrés Manuel López Obrador' (particles lower case,
    acronyms in parentheses kept: '(IMSS)'; capitals after quotes and slashes)."""
    if not name.isupper():
        return name
    words = []
    for i, word in enumerate(name.split()):
        lower = word.lower()
        if _ACRONYM.match(word):
            words.append(word)
        elif i and lower in _PARTICLES:
            words.append(lower)
        else:
            words.append(_CAPITAL_AFTER.sub(
                lambda m: (m.group(1) or m.group(3) or "") + (m.group(2) or m.group(4)).upper(),
                lower))
    return " ".join(words)


@dataclass(frozen=True)
class SpeakerLine:
    """What the rules read from one raw speaker line.

    ``kind`` is the line's own kind: president (a head-of-event title such as PRESIDENTE
    before the name), official, guest, other (a name with nothing more), press, voice
    (VOZ MUJER ...: press only when the turn asks), moderator, recording, unknown.  Whether
    a turn is the president's is decided per turn, from the administrations (see
    :mod:`coder.corpus.reconcile`).  ``note`` is a parenthetical kept apart from the name
    ("VIDEO", "EN ESE MOMENTO JEFE DE GOBIERNO"); ``role_only`` marks a line that names a
    role and no person ("SECRETARIO DE MARINA").
    """

    raw: str
    key: str
    name: str
    kind: str
    role: str | None = None
    title: str | None = None
    note: str | None = None
    role_only: bool = False
    clip: bool = False  # a person heard in a recording: "NAME (VIDEO)"

    @property
    def person(self) -> bool:
        """True for a named person (not a generic voice, stage direction, heading or role)."""
        return self.kind in PERSON_KINDS and self.key not in GENERIC_KEYS and not self.role_only

    @property
    def stripped(self) -> str | None:
        """What the rules took off the name (title, role, note): the alias's title."""
        parts = [self.title if self.title else None,
                 self.role if self.role and self.role != PRESIDENT_ROLE else None,
                 f"({self.note})" if self.note else None]
        joined = "; ".join(p for p in parts if p)
        return joined or (self.role if self.role else None)


def _generic(raw: str, name: str, kind: str, title: str | None) -> SpeakerLine:
    return SpeakerLine(raw, fold_name(name), name, kind, None, title)


# A parenthetical about a recording: the person is heard in a clip, not live.
_CLIP_NOTE = re.compile(r"VIDEO|AUDIO|GRABACI|CLIP|CAPSULA|SPOT|ARCHIVO|PROYECCI|EN LINEA|"
                        r"VIDEOCONFERENCIA|ENLACE|REMOTO|VIRTUAL|TRANSMISI", re.I)
# A stage direction that plays a recording: "(PROYECCIÓN DE VIDEO)".
_RECORDING_DIRECTION = re.compile(r"VIDEO|AUDIO|GRABACI|CLIP|CAPSULA|SPOT|PROYECCI")
# "VOZ DEL PRESIDENTE ...", "VOZ DE <NAME>", "AUDIO DE ...": a clip label, not a person.
_CLIP_LABEL = re.compile(r"^(VOZ (DEL?|DE LA|DE LOS) (?!MUJER|HOMBRE|NIN)|(VIDEO|AUDIO|GRABACION|"
                         r"CLIP|CAPSULA|SPOT|PROYECCION|MENSAJE GRABADO)\b)")
_PARENTHETICAL = re.compile(r"\s*\(([^()]*)\)?\s*")
# An acronym in parentheses ends a role ("... DEL SEGURO SOCIAL (IMSS)"): part of it.
_ACRONYM_NOTE = re.compile(r"^[A-ZÁÉÍÓÚÜÑ][A-ZÁÉÍÓÚÜÑ0-9&./\- ]{0,14}$")
# One-word notes that are no acronym.
_NOTE_WORDS = frozenset({"INAUDIBLE", "SIC", "RISAS", "APLAUSOS", "TRADUCCION", "INTERPRETACION",
                         "INTERPRETE", "ARCHIVO", "OFF", "INTERPRETATION", "TRANSLATION",
                         "INTERPRETER", "TRANSLATOR", "LAUGHTER", "APPLAUSE", "CROSSTALK"})
# Digits inside a name are typos ("MANU6EL"): letters with digits attached.
_DIGIT_IN_WORD = re.compile(r"(?<=[^\W\d_])\d+|\d+(?=[^\W\d_])")


def _split_notes(text: str) -> tuple[str, list[str]]:
    """The line without its parentheticals, and the parentheticals (acronyms stay put)."""
    notes: list[str] = []

    def take(match: re.Match) -> str:
        inner = match.group(1).strip()
        if (_ACRONYM_NOTE.match(inner) and len(inner.split()) == 1
                and not _CLIP_NOTE.search(fold_name(inner)) and fold_name(inner) not in _NOTE_WORDS):
            return match.group(0)  # "(IMSS)": part of the role
        notes.append(inner)
        return " "

    return " ".join(_PARENTHETICAL.sub(take, text).split()), notes


def parse_speaker(raw: str | None) -> SpeakerLine:
    """Split a raw speaker line into name, role/title, note and kind."""
    if raw is None or not clean(raw):
        return _generic(raw or "", UNKNOWN, "unknown", None)
    text = clean(raw)
    if text.startswith("("):
        # "(PROYECCIÓN DE VIDEO)", "(MINUTO DE APLAUSOS)": what happened, not who spoke.
        inner = text.strip("() ") or None
        if inner and _RECORDING_DIRECTION.search(fold_name(inner)):
            return _generic(raw, RECORDING, "recording", inner)
        return _generic(raw, STAGE_DIRECTION, "other", inner)
    # Parentheticals are notes about the turn ("(VIDEO)", "(INAUDIBLE)", "(EN ESE MOMENTO
    # JEFE DE GOBIERNO)", "(INTERPRETACIÓN DEL INGLÉS)"), never part of a name or a role.
    text, notes = _split_notes(text)
    note = "; ".join(notes) or None
    clip = bool(note) and bool(_CLIP_NOTE.search(fold_name(note)))
    # A trailing dot or comma is a typo, never part of a name or role.
    text = _without_article(text.rstrip(".,; ") or text)
    folded_text = fold_name(text)
    if _CLIP_LABEL.match(folded_text):
        return SpeakerLine(raw, fold_name(RECORDING), RECORDING, "recording", None, text, note)
    voice = _voice(folded_text)
    if voice:
        name, kind = voice
        return SpeakerLine(raw, fold_name(name), name, kind, None, text, note)

    role = None
    title = None
    name = text
    if "," in text:
        left, right = (part.strip() for part in text.split(",", 1))
        folded_left, folded_right = fold_name(left), fold_name(right)
        if right and (_leading_title(folded_left) == folded_left or
                      (_role_phrase(folded_left) and not _role_phrase(folded_right))):
            # "PRESIDENTE DE MÉXICO, ANDRÉS MANUEL LÓPEZ OBRADOR",
            # "SECRETARIO DE MARINA, JOSÉ RAFAEL OJEDA DURÁN": the role comes first.
            if _leading_title(folded_left) == folded_left and not _role_phrase(folded_left):
                title = left
            else:
                role = left
            name = right
            if "," in name and not _role_phrase(fold_name(name)):
                name, more = (part.strip() for part in name.split(",", 1))
                role = f"{role}, {more}" if role else more
        elif right and _voice(folded_left) and not _voice(folded_right) \
                and not _role_phrase(folded_right) and not _leading_title(folded_right):
            # "MODERADORA, LUCÍA PÉREZ", "PERIODISTA, JUAN LÓPEZ": a voice's word first and
            # the person's name after it, read as "LUCÍA PÉREZ, MODERADORA" is.
            name, role = right, left
        else:
            # "JOSÉ RAFAEL OJEDA DURÁN, SECRETARIO DE MARINA"
            name, role = left, right
    if not role and not title and _role_phrase(fold_name(name)):
        # A role first and the name after it with no comma ("SECRETARIA DE ENERGÍA ROCÍO
        # GARZA LUNA"): the name is what follows the role's last complement.
        role_first = _split_role_first(name)
        if role_first:
            role, name = role_first
    if not role and not title and _role_phrase(fold_name(name)):
        # A role and no name: "FISCAL GENERAL DE LA REPÚBLICA".  Who held it is for the
        # rules across lines (the document, the role elsewhere) to say.
        role_text = name.rstrip(".,; ")
        kind = "president" if _HEAD_ROLE.match(_fix_typo(fold_name(role_text))) else role_kind(role_text)
        return SpeakerLine(raw, "@" + _key(fold_name(role_text)), f"[{display_name(role_text)}]", kind,
                           role_text, None, note, role_only=True, clip=clip)
    folded_name = fold_name(name)
    titles = None if role else _only_titles(folded_name)
    if titles:
        # Titles and no name ("PRESIDENTA", "SR. PRESIDENTE", "DOCTORA"): a role without
        # a name, like "FISCAL GENERAL DE LA REPÚBLICA", never a person called so.
        kind = "president" if any(t in _PRESIDENT_TITLES for t in titles) else role_kind(name)
        return SpeakerLine(raw, "@" + _key(folded_name), f"[{display_name(name)}]", kind, name,
                           title, note, role_only=True, clip=clip)
    lead = _leading_title(folded_name)
    if lead and lead != folded_name:
        words = len(lead.split())
        title = " ".join(filter(None, [title, " ".join(name.split()[:words])]))
        name = " ".join(name.split()[words:])
    # "LUIS ... GONZÁLEZ. SECRETARIO DE ..." or "MARCELO EBRARD CASAUBON SECRETARIO DE ...":
    # a role with no comma before it.
    name, inner_role = _split_role(name)
    if inner_role:
        role = f"{inner_role}, {role}" if role else inner_role
    name = _DIGIT_IN_WORD.sub("", name.rstrip(".,; "))
    folded_name = fold_name(name)
    if _not_a_name(name, folded_name):
        return _generic(raw, NOT_A_SPEAKER, "other", text)
    folded_title = _fix_typo(fold_name(title)) if title else None
    head_title = bool(folded_title) and (folded_title in _PRESIDENT_TITLES
                                         or folded_title.split(" ")[0] in {"PRESIDENTE", "PRESIDENTA",
                                                                           "PRESIDENT"})
    head_role = bool(role) and bool(_HEAD_ROLE.match(_fix_typo(fold_name(role))))
    if (head_title and not role) or head_role:
        kind = "president"
        role = role or PRESIDENT_ROLE
    elif role:
        kind = role_kind(role)
    elif title:
        kind = role_kind(title)
    else:
        kind = "other"
    return SpeakerLine(raw, _key(folded_name), display_name(name), kind, role, title, note,
                       clip=clip)


# Roles of foreign states and governments: a guest, whatever the office.
_FOREIGN_ROLE = re.compile(
    r"PRIMER[OA]? MINISTR|VICEPRIMER|\bREY\b|\bREINA\b|\bPRINCIPE\b|\bPRINCESA\b|"
    r"REPUBLICA (DE|DEL|POPULAR|FEDERAL|BOLIVARIANA|ARGENTINA|FRANCESA|ITALIANA|DOMINICANA)\b|"
    r"\bESTADOS UNIDOS(?! MEXICANOS)|\bGOBIERNO DE (?!MEXICO|(LA )?CIUDAD|LA REPUBLICA$)|"
    r"\bSECRETARI[OA] DE ESTADO\b|\bNACIONES UNIDAS\b|\bONU\b|\bOEA\b|\bEMBAJADOR[A]? DE (?!MEXICO)|"
    r"\bCANCILLER DE (?!MEXICO)")
# Roles in business and organised civil society: a guest, whatever the office.
_BUSINESS_ROLE = re.compile(
    r"\bGRUPO\b|\bEMPRESA|\bS\.? ?A\.?\b|\bA\.? ?C\.?$|\bAC\b|EMPRESARIAL|\bCAMARA NACIONAL DE|"
    r"CONFEDERACION|SINDICATO|ASOCIACION|FUNDACION|UNIVERSIDAD|TECNOLOGICO DE|\bBANCO\b|"
    r"CORPORATIVO|COMPANIA|ORGANIZACION|SOCIEDAD CIVIL")
# Descriptions of people outside government (unless the role also names an office).
_PRIVATE_ROLE = re.compile(
    r"PREMIO|ATLETA|BECARI|BENEFICIARI|TUTOR|"
    r"ESTUDIANTE|ALUMN|PROFESOR|EMPRENDEDOR|MANAGER|DEFENSOR|ACTIVISTA|PERIODISTA|REPORTER|"
    r"COMUNIDAD|PUEBLO|PRODUCTOR|SEMBRADOR|EJIDATARI|EJIDO|CAMPESIN|PADRE DE|MADRE DE|FAMILIAR|"
    r"VICTIMA|INVITAD|OBISPO|SACERDOTE|PASTOR|ARTISTA|ESCRITOR|CANTANTE|MUSICO|DEPORTISTA|"
    r"MEDALLISTA|VOLUNTARI|ANALISTA|INVESTIGADOR|ACADEMIC|CONSULTOR|ABOGAD|SOCIOLOG|INGENIER")
# Offices of government (federal, state or local, civil or military, elected or appointed).
_GOVERNMENT_ROLE = re.compile(
    r"SECRETARI|GOBERNADOR|\bJEF[EA]\b|DIRECTOR|COMANDANTE|TITULAR|FISCAL|PROCURADOR|"
    r"COMISIONAD|COORDINADOR|VOCER|EMBAJADOR|CONSUL|SENADOR|DIPUTAD|ALCALDE|MUNICIPAL|"
    r"SUBJEF|\bGENERAL\b|ALMIRANTE|OFICIAL MAYOR|ENCARGAD|DELEGAD|MINISTR|CONSEJER|"
    r"ADMINISTRADOR|GERENTE|JUEZ|MAGISTRAD|VISITADOR|TESORER|SUPERINTENDENTE|COMISARI|SOLDADO|"
    r"MARINO|CAPITAN|CORONEL|TENIENTE|SARGENTO|PRESIDENCIA|GOBIERNO|INSTITUTO|COMISION|"
    r"GUARDIA NACIONAL|SECRETARY|MINISTER|GOVERNOR|DIRECTOR|MEDIC|ENFERMER|SUPERVISOR|"
    r"PRESIDENT[EA] DE LA (CAMARA|COMISION|MESA|SUPREMA|JUNTA)|REGIDOR|SINDIC|"
    # The other branches of government: courts and legislatures.
    r"PODER (JUDICIAL|LEGISLATIVO|EJECUTIVO)|TRIBUNAL|JUZGADO|JUDICATURA|CONGRESO DEL ESTADO")


def role_kind(role: str) -> str:
    """'official' for an office of government, 'guest' for anyone else with a role (a
    foreign head of state or minister, business, civil society, the people an event is
    about).  Decided by the role's words, never by who holds it."""
    folded = fold_name(role)
    if " DE MEXICO ANTE " in folded or " DE MEXICO EN " in folded:
        return "official"  # Mexico's representation abroad
    if (_FOREIGN_ROLE.search(folded) and " DE MEXICO" not in folded) or _BUSINESS_ROLE.search(folded):
        return "guest"
    if _PRIVATE_ROLE.search(folded) and not _GOVERNMENT_ROLE.search(folded):
        return "guest"
    if re.match(r"(VICE)?PRESIDENT", folded) and not _GOVERNMENT_ROLE.search(folded):
        return "guest"  # the president of an organisation
    if _GOVERNMENT_ROLE.search(folded) or _leading_title(folded):
        return "official" if not re.match(r"(DR|DRA|LIC|ING|MTRO|MTRA|SR|SRA|MR|MRS|MS)\.?$|SENORA?$|"
                                          r"(DOCTOR|DOCTORA|LICENCIAD[OA]|INGENIER[OA]|MAESTR[OA])$",
                                          folded) else "other"
    return "guest"


def _role_phrase(folded: str) -> bool:
    """True when a folded text is a role, not a name: a role word followed by DE/DEL (or an
    adjective such as GENERAL, then DE or nothing): "SECRETARIO DE MARINA", "FISCAL GENERAL
    DE LA REPÚBLICA", "PRESIDENTA DE MÉXICO".  "GOBERNADOR JOSÉ ..." is a title and a name."""
    words = _fix_typo(folded).replace(".", "").split()
    if not words:
        return False
    first = words[0]
    if not (first in _ROLE_WORDS or first in _ROLE_WORDS_BEFORE_DE or first in _ROLE_OPENERS):
        return False
    if len(words) == 1:
        return first not in _ROLE_WORDS_BEFORE_DE
    second = words[1]
    if second in {"DE", "DEL", "PARA", "EN"}:
        return True
    return second in _ROLE_ADJECTIVES and (len(words) == 2 or words[2] in {"DE", "DEL", "PARA", "EN"}
                                           or words[2] in _ROLE_ADJECTIVES)


# Words that open a role phrase besides the role words ("MINISTRO PRESIDENTE DE ...").
_ROLE_OPENERS = frozenset({"MINISTRO", "MINISTRA", "VICEPRESIDENTE", "VICEPRESIDENTA", "PRIMER",
                           "PRIMERA", "SUBJEFE", "SUBJEFA", "ALMIRANTE", "GENERAL", "OFICIAL",
                           "SUBDELEGADO", "SUBDELEGADA", "DELEGADO", "DELEGADA", "ENCARGADO",
                           "ENCARGADA", "PRESIDENTE", "PRESIDENTA", "PRESIDENT", "SECRETARY",
                           "MINISTER", "GOVERNOR", "AMBASSADOR", "MAYOR"})
_ROLE_ADJECTIVES = frozenset({"GENERAL", "EJECUTIVO", "EJECUTIVA", "NACIONAL", "ADJUNTO", "ADJUNTA",
                              "MUNICIPAL", "ENTRANTE", "SALIENTE", "ESTATAL", "REGIONAL", "TECNICO",
                              "TECNICA", "PARTICULAR", "PRIVADO", "PRIVADA", "PRESIDENTE",
                              "PRESIDENTA", "CONSTITUCIONAL", "OPERATIVO", "OPERATIVA", "MINISTER",
                              "OF", "MAYOR", "INTERINO", "INTERINA", "ELECTO", "ELECTA"})


# Words that tie a role's complements together ("SECRETARIO DE SEGURIDAD Y PROTECCIÓN").
_ROLE_CONNECTORS = frozenset({"DE", "DEL", "LA", "LAS", "LOS", "EL", "Y", "E", "EN", "PARA", "AL",
                              "A", "SOBRE", "CONTRA", "ANTE"})
# Adjectives that close a role's complement ("DEFENSA NACIONAL", "EDUCACIÓN PÚBLICA"),
# besides _ROLE_ADJECTIVES and plural adjectives ("PETRÓLEOS MEXICANOS"): generic
# vocabulary of offices, never names.
_COMPLEMENT_ADJECTIVES = frozenset({
    "PUBLICO", "PUBLICA", "FEDERAL", "SOCIAL", "RURAL", "CIUDADANO", "CIUDADANA", "MEXICANO",
    "MEXICANA", "INTEGRAL", "SUPERIOR", "SUPREMA", "SUPREMO", "CIVIL", "MILITAR", "NAVAL",
    "AEREA", "AEREO", "ECONOMICO", "ECONOMICA", "AGRARIO", "AGRARIA", "URBANO", "URBANA",
    "INTERIOR", "EXTERIOR", "ELECTORAL", "JUDICIAL", "DIRECTIVA", "DIRECTIVO", "GENERALES"})
_PLURAL_ADJECTIVE = re.compile(r"(ANOS|ANAS|ICOS|ICAS|ALES|ARES|IVOS|IVAS)$")


def _split_role_first(text: str) -> tuple[str, str] | None:
    """(role, name) of a role written first with the name after it and no comma
    ("SECRETARIO DE HACIENDA ARTURO PÉREZ", "DIRECTOR GENERAL DEL IMSS JUAN ROBLES"), or
    None.  The name is what follows the role's last complement: the words after its last
    connector (DE, DEL, Y ...) but the first (HACIENDA, IMSS) and any adjective closing the
    complement (NACIONAL, PÚBLICA, MEXICANOS); at least two name words, at most five."""
    words = text.split()
    folded = [fold_name(word) for word in words]
    last = max((i for i, word in enumerate(folded) if word in _ROLE_CONNECTORS), default=None)
    if last is None:
        return None
    start = last + 2  # after the connector and the complement's first word
    while start < len(words) and (folded[start] in _ROLE_ADJECTIVES
                                  or folded[start] in _COMPLEMENT_ADJECTIVES
                                  or _PLURAL_ADJECTIVE.search(folded[start])
                                  or folded[start].startswith("(")):
        start += 1
    name = words[start:]
    if not 2 <= name_words([fold_name(w) for w in name]) <= 5 or len(name) > 6:
        return None
    if any(fold_name(word) in _ROLE_CONNECTORS - _KEY_PARTICLES for word in name):
        return None
    return " ".join(words[:start]), " ".join(name)


def _voice(folded: str) -> tuple[str, str] | None:
    """(name, kind) of the generic voice a folded line names, allowing a typo in short lines."""
    for regex, name, kind in _VOICES:
        if regex.match(folded):
            return name, kind
    if 1 <= len(folded.split()) <= 2 and len(folded) >= 6:
        from rapidfuzz import fuzz, process

        best = process.extractOne(folded, _VOICE_SPELLINGS.keys(), scorer=fuzz.ratio,
                                  score_cutoff=VOICE_FUZZ)
        if best:
            return _VOICE_SPELLINGS[best[0]]
    return None


def _split_role(name: str) -> tuple[str, str | None]:
    """(name, role) for a role written after the name without a comma, else (name, None).

    The role starts after ". " or at a role word, and only after two name words, so a
    title before the name or an initial ("DONALD J. TRUMP") is never taken for a role.
    """
    words = name.split()
    folded = fold_name(name).split()
    if len(folded) != len(words):  # a character that folds to a space: fold_name word by word
        folded = [fold_name(word) for word in words]
    named = 0
    for i, word in enumerate(folded):
        if named >= 2 and i + 1 < len(words):
            bare = word.rstrip(".")
            if bare in _ROLE_WORDS or (bare in _ROLE_WORDS_BEFORE_DE
                                       and folded[i + 1] in {"DE", "DEL"}):
                return " ".join(words[:i]), " ".join(words[i:])
        if word.upper() not in _KEY_PARTICLES:
            named += 1
        if (named >= 2 and word.endswith(".") and len(word.rstrip(".")) >= 3
                and i + 1 < len(words)):
            return " ".join(words[: i + 1]), " ".join(words[i + 1:])
    return name, None


_DIGIT = re.compile(r"\d")


def _not_a_name(name: str, folded_name: str) -> bool:
    """True for what cannot be a person's name: a date, a number, a heading, a party."""
    folded = folded_name.split()
    if not folded or _DIGIT.search(name) or folded_name in _PARTIES:
        return True
    if folded[0] in _NOT_NAME_START:
        return True
    return any(word.strip("'’.") in _HEADING_WORDS for word in folded)


@functools.lru_cache(maxsize=4096)
def _title_word(word: str) -> str:
    """A mistyped title word as the title word (PRSIDENTE → PRESIDENTE), else the word."""
    if len(word) < 7 or word in _TITLE_WORDS:
        return word
    from rapidfuzz.distance import Levenshtein

    for title in _TITLE_WORDS:
        limit = 2 if len(word) >= 9 else 1
        if abs(len(title) - len(word)) <= limit and Levenshtein.distance(word, title) <= limit:
            return title
    return word


def _fix_typo(folded: str) -> str:
    first, _, rest = folded.partition(" ")
    first = _title_word(first)
    return f"{first} {rest}".strip()


def _leading_title(folded: str) -> str | None:
    """The longest known title that starts ``folded`` (after fixing a first-word typo)."""
    fixed = _fix_typo(folded)
    best = None
    for title in _TITLES_BY_WORD.get(fixed.partition(" ")[0], ()):
        if fixed == title or fixed.startswith(title + " "):
            if best is None or len(title) > len(best):
                best = title
    if best is None:
        return None
    # Map back to the same number of words in the original string.
    words = len(best.split())
    return " ".join(folded.split()[:words])


def _only_titles(folded: str) -> list[str] | None:
    """The titles a folded name is made of, typos fixed ("PRESIDENTA", "SR. PRESIDENTE",
    "PRSIDENTE"), or None when anything else is in it."""
    titles: list[str] = []
    while folded:
        lead = _leading_title(folded)
        if not lead:
            return None
        titles.append(_fix_typo(lead))
        folded = folded[len(lead):].strip()
    return titles or None


def _without_article(text: str) -> str:
    """The line without an article that opens a title, a role or a voice (see _ARTICLES)."""
    first, _, rest = text.partition(" ")
    if not rest or fold_name(first) not in _ARTICLES:
        return text
    head = fold_name(rest.split(",")[0])
    if _leading_title(head) or _role_phrase(head) or _voice(head):
        return rest
    return text


def name_words(words: list[str]) -> int:
    """How many of a name's words are not particles (de, la, del ...)."""
    return sum(1 for word in words if word not in _KEY_PARTICLES)


def contains_run(longer: list[str], shorter: list[str]) -> bool:
    """True when ``shorter`` is a contiguous run of ``longer``."""
    n = len(shorter)
    return any(longer[i:i + n] == shorter for i in range(len(longer) - n + 1))


def _gender_pair(a: str, b: str) -> bool:
    """GABRIEL/GABRIELA, ALEJANDRO/ALEJANDRA, ANDRÉS/ANDREA: two names, not a typo."""
    short, long_ = sorted((a, b), key=len)
    if long_ == short + "A":
        return True
    return len(a) == len(b) and a[:-1] == b[:-1] and "A" in (a[-1], b[-1])


def _typo_of(a: str, b: str, given: bool) -> bool:
    """True when two different words of a name can be one word mistyped.

    ``given`` is True for a given name (any word before the last two, the surnames):
    only there do masculine and feminine forms name different people.
    """
    from rapidfuzz.distance import Levenshtein

    if given and _gender_pair(a, b):
        return False
    short, long_ = sorted((a, b), key=len)
    if a[0] != b[0]:
        # A lost first letter (OSÉ/JOSÉ) is a typo; another first letter is another
        # name (HERNÁNDEZ/FERNÁNDEZ).
        return len(short) >= 3 and long_[1:] == short
    distance = Levenshtein.distance(a, b)
    # Two edits only between same-length longer words (ARIANDA/ARIADNA), never an
    # added ending (MARTÍN/MARTÍNEZ).
    return distance == 1 or (distance == 2 and len(a) == len(b) >= 6)


def gender_variant(key: str, other: str) -> bool:
    """Whether two person keys differ only in the masculine/feminine form of given names
    ("LUIS MARÍA ALCALDE" / "LUISA MARÍA ALCALDE"): two people by :func:`same_person`, or
    one person's name mistyped, which only a shared role can settle."""
    words, others = key.split(), other.split()
    if len(words) != len(others) or words == others or name_words(words) < 3:
        return False
    surnames = len(words) - 2
    return all(a == b or (i < surnames and _gender_pair(a, b))
               for i, (a, b) in enumerate(zip(words, others)))


def same_person(key: str, other: str) -> bool:
    """Whether two different person keys are, by the rules above, spellings of one name."""
    from rapidfuzz import fuzz

    words, others = key.split(), other.split()
    if key.replace(" ", "") == other.replace(" ", ""):
        # SANTAMARÍA / SANTA MARÍA: the same letters, split otherwise.
        return max(name_words(words), name_words(others)) >= 3
    if len(words) == len(others) and sorted(words) == sorted(others):
        # The same words in another order: given names or compound surnames swapped
        # ("LUISA MARÍA" / "MARÍA LUISA"), which no typo rule below sees.
        return name_words(words) >= 3
    if len(words) == len(others):
        if name_words(words) < 3 or fuzz.ratio(key, other) < NAME_FUZZ:
            return False
        surnames = len(words) - 2
        return all(a == b or _typo_of(a, b, i < surnames)
                   for i, (a, b) in enumerate(zip(words, others)))
    shorter, longer = sorted((words, others), key=len)
    if name_words(shorter) < 3:
        return False
    if contains_run(longer, shorter):
        return True
    # One or two given names more after the same first name, with the same surnames:
    # "ZOÉ ROBLEDO ABURTO" / "ZOÉ ALEJANDRO ROBLEDO ABURTO".
    return (name_words(longer) - name_words(shorter) <= 2 and longer[0] == shorter[0]
            and longer[len(longer) - len(shorter) + 1:] == shorter[1:])


class PersonIndex:
    """Person keys already known → speaker id, searchable for :func:`same_person` matches.

    Keys are indexed by word trigram (any contiguous run of three or more words shares
    one), by first and last two words (an extra given name keeps them), by their letters
    without spaces, by their words in sorted order (names swapped), by word count (typo
    matches keep the count) and by word count and surnames (a given name in the other
    gender keeps both), so a new key is compared with a few candidates, not with every
    speaker.
    """

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.by_count: dict[int, list[str]] = {}
        self.by_words: dict[tuple[str, ...], set[str]] = {}
        self.by_surnames: dict[tuple, list[str]] = {}

    @staticmethod
    def _signatures(words: tuple[str, ...]) -> list[tuple[str, ...]]:
        signatures = [words[i:i + 3] for i in range(len(words) - 2)]
        if len(words) >= 3:
            signatures.append(("", words[0], words[-2], words[-1]))
        signatures.append(("".join(words),))
        signatures.append(("*",) + tuple(sorted(words)))  # the same words in any order
        return signatures

    def add(self, key: str, speaker_id: int) -> None:
        if key in self.ids:
            return
        self.ids[key] = speaker_id
        words = tuple(key.split())
        self.by_count.setdefault(len(words), []).append(key)
        for signature in self._signatures(words):
            self.by_words.setdefault(signature, set()).add(key)
        # Names in the other gender keep the word count and the surnames (the last two).
        self.by_surnames.setdefault((len(words), *words[-2:]), []).append(key)

    def gender_variants(self, key: str) -> set:
        """The ids of known keys that differ from ``key`` only in the gender of given names
        (:func:`gender_variant`)."""
        words = key.split()
        return {self.ids[other] for other in self.by_surnames.get((len(words), *words[-2:]), ())
                if gender_variant(key, other)}

    def match(self, key: str) -> int | None:
        """The id of the one speaker ``key`` names, or None (no match, or matches with two
        different speakers)."""
        from rapidfuzz import fuzz, process

        if key in self.ids:
            return self.ids[key]
        words = tuple(key.split())
        candidates: set[str] = set()
        for signature in self._signatures(words):
            candidates |= self.by_words.get(signature, set())
        if name_words(list(words)) >= 3:
            for other, _score, _index in process.extract(
                    key, self.by_count.get(len(words), []), scorer=fuzz.ratio,
                    score_cutoff=NAME_FUZZ, limit=None):
                candidates.add(other)
        found = {self.ids[other] for other in candidates if same_person(key, other)}
        return found.pop() if len(found) == 1 else None


def same_speaker(a: str, b: str) -> bool:
    """Whether two person keys are plainly one person: equal, one the other's first words
    ("ROCIO NAHLE" of "ROCIO NAHLE GARCIA"), or :func:`same_person`."""
    if a == b:
        return True
    shorter, longer = sorted((a, b), key=len)
    return longer.startswith(shorter + " ") or same_person(a, b)


class TurnKinds:
    """(kind, role) of turns as their lines and dates say, with no database, so that the
    import's worker processes can work them out (:mod:`coder.corpus.parallel`).

    The head of the administration in force on the date is the president; an
    unidentified voice that asked something (a question mark in its turn) is the press;
    otherwise the line's own kind and role.  :func:`coder.corpus.reconcile.reconcile`
    settles the rest from all the evidence.  Remembers each line and each (line, date).
    """

    def __init__(self, administrations: list[Administration]) -> None:
        self.administrations = administrations
        self._lines: dict[str | None, tuple] = {}
        self._heads: dict[tuple[str, str], bool] = {}
        self._dated: dict[tuple, tuple[str, str | None]] = {}

    def of(self, raw: str | None, read: dict[str, SpeakerLine] | None = None,
           asked: bool = False, date: str | None = None) -> tuple[str, str | None]:
        """The (kind, role) of one turn; ``read`` may hold what :func:`parse_speaker`
        says of some lines already."""
        found = self._lines.get(raw)
        if found is None:
            line = (read.get(raw) if read and raw is not None else None) or parse_speaker(raw)
            if line.clip:
                found = ("recording", None, False, None)
            elif line.person or line.role_only:
                found = (line.kind, line.role or (line.title if line.kind == "official" else None),
                         False, line.key if line.person else None)
            else:
                found = (line.kind, None, line.key == VOICE.upper(), None)
            self._lines[raw] = found
        if asked and found[2]:
            return ("press", None)
        if found[3] is not None and date:
            memo = (raw, date)
            known = self._dated.get(memo)
            if known is None:
                known = self._dated[memo] = self._head_of_day(found, date)
            return known
        return found[0], found[1]

    def document(self, turns: list[tuple], read: dict[str, SpeakerLine] | None,
                 asks: list[bool], date: str | None, announces: list[bool] | None = None,
                 live: list[bool] | None = None) -> list[tuple[str, str | None]]:
        """The (kind, role) of each of a prepared document's turns (``(start, end, raw
        line, words)``), ``asks`` saying which ask something; with ``announces`` and
        ``live`` (see :mod:`coder.corpus.clips`), the people and voices of a clip that
        a turn announced are recordings."""
        of = self.of
        kinds = [of(turn[2], read, asked, date) for turn, asked in zip(turns, asks)]
        if announces and any(announces):
            from .clips import clip_turns

            people = [self._lines[turn[2]][3] for turn in turns]
            inside = clip_turns([kind for kind, _ in kinds], people, announces,
                                live or [False] * len(turns), same_speaker)
            # (The role printed on the line stays: "SECRETARIA DE ENERGÍA" on a site video.)
            kinds = [("recording", kind[1]) if clip else kind for kind, clip in zip(kinds, inside)]
        return kinds

    def _head_of_day(self, found: tuple, date: str) -> tuple[str, str | None]:
        """("president", role) when the person ``found`` heads the administration in force
        on ``date``, else the line's own kind and role."""
        from .administrations import administration_on

        adm = administration_on(self.administrations, date)
        if adm is not None:
            memo = (found[3], adm.head)
            if memo not in self._heads:
                self._heads[memo] = any(found[3] == h or same_person(found[3], h)
                                        for h in head_keys(adm))
            if self._heads[memo]:
                return ("president", adm.role)
        return found[0], found[1]


class SpeakerResolver:
    """Resolves raw speaker lines to (speaker id, alias id) inside an import transaction.

    Looks up, in order: the exact raw alias (which carries any user fix), a user merge of
    the key, the key, then (for a person) the same name spelled otherwise among the
    person keys already known; creates the speaker and alias when new.  Call
    :meth:`commit` after each transaction commits and :meth:`rollback` after one is
    rolled back.

    The lookups are served from caches of the speaker tables, so a line seen before costs
    one dict lookup and a new one a row or two written.  The caches stay true because
    only this resolver writes those tables during an import: before the first lookup of
    each transaction ``PRAGMA data_version`` tells whether another connection committed
    since they were filled (another process importing or merging speakers), and if so
    they are filled again.  A rollback empties them too.  The person index is built on
    the first new person's spelling.
    """

    def __init__(self, project: Project, *, fuzzy: bool = True) -> None:
        self.project = project
        # Whether a new spelling joins a known speaker by the spelling rules here.  The
        # importer passes False: reconcile() regroups every spelling after the import
        # anyway, so matching here would be done twice (a tenth of the import's time).
        self.fuzzy = fuzzy
        self._load()
        self._checked = False  # filled outside the transaction the lookups will run in

    def _load(self) -> None:
        db = self.project.db
        self._version = db.execute("PRAGMA data_version").fetchone()[0]
        self._checked = True
        # raw line or cleaned alias -> (speaker id, alias id, speaker kind)
        self._lines: dict[str | None, tuple[int, int, str]] = {}
        for alias, speaker_id, alias_id, kind in db.execute(
            "SELECT a.alias, a.speaker_id, a.id, s.kind FROM speaker_aliases a"
            " JOIN speakers s ON s.id = a.speaker_id"
        ):
            self._lines[alias] = (speaker_id, alias_id, kind)
        self._speakers: dict[int, list[str]] = {}  # id -> [key, kind]
        self._keys: dict[str, int] = {}
        for speaker_id, key, kind in db.execute("SELECT id, key, kind FROM speakers"):
            self._speakers[speaker_id] = [key, kind]
            self._keys[key] = speaker_id
        self._merges = dict(db.execute("SELECT key, speaker_id FROM speaker_merges").fetchall())
        self._persons: PersonIndex | None = None
        self._turn_kinds: TurnKinds | None = None
        self._administrations = None
        # date -> [(document id, its long lines' hashes, its words)] of the documents
        # compared for near-duplicates
        self.paragraphs: dict[str, list[tuple[int, frozenset, int]]] = {}
        self.dates_before: set[str | None] | None = None

    def _current(self) -> None:
        """Fill the caches again if another connection committed since they were filled."""
        if not self._checked:
            self._checked = True
            if self.project.db.execute("PRAGMA data_version").fetchone()[0] != self._version:
                self._load()

    def resolve(self, raw: str | None, read: dict[str, SpeakerLine] | None = None
                ) -> tuple[int, int, str]:
        """The (speaker id, alias id, speaker kind) for a raw speaker line (None = unknown).

        ``read`` may hold what :func:`parse_speaker` says of some lines already.
        """
        found = self._lines.get(raw)  # fast path: the raw line as seen
        if found and self._checked:
            return found
        self._current()
        found = self._lines.get(raw)
        if found:
            return found
        alias = clean(raw) if raw else UNKNOWN
        found = self._lines.get(alias)
        if found:
            self._lines[raw] = found
            return found
        db = self.project.db
        line = (read.get(raw) if read and raw is not None else None) or parse_speaker(raw)
        speaker_id = self._merges.get(line.key) or self._keys.get(line.key)
        if speaker_id is None and line.person and self.fuzzy:
            speaker_id = self._same_person(line)
        if speaker_id is None:
            speaker_id = db.execute(
                "INSERT INTO speakers(key, name, role, kind) VALUES (?, ?, ?, ?)",
                [line.key, line.name, line.role, line.kind],
            ).lastrowid
            self._speakers[speaker_id] = [line.key, line.kind]
            self._keys[line.key] = speaker_id
        else:
            self._update_kind(speaker_id, line)
        if line.person and self.fuzzy:
            self._index().add(line.key, speaker_id)
        alias_id = db.execute(
            "INSERT INTO speaker_aliases(alias, speaker_id, title) VALUES (?, ?, ?)",
            [alias, speaker_id, line.stripped],
        ).lastrowid
        if raw is not None:
            remember_line(alias, line)
        found = (speaker_id, alias_id, self._speakers[speaker_id][1])
        self._lines[alias] = self._lines[raw] = found
        return found

    def turn_kinds(self) -> TurnKinds:
        """Turn kinds and roles as lines and dates say, under the project's administrations."""
        if self._turn_kinds is None:
            self._turn_kinds = TurnKinds(self.administrations())
        return self._turn_kinds

    def administrations(self) -> list:
        """The project's administrations (read once per import)."""
        if self._administrations is None:
            from .administrations import load_administrations

            self._administrations = load_administrations(self.project)
        return self._administrations

    def _same_person(self, line: SpeakerLine) -> int | None:
        """The known speaker ``line`` names in another spelling, or None.

        When the new spelling is the known name written more fully ("HUGO LÓPEZ-GATELL" →
        "HUGO LÓPEZ-GATELL RAMÍREZ") the speaker takes the fuller name.
        """
        speaker_id = self._index().match(line.key)
        if speaker_id is None or speaker_id not in self._speakers:
            return None
        known_key = self._speakers[speaker_id][0]
        words, known = line.key.split(), known_key.split()
        if (len(words) > len(known) and contains_run(words, known)
                and not any(word in _ROLE_WORDS for word in words)):
            self.project.db.execute("UPDATE speakers SET key = ?, name = ? WHERE id = ?",
                                    [line.key, line.name, speaker_id])
            del self._keys[known_key]
            self._keys[line.key] = speaker_id
            self._speakers[speaker_id][0] = line.key
        return speaker_id

    def _update_kind(self, speaker_id: int, line: SpeakerLine) -> None:
        """Let a known speaker's kind and role follow what a new spelling says."""
        db = self.project.db
        if line.kind == "president":
            # A president first seen without his title is still the president, but not
            # someone already seen with a role after his name (a foreign president).
            cursor = db.execute("UPDATE speakers SET kind = 'president', role = COALESCE(role, ?) "
                                "WHERE id = ? AND kind = 'other'", [line.role, speaker_id])
        elif line.role:
            # A role after the name makes an official; it also overrides a president who
            # was only ever "PRESIDENTE <name>" ("PRESIDENTE DONALD TRUMP").
            cursor = db.execute(
                "UPDATE speakers SET role = CASE WHEN role IS NULL OR kind = 'president' "
                "THEN ? ELSE role END, kind = CASE WHEN kind IN ('other', 'president') "
                "THEN 'official' ELSE kind END WHERE id = ?", [line.role, speaker_id])
        else:
            return
        if cursor.rowcount:
            (self._speakers[speaker_id][1],) = db.execute(
                "SELECT kind FROM speakers WHERE id = ?", [speaker_id]).fetchone()

    def _index(self) -> PersonIndex:
        """The person index, built from the project's aliases on first use."""
        if self._persons is None:
            index = PersonIndex()
            rows = self.project.db.execute(
                "SELECT s.id, s.key, a.alias FROM speakers s "
                "LEFT JOIN speaker_aliases a ON a.speaker_id = s.id ORDER BY s.id, a.id").fetchall()
            # The speakers' own keys first: they win over an alias spelling that the
            # current rules read as another speaker's key.  A person's spelling a user
            # merged into another speaker (even Press) leads there: new spellings of that
            # person follow the fix.
            for speaker_id, key, _alias in rows:
                if key not in GENERIC_KEYS:
                    index.add(key, speaker_id)
            for speaker_id, _key, alias in rows:
                if alias is not None:
                    line = parse_speaker(alias)
                    if line.person:
                        index.add(line.key, speaker_id)
            self._persons = index
        return self._persons

    def commit(self) -> None:
        """After a commit: check for other connections' commits before the next lookup."""
        self._checked = False

    def rollback(self) -> None:
        """After a rollback: forget what the rolled-back transaction created."""
        self._version = None  # fill the caches again on the next lookup
        self._checked = False


def find_speaker(project: Project, name: str) -> dict:
    """A speaker by id, display name, key or raw alias (accent/case-insensitive), or by
    any spelling the rules give the same key ("Hugo López Gatell").  All digits naming an
    existing speaker id is that speaker, whatever else is called so (a speaker renamed
    "27" does not hide speaker #27)."""
    digits = name.strip()
    if digits.isascii() and digits.isdigit() and len(digits) < 19:  # an SQLite integer
        rows = project.rows("SELECT * FROM speakers WHERE id = ?", [int(digits)])
        if rows:
            return rows[0]
    key = name_key(name)
    rows = project.rows(
        "SELECT s.* FROM speakers s WHERE s.key IN (?, ?) OR upper(s.name) = upper(?) "
        "OR CAST(s.id AS TEXT) = ? "
        "UNION SELECT s.* FROM speakers s JOIN speaker_aliases a ON a.speaker_id = s.id "
        "WHERE a.alias = ?", [key, fold_name(name), name, name.strip(), clean(name)],
    )
    if not rows:
        rows = project.rows("SELECT s.* FROM speakers s JOIN speaker_merges m ON m.speaker_id = s.id "
                            "WHERE m.key IN (?, ?)", [key, fold_name(name)])
    if not rows and key:
        # A spelling seen only inside an alias (with a role, or joined by the rules): read
        # the aliases as the import did.  Interactive use only, so parsing them is fine.
        ids = {speaker_id for alias, speaker_id in project.db.execute(
            "SELECT alias, speaker_id FROM speaker_aliases") if parse_speaker(alias).key == key}
        if ids:
            marks = ", ".join("?" * len(ids))
            rows = project.rows(f"SELECT * FROM speakers WHERE id IN ({marks})", sorted(ids))
    if not rows:
        raise CoderError(f"no speaker {name!r}; see `coder speakers`")
    if len(rows) > 1:
        raise CoderError(f"{name!r} names {len(rows)} speakers; use the speaker id")
    return rows[0]


def check_kinds(kinds: Iterable[str] | None) -> list[str] | None:
    """The speaker kinds asked for, checked against the known ones (None: any kind);
    CoderError about ``kind`` for one coder does not know."""
    if kinds is None:
        return None
    from .kinds import KINDS

    wanted = list(dict.fromkeys(kinds))
    for kind in wanted:
        if kind not in KINDS:
            raise CoderError(f"kind {kind!r} is not a speaker kind; one of {', '.join(KINDS)}",
                             option="kind")
    return wanted


def list_speakers(project: Project, kinds: Iterable[str] | None = None) -> list[dict]:
    """Every canonical speaker with role, kind, raw spellings and number of turns; with
    ``kinds``, only the speakers of those kinds (a speaker's kind is that of most of its
    turns, or the one a user gave it)."""
    wanted = check_kinds(kinds)
    where = "" if wanted is None else f"WHERE s.kind IN ({', '.join('?' * len(wanted))}) "
    speakers = project.rows(
        "SELECT s.id, s.name, s.role, s.kind, (SELECT count(*) FROM turns t WHERE t.speaker_id = s.id) "
        f"AS turns FROM speakers s {where}ORDER BY turns DESC, s.name", wanted or []
    )
    aliases: dict[int, list[str]] = {}
    for speaker_id, alias in project.db.execute(
        "SELECT speaker_id, alias FROM speaker_aliases ORDER BY alias"
    ):
        aliases.setdefault(speaker_id, []).append(alias)
    for speaker in speakers:
        speaker["aliases"] = aliases.get(speaker["id"], [])
    return speakers


_READ: dict[str, SpeakerLine] = {}  # alias -> what the rules read (they are pure)


def read_line(alias: str) -> SpeakerLine:
    """:func:`parse_speaker` of a stored alias, remembered.  A turn with no speaker line is
    stored under the alias "Unknown speaker"."""
    line = _READ.get(alias)
    if line is None:
        if len(_READ) > 200_000:
            _READ.clear()
        line = _READ[alias] = parse_speaker(None if alias == UNKNOWN else alias)
    return line


def remember_line(alias: str, line: SpeakerLine) -> None:
    """Let :func:`read_line` reuse what the importer read already (a worker's parse)."""
    if alias != UNKNOWN and len(_READ) < 200_000:
        _READ.setdefault(alias, line)


def head_keys(adm: Administration) -> set[str]:
    """The speaker keys of an administration's head (see :func:`name_key`)."""
    return {name_key(adm.head)}
