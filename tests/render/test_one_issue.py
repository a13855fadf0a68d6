"""Rendering one issue reads that issue's entries only, and renders it exactly as a full read does."""

from __future__ import annotations

import pytest

from precis.errors import NotFound
from precis.render import FORMATS, Editions


def test_one_issue_read_alone_renders_as_from_the_whole_store(sample_store):
    whole = Editions.load(sample_store)
    for ref in whole.issues:
        alone = Editions.load(sample_store, issue=ref.label)
        # Only the issue's own entries and its own row were read: what rendering one issue costs
        # grows neither with the entries nor with the issues.
        assert {e.id for e in alone.source.entries} == {e.id for e in whole.source.by_issue[ref.id]}
        assert alone.issues == [ref]
        assert Editions.load(sample_store, issue_id=ref.id).issues == [ref]
        for fmt in FORMATS:
            for private in (False, True):
                expected = whole.render(ref, fmt, private=private)
                assert alone.render(alone.issue(ref.label), fmt, private=private) == expected


def test_an_issue_that_is_not_there_is_said_before_reading_entries(sample_store):
    count = len(Editions.load(sample_store).issues)
    with pytest.raises(NotFound, match=rf"no issue SN #99 in the store \({count} issues\)"):
        Editions.load(sample_store, issue="99")


def test_an_issue_is_found_whatever_the_case_of_its_series(sample_store):
    ref = Editions.load(sample_store).issues[0]
    assert Editions.load(sample_store, issue=ref.label.upper()).issues == [ref]
