"""Rendering one issue reads that issue's entries only, and renders it exactly as a full read does."""

from __future__ import annotations

import pytest

from precis.errors import NotFound
from precis.render import FORMATS, Editions


def test_one_issue_read_alone_renders_as_from_the_whole_store(sample_store):
    whole = Editions.load(sample_store)
    for ref in whole.issues:
        alone = Editions.load(sample_store, issue=ref.label)
        # Only the issue's own entries were read: what rendering one issue costs does not grow with the store.
        assert {e.id for e in alone.source.entries} == {e.id for e in whole.source.by_issue[ref.id]}
        for fmt in FORMATS:
            for private in (False, True):
                expected = whole.render(ref, fmt, private=private)
                assert alone.render(alone.issue(ref.label), fmt, private=private) == expected


def test_an_issue_that_is_not_there_is_said_before_reading_entries(sample_store):
    with pytest.raises(NotFound, match="no issue SN #99"):
        Editions.load(sample_store, issue="99")
