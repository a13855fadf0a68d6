"""Is this the same work? The one home of that rule: URL keys, arXiv ids, DOIs and title keys.

Ingest (is this candidate already known?), assist (which entries were filed twice?) and the editions
(where did another publication summarize this work?) all ask this module; none keeps a copy of its
own. Other rules built on these keys stay with their users: the fuzzy title match and its number rule
in ``ingest/dedup.py``, the "distinct works" rule in ``assist/duplicates.py``. A cross-reference's
title key (``markup.normalize_key``) is a different rule, what ``<@Title@>`` matches, and lives in
``markup.py``.

The archive writes links in many forms ("http://arxiv.org/abs/1811.10840v1",
"https://www.alignmentforum.org/posts/ID/slug#comment"), feeds add tracking parameters, and one
forum post lives on lesswrong.com, alignmentforum.org and greaterwrong.com at once. These functions
turn each form into one key, so comparison is a dictionary look-up. Paths and post ids keep their
letter case: "posts/AbC…" and "posts/abc…" are two posts.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from rapidfuzz import utils as fuzz_utils

# New-style ids (0704.0001 onwards) and old-style ones (hep-th/9901001, math.GT/0309136).
_ARXIV_NEW = r"\d{4}\.\d{4,5}"
_ARXIV_OLD = r"[a-z][a-z\-]+(?:\.[A-Za-z]{2})?/\d{7}"
_ARXIV_ID = rf"(?P<id>{_ARXIV_NEW}|{_ARXIV_OLD})(?:v(?P<version>\d+))?"
_ARXIV_URL = re.compile(
    rf"^(?:[\w-]+\.)*arxiv\.org/(?:abs|pdf|html|format|ps)/{_ARXIV_ID}(?:\.pdf)?/?$", re.I
)
_ARXIV_TEXT = re.compile(rf"^\s*(?:arxiv:\s*)?{_ARXIV_ID}\s*$", re.I)
_ARXIV_DOI = re.compile(rf"\b10\.48550/arxiv\.{_ARXIV_ID}(?![\w.])", re.I)
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"'<>#?]+)", re.I)
_DOI_HOSTS = ("doi.org", "dx.doi.org")
# Hosts serving the same ForumMagnum posts under the same post ids.
_FORUM_HOSTS = {
    "lesswrong.com": "lesswrong",
    "alignmentforum.org": "lesswrong",
    "greaterwrong.com": "lesswrong",
    "lesswrong.greaterwrong.com": "lesswrong",
    "alignment-forum.greaterwrong.com": "lesswrong",
    "forum.effectivealtruism.org": "eaforum",
    "ea.greaterwrong.com": "eaforum",
}
_FORUM_POST = re.compile(r"^/posts/([A-Za-z0-9]{17})(?:/|$)")
# Query parameters that say where a click came from, not what was asked for.
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|ref_src|source|s|sk|si)$", re.I)


def split_arxiv_id(text: str | None) -> tuple[str, int | None] | None:
    """("1811.10840", 1) from "arXiv:1811.10840v1", "https://arxiv.org/pdf/1811.10840v1.pdf",
    "10.48550/arXiv.1811.10840" and the like; None when ``text`` names no arXiv paper."""
    if not text:
        return None
    text = text.strip()
    m = _ARXIV_TEXT.match(text) or _ARXIV_DOI.search(unquote(text))
    if m is None:
        host_path = re.sub(r"^[a-z]+://", "", text, flags=re.I).split("?")[0].split("#")[0]
        m = _ARXIV_URL.match(host_path)
    if m is None:
        return None
    version = m.group("version")
    return m.group("id"), int(version) if version else None


def arxiv_id(text: str | None) -> str | None:
    """The arXiv id without its version, or None."""
    found = split_arxiv_id(text)
    return found[0] if found else None


def doi_of(text: str | None) -> str | None:
    """The DOI in a DOI name or a URL (doi.org/…, …/doi/full/…), lower-cased; None if there is none."""
    if not text:
        return None
    text = unquote(text.strip())
    if text.lower().startswith("doi:"):
        text = text[4:].strip()
    parts = urlsplit(text) if "://" in text else None
    if parts is not None:
        host = (parts.hostname or "").lower()
        path = parts.path
        if host not in _DOI_HOSTS and not re.search(r"/doi/(?:abs/|full/|pdf/|epdf/)?10\.", path):
            return None
        text = path
    m = _DOI.search(text)
    if m is None:
        return None
    doi = m.group(1).rstrip(".,;)")
    if arxiv_id(doi):
        return None  # arXiv's own DOIs are handled as arXiv ids
    return doi.lower()


def url_key(url: str | None) -> str | None:
    """A key under which two links to the same page are equal.

    Scheme, "www.", default ports, fragments, trailing slashes and tracking parameters do not
    count; an arXiv link becomes its versionless id; a LessWrong / Alignment Forum / GreaterWrong
    post becomes its post id.
    """
    if not url or "://" not in url:
        return None
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if not host:
        return None
    found = arxiv_id(url)
    if found:
        return f"arxiv:{found}"
    host = host.removeprefix("www.")
    forum = _FORUM_HOSTS.get(host)
    if forum:
        post = _FORUM_POST.match(parts.path)
        if post:
            return f"{forum}:{post.group(1)}"
    port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    path = re.sub(r"/+", "/", unquote(parts.path)).rstrip("/")
    path = re.sub(r"/index\.html?$", "", path)
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k)))
    return f"{host}{port}{path}" + (f"?{query}" if query else "")


_SITE_NAMES = {
    "alignmentforum.org": "Alignment Forum",
    "lesswrong.com": "LessWrong",
    "forum.effectivealtruism.org": "EA Forum",
}


def site_of(url: str | None) -> str | None:
    """The venue a link itself names, as the archive writes it: "arXiv", "LessWrong",
    "Alignment Forum", "EA Forum"; None for any other site."""
    key = url_key(url) or ""
    if key.startswith("arxiv:"):
        return "arXiv"
    if not key.startswith(("lesswrong:", "eaforum:")):
        return None
    host = (urlsplit(url or "").hostname or "").lower().removeprefix("www.")
    return _SITE_NAMES.get(host, "LessWrong" if key.startswith("lesswrong:") else "EA Forum")


def title_key(title: str | None) -> str:
    """The title lower-cased, accents and punctuation dropped, spaces collapsed."""
    if not title:
        return ""
    text = unicodedata.normalize("NFKD", title)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(fuzz_utils.default_process(text).split())


def numbers_in(key: str) -> tuple[str, ...]:
    """The numbers in a title key, in order: "Part 1" and "Part 2" are different works."""
    return tuple(re.findall(r"\d+", key))


def work_keys(link: str | None, title: str | None) -> list[str]:
    """The keys of an entry-like record (its link and its title), strongest first.

    The link's key ("arxiv:1811.10840", "lesswrong:ZDZmopKquzHYPRNxq", "example.org/post"), its DOI
    ("doi:10.1111/1758-5899.12890") and its title's key ("title:deep double descent"). Two records
    are the same work when they share a key; look keys up in this order so that a link match wins
    over a title match.
    """
    keys = []
    if found := url_key(link):
        keys.append(found)
    if found := doi_of(link):
        keys.append(f"doi:{found}")
    if found := title_key(title):
        keys.append(f"title:{found}")
    return keys
