"""The link policy: may this text leave the store as a link, and as which URL?

Every link an output makes from stored text passes ``safe_url``: the editions, the archive's pages,
its feeds and downloads, the podcast feed and the search API. Only http, https and mailto links
pass (the site's own relative links are made by the site, not read from the store). A stored link
is judged as a browser would read it: browsers drop leading and trailing control characters and
spaces and every tab and newline inside a URL, and read the scheme without regard to case, so
``" Java\\tScript:alert(1)"`` is a ``javascript:`` link and is refused. Text that fails the policy
is kept in the store as written; it is shown as text, never as a link.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urljoin, urlsplit

from precis.errors import PrecisError

#: The schemes a stored link may have to be shown as a link.
ALLOWED_SCHEMES = ("http", "https", "mailto")

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_DOMAIN = re.compile(r"^(?:www\.)?[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*\.[a-zA-Z]{2,}(?:[/?#:]|$)")
# Characters pasted in front of links in the sheet that no browser shows: zero-width spaces, joiners, BOM.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_ZERO_WIDTH_ESCAPED = "%E2%80%8B"
# What a browser drops: C0 controls and space at either end, ASCII tab and newlines anywhere.
_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")


def as_browser_reads(href: str) -> str:
    """The link text as a browser's URL parser sees it, with pasted invisible characters dropped."""
    text = _TAB_OR_NEWLINE.sub("", href).strip(_C0_OR_SPACE)
    while text[:9].upper() == _ZERO_WIDTH_ESCAPED or (text and text[0] in _INVISIBLE):
        text = text[9:] if text[:9].upper() == _ZERO_WIDTH_ESCAPED else text[1:]
        text = text.strip(_C0_OR_SPACE)
    return text


def scheme_of(href: str) -> str | None:
    """The link's scheme in lower case ("https", "javascript"), or None for a relative link."""
    match = _SCHEME.match(as_browser_reads(href))
    return match.group(1).lower() if match else None


_UNPRINTABLE = re.compile(r"[\x00-\x20\x7f]")


def _encoded(url: str) -> str:
    """Control characters and spaces inside a URL, percent-encoded as a browser would send them."""
    return _UNPRINTABLE.sub(lambda m: f"%{ord(m.group()):02X}", url)


def safe_url(href: str | None, base: str | None = None) -> str | None:
    """The link as an absolute URL that may be shown as a link, or None (then show the text unlinked).

    Sheet links are sometimes written without a scheme ("evt.to/abc", "www.x.org") or start with
    "//"; both become https links. A path is joined to ``base`` (the publication's URL), when
    ``base`` itself passes the policy. Anything else, and every scheme but http, https and mailto,
    gives None.
    """
    if not href:
        return None
    text = as_browser_reads(href)
    if not text or text.startswith("#"):
        return None
    match = _SCHEME.match(text)
    if match:
        scheme = match.group(1).lower()
        return _encoded(text) if scheme in ALLOWED_SCHEMES and len(text) > len(scheme) + 1 else None
    if text.startswith(("//", "\\\\", "/\\", "\\/")):
        return "https://" + _encoded(text[2:]) if text[2:] else None
    if _DOMAIN.match(unquote(text)):
        return "https://" + _encoded(text)
    base_url = safe_url(base) if base else None
    if base_url and not base_url.startswith("mailto:"):
        joined = _encoded(urljoin(base_url, text))
        return joined if scheme_of(joined) in ("http", "https") else None
    return None


def link_problem(href: str | None, base: str | None = None) -> str | None:
    """Why a stored link will be shown as text rather than as a link (None when it is a link, or
    when there is no link): the words ``precis check`` reports."""
    if not href or not as_browser_reads(href) or safe_url(href, base) is not None:
        return None
    scheme = scheme_of(href)
    allowed = ", ".join(ALLOWED_SCHEMES)
    if scheme is not None and scheme not in ALLOWED_SCHEMES:
        return f"{href!r} is a {scheme}: link; only {allowed} links are shown as links"
    return f"{href!r} is not a link a reader can follow (expected an {allowed} URL)"


def base_url_of(url: str, field: str) -> str:
    """``url`` as the base that absolute links are made from (where a site or its audio files are
    published), ending in "/".

    A base is written by the publisher, not pasted from a sheet, so it is not repaired: it must be
    an absolute http or https URL with a host, without spaces or control characters, or a
    ``PrecisError`` names ``field`` (what the caller calls the setting).
    """
    parts = urlsplit(url)
    if _UNPRINTABLE.search(url) or parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise PrecisError(f"{field} {url!r}: give an absolute http(s) address, e.g. https://example.org/archive/")
    return url.rstrip("/") + "/"
