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


def parse_administrations(text: str, source: str) -> list[Administration]:
    """Read an administrations YAML text; CoderError naming ``source`` if it is malformed."""

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
        found.append(Administration(item["head"].strip(), str(item.get("role") or "President"),
                                    dates["start"], dates["end"],
                                    dates["from"] or dates["start"]))
    return found


def load_administrations(project: Project | None = None) -> list[Administration]:
    """The project's administrations (its own list if it has one, else the shipped one)."""
    text = project.setting(SETTING) if project is not None else None
    if text:
        return parse_administrations(text, "the project's administrations")
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
