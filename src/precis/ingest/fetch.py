"""HTTP for ingest: httpx with timeouts, size and redirect limits, retries and polite pacing.

Every failure becomes one ``PrecisError`` line that starts with the source being fetched ("feed
https://…", "arXiv API"), so a user knows which of several sources went wrong. Nothing here writes
to the store: callers fetch first and write afterwards, so a failed fetch changes nothing.
"""

from __future__ import annotations

import codecs
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus

import httpx

from precis.errors import PrecisError
from precis.ingest.config import IngestConfig

# Statuses that mean "try again later" rather than "this will never work".
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""")


def one_line(text: object) -> str:
    return " ".join(str(text).split())


@dataclass
class Fetched:
    """A response body that was read whole, within the limits."""

    source: str
    url: str  # the final URL, after redirects
    status: int
    headers: httpx.Headers
    content: bytes

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def media_type(self) -> str:
        return str(self.headers.get("content-type", "")).split(";")[0].strip().lower()

    def declared_charset(self) -> str | None:
        """The charset the response declares: the Content-Type header, else the document itself."""
        for param in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return str(value).strip().strip("\"'")
        head = self.content[:4096]
        found = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
        return found.group(1).decode("ascii") if found else None

    def text(self) -> str:
        """The body decoded strictly: bytes that are not valid in the declared charset (UTF-8 when
        none is declared) are an error, never a silent guess that would put mojibake in the store."""
        declared = self.declared_charset()
        charset = declared or "utf-8"
        try:
            codec = codecs.lookup(charset)
        except LookupError:
            raise PrecisError(f"{self.source}: declares an unknown character set {charset!r}") from None
        data = self.content
        if codec.name == "utf-8" and data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
        try:
            return data.decode(codec.name)
        except UnicodeDecodeError as exc:
            how = f"declared {declared}" if declared else "no charset declared, so UTF-8 was expected"
            raise PrecisError(
                f"{self.source}: not valid {charset} text (byte 0x{data[exc.start]:02x} at offset "
                f"{exc.start}; {how})"
            ) from None


class RateLimiter:
    """At least ``interval`` seconds between the starts of two requests."""

    def __init__(
        self,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._last: float | None = None

    def wait(self) -> None:
        if self._last is not None:
            remaining = self._last + self.interval - self._clock()
            if remaining > 0:
                self._sleep(remaining)
        self._last = self._clock()


class _Transient(Exception):
    """A failure worth retrying: a timeout or a broken connection."""


class Fetcher:
    """One HTTP client for a run of ingest; use it as a context manager."""

    def __init__(
        self,
        config: IngestConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = config
        self._sleep = sleep
        self._client = httpx.Client(
            timeout=httpx.Timeout(config.http_timeout),
            follow_redirects=True,
            max_redirects=config.http_max_redirects,
            headers={"User-Agent": config.user_agent},
            transport=transport,
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(
        self,
        url: str,
        source: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        limiter: RateLimiter | None = None,
        body_on: frozenset[int] = frozenset(),
    ) -> Fetched:
        """GET ``url``, retrying 429/5xx/timeouts with exponential backoff (or Retry-After).

        A 304 comes back as a ``Fetched`` with ``not_modified`` set, and so does an error status
        listed in ``body_on``, with its body (an API's error message); any other status of 400 or
        more, an oversized body or a redirect loop is a ``PrecisError`` naming ``source``.
        """
        if not re.match(r"^https?://", url, re.I):
            raise PrecisError(f"{source}: {url!r} is not an http:// or https:// URL")
        cfg = self.config
        attempts = cfg.http_retries + 1
        problem = ""
        for attempt in range(attempts):
            if limiter is not None:
                limiter.wait()
            wait = cfg.http_backoff * 2**attempt
            try:
                fetched = self._once(url, source, params, headers, body_on)
            except _Transient as exc:
                problem = str(exc)
            else:
                if fetched.status not in RETRY_STATUSES:
                    return fetched
                problem = f"HTTP {fetched.status} {_reason(fetched.status)}"
                retry_after = parse_retry_after(fetched.headers.get("retry-after"))
                if retry_after is not None:
                    if retry_after > cfg.http_max_wait:
                        raise PrecisError(
                            f"{source}: {problem}; the server asks to retry after {retry_after:g} s, "
                            f"longer than the {cfg.http_max_wait:g} s limit (PRECIS_HTTP_MAX_WAIT)"
                        )
                    wait = retry_after
            if attempt + 1 < attempts:
                self._sleep(wait)
        raise PrecisError(f"{source}: {problem}, still failing after {attempts} attempts")

    def _once(
        self,
        url: str,
        source: str,
        params: Mapping[str, str | int] | None,
        headers: Mapping[str, str] | None,
        body_on: frozenset[int],
    ) -> Fetched:
        cfg = self.config
        limit = cfg.http_max_bytes
        try:
            with self._client.stream("GET", url, params=params, headers=headers) as response:
                status = response.status_code
                final = str(response.url)
                if status in RETRY_STATUSES or status == 304:
                    return Fetched(source, final, status, response.headers, b"")
                if status >= 400 and status not in body_on:
                    where = f" (redirected to {final})" if final != url and not params else ""
                    raise PrecisError(f"{source}: HTTP {status} {_reason(status)}{where}")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise PrecisError(
                        f"{source}: the response is {int(declared):,} bytes, more than the "
                        f"{limit:,}-byte limit (PRECIS_HTTP_MAX_BYTES)"
                    )
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > limit:
                        raise PrecisError(
                            f"{source}: the response is larger than the {limit:,}-byte limit "
                            "(PRECIS_HTTP_MAX_BYTES)"
                        )
                return Fetched(source, final, status, response.headers, bytes(body))
        except httpx.TooManyRedirects:
            raise PrecisError(
                f"{source}: more than {cfg.http_max_redirects} redirects (a redirect loop?)"
            ) from None
        except httpx.TimeoutException:
            raise _Transient(f"no answer within {cfg.http_timeout:g} s (timeout)") from None
        except httpx.DecodingError as exc:
            raise PrecisError(f"{source}: the response cannot be decompressed: {one_line(exc)}") from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise PrecisError(f"{source}: cannot fetch {url!r}: {one_line(exc)}") from None
        except httpx.TransportError as exc:
            raise _Transient(f"connection failed: {one_line(exc) or type(exc).__name__}") from None


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
