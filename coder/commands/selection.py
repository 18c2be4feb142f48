"""``@selection_options``: the one way every command spells what it works on.

One option name per concept, the same help and the same date syntax everywhere:

    --doc ID          documents (repeatable; commas work too)
    --since / --until dates, YYYY, YYYY-MM or YYYY-MM-DD, inclusive
    --code CODE       codes, each with its descendants (repeatable; commas work too)
    --coder NAME      whose codings (repeatable; commas work too); --gold the gold layer
    --speaker / --role turns of a speaker / of a kind of speaker or role title
    --where KEY=VALUE documents with this attribute (repeatable: all hold);
    --include-excluded  count documents excluded with `coder documents exclude` too

Older spellings (``--document``, ``--docs``, ``--codes``) still work as hidden aliases.
The wrapped command receives normalised values: ``doc_ids`` (ints), ``since``/``until``
(checked ISO prefixes or None), ``codes``, ``coders``, ``speakers``, ``roles`` (lists of
strings, commas split) and ``gold``; with ``doc="sample"`` the command receives ``docs``,
the agreement document rule (``reliability | all | 1,2,3``) as one string.
Nothing heavy is imported here: ``coder --help`` stays fast.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import click

from ..errors import CoderError

DATE_METAVAR = "YYYY[-MM[-DD]]"

# concept -> (canonical option, hidden aliases, keyword the command receives)
_NAMES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "doc": ("--doc", ("--document",), "doc_ids"),
    "sample": ("--doc", ("--docs",), "docs"),
    "code": ("--code", ("--codes",), "codes"),
    "coder": ("--coder", (), "coders"),
    "speaker": ("--speaker", (), "speakers"),
    "role": ("--role", (), "roles"),
}
_HELP = {
    "doc": "Only this document (id; repeatable; commas work too).",
    "sample": "reliability | all | 1,2,3 (default: the reliability sample if any, else all "
              "documents every coder coded).",
    "code": "Only these codes, each with its descendants (repeatable; commas work too).",
    "coder": "Only this coder's segments (repeatable; commas work too).",
    "gold": "The adjudicated gold layer.",
    "since": f"Only documents dated from this day/month/year ({DATE_METAVAR}).",
    "until": f"Only documents dated up to this day/month/year ({DATE_METAVAR}; inclusive).",
    "speaker": "Only turns of this speaker (id, name or part of it; repeatable).",
    "role": "Only turns of this kind of speaker (president, official, press ...) or role "
            "title (repeatable).",
    "where": "Only documents with this attribute (genre=mañanera|covid briefing|speech|event, "
             "administration=..., kind, lang, or any `coder documents set` key; repeatable: "
             "all must hold).",
    "excluded": "Count documents excluded with `coder documents exclude` too.",
}
CONCEPTS = ("doc", "sample", "dates", "code", "coder", "gold", "speaker", "role", "where")


def split_values(values: tuple | list | None) -> list[str]:
    """Repeated option values, each split on commas, blanks dropped."""
    return [part.strip() for value in values or () for part in str(value).split(",")
            if part.strip()]


def _doc_ids(values: list[str]) -> list[int]:
    ids = []
    for value in values:
        try:
            ids.append(int(value))
        except ValueError:
            raise CoderError(f"--doc {value!r} is not a document id (a number; see "
                             "`coder documents`)") from None
    return ids


def selection_options(*concepts: str, help: dict[str, str] | None = None) -> Callable:
    """Add the selection options of ``concepts`` to a command (see the module docstring).

    ``concepts``: any of ``doc`` (document ids), ``sample`` (the agreement document rule,
    also spelled ``--doc``), ``dates`` (``--since``/``--until``), ``code``, ``coder``,
    ``gold``, ``speaker``, ``role``.  ``help`` overrides an option's help text by concept
    (``since``/``until`` for the dates).
    """
    unknown = set(concepts) - set(CONCEPTS)
    if unknown:
        raise ValueError(f"unknown selection concept(s): {', '.join(sorted(unknown))}")
    texts = {**_HELP, **(help or {})}
    options: list[Callable] = []
    for concept in concepts:
        if concept == "where":
            # Not passed to the command: read with document_selection(), so commands and
            # their helpers need no new parameters.
            options.append(click.option("--where", multiple=True, metavar="KEY=VALUE",
                                        expose_value=False, callback=_remember,
                                        help=texts["where"]))
            options.append(click.option("--include-excluded", is_flag=True, expose_value=False,
                                        callback=_remember, help=texts["excluded"]))
            continue
        if concept == "dates":
            for name in ("since", "until"):
                options.append(click.option(f"--{name}", name, metavar=DATE_METAVAR,
                                            help=texts[name]))
        elif concept == "gold":
            options.append(click.option("--gold", "gold", is_flag=True, help=texts["gold"]))
        else:
            option, aliases, keyword = _NAMES[concept]
            many = concept != "sample"
            options.append(click.option(option, keyword, multiple=many, help=texts[concept],
                                        metavar="ID" if concept == "doc" else None))
            for alias in aliases:
                options.append(click.option(alias, f"_alias_{alias[2:]}", multiple=many,
                                            hidden=True))

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            _normalise(kwargs, concepts)
            return func(*args, **kwargs)

        for add in reversed(options):
            wrapper = add(wrapper)
        return wrapper

    return decorate


def _remember(ctx: click.Context, param: click.Parameter, value: object) -> None:
    ctx.meta[f"coder.selection.{param.name}"] = value


def document_selection() -> dict:
    """``{"where": [...], "include_excluded": bool}`` as given to the running command's
    ``--where``/``--include-excluded`` (empty when it has none)."""
    ctx = click.get_current_context(silent=True)
    meta = ctx.meta if ctx is not None else {}
    return {"where": list(meta.get("coder.selection.where") or ()),
            "include_excluded": bool(meta.get("coder.selection.include_excluded"))}


def _normalise(kwargs: dict, concepts: tuple[str, ...]) -> None:
    """Fold hidden aliases into their option, split commas, check dates (in place)."""
    for concept in concepts:
        if concept in ("dates", "gold", "where"):
            continue
        _, aliases, keyword = _NAMES[concept]
        if concept == "sample":
            given = [kwargs.pop(f"_alias_{a[2:]}") for a in aliases]
            kwargs[keyword] = kwargs[keyword] or next((g for g in given if g), None)
            continue
        values = list(kwargs[keyword])
        for alias in aliases:
            values += list(kwargs.pop(f"_alias_{alias[2:]}"))
        values = split_values(values)
        kwargs[keyword] = _doc_ids(values) if concept == "doc" else values
    if "dates" in concepts:
        from ..selection import check_date_range, normalise_date

        kwargs["since"] = normalise_date(kwargs["since"], "since")
        kwargs["until"] = normalise_date(kwargs["until"], "until")
        check_date_range(kwargs["since"], kwargs["until"])
