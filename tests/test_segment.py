"""One segmentation: sentences and clauses of a turn (coder.corpus.segment)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from coder.corpus.segment import (
    Sentences,
    clauses_of_sentence,
    sentence_at,
    span_at,
    split_clauses,
    split_sentences,
)


def pieces(text, spans):
    return [text[s:e] for s, e in spans]


# -- examples (sentences written for these tests) -------------------------------------------

def test_abbreviations_do_not_cut():
    text = ("El Sr. Ramírez y la Lic. Torres viajaron a EE. UU. con el Gral. Soto. "
            "La Dra. Peña no vino. Mr. Smith met Dr. Jones. Le dije que no. Luego se fue.")
    assert pieces(text, split_sentences(text)) == [
        "El Sr. Ramírez y la Lic. Torres viajaron a EE. UU. con el Gral. Soto.",
        "La Dra. Peña no vino.", "Mr. Smith met Dr. Jones.", "Le dije que no.", "Luego se fue."]


def test_numbers_initials_and_ellipses():
    text = ("Llegaron a las 9.30 horas, según el art. 27 y el núm. 5. Eran 10. 30 más vinieron "
            "después. J. R. Gómez habló... y nadie contestó... Entonces siguió.")
    assert pieces(text, split_sentences(text)) == [
        "Llegaron a las 9.30 horas, según el art. 27 y el núm. 5.",
        "Eran 10. 30 más vinieron después.",
        "J. R. Gómez habló... y nadie contestó...", "Entonces siguió."]


def test_questions_exclamations_quotes_and_lines():
    text = ("Buenos días. ¿Cómo están? ¡Muy bien! ¿y usted? Dijo: «ya veremos». "
            'Ellos dijeron: "Hay que actuar ya." Nosotros no.\nOtro párrafo sin punto\n\nFin')
    assert pieces(text, split_sentences(text)) == [
        "Buenos días.", "¿Cómo están?", "¡Muy bien!", "¿y usted?", "Dijo: «ya veremos».",
        'Ellos dijeron: "Hay que actuar ya."', "Nosotros no.", "Otro párrafo sin punto", "Fin"]


def test_range_is_respected():
    text = "Primera frase. El Sr. Pérez llegó. Última frase."
    inner = text.index("El Sr.")
    assert pieces(text, split_sentences(text, inner, inner + 19)) == ["El Sr. Pérez llegó."]
    assert split_sentences("   \n ") == []


def test_clauses_end_negation_scope():
    text = ("No vamos a declarar la guerra, pero vamos a cuidar a la gente; eso es todo. "
            "No es un asunto militar sino social. Le pregunto, ¿usted qué opina? y luego nada.")
    assert pieces(text, split_clauses(text)) == [
        "No vamos a declarar la guerra,", "pero vamos a cuidar a la gente;", "eso es todo.",
        "No es un asunto militar", "sino social.", "Le pregunto,", "¿usted qué opina?",
        "y luego nada."]


def test_sentence_at_offsets():
    text = "Uno dos. Tres cuatro.  Cinco."
    assert sentence_at(text, 0) == (0, 8)
    assert sentence_at(text, text.index("cuatro")) == (9, 21)
    assert sentence_at(text, 21) == (23, 29)       # between two sentences: the next one
    assert sentence_at(text, len(text)) == (23, 29)
    assert span_at([], 3) is None


# -- properties --------------------------------------------------------------------------------

ALPHABET = st.sampled_from(list("ab AB.?!¿¡…,;:\"«»\n") + ["Sr.", "EE. UU.", "no", " sino ",
                                                          "...", "9.5", " 10. ", "Lic."])
TEXTS = st.lists(ALPHABET, max_size=40).map("".join)


def _check_tiling(text, spans, lo, hi):
    last = lo
    for s, e in spans:
        assert last <= s < e <= hi
        assert not text[s].isspace() and not text[e - 1].isspace()
        assert text[last:s].strip() == ""           # only white space between spans
        last = e
    assert text[last:hi].strip() == ""


@settings(max_examples=300)
@given(TEXTS)
def test_sentences_tile_the_text(text):
    _check_tiling(text, split_sentences(text), 0, len(text))


@settings(max_examples=300)
@given(TEXTS, st.data())
def test_sentence_under_any_offset_is_a_split_sentence(text, data):
    sentences = split_sentences(text)
    offset = data.draw(st.integers(0, len(text)))
    found = sentence_at(text, offset)
    if not sentences:
        assert found is None
        return
    assert found in sentences
    if not (offset < len(text) and text[offset].isspace()) and offset < len(text):
        assert found[0] <= offset < found[1]


@settings(max_examples=300)
@given(TEXTS, TEXTS)
def test_a_line_break_separates_independent_texts(first, second):
    text = first + "\n" + second
    shift = len(first) + 1
    assert split_sentences(text) == split_sentences(first) + [
        (s + shift, e + shift) for s, e in split_sentences(second)]
    # and a sub-range is split as if it were the whole text
    assert split_sentences(text, shift) == [(s + shift, e + shift) for s, e in split_sentences(second)]


@settings(max_examples=300)
@given(TEXTS)
def test_clauses_tile_each_sentence(text):
    clauses = split_clauses(text)
    for s, e in split_sentences(text):
        inside = [c for c in clauses if s <= c[0] < e]
        assert inside == clauses_of_sentence(text, s, e)
        assert all(c[1] <= e for c in inside)
        _check_tiling(text, inside, s, e)
    assert sum(1 for _ in clauses) == sum(len(clauses_of_sentence(text, s, e))
                                          for s, e in split_sentences(text))


@settings(max_examples=300)
@given(st.lists(st.one_of(ALPHABET, st.sampled_from(["\n", "\n\n", " \n ", "\r\n", "Él. "])),
                max_size=60).map("".join), st.data())
def test_sentences_read_line_by_line_are_the_split_sentences(text, data):
    """The lazy index (what the suggestion rules read) answers as the whole split does:
    the same sentences, the same sentence under any offset, the same neighbours."""
    spans = split_sentences(text)
    lazy = Sentences(text)
    offset = data.draw(st.integers(0, len(text)))
    assert lazy.at(offset) == span_at(spans, offset)
    for i, span in enumerate(spans):
        assert lazy.before(span) == (spans[i - 1] if i > 0 else None)
        assert lazy.after(span) == (spans[i + 1] if i + 1 < len(spans) else None)
    assert lazy.all() == spans
