"""Codebook pattern entries: validation, and what each token of a pattern asks of a pipeline.

A pattern entry is ``{"id", "lang", "pattern", "attr"}`` in spaCy's conventions (the
EntityRuler's): a string ``pattern`` is a phrase for the PhraseMatcher, compared on
``attr`` (LOWER unless it says LEMMA, ORTH, TEXT or NORM); a list is a Matcher token
pattern.  Everything here works without a pipeline: :func:`check_pattern` uses spaCy's
own token-pattern schema and a Matcher on an empty vocabulary.

The analysis helpers (:func:`token_attrs`, :func:`literal_values`, :func:`max_tokens`,
...) tell the fast pass which tokens of a pattern are literal words it can look for in
raw text, and which patterns need context (sentence starts, tags) that only a whole
turn gives.
"""

from __future__ import annotations

import functools
import re

PHRASE_ATTRS = ("LOWER", "LEMMA", "ORTH", "TEXT", "NORM")

# Token attributes a blank tokenizer cannot give: they need a pipeline component.
COMPONENT_ATTRS = frozenset({"POS", "TAG", "MORPH", "DEP", "LEMMA", "ENT_TYPE", "ENT_IOB",
                             "ENT_ID", "ENT_KB_ID", "SENT_START", "IS_SENT_START"})
# Attributes whose value depends on the token's neighbours (or on the end of the text),
# so a pattern using them is matched on whole turns only.  LEMMA joins them unless the
# lemmatizer is a lookup table (then a lemma is a function of the token's text).
CONTEXT_ATTRS = frozenset({"POS", "TAG", "MORPH", "DEP", "ENT_TYPE", "ENT_IOB", "ENT_ID",
                           "ENT_KB_ID", "SENT_START", "IS_SENT_START", "SPACY"})
# Attributes with a literal value that a token's text (or its lemma) must equal.
LITERAL_ATTRS = ("ORTH", "TEXT", "LOWER", "LEMMA")
# Flags that, set to True, rule out a whitespace token (used to bound a pattern to a line).
_NOT_SPACE_FLAGS = {"IS_ALPHA": True, "IS_DIGIT": True, "IS_UPPER": True, "IS_TITLE": True,
                    "IS_SPACE": False, "LIKE_NUM": True, "IS_PUNCT": True}
_OP_RANGE = re.compile(r"^\{(\d*)(?:(,)(\d*))?\}$")


def is_phrase(entry: dict) -> bool:
    """True for a phrase pattern (a string), False for a token pattern (a list)."""
    return isinstance(entry.get("pattern"), str)


def phrase_attr(entry: dict) -> str:
    """The attribute a phrase pattern is compared on (LOWER by default)."""
    return str(entry.get("attr") or "LOWER").upper()


def check_pattern(entry: dict) -> str | None:
    """One line saying what is wrong with a pattern entry, or None when spaCy accepts it.

    Checks the ``id``, ``lang`` and ``attr`` fields, then the pattern itself with spaCy's
    token-pattern schema and a validating Matcher on an empty vocabulary (which also
    compiles REGEX values).  Needs no pipeline.
    """
    if not isinstance(entry, dict):
        return "a pattern must be a mapping with id, lang and pattern"
    pattern_id = entry.get("id")
    if not isinstance(pattern_id, str) or not pattern_id.strip():
        return "the pattern has no `id`"
    if any(ch.isspace() for ch in pattern_id) or len(pattern_id) > 200:
        return f"pattern id {pattern_id!r} must be one word of at most 200 characters"
    lang = entry.get("lang")
    if not isinstance(lang, str) or not lang.strip():
        return "the pattern has no `lang` (a spaCy language code such as es or en)"
    problem = _check_lang(lang)
    if problem:
        return problem
    pattern = entry.get("pattern")
    attr = entry.get("attr")
    if isinstance(pattern, str):
        if not pattern.strip():
            return "empty phrase"
        if attr is not None and (not isinstance(attr, str) or attr.upper() not in PHRASE_ATTRS):
            return f"attr {attr!r} must be one of {', '.join(PHRASE_ATTRS)}"
        return None
    if not isinstance(pattern, list):
        return "`pattern` must be a phrase (string) or a list of token mappings"
    if attr is not None:
        return "`attr` applies to phrase patterns; put the attribute in each token instead"
    if not pattern:
        return "empty token pattern"
    for index, token in enumerate(pattern):
        if not isinstance(token, dict):
            return f"token {index + 1} must be a mapping such as {{LOWER: guerra}}, not {token!r}"
        if any(str(key) == "_" for key in token):
            return f"token {index + 1}: custom attributes (_) are not supported"
    return _spacy_problem(pattern)


@functools.lru_cache(maxsize=64)
def _check_lang(lang: str) -> str | None:
    # Cached: spaCy looks the language up among entry points every time (about 2 ms), and
    # a run checks every pattern.
    from spacy.util import get_lang_class

    try:
        get_lang_class(lang)
    except Exception:  # spaCy raises ImportError subclasses with long messages
        return f"unknown language {lang!r} (spaCy has no language class for it)"
    return None


def _spacy_problem(pattern: list) -> str | None:
    """spaCy's schema errors (first one, one line), then what a validating Matcher says."""
    from spacy.schemas import validate_token_pattern

    errors = validate_token_pattern(pattern)
    if errors:
        return _schema_message(errors)
    for index, token in enumerate(pattern):
        for key, value in token.items():
            if isinstance(value, dict) and "REGEX" in value:
                try:
                    re.compile(value["REGEX"])
                except re.error as exc:
                    return f"token {index + 1}: {key} REGEX {value['REGEX']!r} does not compile ({exc})"
    from spacy.matcher import Matcher
    from spacy.vocab import Vocab

    try:
        Matcher(Vocab(), validate=True).add("check", [pattern])
    except Exception as exc:  # MatchPatternError, ValueError, KeyError from spaCy
        return "invalid token pattern: " + _one_line(str(exc))
    return None


_SCHEMA_ERROR = re.compile(r"^\[pattern -> (\d+)(?: -> (\w+))?[^\]]*(?:\][^\]]*)?\] (.*)$")


def _schema_message(errors: list[str]) -> str:
    """spaCy's schema errors for the first bad token, as 'token N: KEY: what; or what'."""
    first = None
    messages: list[str] = []
    for error in errors:
        match = _SCHEMA_ERROR.match(error)
        if not match:
            return "invalid token pattern: " + _one_line(error)
        where = (match.group(1), match.group(2))
        if first is None:
            first = where
        if where == first and match.group(3) not in messages:
            messages.append(match.group(3))
    index, key = first
    prefix = f"token {int(index) + 1}: " + (f"{key}: " if key else "")
    return prefix + "; or ".join(messages)


def _one_line(text: str) -> str:
    lines = [line.strip(" -|") for line in str(text).splitlines()]
    lines = [line for line in lines if line and not line.startswith("Pattern ")
             and not line.startswith("Invalid token patterns")]
    return " ".join(" ".join(lines).split())[:300] or str(text)[:300]


# -- what a pattern asks of a pipeline ------------------------------------------------------

def token_attrs(token: dict) -> set[str]:
    """The attribute names a token mapping uses (upper case, without OP)."""
    return {str(key).upper() for key in token if str(key).upper() != "OP"}


def needs_attrs(entry: dict) -> set[str]:
    """Attributes the pattern needs that a tokenizer alone cannot give (LEMMA, POS, ...)."""
    if is_phrase(entry):
        attr = phrase_attr(entry)
        return {attr} & COMPONENT_ATTRS
    used: set[str] = set()
    for token in entry.get("pattern") or []:
        if isinstance(token, dict):
            used |= token_attrs(token)
    return used & COMPONENT_ATTRS


def pattern_attrs(entry: dict) -> set[str]:
    """Every attribute the pattern compares (a phrase: its ``attr``)."""
    if is_phrase(entry):
        return {phrase_attr(entry)}
    used: set[str] = set()
    for token in entry.get("pattern") or []:
        used |= token_attrs(token)
    return used


def token_op(token: dict) -> str | None:
    """The token's OP (spaCy accepts the key in any case)."""
    for key, value in token.items():
        if str(key).upper() == "OP":
            return str(value)
    return None


def normalise_token(token: dict) -> dict:
    """The token mapping with upper-case attribute names (how the matchers get it)."""
    return {str(key).upper(): value for key, value in token.items()}


def op_range(token: dict) -> tuple[int, int | None]:
    """How many tokens a token mapping consumes: (minimum, maximum or None = unbounded)."""
    op = token_op(token)
    if op is None or op == "1":
        return 1, 1
    if op == "!":
        return 1, 1  # a negated token still consumes one token
    if op == "?":
        return 0, 1
    if op == "*":
        return 0, None
    if op == "+":
        return 1, None
    match = _OP_RANGE.match(str(op))
    if not match:
        return 1, 1
    low, comma, high = match.groups()
    low_n = int(low) if low else 0
    if not comma:
        return low_n, low_n
    return low_n, (int(high) if high else None)


def max_tokens(tokens: list[dict]) -> int | None:
    """The longest match a token pattern can make, in tokens (None: unbounded)."""
    total = 0
    for token in tokens:
        _, high = op_range(token)
        if high is None:
            return None
        total += high
    return total


def literal_values(token: dict, attr: str) -> list[str] | None:
    """The values ``attr`` must equal for the token to match (a string or an IN list).

    None when the token does not constrain ``attr`` to literal values (no key, REGEX,
    NOT_IN, FUZZY, comparisons, or a negated token).
    """
    if token_op(token) == "!":
        return None
    for key, value in token.items():
        if str(key).upper() != attr:
            continue
        if isinstance(value, str):
            return [value]
        if isinstance(value, dict) and set(value) == {"IN"} and isinstance(value["IN"], list):
            if all(isinstance(v, str) for v in value["IN"]):
                return list(value["IN"])
        return None
    return None


def cannot_match_newline(token: dict) -> bool:
    """True when the token mapping can never match a whitespace token holding a newline."""
    if token_op(token) == "!":
        return False
    for attr in LITERAL_ATTRS + ("NORM",):
        values = literal_values(token, attr)
        if values is not None and not any("\n" in v or not v.strip() for v in values):
            return True
    for key, value in token.items():
        wanted = _NOT_SPACE_FLAGS.get(str(key).upper())
        if wanted is not None and value is wanted:
            return True
    return False
