"""The public view is the one place that decides what the public may see, and public outputs are
made from it alone: no database object reaches a template, a page, a feed or a search document."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import select

from precis.model import Base, Entry, Opinion
from precis.public import EDITORIAL_FIELDS, WRITTEN_FIELDS, EntryData, private_view, public_record, public_view
from precis.record import record_from_entry
from precis.render import Editions
from precis.render.source import EditionSource
from precis.site.archive import Archive
from precis.store import find_entry

HIDDEN_TITLE = "Internal Draft on Lab Policy"


def _reachable(value: Any, seen: set[int] | None = None) -> Any:
    """Every object reachable from ``value`` through dataclass fields, lists, tuples and dicts."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    yield value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        children: Any = [getattr(value, f.name) for f in dataclasses.fields(value)]
    elif isinstance(value, (list, tuple, set, frozenset)):
        children = value
    elif isinstance(value, dict):
        children = [*value.keys(), *value.values()]
    else:
        return
    for child in children:
        yield from _reachable(child, seen)


def test_no_database_object_is_reachable_from_the_archive_or_a_public_edition(sample_store):
    archive = Archive.load(sample_store)
    editions = Editions.load(sample_store)
    roots = [archive.entries, archive.issues, [editions.view(i) for i in editions.issues]]
    found = [type(v).__name__ for root in roots for v in _reachable(root) if isinstance(v, Base)]
    assert found == []
    assert archive.entries and all(isinstance(item.data, EntryData) for item in archive.entries)


def test_views_have_no_editorial_field_at_all():
    names = {f.name for f in dataclasses.fields(EntryData)}
    assert names.isdisjoint(EDITORIAL_FIELDS)
    assert set(WRITTEN_FIELDS) <= names


def test_public_view_and_public_record_apply_the_same_rule(sample_store):
    with sample_store.session() as s:
        entry = find_entry(s, "Proximal Policy Optimization Algorithms")
        entry.public_level = "Link only"
        entry.hat_tip = "a friend"
    with sample_store.session() as s:
        entry = find_entry(s, "Proximal Policy Optimization Algorithms")
        view, record = public_view(private_view(entry)), public_record(record_from_entry(entry))
        hidden = find_entry(s, HIDDEN_TITLE)
        assert public_view(private_view(hidden)) is None and public_record(record_from_entry(hidden)) is None
    assert view is not None and record is not None and view.link_only
    for name in WRITTEN_FIELDS:
        assert getattr(view, name) in (None, ()), name
        assert getattr(record, name) in (None, []), name
    assert view.title == record.title and view.category == record.category
    assert public_view(view) == view  # cutting a public view again changes nothing


def test_a_public_summary_referring_to_a_private_entry_shows_only_the_anchor_text(sample_store):
    with sample_store.session() as s:
        find_entry(s, "Curve Detectors").summary = f"Compare <@the lab's draft@>(@{HIDDEN_TITLE}@) here."
    ed = Editions.load(sample_store)
    issue = next(i for i in ed.issues if any(e.title == "Curve Detectors" for e in ed.entries(i)))
    for fmt in ("markdown", "html", "text", "speech"):
        public = " ".join(ed.render(issue, fmt).split())  # the text edition wraps lines
        assert "the lab's draft" in public, fmt
        assert "private-draft" not in public and HIDDEN_TITLE not in public, fmt
    private = ed.render(issue, "markdown", private=True)
    assert "[the lab's draft](https://example.org/private-draft)" in private
    archive = Archive.load(sample_store)
    page = archive.renderer("../../").blocks(archive.editions.view(issue).entries[0].summary)
    assert "private-draft" not in page


def test_the_editions_read_each_entry_as_private_view_makes_it_from_the_orm(sample_store):
    """The editions read entries as columns (three times faster than ORM objects): the views must
    be the very ones ``private_view`` makes of the ORM entry, opinions and authors in order."""
    with sample_store.session() as s:
        entry = find_entry(s, "Curve Detectors")
        entry.opinions = [
            Opinion(author="Second", text="Later.", position=2), Opinion(author="First", text="Sooner.", position=1)
        ]
        find_entry(s, "Proximal Policy Optimization Algorithms").issue = None
    source = EditionSource.load(sample_store)
    with sample_store.session() as s:
        publication = sample_store.default_publication(s)
        wanted = select(Entry).where(Entry.publication_id == publication.id).order_by(Entry.position, Entry.id)
        expected = [private_view(e) for e in s.scalars(wanted)]
    assert source.entries == expected
    curve = next(v for v in source.entries if v.title == "Curve Detectors")
    assert [o.author for o in curve.opinions] == ["First", "Second"]
    assert any(v.issue is None for v in source.entries) and any(v.authors for v in source.entries)
    issue = curve.issue
    assert issue is not None
    one = EditionSource.load(sample_store, issue_id=issue.id)
    assert one.entries == [v for v in expected if v.issue == issue]
