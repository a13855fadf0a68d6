"""The speech edition reads as words: what a narrator says for the archive's symbols and markup."""

import pytest

from precis.markup import parse
from precis.render.speech import SpeechRenderer, speak_math


def speaker() -> SpeechRenderer:
    names = {"AN": "Alignment Newsletter"}
    return SpeechRenderer(lambda key: None, lambda label: f"{names.get(label.split(' #')[0], label.split(' #')[0])} {label.split('#')[1]}")


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("as discussed in ([AN #58](https://mailchi.mp/x/an-58)).", "as discussed in (Alignment Newsletter 58)."),
        ("Smith et al. show, e.g. this, i.e. that", "Smith and others show, for example, this, that is, that."),
        ("maybe $2-8M, then $1B by 2025; $5 and $10.", "maybe 2 to 8 million dollars, then 1 billion dollars by 2025; 5 dollars and 10 dollars."),
        ("at 1e23 FLOP and 3e14 parameters, 10-100x larger", "at 10 to the 23 FLOP and 3 times 10 to the 14 parameters, 10 to 100 times larger."),
        ("see https://example.org/x for more", "see a link for more."),
        ("the world where 1+1=3", "the world where 1 plus 1 equals 3."),
        ("**bold** and _em_ and `code`", "bold and em and code."),
        ("<GRAPHS HERE> and a | b", "GRAPHS HERE and a b."),
    ],
)
def test_spoken_form(written, spoken):
    # A paragraph ends as a sentence, so that the narrator pauses.
    assert speaker().blocks(parse(written)) == spoken


def test_lists_become_sentences_and_numbered_items_are_counted():
    out = speaker().blocks(parse("Two points:\n\n1. first thing\n2. second thing\n\n- a bullet"))
    assert out == "Two points:\n\nFirst, first thing.\nSecond, second thing.\n\na bullet."


@pytest.mark.parametrize(
    ("tex", "spoken"),
    [("x^2 + y", "x squared plus y"), ("y_1", "y sub 1"), ("\\alpha \\leq 3", "alpha is at most 3"),
     ("\\sum_i \\frac{a}{b}", "an equation")],
)
def test_math_in_words_when_simple(tex, spoken):
    assert speak_math(tex) == spoken
