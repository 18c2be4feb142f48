"""One segmentation of a turn into sentences and clauses, with code-point offsets.

Every part of coder that speaks of a "sentence" uses this module: the workbench's `s`
key, the ``sentence`` unit of agreement, co-occurrence by sentence, and the clause scope
of the suggestion rules (:mod:`coder.suggest.moves`).  Offsets are ``str`` indices into
the text passed in; nothing is copied or normalised.

Sentences (rule-based, for Spanish and English transcripts):

- a sentence ends at ``.``, ``?``, ``!`` or an ellipsis (``…`` or ``...``), together with
  any closing quotes or brackets right after it, when white space follows and the next
  sentence opens: an upper-case letter, possibly after ``¿ ¡``, an opening quote, a
  bracket or a dash.  So a period before a lower-case word or a number ("núm. 5", "a las
  10. 30 personas") never cuts, and an ellipsis followed by a lower-case word is a pause,
  not an end;
- a period after an abbreviation that never ends a sentence (Sr., Sra., Lic., Dr., Gral.,
  núm., art., the "EE." of "EE. UU." ...) or after a single capital letter (an initial)
  does not cut either; "UU." and "etc." may end one;
- a line break always ends a sentence (transcripts break paragraphs between speakers and
  topics, rarely inside a sentence);
- sentences carry no leading or trailing white space, never overlap, and the text between
  two consecutive sentences is white space only.

Clauses split a sentence further where the scope of a negation or of a question ends:
at ``;`` ``:`` and dashes, at a comma before a conjunction that opens a new clause
("pero", "sino", "aunque", "porque", "mientras", "y no" ...), before a bare "sino", and
around an embedded question or exclamation (``¿…?``, ``¡…!``).  Clauses tile their
sentence the same way sentences tile the text.
"""

from __future__ import annotations

import bisect
import re

# Words (lower case) whose period never ends a sentence: titles, "EE." of "EE. UU.",
# reference abbreviations that a number or a name follows.
NEVER_FINAL = frozenset("""
    sr sra srta sres sras dr dra dres dras lic licda ing arq mtro mtra prof profa gral
    gob mons cap col dip sen pdte pte ee ej av aprox mr mrs ms st vs jr
""".split())
# Abbreviations followed by a number ("núm. 5", "art. 27", "No. 3") need no list: a
# number never opens a sentence.  Keeping "no" out of the list matters: "Le dije que no.
# Luego ..." ends a sentence.

# The leading look-ahead only restates what each branch starts with (a mark, or the
# blanks and line break of a newline); it lets the scan skip other characters at once,
# which halves the time of splitting a long turn.
_END = re.compile(
    r"(?=[.?!… \t\n])"
    r"(?:(?P<mark>(?:\.\.\.|[.?!…])+[\"'»”’)\]]*)(?P<space>[^\S\n]+)"
    r"(?=(?P<inverted>[¿¡])|[\"'«“‘(\[—–\-]*(?P<first>[^\W\d_]))"
    r"|(?P<newline>[ \t]*\n\s*))")
_LAST_WORD = re.compile(r"(\w+)\Z")

# Clause boundaries inside a sentence.  Group "cut" is where the next clause starts.
_CONJUNCTIONS = (r"pero|sino|aunque|porque|pues|mientras|sin embargo|no obstante|"
                 r"o sea|es decir|y no|ni|excepto|salvo|but|although|because|whereas")
_CLAUSE = re.compile(
    r"(?=[;:,\s¿¡?!])"  # what the branches start with (see _END)
    r"(?:[;:]\s*(?P<a>)"
    r"|\s[—–-]+\s*(?P<b>)"
    r"|,\s*(?P<c>)(?=(?:" + _CONJUNCTIONS + r")\b)"
    r"|\s(?P<d>)(?=sino\b)"
    r"|(?P<e>)(?<=\s)(?=[¿¡])"
    r"|[?!]+(?P<f>)\s*)",
    re.IGNORECASE)


def _is_abbreviation(text: str, lo: int, dot: int) -> bool:
    """Whether the period at ``dot`` closes an abbreviation or an initial."""
    word = _LAST_WORD.search(text, max(lo, dot - 12), dot)
    if word is None:
        return False
    w = word.group(1)
    if len(w) == 1 and w.isalpha() and w.isupper():
        return True                       # an initial: "J. R. Pérez"
    return w.lower() in NEVER_FINAL


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentences of ``text[start:end]`` as ``(start, end)`` offsets into ``text``.

    Only ``text[start:end]`` is read, so splitting a turn gives the same sentences
    whatever surrounds it.  See the module docstring for the rules.
    """
    end = len(text) if end is None else min(end, len(text))
    start = max(0, start)
    out: list[tuple[int, int]] = []
    piece = start
    for match in _END.finditer(text, start, end):
        if match.group("mark") is not None:
            mark = match.group("mark")
            if match.group("inverted") is None and not text[match.start("first")].isupper():
                continue                  # a lower-case word goes on with the sentence
            if mark == "." and _is_abbreviation(text, piece, match.start()):
                continue
            _add_trimmed(text, piece, match.end("mark"), out)
        else:
            _add_trimmed(text, piece, match.start(), out)
        piece = match.end()
    _add_trimmed(text, piece, end, out)
    return out


def split_clauses(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Clauses of the sentences of ``text[start:end]``, as offsets into ``text``.

    Each clause lies inside one sentence; a clause keeps its punctuation (the comma or
    semicolon that closes it, the ``?`` of a question).
    """
    out: list[tuple[int, int]] = []
    for s, e in split_sentences(text, start, end):
        out.extend(clauses_of_sentence(text, s, e))
    return out


def clauses_of_sentence(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Clauses of one sentence ``text[start:end]`` (see :func:`split_clauses`)."""
    out: list[tuple[int, int]] = []
    piece = start
    for match in _CLAUSE.finditer(text, start, end):
        cut = next(match.start(g) for g in "abcdef" if match.group(g) is not None)
        if cut <= piece:
            continue
        _add_trimmed(text, piece, cut, out)
        piece = cut
    _add_trimmed(text, piece, end, out)
    return out


def span_at(spans: list[tuple[int, int]], offset: int) -> tuple[int, int] | None:
    """The span of sorted, non-overlapping ``spans`` holding ``offset``.

    An offset in the white space between two spans gets the next one; after the last
    span, the last one; None only when there are no spans.
    """
    if not spans:
        return None
    i = bisect.bisect_right(spans, (offset, float("inf"))) - 1
    if i >= 0 and spans[i][0] <= offset < spans[i][1]:
        return spans[i]
    return spans[i + 1] if i + 1 < len(spans) else spans[-1]


class Sentences:
    """The sentences of a text, split line by line as they are asked for.

    A line break always ends a sentence, so the sentences of a text are those of its lines,
    in order (:func:`split_sentences` of each line); reading a few sentences of a long turn
    splits only the lines they are on.  :meth:`at`, :meth:`before` and :meth:`after` answer
    as :func:`span_at` and the neighbours in ``split_sentences(text)`` would.
    """

    def __init__(self, text: str):
        self.text = text
        self.starts = [0]  # where each line starts
        at = text.find("\n")
        while at >= 0:
            self.starts.append(at + 1)
            at = text.find("\n", at + 1)
        self._lines: dict[int, list[tuple[int, int]]] = {}

    def line(self, index: int) -> list[tuple[int, int]]:
        """The sentences of line ``index``."""
        found = self._lines.get(index)
        if found is None:
            end = self.starts[index + 1] - 1 if index + 1 < len(self.starts) else len(self.text)
            found = self._lines[index] = split_sentences(self.text, self.starts[index], end)
        return found

    def _line_of(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self.starts, offset) - 1)

    def at(self, offset: int) -> tuple[int, int] | None:
        """The sentence holding ``offset`` (see :func:`span_at`)."""
        first = self._line_of(offset)
        for index in range(first, len(self.starts)):
            for span in self.line(index):
                if index > first or span[1] > offset:
                    return span
        for index in range(first, -1, -1):  # nothing after it: the last sentence
            spans = self.line(index)
            if spans:
                return spans[-1]
        return None

    def before(self, sentence: tuple[int, int]) -> tuple[int, int] | None:
        """The sentence before ``sentence`` (one of these sentences), or None."""
        return self._neighbour(sentence, -1)

    def after(self, sentence: tuple[int, int]) -> tuple[int, int] | None:
        """The sentence after ``sentence`` (one of these sentences), or None."""
        return self._neighbour(sentence, 1)

    def _neighbour(self, sentence: tuple[int, int], step: int) -> tuple[int, int] | None:
        index = self._line_of(sentence[0])
        spans = self.line(index)
        position = bisect.bisect_left(spans, sentence)
        if position >= len(spans) or spans[position] != sentence:
            return None
        if 0 <= position + step < len(spans):
            return spans[position + step]
        other = index + step
        while 0 <= other < len(self.starts):  # the nearest line with a sentence
            spans = self.line(other)
            if spans:
                return spans[-1] if step < 0 else spans[0]
            other += step
        return None

    def all(self) -> list[tuple[int, int]]:
        """Every sentence: ``split_sentences(text)``."""
        return [span for index in range(len(self.starts)) for span in self.line(index)]


def sentence_at(text: str, offset: int, start: int = 0, end: int | None = None) -> tuple[int, int] | None:
    """The sentence of ``text[start:end]`` holding ``offset`` (see :func:`span_at`)."""
    return span_at(split_sentences(text, start, end), offset)


def _add_trimmed(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append((start, end))
