"""The archive site of the shipped sample, built by the command a user runs: a page for every
public entry and none for the hidden one, and every relative link leads to a file of the site."""

from __future__ import annotations

import csv
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from precis.site.urls import slugify
from tests.helpers import SAMPLE_CSV, SAMPLE_TOML, html_page, invoke

LINKING = ("//a/@href", "//link/@href", "//script/@src", "//img/@src", "//form/@action")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sample-site")
    db = folder / "sample.db"
    for args in (("init", "--publication", str(SAMPLE_TOML)), ("import", str(SAMPLE_CSV)),
                 ("site", "build", str(folder / "site"))):
        result = invoke(db, *args)
        assert result.exit_code == 0, (args, result.output, result.exception)
    return folder / "site"


def sample_titles(level: str | None = None) -> list[str]:
    with open(SAMPLE_CSV, newline="", encoding="utf-8") as f:
        return [r["Title"] for r in csv.DictReader(f) if level is None or r["Public?"] == level]


def test_every_published_public_entry_has_a_page_and_the_others_none(site: Path):
    pages = {p.parent.name for p in (site / "entries").glob("*/index.html")}
    pending = "A Pending Post About Evaluations"  # Email status Pending: approved, not yet published
    public = [t for t in sample_titles() if t not in sample_titles("No") and t != pending]
    assert len(public) == 8
    assert pages == {slugify(t) for t in public}
    for title in public:
        assert html_page(site / "entries" / slugify(title) / "index.html").xpath("//h1")[0].text_content() == title
    (hidden,) = sample_titles("No")
    assert not (site / "entries" / slugify(hidden)).exists()
    assert not (site / "entries" / slugify(pending)).exists()


def test_every_issue_has_a_page_listing_its_public_entries(site: Path):
    issue = html_page(site / "issues" / "sn-2" / "index.html").text_content()
    assert "Curve Detectors" in issue and "Learning to summarize from human feedback" in issue
    assert "Internal Draft on Lab Policy" not in issue
    assert {p.parent.name for p in (site / "issues").glob("*/index.html")} == {"sn-1", "sn-2", "sn-3"}


def test_every_relative_link_of_every_page_points_at_a_file_of_the_site(site: Path):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 50
    broken, checked = [], 0
    for page in pages:
        for target in (t for xpath in LINKING for t in html_page(page).xpath(xpath)):
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not parts.path:
                continue  # another site, or a place in this page
            if parts.path.startswith("/"):
                broken.append((page.relative_to(site).as_posix(), target))  # breaks when served from a folder
                continue
            resolved = (page.parent / unquote(parts.path)).resolve()
            if parts.path.endswith("/") or resolved.is_dir():
                resolved = resolved / "index.html"
            checked += 1
            if not resolved.is_file() or site.resolve() not in resolved.parents:
                broken.append((page.relative_to(site).as_posix(), target))
    assert checked > 1000
    assert not broken
