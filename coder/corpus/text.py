"""Plain-text readers: byte decoding, the mañanera transcript layout and ``NAME:`` turns.

Both layouts store the file's text verbatim (after decoding and newline normalisation);
turns are ranges of it that hold what a speaker said, without the speaker line.
"""

from __future__ import annotations

import re

from ..errors import ImportProblem
from .dates import find_date
from .model import ParsedDocument, ParsedTurn

# A control byte other than tab/newline/vertical tab/form feed/carriage return is a sign of binary.
_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 32), 127])


def decode_bytes(data: bytes, path: object = None, warnings: list[str] | None = None) -> str:
    """Decode a text file: UTF-8 (with or without BOM), UTF-16 (with or without BOM: see
    :func:`utf16_encoding`), UTF-32 (with a BOM), else cp1252 / latin-1.

    UTF-8 with a few stray bytes that are not UTF-8 (a smart quote pasted from a
    Windows-1252 file) is read as UTF-8 with each stray byte read as Windows-1252, and a
    warning saying so goes to ``warnings`` when given.
    Newlines are normalised to ``\n``.  Raises :class:`ImportProblem` for empty or
    binary input, and for bytes no supported encoding explains.
    """
    return decode_text(data, path, warnings)[0]


def decode_text(data: bytes, path: object = None,
                warnings: list[str] | None = None) -> tuple[str, bytes | None]:
    """:func:`decode_bytes`, plus the text's UTF-8 encoding when that is ``data`` itself.

    The second item lets an importer hash and store the bytes it read instead of
    encoding the text again (None when a BOM, a CR, mended bytes or another encoding
    changed them).
    """
    # isspace() stops at the first non-blank byte; strip() would copy the whole file.
    if not data or data.isspace():
        raise ImportProblem("the file is empty", path=path)
    utf8: bytes | None = data
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        # UTF-32 (its little-endian mark starts like UTF-16's: look for it first).
        return _decode_wide(data, "utf-32", path), None
    if data.startswith(b"\xef\xbb\xbf"):
        data, utf8 = data[3:], None
    wide = utf16_encoding(data)
    if wide is not None:
        return _decode_wide(data, wide, path), None
    if data.find(b"\x00", 0, 65536) != -1:
        raise ImportProblem("binary file (NUL bytes); expected text", path=path)
    # Control bytes are the same in UTF-8, cp1252 and Latin-1: count them before decoding,
    # in the first 8 KB as file(1) and git do (a regex over the text cost a tenth of an import).
    head = data[:8192]
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if controls > max(8, len(head) // 200):
        raise ImportProblem("binary file (control bytes); expected text", path=path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.end == len(data) and exc.reason == "unexpected end of data" \
                and not data[:exc.start].isascii():
            # UTF-8 throughout, but the last character is cut: the file was cut short
            # (a copy or download stopped), and Windows-1252 would read it as "Ã".
            raise ImportProblem("the file ends in the middle of a UTF-8 character: it looks "
                                "truncated (cut off before its end)", path=path) from None
        text, mended = _decode_mended(data, exc.start)
        if mended is None:
            text = _decode_legacy(data, path)
        elif warnings is not None:
            count, line = mended
            warnings.append(f"UTF-8 text with {count} stray byte(s) that are not UTF-8 (the "
                            f"first on line {line}): read as Windows-1252")
        utf8 = None
    if "\r" in text:
        text, utf8 = text.replace("\r\n", "\n").replace("\r", "\n"), None
    return text, utf8


def utf16_encoding(data: bytes) -> str | None:
    """"utf-16" (a byte-order mark), "utf-16-le"/"utf-16-be" (no mark) or None.

    Without a mark, UTF-16 text in a Latin script shows as NUL bytes in every other
    position: the high byte of each character.  Text is taken as UTF-16 when, in the first
    4 KB, at least 40% of the bytes on one side are NUL and almost none on the other (a
    binary file has NULs on both sides).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    head = data[:4096]
    if len(head) < 4 or b"\x00" not in head:
        return None
    even, odd = head[0::2], head[1::2]
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nul >= 0.4 and even_nul <= 0.02:
        return "utf-16-le"
    if even_nul >= 0.4 and odd_nul <= 0.02:
        return "utf-16-be"
    return None


def _decode_wide(data: bytes, encoding: str, path: object) -> str:
    """UTF-16 or UTF-32 text with ``\n`` newlines, or an ImportProblem naming the encoding."""
    name = "UTF-32" if encoding.startswith("utf-32") else "UTF-16"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ImportProblem(f"not valid {name} text (bad bytes at offset {exc.start})",
                            path=path) from None
    if "\x00" in text:
        raise ImportProblem(f"binary file (NUL characters in {name} text); expected text",
                            path=path)
    if not text.strip():
        raise ImportProblem("the file is empty", path=path)
    return text.replace("\r\n", "\n").replace("\r", "\n")


# A byte that is not UTF-8, as Python's "surrogateescape" carries it (U+DC80..U+DCFF), to
# the character Windows-1252 gives it (Latin-1 for the five bytes cp1252 leaves undefined).
_STRAY = re.compile("[\udc80-\udcff]")
_MEND = {0xDC00 + byte: bytes([byte]).decode("cp1252", "ignore") or chr(byte)
         for byte in range(0x80, 0x100)}
_ASCII = bytes(range(0x80))


def _decode_mended(data: bytes, first: int) -> tuple[str, tuple[int, int] | None]:
    """UTF-8 with stray bytes that are not UTF-8 (``first``: the first one's offset), each
    read as Windows-1252: ``(text, (how many, line of the first))``.

    Only when the file is mostly UTF-8: at least as many well-formed non-ASCII UTF-8
    characters as stray bytes.  Otherwise (a Windows-1252 file, where a capital with an
    accent before a quote can look like UTF-8 by chance) ``("", None)``: the caller reads
    it all as a legacy encoding.  Runs only for files that fail to decode as UTF-8.
    """
    text = data.decode("utf-8", "surrogateescape")
    strays = len(_STRAY.findall(text))
    ascii_bytes = len(data) - len(data.translate(None, _ASCII))
    # Each stray is one byte and one character; the other non-ASCII characters are UTF-8's.
    characters = len(text) - ascii_bytes - strays
    if characters < strays:
        return "", None
    return text.translate(_MEND), (strays, data.count(b"\n", 0, first) + 1)


def _decode_legacy(data: bytes, path: object) -> str:
    """Windows-1252 first (what Word and Excel on Windows write), then what charset-normalizer finds."""
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000], cp_isolation=["latin_1", "iso8859_15", "cp1252", "utf_16"]).best()
    if best is None:
        raise ImportProblem("undecodable bytes: not UTF-8, Windows-1252 or Latin-1", path=path)
    try:
        return data.decode(best.encoding)
    except UnicodeDecodeError:
        raise ImportProblem(
            f"undecodable bytes (tried UTF-8, Windows-1252, {best.encoding})", path=path
        ) from None


# -- the mañanera transcript layout -----------------------------------------------------------

def looks_like_transcript(text: str) -> bool:
    """True for the corpus layout: a short header, then ``---`` separated speaker turns."""
    head = text[:4000].split("\n")
    for index, line in enumerate(head[:8]):
        if line.strip() == "---":
            return index >= 1
    return False


# A separator line: "---" alone on its line (trailing blanks allowed).  The literal "\n---"
# lets the regex engine skip ahead; it beat a str.find loop by half on the corpus.
_SEPARATOR = re.compile(r"\n---[ \t]*(?=\n|\Z)")
_FIRST_SEPARATOR = re.compile(r"---[ \t]*(?=\n|\Z)")


def _separators(text: str) -> list[tuple[int, int]]:
    """Spans of the ``---`` separator lines (without their newlines)."""
    spans = [(match.start() + 1, match.end()) for match in _SEPARATOR.finditer(text)]
    first = _FIRST_SEPARATOR.match(text)
    if first:
        spans.insert(0, (0, first.end()))
    return spans


def parse_transcript(text: str) -> ParsedDocument:
    """Parse the corpus layout: title, author, date line, then ``---`` / SPEAKER / paragraphs."""
    separators = _separators(text)
    header_end = separators[0][0] if separators else len(text)
    header = [line.strip() for line in text[:min(header_end, 4000)].split("\n") if line.strip()]
    doc = ParsedDocument(text=text, turns=[])
    doc.title = header[0] if header else None
    doc.author = header[1] if len(header) > 1 else None
    for line in header[1:4]:
        date = find_date(line)
        if date:
            doc.date = date
            break
    if doc.date is None and doc.title:
        doc.date = find_date(doc.title)
    # Each block between separators: the first non-blank line is the speaker, the rest is
    # speech.  (The whitespace skips are inlined: this loop runs once per turn.)
    turns = doc.turns
    ends = [start for start, _ in separators[1:]] + [len(text)]
    for (_, block_start), block_end in zip(separators, ends):
        first = block_start
        while first < block_end and text[first].isspace():
            first += 1
        if first == block_end:
            continue
        line_end = text.find("\n", first, block_end)
        if line_end == -1:
            line_end = block_end
        speaker = text[first:line_end].strip()
        speech = line_end
        while speech < block_end and text[speech].isspace():
            speech += 1
        if speech == block_end:
            # A speaker line with nothing under it (seen in the corpus): keep an empty turn
            # so the sequence and question/answer links stay right.
            turns.append(ParsedTurn(line_end, line_end, speaker))
            continue
        start = text.rfind("\n", line_end, speech) + 1
        end = block_end
        while end > start and text[end - 1].isspace():
            end -= 1
        turns.append(ParsedTurn(start, end, speaker))
    if not doc.turns:
        doc.turns = _whole_text_turn(text)
        doc.warnings.append("no speaker turns found; stored as one turn, speaker unknown")
    return doc


# -- plain text with optional NAME: turns -------------------------------------------------------

# A speaker label at the start of a line: capitals ("PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR:",
# "SECRETARIO DE MARINA:") or a short title-case name ("Reporter:", "Mr. Smith:").
_UPPER = "A-ZÁÉÍÓÚÑÜÀÈÌÒÙÇ"
# Markdown bolds a label: "**NAME:**" or "**NAME**:" (or with "__"); the marks are not
# part of the name, and a closing mark is only taken where an opening one was.
# Invisible characters that may open a line (a byte-order mark left by joining files, a
# zero-width space or a direction mark pasted from the web) and a no-break space, which
# word processors put between a title and a name.
_INVISIBLE = "\ufeff\u200b-\u200f\u2060"
# A time stamp before the label, as recordings' transcripts have it: "[00:12:31] NAME:",
# "(00:14:30) NAME:", "00:14:10 NAME:" (the stamp is neither the name nor the speech).
_STAMP = r"(?:[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?[\])]?[ \t\u00a0]+(?:-[ \t]+)?)?"
_SPEAKER = re.compile(
    rf"^[ \t\u00a0{_INVISIBLE}]*{_STAMP}(?P<mark>\*\*|__)?"
    rf"(?P<name>(?:[{_UPPER}][{_UPPER}0-9 \u00a0.,'’()/\-]{{0,120}}[{_UPPER})])"
    rf"|(?:[{_UPPER}][a-záéíóúñüç'.\-]+(?:[ \u00a0][{_UPPER}]?[a-záéíóúñüç'.\-]+){{0,3}}))"
    rf"(?(mark)(?::(?:\*\*|__)|(?:\*\*|__):)|:)[ \t\u00a0]*",
    re.MULTILINE,
)


def parse_plain(text: str, *, title: str | None = None) -> ParsedDocument:
    """Plain text; ``NAME:`` lines start speaker turns (see :func:`speaker_labels`).

    Markdown's bold labels count too: ``**NAME:**`` and ``**NAME**:``.
    Without speaker labels the whole text is one turn with an unknown speaker (and a
    warning), so it can still be coded.
    """
    doc = ParsedDocument(text=text, turns=[], title=title)
    matches = speaker_labels(text)
    if matches:
        # Anything before the first label is a header (title, date): not a turn.
        header = text[: matches[0].start()]
        for line in header.split("\n"):
            if line.strip():
                doc.title = doc.title or line.strip()
                break
        doc.date = find_date(header[:500]) if header.strip() else None
        for i, match in enumerate(matches):
            end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
            start = match.end()
            # A label alone on its line: the turn starts with the next line's text.
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            # (a no-break space between title and name is a space)
            doc.turns.append(ParsedTurn(start, end, " ".join(match.group("name").split())))
    else:
        doc.turns = _whole_text_turn(text)
        doc.warnings.append("no speaker turns found; stored as one turn, speaker unknown")
        first_line = text.lstrip()[:200].split("\n", 1)[0].strip()
        doc.title = doc.title or (first_line[:120] or None)
        doc.date = find_date(text[:500])
    return doc


def speaker_labels(text: str) -> list[re.Match]:
    """The ``NAME:`` labels that open speaker turns, or [] when the text has none.

    A label in capitals ("PRESIDENTA CLAUDIA SHEINBAUM PARDO:", "PREGUNTA:") is one.  A
    label in ordinary case must look like a name or a role: every word capitalised but
    particles ("Juan de la Cruz:", "Mr. Smith:"), so a phrase the speaker says ("Es decir:",
    "Como dijo Benito Juárez:") is not one; a single such word ("Primero:", "Atención:")
    counts only when it recurs or names a role or a voice ("Moderadora:", "Reporter:").
    One label alone counts when it is a name in capitals of two words or more (a speech
    with its speaker's line); otherwise it takes two, as a lone "Nota:" names nobody.
    """
    from collections import Counter

    found = [m for m in _SPEAKER.finditer(text) if _plausible_label(m.group("name"))]
    counts = Counter(" ".join(m.group("name").split()) for m in found)
    kept = [m for m in found if _label_kept(" ".join(m.group("name").split()), counts)]
    if len(kept) >= 2:
        return kept
    if len(kept) == 1:
        name = " ".join(kept[0].group("name").split())
        if name == name.upper() and len(name.split()) >= 2:
            return kept
    return []


_PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "e", "da", "das", "do", "dos",
                        "van", "von", "der", "di", "le"})


def _label_kept(name: str, counts) -> bool:
    """Whether a plausible ``NAME:`` match is a speaker label (see :func:`speaker_labels`)."""
    if name == name.upper():
        return True
    words = name.split()
    if any(not word[0].isupper() and word not in _PARTICLES for word in words):
        return False
    if len(words) > 1 or counts[name] >= 2:
        return True
    from .speakers import parse_speaker

    line = parse_speaker(name)
    return line.role_only or line.kind not in ("other", "unknown")


# Words that end in a colon at the start of a line without naming a speaker.
NOT_SPEAKERS = {"nota", "note", "fuente", "source", "http", "https", "p.s", "ps", "re",
                "fecha", "date", "lugar", "place", "tema", "asunto", "subject"}


def _plausible_label(label: str) -> bool:
    word = label.strip().lower()
    return word not in NOT_SPEAKERS and len(word) >= 1


def _whole_text_turn(text: str) -> list[ParsedTurn]:
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    return [ParsedTurn(start, max(start, end), None)]
