"""The fast pass gives exactly the naive pass's hits, and windows tokenize like whole turns.

The texts are generated from a vocabulary written here: pattern words and their
inflected forms, accents, capitals, hyphens, tricky punctuation, tokenizer special cases
("EE. UU.", "pal"), odd whitespace, a character whose lowercase is longer ('İ') and a
Greek final sigma.  The real corpus is used only when present (and then only read).
"""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coder.codebook.patterns import literal_values
from coder.suggest.engine import (
    PatternRef,
    build_plan,
    fold_lower,
    get_engine,
    match_texts,
    windows,
)
from coder.suggest.pipeline import LemmaData, load_pipeline

WORDS = (
    "guerra guerras Guerra GUERRA contra el la los las narco narcos narcotráfico cártel cárteles "
    "abrazos balazos no No ya hay paz justicia fruto es de y que a en por con sin mal fuego "
    "apagar apagamos apaga atender atiende atendemos atendimos atendiendo Atender causas causa "
    "originan originaron amenaza amenazas amenazan amenazó amenazar Amenaza advertencia ni "
    "declarar declaró declararon declaramos Declaró becas beca jóvenes construyendo futuro "
    "Guardia Nacional guardia nacional soberanía soberania violencia mano dura temblar tiembla "
    "seguridad asunto estrategia cambiar vamos voy va ir polemizar provocaciones caer pueblo "
    "uniformado 10km 2019 36,685 narco-Estado narcoestado pal ¿qué ¡basta! señor presidente "
    "García Luna Ovidio ΟΔΟΣ οδος İstanbul café café"  # the second café is decomposed
).split()
PUNCT = [",", ".", ";", ":", "¿", "?", "¡", "!", "(", ")", "«", "»", '"', "'", "—", "-", "…", "/"]
GLUE = [" ", " ", " ", " ", " ", "  ", "\n", "\n\n", " \n ", "\t", "\xa0", ""]
SPECIAL = ["EE. UU.", "Ee. Uu.", "EE.UU.", "ee. uu.", "pal", "etc.", "Sr."]


def generate(rng: random.Random, words: int) -> str:
    parts: list[str] = []
    for _ in range(words):
        roll = rng.random()
        if roll < 0.06:
            parts.append(rng.choice(SPECIAL))
        elif roll < 0.2:
            parts.append(rng.choice(PUNCT) + rng.choice(WORDS) if rng.random() < 0.5
                         else rng.choice(WORDS) + rng.choice(PUNCT))
        else:
            parts.append(rng.choice(WORDS))
        parts.append(rng.choice(GLUE))
    text = "".join(parts)
    return text.strip() if rng.random() < 0.7 else text


PATTERNS = [
    ("SEC.WAR", "war-narco", [{"LOWER": "guerra"}, {"LOWER": "contra"},
                              {"LOWER": {"IN": ["el", "la", "los"]}}, {"LOWER": {"IN": ["narco", "narcos"]}}]),
    ("SEC.WAR", "war-phrase", "guerra contra el narco", None),
    ("SEC.WAR", "declare", [{"LEMMA": "declarar"}, {"LOWER": "la", "OP": "?"}, {"LEMMA": "guerra"}]),
    ("DES.NOFORCE", "hugs", "abrazos, no balazos", None),
    ("DES.NOFORCE", "hugs-tok", [{"LOWER": "abrazos"}, {"IS_PUNCT": True, "OP": "?"},
                                 {"LOWER": "no"}, {"LOWER": "balazos"}]),
    ("DES.NOFORCE", "fire", [{"LEMMA": "apagar"}, {"OP": "{0,2}"}, {"LOWER": "fuego"}]),
    ("DES.ROOT", "causes", "atender las causas", "LEMMA"),
    ("DES.ROOT", "causes-tok", [{"LEMMA": "atender"}, {"LOWER": {"IN": ["las", "sus"]}},
                                {"LEMMA": {"IN": ["causa", "causar"]}}]),
    ("DES.ROOT", "origin", [{"LOWER": "causas"}, {"LOWER": "que", "OP": "?"},
                            {"LOWER": {"IN": ["originan", "originaron"]}}]),
    ("DES.PEACE", "peace", "la paz es fruto de la justicia", None),
    ("DES.ENDWAR", "no-war", [{"LOWER": "ya", "OP": "?"}, {"LOWER": "no"}, {"LOWER": "hay"}, {"LOWER": "guerra"}]),
    ("SEC.THREAT", "threat", [{"LEMMA": "amenazar"}]),
    ("SEC.THREAT", "not-threat", [{"LOWER": "no"}, {"LOWER": "es"}, {"LOWER": "amenaza"}], None, True),
    ("SEC.THREAT", "warning", [{"LOWER": "amenaza"}, {"LOWER": "ni"}, {"LOWER": "advertencia"}], None, True),
    ("CTX.GN", "gn", "Guardia Nacional", None),
    ("CTX.GN", "gn-orth", [{"ORTH": "Guardia"}, {"TEXT": "Nacional"}]),
    ("CTX.US", "us", [{"LOWER": {"IN": ["ee. uu.", "ee.uu."]}}]),
    ("CTX.US", "us-phrase", "EE. UU.", "ORTH"),
    ("CTX.SOV", "sov", [{"LOWER": {"IN": ["soberanía", "soberania"]}}]),
    ("CTX.CORR", "narco-state", [{"LOWER": {"IN": ["narco-estado", "narcoestado"]}}]),
    ("CTX.CORR", "garcia", [{"LOWER": "garcía"}, {"IS_TITLE": True, "OP": "?"}]),
    ("CTX.MISC", "pal", [{"LOWER": "pa"}, {"NORM": "el"}]),
    ("CTX.MISC", "greek", [{"LOWER": "οδοσ"}]),
    ("CTX.MISC", "greek2", [{"LOWER": "οδος"}]),
    ("CTX.MISC", "istanbul", [{"LOWER": {"IN": ["i̇stanbul", "istanbul"]}}]),
    ("CTX.MISC", "cafe", [{"LOWER": "café"}]),
    ("CTX.MISC", "not-after", [{"LOWER": "mano"}, {"LOWER": "dura", "OP": "!"}]),
    ("CTX.MISC", "any-after", [{"LOWER": "mal"}, {}]),
    ("CTX.MISC", "space-after", [{"LOWER": "paz"}, {"IS_SPACE": True}]),
    ("CTX.MISC", "digits", [{"LIKE_NUM": True}, {"LOWER": "km"}]),
    ("CTX.MISC", "shape", [{"LOWER": "jóvenes"}, {"SHAPE": "xxxx"}]),
]
LINE_PATTERNS = PATTERNS + [
    ("CTX.LINE", "unbounded-line", [{"LOWER": "señor"}, {"IS_ALPHA": True, "OP": "*"}, {"LOWER": "presidente"}]),
]
TURN_PATTERNS = LINE_PATTERNS + [
    ("CTX.TURN", "unbounded-any", [{"LOWER": "violencia"}, {"OP": "+"}, {"LOWER": "violencia"}]),
]
CONTEXT_PATTERNS = PATTERNS + [
    ("CTX.SENT", "sent-start", [{"IS_SENT_START": True, "LOWER": {"IN": ["guerra", "paz"]}}]),
    ("CTX.SENT", "no-space", [{"LOWER": "justicia", "SPACY": False}]),
]
# Anchors at the far ends of the longest patterns, wildcards that take whitespace tokens and
# special cases, and no "EE. UU." anchor: any window too short, cut inside a special
# case, or stopping short of a text's edge changes these hits.
TIGHT_PATTERNS = [
    ("T", "left", [{}, {}, {}, {"LOWER": "balazos"}]),
    ("T", "right", [{"LOWER": "abrazos"}, {}, {}, {}]),
    ("T", "optional", [{"LOWER": "paz"}, {"OP": "?"}, {"OP": "?"}]),
    ("T", "lemma", [{"OP": "?"}, {"LEMMA": "amenazar"}, {"OP": "{1,2}"}]),
    ("T", "phrase-left", "x y narcos", None),
    ("T", "phrase-right", "cárteles x y", None),
    # Anchors inside anchors: "10km" and "pal" are split by the tokenizer ("10" "km",
    # "pa" "l"), so the shorter anchors' rules must run where the longer one is found.
    ("T", "ten", [{"LOWER": "10"}]),
    ("T", "ten-km", [{"LOWER": "10km"}]),
    ("T", "km", [{"LOWER": "km"}]),
    ("T", "pa", [{"LOWER": "pa"}]),
    ("T", "pal", [{"LOWER": "pal"}]),
]
UNANCHORED_PATTERNS = PATTERNS + [
    ("CTX.NUM", "number", [{"LIKE_NUM": True}, {"LOWER": {"REGEX": "^(guerra|paz)$"}}]),
]


def make_plan(patterns):
    refs = []
    for item in patterns:
        code, pid, pattern = item[:3]
        extra = {"attr": item[3]} if len(item) > 3 and item[3] else {}
        refs.append(PatternRef(code, {"id": pid, "lang": "es", "pattern": pattern, **extra},
                               len(item) > 4 and item[4]))
    return build_plan("es", refs)


PLANS = {}


def plan_for(name: str):
    if name not in PLANS:
        PLANS[name] = make_plan({"bounded": PATTERNS, "line": LINE_PATTERNS, "turn": TURN_PATTERNS,
                                 "context": CONTEXT_PATTERNS, "unanchored": UNANCHORED_PATTERNS,
                                 "tight": TIGHT_PATTERNS}[name])
    return PLANS[name]


def test_plans_take_the_intended_routes():
    bounded = plan_for("bounded")
    assert (bounded.full_all, bounded.context_regex, bounded.whole_turns) == (False, None, False)
    assert bounded.ws_keys == ("EE. UU.", "Ee. Uu.")  # special cases holding a space
    assert bounded.lemma_table and len(bounded.lemma_table) < 2000  # the reduced table
    rules = {r.pattern_id: r for r in bounded.rules}
    assert all(r.lexical and r.left is not None and r.right is not None for r in bounded.rules)
    assert rules["us"].anchor == ("ee. uu.", "ee.uu.")
    assert rules["peace"].anchor == ("fruto",) and (rules["peace"].left, rules["peace"].right) == (3, 3)
    assert (rules["fire"].left, rules["fire"].right) == (0, 3)  # anchored on apagar's forms
    assert "apagamos" in rules["fire"].anchor
    line = {r.pattern_id: r for r in plan_for("line").rules}["unbounded-line"]
    assert line.line_local and line.max_len is None and (line.left, line.right) == (0, None)
    turn = plan_for("turn")
    assert not {r.pattern_id: r for r in turn.rules}["unbounded-any"].line_local
    assert any("unbounded-any" in note for note in turn.notes)
    assert plan_for("context").context_regex and not plan_for("context").full_all
    assert plan_for("unanchored").full_all


def test_a_common_contraction_is_never_the_anchor():
    """The lexeme table counts "del" as its source tokenised it ("de el"): rare.  As a
    stop word it costs as much as common words, so the month anchors the rule."""
    from coder.suggest.pipeline import word_costs

    costs = word_costs("es", {"del", "mes", "marzo"})
    assert costs["del"] > costs["mes"] > costs["marzo"]
    plan = make_plan([("X", "same-month", [{"LOWER": "mismo"}, {"LOWER": {"IN": ["mes", "periodo"]}},
                                           {"LOWER": "del"}, {"LOWER": "año"}])])
    assert plan.rules[0].anchor == ("mes", "periodo")


@pytest.mark.parametrize("name", ["bounded", "line", "turn", "context", "unanchored", "tight"])
def test_fast_equals_naive_on_a_generated_corpus(name):
    plan = plan_for(name)
    rng = random.Random(f"coder-{name}")
    texts = [generate(rng, rng.choice([3, 12, 40, 150, 600])) for _ in range(160)]
    naive = match_texts(plan, texts, naive=True)
    fast = match_texts(plan, texts)
    for text, a, b in zip(texts, naive, fast):
        assert b == a, repr(text[:200])
    found = {(code, pattern) for hits in naive for code, pattern, _, _ in hits}
    # The corpus really exercises the patterns (exclusions included).
    if name == "tight":
        assert len(found) == 9  # all but ten-km and pal, which no token can match
    else:
        assert len(found) >= 15
        assert ("SEC.THREAT", "threat") in found and ("CTX.US", "us") in found


def test_fast_equals_naive_at_window_edges():
    """Systematic texts: an anchor k chunks from a special case or from the text's edges."""
    plan = plan_for("tight")
    fillers = ["x", "(y)", "z,", "«w»"]
    texts = []
    for special in ("EE. UU.", "Ee. Uu.", "EE.UU.", "pal", "\n", "  ", "\t \n"):
        for k in range(5):
            middle = " ".join(fillers[:k])
            texts.append(f"abrazos {middle} {special} fin")
            texts.append(f"inicio {special} {middle} balazos")
            texts.append(f"abrazos {middle}{special}")
            texts.append(f"{special}{middle} balazos")
    for lead, trail in [("", " "), ("\n", "\n"), (" \n ", "\t"), ("  ", "  \n"), ("\xa0", "\xa0")]:
        for k, simple in [(k, simple) for k in range(4) for simple in (True, False)]:
            middle = " ".join(("x", "y", "z")[:k] if simple else fillers[:k])
            texts.append(f"{lead}{middle} balazos{trail}")
            texts.append(f"{lead}abrazos {middle}{trail}")
            texts.append(f"{lead}paz{trail}")
            texts.append(f"{lead}amenazan {middle}{trail}")
            texts.append(f"{lead}10km {middle} pal{trail}")
            texts.append(f"{lead}{middle} narcos {middle} cárteles {middle}{trail}")
    naive = match_texts(plan, texts, naive=True)
    fast = match_texts(plan, texts)
    for text, a, b in zip(texts, naive, fast):
        assert b == a, repr(text)
    assert sum(map(len, naive)) > 100


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(PUNCT), st.sampled_from(GLUE),
                          st.sampled_from(SPECIAL), st.text(max_size=3)), max_size=60))
def test_fast_equals_naive_on_arbitrary_fragments(pieces):
    text = "".join(pieces)
    for name in ("bounded", "context", "tight"):
        plan = plan_for(name)
        assert match_texts(plan, [text]) == match_texts(plan, [text], naive=True)


def tokens(doc, offset=0):
    return [(t.idx + offset, t.text, t.lower_, t.lemma_, t.norm_) for t in doc]


@pytest.mark.parametrize("seed", range(6))
def test_windows_tokenize_exactly_like_the_whole_text(seed):
    """Cutting at chunk edges (widened over "EE. UU.") changes no token."""
    nlp = load_pipeline("es")
    rng = random.Random(seed)
    keys = plan_for("bounded").ws_keys
    for _ in range(40):
        text = generate(rng, 80)
        if not text.strip():
            continue
        whole = tokens(nlp(text))
        for _ in range(5):
            spots = [m.span() for m in re.finditer(r"\S+", text)]
            s, e = rng.choice(spots)
            reach = (rng.randint(0, 4), rng.choice([0, 0, 1]), rng.randint(0, 4), rng.choice([0, 0, 1]))
            for a, b, members in windows(text, [(s, e, reach)], keys):
                assert members == [0]
                part = tokens(nlp(text[a:b]), a)
                inside = [t for t in whole if a <= t[0] and t[0] + len(t[1]) <= b]
                # Whitespace tokens at a window's edge are the only difference allowed.
                assert [t for t in part if t[1].strip()] == [t for t in inside if t[1].strip()]
                if 0 < a:
                    assert text[a - 1].isspace() and not text[a].isspace()
                if b < len(text):
                    assert text[b].isspace() and not text[b - 1].isspace()


def reach(r: int) -> tuple[int, int, int, int]:
    return (r, 0, r, 0)


def test_window_is_widened_over_a_special_case_with_a_space():
    text = "uno dos tres EE. UU. cuatro cinco seis"
    keys = ["EE. UU."]
    start = text.index("UU.")
    [(a, b, _)] = windows(text, [(start, start + 3, reach(0))], keys)
    assert a <= 13 and b >= 20  # all of "EE. UU."
    assert windows(text, [(4, 7, reach(1))], keys) == [(0, 12, [0])]
    # Two chunks right of "dos" end inside "EE. UU.": the window takes all of that token
    # (two tokens right of "dos": "tres" and "EE. UU.").
    assert windows(text, [(4, 7, reach(2))], keys) == [(0, 20, [0])]
    assert windows(text, [(4, 7, reach(3))], keys) == [(0, 27, [0])]
    assert windows(text, [(4, 7, reach(2))], []) == [(0, 16, [0])]
    assert windows(text, [(4, 7, (0, 1, 0, 1))], []) == [(0, len(text), [0])]
    assert windows(text, [(4, 7, (0, 0, 0, 2))], []) == [(4, len(text), [0])]
    # Overlapping windows merge and keep their occurrences.
    assert windows(text, [(0, 3, reach(1)), (8, 12, reach(1))], []) == [(0, 16, [0, 1])]


def test_reduced_lemma_table_is_exact_for_the_pattern_lemmas():
    plan = plan_for("bounded")
    data = LemmaData.for_lang("es")
    # The LEMMA phrase "atender las causas" adds the lemmas of its words: atender, los, causar.
    lemmas = {"declarar", "guerra", "apagar", "atender", "causa", "causar", "amenazar", "los"}
    full = data.entries(keys=lemmas, values=lemmas)
    assert plan.lemma_table == full
    # Every surface form of those lemmas is in it, with the full table's lemma.
    nlp = load_pipeline("es")
    table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    assert all(table.get(form) == lemma for form, lemma in plan.lemma_table.items())


def test_fast_equals_naive_on_the_real_corpus(real_corpus):
    """A sample of the real transcripts (read here, never copied) with a realistic plan."""
    from coder.corpus.text import decode_bytes, looks_like_transcript, parse_plain, parse_transcript

    files = sorted(real_corpus.rglob("*.txt"))
    rng = random.Random(7)
    texts = []
    for path in rng.sample(files, min(25, len(files))):
        text = decode_bytes(path.read_bytes())
        doc = parse_transcript(text) if looks_like_transcript(text) else parse_plain(text)
        texts.extend(text[t.start:t.end] for t in doc.turns)
    plan = plan_for("bounded")
    naive = match_texts(plan, texts, naive=True)
    assert match_texts(plan, texts) == naive
    assert sum(map(len, naive)) > 50


def test_engines_are_compiled_once_per_process():
    plan = plan_for("bounded")
    assert get_engine(plan) is get_engine(plan)
    assert get_engine(plan, naive=True) is not get_engine(plan)


# -- anchors found token by token -------------------------------------------------------------

# Anchors that are common pieces of longer words ("di" in "dijo", "del" in "delito", "CIA"
# in "gracias"), a hyphen and brackets that split a chunk, and a special case ("pal").
SHORT_PATTERNS = [
    ("S", "gave-order", [{"LOWER": "yo"}, {"LOWER": {"IN": ["di", "giré"]}}, {"LOWER": "la", "OP": "?"},
                         {"LOWER": "orden"}]),
    ("S", "same-period", [{"LOWER": "mismo"}, {"LOWER": "periodo"}, {"LOWER": "del"}, {"LOWER": "año"}]),
    ("S", "agencies", [{"ORTH": {"IN": ["CIA", "DEA"]}}]),
    ("S", "del", [{"LOWER": "del"}]),
    ("S", "narco", [{"LOWER": "narco"}]),
    ("S", "pa", [{"LOWER": "pa"}, {"LOWER": "l"}]),
    ("S", "decir", [{"LEMMA": "decir"}, {"LOWER": "que"}]),
]
SHORT_WORDS = ("yo di dí Di DI dijo dijimos la orden órdenes mismo periodo del Del delito año "
               "años CIA cia gracias democracia DEA idea narco narco-estado narcos (narco) "
               "pal pa l digo dice dicen decir que qué").split() + [
    "yo di la orden", "Yo di orden", "yo giré la orden", "mismo periodo del año", "Mismo periodo"]


def short_text(rng: random.Random, words: int) -> str:
    parts = []
    for _ in range(words):
        word = rng.choice(SHORT_WORDS)
        if rng.random() < 0.15:
            word = rng.choice(PUNCT) + word if rng.random() < 0.5 else word + rng.choice(PUNCT)
        parts += [word, rng.choice(GLUE)]
    return "".join(parts)


def test_an_anchor_inside_a_word_makes_no_window():
    plan = make_plan(SHORT_PATTERNS)
    engine = get_engine(plan)
    text = "Dijo que yo di la orden, gracias; del delito, narcos y (narco) ¿CIA?"
    found = {text[s:e] for s, e, _ in engine.token_occurrences(text)}
    # Tokens only ("Dijo" is a form of the lemma decir): not "di" of "Dijo", "cia" of
    # "gracias", "del" of "delito", "narco" of "narcos".
    assert found == {"Dijo", "di", "del", "narco", "CIA"}
    assert match_texts(plan, [text]) == match_texts(plan, [text], naive=True)


@settings(max_examples=300, deadline=None)
@given(word=st.text(st.characters(categories=["Lu", "Ll", "Lt", "Lo"]), min_size=1, max_size=12),
       lang=st.sampled_from(["es", "en"]))
def test_a_chunk_of_letters_is_one_token_unless_a_special_case(word, lang):
    """What the engine assumes when it learns a chunk of letters without tokenizing it."""
    tokenizer = load_pipeline(lang).tokenizer
    if word.isalpha() and word not in tokenizer.rules:
        assert [t.text for t in tokenizer(word)] == [word]


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.sampled_from("aZéñç1_-.,'’$/:()¿?«» \u2014kmgs"), max_size=14)
       | st.text(max_size=10),
       lang=st.sampled_from(["es", "en"]))
def test_tokens_cut_between_two_letters_only_inside_a_special_case(text, lang):
    """What the fast pass assumes when it passes over an anchor string with a letter on
    both sides of one end ("di" in "dijo"): no affix or infix rule of a blank pipeline
    cuts a run of letters; only a special case ("pal" -> "pa", "l") does."""
    tokenizer = load_pipeline(lang).tokenizer
    if any(key in text for key in tokenizer.rules):
        return
    for token in tokenizer(text):
        at = token.idx
        if 0 < at and not text[at - 1].isspace():
            assert not (text[at - 1].isalpha() and text[at].isalpha()), [t.text for t in tokenizer(text)]


def test_a_special_case_cutting_letters_into_an_anchor_keeps_its_token():
    engine = get_engine(make_plan(SHORT_PATTERNS))
    assert "pal" in engine.letter_cuts  # "pa" is an anchor
    text = "dijo pal pueblo, palabra"
    assert [text[s:e] for s, e, _ in engine.token_occurrences(text)] == ["dijo", "pa"]


def test_a_long_chunk_full_of_anchor_strings_is_read_once():
    """A chunk thousands of characters long ("narco-narco-...", a run of "(narco)" with no
    space) holding an anchor string every few characters: its anchor tokens are those of
    the tokenizer, found by walking the chunk once, not once per anchor string in it."""
    engine = get_engine(make_plan(SHORT_PATTERNS))
    for text in ("narco-" * 3000, "x " + "(narco)" * 3000 + " di", "del," * 3000):
        expected = [(t.idx, t.idx + len(t.text)) for t in engine.nlp.tokenizer(text)
                    if fold_lower(t.text) in engine.owners]
        assert [(s, e) for s, e, _ in engine.token_occurrences(text)] == expected


def test_chunks_tokenized_together_as_each_alone():
    """The engine tokenizes new chunks in one call; a special case holding a space
    ("EE. UU.") would join two of them, and then each is tokenized alone."""
    engine = get_engine(make_plan(SHORT_PATTERNS))
    alone = engine.nlp.tokenizer
    for chunks in (["(narco)", "¿CIA?", "del,", "10km", "Sr.", "“di”"], ["EE.", "UU.", "narco."],
                   ["uno"], []):
        expected = [[(t.idx, t.idx + len(t.text), t.text) for t in alone(chunk)] for chunk in chunks]
        assert engine._tokenize_chunks(chunks) == expected


@pytest.mark.parametrize("seed", range(4))
def test_fast_equals_naive_with_anchors_inside_words(seed):
    plan = make_plan(SHORT_PATTERNS)
    rng = random.Random(f"short-{seed}")
    texts = [short_text(rng, rng.choice([2, 10, 60, 300])) for _ in range(120)]
    naive = match_texts(plan, texts, naive=True)
    assert match_texts(plan, texts) == naive
    found = {pattern for hits in naive for _, pattern, _, _ in hits}
    assert found >= {"gave-order", "same-period", "agencies", "del", "narco", "pa", "decir"}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(SHORT_WORDS), st.sampled_from(PUNCT),
                          st.sampled_from(GLUE), st.sampled_from(SPECIAL), st.text(max_size=3)),
                max_size=40))
def test_fast_equals_naive_on_arbitrary_fragments_with_short_anchors(pieces):
    text = "".join(pieces)
    plan = make_plan(SHORT_PATTERNS)
    assert match_texts(plan, [text]) == match_texts(plan, [text], naive=True)


def shipped_plan():
    """The plan of the shipped codebook's Spanish patterns (the rules of the day)."""
    from pathlib import Path

    from coder.codebook import load_codebook

    if "shipped" not in PLANS:
        book = load_codebook(Path(__file__).resolve().parents[1] / "codebooks" / "securitization.yaml")
        refs = [PatternRef(code.id, entry, exclude)
                for code in book.codes
                for entries, exclude in ((code.patterns, False), (code.exclude, True))
                for entry in entries if entry.get("lang") == "es"]
        PLANS["shipped"] = build_plan("es", refs)
    return PLANS["shipped"]


def shipped_words(plan) -> list[str]:
    """Every literal word of the shipped patterns, in several casings: texts made of them
    exercise the patterns whatever rules the codebook holds today."""
    words = set()
    for rule in plan.rules:
        for need in rule.needs:
            words.update(need)
    words = sorted(w for w in words if w.strip())
    return words + [w.capitalize() for w in words[::3]] + [w.upper() for w in words[::7]]


def instance(rule, rng: random.Random) -> str:
    """A text a rule may match: its phrase, or a word for each token (literal values or
    the lemma itself, optional tokens sometimes left out, others a random word)."""
    if rule.phrase is not None:
        return rule.phrase
    words = []
    for token in rule.tokens:
        if token.get("OP") in ("?", "*") and rng.random() < 0.5:
            continue
        choices = None
        for attr in ("LOWER", "ORTH", "TEXT", "LEMMA"):
            choices = literal_values(token, attr)
            if choices:
                break
        words.append(rng.choice(choices) if choices else rng.choice(WORDS))
    return " ".join(words)


def test_fast_equals_naive_with_the_shipped_codebook():
    plan = shipped_plan()
    vocabulary = shipped_words(plan) + WORDS
    rng = random.Random("shipped")
    texts = []
    for _ in range(150):
        parts = []
        for _ in range(rng.choice([5, 30, 120])):
            roll = rng.random()
            word = instance(rng.choice(plan.rules), rng) if roll < 0.15 else rng.choice(vocabulary)
            if roll > 0.9:
                word = word + rng.choice(PUNCT)
            parts += [word, rng.choice(GLUE)]
        texts.append("".join(parts))
    naive = match_texts(plan, texts, naive=True)
    assert match_texts(plan, texts) == naive
    assert len({pattern for hits in naive for _, pattern, _, _ in hits}) > 60


def test_fast_equals_naive_with_the_shipped_codebook_on_the_real_corpus(real_corpus):
    """Turns of real transcripts (read here, never copied) with the shipped patterns."""
    from coder.corpus.text import decode_bytes, looks_like_transcript, parse_plain, parse_transcript

    files = sorted(real_corpus.rglob("*.txt"))
    rng = random.Random(11)
    texts = []
    for path in rng.sample(files, min(12, len(files))):
        text = decode_bytes(path.read_bytes())
        doc = parse_transcript(text) if looks_like_transcript(text) else parse_plain(text)
        texts.extend(text[t.start:t.end] for t in doc.turns)
    plan = shipped_plan()
    naive = match_texts(plan, texts, naive=True)
    assert match_texts(plan, texts) == naive
    assert sum(map(len, naive)) > 50


def _chunks_left_reference(text: str, pos: int, r: int) -> int:
    starts = [m.start() for m in re.finditer(r"\S+", text) if m.start() <= pos]
    return starts[-1 - r] if len(starts) > r else 0


def _chunks_right_reference(text: str, pos: int, r: int) -> int:
    ends = [m.end() for m in re.finditer(r"\S+", text) if m.end() > pos]
    return ends[r] if len(ends) > r else len(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(["a", "bb", "ccc", "¿d?", "e.", "x" * 30]),
                          st.sampled_from([" ", "  ", "\n", "\t \n", "\xa0", "\u3000"])),
                min_size=1, max_size=40),
       st.integers(0, 6), st.data())
def test_chunks_are_counted_like_str_split(pieces, r, data):
    """The window edges r chunks left and right of a position are those of str.split()."""
    from coder.suggest.engine import _chunk_end_right, _chunk_start_left

    text = "".join(pieces)
    spots = [i for i, ch in enumerate(text) if not ch.isspace()]
    if not spots:
        return
    pos = data.draw(st.sampled_from(spots))
    assert _chunk_start_left(text, pos, r) == _chunks_left_reference(text, pos, r)
    assert _chunk_start_left(text, pos, r, text[::-1]) == _chunks_left_reference(text, pos, r)
    assert _chunk_end_right(text, pos, r) == _chunks_right_reference(text, pos, r)


def test_frequent_words_reads_the_head_of_the_table(tmp_path, monkeypatch):
    """Only the first lines count; case variants keep the highest log-probability; escaped
    keys are decoded; lines that are not entries are skipped."""
    import gzip

    from coder.suggest import pipeline

    lines = ["{", '  "de":-2.5,', '  "De":-9.0,', '  "\\u00bfno":-4.0,', "  junk", '  "la": -3.25,',
             '  "rare":-20.0', "}"]
    path = tmp_path / "xx_lexeme_prob.json.gz"
    path.write_bytes(gzip.compress("\n".join(lines).encode("utf-8")))
    monkeypatch.setattr(pipeline, "lexeme_prob_path", lambda lang: path)
    pipeline._frequent_words.cache_clear()
    try:
        assert pipeline._frequent_words("xx") == {"de": -2.5, "¿no": -4.0, "la": -3.25, "rare": -20.0}
        assert pipeline._frequent_words("xx", limit=4) == {"de": -2.5, "¿no": -4.0}
    finally:
        pipeline._frequent_words.cache_clear()


def test_one_token_rules_are_hits_without_a_window():
    """A rule of one plain token is matched from the anchor tokens themselves; case,
    final sigma and punctuation decide as spaCy's matcher does."""
    plan = make_plan([("US", "orth", [{"ORTH": {"IN": ["DEA", "Trump"]}}]),
                      ("US", "lower", [{"LOWER": {"IN": ["dea", "fbi"]}}]),
                      ("US", "upper-value", [{"LOWER": "CIA"}]),
                      ("GR", "sigma", [{"LOWER": "οδος"}]),
                      ("GR", "sigma2", [{"LOWER": "οδοσ"}]),
                      ("US", "pair", [{"LOWER": "la"}, {"LOWER": "dea"}])])
    engine = get_engine(plan)
    assert {plan.rules[i].pattern_id for i in engine.single} == {
        "orth", "lower", "upper-value", "sigma", "sigma2"}
    text = "La DEA, la dea y (Trump) TRUMP; el FBI.\nCIA cia ΟΔΟΣ οδος."
    fast = match_texts(plan, [text])[0]
    assert fast == match_texts(plan, [text], naive=True)[0]
    assert {(p, text[s:e]) for _, p, s, e in fast} >= {
        ("orth", "DEA"), ("orth", "Trump"), ("lower", "DEA"), ("lower", "dea"), ("lower", "FBI"),
        ("pair", "La DEA"), ("sigma", "ΟΔΟΣ"), ("sigma", "οδος")}
    assert not any(p in ("upper-value", "sigma2") for _, p, _, _ in fast)
