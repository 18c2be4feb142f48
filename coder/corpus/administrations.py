"""Administrations: who is the head of government on a given date.

The only people coder ships as data (``coder/data/administrations.yaml``): each
administration's head of government, the role their turns get, and its dates.  A project
can hold its own list (``coder speakers administrations FILE.yaml``), e.g. for another
country's corpus; it replaces the shipped one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..errors import CoderError
from ..project import Project

SHIPPED = Path(__file__).resolve().parent.parent / "data" / "administrations.yaml"
SETTING = "administrations"


@dataclass(frozen=True)
class Administration:
    """One head of government's time in office."""

    head: str
    role: str
    start: str  # YYYY-MM-DD
    end: str | None  # None: still in office
    since: str  # from when their events count as theirs (``from``, default ``start``)


def parse_administrations(text: str, source: str, *, check_dates: bool = True
                          ) -> list[Administration]:
    """Read an administrations YAML text; CoderError naming ``source`` if it is malformed.

    With ``check_dates`` (the default) the dates must also make sense: each ``start`` on or
    before its ``end``, ``from`` on or before ``start``, and no two terms in office
    (``start`` to ``end``) sharing a day, else on some dates nobody, or two people, would
    be the president.
    """

    from .. import yamlsafe

    data = yamlsafe.load_file_text(text, source)
    items = data.get("administrations") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise CoderError(f"{source}: expected a list under 'administrations:'")
    found = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict) or not isinstance(item.get("head"), str) \
                or not item["head"].strip():
            raise CoderError(f"{source}: administration {number} has no 'head' name")
        dates = {}
        for field in ("start", "end", "from"):
            value = item.get(field)
            if value is None or value == "":
                dates[field] = None
                continue
            try:
                dates[field] = dt.date.fromisoformat(str(value)).isoformat()
            except ValueError:
                raise CoderError(f"{source}: administration {number}: {field} {value!r} is not a "
                                 "date (YYYY-MM-DD)") from None
        if dates["start"] is None:
            raise CoderError(f"{source}: administration {number} has no 'start' date")
        head = item["head"].strip()
        if check_dates:
            _check_dates(source, number, head, dates)
        found.append(Administration(head, str(item.get("role") or "President"),
                                    dates["start"], dates["end"],
                                    dates["from"] or dates["start"]))
    if check_dates:
        _check_overlaps(source, found)
    return found


def _check_dates(source: str, number: int, head: str, dates: dict) -> None:
    """One administration's dates in order (see :func:`parse_administrations`)."""
    where = f"{source}: administration {number} ({head})"
    if dates["end"] is not None and dates["start"] > dates["end"]:
        raise CoderError(f"{where}: start {dates['start']} is after end {dates['end']}")
    if dates["from"] is not None and dates["from"] > dates["start"]:
        raise CoderError(f"{where}: from {dates['from']} is after start {dates['start']} "
                         "('from' is an earlier day, e.g. the president-elect's)")


def _check_overlaps(source: str, found: list[Administration]) -> None:
    """No two terms in office share a day.  Sorted by start, a term that ends before the
    next one starts is apart from every later one, so neighbours are all to compare."""
    numbered = sorted(enumerate(found, 1), key=lambda item: (item[1].start, item[0]))
    for (first_number, first), (number, adm) in zip(numbered, numbered[1:]):
        if first.end is None or first.end >= adm.start:
            until = "has no end (still in office)" if first.end is None else f"ends {first.end}"
            raise CoderError(
                f"{source}: administration {number} ({adm.head}) starts {adm.start}, but "
                f"administration {first_number} ({first.head}) {until}: terms in office "
                "cannot overlap")


def load_administrations(project: Project | None = None) -> list[Administration]:
    """The project's administrations (its own list if it has one, else the shipped one)."""
    text = project.setting(SETTING) if project is not None else None
    if text:
        # Checked when it was loaded; a list stored before the date checks existed is read
        # as it always was, so that project still opens (loading a file again checks it).
        return parse_administrations(text, "the project's administrations", check_dates=False)
    return _shipped()


def _shipped() -> list[Administration]:
    return parse_administrations(SHIPPED.read_text(encoding="utf-8"), str(SHIPPED))


def administration_on(administrations: list[Administration], date: str | None
                      ) -> Administration | None:
    """The administration whose events the date belongs to (the latest-starting one whose
    span covers it), or None (no date, or none in force)."""
    if not date:
        return None
    day = date[:10]
    best = None
    for adm in administrations:
        if adm.since <= day and (adm.end is None or day <= adm.end):
            if best is None or adm.since > best.since:
                best = adm
    return best


#END
