"""Rebuilding the archive after a change rewrites only the files that depend on what changed."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from precis.errors import PrecisError
from precis.model import Entry
from precis.site import build_site
from precis.site.writer import BUILDING, MANIFEST, SiteWriter
from precis.store import Store
from tests.helpers import file_texts, invoke


def copy_store(store: Store, path: Path) -> Store:
    source = sqlite3.connect(store.url.removeprefix("sqlite:///"))
    target = sqlite3.connect(path)
    source.backup(target)
    source.close()
    target.close()
    return Store(str(path))


def mtimes(outdir: Path) -> dict[str, int]:
    return {p.relative_to(outdir).as_posix(): p.stat().st_mtime_ns for p in outdir.rglob("*") if p.is_file()}


def test_changing_one_summary_rewrites_its_entry_and_issue_pages_only(built_site, private_store, tmp_path):
    outdir = tmp_path / "site"
    shutil.copytree(built_site[0], outdir)
    store = copy_store(private_store[0], tmp_path / "an.db")
    before = mtimes(outdir)
    with store.session(by="test") as s:
        entry = s.scalars(select(Entry).where(Entry.title == "Deep Double Descent")).one()
        entry.summary = entry.summary + "\n\nA sentence added by an editor for the incremental rebuild test."
    report = build_site(store, outdir)
    pages = sorted(p for p in report.written if p.endswith(".html"))
    assert pages == ["entries/deep-double-descent/index.html", "issues/an-77/index.html"]
    others = {p.split("/", 1)[0] for p in report.written if not p.endswith(".html")}
    assert others <= {"downloads", "pagefind"}
    # The search index is remade; Pagefind names its files by content, so most stay as they were.
    assert report.search_indexed
    assert all(p.startswith("pagefind/") for p in report.deleted)
    fragments = [p for p in before if p.startswith("pagefind/fragment/")]
    assert sum(p in report.written for p in fragments) <= 2
    after = mtimes(outdir)
    untouched = [p for p in before if p not in report.written and not p.startswith("pagefind/") and p != MANIFEST]
    assert len(untouched) > 5000
    assert all(after[p] == before[p] for p in untouched)
    assert "added by an editor" in (outdir / "entries/deep-double-descent/index.html").read_text()


def test_an_unchanged_store_rewrites_nothing(sample_store, tmp_path):
    first = build_site(sample_store, tmp_path / "site")
    assert first.written and first.search_indexed
    manifest = (tmp_path / "site" / MANIFEST).stat().st_mtime_ns
    again = build_site(sample_store, tmp_path / "site")
    assert again.written == [] and again.deleted == [] and not again.search_indexed
    assert again.unchanged == len(first.written)
    # Nor its manifest (1.5 s at 100,000 entries), nor leaves the marker of a build behind.
    assert (tmp_path / "site" / MANIFEST).stat().st_mtime_ns == manifest
    assert not (tmp_path / "site" / BUILDING).exists()


def test_a_writer_stopped_before_its_manifest_leaves_a_folder_the_next_build_makes_whole(tmp_path):
    """A build stops midway (Ctrl-C, a full disk) after writing some files: even its first, in a new
    folder, which has no manifest yet. The next build trusts nothing of the folder, rewrites what it
    makes and deletes the rest."""
    outdir = tmp_path / "site"
    first = SiteWriter(outdir)
    first.write("a.html", "old a")
    first.write("stray.html", "a file the next build will not make")
    del first  # stopped: no finish
    second = SiteWriter(outdir)  # the folder holds files and no manifest, yet is not refused
    assert second.previous_build is None and set(second.previous) == {"a.html", "stray.html"}
    second.write("a.html", "old a")
    assert second.written == ["a.html"]  # no digest of the stopped build is trusted
    second.finish(build={"n": 1})
    assert sorted(p.name for p in outdir.iterdir()) == [MANIFEST, "a.html"]
    third = SiteWriter(outdir)
    assert third.previous_build == {"n": 1} and third.previous == second.current


def test_an_entry_made_private_disappears_from_every_file(sample_store, tmp_path):
    outdir = tmp_path / "site"
    build_site(sample_store, outdir)
    page = outdir / "entries/curve-detectors/index.html"
    assert page.is_file()
    with sample_store.session(by="test") as s:
        entry = s.scalars(select(Entry).where(Entry.title == "Curve Detectors")).one()
        entry.public_level = "No"
    report = build_site(sample_store, outdir)
    assert "entries/curve-detectors/index.html" in report.deleted and not page.exists()
    assert not (outdir / "entries/curve-detectors").exists()
    assert report.search_indexed
    assert not [path for path, text in file_texts(outdir) if "Curve Detectors" in text]


def test_the_builder_refuses_a_directory_it_did_not_write(tmp_path, sample_store):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(PrecisError, match="holds files but no"):
        build_site(sample_store, tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def _same_site(one: Path, other: Path) -> None:
    """Two builds hold the same files with the same bytes (Pagefind's own output aside, which it
    does not repeat from run to run, and the .xlsx, which carries the time it was written)."""
    def files(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and p.name != MANIFEST and p.suffix != ".xlsx" and "pagefind" not in p.parts
        }
    first, second = files(one), files(other)
    assert sorted(first) == sorted(second)
    assert [path for path in first if first[path] != second[path]] == []


def test_a_build_with_nothing_changed_keeps_the_folder_and_says_so(sample_store, tmp_path):
    first = build_site(sample_store, tmp_path / "site")
    again = build_site(sample_store, tmp_path / "site")
    assert again.up_to_date and again.pages == 0 and again.written == []
    assert (again.entries, again.issues, again.entry_paths) == (first.entries, first.issues, first.entry_paths)
    result = invoke(sample_store, "site", "build", str(tmp_path / "site"))
    assert result.exit_code == 0 and "is up to date" in " ".join(result.output.split())
    # A file gone from the folder is made again: the folder is checked, not only the store.
    (tmp_path / "site/entries/curve-detectors/index.html").unlink()
    mended = build_site(sample_store, tmp_path / "site")
    assert not mended.up_to_date and "entries/curve-detectors/index.html" in mended.written


def test_a_folder_built_from_one_copy_of_a_store_then_another_shows_the_others_words(sample_store, tmp_path):
    # Two copies of one store, each edited its own way: the same entries at the same versions.
    ours, theirs = sample_store, copy_store(sample_store, tmp_path / "theirs.db")
    for store, words in ((ours, "Our words."), (theirs, "Their words.")):
        with store.session(by="test") as s:
            s.scalars(select(Entry).where(Entry.title == "Curve Detectors")).one().summary = words
    page = tmp_path / "site/entries/curve-detectors/index.html"
    build_site(ours, tmp_path / "site")
    assert "Our words." in page.read_text()
    report = build_site(theirs, tmp_path / "site")
    assert not report.up_to_date
    assert "Their words." in page.read_text() and "Our words." not in page.read_text()
    build_site(theirs, tmp_path / "anew")
    _same_site(tmp_path / "site", tmp_path / "anew")


def test_after_edited_texts_only_their_pages_are_rendered_and_the_site_is_as_if_built_anew(sample_store, tmp_path):
    full = build_site(sample_store, tmp_path / "site")
    with sample_store.session(by="test") as s:
        curve = s.scalars(select(Entry).where(Entry.title == "Curve Detectors")).one()
        curve.summary = curve.summary + "\n\nA sentence an editor added."
        scaling = s.scalars(select(Entry).where(Entry.title == "Scaling Laws for Neural Language Models")).one()
        scaling.opinions[0].text = "An opinion, rewritten."
    edited = build_site(sample_store, tmp_path / "site")
    # Two entry pages and their two issues' pages; the feeds, downloads and search index besides.
    assert edited.pages == 2 + 2 + 1 < full.pages
    assert "entries/curve-detectors/index.html" in edited.written
    page = tmp_path / "site/entries/scaling-laws-for-neural-language-models/index.html"
    assert "An opinion, rewritten." in page.read_text()
    build_site(sample_store, tmp_path / "anew")
    _same_site(tmp_path / "site", tmp_path / "anew")
    # What the next build compares with is what a build from nothing records (the other entries'
    # part of it carried over, not made again).
    records = [SiteWriter(tmp_path / folder).previous_build for folder in ("site", "anew")]
    assert records[0] is not None and records[1] is not None
    for key in ("facets", "versions", "entry_paths", "search_parts"):
        assert records[0][key] == records[1][key]


def test_after_edited_texts_the_downloads_are_spliced_not_written_whole(sample_store, tmp_path, monkeypatch):
    from precis.site import downloads

    build_site(sample_store, tmp_path / "site")
    with sample_store.session(by="test") as s:
        curve = s.scalars(select(Entry).where(Entry.title == "Curve Detectors")).one()
        curve.summary = curve.summary + "\n\nRewritten, and only this."
    # The downloads' child is forked from this process: it has the patch.
    monkeypatch.setattr(downloads, "_write_whole", lambda *a: pytest.fail("the downloads were written whole"))
    edited = build_site(sample_store, tmp_path / "site")
    assert {"downloads/sample-newsletter.json", "downloads/sample-newsletter.csv"} <= set(edited.written)
    assert "Rewritten, and only this." in (tmp_path / "site/downloads/sample-newsletter.json").read_text()


def test_an_edit_in_an_issue_the_feeds_do_not_show_leaves_the_feeds_alone(sample_store, tmp_path, monkeypatch):
    from precis.model import Issue
    from precis.site import feeds

    monkeypatch.setattr(feeds, "FEED_ISSUES", 1)
    build_site(sample_store, tmp_path / "site")
    with sample_store.session(by="test") as s:
        oldest = s.scalars(select(Entry).join(Issue).order_by(Issue.number).limit(1)).one()
        oldest.summary = (oldest.summary or "") + "\n\nA sentence an editor added."
    edited = build_site(sample_store, tmp_path / "site")
    assert edited.pages == 3  # its page, its issue's and the downloads page
    assert not any(path.startswith("feeds/") for path in edited.written)
    build_site(sample_store, tmp_path / "anew")
    _same_site(tmp_path / "site", tmp_path / "anew")


def test_a_changed_title_renders_every_page_again(sample_store, tmp_path):
    """A title shows on lists, indexes and other entries' pages: no shortcut is taken."""
    full = build_site(sample_store, tmp_path / "site")
    with sample_store.session(by="test") as s:
        s.scalars(select(Entry).where(Entry.title == "Curve Detectors")).one().title = "Curve Detectors, Revisited"
    again = build_site(sample_store, tmp_path / "site")
    assert again.pages == full.pages
    showing = {
        path.split("/", 1)[0] for path, text in file_texts(tmp_path / "site") if "Curve Detectors, Revisited" in text
    }
    assert {"entries", "issues", "categories", "years", "summarizers"} <= showing
    build_site(sample_store, tmp_path / "anew")
    _same_site(tmp_path / "site", tmp_path / "anew")


def test_a_build_reads_back_the_texts_it_parsed_last_time(sample_store, tmp_path, monkeypatch):
    from precis import markup

    # A cache of its own: the folder built last must be this test's.
    monkeypatch.setenv("PRECIS_RENDER_CACHE", str(tmp_path / "render-cache"))
    build_site(sample_store, tmp_path / "site")
    with sample_store.session(by="test") as s:
        curve = s.scalars(select(Entry).where(Entry.title == "Curve Detectors")).one()
        curve.summary = "A summary written anew."
        its_texts = {curve.summary, *(opinion.text for opinion in curve.opinions)}
    parsed: list[str] = []
    real = markup._parse.__wrapped__

    def counting(text: str) -> markup.Doc:
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(markup, "_parse", counting)
    build_site(sample_store, tmp_path / "site")
    # Only the edited entry's texts are parsed: its search document, guessed before the kept trees
    # are read so that Pagefind starts sooner, parses its few texts itself.
    assert "A summary written anew." in parsed
    assert set(parsed) <= its_texts
    # A first build into another folder starts from the trees of the folder built last.
    parsed.clear()
    build_site(sample_store, tmp_path / "other")
    assert parsed == ["A summary written anew."]  # (the file is rewritten after 20 new texts)


def _shared(monkeypatch) -> list[int]:
    """Make every build share its pages with a forked process, however few; the helpers joined."""
    from precis.site import share

    joined: list[int] = []
    real_join = share.Helper.join

    def join(helper: share.Helper, writer) -> int:
        joined.append(helper.child.pid)
        return real_join(helper, writer)

    monkeypatch.setattr(share, "MIN_STEPS", 1)
    monkeypatch.setattr(share, "processors", lambda: 2)
    monkeypatch.setattr(share.Helper, "join", join)
    return joined


def test_pages_rendered_by_two_processes_are_those_one_process_renders(sample_store, tmp_path, monkeypatch):
    alone = build_site(sample_store, tmp_path / "alone")
    joined = _shared(monkeypatch)
    shared = build_site(sample_store, tmp_path / "shared")
    assert joined, "the build did not share its pages"
    def made(report) -> list[str]:  # Pagefind's own files are named differently from run to run
        return sorted(path for path in report.written if not path.startswith("pagefind/"))

    assert (shared.pages, made(shared)) == (alone.pages, made(alone))
    _same_site(tmp_path / "alone", tmp_path / "shared")
    # Its manifest records the files the other process wrote: the next build keeps them all.
    assert build_site(sample_store, tmp_path / "shared").up_to_date


def test_a_page_the_second_process_cannot_write_fails_the_build_in_one_line(sample_store, tmp_path, monkeypatch):
    import os

    from precis.site.build import SiteBuilder

    _shared(monkeypatch)
    parent, real_page = os.getpid(), SiteBuilder.page

    def page(builder: SiteBuilder, path: str, template: str, **context) -> None:
        if os.getpid() != parent:
            raise PrecisError(f"{path}index.html: cannot write: No space left on device")
        real_page(builder, path, template, **context)

    monkeypatch.setattr(SiteBuilder, "page", page)
    with pytest.raises(PrecisError, match="cannot write: No space left on device$"):
        build_site(sample_store, tmp_path / "site")
    monkeypatch.setattr(SiteBuilder, "page", real_page)
    # The folder is left as a build that stopped midway leaves it: the next build makes it whole.
    build_site(sample_store, tmp_path / "site")
    build_site(sample_store, tmp_path / "anew")
    _same_site(tmp_path / "site", tmp_path / "anew")


def test_a_shared_build_works_where_the_c_library_cannot_give_memory_back(sample_store, tmp_path, monkeypatch):
    """Before forking, the build gives the C heap's free pages back (glibc's ``malloc_trim``: at
    100,000 entries on PostgreSQL, 2,239 against 1,923 MB for the process tree); a C library
    without that call (musl, macOS) changes nothing else."""
    from precis.site import share

    class NoTrim:
        def __init__(self, _name: object) -> None:
            pass

    alone = build_site(sample_store, tmp_path / "alone")
    joined = _shared(monkeypatch)
    monkeypatch.setattr(share.ctypes, "CDLL", NoTrim)
    shared = build_site(sample_store, tmp_path / "shared")
    assert joined, "the build did not share its pages"
    assert shared.pages == alone.pages
    _same_site(tmp_path / "alone", tmp_path / "shared")


def test_forgetting_a_folder_removes_what_the_render_cache_keeps_for_it_alone(sample_store, tmp_path, monkeypatch):
    """``precis serve`` builds into a temporary folder and deletes it when it stops: what the render
    cache keeps for that folder (the build's record, the downloads' spans, the parsed texts, the
    search documents, the edition source) goes with it, and another folder's stays."""
    from precis.paths import cache_dir
    from precis.site.build import forget_site

    monkeypatch.setenv("PRECIS_RENDER_CACHE", str(tmp_path / "cache"))

    def kept() -> set[Path]:
        root = cache_dir("render")
        kinds = ("builds", "downloads", "parsed", "search", "source")
        return {p for kind in kinds for p in (root / kind).glob("*") if p.is_file()}

    build_site(sample_store, tmp_path / "served")  # the cache's first folder: it keeps its own parsed texts
    served = kept()
    assert {p.parent.name for p in served} == {"builds", "downloads", "parsed", "search", "source"}
    build_site(sample_store, tmp_path / "other")
    others = kept() - served
    assert {p.parent.name for p in others} == {"builds", "downloads", "search", "source"}  # texts parsed already
    forget_site(tmp_path / "served")
    assert kept() == others
    assert build_site(sample_store, tmp_path / "other").up_to_date  # the other folder's record is there
