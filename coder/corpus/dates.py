"""Dates from Spanish and English date lines, and from file paths."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import PurePath

MONTHS = {
    # Spanish
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11,
    "diciembre": 12,
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_ISO = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_/.](\d{1,2})[-_/.](\d{1,2})(?!\d)")
# "01 de agosto de 2019", "1 de agosto, 2019", "1o. de diciembre del 2018"
_ES = re.compile(rf"\b(\d{{1,2}})(?:o|º|°)?\.?\s+de\s+({_MONTH})\s*(?:de|del|,)?\s+((?:19|20)\d\d)\b")
# "1 August 2019", "1st of August, 2019"
_EN_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\.?,?\s+((?:19|20)\d\d)\b")
# "August 1, 2019"
_EN_MDY = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)\b")
_DMY_NUM = re.compile(r"\b(\d{1,2})/(\d{1,2})/((?:19|20)\d\d)\b")


def _fold(text: str) -> str:
    """Lower case without accents (the combining marks NFKD splits off)."""
    if text.isascii():  # O(1), and most date lines are
        return text.lower()
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def _make(year: int | str, month: int | str, day: int | str) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def find_date(text: str) -> dt.date | None:
    """The first date written in ``text`` (Spanish or English words, or ISO), else None."""
    if not text:
        return None
    folded = _fold(text)
    candidates = []
    for regex, order in ((_ES, "dmy"), (_EN_DMY, "dmy"), (_EN_MDY, "mdy"), (_ISO, "ymd"),
                         (_DMY_NUM, "dmy")):
        match = regex.search(folded)
        if not match:
            continue
        a, b, c = match.groups()
        if order == "dmy":
            day, month, year = a, b, c
        elif order == "mdy":
            month, day, year = a, b, c
        else:
            year, month, day = a, b, c
        month = MONTHS.get(month, month)
        date = _make(year, month, day)
        if date:
            candidates.append((match.start(), date))
    return min(candidates)[1] if candidates else None


def date_from_path(path: str | PurePath) -> dt.date | None:
    """A date from a file path: ``2019-08-01_x.txt`` or the corpus's ``2019/agosto/01--slug.txt``."""
    p = PurePath(path)
    date = find_date(p.name)
    if date:
        return date
    parts = [_fold(part) for part in p.parts]
    if len(parts) >= 3:
        year, month, name = parts[-3], parts[-2], parts[-1]
        day = re.match(r"(\d{1,2})\D", name)
        if re.fullmatch(r"(19|20)\d\d", year) and month in MONTHS and day:
            return _make(year, MONTHS[month], day.group(1))
    return None
