"""How the newsletter shows authors after a title."""

import pytest

from precis.authors import format_authors, parse_authors


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("Abram Demski", "Abram Demski"),
        ("Christian Rupprecht, Maximilian Igl, Wendelin Böhmer", "Christian Rupprecht et al"),
        ("Dan Hendrycks, Nicholas Carlini, and Jacob Steinhardt", "Dan Hendrycks, Nicholas Carlini, and Jacob Steinhardt"),
        ("Beth Barnes and Katja Grace", "Beth Barnes and Katja Grace"),
        ("Andrew Ilyas*, Shibani Santurkar*, Aleksander Madry", "Andrew Ilyas, Shibani Santurkar et al"),
        ("Jared Kaplan*, Sam McCandlish*", "Jared Kaplan, Sam McCandlish"),
        ("Nic Ford*, Nicolas Carlini", "Nic Ford et al"),
        ("  Diffractor ", "Diffractor"),
        (None, ""),
    ],
)
def test_format_authors(written, shown):
    assert format_authors(written) == shown


def test_parse_authors_still_splits_names():
    assert [a.name for a in parse_authors("A*, B and C")] == ["A", "B", "C"]
