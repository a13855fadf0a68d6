"""An incremental build: the search index remade only in the part an edit touches, and every file
the same as a build from nothing."""

from __future__ import annotations

import json
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from precis.model import Entry
from precis.site import BuildReport, build_site, search_parts
from precis.site.archive import Archive
from precis.site.build import pagefind_executable
from precis.site.writer import MANIFEST, SiteWriter
from precis.store import Store
from tests.helpers import file_texts


@pytest.fixture
def one_issue_per_part(monkeypatch: pytest.MonkeyPatch) -> None:
    # The sample has three issues: a part per issue shows parts without a large archive.
    monkeypatch.setattr(search_parts, "ISSUES_PER_PART", 1)


def edit(store: Store, which: str, **fields: str) -> None:
    with store.session(by="test") as s:
        entry = s.scalars(select(Entry).where(Entry.title == which)).one()
        for name, value in fields.items():
            setattr(entry, name, value)


def content(path: Path) -> object:
    """A file's bytes; an .xlsx's parts but the one that holds when it was written."""
    if path.suffix != ".xlsx":
        return path.read_bytes()
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist() if name != "docProps/core.xml"}


def site_files(outdir: Path) -> dict[str, object]:
    """Every file of a built site but Pagefind's chunks, which Pagefind does not name the same way
    twice from the same documents, and the manifest, which holds their digests."""
    return {
        p.relative_to(outdir).as_posix(): content(p)
        for p in outdir.rglob("*")
        if p.is_file() and p.name != MANIFEST
        and (not p.relative_to(outdir).as_posix().startswith("pagefind/") or p.name == "index.json")
    }


def test_an_edited_summary_reindexes_only_the_part_of_its_issue(sample_store, tmp_path, one_issue_per_part):
    outdir = tmp_path / "site"
    build_site(sample_store, outdir)
    assert json.loads((outdir / "pagefind/parts/index.json").read_text()) == ["parts/2/", "parts/3/"]
    assert (outdir / "pagefind/pagefind.js").is_file()  # the first part is the primary index
    edit(sample_store, "Curve Detectors", summary="Curve detectors respond to curves at every orientation.")
    report = build_site(sample_store, outdir)
    assert report.search_indexed
    indexed = [p for p in report.written if p.startswith("pagefind/")]
    assert indexed and all(p.startswith("pagefind/parts/2/") for p in indexed)  # SN #2's part only
    assert all(p.startswith("pagefind/parts/2/") for p in report.deleted)
    assert (outdir / "pagefind/parts/3/pagefind-entry.json").is_file()


def test_a_merged_part_holds_what_the_browser_reads_of_it_and_no_browser_code(
    sample_store, tmp_path, one_issue_per_part
):
    outdir = tmp_path / "site"
    build_site(sample_store, outdir)
    part = outdir / "pagefind/parts/3"
    names = {p.relative_to(part).as_posix().split("/")[0] for p in part.rglob("*") if p.is_file()}
    assert {"pagefind-entry.json", "index", "filter", "fragment"} <= names
    assert not any(name.endswith((".js", ".css")) for name in names)
    entry = json.loads((part / "pagefind-entry.json").read_text())
    assert (part / f"pagefind.{entry['languages']['en']['hash']}.pf_meta").is_file()


def test_a_build_after_edits_is_the_build_from_nothing_file_by_file(sample_store, tmp_path, one_issue_per_part):
    incremental = tmp_path / "incremental"
    build_site(sample_store, incremental)
    edit(sample_store, "Curve Detectors", summary="Curve detectors, *revisited*: see <@Zoom In@>.")
    edit(sample_store, "Scaling Laws for Neural Language Models", title="Scaling Laws, Retitled")
    edit(sample_store, "Concrete Problems in AI Safety", public_level="No")
    build_site(sample_store, incremental)
    fresh = build_site(sample_store, tmp_path / "fresh")
    assert fresh.written
    assert site_files(incremental) == site_files(tmp_path / "fresh")


def test_each_part_goes_to_pagefind_before_the_next_parts_documents_are_made(tmp_path):
    # A build holds one part's search documents at a time, not the whole archive's (100 MB at
    # 100,000 entries): the parts may be made as they are taken.
    writer = SiteWriter(tmp_path / "site")
    indexer = search_parts.SearchParts(writer, pagefind_executable())
    runs_before: list[int] = []

    def parts() -> Iterator[tuple[str, dict[str, str] | None]]:
        for name in ("1", "2", "3"):
            runs_before.append(len(indexer.runs))
            page = f"<html><body><main><h1>Part {name}</h1><p>Words of part {name}.</p></main></body></html>"
            yield name, {f"entries/e{name}/index.html": page}

    indexer.start(parts(), None)
    assert runs_before == [0, 1, 2]
    assert indexer.finish()
    writer.finish()
    assert json.loads((tmp_path / "site/pagefind/parts/index.json").read_text()) == ["parts/2/", "parts/3/"]
    assert (tmp_path / "site/pagefind/parts/3/pagefind-entry.json").is_file()


def indexed(outdir: Path, part: str) -> str:
    """The text of every page a part of the search index holds (its fragments)."""
    return "\n".join(text for path, text in file_texts(outdir) if path.startswith(f"{part}fragment/"))


@pytest.fixture
def guesses(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, object]]:
    """What a build does with its guesses of the search parts, in order, beside the archive's read."""
    seen: list[tuple[str, object]] = []
    guess, discard, load = search_parts.SearchParts.guess, search_parts.SearchParts._discard, Archive.load

    def guessing(self, location, edited, scratch):  # type: ignore[no-untyped-def]
        made = guess(self, location, edited, scratch)
        seen.append(("guess", (location, made)))
        return made

    def discarding(self, run):  # type: ignore[no-untyped-def]
        seen.append(("discard", run.location))
        discard(self, run)

    def loading(store, warn=None, source=None, memo=None, changed=()):  # type: ignore[no-untyped-def]
        seen.append(("archive read", None))
        return load(store, warn, source, memo, changed)

    monkeypatch.setattr(search_parts.SearchParts, "guess", guessing)
    monkeypatch.setattr(search_parts.SearchParts, "_discard", discarding)
    monkeypatch.setattr(Archive, "load", staticmethod(loading))
    return seen


def edited_and_built(store: Store, outdir: Path, seen: list[tuple[str, object]], **fields: str) -> BuildReport:
    """Build ``outdir``, edit "Curve Detectors" (``fields``) and build it again: that build's report,
    with only its own guesses in ``seen``."""
    build_site(store, outdir)
    edit(store, "Curve Detectors", **fields)
    seen.clear()
    return build_site(store, outdir)


def as_built_from_nothing(store: Store, outdir: Path) -> bool:
    fresh = outdir.with_name(outdir.name + "-fresh")
    build_site(store, fresh)
    return site_files(outdir) == site_files(fresh)


def test_after_an_edit_pagefind_indexes_the_edited_part_before_the_archive_is_read(
    sample_store, tmp_path, one_issue_per_part, guesses
):
    outdir = tmp_path / "site"
    report = edited_and_built(sample_store, outdir, guesses, summary="Curve detectors respond to zygomorphic curves.")
    assert guesses == [("guess", ("pagefind/parts/2/", True)), ("archive read", None)]  # adopted: no discard
    assert all(p.startswith("pagefind/parts/2/") for p in report.written if p.startswith("pagefind/"))
    assert "zygomorphic" in indexed(outdir, "pagefind/parts/2/")
    assert as_built_from_nothing(sample_store, outdir)


def served_rebuild(store: Store, outdir: Path, changed: list[int], ready: Callable[[], None]) -> BuildReport:
    """The rebuild ``precis serve`` makes after a change to the entries ``changed``: in a thread of
    its own, with ``ready`` called each time its first files are written."""
    reports: list[BuildReport] = []
    worker = threading.Thread(
        target=lambda: reports.append(build_site(store, outdir, changed=changed, ready=lambda files: ready()))
    )
    worker.start()
    worker.join()
    return reports[0]


def test_a_served_rebuild_after_an_edit_starts_pagefind_on_its_part_once_the_first_pages_are_ready(
    sample_store, tmp_path, one_issue_per_part, guesses
):
    # ``precis serve`` rebuilds in a thread, where nothing forks: Pagefind starts on the edited
    # part as soon as the pages that show the edit are written, not after the archive's other work.
    outdir = tmp_path / "site"
    build_site(sample_store, outdir)
    with sample_store.session() as s:
        curve, summary = s.execute(select(Entry.id, Entry.summary).where(Entry.title == "Curve Detectors")).one()
    # Words added, the cross-references kept: what other pages show of the entry is the same.
    edit(sample_store, "Curve Detectors", summary=summary + "\n\nThey respond to zygomorphic curves.")
    guesses.clear()
    report = served_rebuild(sample_store, outdir, [curve], lambda: guesses.append(("ready", None)))
    assert guesses == [("archive read", None), ("ready", None), ("guess", ("pagefind/parts/2/", True)), ("ready", None)]
    assert report.pages < 10  # the edit's pages alone
    assert all(p.startswith("pagefind/parts/2/") for p in report.written if p.startswith("pagefind/"))
    assert "zygomorphic" in indexed(outdir, "pagefind/parts/2/")
    assert as_built_from_nothing(sample_store, outdir)


def test_a_served_rebuild_after_a_change_other_pages_show_starts_no_early_pagefind_run(
    sample_store, tmp_path, one_issue_per_part, guesses
):
    # A new title shows on lists and other entries' pages: the archive is built again, and no
    # Pagefind run is started early on a guess the build would throw away (a publish is such a change).
    outdir = tmp_path / "site"
    build_site(sample_store, outdir)
    edit(sample_store, "Curve Detectors", title="Curve Detectors, Renamed")
    guesses.clear()
    served_rebuild(sample_store, outdir, [], lambda: None)
    assert [what for what, _ in guesses] == ["archive read"]
    assert "Curve Detectors, Renamed" in indexed(outdir, "pagefind/parts/2/")
    assert as_built_from_nothing(sample_store, outdir)


def test_an_edit_search_does_not_look_at_starts_no_pagefind_run(sample_store, tmp_path, one_issue_per_part, guesses):
    # The search documents hold title, authors, summary and opinions: not what to read next.
    outdir = tmp_path / "site"
    report = edited_and_built(sample_store, outdir, guesses, read_more="The circuits thread, from the start.")
    assert guesses == [("guess", ("pagefind/parts/2/", False)), ("archive read", None)]
    assert not report.search_indexed
    assert "entries/curve-detectors/index.html" in report.written
    assert as_built_from_nothing(sample_store, outdir)


def test_a_guess_the_build_does_not_need_is_stopped_and_the_site_is_the_build_from_nothing(
    sample_store, tmp_path, one_issue_per_part, guesses
):
    # A new title shows on other pages: the whole archive is built again, and Pagefind's early
    # run is stopped before the build forks its helper.
    outdir = tmp_path / "site"
    edited_and_built(sample_store, outdir, guesses, title="Curve Detectors, Renamed")
    assert guesses[0] == ("guess", ("pagefind/parts/2/", True))
    assert "Curve Detectors, Renamed" in indexed(outdir, "pagefind/parts/2/")
    assert as_built_from_nothing(sample_store, outdir)


def test_a_wrong_guess_is_discarded_and_the_part_indexed_from_the_documents_the_build_made(tmp_path, guesses):
    outdir = tmp_path / "site"

    def page(words: str) -> dict[str, str]:
        return {"entries/e/index.html": f"<html><body><main><h1>{words}</h1></main></body></html>"}

    writer = SiteWriter(outdir)
    indexer = search_parts.SearchParts(writer, pagefind_executable())
    indexer.start(iter([("1", page("first words"))]), None)
    indexer.finish()
    writer.finish()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    writer = SiteWriter(outdir)
    indexer = search_parts.SearchParts(writer, pagefind_executable())
    assert indexer.guess("pagefind/", page("guessed words"), str(scratch))
    assert not indexer.guess("pagefind/parts/9/", page("no such part"), str(scratch))
    indexer.start(iter([("1", page("actual words"))]), str(scratch))
    assert indexer.finish()
    writer.finish()
    assert ("discard", "pagefind/") in guesses
    assert "actual words" in indexed(outdir, "pagefind/") and "guessed" not in indexed(outdir, "pagefind/")
    assert not list(scratch.iterdir())  # no temporary folder left


def test_a_guess_is_made_only_from_the_documents_the_current_index_was_made_from(tmp_path):
    outdir = tmp_path / "site"
    writer = SiteWriter(outdir)
    indexer = search_parts.SearchParts(writer, pagefind_executable())
    docs = {"entries/e/index.html": "<html><body><main><h1>Words</h1></main></body></html>"}
    indexer.start(iter([("1", docs)]), None)
    indexer.finish()
    writer.finish()
    # The kept documents no longer match the index (a build that failed after keeping them).
    search_parts.save_cached(search_parts._docs_path(outdir, "pagefind/"), {"entries/e/index.html": "other"})
    indexer = search_parts.SearchParts(SiteWriter(outdir), pagefind_executable())
    assert not indexer.guess("pagefind/", docs, None)
    assert not indexer.guessed
