"""The archive in a real browser: Debian's Chromium driven by Playwright, over a local HTTP server.

Screenshots of every step are kept in ``test-artifacts/archive/``.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from precis.model import Entry
from precis.site import build_site
from tests.helpers import QuietHandler, chromium

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "archive"
RISKS = "Risks from Learned Optimization in Advanced Machine Learning Systems"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium(ARTIFACTS) as browser:
        yield browser


class Page:
    """A browser page that records console errors and failed requests."""

    def __init__(self, browser, **options) -> None:
        self.page = browser.new_page(viewport={"width": 1200, "height": 900}, **options)
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def result_titles(page) -> list[str]:
    return page.locator("#search-results li h2 a").all_text_contents()


def test_search_filter_open_an_entry_and_follow_referenced_by(browser, site_server):
    p = Page(browser)
    page = p.page
    page.goto(site_server)
    p.shot("01-home")
    page.get_by_label("Search titles, authors, summaries and opinions").fill("mesa optimizers")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=mesa\+optimizers"))
    page.wait_for_selector("#search-results li")
    assert RISKS in result_titles(page)
    unfiltered = page.locator("#search-status").text_content()
    p.shot("02-search")

    page.get_by_label("Category").select_option("Mesa optimization")
    # The status says "Searching…" in between: wait for the filtered count itself.
    page.wait_for_function(
        "(before) => { const t = document.querySelector('#search-status').textContent; "
        "return t !== before && /^[0-9]/.test(t); }",
        arg=unfiltered,
    )
    page.wait_for_selector("#search-results li")
    assert "category=Mesa+optimization" in page.url
    filtered = int(page.locator("#search-status").text_content().split()[0])
    assert filtered < int(unfiltered.split()[0])
    page.get_by_label("Year").select_option("2019")
    page.wait_for_function("new URL(location.href).searchParams.get('year') === '2019'")
    page.wait_for_function(
        "(most) => { const n = parseInt(document.querySelector('#search-status').textContent); return n > 0 && n < most; }",
        arg=filtered,
    )
    assert RISKS in result_titles(page)
    p.shot("03-filtered")

    page.get_by_role("link", name=RISKS).click()
    page.wait_for_url(re.compile(r"/entries/risks-from-learned-optimization-in-advanced-machine-learning-systems/$"))
    assert page.locator("h1").text_content() == RISKS
    p.shot("04-entry")

    page.get_by_label("Search the archive").fill("deep double descent")
    page.keyboard.press("Enter")
    page.wait_for_selector("#search-results li")
    page.get_by_role("link", name="Deep Double Descent", exact=True).click()
    page.wait_for_url(re.compile(r"/entries/deep-double-descent/$"))
    referenced_by = page.locator("section", has=page.locator("h2", has_text="Referenced by"))
    referenced_by.get_by_role("link", name="Is SGD a Bayesian Sampler? Well, almost.").click()
    page.wait_for_url(re.compile(r"/entries/is-sgd-a-bayesian-sampler-well-almost/$"))
    assert page.locator("h1").text_content() == "Is SGD a Bayesian Sampler? Well, almost."
    p.shot("05-referenced-by")
    assert p.errors == []


def test_statistics_draw_charts_and_the_reference_graph(browser, site_server):
    p = Page(browser)
    page = p.page
    page.goto(site_server + "stats/#graph=deep-double-descent")
    page.wait_for_function("window.Chart && Chart.getChart('chart-timeline') && Chart.getChart('chart-referenced')")
    assert page.evaluate("Chart.getChart('chart-timeline').data.datasets.length") >= 5
    assert page.evaluate("Chart.getChart('chart-summarizers').data.labels[0]") == "Rohin"
    page.wait_for_selector("#graph-list li")
    assert page.locator("#graph-entry").input_value() == "deep-double-descent"
    listed = page.locator("#graph-list li a").all_text_contents()
    assert "Is SGD a Bayesian Sampler? Well, almost." in listed
    assert page.locator("#graph canvas").count() > 0
    page.locator("#chart-timeline").scroll_into_view_if_needed()
    p.shot("06-stats")
    page.locator("#graph").scroll_into_view_if_needed()
    p.shot("07-graph")
    assert p.errors == []


def test_keyboard_users_can_skip_to_the_content_and_dark_mode_is_followed(browser, site_server):
    p = Page(browser, color_scheme="dark")
    page = p.page
    page.goto(site_server + "issues/an-58/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    red, green, blue = (int(x) for x in re.findall(r"\d+", background)[:3])
    assert red + green + blue < 150, background
    p.shot("08-issue-dark")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site_server + "entries/deep-double-descent/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    p.shot("09-entry-phone-dark")
    assert p.errors == []


def test_math_is_typeset_with_katex(browser, sample_store, tmp_path):
    with sample_store.session(by="test") as s:
        entry = s.scalars(select(Entry).where(Entry.title == "Scaling Laws for Neural Language Models")).one()
        entry.summary += "\n\nThe fit is $L(N) = (N_c / N)^{\\alpha_N}$, and\n\n$$\\int_0^1 x\\,dx = \\frac{1}{2}$$\n"
    build_site(sample_store, tmp_path / "site")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(tmp_path / "site"))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        p = Page(browser)
        p.page.goto(f"http://127.0.0.1:{server.server_address[1]}/entries/scaling-laws-for-neural-language-models/")
        p.page.wait_for_selector(".math .katex")
        assert p.page.locator(".math-inline .katex").count() == 1
        assert p.page.locator(".math-display .katex-display").count() == 1
        p.page.locator(".math-display").scroll_into_view_if_needed()
        p.shot("10-math")
        assert p.errors == []
    finally:
        server.shutdown()
    shutil.rmtree(tmp_path / "site")
