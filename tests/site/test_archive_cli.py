"""`precis site build`: the command, its base URL and its errors."""

from __future__ import annotations

import feedparser
import lxml.html
from typer.testing import CliRunner

from precis.cli import app

runner = CliRunner()


def test_site_build_with_a_base_url_makes_feed_and_canonical_links_absolute(sample_store, tmp_path):
    out = tmp_path / "site"
    result = runner.invoke(app, ["--db", sample_store.display, "site", "build", str(out), "--base-url", "https://example.org/archive"])
    assert result.exit_code == 0, result.output
    assert "Built the archive" in result.output and "search index rebuilt" in result.output
    feed = feedparser.parse((out / "feeds/issues.atom").read_bytes())
    assert [e.link for e in feed.entries] == [f"https://example.org/archive/issues/sn-{n}/" for n in (3, 2, 1)]
    assert feed.feed.id == "https://example.org/archive/feeds/issues.atom"
    body = feed.entries[1].content[0].value
    assert 'href="https://example.org/archive/entries/curve-detectors/"' in body
    page = lxml.html.parse(str(out / "entries/curve-detectors/index.html")).getroot()
    assert page.xpath("//link[@rel='canonical']/@href") == ["https://example.org/archive/entries/curve-detectors/"]
    # Pages themselves keep relative links, so the folder works wherever it is served from.
    assert page.xpath("//a[text()='SN #2']/@href") == ["../../issues/sn-2/"]


def test_site_build_rejects_a_relative_base_url(sample_store, tmp_path):
    result = runner.invoke(app, ["--db", sample_store.display, "site", "build", str(tmp_path / "s"), "--base-url", "archive/"])
    assert result.exit_code == 1
    assert "--base-url 'archive/'" in str(result.exception)
    assert not (tmp_path / "s").exists()
