"""What a command works on: the one home of the selection filters.

Exports, matrices, statistics, search, the audit draw and suggestion runs all select by
the same concepts, resolved here and nowhere else:

- documents: ids, each must exist (``document_ids``);
- dates: ``since``/``until`` as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, inclusive, real
  calendar dates (:func:`normalise_date`; :func:`date_sql` compares same-length prefixes,
  so ``until="2019-03"`` runs to the end of March); documents without a date are left out;
- codes: a code id includes its descendants (:func:`coder.codebook.model.descendants`);
- coders: names, plus ``gold`` for the adjudicated layer (coders with ``is_gold``);
- speakers and roles of turns: :func:`speaker_ids` and :func:`role_condition`;
- document attributes: ``where`` (``key=value``, all must hold: genre, administration,
  any ``coder documents set`` key; :func:`coder.corpus.documents.where_sql`), and
  ``include_excluded``: documents excluded with ``coder documents exclude`` are left out
  unless asked for (or named by id).

The command line adds the same options to every command with
:func:`coder.commands.selection.selection_options`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .codebook.model import code_tree, descendants
from .errors import CoderError
from .project import Project
from .wording import first_few

_DATE = re.compile(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")


@dataclass
class Filters:
    """Resolved filters: ids instead of names, codes expanded to their descendants."""

    coder_ids: list[int] | None = None
    code_ids: list[str] | None = None
    since: str | None = None
    until: str | None = None
    document_ids: list[int] | None = None
    where: list[str] | None = None  # document attributes, key=value (all must hold)
    include_excluded: bool = False  # excluded documents count too

    def annotation_sql(self, a: str = "a", d: str = "d") -> tuple[str, list]:
        """``AND ...`` clauses (and their parameters) over annotations ``a``, documents ``d``."""
        sql, params = self.document_sql(d)
        if self.coder_ids is not None:
            sql += f" AND {a}.coder_id IN ({_marks(self.coder_ids)})"
            params += self.coder_ids
        if self.code_ids is not None:
            sql += f" AND {a}.code_id IN ({_marks(self.code_ids)})"
            params += self.code_ids
        return sql, params

    def document_sql(self, d: str = "d") -> tuple[str, list]:
        """``AND ...`` clauses over documents ``d`` (dates, ids, attributes, exclusion)."""
        sql, params = date_sql(self.since, self.until, f"{d}.date")
        if self.document_ids is not None:
            sql += f" AND {d}.id IN ({_marks(self.document_ids)})"
            params += self.document_ids
        elif not self.include_excluded:
            # Excluded documents are kept but left out, unless asked for (or named by id).
            sql += f" AND {d}.excluded = 0"
        if self.where:
            from .corpus.documents import where_sql

            more, more_params = where_sql(self.where, d)
            sql += more
            params += more_params
        return sql, params


def date_sql(since: str | None, until: str | None, column: str = "d.date") -> tuple[str, list]:
    """``AND ...`` clauses (and parameters) keeping dates of ``column`` in ``[since, until]``.

    Both are normalised prefixes (:func:`normalise_date`).  Comparing the same-length
    prefix makes ``"2019-03"`` mean "to the end of March" and ``"2019"`` the whole year.
    """
    sql, params = "", []
    if since is not None:
        sql += f" AND {column} >= ?"
        params.append(since)
    if until is not None:
        sql += f" AND substr({column}, 1, {len(until)}) <= ?"
        params.append(until)
    return sql, params


def coded_sql(coder_ids: list[int] | None, d: str = "d") -> tuple[str, list]:
    """``AND ...`` (and parameters) keeping the documents ``d`` these coders have *coded*.

    The one rule of "documents a coder has coded" (agreement's document rule, statistics'
    ``coded_only``): a live annotation of theirs there, an assignment of theirs there
    marked done (a document read in full and found to hold nothing codable is coded too),
    or, for a gold layer, an adjudication there still in effect (not undone).  The last
    counts a document the adjudicator settled as "not coded", which leaves no gold
    annotation: without it, exactly the documents where a coder and gold disagree would
    drop out of a comparison with gold.  ``coder_ids`` None: any coder.
    """
    if coder_ids is None:
        who, params = "", []
    else:
        who, params = f" AND coder_id IN ({_marks(coder_ids)})", list(coder_ids)
    # An adjudication is one event of the gold coder (entity 'adjudication'): 'create'
    # when it wrote gold codings, 'delete' when "not coded" only removed earlier ones; an
    # undone one is marked undone (and unmarked by a redo).
    sql = (f" AND ({d}.id IN (SELECT document_id FROM annotations WHERE deleted = 0{who})"
           f" OR {d}.id IN (SELECT document_id FROM assignments WHERE status = 'done'{who})"
           f" OR {d}.id IN (SELECT json_extract(after, '$.adjudication.document_id') FROM events"
           " WHERE entity = 'adjudication' AND action IN ('create', 'delete') AND undone = 0"
           f"{who}))")
    return sql, params * 3


def _marks(values: list) -> str:
    return ",".join("?" * len(values)) or "NULL"


def as_list(value: object) -> list:
    """``None`` -> []; a string -> split on commas; an iterable -> its items."""
    if value is None:
        return []
    if isinstance(value, (str, int)):
        value = [value]
    items: list = []
    for item in value:  # type: ignore[union-attr]
        if isinstance(item, str):
            items.extend(part.strip() for part in item.split(",") if part.strip())
        else:
            items.append(item)
    return items


def normalise_date(value: object, option: str) -> str | None:
    """A filter date as an ISO prefix (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``).

    The one parser of the since/until dates of exports, search, statistics, matrices and
    suggestions: the shape must be one of the three and the date must exist on the
    calendar (no month 13, no 30 February), else a one-line CoderError naming ``option``
    (``since`` or ``until``; the CLI shows its flag) and the value.
    """
    if value is None or value == "":
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%Y-%m-%d")
    text = str(value).strip()
    problem = None
    if not _DATE.match(text):
        problem = "is not a date"
    else:
        year, month, day = int(text[:4]), int(text[5:7] or 1), int(text[8:10] or 1)
        if year < 1:
            problem = "is not a date (no year 0)"
        elif not 1 <= month <= 12:
            problem = f"is not a date (there is no month {month})"
        else:
            try:
                dt.date(year, month, day)
            except ValueError:
                problem = f"is not a date ({text[:7]} has no day {day})"
    if problem:
        raise CoderError(f"{option} {text!r} {problem}; use YYYY, YYYY-MM or YYYY-MM-DD",
                         option=option)
    return text


def check_date_range(since: str | None, until: str | None) -> None:
    """A CoderError when ``since`` is after ``until`` (both normalised ISO prefixes)."""
    if since and until and since[:len(until)] > until:
        raise CoderError(f"the start date {since} is after the end date {until}; nothing could match",
                         option="since")


def check_codes(tree: dict[str, dict], codes: Iterable[str]) -> list[str]:
    """The code ids, checked against the project's codes (CoderError naming an unknown one)."""
    codes = list(codes)
    for code_id in codes:
        if code_id not in tree:
            raise CoderError(f"no code {code_id!r} in the project; see `coder codebook show`")
    return codes


def resolve_filters(project: Project, *, coder: str | Iterable[str] | None = None,
                    coders: str | Iterable[str] | None = None, gold: bool = False,
                    codes: str | Iterable[str] | None = None, since: object = None,
                    until: object = None, document_ids: int | Iterable[int] | None = None,
                    where: Iterable[str] | None = None, include_excluded: bool = False
                    ) -> Filters:
    """Check the user's filters and turn them into ids.

    ``where`` keeps documents with those attributes (``genre=speech``); excluded documents
    are left out unless ``include_excluded`` (or named in ``document_ids``).

    ``coder``/``coders`` and ``gold`` add up (``coders=["alice"], gold=True`` is alice's
    segments plus the gold layer's).  A code includes its descendants.
    """
    filters = Filters()
    names = as_list(coder) + as_list(coders)
    if names or gold:
        ids: list[int] = []
        for name in names:
            row = project.db.execute("SELECT id FROM coders WHERE name = ?", [name]).fetchone()
            if row is None:
                known = ", ".join(r[0] for r in project.db.execute(
                    "SELECT name FROM coders ORDER BY name")) or "none yet"
                raise CoderError(f"no coder named {name!r} (coders: {known})")
            ids.append(row[0])
        if gold:
            gold_ids = [r[0] for r in project.db.execute("SELECT id FROM coders WHERE is_gold = 1")]
            if not gold_ids:
                raise CoderError("no gold coder in the project (adjudicate with `coder review`)")
            ids.extend(gold_ids)
        filters.coder_ids = sorted(set(ids))
    code_list = as_list(codes)
    if code_list:
        tree = code_tree(project)
        expanded: list[str] = []
        for code_id in check_codes(tree, code_list):
            expanded.extend(c for c in descendants(tree, code_id) if c not in expanded)
        filters.code_ids = expanded
    if where:
        from .corpus.documents import parse_where

        parse_where(where)  # a malformed one fails here, before any work
        filters.where = list(where)
    filters.include_excluded = include_excluded
    filters.since = normalise_date(since, "since")
    filters.until = normalise_date(until, "until")
    check_date_range(filters.since, filters.until)
    doc_list = as_list(document_ids)
    if doc_list:
        try:
            filters.document_ids = sorted({int(d) for d in doc_list})
        except ValueError:
            raise CoderError(f"document ids must be numbers, not {doc_list!r}") from None
        known = {r[0] for r in project.db.execute(
            f"SELECT id FROM documents WHERE id IN ({_marks(filters.document_ids)})",
            filters.document_ids)}
        missing = [d for d in filters.document_ids if d not in known]
        if missing:
            listed = first_few(missing, 5)
            raise CoderError(f"no document {listed} in the project; see `coder documents`")
    return filters


def role_condition(project: Project, roles: list[str], turns: str = "t",
                   speakers: str = "s") -> tuple[str, list]:
    """SQL (`` AND ...``) and parameters keeping the turns of ``--role``: a turn kind
    (president, official, press ...) or part of the role a turn carries.  Kind and role are
    the turn's own (the president of the day; an official's role on that date)."""
    if not roles:
        return "", []
    from .corpus.kinds import KINDS
    from .corpus.speakers import fold_name

    kinds: set[str] = set()
    titles: set[str] = set()
    known = [r for (r,) in project.db.execute("SELECT DISTINCT role FROM turns WHERE role IS NOT NULL")]
    for wanted in roles:
        key = fold_name(str(wanted))
        if key.lower() in KINDS:
            kinds.add(key.lower())
            continue
        found = {r for r in known if key in fold_name(r)}
        if not found:
            raise CoderError(f"no turn with the role {wanted!r} "
                             f"(kinds: {', '.join(KINDS)}; or part of a role title)")
        titles |= found
    parts, params = [], []
    if kinds:
        parts.append(f"COALESCE({turns}.kind, {speakers}.kind) IN ({','.join('?' * len(kinds))})")
        params += sorted(kinds)
    if titles:
        parts.append(f"{turns}.role IN ({','.join('?' * len(titles))})")
        params += sorted(titles)
    return f" AND ({' OR '.join(parts)})", params


def role_matcher(project: Project, roles: list[str]):
    """``--role`` as a test of a row's turn kind and role title (``matches(kind, role)``),
    for rows read already (a retrieval); the same rule as :func:`role_condition`: a turn
    kind (president, press ...) or part of a role title the project's turns carry."""
    if not roles:
        return lambda kind, role: True
    from .corpus.kinds import KINDS
    from .corpus.speakers import fold_name

    kinds: set[str] = set()
    keys: list[str] = []
    known = [r for (r,) in project.db.execute("SELECT DISTINCT role FROM turns WHERE role IS NOT NULL")]
    for wanted in roles:
        key = fold_name(str(wanted))
        if key.lower() in KINDS:
            kinds.add(key.lower())
        elif any(key in fold_name(r) for r in known):
            keys.append(key)
        else:
            raise CoderError(f"no turn with the role {wanted!r} "
                             f"(kinds: {', '.join(KINDS)}; or part of a role title)")

    def matches(kind: str | None, role: str | None) -> bool:
        if kind in kinds:
            return True
        folded = fold_name(role) if role else ""
        return any(key in folded for key in keys)

    return matches


def speaker_ids(project: Project, speakers: list[str]) -> list[int] | None:
    """Speaker ids for ``--speaker`` (id, name or part of it); ``--role`` is per turn
    (:func:`role_condition`)."""
    if not speakers:
        return None
    from .corpus.speakers import find_speaker, fold_name

    rows = project.rows("SELECT id, name, role, kind FROM speakers")
    chosen: set[int] | None = None
    if speakers:
        chosen = set()
        for wanted in speakers:
            try:
                chosen.add(find_speaker(project, str(wanted))["id"])
                continue
            except CoderError:
                pass
            key = fold_name(str(wanted))
            found = {r["id"] for r in rows if key in fold_name(r["name"] or "")}
            if not found:
                raise CoderError(f"no speaker matching {wanted!r}; see `coder speakers`")
            chosen |= found
    return sorted(chosen)
