"""PDF files: the text layer, page by page, joined with "\\n".

pypdf reads the text layer; a scanned PDF without one is refused with a hint to run OCR.
An encrypted PDF is tried with the empty password first (many published PDFs are
"encrypted" only to restrict printing and open without one).  Speaker turns come from
``NAME:`` lines (a PDF has no reliable bold information).
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ...errors import ImportProblem
from ..model import ParsedDocument
from ..text import parse_plain
from . import clean_text, reading, tidy_turns
from .safezip import short_reason

OPTIONS = frozenset({"max_pages", "password"})

#: Refuse PDFs with more pages than this.
MAX_PAGES = 5000
_HEAD = 1024  # the %PDF- header may follow a little junk; readers look this far


def read(path: Path, *, max_pages: int = MAX_PAGES, password: str | None = None
         ) -> list[ParsedDocument]:
    """Read a PDF's text layer into one :class:`ParsedDocument`.

    The title is the PDF's metadata title when set; the date is the one written near the
    top of the text, else the metadata creation date.  ``password`` opens a PDF that
    needs one.  Pages whose text cannot be extracted are left empty, with a warning.
    ``metadata`` gets ``pages`` (the page count) and ``page_starts`` (the offset in the
    text where each page begins, for citing page numbers).
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(_HEAD)
    except OSError as exc:
        raise ImportProblem(f"cannot read the file ({exc.strerror or exc})", path=path) from None
    if not head.strip():
        raise ImportProblem("the file is empty", path=path)
    if b"%PDF-" not in head:
        raise ImportProblem("not a valid .pdf (no %PDF header)", path=path)
    with reading(path, ".pdf"), _quiet_pypdf():
        reader = _open(path, password)
        count = _page_count(reader, path)
        if count > max_pages:
            raise ImportProblem(f"too many pages ({count:,}; limit {max_pages:,})", path=path)
        pages: list[str] = []
        problems: list[str] = []
        for number in range(count):
            try:
                pages.append(clean_text(reader.pages[number].extract_text() or ""))
            except (MemoryError, RecursionError):
                raise
            except Exception as exc:  # noqa: BLE001 - one bad page should not lose the rest
                pages.append("")
                problems.append(f"page {number + 1}: no text extracted ({short_reason(exc)})")
        title, created = _metadata(reader)
    text = "\n".join(pages)
    page_starts = [0]
    for page in pages[:-1]:
        page_starts.append(page_starts[-1] + len(page) + 1)
    if not text.strip():
        raise ImportProblem("no text layer (scanned PDF?); run OCR first", path=path)
    doc = parse_plain(text, title=title)
    tidy_turns(doc)
    doc.warnings.extend(problems)
    doc.metadata["pages"] = count
    doc.metadata["page_starts"] = page_starts
    if doc.date is None and created is not None:
        doc.date = created
        doc.warnings.append("date taken from the .pdf properties (creation date)")
    doc.check()
    return [doc]


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """Silence pypdf's warnings while reading: it reports every oddity of a damaged file,
    and the one-line problem we raise (or the document's warnings) is what the user needs."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _open(path: Path, password: str | None):
    """A decrypted :class:`pypdf.PdfReader`, or a one-line problem."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError, PyPdfError

    try:
        reader = PdfReader(str(path), strict=False)
    except (PyPdfError, PdfReadError, ValueError, KeyError, TypeError, IndexError,
            AttributeError, AssertionError, OSError, EOFError) as exc:
        raise ImportProblem(f"not a valid .pdf (corrupt or truncated: {short_reason(exc)})",
                            path=path) from None
    if reader.is_encrypted:
        try:
            opened = any(reader.decrypt(attempt) for attempt in _passwords(password))
        except DependencyError:
            raise ImportProblem(
                "encrypted .pdf (AES) needs the 'cryptography' package to be read: "
                "pip install cryptography", path=path) from None
        except (PyPdfError, ValueError, KeyError, TypeError, NotImplementedError) as exc:
            raise ImportProblem(f"encrypted .pdf that cannot be decrypted ({short_reason(exc)})",
                                path=path) from None
        if not opened:
            raise ImportProblem("password-protected .pdf; remove the password and try again",
                                path=path)
    return reader


def _passwords(password: str | None) -> list[str]:
    return [""] if password is None else ["", password]


def _page_count(reader, path: Path) -> int:
    from pypdf.errors import PyPdfError

    try:
        return len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise ImportProblem(f"not a valid .pdf (unreadable page tree: {short_reason(exc)})",
                            path=path) from None


def _metadata(reader) -> tuple[str | None, dt.date | None]:
    """Title and creation date from the document info; anything unreadable is None."""
    try:
        info = reader.metadata
    except Exception:  # noqa: BLE001 - metadata is optional
        return None, None
    if info is None:
        return None, None
    title = None
    try:
        raw = info.title
        if raw and str(raw).strip():
            title = " ".join(str(raw).split())
            # Word's PDF export names the source file: "Microsoft Word - informe.docx".
            if title.lower().startswith("microsoft word - "):
                title = title[len("microsoft word - "):] or None
    except Exception:  # noqa: BLE001
        title = None
    created = None
    try:
        value = info.creation_date
        if isinstance(value, dt.datetime):
            created = value.date()
    except Exception:  # noqa: BLE001 - a malformed /CreationDate string
        created = None
    return title, created
