"""Where ingest fetches from and how politely: base URLs, pacing, retries and limits.

Every value has a default meant for real use and can be changed by an environment variable (or a
command-line option), so that tests point the arXiv endpoints at a server on 127.0.0.1 and run
without the 3-second pause the arXiv API asks for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from typing import Any

from precis.errors import PrecisError

ENV_PREFIX = "PRECIS_"


@dataclass(frozen=True)
class IngestConfig:
    # The arXiv API (Atom) and the base of arXiv abstract pages ("<base><id>").
    arxiv_api_url: str = "https://export.arxiv.org/api/query"
    arxiv_abs_url: str = "https://arxiv.org/abs/"
    # Seconds between two calls to the arXiv API: its terms of use ask for 3.
    arxiv_delay: float = 3.0
    # Results per arXiv API call (the API allows up to 2000; small pages are kinder).
    arxiv_page_size: int = 100
    # Seconds to wait for a connection or for the next bytes of a response.
    http_timeout: float = 20.0
    # Largest response body accepted, after decompression.
    http_max_bytes: int = 10 * 1024 * 1024
    http_max_redirects: int = 5
    # Retries after a 429, a 5xx, a timeout or a broken connection (so 1 + retries attempts).
    http_retries: int = 3
    # First backoff in seconds, doubled at each retry, unless the server sends Retry-After.
    http_backoff: float = 1.0
    # Longest Retry-After honoured; a server asking for more fails the fetch instead.
    http_max_wait: float = 120.0
    user_agent: str = "precis/0.1 (research-newsletter triage; +https://pypi.org/project/precis/)"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> IngestConfig:
        """Defaults, then PRECIS_<FIELD> environment variables, then non-None ``overrides``."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = ENV_PREFIX + f.name.upper()
            if name in env and env[name].strip():
                values[f.name] = _convert(name, env[name], type(getattr(cls(), f.name)))
        config = replace(cls(), **values)
        return replace(config, **{k: v for k, v in overrides.items() if v is not None})


def _convert(name: str, text: str, kind: type) -> Any:
    try:
        value = kind(text.strip())
    except ValueError:
        raise PrecisError(f"environment variable {name}={text!r}: expected a {kind.__name__}") from None
    if isinstance(value, (int, float)) and value < 0:
        raise PrecisError(f"environment variable {name}={text!r}: must not be negative")
    return value
