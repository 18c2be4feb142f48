"""Speaker lines → canonical speakers.

A raw speaker line ("PRESIDENTE DE MÉXICO, ANDRÉS MANUEL LÓPEZ OBRADOR",
"JOSÉ RAFAEL OJEDA DURÁN, SECRETARIO DE MARINA", "INTERLOCUTORA") is split into a person's
name, a title/role, and a kind (president, official, press, moderator, other, unknown).
Spellings that differ only in accents, titles, roles or a known typo share one *key*, and
so one canonical speaker.  Users fix what the rules get wrong with
:func:`merge_speakers`; the fix is stored and later imports follow it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..errors import CoderError
from ..project import Project

PRESS = "Press"
MODERATOR = "Moderator"
OTHER_VOICES = "Other voices"
UNKNOWN = "Unknown speaker"

# Generic voices, after folding (accents removed, upper case).
_PRESS_VOICES = re.compile(
    r"^(PREGUNTA|PREGUNTAS|INTERLOCUTOR|INTERLOCUTORA|INTERLOCUTORES|REPORTERO|REPORTERA|"
    r"VOZ( DE)? (MUJER|HOMBRE)|VOZ|INTERVENCION( DE)?( (MUJER|HOMBRE))?|PERIODISTA|"
    r"QUESTION|Q|REPORTER|PRESS|AUDIENCE MEMBER)$"
)
_MODERATOR_VOICES = re.compile(r"^(MODERADOR|MODERADORA|MODERATOR|PRESENTADOR|PRESENTADORA|MC)$")
_OTHER_VOICES = re.compile(
    r"^(VOCES( A CORO)?|VOZ( DE)? (NINA|NINO|NINOS|NINAS)|VOZ EN OFF( (MUJER|HOMBRE))?|"
    r"NINO|NINA|NINOS|NINAS|ASISTENTES|PUBLICO|CORO|VIDEO|AUDIO|CROWD|VOICES)$"
)
_UNKNOWN_VOICES = re.compile(r"^(\?+|DESCONOCIDO|DESCONOCIDA|INAUDIBLE|UNKNOWN)$")

# Titles that can precede a name; PRESIDENT(E) as a leading title marks the head of the event.
_TITLES = [
    "PRESIDENTE DE LOS ESTADOS UNIDOS MEXICANOS", "PRESIDENTE DE MEXICO", "PRESIDENT OF MEXICO",
    "PRESIDENTE", "PRESIDENTA", "PRESIDENT", "C. PRESIDENTE", "SECRETARIO", "SECRETARIA",
    "SUBSECRETARIO", "SUBSECRETARIA", "GENERAL", "ALMIRANTE", "DOCTOR", "DOCTORA", "DR.", "DRA.",
    "LIC.", "LICENCIADO", "LICENCIADA", "INGENIERO", "INGENIERA", "ING.", "SENADOR", "SENADORA",
    "GOBERNADOR", "GOBERNADORA", "MAESTRO", "MAESTRA", "MTRO.", "MTRA.", "SR.", "SRA.", "MR.",
    "MRS.", "MS.", "SECRETARY", "AMBASSADOR", "EMBAJADOR", "EMBAJADORA",
]
_PRESIDENT_TITLES = {"PRESIDENTE", "PRESIDENTA", "PRESIDENT", "C. PRESIDENTE",
                     "PRESIDENTE DE MEXICO", "PRESIDENT OF MEXICO",
                     "PRESIDENTE DE LOS ESTADOS UNIDOS MEXICANOS"}
# Typos seen in transcripts of a leading title (the first word lost or gained a letter).
_TITLE_TYPOS = {"RESIDENTE": "PRESIDENTE", "PRESIDENE": "PRESIDENTE", "PRESIENTE": "PRESIDENTE",
                "PRESIDENTEE": "PRESIDENTE", "PRESDENTE": "PRESIDENTE"}
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]")
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_PARTICLES = {"de", "del", "la", "las", "los", "y", "e", "van", "von", "da", "di", "of", "the"}


def fold(text: str) -> str:
    """Upper case without accents or invisible characters, single-spaced."""
    text = _COMBINING.sub("", unicodedata.normalize("NFKD", _INVISIBLE.sub("", text)))
    return " ".join(text.upper().split())


def clean(raw: str) -> str:
    """The raw line without invisible characters, surrounding space or a trailing colon."""
    text = " ".join(_INVISIBLE.sub("", raw).split())
    return text.rstrip(":").strip()


def display_name(name: str) -> str:
    """'ANDRÉS MANUEL LÓPEZ OBRADOR' → 'Andrés Manuel López Obrador' (particles lower case)."""
    if not name.isupper():
        return name
    words = []
    for i, word in enumerate(name.lower().split()):
        if i and word in _PARTICLES:
            words.append(word)
        else:
            words.append("-".join(part[:1].upper() + part[1:] for part in word.split("-")))
    return " ".join(words)


@dataclass(frozen=True)
class SpeakerLine:
    """What the rules read from one raw speaker line."""

    raw: str
    key: str
    name: str
    kind: str
    role: str | None = None
    title: str | None = None


def parse_speaker(raw: str | None) -> SpeakerLine:
    """Split a raw speaker line into name, role/title and kind."""
    if raw is None or not clean(raw):
        return SpeakerLine(raw or "", fold(UNKNOWN), UNKNOWN, "unknown")
    text = clean(raw)
    # A trailing parenthesis is a note about the turn: "(INTERPRETACIÓN DEL INGLÉS AL ESPAÑOL)".
    note = None
    match = re.search(r"\s*\(([^()]*)\)\s*$", text)
    if match and match.start() > 0 and re.search(r"INTERPRET|TRADUC|TRANSLAT|VIDEO|AUDIO|EN L[IÍ]NEA",
                                                 match.group(1), re.I):
        note = match.group(1)
        text = text[: match.start()].strip()
    folded = fold(text)
    for regex, name, kind in ((_PRESS_VOICES, PRESS, "press"),
                              (_MODERATOR_VOICES, MODERATOR, "moderator"),
                              (_OTHER_VOICES, OTHER_VOICES, "other"),
                              (_UNKNOWN_VOICES, UNKNOWN, "unknown")):
        if regex.match(folded):
            return SpeakerLine(raw, fold(name), name, kind, None, text)

    role = None
    title = None
    name = text
    if "," in text:
        left, right = (part.strip() for part in text.split(",", 1))
        if _leading_title(fold(left)) == fold(left) and right:
            # "PRESIDENTE DE MÉXICO, ANDRÉS MANUEL LÓPEZ OBRADOR"
            title, name = left, right
        else:
            # "JOSÉ RAFAEL OJEDA DURÁN, SECRETARIO DE MARINA"
            name, role = left, right
    lead = _leading_title(fold(name))
    if lead and lead != fold(name):
        words = len(lead.split())
        title = " ".join(filter(None, [title, " ".join(name.split()[:words])]))
        name = " ".join(name.split()[words:])
    folded_title = _fix_typo(fold(title)) if title else None
    if folded_title and (folded_title in _PRESIDENT_TITLES
                         or folded_title.split(" ")[0] in {"PRESIDENTE", "PRESIDENT"}) and not role:
        kind = "president"
        role = role or "Presidente"
    elif role or title:
        kind = "official"
    else:
        kind = "other"
    if note:
        title = " ".join(filter(None, [title, f"({note})"]))
    return SpeakerLine(raw, fold(name), display_name(name), kind, role, title)


def _fix_typo(folded: str) -> str:
    first, _, rest = folded.partition(" ")
    first = _TITLE_TYPOS.get(first, first)
    return f"{first} {rest}".strip()


def _leading_title(folded: str) -> str | None:
    """The longest known title that starts ``folded`` (after fixing a first-word typo)."""
    fixed = _fix_typo(folded)
    best = None
    for title in _TITLES:
        if fixed == title or fixed.startswith(title + " "):
            if best is None or len(title) > len(best):
                best = title
    if best is None:
        return None
    # Map back to the same number of words in the original string.
    words = len(best.split())
    return " ".join(folded.split()[:words])


class SpeakerResolver:
    """Resolves raw speaker lines to (speaker id, alias id) inside an import transaction.

    Looks up, in order: the exact raw alias (which carries any user fix), a user merge of
    the key, then the key; creates the speaker and alias when new.  Call :meth:`commit`
    after the transaction commits so the cache only ever holds committed rows.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self._aliases: dict[str, tuple[int, int, str]] = {}
        self._pending: dict[str, tuple[int, int, str]] = {}
        for alias, speaker_id, alias_id, kind in project.db.execute(
            "SELECT a.alias, a.speaker_id, a.id, s.kind FROM speaker_aliases a"
            " JOIN speakers s ON s.id = a.speaker_id"
        ):
            self._aliases[alias] = (speaker_id, alias_id, kind)

    def resolve(self, raw: str | None) -> tuple[int, int, str]:
        """The (speaker id, alias id, speaker kind) for a raw speaker line (None = unknown)."""
        found = self._aliases.get(raw) or self._pending.get(raw)  # fast path: the raw line as seen
        if found:
            return found
        alias = clean(raw) if raw else UNKNOWN
        found = self._aliases.get(alias) or self._pending.get(alias)
        if found:
            self._pending[raw] = found
            return found
        line = parse_speaker(raw)
        db = self.project.db
        row = db.execute("SELECT speaker_id FROM speaker_merges WHERE key = ?", [line.key]).fetchone()
        if row is None:
            row = db.execute("SELECT id FROM speakers WHERE key = ?", [line.key]).fetchone()
        if row is None:
            speaker_id = db.execute(
                "INSERT INTO speakers(key, name, role, kind) VALUES (?, ?, ?, ?)",
                [line.key, line.name, line.role, line.kind],
            ).lastrowid
        else:
            speaker_id = row[0]
            # A president seen without his title first is still the president.
            if line.kind == "president":
                db.execute("UPDATE speakers SET kind = 'president', role = COALESCE(role, ?) "
                           "WHERE id = ? AND kind IN ('other', 'official')", [line.role, speaker_id])
            elif line.role:
                db.execute("UPDATE speakers SET role = ?, kind = CASE WHEN kind = 'other' "
                           "THEN 'official' ELSE kind END WHERE id = ? AND role IS NULL",
                           [line.role, speaker_id])
        alias_id = db.execute(
            "INSERT INTO speaker_aliases(alias, speaker_id, title) VALUES (?, ?, ?)",
            [alias, speaker_id, line.title or line.role],
        ).lastrowid
        kind = db.execute("SELECT kind FROM speakers WHERE id = ?", [speaker_id]).fetchone()[0]
        self._pending[alias] = self._pending[raw] = (speaker_id, alias_id, kind)
        return speaker_id, alias_id, kind

    def commit(self) -> None:
        """Keep what the last (committed) transaction created."""
        self._aliases.update(self._pending)
        self._pending.clear()

    def rollback(self) -> None:
        """Forget what a rolled-back transaction created."""
        self._pending.clear()


def find_speaker(project: Project, name: str) -> dict:
    """A speaker by id, display name, key or raw alias (accent/case-insensitive)."""
    key = fold(name)
    rows = project.rows(
        "SELECT s.* FROM speakers s WHERE s.key = ? OR upper(s.name) = upper(?) OR CAST(s.id AS TEXT) = ? "
        "UNION SELECT s.* FROM speakers s JOIN speaker_aliases a ON a.speaker_id = s.id "
        "WHERE a.alias = ?", [key, name, name.strip(), clean(name)],
    )
    if not rows:
        row = project.rows("SELECT s.* FROM speakers s JOIN speaker_merges m ON m.speaker_id = s.id "
                           "WHERE m.key = ?", [key])
        rows = row
    if not rows:
        raise CoderError(f"no speaker {name!r}; see `coder speakers`")
    if len(rows) > 1:
        raise CoderError(f"{name!r} names {len(rows)} speakers; use the speaker id")
    return rows[0]


def merge_speakers(project: Project, source: str, target: str) -> dict:
    """Merge speaker ``source`` into ``target``: turns and aliases move, the fix is kept.

    Later imports that produce ``source``'s key resolve to ``target``.  One transaction;
    returns the target speaker.
    """
    src = find_speaker(project, source)
    dst = find_speaker(project, target)
    if src["id"] == dst["id"]:
        raise CoderError(f"{source!r} and {target!r} are already the same speaker")
    with project.transaction():
        db = project.db
        db.execute("UPDATE turns SET speaker_id = ? WHERE speaker_id = ?", [dst["id"], src["id"]])
        db.execute("UPDATE speaker_aliases SET speaker_id = ?, manual = 1 WHERE speaker_id = ?",
                   [dst["id"], src["id"]])
        db.execute("UPDATE speaker_merges SET speaker_id = ? WHERE speaker_id = ?", [dst["id"], src["id"]])
        db.execute("INSERT INTO speaker_merges(key, speaker_id) VALUES (?, ?) "
                   "ON CONFLICT(key) DO UPDATE SET speaker_id = excluded.speaker_id",
                   [src["key"], dst["id"]])
        db.execute("DELETE FROM speakers WHERE id = ?", [src["id"]])
        if src["kind"] != dst["kind"]:
            from .importer import link_questions

            for (document_id,) in db.execute(
                "SELECT DISTINCT document_id FROM turns WHERE speaker_id = ?", [dst["id"]]
            ).fetchall():
                link_questions(project, document_id)
        project.log_event("merge", "speaker", dst["id"], before=src, after=dst)
    return dst


def list_speakers(project: Project) -> list[dict]:
    """Every canonical speaker with role, kind, raw spellings and number of turns."""
    speakers = project.rows(
        "SELECT s.id, s.name, s.role, s.kind, (SELECT count(*) FROM turns t WHERE t.speaker_id = s.id) "
        "AS turns FROM speakers s ORDER BY turns DESC, s.name"
    )
    aliases: dict[int, list[str]] = {}
    for speaker_id, alias in project.db.execute(
        "SELECT speaker_id, alias FROM speaker_aliases ORDER BY alias"
    ):
        aliases.setdefault(speaker_id, []).append(alias)
    for speaker in speakers:
        speaker["aliases"] = aliases.get(speaker["id"], [])
    return speakers
