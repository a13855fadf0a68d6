"""A build after an edit reads again only the entries that changed (``precis.site.kept_source``),
and gets exactly what reading the whole publication gives."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from precis.model import Entry, Opinion
from precis.paths import cache_dir
from precis.render import Editions, EditionSource
from precis.site import build_site, kept_source
from precis.site.archive import Archive
from precis.site.inputs import build_inputs
from precis.site.kept_source import KeptSource
from precis.store import Store
from tests.helpers import load_sample


def snapshot(source: EditionSource) -> dict[str, object]:
    """Everything a source holds, its resolver by what it resolves every title to."""
    held = {f.name: getattr(source, f.name) for f in fields(source) if f.name != "resolver"}
    held["targets"] = [source.resolver.resolve(view.title) for view in source.entries]
    return held


def kept_then_read(store: Store, site: Path) -> KeptSource:
    """The source kept by one build, with its archive's memo (its warnings dropped)."""
    first = KeptSource(store, site, build_inputs(store, None))
    first.keep(Archive.load(store, warn=lambda message: None, source=first.read()).memo)
    return first


def archive_again(store: Store, site: Path) -> tuple[Archive, bool]:
    """The archive the next build makes, and whether it used the kept archive's memo."""
    kept = KeptSource(store, site, build_inputs(store, None))
    source = kept.read()
    return Archive.load(store, source=source, memo=kept.memo, changed=kept.changed), kept.memo is not None


def derived(archive: Archive) -> dict[str, object]:
    """What an archive derives from all of its entries: slugs, references both ways, warnings."""
    return {
        "paths": [item.path for item in archive.entries],
        "references": {item.id: (item.references, item.referenced_by) for item in archive.entries},
        "warnings": archive.warnings,
    }


def read_again(store: Store, site: Path) -> tuple[EditionSource, bool]:
    """What the next build reads, and whether it read the whole publication."""
    kept = KeptSource(store, site, build_inputs(store, None))
    return kept.read(), kept.read_whole is not None


def edit(store: Store, entry_id: int, **values: object) -> None:
    with store.session(by="test") as s:
        entry = s.get(Entry, entry_id)
        for name, value in values.items():
            setattr(entry, name, value)


def test_after_an_edited_summary_the_build_reads_that_entry_alone(sample_store, tmp_path, monkeypatch):
    site = tmp_path / "site"
    build_site(sample_store, site)
    edit(sample_store, 5, summary="Curve detectors respond to zygomorphic curves.")
    whole_reads: list[int] = []
    read = EditionSource.read
    monkeypatch.setattr(EditionSource, "read", lambda *a, **k: whole_reads.append(1) or read(*a, **k))
    report = build_site(sample_store, site)
    assert whole_reads == []
    assert "zygomorphic" in (site / report.entry_paths[5] / "index.html").read_text()


@pytest.mark.parametrize("change", [
    {"title": "Curve Detectors, Revisited"},  # resolves references differently
    {"position": 99},  # another place in the sheet
    {"issue_id": 3},  # another issue
    {"public_level": "No"},  # no longer public
    {"status": "approved"},
])
def test_a_change_beyond_an_entrys_own_views_reads_the_whole_publication(sample_store, tmp_path, change):
    kept_then_read(sample_store, tmp_path / "site")
    edit(sample_store, 5, **change)
    source, whole = read_again(sample_store, tmp_path / "site")
    assert whole
    assert snapshot(source) == snapshot(EditionSource.load(sample_store))


def test_an_added_or_removed_entry_reads_the_whole_publication(sample_store, tmp_path):
    kept_then_read(sample_store, tmp_path / "site")
    with sample_store.session(by="test") as s:
        s.delete(s.get(Entry, 2))
    assert read_again(sample_store, tmp_path / "site")[1]


def test_a_changed_issue_reads_the_whole_publication(sample_store, tmp_path):
    kept_then_read(sample_store, tmp_path / "site")
    with sample_store.session(by="test") as s:
        s.get(Entry, 5).issue.title = "Curves, everywhere"
    source, whole = read_again(sample_store, tmp_path / "site")
    assert whole
    assert "Curves, everywhere" in [i.title for i in source.issues]


def test_a_source_kept_from_another_store_is_never_used(tmp_path):
    # Two copies of one sheet: the same entries at the same versions, then each edited its own way.
    ours, theirs = (load_sample(Store(str(tmp_path / f"{name}.db"))) for name in ("ours", "theirs"))
    edit(theirs, 5, summary="Their words.")
    kept_then_read(theirs, tmp_path / "site")
    edit(ours, 5, summary="Our words.")
    edit(ours, 6, summary="More of ours.")
    source, whole = read_again(ours, tmp_path / "site")
    assert whole
    assert next(v for v in source.entries if v.id == 5).summary == "Our words."


def test_a_kept_source_that_cannot_be_read_is_read_again(sample_store, tmp_path, monkeypatch):
    monkeypatch.setenv("PRECIS_RENDER_CACHE", str(tmp_path / "cache"))
    kept_then_read(sample_store, tmp_path / "site")
    (path,) = (cache_dir("render") / "source").glob("*.pickle")
    path.write_bytes(b"not a pickle")
    edit(sample_store, 5, summary="Edited.")
    source, whole = read_again(sample_store, tmp_path / "site")
    assert whole
    assert snapshot(source) == snapshot(EditionSource.load(sample_store))


def test_more_edited_entries_than_are_worth_reading_one_by_one_read_the_whole_publication(
    sample_store, tmp_path, monkeypatch
):
    monkeypatch.setattr(kept_source, "REREAD_AT_MOST", 1)
    kept_then_read(sample_store, tmp_path / "site")
    edit(sample_store, 5, summary="Edited.")
    assert not read_again(sample_store, tmp_path / "site")[1]
    edit(sample_store, 6, summary="Edited too.")
    assert read_again(sample_store, tmp_path / "site")[1]


FIELDS = {
    "summary": st.text(max_size=40) | st.sampled_from([
        "Builds on <@the circuits work@>(@Zoom In: An Introduction to Circuits@).",  # resolved
        "After <@Curve Detectors@>, and <@a post nobody wrote@>(@No Such Title@).",  # one unresolved
        "Unlike <@Learning to summarize from human feedback@>.",
    ]),
    "hat_tip": st.none() | st.text(max_size=10),
    "category": st.sampled_from([None, "Interpretability", "Forecasting"]),
    "venue": st.none() | st.text(max_size=10),
    "year": st.none() | st.integers(1990, 2030),
    "authors": st.sampled_from(["Ada Lovelace", "Chris Olah, Nick Cammarata", ""]),
    "title": st.sampled_from(["Curve Detectors", "Zoom In: An Introduction to Circuits", "A New Title"]),
    "url": st.none() | st.sampled_from(["https://example.org/a", "https://example.org/b"]),
    "position": st.integers(0, 12),
    "issue_id": st.sampled_from([None, 1, 2, 3]),
    "public_level": st.sampled_from(["Yes", "No", "Link only", "With edits"]),
    "status": st.sampled_from(["published", "approved"]),
    "opinion": st.text(max_size=20),
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_edits_read_what_reading_the_whole_publication_gives(tmp_path_factory, data):
    root = tmp_path_factory.mktemp("kept")
    store = load_sample(Store(str(root / "sample.db")))
    try:
        kept_then_read(store, root / "site")
        texts_only = True
        for _ in range(data.draw(st.integers(1, 4), label="edits")):
            entry_id = data.draw(st.integers(1, 10), label="entry")
            name = data.draw(st.sampled_from(sorted(FIELDS)), label="field")
            value = data.draw(FIELDS[name], label="value")
            with store.session(by="test") as s:
                entry = s.get(Entry, entry_id)
                if name == "opinion":
                    entry.opinions.append(Opinion(position=len(entry.opinions), author="Ada", text=value))
                elif getattr(entry, name) != value:
                    setattr(entry, name, value)
                    texts_only &= name not in ("title", "url", "position", "issue_id", "public_level", "status")
        source, whole = read_again(store, root / "site")
        assert snapshot(source) == snapshot(EditionSource.load(store))
        if texts_only:
            assert not whole
        archive, memo_used = archive_again(store, root / "site")
        assert derived(archive) == derived(Archive.load(store))
        if texts_only:
            assert memo_used
    finally:
        store.close()


def test_on_postgresql_an_edit_is_read_alone_and_reads_what_a_whole_read_gives(pg_url, tmp_path):
    with load_sample(Store(pg_url)) as store:
        kept_then_read(store, tmp_path / "site")
        edit(store, 5, summary="Curve detectors, on PostgreSQL.")
        with store.session(by="test") as s:
            entry = s.get(Entry, 6)
            entry.opinions.append(Opinion(position=9, author="Ada", text="Read again."))
        source, whole = read_again(store, tmp_path / "site")
        assert not whole
        assert snapshot(source) == snapshot(EditionSource.load(store))


def test_after_an_edit_the_archive_makes_again_only_the_edited_entrys_references_and_warnings(
    sample_store, tmp_path, monkeypatch
):
    kept_then_read(sample_store, tmp_path / "site")
    edit(sample_store, 6, summary="Unlike <@Curve Detectors@>, and <@a post nobody wrote@>(@No Such Title@).")
    checked: list[int] = []
    check = Editions._check
    monkeypatch.setattr(Editions, "_check", lambda self, data, docs: checked.append(data.id) or check(self, data, docs))
    archive, memo_used = archive_again(sample_store, tmp_path / "site")
    assert memo_used and checked == [6]
    whole = Archive.load(sample_store)
    assert derived(archive) == derived(whole)
    assert any("No Such Title" in w for w in archive.warnings)
    curve = next(item for item in archive.entries if item.title == "Curve Detectors")
    assert 6 in curve.referenced_by
    # The views of the others, made later (on a page), warn no more than a whole build's.
    archive.make_views()
    whole.make_views()
    assert archive.warnings == whole.warnings


def test_a_memo_that_is_not_of_this_source_is_not_used(sample_store, tmp_path):
    kept = kept_then_read(sample_store, tmp_path / "site")
    memo = Archive.load(sample_store, warn=lambda message: None).memo
    del memo.slugs[next(iter(memo.slugs))]
    source = kept.read()
    archive = Archive.load(sample_store, source=source, memo=memo)
    assert derived(archive) == derived(Archive.load(sample_store))
