"""After an edit of some entries' texts, the downloads are the last build's files with those
records' bytes spliced in (``spans``): the same files a whole write gives, byte for byte (the
.xlsx's parts, its package carrying the time it was written); and a whole write whenever a splice
could not give them (a new column, a changed hyperlink, files that are not as their spans say)."""

from __future__ import annotations

import json
import shutil
import threading
import zipfile
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from precis.model import Entry, Opinion
from precis.site import downloads, spans, zipped
from precis.site.downloads import DownloadsProcess, write_downloads
from precis.store import Store
from precis.store.queries import iter_entry_records
from tests.helpers import load_sample

STEM = "x"
TRICKY = 'Line one\nline two\r\n\t"quoted" \\ back, é, 😀, \u2028 <b>&amp;</b> and =SUM(A1) ünïcödé'


def contents(folder: Path) -> dict[str, bytes]:
    """The downloads' bytes (of the .xlsx, its parts but the package's properties)."""
    out = {ext: (folder / f"{STEM}.{ext}").read_bytes() for ext in ("csv", "json")}
    with zipfile.ZipFile(folder / f"{STEM}.xlsx") as z:
        out.update({f"xlsx:{n}": z.read(n) for n in z.namelist() if not n.startswith("docProps/")})
    return out


class Site:
    """A site folder's downloads as a build leaves them, and the builds that follow."""

    def __init__(self, store: Store, root: Path) -> None:
        self.store, self.root, self.n = store, root, 0
        self.folder = root / "site"
        (self.folder / "downloads").mkdir(parents=True)
        self.key = ""
        self.pieces = zipped.PIECE  # how many bytes of the .xlsx's sheet go in a piece

    def previous(self) -> dict[str, str]:
        return {ext: f"{ext}:{self.key}" for ext in spans.FORMATS} if self.key else {}

    def build(self, edited: list[int] | None, guess: list[int] | None = None) -> Path:
        """Write the downloads as a build does, told ``edited`` (after guessing ``guess``); install
        them as the site's."""
        self.n += 1
        out = self.root / f"out{self.n}"
        out.mkdir()
        with mock.patch.object(zipped, "PIECE", self.pieces):
            write_downloads(self.store.url, out, STEM, self.previous(), self.folder, lambda: edited, guess)
        for ext in spans.FORMATS:
            shutil.copyfile(out / f"{STEM}.{ext}", self.folder / "downloads" / f"{STEM}.{ext}")
        self.key = json.loads((out / "made.json").read_text())["key"]
        return out

    def whole(self) -> dict[str, bytes]:
        """What a whole write of the store's downloads gives now."""
        self.n += 1
        out = self.root / f"whole{self.n}"
        out.mkdir()
        with mock.patch.object(zipped, "PIECE", self.pieces):
            write_downloads(self.store.url, out, STEM, {})
        return contents(out)


@pytest.fixture
def site(sample_store, tmp_path):
    site = Site(sample_store, tmp_path)
    site.build(None)
    return site


def public_ids(store: Store) -> list[int]:
    return [entry_id for entry_id, _rec in iter_entry_records(store, public=True)]


def edit(store: Store, entry_id: int, **values: object) -> None:
    with store.session(by="test") as s:
        entry = s.get(Entry, entry_id)
        for name, value in values.items():
            setattr(entry, name, value)


def written_whole(site: Site, monkeypatch, entry_id: int, **values: object) -> Path:
    """Edit ``entry_id`` and build: the downloads are written whole, as a whole write gives them."""
    wrote: list[int] = []
    whole = downloads._write_whole
    monkeypatch.setattr(downloads, "_write_whole", lambda *a: wrote.append(1) or whole(*a))
    edit(site.store, entry_id, **values)
    out = site.build([entry_id])
    assert wrote, "the downloads were spliced"
    monkeypatch.undo()
    assert contents(out) == site.whole()
    return out


def splicing_only(monkeypatch) -> None:
    """From now on a whole write fails the test."""
    monkeypatch.setattr(downloads, "_write_whole", lambda *a: pytest.fail("the downloads were written whole"))


def test_edited_texts_are_spliced_into_the_last_files_as_a_whole_write_gives_them(site, monkeypatch):
    first, middle, last = public_ids(site.store)[0], public_ids(site.store)[3], public_ids(site.store)[-1]
    edit(site.store, first, summary=TRICKY)
    edit(site.store, middle, summary="Short.", hat_tip=TRICKY)
    with site.store.session(by="test") as s:
        entry = s.get(Entry, last)
        entry.opinions.append(Opinion(position=9, author="Ada", text=TRICKY))
    splicing_only(monkeypatch)
    out = site.build([first, middle, last])
    monkeypatch.undo()
    assert contents(out) == site.whole()
    assert TRICKY in json.loads((out / "x.json").read_text())["entries"][0]["summary"]
    # and again from the spliced files: their spans were kept
    edit(site.store, middle, summary="Longer than it was before, by far. " * 20)
    splicing_only(monkeypatch)
    out = site.build([middle])
    monkeypatch.undo()
    assert contents(out) == site.whole()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_edit_of_any_texts_splices_to_the_files_a_whole_write_gives(tmp_path_factory, data):
    root = tmp_path_factory.mktemp("splice")
    store = load_sample(Store(str(root / "sample.db")))
    try:
        site = Site(store, root)
        # The sheet in pieces of a row or a few (a megabyte of rows each at the real size).
        piece = data.draw(st.sampled_from([1, 300, 3000, zipped.PIECE]), label="piece")
        site.pieces = piece
        site.build(None)
        ids = public_ids(store)
        edited = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=4, unique=True))
        # Any text a cell can hold (a control character is refused, whole or spliced).
        text = st.text(st.characters(blacklist_categories=["Cs", "Cc"]) | st.sampled_from("\n\t\r"), max_size=200)
        for entry_id in edited:
            edit(store, entry_id, summary=data.draw(text) or None, prerequisites=data.draw(text) or None)
        out = site.build(edited)
        assert contents(out) == site.whole()
    finally:
        store.close()


def test_a_link_in_a_column_no_record_had_makes_the_files_whole_again(site, monkeypatch):
    with site.store.session(by="test") as s:
        for entry in s.scalars(select(Entry)):
            entry.prerequisites_url = None
    site.build(None)
    out = written_whole(site, monkeypatch, public_ids(site.store)[2], prerequisites="Read this first",
                        prerequisites_url="https://example.org/first")
    assert "Prerequisites link" in (out / "x.csv").read_text("utf-8").splitlines()[0]


def test_a_changed_hyperlink_makes_the_files_whole_again(site, monkeypatch):
    """The .xlsx numbers its hyperlinks across the sheet: one more or less renumbers the rest."""
    written_whole(site, monkeypatch, public_ids(site.store)[1], title_url="https://example.org/moved")


def test_files_that_are_not_as_their_spans_say_are_written_whole(site):
    entry_id = public_ids(site.store)[4]
    edit(site.store, entry_id, summary="Edited.")
    (site.folder / "downloads/x.csv").write_bytes(b"cut short")
    assert contents(site.build([entry_id])) == site.whole()
    # Spans of other files (another key), or none at all: whole again.
    edit(site.store, entry_id, summary="Edited again.")
    site.key = "another"
    assert contents(site.build([entry_id])) == site.whole()
    spans.save(site.folder, None)
    edit(site.store, entry_id, summary="And again.")
    assert contents(site.build([entry_id])) == site.whole()


def test_an_edited_entry_no_longer_public_makes_the_files_whole(site):
    entry_id = public_ids(site.store)[0]
    edit(site.store, entry_id, status="draft")
    out = site.build([entry_id])
    assert contents(out) == site.whole() and entry_id not in public_ids(site.store)


def test_the_child_splices_only_when_the_builder_says_so(site, monkeypatch, tmp_path):
    """Told None (a whole build), the child writes the files whole; told the edited entries, it
    splices; in a new interpreter (``precis serve``'s builds) as when forked (whose child has
    this test's patches)."""
    entry_id = public_ids(site.store)[1]
    edit(site.store, entry_id, summary="Told.")
    expected = site.whole()
    kept = spans.load(site.folder, STEM, site.previous())
    assert kept is not None
    for n, edited in enumerate([None, [entry_id], [entry_id]]):
        out = tmp_path / f"child{n}"
        out.mkdir()
        spans.save(site.folder, kept)  # as the last build left them
        if n < 2:
            with monkeypatch.context() as m:
                if edited is None:
                    m.setattr(downloads, "_splice", lambda *a: pytest.fail("spliced"))
                else:
                    splicing_only(m)
                process = DownloadsProcess(site.store.url, out, STEM, site.previous(), site.folder)
                assert process.child is not None  # forked
                process.decide(edited)
                process.decide(None)  # only the first decision counts
                process.wait()
        else:
            child = []
            def start(child: list[DownloadsProcess] = child, out: Path = out) -> None:
                child.append(DownloadsProcess(site.store.url, out, STEM, site.previous(), site.folder))

            worker = threading.Thread(target=start)
            worker.start()
            worker.join()
            process = child[0]
            assert process.process is not None  # a new interpreter
            process.decide(edited)
            process.wait()
        assert contents(out) == expected


def test_the_guessed_entries_are_spliced_before_the_decision_and_kept_when_it_confirms_them(site, monkeypatch):
    ids = public_ids(site.store)
    edit(site.store, ids[2], summary=TRICKY)
    edit(site.store, ids[5], summary="Shorter.")
    happened: list[str] = []
    splice = downloads._splice

    def counted(*args):
        happened.append("splice")
        return splice(*args)

    def decision() -> list[int]:
        happened.append("decision")
        return [ids[5], ids[2]]

    splicing_only(monkeypatch)
    monkeypatch.setattr(downloads, "_splice", counted)
    out = site.root / "guessed"
    out.mkdir()
    write_downloads(site.store.url, out, STEM, site.previous(), site.folder, decision, [ids[2], ids[5]])
    monkeypatch.undo()
    assert happened == ["splice", "decision"]  # made while the builder reads, not after
    assert contents(out) == site.whole()


@pytest.mark.parametrize("decision", ["other entries", "whole"])
def test_a_wrong_guess_is_thrown_away(site, decision):
    ids = public_ids(site.store)
    edit(site.store, ids[1], summary=TRICKY)
    edit(site.store, ids[4], title="A title that changes more than one record can show")
    # The guess (ids[1] alone) splices files the builder then contradicts.
    out = site.build([ids[1], ids[4]] if decision == "other entries" else None, guess=[ids[1]])
    assert contents(out) == site.whole()
    # and the next build splices from what this one kept
    edit(site.store, ids[1], summary="Edited again.")
    out = site.build([ids[1]], guess=[ids[1]])
    assert contents(out) == site.whole()


def test_a_decision_naming_many_entries_never_waits_for_a_child_that_is_not_listening(
    sample_store, tmp_path, monkeypatch
):
    """With nothing to splice into, the child writes the files whole at once and never reads the
    decision: telling it a hundred thousand edited entries must not wait for it to finish."""
    release = threading.Event()
    whole = downloads._write_whole

    def slow_whole(*args):
        release.wait(60)  # in the forked child: the test's event is never set there
        return whole(*args)

    monkeypatch.setattr(downloads, "_write_whole", slow_whole)
    out = tmp_path / "out"
    out.mkdir()
    process = DownloadsProcess(sample_store.url, out, STEM, {}, tmp_path / "site")
    try:
        told = threading.Thread(target=process.decide, args=(range(100_000),))
        told.start()
        told.join(20)
        assert not told.is_alive()
    finally:
        process.stop()


def test_records_of_more_entries_than_a_statement_takes_parameters_are_read(pg_url):
    # A splice after an edit of every text of a 100,000-entry archive names every entry.
    with load_sample(Store(pg_url)) as store:
        everyone = public_ids(store)
        named = list(range(1, 70_001)) + everyone
        assert [entry_id for entry_id, _rec in iter_entry_records(store, public=True, only=named)] == everyone


def test_the_records_of_a_few_entries_keep_and_cut_the_references_the_whole_list_does(sample_store):
    # A splice reads the edited entries' records alone, resolving only their own references.
    edit(sample_store, 5, summary="See <@Zoom In: An Introduction to Circuits@>, <@the draft@>(@Internal Draft on"
         " Lab Policy@), <@A Pending Post About Evaluations@> and <@No Such Title@>.")
    edit(sample_store, 8, read_more="<@Curve Detectors@>")
    with sample_store.session(by="test") as s:
        entry = s.get(Entry, 9)
        entry.opinions.append(Opinion(position=9, author="Ada", text="Unlike <@Internal Draft on Lab Policy@>."))
    whole = dict(iter_entry_records(sample_store, public=True))
    for chosen in ([5], [8, 9], [5, 8, 9], list(whole)):
        assert dict(iter_entry_records(sample_store, public=True, only=chosen)) == {i: whole[i] for i in chosen}
    summary = whole[5].summary or ""
    assert "<@Zoom In: An Introduction to Circuits@>" in summary  # public: kept
    assert "Internal Draft" not in summary and "<@A Pending Post" not in summary  # not public: cut to their anchors
    assert "the draft" in summary and "A Pending Post About Evaluations" in summary


def test_a_splice_deflates_again_only_the_piece_of_the_sheet_holding_the_edited_row(
    sample_store, tmp_path, monkeypatch
):
    site = Site(sample_store, tmp_path)
    site.pieces = 300  # each row its own piece, or nearly
    site.build(None)
    kept = spans.load(site.folder, STEM, site.previous())
    assert kept is not None and len(kept.pieces.plain) > 10
    entry_id = public_ids(site.store)[4]  # in the middle of the sheet, and shown whole ("Yes")
    edit(site.store, entry_id, summary="Spliced into its own piece of the sheet.")
    deflated: list[int] = []
    deflate = zipped.deflated
    monkeypatch.setattr(zipped, "deflated", lambda data, final=True: deflated.append(len(data)) or deflate(data, final))
    splicing_only(monkeypatch)
    out = site.build([entry_id])
    monkeypatch.undo()
    assert len(deflated) == 1  # the edited row's piece; every other piece and part copied as it was
    assert contents(out) == site.whole()
    with zipfile.ZipFile(out / f"{STEM}.xlsx") as z:
        assert z.testzip() is None  # every part's CRC checks
    import openpyxl

    sheet = openpyxl.load_workbook(out / f"{STEM}.xlsx", read_only=True).active
    cells = [str(cell) for row in sheet.iter_rows(values_only=True) for cell in row]
    assert any("Spliced into its own piece of the sheet." in cell for cell in cells)


def test_a_sheet_not_made_of_the_pieces_its_spans_say_is_written_whole(site, monkeypatch):
    kept = spans.load(site.folder, STEM, site.previous())
    assert kept is not None
    kept.pieces.plain[0] += 1
    monkeypatch.setattr(spans, "load", lambda *a: kept)
    written_whole(site, monkeypatch, public_ids(site.store)[0], summary="Written whole.")
