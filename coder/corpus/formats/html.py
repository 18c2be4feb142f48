"""HTML pages: the visible text of the article, one block element per line.

Scripts, styles, navigation, page headers and footers, forms and hidden elements are
dropped; block elements (``p``, ``div``, ``li``, ``h1``..., ``br``) end a line and
whitespace inside a line collapses to one space.  When the page has an article body (the
gob.mx "versión estenográfica" layout: ``div.article-body``; or ``itemprop=articleBody``,
``<article>``, ``<main>``) only that is read; the title comes from ``<h1>``.  Speakers are
``NAME:`` lines and bold runs at the start of a paragraph ("<strong>INTERLOCUTOR:</strong>
...", see :func:`coder.corpus.formats.parse_blocks`).

Hostile input: the file size is capped, a page declaring entities is refused, and lxml's
HTML parser runs without network access or ``huge_tree`` (it never expands entity
declarations; the refusal just makes the message clear).
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from pathlib import Path

from ...errors import ImportProblem
from ..dates import find_date
from ..model import ParsedDocument
from ..text import decode_bytes
from . import Block, parse_blocks, reading

OPTIONS = frozenset({"max_bytes"})

#: Refuse HTML files larger than this.
MAX_BYTES = 64 * 1024 * 1024

_SKIP_TAGS = frozenset({
    "script", "style", "nav", "header", "footer", "noscript", "template", "head", "aside",
    "form", "iframe", "frame", "frameset", "svg", "math", "button", "select", "option",
    "textarea", "input", "object", "embed", "canvas", "audio", "video", "map", "meta",
    "link", "title", "dialog",
})
_BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li",
    "ul", "ol", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "blockquote",
    "pre", "address", "figure", "figcaption", "hr", "center", "details", "summary",
    "caption", "fieldset", "legend", "body", "html", "br",
})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_CELLS = frozenset({"td", "th"})
_BOLD_TAGS = frozenset({"b", "strong"})
_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(?:bold|bolder|[6-9]00)", re.IGNORECASE)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)"""
    rb"""|<\?xml[^>]*encoding\s*=\s*["']([a-zA-Z0-9_.:-]+)""",
    re.IGNORECASE,
)
_ENTITY = re.compile(r"<!ENTITY", re.IGNORECASE)
# Where the text of a web article lives, most specific first.
_CONTENT_ROOTS = (
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' article-body ')]",
    "//*[@itemprop='articleBody']",
    "//article",
    "//main",
    "//*[@role='main']",
    "//body",
)
_DATE_META = (
    "//meta[@property='article:published_time']/@content",
    "//meta[@name='date']/@content",
    "//meta[@name='DC.date']/@content",
    "//meta[@name='dcterms.date']/@content",
    "//time/@datetime",
)


def read(path: Path, *, max_bytes: int = MAX_BYTES) -> list[ParsedDocument]:
    """Read an HTML page into one :class:`ParsedDocument` (see the module docstring)."""
    data = _read_bytes(path, max_bytes)
    warnings: list[str] = []
    text = _decode(data, path, warnings)
    if _ENTITY.search(text):
        raise ImportProblem("refusing HTML with entity declarations (possible entity bomb)",
                            path=path)
    with reading(path, "HTML"):
        root = _parse(text, path)
        title = _title(root)
        blocks = _blocks(_content_root(root))
        if not any(block.text.strip() for block in blocks):
            raise ImportProblem("no visible text in the HTML page", path=path)
        doc = parse_blocks(blocks, title=title)
        if doc.date is None:
            doc.date = _page_date(root)
    doc.warnings.extend(warnings)
    doc.check()
    return [doc]


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ImportProblem(f"HTML file too large ({size / 1048576:,.0f} MB; "
                                f"limit {max_bytes / 1048576:,.0f} MB)", path=path)
        return path.read_bytes()
    except OSError as exc:
        raise ImportProblem(f"cannot read the file ({exc.strerror or exc})", path=path) from None


def _decode(data: bytes, path: Path, warnings: list[str] | None = None) -> str:
    """Text from bytes: a BOM, else a declared charset, else :func:`decode_bytes`."""
    if not data.strip():
        raise ImportProblem("the file is empty", path=path)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _newlines(data.decode("utf-16"))
        except UnicodeDecodeError:
            raise ImportProblem("undecodable UTF-16 HTML", path=path) from None
    declared = _declared_charset(data[:4096])
    if declared and declared not in ("utf-8", "utf-16", "utf-16-le", "utf-16-be"):
        if b"\x00" in data[:65536]:
            raise ImportProblem("binary file (NUL bytes); expected HTML", path=path)
        try:
            return _newlines(data.decode(declared))
        except UnicodeDecodeError:
            pass  # the declaration is wrong: guess as for any text file
    return decode_bytes(data, path, warnings)


def _declared_charset(head: bytes) -> str | None:
    """The codec a ``<meta charset>`` or XML declaration names, as Python spells it."""
    match = _CHARSET.search(head)
    if not match:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii").lower()
    if label in ("iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii", "iso8859-1"):
        label = "cp1252"  # what browsers do (WHATWG Encoding Standard)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _parse(text: str, path: Path):
    """The page's ``<html>`` element, parsed without network access or huge trees."""
    import lxml.html
    from lxml import etree

    parser = lxml.html.HTMLParser(
        encoding="utf-8", no_network=True, huge_tree=False, remove_comments=True,
        remove_pis=True, default_doctype=False,
    )
    try:
        return lxml.html.document_fromstring(text.encode("utf-8", "replace"), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        from .safezip import short_reason

        raise ImportProblem(f"not a readable HTML page ({short_reason(exc)})",
                            path=path) from None


def _clean(text: str | None) -> str:
    return _SPACE.sub(" ", text or "").strip()


def _title(root) -> str | None:
    """``<h1>``, else ``og:title``, else ``<title>`` without its " | site" tail."""
    for h1 in root.iter("h1"):
        text = _clean(h1.text_content())
        if text:
            return text
    for value in root.xpath("//meta[@property='og:title']/@content"):
        if _clean(value):
            return _clean(value)
    for element in root.iter("title"):
        text = _clean(element.text_content()).split(" | ")[0].strip()
        if text:
            return text
    return None


def _content_root(root):
    """The element holding the article text (the whole page if none is marked)."""
    for query in _CONTENT_ROOTS:
        for element in root.xpath(query):
            if _clean(element.text_content()):
                return element
    return root


def _page_date(root) -> dt.date | None:
    """A date shown near the ``<h1>`` (gob.mx: a "Fecha de publicación" box beside it),
    else one from ``<meta>`` / ``<time>``."""
    for h1 in root.iter("h1"):
        container = h1.getparent()
        for _ in range(2):  # the heading's box, then the row around it
            if container is None:
                break
            visible = " ".join(block.text for block in _blocks(container))
            date = find_date(visible[:2000])
            if date:
                return date
            container = container.getparent()
        break
    for query in _DATE_META:
        for value in root.xpath(query):
            value = str(value).strip()
            try:
                return dt.date.fromisoformat(value[:10])
            except ValueError:
                date = find_date(value)
                if date:
                    return date
    return None


def _is_bold(element, inherited: bool) -> bool:
    if inherited or _tag(element) in _BOLD_TAGS:
        return True
    style = element.get("style")
    return bool(style and _BOLD_STYLE.search(style))


def _is_hidden(element) -> bool:
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    style = element.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


class _Lines:
    """Collects (text, bold) runs into blocks, collapsing whitespace inside each line."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.current: list[tuple[str, bool]] = []
        self.heading = 0

    def add(self, text: str | None, bold: bool) -> None:
        if not text:
            return
        text = _SPACE.sub(" ", text)
        if not self.current or self.current[-1][0].endswith(" "):
            text = text.lstrip(" ")
        if text:
            self.current.append((text, bold))

    def end_line(self) -> None:
        segments = self.current
        while segments and not segments[-1][0].strip():
            segments.pop()
        if segments:
            last, bold = segments[-1]
            segments[-1] = (last.rstrip(" "), bold)
            self.blocks.append(Block(segments, heading=self.heading > 0))
        self.current = []


def _blocks(root) -> list[Block]:
    """The visible text under ``root`` as blocks (iterative: deep pages cannot overflow)."""
    lines = _Lines()
    # Work items: (element, bold) to visit, (str, bold) text to add, (_END, element) to close.
    stack: list[tuple] = [(root, False)]
    while stack:
        item = stack.pop()
        if item[0] is _END:
            tag = _tag(item[1])
            if tag in _BLOCK_TAGS:
                lines.end_line()
            if tag in _HEADINGS:
                lines.heading -= 1
            elif tag in _CELLS:
                lines.add(" ", False)
            continue
        if isinstance(item[0], str):
            lines.add(item[0], item[1])
            continue
        element, bold = item
        if element is not root and element.tail:
            stack.append((element.tail, bold))
        tag = _tag(element)
        if not tag or tag in _SKIP_TAGS or _is_hidden(element):
            continue
        own_bold = _is_bold(element, bold)
        if tag in _BLOCK_TAGS:
            lines.end_line()
        if tag in _HEADINGS:
            lines.heading += 1
        stack.append((_END, element))
        stack.extend((child, own_bold) for child in reversed(element))
        if element.text:
            stack.append((element.text, own_bold))
    lines.end_line()
    return lines.blocks


_END = object()


def _tag(element) -> str:
    """The lower-case tag name; "" for comments and processing instructions."""
    return element.tag.lower() if isinstance(element.tag, str) else ""
