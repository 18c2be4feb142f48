"""Word .docx files: body paragraphs and table cells, in order, one per line.

The zip is checked by :mod:`.safezip` (corrupt, encrypted, zip bomb, path traversal,
XML with a DOCTYPE) before python-docx opens it.  Text is taken from the body XML
directly so that tracked insertions, hyperlinks, fields and content controls are kept and
deleted text, field codes, text boxes and drawings are not.  Speaker turns come from
``NAME:`` lines and from bold labels (see :func:`coder.corpus.formats.parse_blocks`).
"""

from __future__ import annotations

from pathlib import Path

from ...errors import ImportProblem
from ..model import ParsedDocument
from . import Block, clean_text, parse_blocks, reading, safezip

OPTIONS = frozenset({"max_total", "max_ratio"})

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"

# Containers whose children are read as more body content (block level) ...
_BLOCK_CONTAINERS = {_W + name for name in ("tbl", "tr", "tc", "sdt", "sdtContent", "customXml",
                                              "ins", "moveTo")}
# ... and elements skipped with everything under them (inside a paragraph or at block level).
_SKIP = {_W + name for name in ("del", "moveFrom", "pPr", "rPr", "instrText", "delText",
                                 "delInstrText", "txbxContent", "drawing", "pict", "object",
                                 "sdtPr", "sdtEndPr", "tblPr", "tblGrid", "trPr", "tcPr",
                                 "sectPr", "commentReference", "footnoteReference",
                                 "endnoteReference", "fldData")} | {_MC + "Fallback"}
_CHARS = {_W + "tab": "\t", _W + "ptab": "\t", _W + "br": "\n", _W + "cr": "\n",
          _W + "noBreakHyphen": "-"}
_FALSE = {"0", "false", "off", "none"}


def read(path: Path, *, max_total: int = safezip.MAX_TOTAL,
         max_ratio: float = safezip.MAX_RATIO) -> list[ParsedDocument]:
    """Read a .docx into one :class:`ParsedDocument` (see the module docstring).

    The title is the file's core-properties title when set; the date is the one written
    near the top of the text (else the importer's file-name rule).  The properties'
    creation date is not used: it is the date of the file (or of Word's template), not of
    the speech.
    """
    with reading(path, ".docx"):
        with safezip.open_zip(path, kind=".docx", max_total=max_total,
                              max_ratio=max_ratio) as zf:
            safezip.check_xml_members(zf, path)
        document = _open(path)
        props = document.core_properties
        title = (props.title or "").strip() or None
        bold_styles = _bold_styles(document)
        blocks = list(_body_blocks(document.element.body, bold_styles))
    for block in blocks:
        block.segments = [(clean_text(text), bold) for text, bold in block.segments]
    if not any(block.text.strip() for block in blocks):
        raise ImportProblem("the .docx has no text", path=path)
    doc = parse_blocks(blocks, title=title)
    doc.check()
    return [doc]


def _open(path: Path):
    """python-docx's Document, with its refusals turned into one-line problems."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        return docx.Document(str(path))
    except PackageNotFoundError:
        raise ImportProblem("not a valid .docx (no Word document inside the zip)",
                            path=path) from None
    except ValueError as exc:
        # "file '...' is not a Word file, content type is '...'" (an .xlsx renamed, say)
        if "content type" in str(exc):
            raise ImportProblem("not a Word document (wrong content type inside the zip)",
                                path=path) from None
        raise ImportProblem(f"not a valid .docx ({safezip.short_reason(exc)})",
                            path=path) from None
    except KeyError as exc:
        raise ImportProblem(f"not a valid .docx (missing part: {exc.args[0] if exc.args else exc})",
                            path=path) from None


def _bold_styles(document) -> dict[str, bool]:
    """Style id -> whether text in that style is bold (following ``basedOn``)."""
    styles = {}
    for style in document.styles:
        try:
            styles[style.style_id] = style
        except Exception:  # noqa: BLE001 - a broken style just doesn't make text bold
            continue
    result: dict[str, bool] = {}
    for style_id, style in styles.items():
        bold = None
        seen = set()
        current = style
        while current is not None and bold is None and id(current) not in seen:
            seen.add(id(current))
            font = getattr(current, "font", None)
            bold = font.bold if font is not None else None
            current = getattr(current, "base_style", None)
        result[style_id] = bool(bold)
    return result


def _style_id(props, tag: str) -> str | None:
    if props is None:
        return None
    node = props.find(_W + tag)
    return node.get(_W + "val") if node is not None else None


def _is_heading(style_id: str | None) -> bool:
    return bool(style_id) and style_id.lower().replace(" ", "").startswith(("heading", "title",
                                                                             "titulo", "ttulo"))


def _body_blocks(container, bold_styles: dict[str, bool]):
    """Yield a :class:`Block` per paragraph under ``container`` (tables cell by cell)."""
    for child in container:
        tag = child.tag
        if tag == _W + "p":
            style = _style_id(child.find(_W + "pPr"), "pStyle")
            block = Block(heading=_is_heading(style))
            _paragraph(child, bold_styles.get(style or "", False), bold_styles, block.segments)
            yield block
        elif tag in _BLOCK_CONTAINERS or tag == _MC + "AlternateContent" or tag == _MC + "Choice":
            yield from _body_blocks(child, bold_styles)


def _paragraph(element, para_bold: bool, bold_styles: dict[str, bool],
               out: list[tuple[str, bool]], bold: bool | None = None) -> None:
    """Append the (text, bold) segments under a ``w:p`` (or part of one) to ``out``."""
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue
        if tag == _W + "r":
            _paragraph(child, para_bold, bold_styles, out, _run_bold(child, para_bold, bold_styles))
        elif tag == _W + "t":
            if child.text:
                out.append((child.text, bool(bold)))
        elif tag in _CHARS:
            if tag == _W + "br" and child.get(_W + "type") == "page":
                out.append(("\n", bool(bold)))
            else:
                out.append((_CHARS[tag], bool(bold)))
        elif tag == _W + "p":
            continue  # a paragraph nested in a paragraph lives in a text box: skipped
        else:
            # hyperlink, ins, smartTag, sdt/sdtContent, fldSimple, AlternateContent/Choice ...
            _paragraph(child, para_bold, bold_styles, out, bold)


def _run_bold(run, para_bold: bool, bold_styles: dict[str, bool]) -> bool:
    """Whether a ``w:r`` is bold: its own ``w:b``, else its character style, else the paragraph's."""
    props = run.find(_W + "rPr")
    if props is not None:
        node = props.find(_W + "b")
        if node is not None:
            return (node.get(_W + "val") or "true").lower() not in _FALSE
        style = _style_id(props, "rStyle")
        if style and bold_styles.get(style):
            return True
    return para_bold
