"""`precis site build`: the command, its base URL and its errors."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import httpx
from tests.helpers import html_page, invoke


def test_site_build_with_a_base_url_makes_feed_and_canonical_links_absolute(sample_store, tmp_path):
    out = tmp_path / "site"
    result = invoke(sample_store, "site", "build", str(out), "--base-url", "https://example.org/archive")
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # wrapped to the terminal's width
    assert "Built the archive" in said and "search index rebuilt" in said
    feed = feedparser.parse((out / "feeds/issues.atom").read_bytes())
    assert [e.link for e in feed.entries] == [f"https://example.org/archive/issues/sn-{n}/" for n in (3, 2, 1)]
    assert feed.feed.id == "https://example.org/archive/feeds/issues.atom"
    body = feed.entries[1].content[0].value
    assert 'href="https://example.org/archive/entries/curve-detectors/"' in body
    page = html_page(out / "entries/curve-detectors/index.html")
    assert page.xpath("//link[@rel='canonical']/@href") == ["https://example.org/archive/entries/curve-detectors/"]
    # Pages themselves keep relative links, so the folder works wherever it is served from.
    assert page.xpath("//a[text()='SN #2']/@href") == ["../../issues/sn-2/"]


def test_site_build_rejects_a_relative_base_url(sample_store, tmp_path):
    result = invoke(sample_store, "site", "build", str(tmp_path / "s"), "--base-url", "archive/")
    assert result.exit_code == 1
    assert "the site's base URL 'archive/'" in str(result.exception)
    assert not (tmp_path / "s").exists()


def test_precis_serve_builds_the_site_and_answers_searches_over_http(sample_store, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    precis = Path(sys.executable).with_name("precis")
    server = subprocess.Popen(
        [str(precis), "--db", sample_store.display, "serve", "--site", str(tmp_path / "site"), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"{base}/api/health", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "precis serve did not start within 60 s"
                time.sleep(0.2)
        assert health.json() == {"status": "ok", "index_current": True}
        results = httpx.get(f"{base}/api/search", params={"q": "scaling laws"}).json()["results"]
        assert results[0]["title"] == "Scaling Laws for Neural Language Models"
        page = httpx.get(base + results[0]["url"])
        assert page.status_code == 200 and "<h1>Scaling Laws for Neural Language Models</h1>" in page.text
        assert (tmp_path / "site" / "pagefind" / "pagefind.js").is_file()
    finally:
        server.terminate()
        server.wait(timeout=30)
