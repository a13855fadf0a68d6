"""The link policy: only http, https and mailto links leave the store as links, judged as a browser reads them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from precis.links import ALLOWED_SCHEMES, as_browser_reads, link_problem, safe_url, scheme_of

HOSTILE = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "\x01javascript:alert(1)",
    "\x00 javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "jav\rascript:alert(1)",
    "\u200bjavascript:alert(1)",
    "vbscript:msgbox(1)",
    "VBScript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    " DATA:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "javascript:alert(1)\t",
]


@pytest.mark.parametrize("href", HOSTILE)
def test_a_hostile_link_is_never_a_link(href: str) -> None:
    assert safe_url(href) is None
    assert safe_url(href, base="https://example.org/") is None
    assert link_problem(href) is not None


@pytest.mark.parametrize(
    ("href", "url"),
    [
        ("https://arxiv.org/abs/1906.01820", "https://arxiv.org/abs/1906.01820"),
        (" HTTPS://example.org/a ", "HTTPS://example.org/a"),
        ("mailto:editor@example.org", "mailto:editor@example.org"),
        ("evt.to/abc", "https://evt.to/abc"),
        ("//example.org/x", "https://example.org/x"),
        ("\u200bhttps://example.org/", "https://example.org/"),
    ],
)
def test_a_web_or_mail_link_is_kept(href: str, url: str) -> None:
    assert safe_url(href) == url
    assert link_problem(href) is None


def test_a_path_is_joined_to_a_safe_base_only() -> None:
    assert safe_url("issues/1", base="https://example.org/news/") == "https://example.org/news/issues/1"
    assert safe_url("issues/1", base="javascript:alert(1)//") is None
    assert safe_url("issues/1") is None


@given(st.text())
def test_no_text_becomes_a_link_with_another_scheme(href: str) -> None:
    url = safe_url(href, base="https://example.org/news/")
    assert url is None or scheme_of(url) in ALLOWED_SCHEMES
    assert url is None or as_browser_reads(url) == url
