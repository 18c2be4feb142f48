"""Readers for binary and structured formats: .docx, HTML, .pdf, .csv and .xlsx.

Each reader module exposes ``read(path, **options) -> list[ParsedDocument]`` (a list,
because one .csv or .xlsx holds many documents) and ``OPTIONS``, the option names it
accepts.  Every bad input raises :class:`~coder.errors.ImportProblem` with a one-line
message; no library exception escapes.  Plain text and the corpus transcript layout are
read by :mod:`coder.corpus.text`, not here.

This module is the registry (:data:`READERS`, :func:`detect_format`, :func:`read_file`)
and holds what the readers share: turning paragraphs with bold runs into speaker turns.
"""

from __future__ import annotations

import importlib
import re
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import CoderError, ImportProblem
from ..dates import find_date
from ..model import ParsedDocument, ParsedTurn
from ..text import NOT_SPEAKERS, parse_plain
from .safezip import short_reason

#: Format name -> the module that reads it.
READERS: dict[str, str] = {
    "docx": "coder.corpus.formats.docx",
    "html": "coder.corpus.formats.html",
    "pdf": "coder.corpus.formats.pdf",
    "csv": "coder.corpus.formats.tabular",
    "xlsx": "coder.corpus.formats.tabular",
}

#: File extension -> format name.  The extension wins over the content: a ``.docx`` that
#: is not a zip is reported as a bad .docx, not guessed as something else.
EXTENSIONS: dict[str, str] = {
    ".docx": "docx", ".docm": "docx",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".pdf": "pdf",
    ".csv": "csv", ".tsv": "csv",
    ".xlsx": "xlsx", ".xlsm": "xlsx",
}


def detect_format(path: str | Path, head: bytes = b"") -> str | None:
    """The format of ``path`` (a key of :data:`READERS`), or None if it is none of them.

    By extension first, then by ``head`` (the file's first bytes, a few KB): ``%PDF-`` is
    a PDF, a zip with ``word/`` members a .docx and with ``xl/`` members an .xlsx,
    ``<!doctype html`` / ``<html`` an HTML page.  None for everything else, including
    plain text, which :mod:`coder.corpus.text` reads.
    """
    fmt = EXTENSIONS.get(Path(path).suffix.lower())
    if fmt:
        return fmt
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _zip_format(path, head)
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return "html"
    if start.startswith(b"<?xml") and b"<html" in start[:1024]:
        return "html"
    return None


def _zip_format(path: str | Path, head: bytes) -> str | None:
    """docx / xlsx / None for a zip, from the member names (in ``head`` or the directory)."""
    names: Sequence[str]
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except Exception:  # noqa: BLE001 - an unreadable zip is just "not one of ours"
        names = [head.decode("latin-1")]
    if any(name.startswith("word/") or "word/document" in name for name in names):
        return "docx"
    if any(name.startswith("xl/") or "xl/workbook" in name for name in names):
        return "xlsx"
    return None


def read_file(path: str | Path, fmt: str, **options) -> list[ParsedDocument]:
    """Read ``path`` as format ``fmt`` with the reader from :data:`READERS`.

    Options a reader does not take (see its ``OPTIONS``) are dropped, so one set of
    options can be passed for a folder of mixed files.  Always returns at least one
    document or raises :class:`ImportProblem`.
    """
    module_name = READERS.get(fmt)
    if module_name is None:
        raise ImportProblem(f"unknown format {fmt!r} (known: {', '.join(sorted(READERS))})",
                            path=path)
    module = importlib.import_module(module_name)
    accepted = {key: value for key, value in options.items() if key in module.OPTIONS}
    with reading(path, fmt):
        return module.read(Path(path), **accepted)


@contextmanager
def reading(path: object, kind: str) -> Iterator[None]:
    """Turn any exception other than a :class:`CoderError` into an :class:`ImportProblem`.

    The readers catch the errors they expect; this is the backstop for the ones a library
    raises on input nobody foresaw (a KeyError deep in a parser, MemoryError, deep
    recursion), so that a hostile file gives a message, never a traceback.
    """
    try:
        yield
    except CoderError:
        raise
    except MemoryError:
        raise ImportProblem(f"out of memory reading the {kind} file", path=path) from None
    except RecursionError:
        raise ImportProblem(f"{kind} file nested too deeply to read", path=path) from None
    except Exception as exc:
        raise ImportProblem(f"not a valid {kind} file ({type(exc).__name__}: "
                            f"{short_reason(exc)})", path=path) from exc


# -- speaker turns from formatting -------------------------------------------------------------
#
# Word files and web pages mark speakers with bold: "PRESIDENTE ...:" as a bold run at the
# start of a paragraph, or the name alone in a bold paragraph.  The readers describe the
# text as blocks of (text, bold) segments; parse_blocks joins them with "\n" and takes the
# bold labels as turn starts, together with the NAME: lines parse_plain finds.  The stored
# text is exactly the joined block text: nothing is inserted or removed.

#: Lower-cased labels that are not speakers (kept in step with coder.corpus.text).
_MAX_LABEL_WORDS = 12
_MAX_LABEL_CHARS = 120


@dataclass
class Block:
    """One paragraph: its text as (text, bold) segments; a heading is never a speaker."""

    segments: list[tuple[str, bool]] = field(default_factory=list)
    heading: bool = False

    @property
    def text(self) -> str:
        """The paragraph's text."""
        return "".join(text for text, _ in self.segments)


def bold_label(segments: Sequence[tuple[str, bool]], *, bare: bool = True) -> tuple[int, str] | None:
    """A speaker label in bold at the start of a paragraph: ``(label end, speaker)``.

    Recognised: a bold run ending in a colon ("**NAME:** speech"), a bold run followed by
    a colon ("**NAME**: speech") and, when ``bare``, a paragraph that is nothing but a
    name in bold capitals ("**PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR**").  The label end
    is an index into the paragraph text just after the colon (or the name).
    """
    text = "".join(part for part, _ in segments)
    pos = prefix_end = 0
    for part, is_bold in segments:
        if is_bold:
            pos += len(part)
            if part.strip():
                prefix_end = pos
        elif not part.strip():
            pos += len(part)
        else:
            break
    if not prefix_end:
        return None
    prefix = text[:prefix_end].rstrip()
    if prefix.endswith(":"):
        name, end = prefix[:-1], len(prefix)
    else:
        rest = text[prefix_end:]
        stripped = rest.lstrip(" \t")
        if stripped.startswith(":"):
            name, end = prefix, prefix_end + (len(rest) - len(stripped)) + 1
        elif bare and not text[prefix_end:].strip():
            name, end = prefix, len(prefix)
            if not _bare_name(name.strip()):
                return None
        else:
            return None
    if "\n" in name.strip():
        return None  # bold running over a line break is emphasis, not a label
    name = " ".join(name.split())
    if not _plausible_speaker(name):
        return None
    return end, name


def _plausible_speaker(name: str) -> bool:
    words = name.split()
    return (
        0 < len(words) <= _MAX_LABEL_WORDS
        and len(name) <= _MAX_LABEL_CHARS
        and any(ch.isalpha() for ch in name)
        and name[-1] not in ".?!;,"
        and name.lower() not in NOT_SPEAKERS
    )


def _bare_name(name: str) -> bool:
    """A name alone in bold: capitals, letters, no digits (a date or number is a heading)."""
    letters = [ch for ch in name if ch.isalpha()]
    return (
        len(letters) >= 2
        and name == name.upper()
        and not any(ch.isdigit() for ch in name)
    )


def parse_blocks(blocks: Sequence[Block], *, title: str | None = None) -> ParsedDocument:
    """Join ``blocks`` with "\\n" into the document text and find its speaker turns.

    Bold labels (see :func:`bold_label`) start turns, as do the ``NAME:`` lines that
    :func:`coder.corpus.text.parse_plain` finds.  A bare bold name in the first non-empty
    block is a title, not a speaker, unless the same name is a label again further down;
    headings are never speakers.
    """
    parts: list[str] = []
    labels: list[tuple[int, int, str]] = []
    pos = 0
    first: tuple[int, int, str] | None = None  # a bare name in the first block: title?
    seen_first = False
    for block in blocks:
        text = block.text
        if text.strip():
            label = None if block.heading else bold_label(block.segments)
            if label is not None:
                lead = len(text) - len(text.lstrip())
                end, speaker = label
                if not seen_first and bold_label(block.segments, bare=False) is None:
                    first = (pos + lead, pos + end, speaker)
                else:
                    labels.append((pos + lead, pos + end, speaker))
            seen_first = True
        parts.append(text)
        pos += len(text) + 1
    # A bold name alone at the very top is the title, unless that speaker speaks again.
    if first is not None and first[2].lower() in {speaker.lower() for *_, speaker in labels}:
        labels.insert(0, first)
    return parse_labelled("\n".join(parts), labels, title=title)


def parse_labelled(text: str, labels: Sequence[tuple[int, int, str]], *,
                   title: str | None = None) -> ParsedDocument:
    """:func:`parse_plain` plus extra speaker labels ``(label start, label end, speaker)``.

    Used when formatting (bold) marks speakers that plain text cannot show.  Where a
    formatting label and a ``NAME:`` line start at the same place, the formatting wins.
    """
    doc = parse_plain(text, title=title)
    if labels:
        merged: dict[int, tuple[int, int, str]] = {start: (start, end, speaker)
                                                  for start, end, speaker in labels}
        for turn in doc.turns:
            if turn.speaker is not None:
                # The label's line: the turn starts after the label and the blanks after
                # it, which run onto the next line when the label is alone on its line.
                label_end = turn.start
                while label_end > 0 and text[label_end - 1].isspace():
                    label_end -= 1
                line_start = text.rfind("\n", 0, label_end) + 1
                merged.setdefault(line_start, (line_start, turn.start, turn.speaker))
        kept: list[tuple[int, int, str]] = []
        for label in sorted(merged.values()):
            if kept and label[0] < kept[-1][1]:
                continue  # inside the previous label
            kept.append(label)
        header = text[: kept[0][0]]
        new = ParsedDocument(text=text, turns=[], title=title)
        for line in header.split("\n"):
            if line.strip():
                new.title = new.title or line.strip()
                break
        new.date = find_date(header[:500]) if header.strip() else None
        for index, (_, label_end, speaker) in enumerate(kept):
            end = kept[index + 1][0] if index + 1 < len(kept) else len(text)
            new.turns.append(ParsedTurn(label_end, end, speaker))
        doc = new
    tidy_turns(doc)
    return doc


def tidy_turns(doc: ParsedDocument) -> None:
    """Trim whitespace at both ends of every turn (a label alone on its line leaves "\\n")."""
    text = doc.text
    for turn in doc.turns:
        start, end = turn.start, turn.end
        while end > start and text[end - 1].isspace():
            end -= 1
        while start < end and text[start].isspace():
            start += 1
        turn.start, turn.end = start, end
        if turn.speaker is not None:
            turn.speaker = " ".join(turn.speaker.split()) or None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Normalise newlines to "\\n" and drop control characters a library may leave in."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n")
    return _CONTROL.sub("", text)
