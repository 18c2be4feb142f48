"""Patterns -> spaCy matchers -> hits, by a naive pass and by a fast pass that agrees with it.

The unit of matching is a text (a turn's speech).  A *hit* is ``(code, pattern_id,
start, end)`` with code-point offsets into that text.  Overlapping and nested hits are
all kept; exact duplicates are not; a hit of a code that overlaps a hit of one of that
code's ``exclude`` patterns is dropped.

**Naive pass** (the reference, ``--naive``): ``nlp.pipe`` over every text with the full
pipeline, then the matchers.

**Fast pass** (same hits, proven by tests and by ``benchmarks/suggest.py``): a pattern can
only match where one of its required literal tokens occurs, so

1. each pattern gets an *anchor*: its rarest non-optional token with literal values
   (LOWER/ORTH/TEXT values, IN lists, or every surface form of a LEMMA value found by
   inverting the lookup table), and a *reach*: how many tokens a match can hold before
   and after that token;
2. one Aho-Corasick pass over the lowercased text finds the anchor strings, and the
   whitespace-separated chunks around them are tokenized (once per distinct chunk) to
   see which are anchor tokens (a spaCy token may begin or end inside a "word", as in
   "10km" or "pal");
3. only a *window* around each occurrence is tokenized (``make_doc`` + the lookup
   lemmas), and only the patterns anchored there are run on it; a pattern of one plain
   token (LOWER, ORTH or TEXT in literal strings) needs no window: the anchor tokens
   whose text it accepts are its hits.

Why windows give the same tokens as the whole text: spaCy's tokenizer splits on
whitespace first and then works inside each whitespace-separated chunk; only special
cases that contain a space ("EE. UU.") join chunks.  A window starts at the start of a
chunk and ends at the end of one, never cuts such a special case, and so holds exactly
the whole text's tokens, with the same text, lowercase and lookup lemma.  A window takes
as many chunks on each side of the anchor as the pattern's reach in tokens (plus one per
space inside a special case it meets); a side without a bound takes the anchor's line
(when no token of the pattern can match a newline) or the whole text.  Patterns that
look at context (a sentence start, trailing whitespace, tags or parses) are matched on
the whole text with the whole pipeline wherever their anchor occurs; patterns without
any anchor send every text through the whole pipeline.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import hashlib
import itertools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ..codebook.patterns import (
    CONTEXT_ATTRS,
    cannot_match_newline,
    check_pattern,
    is_phrase,
    literal_values,
    max_tokens,
    needs_attrs,
    normalise_token,
    op_range,
    pattern_attrs,
    phrase_attr,
    token_attrs,
    token_op,
)
from ..errors import CoderError, PatternError
from .pipeline import (
    LemmaData,
    PipelineSpec,
    fast_pipeline,
    load_pipeline,
    pipeline_spec,
    tokenizer_only,
    word_costs,
)

Hit = tuple[str, str, int, int]  # (code, pattern_id, start, end)

_NONSPACE = re.compile(r"\S")
# LEMMA comparisons that only ever test equality with literal strings.
_EQUALITY_PREDICATES = {"IN", "NOT_IN", "==", "!="}


@dataclass(frozen=True)
class PatternRef:
    """A codebook pattern entry with the code it belongs to."""

    code: str
    entry: dict
    exclude: bool = False

    @property
    def pattern_id(self) -> str:
        return str(self.entry.get("id"))


@dataclass
class Rule:
    """One pattern, prepared for the matchers of one pipeline."""

    code: str
    pattern_id: str
    exclude: bool
    phrase: str | None           # phrase patterns: the stripped phrase
    attr: str                    # phrase patterns: the PhraseMatcher attribute
    tokens: list[dict] | None    # token patterns: normalised token mappings
    lexical: bool                # only attributes a token's own text decides
    max_len: int | None          # longest match in tokens (None: unbounded)
    line_local: bool             # can never match a token holding a newline
    anchor: tuple[str, ...] = () # lowercased surface strings; () = no anchor
    left: int | None = 0         # tokens a match may hold before the anchor token (None: any)
    right: int | None = 0        # ... and after it
    uses_lemma: bool = False
    uses_sents: bool = False
    # Per required token with literal values: the lowercased strings one of which a match
    # must hold (the anchor's set is one of them).  A window lacking one cannot match.
    needs: tuple[tuple[str, ...], ...] = ()


@dataclass
class Plan:
    """Everything a process needs to match one language: picklable, built once per run."""

    lang: str
    model: str | None
    pipeline: str                           # the recorded pipeline name
    rules: list[Rule]
    lexical_regex: str | None = None        # anchors of window-safe rules
    spaced_regex: str | None = None         # the same, for anchors holding a space
    context_regex: str | None = None        # anchors of rules matched on whole turns
    full_all: bool = False                  # some rule has no anchor: whole pipeline everywhere
    whole_turns: bool = False               # windows are whole turns (odd tokenizer cases)
    lemma_table: dict[str, str] | None = None  # the reduced lookup table (None: none needed)
    full_lemma: bool = False                # some LEMMA test needs the whole table
    needs_lemma: bool = False
    needs_sents: bool = False
    ws_keys: tuple[str, ...] = ()           # tokenizer special cases spanning a space
    notes: list[str] = field(default_factory=list)

    @functools.cached_property
    def fingerprint(self) -> str:
        """A digest of what decides the hits (used to cache engines per process)."""
        data = [self.lang, self.model, self.pipeline,
                [(r.code, r.pattern_id, r.exclude, r.phrase, r.attr, r.tokens) for r in self.rules]]
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("fingerprint", None)
        return state


# -- building a plan --------------------------------------------------------------------------

def fold_lower(text: str) -> str:
    """Lowercase the way token.lower_ does, with final sigma folded (position-preserving)."""
    low = text.lower()
    return low.replace("ς", "σ") if "ς" in low else low


def pattern_error(ref: PatternRef, problem: str) -> PatternError:
    """A PatternError naming the code and the pattern."""
    kind = "exclude pattern" if ref.exclude else "pattern"
    return PatternError(f"code {ref.code}, {kind} {ref.pattern_id}: {problem}")


def validate_refs(refs: Iterable[PatternRef]) -> None:
    """Check every entry with :func:`check_pattern`; raise on the first problem."""
    seen: dict[tuple[str, str, bool], PatternRef] = {}
    for ref in refs:
        problem = check_pattern(ref.entry)
        if problem:
            raise pattern_error(ref, problem)
        key = (ref.code, ref.pattern_id, ref.exclude)
        if key in seen:
            raise pattern_error(ref, "duplicate pattern id in this code")
        seen[key] = ref


def capability_problem(ref: PatternRef, spec: PipelineSpec) -> str | None:
    """What the pipeline cannot give that the pattern needs (None: nothing missing)."""
    needed = needs_attrs(ref.entry)
    if spec.blank and not spec.lemma_table:
        needed = needed - {"LEMMA"}  # falls back to lowercase text, with a warning
    missing = sorted(needed - spec.provides)
    if not missing:
        return None
    what = ", ".join(missing)
    if spec.blank:
        return (f"needs {what}, which the blank pipeline '{spec.display}' cannot give; "
                "install a trained pipeline and choose it as the model")
    return f"needs {what}, which the pipeline '{spec.display}' does not assign"


def build_plan(lang: str, refs: Sequence[PatternRef], model: str | None = None,
               warn: Callable[[str], None] | None = None) -> Plan:
    """Validate and prepare ``refs`` (patterns of language ``lang``) for matching.

    Raises :class:`PatternError` naming code and pattern for an invalid pattern or one
    the pipeline cannot serve.  ``warn`` receives one-line notices (no lemma table).
    """
    validate_refs(refs)
    spec = pipeline_spec(lang, model)
    for ref in refs:
        problem = capability_problem(ref, spec)
        if problem:
            raise pattern_error(ref, problem)
    lemma_fallback = spec.blank and not spec.lemma_table
    if lemma_fallback and any("LEMMA" in pattern_attrs(r.entry) for r in refs) and warn:
        warn(f"no lemma table for language {lang!r}: LEMMA patterns compare against "
             "lowercase text")
    lemma_data = LemmaData.for_lang(lang) if spec.lexical_lemma else None
    if model:
        tokenize = load_pipeline(lang, model).make_doc
    else:
        tokenize = tokenizer_only(lang).make_doc

    # Phrases compared on LEMMA: their tokens' lemmas, in one pass over the table.
    phrase_tokens: dict[int, list[str]] = {}
    for index, ref in enumerate(refs):
        if is_phrase(ref.entry):
            phrase_tokens[index] = [t.text for t in tokenize(ref.entry["pattern"].strip())]
    lemma_phrase_words: set[str] = set()
    for index, texts in phrase_tokens.items():
        if phrase_attr(refs[index].entry) == "LEMMA":
            lemma_phrase_words.update(texts)
    phrase_lemmas = (lemma_data.remembered(keys=lemma_phrase_words)
                     if lemma_data is not None and lemma_phrase_words else {})

    rules: list[Rule] = []
    lemma_values: set[str] = set()
    full_lemma = False
    # Per rule: candidate anchors [(attr, literal values)] for its required tokens.
    candidates: list[list[tuple[str, list[str]]]] = []
    for index, ref in enumerate(refs):
        if index in phrase_tokens:
            rule, cands, lemmas = _phrase_rule(ref, spec, phrase_tokens[index], phrase_lemmas,
                                               lemma_data is not None, lemma_fallback)
        else:
            rule, cands, lemmas, general = _token_rule(ref, spec, lemma_fallback)
            full_lemma = full_lemma or general
        lemma_values |= lemmas
        rules.append(rule)
        candidates.append(cands)

    plan = Plan(lang=lang, model=model, pipeline=spec.name, rules=rules)
    plan.needs_lemma = any(r.uses_lemma for r in rules)
    plan.needs_sents = any(r.uses_sents for r in rules)
    plan.full_lemma = full_lemma

    # Surface forms of every LEMMA value (the inverted table) and the reduced table: the
    # entries whose key or value is one of those lemmas, found in one pass.
    forms: dict[str, set[str]] = {}
    if lemma_data is not None and plan.needs_lemma:
        sub = lemma_data.remembered(keys=lemma_values, values=lemma_values)
        forms = {value: set() for value in lemma_values}
        for key, value in sub.items():
            if value in forms:
                forms[value].add(key)
        for value in lemma_values:
            if value not in sub:
                forms[value].add(value)  # not a key: the lookup returns the text itself
        if not full_lemma:
            plan.lemma_table = sub

    _choose_anchors(plan, candidates, forms)
    tokenizer = load_pipeline(lang, model).tokenizer if model else tokenizer_only(lang).tokenizer
    ws_keys = tuple(sorted(k for k in tokenizer.rules if any(c.isspace() for c in k)
                           and k.strip()))
    if any(k != k.strip() for k in ws_keys):
        plan.whole_turns = True
    plan.ws_keys = ws_keys
    return plan


def _phrase_rule(ref: PatternRef, spec: PipelineSpec, texts: list[str],
                 phrase_lemmas: dict[str, str], has_table: bool, lemma_fallback: bool):
    entry = ref.entry
    attr = phrase_attr(entry)
    if attr == "TEXT":
        attr = "ORTH"
    if attr == "LEMMA" and lemma_fallback:
        attr = "LOWER"
    if not texts:
        raise pattern_error(ref, "the phrase has no tokens")
    uses_lemma = attr == "LEMMA"
    lexical = spec.blank and (not uses_lemma or spec.lexical_lemma)
    cands: list[tuple] = []
    lemmas: set[str] = set()
    last = len(texts) - 1
    if attr in ("LOWER", "ORTH"):
        cands = [(attr, [t], k, last - k) for k, t in enumerate(texts)]
    elif uses_lemma and has_table:
        values = [phrase_lemmas.get(t, t) for t in texts]
        lemmas = set(values)
        cands = [("LEMMA", [v], k, last - k) for k, v in enumerate(values)]
    rule = Rule(code=ref.code, pattern_id=ref.pattern_id, exclude=ref.exclude,
                phrase=entry["pattern"].strip(), attr=attr, tokens=None, lexical=lexical,
                max_len=len(texts), line_local=True, uses_lemma=uses_lemma)
    return rule, cands, lemmas


def _token_rule(ref: PatternRef, spec: PipelineSpec, lemma_fallback: bool):
    tokens = [normalise_token(t) for t in ref.entry["pattern"]]
    if lemma_fallback:
        tokens = [_lemma_to_lower(t) for t in tokens]
    attrs: set[str] = set()
    for token in tokens:
        attrs |= token_attrs(token)
    uses_lemma = "LEMMA" in attrs
    context = bool(attrs & CONTEXT_ATTRS) or (uses_lemma and not spec.lexical_lemma)
    lexical = spec.blank and not context
    high = max_tokens(tokens)
    line_local = high is not None or all(cannot_match_newline(t) for t in tokens)
    cands: list[tuple] = []
    lemmas: set[str] = set()
    general = False
    ranges = [op_range(token) for token in tokens]
    for k, token in enumerate(tokens):
        if "LEMMA" in token:
            values = _lemma_equality_values(token["LEMMA"])
            if values is None:
                general = True
            else:
                lemmas |= values
        fewest, most = ranges[k]
        if fewest < 1 or token_op(token) == "!":
            continue  # optional or negated: cannot anchor
        # How far a match reaches from this token: everything before (after) it, plus
        # its own repeats (the anchor found may be any one of them).
        own = None if most is None else most - 1
        left = _sum_reach([hi for _, hi in ranges[:k]] + [own])
        right = _sum_reach([hi for _, hi in ranges[k + 1:]] + [own])
        for attr in ("LOWER", "ORTH", "TEXT", "LEMMA"):
            if attr == "LEMMA" and not spec.lexical_lemma:
                continue
            values = literal_values(token, attr)
            if values is not None:
                cands.append(("ORTH" if attr == "TEXT" else attr, values, left, right))
    rule = Rule(code=ref.code, pattern_id=ref.pattern_id, exclude=ref.exclude, phrase=None,
                attr="", tokens=tokens, lexical=lexical, max_len=high, line_local=line_local,
                uses_lemma=uses_lemma, uses_sents=bool(attrs & {"SENT_START", "IS_SENT_START"}))
    return rule, cands, lemmas, general


def _sum_reach(counts: list[int | None]) -> int | None:
    return None if any(c is None for c in counts) else sum(counts)


def _lemma_to_lower(token: dict) -> dict:
    """A language without a lemma table: LEMMA compares against the lowercase text."""
    if "LEMMA" not in token:
        return token
    value = token["LEMMA"]
    out = {k: v for k, v in token.items() if k != "LEMMA"}
    if isinstance(value, str):
        value = value.lower()
    elif isinstance(value, dict):
        value = {k: ([x.lower() if isinstance(x, str) else x for x in v] if isinstance(v, list)
                     else (v.lower() if isinstance(v, str) and k in _EQUALITY_PREDICATES else v))
                 for k, v in value.items()}
    if "LOWER" not in out:  # a token testing both keeps its LOWER test only
        out["LOWER"] = value
    return out


def _lemma_equality_values(value) -> set[str] | None:
    """The strings a LEMMA test compares for equality (None: some other kind of test)."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict) and set(value) <= _EQUALITY_PREDICATES:
        found: set[str] = set()
        for item in value.values():
            items = item if isinstance(item, list) else [item]
            if not all(isinstance(x, str) for x in items):
                return None
            found |= set(items)
        return found
    return None


def _choose_anchors(plan: Plan, candidates: list[list[tuple]],
                    forms: dict[str, set[str]]) -> None:
    """Give each rule its cheapest anchor (and its reach) and build the anchor regexes."""
    surfaces: list[list[tuple[set[str], int | None, int | None]]] = []
    every: set[str] = set()
    for cands in candidates:
        options = []
        for attr, values, left, right in cands:
            if attr == "LEMMA":
                strings = set()
                for value in values:
                    strings |= forms.get(value, {value})
            else:
                strings = set(values)
            folded = {fold_lower(s) for s in strings}
            if not folded or any(not _searchable(s) for s in folded):
                continue
            options.append((folded, left, right))
            every |= folded
        surfaces.append(options)
    costs = word_costs(plan.lang, every) if every else {}
    lexical: set[str] = set()
    spaced: set[str] = set()
    context: set[str] = set()
    for rule, options in zip(plan.rules, surfaces):
        if not options:
            plan.full_all = True
            kind = "exclude pattern" if rule.exclude else "pattern"
            plan.notes.append(f"code {rule.code}, {kind} {rule.pattern_id}: no literal word to "
                              "look for; every turn goes through the whole pipeline")
            continue
        rule.needs = tuple(sorted({tuple(sorted(o[0])) for o in options}, key=len))
        best, rule.left, rule.right = min(
            options, key=lambda o: (sum(costs.get(w, 1.0) for w in o[0]), len(o[0]), sorted(o[0]),
                                    _reach_cost(o[1]) + _reach_cost(o[2])))
        rule.anchor = tuple(sorted(best))
        if rule.lexical and (rule.left is None or rule.right is None) and not rule.line_local:
            kind = "exclude pattern" if rule.exclude else "pattern"
            plan.notes.append(f"code {rule.code}, {kind} {rule.pattern_id}: unbounded and may "
                              "cross lines; the fast pass reads whole turns where it may match")
        if not rule.lexical:
            context.update(best)
            continue
        for word in best:
            (spaced if " " in word else lexical).add(word)
    plan.lexical_regex = trie_regex(lexical) if lexical else None
    # Anchors holding a space ("ee. uu.") are searched with overlaps: one found inside
    # another may reach further right.
    plan.spaced_regex = "(?=(" + trie_regex(spaced) + "))" if spaced else None
    plan.context_regex = trie_regex(context) if context else None


def _reach_cost(reach: int | None) -> int:
    return 10_000 if reach is None else reach


def _searchable(word: str) -> bool:
    """A string the prefilter can look for: non-empty, no edge or non-space whitespace."""
    if not word or word != word.strip():
        return False
    return not any(c.isspace() and c != " " for c in word)


def trie_regex(words: Iterable[str]) -> str:
    """A regular expression matching any of ``words``, factored as a trie (fast in ``re``)."""
    trie: dict = {}
    for word in sorted(set(words)):
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return "(?:" + body + ")?"
        return body

    return emit(trie)


def aho_corasick(entries: Iterable[tuple[str, object]]):
    """An Aho-Corasick automaton finding every word of ``entries`` (``(word, value)``) in a
    text, overlaps included: ``iter`` gives each as ``(index of its last character,
    value)``.  Without entries it is empty (``len`` 0) and must not be searched."""
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for word, value in entries:
        automaton.add_word(word, value)
    if len(automaton):
        automaton.make_automaton()
    return automaton


def _cuts_letters(key: str, pieces: list[str]) -> bool:
    """Whether a tokenizer special case cuts ``key`` into ``pieces`` between two letters."""
    at = 0
    for piece in pieces[:-1]:
        at += len(piece)
        if 0 < at < len(key) and key[at - 1].isalpha() and key[at].isalpha():
            return True
    return False


# -- matching ---------------------------------------------------------------------------------

CHUNKS, LINE, TURN = 0, 1, 2  # how far a window reaches on one side of an anchor
Reach = tuple[int, int, int, int]  # (chunks left, mode left, chunks right, mode right)


def _side(reach: int | None, line_local: bool) -> tuple[int, int]:
    if reach is None:
        return 0, (LINE if line_local else TURN)
    return reach, CHUNKS


def _combine(a: Reach, b: Reach) -> Reach:
    return (max(a[0], b[0]), max(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


class Engine:
    """Compiled matchers for one plan, on the naive (full) or the fast pipeline."""

    def __init__(self, plan: Plan, *, naive: bool = False) -> None:
        from spacy.matcher import Matcher, PhraseMatcher

        self.plan = plan
        self.naive = naive
        if plan.model:
            self.nlp = load_pipeline(plan.lang, plan.model)
        elif naive or plan.full_lemma:
            self.nlp = load_pipeline(plan.lang)
        else:
            self.nlp = fast_pipeline(plan.lang, plan.lemma_table if plan.needs_lemma else None)
        self.lemmatizer = self.nlp.get_pipe("lemmatizer") if (
            self.nlp.has_pipe("lemmatizer") and plan.needs_lemma and not plan.model) else None
        self.sentencizer = self.nlp.get_pipe("sentencizer") if (
            self.nlp.has_pipe("sentencizer") and plan.needs_sents and not plan.model) else None
        vocab = self.nlp.vocab
        keys = [f"coder-rule-{index}" for index in range(len(plan.rules))]
        self.rule_of = {vocab.strings.add(key): index for index, key in enumerate(keys)}
        # One Matcher and one PhraseMatcher per attribute for whole texts; one matcher
        # per rule for windows, where only the rules whose anchors occur are run.
        self.matcher = Matcher(vocab, validate=True)
        self.phrase_matchers: dict[str, PhraseMatcher] = {}
        self.rule_matchers: list = []
        for index, rule in enumerate(plan.rules):
            if rule.tokens is not None:
                self.matcher.add(keys[index], [rule.tokens])
                single = Matcher(vocab)
                single.add(keys[index], [rule.tokens])
            else:
                doc = self._phrase_doc(rule)
                if rule.attr not in self.phrase_matchers:
                    self.phrase_matchers[rule.attr] = PhraseMatcher(vocab, attr=rule.attr)
                self.phrase_matchers[rule.attr].add(keys[index], [doc])
                single = PhraseMatcher(vocab, attr=rule.attr)
                single.add(keys[index], [doc])
            self.rule_matchers.append(single)
        # The fast lookup lemmatizer: orth hash -> lemma hash (what table.get(text, text) gives).
        self.lemma_ids: dict[int, int] | None = None
        if self.lemmatizer is not None and not naive and not plan.full_lemma and plan.lemma_table is not None:
            self.lemma_ids = {vocab.strings.add(k): vocab.strings.add(v)
                              for k, v in plan.lemma_table.items()}
        # Each rule's required tokens: one string is tested with ``in``, a short list with
        # ``in`` for each, a long one (the forms of a lemma) with one regular expression.
        self.need_tests: list[list[str | tuple[str, ...] | re.Pattern]] = [
            [need[0] if len(need) == 1 else need if len(need) <= 4 else re.compile(trie_regex(need))
             for need in rule.needs]
            for rule in plan.rules]
        # Rules of one plain token (LOWER, ORTH or TEXT equal to, or in, literal strings):
        # an anchor token they accept is a hit as it stands, with no window to tokenize.
        self.single: dict[int, tuple[bool, frozenset[str]]] = {}
        for index, rule in enumerate(plan.rules):
            if naive or not rule.lexical or rule.tokens is None or len(rule.tokens) != 1:
                continue
            token = rule.tokens[0]
            keys = {str(key).upper() for key in token}
            if len(keys) == 1 and keys <= {"LOWER", "ORTH", "TEXT"}:
                attr = keys.pop()
                values = literal_values(token, attr)
                if values is not None:
                    self.single[index] = (attr == "LOWER", frozenset(values))
        self.lexical_rx = re.compile(plan.lexical_regex) if plan.lexical_regex else None
        self.spaced_rx = re.compile(plan.spaced_regex) if plan.spaced_regex else None
        self.context_rx = re.compile(plan.context_regex) if plan.context_regex else None
        self._anchor_maps()

    def _anchor_maps(self) -> None:
        """Per anchor string: the rules it (or a prefix of it) anchors, and their reach.

        A search reports the longest anchor starting at a position; the anchors that are
        its prefixes start there too, so their rules come along.  ``inner`` lists the
        offsets inside an anchor where another anchor may start (found overlapping).
        ``owners`` are the rules anchored on exactly that string, ``prefixes`` the anchors
        a found string starts with (itself included).
        """
        owners: dict[str, set[int]] = {}
        for index, rule in enumerate(self.plan.rules):
            if rule.lexical:
                for word in rule.anchor:
                    owners.setdefault(word, set()).add(index)
        prefixes = {word[:size] for word in owners for size in range(1, len(word) + 1)}
        self.owners = {word: tuple(sorted(found)) for word, found in owners.items()}
        self.prefixes: dict[str, tuple[str, ...]] = {}
        self.anchor_rules: dict[str, tuple[int, ...]] = {}
        self.anchor_reach: dict[str, Reach] = {}
        self.inner: dict[str, tuple[int, ...]] = {}
        self.rule_reach: list[Reach] = []
        for rule in self.plan.rules:
            left = _side(rule.left, rule.line_local)
            right = _side(rule.right, rule.line_local)
            self.rule_reach.append((0, TURN, 0, TURN) if self.plan.whole_turns
                                   else (left[0], left[1], right[0], right[1]))
        self._reach_cache: dict[tuple[int, ...], Reach] = {}
        for word in owners:
            self.prefixes[word] = tuple(word[:size] for size in range(1, len(word) + 1)
                                        if word[:size] in owners)
            found: set[int] = set()
            for prefix in self.prefixes[word]:
                found |= owners[prefix]
            self.anchor_rules[word] = tuple(sorted(found))
            self.anchor_reach[word] = self.reach_of(self.anchor_rules[word])
            self.inner[word] = tuple(j for j in range(1, len(word))
                                     if word[j:] in prefixes
                                     or any(word[j:j + size] in owners
                                            for size in range(1, len(word) - j + 1)))
        # Chunk by chunk (see _anchor_entries): chunks already looked at, and those
        # holding anchor tokens with where they are.  Special cases holding a space whose
        # tokens include an anchor make a text go by the substring route.
        self._seen: set[str] = set()
        self._anchor_tokens: dict[str, tuple[tuple, ...]] = {}  # chunk -> its _token_entry()s
        automaton = aho_corasick((word, len(word)) for word in owners if " " not in word)
        self.automaton = automaton if len(automaton) else None
        from spacy.attrs import ORTH

        special = self.nlp.tokenizer.rules
        self.special_cases = frozenset(special)
        # Each special case's token texts, and whether one of them is an anchor.
        pieces = {key: [str(token.get(ORTH, token.get("ORTH", ""))) for token in tokens]
                  for key, tokens in special.items()}
        anchored = {key for key, texts in pieces.items()
                    if any(fold_lower(text) in owners for text in texts)}
        # A blank pipeline has spaCy's affix rules for the language; a trained one may not.
        self.letters_whole = not self.plan.model
        # Special cases that cut between two letters ("pal" -> "pa", "l"; English
        # "cannot"), where one of the pieces is an anchor: in a text holding one, an
        # anchor string inside a word may be a token after all.
        self.letter_cuts = tuple(key for key, texts in pieces.items()
                                 if key in anchored and _cuts_letters(key, texts))
        self.unsafe_keys = tuple(key for key in self.plan.ws_keys if key in anchored)
        self.spaced_firsts = tuple(sorted({word.split(" ")[0] for word in self.anchor_rules
                                           if " " in word}))

    def holds_needs(self, index: int, low: str) -> bool:
        """Whether folded text ``low`` holds a candidate string of every token rule
        ``index`` requires (False: the rule cannot match inside it)."""
        for need in self.need_tests[index]:
            kind = type(need)
            if kind is str:
                if need not in low:
                    return False
            elif kind is tuple:
                for option in need:
                    if option in low:
                        break
                else:
                    return False
            elif need.search(low) is None:
                return False
        return True

    def reach_of(self, rules: tuple[int, ...]) -> Reach:
        """How far a window must reach around an anchor of ``rules`` (cached)."""
        reach = self._reach_cache.get(rules)
        if reach is None:
            reach = (0, CHUNKS, 0, CHUNKS)
            for index in rules:
                reach = _combine(reach, self.rule_reach[index])
            self._reach_cache[rules] = reach
        return reach

    def learn(self, chunk_sets: Iterable[set[str]]) -> None:
        """Find the anchor tokens of every whitespace-separated chunk not seen before.

        A chunk can hold an anchor token only if it holds an anchor string (or changes
        length when lowercased); only those few are tokenized, all in one call.
        """
        every = set().union(*chunk_sets)
        fresh = every - self._seen
        if not fresh:
            return
        if len(self._seen) + len(fresh) > 500_000:  # bound the memory of a huge run
            self._seen.clear()
            self._anchor_tokens.clear()
            fresh = every
        self._seen |= fresh
        rx = self.lexical_rx
        suspects = []
        for chunk in fresh:
            folded = fold_lower(chunk)
            if len(folded) == len(chunk) and (rx is None or rx.search(folded) is None):
                continue  # a token's text is a piece of its chunk: no anchor, no anchor token
            if self.letters_whole and chunk.isalpha() and chunk not in self.special_cases:
                # Only letters: spaCy's own affix rules never split it (they all need a
                # digit or punctuation), so it is one token (tests check this).
                rules = self.owners.get(folded)
                if rules:
                    self._anchor_tokens[chunk] = (self._token_entry(0, len(chunk), chunk, rules),)
            else:
                suspects.append(chunk)
        for chunk, tokens in zip(suspects, self._tokenize_chunks(suspects)):
            found = tuple(self._token_entry(start, end, text, rules) for start, end, text in tokens
                          if (rules := self.owners.get(fold_lower(text))))
            if found:
                self._anchor_tokens[chunk] = found

    def _token_entry(self, start: int, end: int, text: str, rules: tuple[int, ...]) -> tuple:
        """An anchor token of a chunk: ``(start, end, rules, rest, direct)`` where ``direct``
        are the one-token rules that accept its text (hits as they stand) and ``rest`` the
        rules that need a window."""
        if not self.single:
            return start, end, rules, rules, ()
        direct, rest = [], []
        for index in rules:
            test = self.single.get(index)
            if test is None:
                rest.append(index)
            elif (text.lower() if test[0] else text) in test[1]:  # what LOWER compares
                direct.append(index)
        return start, end, rules, tuple(rest), tuple(direct)

    def _tokenize_chunks(self, chunks: list[str]) -> list[list[tuple[int, int, str]]]:
        """Each chunk's tokens as ``(start, end, text)``, from one tokenizer call over the
        chunks joined by spaces (each chunk is tokenized on its own either way, unless a
        special case holding a space joins two: then one call per chunk)."""
        joined = " ".join(chunks)
        if len(chunks) < 2 or any(key in joined for key in self.plan.ws_keys):
            return [[(t.idx, t.idx + len(t.text), t.text) for t in self.nlp.tokenizer(chunk)]
                    for chunk in chunks]
        starts = list(itertools.accumulate((len(chunk) + 1 for chunk in chunks), initial=0))
        out: list[list[tuple[int, int, str]]] = [[] for _ in chunks]
        for token in self.nlp.tokenizer(joined):
            index = bisect.bisect_right(starts, token.idx) - 1
            offset = token.idx - starts[index]
            out[index].append((offset, offset + len(token.text), token.text))
        return out

    def token_occurrences(self, text: str) -> list[tuple[int, int, tuple[int, ...]]]:
        """Every token of ``text`` that is a lexical anchor: ``(start, end, rules)``."""
        low = fold_lower(text)
        if len(low) != len(text):  # (the fast pass takes such a text whole)
            return [(t.idx, t.idx + len(t.text), rules) for t in self.nlp.tokenizer(text)
                    if (rules := self.owners.get(fold_lower(t.text)))]
        return [(start, end, rules) for start, end, rules, _, _ in self._anchor_entries(text, low)]

    def _anchor_entries(self, text: str, low: str) -> list[tuple]:
        """The anchor tokens of ``text`` (``low``: its :func:`fold_lower`, as long as it)
        as ``(start, end, rules, rest, direct)`` (see :meth:`_token_entry`).

        spaCy's tokenizer splits on whitespace first and tokenizes each chunk on its own
        (only special cases holding a space join chunks: callers make sure none that
        matters is in the text), so the tokens of a chunk are the same in every text and
        are worked out once per distinct chunk (:meth:`learn`).  A token's text is a piece
        of its chunk, so only the chunks around an anchor string can hold an anchor token:
        one Aho-Corasick pass over the text finds every anchor string, which is cheaper
        than splitting the text into all of its chunks.  An anchor string with a letter
        on both sides of one of its ends ("di" in "dijo") is passed over without looking
        at its chunk: spaCy's rules only cut between two letters inside a special case
        ("pal"), and a text holding such a case is looked at chunk by chunk (tests check
        both).
        """
        automaton = self.automaton
        if automaton is None:
            return []
        words_whole = self.letters_whole and not any(key in text for key in self.letter_cuts)
        n = len(text)
        chunks: dict[int, str] = {}  # chunk start -> chunk
        a = b = -1  # the chunk found last, text[a:b] (the automaton reports in text order)
        for last, size in automaton.iter(low):
            start, end = last - size + 1, last + 1
            if words_whole and (
                    (start and low[start].isalpha() and low[start - 1].isalpha())
                    or (end < n and low[end].isalpha() and low[last].isalpha())):
                continue  # inside a word: not a token of its own
            if a <= start < b:
                continue  # its chunk is known (and each chunk is walked once, however long)
            a = start
            while a and not text[a - 1].isspace():
                a -= 1
            b = end
            while b < n and not text[b].isspace():
                b += 1
            chunks[a] = text[a:b]
        if not chunks:
            return []
        self.learn([set(chunks.values())])
        found = []
        tokens_of = self._anchor_tokens
        for a, chunk in chunks.items():
            tokens = tokens_of.get(chunk)
            if tokens:
                found.extend((a + start, a + end, rules, rest, direct)
                             for start, end, rules, rest, direct in tokens)
        return found

    def _phrase_doc(self, rule: Rule):
        """The pattern doc of a phrase rule (lemmatized when it is compared on LEMMA)."""
        if rule.attr in ("LOWER", "ORTH", "NORM"):
            return self.nlp.make_doc(rule.phrase)
        return self.nlp(rule.phrase)

    # The whole pipeline on a whole text (what nlp(text) gives).
    def _full_doc(self, text: str):
        if self.plan.model or self.naive:
            self._check_length([text])
            return self.nlp(text)
        doc = self.nlp.make_doc(text)
        if self.lemmatizer is not None:
            self._lemmatize(doc)
        if self.sentencizer is not None:
            self.sentencizer(doc)
        return doc

    def _check_length(self, texts: Sequence[str]) -> None:
        """A one-line error for a turn longer than the pipeline takes (a trained pipeline's
        ``max_length``: its parser needs about 1 GB per 100,000 characters); coder's blank
        pipelines take any length (see :func:`coder.suggest.pipeline._blank`)."""
        limit = self.nlp.max_length
        longest = max(map(len, texts), default=0)
        if longest > limit:
            raise CoderError(
                f"a turn of {longest:,} characters is longer than pipeline {self.plan.pipeline!r} "
                f"takes ({limit:,}: its parser needs about 1 GB per 100,000 characters); "
                "match it with the default pipeline (no trained model), or split the document",
                option="model")

    def _lemmatize(self, doc) -> None:
        """The lookup lemmatizer's lemmas, set in one array operation when the table is small."""
        if self.lemma_ids is None:
            self.lemmatizer(doc)
            return
        import numpy
        from spacy.attrs import LEMMA, ORTH

        get = self.lemma_ids.get
        orths = doc.to_array(ORTH).tolist()
        lemmas = numpy.array([get(o, o) for o in orths], dtype="uint64").reshape(-1, 1)
        doc.from_array([LEMMA], lemmas)

    def doc_hits(self, doc, offset: int = 0, rules: Iterable[int] | None = None
                 ) -> set[tuple[int, int, int]]:
        """Raw hits in a doc: ``{(rule index, start, end)}`` with offsets shifted by ``offset``.

        ``rules``: only these rules (by index); default all.
        """
        if rules is None:
            # (An empty Matcher makes spaCy warn W036 on every doc: phrase-only codebooks.)
            matches = list(self.matcher(doc)) if len(self.matcher) else []
            for matcher in self.phrase_matchers.values():
                matches.extend(matcher(doc))
        else:
            matches = []
            for index in rules:
                matches.extend(self.rule_matchers[index](doc))
        found = set()
        for match_id, start, end in matches:
            span = doc[start:end]
            found.add((self.rule_of[match_id], span.start_char + offset, span.end_char + offset))
        return found

    def finish(self, raw: set[tuple[int, int, int]]) -> list[Hit]:
        """Raw hits -> hits: exclusions applied, duplicates dropped, sorted."""
        rules = self.plan.rules
        excluded: dict[str, list[tuple[int, int]]] = {}
        for index, start, end in raw:
            rule = rules[index]
            if rule.exclude:
                excluded.setdefault(rule.code, []).append((start, end))
        hits = set()
        for index, start, end in raw:
            rule = rules[index]
            if rule.exclude:
                continue
            spans = excluded.get(rule.code)
            if spans and any(s < end and start < e for s, e in spans):
                continue
            hits.add((rule.code, rule.pattern_id, start, end))
        return sorted(hits, key=lambda h: (h[2], h[3], h[0], h[1]))

    def match_naive(self, texts: Sequence[str]) -> list[list[Hit]]:
        """The reference: the whole pipeline over every text, then the matchers."""
        out = []
        self._check_length(texts)
        for doc in self.nlp.pipe(texts, batch_size=64):
            out.append(self.finish(self.doc_hits(doc)))
        return out

    def match_fast(self, texts: Sequence[str]) -> list[list[Hit]]:
        """The same hits as :meth:`match_naive`, tokenizing only windows around anchors."""
        return [self.finish(self.fast_raw(text)) for text in texts]

    def occurrences(self, low: str) -> list[tuple[int, int, str]]:
        """Every anchor occurrence in a folded text: ``(start, end, anchor)``."""
        found = []
        rx = self.lexical_rx
        if rx is not None:
            inner = self.inner
            for match in rx.finditer(low):
                start, end = match.span()
                word = match.group()
                found.append((start, end, word))
                # An anchor starting inside this one was skipped by finditer.
                for offset in inner[word]:
                    other = rx.match(low, start + offset)
                    if other is not None:
                        found.append((other.start(), other.end(), other.group()))
        if self.spaced_rx is not None:
            found.extend((m.start(), m.end(1), m.group(1)) for m in self.spaced_rx.finditer(low))
        return found

    def fast_raw(self, text: str) -> set[tuple[int, int, int]]:
        """Raw hits of one text by the fast route."""
        plan = self.plan
        if not text or not plan.rules:
            return set()
        if plan.full_all:
            return self.doc_hits(self._full_doc(text))
        low = fold_lower(text)
        if len(low) != len(text):
            # A character whose lowercase is longer ('İ'): offsets would not line up.
            return self.doc_hits(self._full_doc(text))
        if self.context_rx is not None and self.context_rx.search(low):
            return self.doc_hits(self._full_doc(text))
        spans: list[tuple[int, int, Reach]] = []
        owners: list[tuple[int, ...]] = []
        found: set[tuple[int, int, int]] = set()
        if plan.whole_turns or any(key in text for key in self.unsafe_keys):
            # The substring route: every place an anchor occurs, token or not.
            for start, end, word in self.occurrences(low):
                spans.append((start, end, self.anchor_reach[word]))
                owners.append(self.anchor_rules[word])
        else:
            for start, end, _, rest, direct in self._anchor_entries(text, low):
                for index in direct:
                    found.add((index, start, end))
                if rest:
                    spans.append((start, end, self.reach_of(rest)))
                    owners.append(rest)
        if not spans:
            return found
        rules = plan.rules
        for start, end, members in windows(text, spans, plan.ws_keys):
            indexes: set[int] = set()
            for member in members:
                indexes.update(owners[member])
            # A rule runs only where every token it requires has a candidate string in
            # the window (a match lies inside its window, so it holds them all).
            piece = low[start:end]
            run = [index for index in sorted(indexes) if self.holds_needs(index, piece)]
            if not run:
                continue
            doc = self.nlp.make_doc(text[start:end])
            if self.lemmatizer is not None and any(rules[i].uses_lemma for i in run):
                self._lemmatize(doc)
            found |= self.doc_hits(doc, start, run)
        return found


_ENGINES: dict[tuple[str, bool], Engine] = {}


def get_engine(plan: Plan, *, naive: bool = False) -> Engine:
    """The engine for a plan, compiled once per process."""
    key = (plan.fingerprint, naive)
    engine = _ENGINES.get(key)
    if engine is None:
        if len(_ENGINES) > 32:
            _ENGINES.clear()
        engine = _ENGINES[key] = Engine(plan, naive=naive)
    return engine


def match_texts(plan: Plan, texts: Sequence[str], *, naive: bool = False) -> list[list[Hit]]:
    """Hits for each text: the fast pass, or the naive reference with ``naive=True``."""
    engine = get_engine(plan, naive=naive)
    return engine.match_naive(texts) if naive else engine.match_fast(texts)


# -- windows ----------------------------------------------------------------------------------

def windows(text: str, spans: Sequence[tuple[int, int, Reach]], ws_keys: Sequence[str] = ()
            ) -> list[tuple[int, int, list[int]]]:
    """Merged ``[start, end)`` windows around anchor occurrences, with the occurrences inside.

    ``spans`` are ``(start, end, reach)``; ``reach`` says how many chunks (or up to the
    line's or the text's edge) the window takes on each side.  Every window starts where
    a whitespace-separated chunk starts and ends where one ends (or at the text's ends),
    and never cuts a tokenizer special case containing a space; chunks such a token joins
    count as one.  Returns ``(start, end, [indexes into spans])`` sorted by start.
    """
    n = len(text)
    first = n - len(text.lstrip())
    last = len(text.rstrip())
    ws_keys = [key for key in ws_keys if key in text]  # usually none
    out: list[tuple[int, int, int]] = []
    reverse = None  # the text reversed, for reading chunks leftwards
    chunk_run = _chunk_run
    for index, (s, e, (lc, lm, rc, rm)) in enumerate(spans):
        if lm != TURN and reverse is None:
            reverse = text[::-1]
        if lm == CHUNKS and rm == CHUNKS and not ws_keys:
            # The common case, inline (what the general code below does for it).
            match = chunk_run(lc).match(reverse, n - 1 - s)
            a = n - match.end() if match else 0
            match = chunk_run(rc).match(text, e - 1)
            b = match.end() if match else n
            out.append((0 if a <= first else a, n if b >= last else b, index))
            continue
        a = 0 if lm == TURN else _chunk_start_left(text, s, lc, reverse)
        b = n if rm == TURN else _chunk_end_right(text, e - 1, rc)
        if ws_keys:
            # A special case with a space is one token over several chunks, so the
            # chunks on a side may hold fewer tokens than asked: add one chunk per space
            # inside such a token, until no new one comes into the window.
            extra_left = extra_right = 0
            while True:
                more_left = _spaces_in_keys(text, a, s, ws_keys) if lm != TURN else 0
                more_right = _spaces_in_keys(text, e, b, ws_keys) if rm != TURN else 0
                if more_left <= extra_left and more_right <= extra_right:
                    break
                extra_left, extra_right = max(extra_left, more_left), max(extra_right, more_right)
                if lm != TURN:
                    a = _chunk_start_left(text, s, lc + extra_left, reverse)
                if rm != TURN:
                    b = _chunk_end_right(text, e - 1, rc + extra_right)
        if lm == LINE:
            line_start = text.rfind("\n", 0, s) + 1
            a = min(a, _NONSPACE.search(text, line_start, e).start())
        if rm == LINE:
            line_end = text.find("\n", e)
            if line_end < 0:
                line_end = n
            b = max(b, e + len(text[e:line_end].rstrip()))
        a, b = _widen(text, a, b, ws_keys)
        out.append((0 if a <= first else a, n if b >= last else b, index))
    out.sort()
    merged: list[tuple[int, int, list[int]]] = []
    for a, b, index in out:
        if merged and a <= merged[-1][1]:
            start, end, members = merged[-1]
            members.append(index)
            merged[-1] = (start, max(end, b), members)
        else:
            merged.append((a, b, [index]))
    return merged


@functools.lru_cache(maxsize=256)
def _chunk_run(r: int) -> re.Pattern:
    """From a position: any white space, then ``r + 1`` chunks (the first may be partial)."""
    return re.compile(rf"\s*\S+(?:\s+\S+){{{r}}}")


def _chunk_start_left(text: str, pos: int, r: int, reverse: str | None = None) -> int:
    """Start of the chunk ``r`` chunks left of the chunk holding ``text[pos]`` (non-space);
    0 when there are not that many.  ``reverse``: ``text[::-1]``, when the caller has it.

    Read leftwards as one regex match on the reversed text, so the cost is the characters
    crossed, whatever the chunks' lengths.
    """
    if reverse is None:
        reverse = text[::-1]
    match = _chunk_run(r).match(reverse, len(text) - 1 - pos)
    return len(text) - match.end() if match else 0


def _chunk_end_right(text: str, pos: int, r: int) -> int:
    """End of the chunk ``r`` chunks right of the chunk holding ``text[pos]`` (non-space);
    the end of the text when there are not that many."""
    match = _chunk_run(r).match(text, pos)
    return match.end() if match else len(text)


def _spaces_in_keys(text: str, start: int, end: int, keys: Sequence[str]) -> int:
    """Whitespace runs inside occurrences of ``keys`` that touch ``text[start:end]``."""
    total = 0
    for key in keys:
        runs = len(re.findall(r"\s+", key))
        if runs and key in text[max(0, start - len(key)):end + len(key)]:
            total += runs * text.count(key, max(0, start - len(key)), end + len(key))
    return total


def _widen(text: str, a: int, b: int, keys: Sequence[str]) -> tuple[int, int]:
    """Widen ``[a, b)`` until no special case with a space (e.g. "EE. UU.") crosses an edge."""
    if not keys:
        return a, b
    n = len(text)
    changed = True
    while changed:
        changed = False
        for key in keys:
            size = len(key)
            i = text.find(key, max(0, a - size + 1), min(n, a + size - 1))
            while 0 <= i < a:
                if i + size > a:
                    while i > 0 and not text[i - 1].isspace():
                        i -= 1
                    a, changed = i, True
                    break
                i = text.find(key, i + 1, min(n, a + size - 1))
            i = text.find(key, max(0, b - size + 1), min(n, b + size - 1))
            while 0 <= i < b:
                if i + size > b:
                    end = i + size
                    while end < n and not text[end].isspace():
                        end += 1
                    b, changed = end, True
                    break
                i = text.find(key, i + 1, min(n, b + size - 1))
    return a, b


def match_document(plans: dict[str, Plan], lang: str, turns: Sequence[tuple[int, str]],
                   naive: bool = False) -> list[Hit]:
    """Hits of one document: ``turns`` are ``(offset, text)``; offsets come back absolute."""
    plan = plans.get(lang)
    if plan is None or not plan.rules or not turns:
        return []
    results = match_texts(plan, [text for _, text in turns], naive=naive)
    hits: list[Hit] = []
    for (offset, _), found in zip(turns, results):
        hits.extend((code, pattern, start + offset, end + offset) for code, pattern, start, end in found)
    return hits


def _fields_except(value, flattened: str) -> dict:
    """``value``'s fields in declaration order, but ``flattened`` (merged in by the caller)."""
    return {field.name: getattr(value, field.name) for field in dataclasses.fields(value)
            if field.name != flattened}


@dataclass(frozen=True)
class TokenView:
    """One token as the patterns see it; ``in_table``: whether the lookup lemma table lists
    its text (None: no lookup table).  ``tags`` (pos, tag, dep) only with a trained model."""

    i: int
    text: str
    lower: str
    lemma: str
    in_table: bool | None
    start: int
    end: int
    tags: dict[str, str] | None = None

    def as_json(self) -> dict:
        """The token as ``coder patterns try --json`` prints it (tags flattened in)."""
        return {**_fields_except(self, "tags"), **(self.tags or {})}


@dataclass(frozen=True)
class HitReading:
    """How the clause around a kept hit reads (see :mod:`coder.suggest.moves`)."""

    source: str
    polarity: str
    sector: str | None
    context: str | None
    marked: bool
    cues: dict


@dataclass(frozen=True)
class PatternHit:
    """One pattern hit on a tried text; ``dropped``: False, True (an exclude pattern of
    its code overlaps it) or the reason it would not be kept."""

    code: str
    pattern: str
    start: int
    end: int
    text: str
    exclude: bool
    dropped: bool | str
    reading: HitReading | None = None

    def as_json(self) -> dict:
        """The hit as ``coder patterns try --json`` prints it (the reading flattened in)."""
        row = _fields_except(self, "reading")
        if self.reading is not None:
            row.update(dataclasses.asdict(self.reading))
        return row


@dataclass(frozen=True)
class PatternTrial:
    """The result of :func:`explain`: how the patterns see a text."""

    pipeline: str
    tokens: list[TokenView]
    hits: list[PatternHit]

    def as_json(self) -> dict:
        """The trial as ``coder patterns try --json`` prints it."""
        return {"pipeline": self.pipeline, "tokens": [t.as_json() for t in self.tokens],
                "hits": [h.as_json() for h in self.hits]}


def explain(plan: Plan, text: str) -> PatternTrial:
    """How the patterns see ``text``: its tokens and every hit (the naive pipeline).

    ``dropped`` marks a hit removed because an exclude pattern of its code overlaps it.
    """
    engine = get_engine(plan, naive=True)
    doc = engine.nlp(text)
    table = None
    if engine.nlp.has_pipe("lemmatizer") and not plan.model:
        lookups = engine.nlp.get_pipe("lemmatizer").lookups
        if lookups.has_table("lemma_lookup"):
            table = lookups.get_table("lemma_lookup")
    tokens = [TokenView(i=token.i, text=token.text, lower=token.lower_, lemma=token.lemma_,
                        in_table=(token.text in table) if table is not None else None,
                        start=token.idx, end=token.idx + len(token.text),
                        tags=(dict(pos=token.pos_, tag=token.tag_, dep=token.dep_)
                              if plan.model else None))
              for token in doc]
    raw = engine.doc_hits(doc)
    kept = set(engine.finish(raw))
    hits = []
    for index, start, end in sorted(raw, key=lambda h: (h[1], h[2], h[0])):
        rule = plan.rules[index]
        hits.append(PatternHit(code=rule.code, pattern=rule.pattern_id, start=start, end=end,
                               text=text[start:end], exclude=rule.exclude,
                               dropped=(not rule.exclude
                                        and (rule.code, rule.pattern_id, start, end) not in kept)))
    return PatternTrial(pipeline=plan.pipeline, tokens=tokens, hits=hits)
