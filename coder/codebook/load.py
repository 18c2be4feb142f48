"""Read and validate a codebook YAML file; every problem names the line.

The format (see ``codebooks/README.md``)::

    codebook: {name, description, languages, references}
    exclusive_groups: [{id, codes: [...], on_conflict: ask|refuse}]   # optional
    attributes:                                      # optional: dimensions of a coding
      - {id: source, name, values: [own, attributed, quoted], codes: [SEC, DES]}
    codes:                                           # a tree through `children`,
      - id: SEC                                      # or flat lists with `parent: ID`
        name: Securitizing move
        key: "1"
        color: "#c0392b"
        definition / when_to_use / when_not_to_use / examples
        patterns: [{id, lang, pattern, attr}]        # spaCy conventions (EntityRuler)
        exclude: [...]
        children: [...]
"""

from __future__ import annotations

import difflib
import hashlib
import re
from pathlib import Path

import yaml

from ..errors import CodebookError, shown_name
from .model import RESERVED_KEYS, Attribute, Code, Codebook, tree_order

CODE_FIELDS = {"id", "name", "parent", "key", "color", "definition", "when_to_use",
               "when_not_to_use", "examples", "patterns", "exclude", "children", "description",
               "move"}
MOVE_FIELDS = {"requires_context": None, "unless_context": None, "within": ("clause", "sentence", "turn"),
               "counts_as": ("own-affirmed",), "negation": ("part-of-move", "negates"),
               "needs_nearby": None, "unless_sector": None, "report": ("set-aside", "keep"),
               "needs_before": None, "own": ("explicit", "rejected", "default"), "speakers": None}
PATTERN_FIELDS = {"id", "lang", "pattern", "attr", "label", "comment", "move"}
# What a pattern's own ``move:`` may say: how its phrase reads, not where the code applies.
PATTERN_MOVE_FIELDS = ("negation", "own")
ATTRIBUTE_FIELDS = {"id", "name", "description", "codes", "values"}
VALUE_FIELDS = {"id", "name"}
# Attribute ids and values become column names (attr_source) and CSV cells: keep them plain.
_ATTRIBUTE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
# Code ids stay ASCII: REFI-QDA files carry them in a ``Code id:`` line that is read back
# as ASCII, and they are typed on the command line.  Attribute values are only ever data
# (CSV cells, REFI code names, Stata strings), so they may be any letters: ``sí``.
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]*$")
ID_RULE = "ASCII letters (a-z, no accents), digits, '.', '_' or '-', starting with a letter"
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
MAX_CODEBOOK_BYTES = 5 * 1024 * 1024
# How deep codes may nest (a top-level code is level 1).  Real codebooks use a handful of
# levels; the limit keeps every tree walk, and PyYAML (which recurses once per level when
# it reads or writes nested ``children``), far from Python's recursion limit, also when
# an edit (move, merge) makes a tree deeper.
MAX_CODE_DEPTH = 64


class _Line(int):
    """An int marking the line a mapping started on (kept under the key ``__line__``)."""


class _Loader(yaml.SafeLoader):
    """SafeLoader that records line numbers and refuses duplicate mapping keys and aliases.

    An alias (``*name``) is refused while the document is being composed, before anything
    is built from it: an alias cycle would recurse without end and a "billion laughs" of
    nested aliases would grow until memory ran out.  A codebook has no use for them.
    """

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise CodebookError(
                f"line {event.start_mark.line + 1}: YAML aliases (*{event.anchor}) are not "
                "allowed in a codebook; write the value out in full")
        return super().compose_node(parent, index)

    def __init__(self, stream) -> None:
        super().__init__(stream)
        # id(list) -> {index: the word as written} for the list items YAML read as true or
        # false, so a message can say which word to quote (`no`, `off`, ...).
        self.bool_words: dict[int, dict[int, str]] = {}

    def construct_yaml_seq(self, node):
        data: list = []
        yield data
        data.extend(self.construct_sequence(node))
        words = {index: item.value for index, item in enumerate(node.value)
                 if isinstance(item, yaml.ScalarNode) and item.tag == "tag:yaml.org,2002:bool"}
        if words:
            self.bool_words[id(data)] = words

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise CodebookError(
                    f"line {key_node.start_mark.line + 1}: duplicate field {key!r} "
                    f"(first on line {seen[key]})"
                )
            if isinstance(key, (str, int, float, bool)):
                seen[key] = key_node.start_mark.line + 1
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = _Line(node.start_mark.line + 1)
        return mapping


_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_yaml_seq)


class _NoAliasDumper(yaml.SafeDumper):
    """Writes a value shared by two places out twice: the loader refuses aliases."""

    def ignore_aliases(self, data) -> bool:
        return True


def dump_codebook_yaml(data: object) -> str:
    """Codebook data as YAML text that :func:`parse_codebook` reads back (no aliases)."""
    return yaml.dump(data, Dumper=_NoAliasDumper, allow_unicode=True, sort_keys=False,
                     width=100)


def _line(obj: object) -> str:
    if isinstance(obj, dict) and "__line__" in obj:
        return f"line {obj['__line__']}: "
    return ""


def _strip_lines(value: object) -> object:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a codebook file; raises :class:`CodebookError` naming file and line."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_CODEBOOK_BYTES:
            raise CodebookError("codebook larger than 5 MB", path=path)
        data = path.read_bytes()
    except OSError as exc:
        raise CodebookError(f"cannot read ({exc.strerror or exc})", path=path) from None
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if path.suffix.lower() in (".qdc", ".qdpx", ".qde") or (
            head.startswith(b"<") and b"CodeBook" in head):
        # A REFI-QDA codebook or project (XML, or a zip of it) the YAML parser would only
        # call a syntax error.
        raise CodebookError(f"a REFI-QDA file, not a YAML codebook: use `coder import-refi "
                            f"{shown_name(path)}`", path=path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CodebookError("not UTF-8 text", path=path) from None
    try:
        return parse_codebook(text, source=str(path))
    except CodebookError as exc:
        raise CodebookError(str(exc), path=path) from None


def parse_codebook(text: str, *, source: str | None = None) -> Codebook:
    """Validate codebook YAML text and build a :class:`Codebook`."""
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise CodebookError(f"{where}YAML syntax error: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise CodebookError(f"YAML error: {exc}") from None
    except RecursionError:
        raise CodebookError("YAML nested too deeply") from None
    finally:
        loader.dispose()
    bool_words = loader.bool_words
    if not isinstance(data, dict):
        raise CodebookError("a codebook is a mapping with a `codes:` list at the top level")
    unknown = set(data) - {"codebook", "codes", "exclusive_groups", "attributes", "lexicons",
                           "topics", "__line__"}
    if unknown:
        raise CodebookError(f"unknown top-level field(s): {', '.join(sorted(map(str, unknown)))}"
                            " (expected codebook, codes, exclusive_groups, attributes, lexicons,"
                            " topics)")
    meta = data.get("codebook") or {}
    if not isinstance(meta, dict):
        raise CodebookError(f"{_line(data)}`codebook:` must be a mapping (name, description, ...)")
    languages = meta.get("languages") or ["es"]
    if isinstance(languages, str):
        languages = [languages]
    raw_codes = data.get("codes")
    if not isinstance(raw_codes, list) or not raw_codes:
        raise CodebookError(f"{_line(data)}`codes:` must be a non-empty list")

    case_sensitive = meta.get("case_sensitive_keys", False)
    if not isinstance(case_sensitive, bool):
        raise CodebookError(f"{_line(meta)}codebook: case_sensitive_keys must be true or false")
    codes: list[Code] = []
    _collect(raw_codes, None, codes)
    _check_codes(codes, languages, case_sensitive_keys=case_sensitive)
    codes = tree_order(codes)
    groups, conflicts = _groups(data.get("exclusive_groups") or [], {c.id for c in codes})
    attributes = _attributes(data.get("attributes") or [], {c.id for c in codes}, bool_words)
    lexicons = _word_lists(data.get("lexicons"), "lexicons")
    topics = _word_lists(data.get("topics"), "topics")
    for code in codes:
        for name in ("requires_context", "unless_context"):
            context = code.move.get(name)
            if context is not None and context not in lexicons:
                raise CodebookError(f"line {code.line}: code {code.id}: {name} {context!r} is not"
                                    f" one of the `lexicons:` ({', '.join(sorted(lexicons)) or 'none'})")
        for name in ("needs_nearby", "needs_before"):
            lexicon = code.move.get(name)
            if lexicon is not None and lexicon not in lexicons:
                raise CodebookError(f"line {code.line}: code {code.id}: {name} {lexicon!r} is not"
                                    f" one of the `lexicons:` ({', '.join(sorted(lexicons)) or 'none'})")
        for sector in re.split(r"[\s,]+", code.move.get("unless_sector") or ""):
            if sector and sector not in topics:
                raise CodebookError(f"line {code.line}: code {code.id}: unless_sector {sector!r} is"
                                    f" not one of the `topics:` ({', '.join(sorted(topics)) or 'none'})")
    return Codebook(
        name=str(meta.get("name") or (Path(source).stem if source else "codebook")),
        description=str(meta.get("description") or "").strip(),
        languages=[str(lang) for lang in languages],
        references=[str(r) for r in meta.get("references") or []],
        codes=codes,
        groups=groups,
        group_conflicts=conflicts,
        attributes=attributes,
        lexicons=lexicons,
        topics=topics,
        version=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        yaml_text=text,
        source=source,
    )


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def code_entries(items: object) -> list[tuple[list, dict, int]]:
    """Every code mapping of a codebook's ``codes`` list (nested through ``children``)
    with the list that holds it and its level (1: top), depth first, without recursion."""
    found: list[tuple[list, dict, int]] = []
    if not isinstance(items, list):
        return found
    stack = [(items, iter(items), 1)]
    while stack:
        holder, rest, depth = stack[-1]
        for item in rest:
            if isinstance(item, dict):
                found.append((holder, item, depth))
                children = item.get("children")
                if isinstance(children, list) and children:
                    stack.append((children, iter(children), depth + 1))
                    break
        else:
            stack.pop()
    return found


def _collect(items: list, parent: str | None, out: list[Code]) -> None:
    """Build the codes of ``items`` and of their ``children`` (iteratively: no recursion
    limit), refusing nesting deeper than :data:`MAX_CODE_DEPTH`."""
    stack = [(iter(items), parent, 1)]
    while stack:
        rest, parent, depth = stack[-1]
        for item in rest:
            children = _code(item, parent, out, depth)
            if children:
                stack.append((iter(children), out[-1].id, depth + 1))
                break
        else:
            stack.pop()


def _known_fields(entry: dict, fields, where: str) -> None:
    """A one-line error for the first field of ``entry`` not in ``fields``, with the
    nearest known one as a hint (a typo: "definiton")."""
    unknown = set(entry) - set(fields) - {"__line__"}
    if unknown:
        field = sorted(map(str, unknown))[0]
        hint = difflib.get_close_matches(field, fields, n=1)
        raise CodebookError(f"{where}unknown field {field!r}"
                            + (f" (did you mean {hint[0]!r}?)" if hint else ""))


def _code(item: object, parent: str | None, out: list[Code], depth: int) -> list:
    """Append the code ``item`` describes to ``out``; return its ``children``."""
    if not isinstance(item, dict):
        raise CodebookError(f"a code must be a mapping with id and name, not {item!r}")
    where = _line(item)
    _known_fields(item, CODE_FIELDS, where)
    code_id = item.get("id")
    if not isinstance(code_id, str) or not _ID.match(code_id):
        raise CodebookError(f"{where}code id {code_id!r} must be {ID_RULE}")
    if not _text(item.get("name")):
        raise CodebookError(f"{where}code {code_id} has no name")
    key = item.get("key")
    if key is not None:
        key = str(key)
    examples = item.get("examples") or []
    if isinstance(examples, str):
        examples = [examples]
    declared_parent = item.get("parent")
    if declared_parent is not None and parent is not None and declared_parent != parent:
        raise CodebookError(f"{where}code {code_id} is nested under {parent} but says parent:"
                            f" {declared_parent}")
    for name in ("patterns", "exclude"):
        if item.get(name) is not None and not isinstance(item.get(name), list):
            raise CodebookError(f"{where}code {code_id}: `{name}` must be a list")
    code = Code(
        id=code_id,
        name=_text(item.get("name")),
        parent=parent if parent is not None else (str(declared_parent) if declared_parent else None),
        key=key,
        color=_text(item.get("color")) or None,
        definition=_text(item.get("definition") or item.get("description")),
        when_to_use=_text(item.get("when_to_use")),
        when_not_to_use=_text(item.get("when_not_to_use")),
        examples=[_text(e) for e in examples],
        patterns=[_pattern(p, code_id) for p in item.get("patterns") or []],
        exclude=[_pattern(p, code_id) for p in item.get("exclude") or []],
        move=_move(item.get("move"), code_id, where),
        line=int(item["__line__"]) if "__line__" in item else None,
    )
    if depth > MAX_CODE_DEPTH:
        raise CodebookError(f"{where}code {code_id} is nested {depth} levels deep; a"
                            f" codebook allows at most {MAX_CODE_DEPTH}")
    out.append(code)
    children = item.get("children")
    if children is not None and not isinstance(children, list):
        raise CodebookError(f"{where}code {code_id}: `children` must be a list")
    return children or []


def _move(raw: object, code_id: str, where: str) -> dict:
    """Validate a code's ``move:`` mapping (how its suggestions read the clause)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise CodebookError(f"{where}code {code_id}: `move` must be a mapping"
                            f" ({', '.join(MOVE_FIELDS)})")
    clean = {k: v for k, v in raw.items() if k != "__line__"}
    for key, value in clean.items():
        if key not in MOVE_FIELDS:
            raise CodebookError(f"{where}code {code_id}: unknown move field {key!r}"
                                f" (expected {', '.join(MOVE_FIELDS)})")
        allowed = MOVE_FIELDS[key]
        if not isinstance(value, str) or (allowed is not None and value not in allowed):
            expected = " or ".join(allowed) if allowed else (
                "topic names" if key == "unless_sector" else
                "turn kinds" if key == "speakers" else "a lexicon name")
            raise CodebookError(f"{where}code {code_id}: move {key} {value!r} must be {expected}")
    return clean


def _word_lists(raw: object, what: str) -> dict[str, list[str]]:
    """Validate ``lexicons:`` / ``topics:``: names mapped to lists of words (``stem*``)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise CodebookError(f"`{what}` must map names to lists of words")
    out: dict[str, list[str]] = {}
    for name, words in raw.items():
        if name == "__line__":
            continue
        if not isinstance(words, list) or not words or not all(
                isinstance(w, (str, int)) and str(w).strip() and len(str(w).split()) == 1
                for w in words):
            raise CodebookError(f"{_line(raw)}{what} {name}: must be a non-empty list of single"
                                " words (\"stem*\" for a prefix)")
        out[str(name)] = [str(w).strip() for w in words]
    return out


def _pattern(entry: object, code_id: str) -> dict:
    if not isinstance(entry, dict):
        raise CodebookError(f"code {code_id}: a pattern must be a mapping with id and pattern,"
                            f" not {entry!r}")
    where = _line(entry)
    unknown = set(entry) - PATTERN_FIELDS - {"__line__"}
    if unknown:
        raise CodebookError(f"{where}code {code_id}: unknown pattern field(s) "
                            f"{', '.join(sorted(map(str, unknown)))}")
    clean = _strip_lines(entry)
    if clean.get("label") not in (None, code_id):
        raise CodebookError(f"{where}code {code_id}: pattern label {clean['label']!r} is not the code")
    clean.pop("label", None)
    if "move" in clean:
        move = _move(entry.get("move"), code_id, where)
        other = sorted(set(move) - set(PATTERN_MOVE_FIELDS))
        if other:
            raise CodebookError(f"{where}code {code_id}: pattern {clean.get('id')}: move "
                                f"{', '.join(other)} belongs to the code (a pattern's move may "
                                f"say {' and '.join(PATTERN_MOVE_FIELDS)})")
        clean["move"] = move
    clean["__line__"] = entry.get("__line__")
    return clean


def _check_codes(codes: list[Code], languages: list, *, case_sensitive_keys: bool = False) -> None:
    ids: dict[str, Code] = {}
    keys: dict[str, Code] = {}
    folded: dict[str, Code] = {}  # keys by lower case: p and P code unrelated things
    pattern_ids: dict[str, str] = {}
    for code in codes:
        where = f"line {code.line}: " if code.line else ""
        if code.id in ids:
            raise CodebookError(f"{where}duplicate code id {code.id} (first on line {ids[code.id].line})")
        ids[code.id] = code
        if code.key is not None:
            if len(code.key) != 1 or code.key.isspace():
                raise CodebookError(f"{where}code {code.id}: key {code.key!r} must be one character")
            if code.key in RESERVED_KEYS:
                raise CodebookError(f"{where}code {code.id}: key {code.key!r} is a coding-screen "
                                    f"command; reserved keys are {' '.join(sorted(RESERVED_KEYS - {'space', ' '}))}")
            if code.key in keys:
                raise CodebookError(f"{where}duplicate key {code.key!r}: codes {keys[code.key].id}"
                                    f" and {code.id}")
            keys[code.key] = code
            twin = folded.get(code.key.casefold())
            if twin is not None and not case_sensitive_keys:
                raise CodebookError(
                    f"{where}keys {twin.key!r} ({twin.id}) and {code.key!r} ({code.id}) differ only"
                    " by case: a Caps Lock slip would code the wrong one silently. Give one another"
                    " key, or opt in with `case_sensitive_keys: true` under `codebook:`")
            folded.setdefault(code.key.casefold(), code)
        if code.color and not _COLOR.match(code.color):
            raise CodebookError(f"{where}code {code.id}: colour {code.color!r} is not #rgb or #rrggbb")
        for entry in code.patterns + code.exclude:
            _check_pattern(entry, code, languages, pattern_ids)
    for code in codes:
        if code.parent is not None and code.parent not in ids:
            where = f"line {code.line}: " if code.line else ""
            raise CodebookError(f"{where}code {code.id}: parent {code.parent} is not in the codebook")
    # A cycle is only possible through `parent:` references.  Walking up from each code
    # stops at MAX_CODE_DEPTH, which also bounds a flat codebook's depth.
    for code in codes:
        seen = [code.id]
        parent = code.parent
        while parent is not None:
            if parent in seen:
                chain = " -> ".join(seen + [parent])
                raise CodebookError(f"line {code.line}: cycle in the code tree: {chain}")
            seen.append(parent)
            if len(seen) > MAX_CODE_DEPTH:
                raise CodebookError(f"line {code.line}: code {code.id} is nested more than"
                                    f" {MAX_CODE_DEPTH} levels deep; a codebook allows at most"
                                    f" {MAX_CODE_DEPTH}")
            parent = ids[parent].parent


def _check_pattern(entry: dict, code: Code, languages: list, pattern_ids: dict[str, str]) -> None:
    line = entry.get("__line__") or code.line
    where = f"line {line}: " if line else ""
    pattern_id = entry.get("id")
    if not isinstance(pattern_id, str) or not pattern_id.strip():
        raise CodebookError(f"{where}code {code.id}: every pattern needs an `id`")
    if pattern_id in pattern_ids:
        raise CodebookError(f"{where}code {code.id}: duplicate pattern id {pattern_id!r} "
                            f"(also in {pattern_ids[pattern_id]})")
    pattern_ids[pattern_id] = code.id
    entry.setdefault("lang", languages[0] if languages else "es")
    pattern = entry.get("pattern")
    if isinstance(pattern, str):
        if not pattern.strip():
            raise CodebookError(f"{where}code {code.id}, pattern {pattern_id}: empty phrase")
    elif isinstance(pattern, list):
        if not pattern or not all(isinstance(token, dict) for token in pattern):
            raise CodebookError(f"{where}code {code.id}, pattern {pattern_id}: a token pattern is "
                                "a non-empty list of mappings, e.g. [{LOWER: guerra}]")
    else:
        raise CodebookError(f"{where}code {code.id}, pattern {pattern_id}: `pattern` must be a "
                            "phrase (string) or a list of token mappings")
    attr = entry.get("attr")
    if attr is not None and str(attr).upper() not in {"LOWER", "LEMMA", "ORTH", "TEXT", "NORM"}:
        raise CodebookError(f"{where}code {code.id}, pattern {pattern_id}: attr {attr!r} must be "
                            "LOWER or LEMMA")
    problem = _spacy_check(entry)
    if problem:
        raise CodebookError(f"{where}code {code.id}, pattern {pattern_id}: {problem}")
    entry.pop("__line__", None)


def _spacy_check(entry: dict) -> str | None:
    """spaCy's own validation of a token pattern (None when spaCy accepts it)."""
    from .patterns import check_pattern

    clean = {k: v for k, v in entry.items() if k != "__line__"}
    return check_pattern(clean)


def _groups(raw: object, ids: set[str]) -> tuple[dict[str, list[str]], dict[str, str]]:
    if not isinstance(raw, list):
        raise CodebookError("`exclusive_groups` must be a list of {id, codes}")
    groups: dict[str, list[str]] = {}
    conflicts: dict[str, str] = {}
    lines: dict[str, int | None] = {}
    for group in raw:
        where = _line(group)
        if not isinstance(group, dict) or not group.get("id") or not isinstance(group.get("codes"), list):
            raise CodebookError(f"{where}an exclusive group needs `id` and a `codes` list")
        missing = [c for c in group["codes"] if c not in ids]
        if missing:
            raise CodebookError(f"{where}exclusive group {group['id']}: unknown code(s) {', '.join(map(str, missing))}")
        if len(group["codes"]) < 2:
            raise CodebookError(f"{where}exclusive group {group['id']}: needs at least two codes")
        mode = group.get("on_conflict", "ask")
        if mode not in ("ask", "refuse"):
            raise CodebookError(f"{where}exclusive group {group['id']}: on_conflict must be ask or"
                                f" refuse, not {mode!r}")
        unknown_keys = {k for k in group if not str(k).startswith("__")} - {
            "id", "codes", "on_conflict", "name", "description"}
        if unknown_keys:
            raise CodebookError(f"{where}exclusive group {group['id']}: unknown key(s) "
                                f"{', '.join(sorted(map(str, unknown_keys)))} (expected id, codes,"
                                " on_conflict)")
        group_id = str(group["id"])
        if group_id in groups:
            # A second group of the same id would silently replace the first, and with it
            # the exclusivity of the first group's codes.
            raise CodebookError(f"{where}duplicate exclusive group id {group_id} (first on line"
                                f" {lines[group_id]}); give each group its own id")
        twice = sorted({str(c) for c in group["codes"] if group["codes"].count(c) > 1})
        if twice:
            raise CodebookError(f"{where}exclusive group {group_id}: code {twice[0]} is listed"
                                " twice")
        lines[group_id] = group.get("__line__")
        groups[group_id] = [str(c) for c in group["codes"]]
        conflicts[str(group["id"])] = mode
    return groups, conflicts


def is_value_word(value: str) -> bool:
    """Whether ``value`` may be an attribute value: a word of letters (accented ones too)
    and digits, with '.', '_' or '-' after the first character."""
    return bool(value) and value[0].isalnum() and all(ch.isalnum() or ch in "_.-" for ch in value)


def _attributes(raw: object, ids: set[str],
                bool_words: dict[int, dict[int, str]] | None = None) -> list[Attribute]:
    """Validate the ``attributes:`` list: dimensions, their values and the codes they apply to."""
    if not isinstance(raw, list):
        raise CodebookError("`attributes` must be a list of {id, name, values, codes}")
    bool_words = bool_words or {}
    attributes: list[Attribute] = []
    seen: dict[str, int | None] = {}
    for entry in raw:
        if not isinstance(entry, dict):
            raise CodebookError(f"an attribute must be a mapping with id and values, not {entry!r}")
        where = _line(entry)
        _known_fields(entry, ATTRIBUTE_FIELDS, f"{where}attribute: ")
        attribute_id = entry.get("id")
        if not isinstance(attribute_id, str) or not _ATTRIBUTE_ID.match(attribute_id):
            raise CodebookError(f"{where}attribute id {attribute_id!r} must be lower-case letters,"
                                " digits or '_' starting with a letter (it names a column)")
        if attribute_id in seen:
            raise CodebookError(f"{where}duplicate attribute {attribute_id!r} "
                                f"(first on line {seen[attribute_id]})")
        seen[attribute_id] = entry.get("__line__")
        raw_values = entry.get("values")
        if not isinstance(raw_values, list) or not raw_values:
            raise CodebookError(f"{where}attribute {attribute_id}: `values` must be a non-empty list")
        values: list[str] = []
        names: dict[str, str] = {}
        spelled = bool_words.get(id(raw_values), {})
        for index, value in enumerate(raw_values):
            value_where = _line(value) or where
            if isinstance(value, dict):
                unknown = set(value) - VALUE_FIELDS - {"__line__"}
                if unknown:
                    raise CodebookError(f"{value_where}attribute {attribute_id}: unknown value "
                                        f"field(s) {', '.join(sorted(map(str, unknown)))} "
                                        "(a value is a word or {id, name})")
                name = _text(value.get("name"))
                value = value.get("id")
            else:
                name = ""
            if isinstance(value, bool):
                # YAML 1.1 reads an unquoted no/yes/on/off as false/true: a Spanish `no`
                # (or an English `yes`) has to be quoted to stay a word.
                word = spelled.get(index, str(value).lower())
                raise CodebookError(f"{value_where}attribute {attribute_id}: value {word} was read"
                                    f" as {str(value).lower()}: write it in quotes (\"{word}\")")
            if not isinstance(value, (str, int)) or not is_value_word(str(value)):
                raise CodebookError(f"{value_where}attribute {attribute_id}: value {value!r} must be"
                                    " a word (letters, digits, '.', '_' or '-', starting with a"
                                    " letter or digit)")
            value = str(value)
            if value in values:
                raise CodebookError(f"{value_where}attribute {attribute_id}: duplicate value {value!r}")
            values.append(value)
            if name:
                names[value] = name
        codes = entry.get("codes") or []
        if isinstance(codes, str):
            codes = [codes]
        if not isinstance(codes, list):
            raise CodebookError(f"{where}attribute {attribute_id}: `codes` must be a list of code ids")
        missing = [str(c) for c in codes if c not in ids]
        if missing:
            raise CodebookError(f"{where}attribute {attribute_id}: unknown code(s) {', '.join(missing)}")
        attributes.append(Attribute(
            id=attribute_id, name=_text(entry.get("name")) or attribute_id, values=values,
            codes=[str(c) for c in codes], description=_text(entry.get("description")),
            value_names=names, line=int(entry["__line__"]) if "__line__" in entry else None))
    return attributes
