"""What the narrator reads, polished where listening to the podcast showed the need."""

import pytest

from precis.markup import parse
from precis.render.speech import SpeechRenderer


def speaker() -> SpeechRenderer:
    return SpeechRenderer(lambda key: None, lambda label: f"Alignment Newsletter {label.split('#')[1]}")


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        # A title holding two linked works reads as their names, not "(a link)" twice.
        ("[Explaining Neural Scaling Laws](https://arxiv.org/abs/2102.06701) and "
         "[A Neural Scaling Law](https://arxiv.org/abs/2004.10802)",
         "Explaining Neural Scaling Laws and A Neural Scaling Law"),
        # A URL given in parentheses is left out; one that is part of the sentence says "a link".
        ("They released Think Again (https://example.org/think), where you can try it",
         "They released Think Again, where you can try it"),
        ("see https://example.org/x for more", "see a link for more"),
        ("unriggable and/or uninfluenceable, the win/loss reward", "unriggable and or uninfluenceable, the win or loss reward"),
        ("~10x more compute, ≈3 days", "about 10 times more compute, about 3 days"),
        ("automation of $JOBTYPE (e.g management) jobs", "automation of JOBTYPE (for example, management) jobs"),
    ],
)
def test_spoken_form_of_what_listening_showed(written, spoken):
    assert speaker().say(written) == spoken


def test_markdown_in_a_paragraph_still_reads_as_its_words():
    said = speaker().blocks(parse("The paper ([link](https://example.org/p)) and/or its code."))
    assert said == "The paper (link) and or its code."
