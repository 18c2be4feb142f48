"""Turns heard in a clip that no speaker line marks as one.

Transcripts mark some recordings on the speaker line ("NAME (VIDEO)", "(PROYECCIÓN DE
VIDEO)"), but many clips played at a conference or an event are printed as ordinary
turns: a narrator ("VOZ MUJER") and people giving testimony, even an official filmed on a
site visit.  What gives them away is the turn before, which announces the clip ("vamos a
ver el video", "les presentamos un spot").  So, within one document:

- a turn *announces* a clip when one of its last two sentences (see
  :mod:`coder.corpus.segment`) names one: video, audiovisual, cápsula, clip, spot,
  documental (and the English video, clip, footage);
- the turns after an announcement, up to the first that is clearly live, are in the clip.
  Live is: the president of the day, the moderator, the press, a stage direction or an
  unknown line; the person who announced the clip, speaking again; and a turn that opens
  by addressing those present (a greeting, thanks, "con su permiso", "señor presidente");
  and a turn that itself asks for a clip ("si nos pasan el video"), which starts a new one.

Only people and unidentified voices become recordings; nothing else changes.  The rule
reads nothing but the document itself, so it does not depend on import order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Protocol

from .segment import split_sentences

# Words naming something played on screen or on the speakers.
_CLIP_WORDS = re.compile(
    r"\b(?:v[ií]deos?|audiovisual(?:es)?|c[aá]psulas?|clips?|spots?|documental(?:es)?|"
    r"footage)\b", re.IGNORECASE)
# How a live speaker opens: greeting, thanking or addressing those present.  ("Gracias a"
# is how a testimony in a clip thanks a programme; "el señor presidente" speaks of him.)
_LIVE_OPENING = re.compile(
    r"\b(?:(?:muchas\s+)?gracias(?!\s+a\b)|buen[oa]s\s+(?:d[ií]as|tardes|noches)|"
    r"con\s+(?:su|tu)\s+(?:permiso|venia)|thank\s+you|good\s+(?:morning|afternoon|evening))\b"
    r"|(?:^|[,;.¡!]\s*)(?:se[nñ]or(?:a|es|as)?\s+(?:president[ae]|secretari[oa]|gobernador(?:a)?)"
    r"|mr\.?\s+president|madam\s+president)\s*[,.;:!]",
    re.IGNORECASE)
# Substrings that every match of the two patterns above holds (lower-cased).
_CLIP_STEMS = ("deo", "audiovisual", "psula", "clip", "spot", "documental", "footage")
_LIVE_STEMS = ("gracias", "buen", "permiso", "venia", "señor", "senor", "thank", "good",
               "president")
OPENING_CHARS = 100  # how far into a turn a live opening is looked for
_TAIL_CHARS = 600  # enough for the last two sentences of nearly every turn

# Kinds a clip turn can carry by its line alone (people and unidentified voices); every
# other kind (the president, the moderator, the press, a stage direction) is live.
_CLIP_KINDS = frozenset({"official", "guest", "voice", "recording"})


class Line(Protocol):
    """What the clip rule reads of a speaker line (a :class:`coder.corpus.speakers.SpeakerLine`)."""

    kind: str
    person: bool


def announces_clip(text: str, start: int, end: int) -> bool:
    """Whether the turn ``text[start:end]`` announces a clip in its last two sentences."""
    tail = max(start, end - _TAIL_CHARS)
    low = text[tail:end].lower()
    # The usual case, decided with plain substring tests (a fifth of the regex's time).
    if not any(stem in low for stem in _CLIP_STEMS) or _CLIP_WORDS.search(low) is None:
        return False
    sentences = split_sentences(text, tail, end)
    return any(_CLIP_WORDS.search(text, a, b) for a, b in sentences[-2:])


def opens_live(text: str, start: int, end: int) -> bool:
    """Whether the turn opens by addressing those present (a greeting, thanks, a vocative)."""
    # (On a slice, so that "^" is the turn's start.)
    opening = text[start:min(end, start + OPENING_CHARS)]
    low = opening.lower()
    if not any(stem in low for stem in _LIVE_STEMS):  # the usual case, decided cheaply
        return False
    return _LIVE_OPENING.search(opening) is not None


def may_be_in_clip(kind: str, person: bool) -> bool:
    """Whether a turn whose speaker line has this kind (and names a ``person`` or not) can
    be inside a clip: a person or an unidentified voice; never the president's line, the
    press, the moderator or a stage direction.  (A cheap test on the line alone, so that
    only turns next to such a line are read for an announcement.)"""
    return kind in _CLIP_KINDS or (kind == "other" and person)


def clip_clues(text: str, turns: Sequence[tuple[int, int]],
               lines: Sequence[Line | None]) -> tuple[list[bool], list[bool]]:
    """For each turn ``(start, end)`` of ``text``, with ``lines`` its speaker lines (None:
    no line): does it announce a clip, does it open live (see :func:`clip_turns`)?  Only
    turns that matter are read: an announcement before a turn that may be in a clip
    (:func:`may_be_in_clip`), the opening of a turn that may be."""
    may = [line is not None and may_be_in_clip(line.kind, bool(line.person)) for line in lines]
    n = len(turns)
    announces = [i + 1 < n and may[i + 1] and announces_clip(text, a, b)
                 for i, (a, b) in enumerate(turns)]
    live = [may[i] and opens_live(text, a, b) for i, (a, b) in enumerate(turns)]
    return announces, live


def clip_turns(kinds: Sequence[str], people: Sequence[str | None],
               announces: Sequence[bool], live: Sequence[bool],
               same: Callable[[str, str], bool] | None = None) -> list[bool]:
    """Which turns of a document are inside a clip (see the module doc).

    ``kinds`` are the turns' kinds by their lines and date, ``people`` each turn's person
    key (None for a voice, a role alone, a stage direction), ``announces`` and ``live``
    what :func:`announces_clip` and :func:`opens_live` say of each turn.  ``same(a, b)``
    tells whether two person keys are one person (default: equal keys).
    """
    same = same or (lambda a, b: a == b)
    inside = [False] * len(kinds)
    running = False
    announcer: str | None = None
    for i, kind in enumerate(kinds):
        if running:
            person = people[i]
            # (A name with no role is "other" until reconcile() reads the person's other
            # turns: a person, who may be in the clip; a stage direction is not.)
            if (live[i] or announces[i] or not may_be_in_clip(kind, person is not None)
                    or (person is not None and announcer is not None and same(person, announcer))):
                running = False
            else:
                inside[i] = True
        if not running and announces[i] and kind != "press":
            running, announcer = True, people[i]
    return inside
