"""A real HTTP server on 127.0.0.1, started by the tests, serving the fixture pages and feeds.

Routes:
- ``/static/NAME``: the fixture file NAME, with a content type from its extension (``types``
  overrides it per file).
- ``/conditional/NAME``: the same, with an ETag and Last-Modified, answering 304 when the request's
  If-None-Match or If-Modified-Since matches.
- ``/api/query``: the arXiv API, answering from ``arxiv_api.xml`` by ``start``/``max_results`` or
  ``id_list`` (a malformed id gets the API's error feed with HTTP 400).
- ``/abs/2406.04102[vN]``: that paper's arXiv abstract page (``arxiv_abs.html``).
- ``/status/CODE``: always that status.  ``/slow``: answers after ``slow_seconds``.
- ``/huge``: an endless body without Content-Length.  ``/huge-declared``: a Content-Length of 1 GB.
- ``/loop/a`` and ``/loop/b``: redirect to each other forever.
Any path can be given canned answers first with ``script(path, ...)``: "429 then success"; a
``Canned(PASS)`` lets one request through ("first page fine, then 500s").
Every request is recorded in ``requests``.
"""

from __future__ import annotations

import hashlib
import re
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import etree

FIXTURES = Path(__file__).parent / "fixtures"
TYPES = {
    ".xml": "application/rss+xml",
    ".html": "text/html",
}
ATOM = "{http://www.w3.org/2005/Atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
LAST_MODIFIED = formatdate(1717920000, usegmt=True)


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


PASS = 0  # a Canned status meaning "answer this request normally"


@dataclass
class Canned:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class _QuietServer(ThreadingHTTPServer):
    """A client closing its kept-alive connection (as httpx does at the end) is not an error."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FixtureServer:
    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.types: dict[str, str] = {}
        self.scripts: dict[str, deque[Canned]] = {}
        self.slow_seconds = 2.0
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:
                return None

            def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
                parts = urlsplit(self.path)
                with server.lock:
                    server.requests.append(
                        Seen("GET", parts.path, parse_qs(parts.query), {k.lower(): v for k, v in self.headers.items()})
                    )
                    queue = server.scripts.get(parts.path)
                    canned = queue.popleft() if queue else None
                if canned is not None and canned.status != PASS:
                    return self.answer(canned.status, canned.body, canned.headers)
                try:
                    server.route(self, parts.path, parse_qs(parts.query))
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                headers = dict(headers or {})
                headers.setdefault("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                if body:
                    self.wfile.write(body)

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def script(self, path: str, *answers: Canned) -> None:
        with self.lock:
            self.scripts[path] = deque(answers)

    def seen(self, path: str) -> list[Seen]:
        return [r for r in self.requests if r.path == path]

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.scripts.clear()
            self.types.clear()
            self.slow_seconds = 2.0

    # -- routes ------------------------------------------------------------------------------

    def route(self, h: BaseHTTPRequestHandler, path: str, query: dict[str, list[str]]) -> None:
        if path.startswith("/static/"):
            name = path.removeprefix("/static/")
            return h.answer(200, (FIXTURES / name).read_bytes(), {"Content-Type": self.type_of(name)})
        if path.startswith("/conditional/"):
            return self.conditional(h, path.removeprefix("/conditional/"))
        if path == "/api/query":
            return self.arxiv_api(h, query)
        if path.startswith("/abs/2406.04102"):
            return h.answer(200, (FIXTURES / "arxiv_abs.html").read_bytes(), {"Content-Type": "text/html; charset=utf-8"})
        if m := re.fullmatch(r"/status/(\d{3})", path):
            return h.answer(int(m.group(1)), b"failing on purpose", {"Content-Type": "text/plain"})
        if path == "/slow":
            time.sleep(self.slow_seconds)
            return h.answer(200, b"<html><title>late</title></html>", {"Content-Type": "text/html"})
        if path == "/huge":
            return self.huge(h)
        if path == "/huge-declared":
            h.send_response(200)
            h.send_header("Content-Type", "text/html")
            h.send_header("Content-Length", str(10**9))
            h.end_headers()
            h.wfile.write(b"<html>")
            return None
        if path == "/loop/a":
            return h.answer(302, b"", {"Location": "/loop/b"})
        if path == "/loop/b":
            return h.answer(302, b"", {"Location": "/loop/a"})
        return h.answer(404, b"no such fixture route", {"Content-Type": "text/plain"})

    def type_of(self, name: str) -> str:
        if name in self.types:
            return self.types[name]
        return TYPES.get(Path(name).suffix, "application/octet-stream")

    def conditional(self, h: BaseHTTPRequestHandler, name: str) -> None:
        body = (FIXTURES / name).read_bytes()
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        validators = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
        if h.headers.get("If-None-Match") == etag or h.headers.get("If-Modified-Since") == LAST_MODIFIED:
            return h.answer(304, b"", validators)
        return h.answer(200, body, {"Content-Type": self.type_of(name), **validators})

    def huge(self, h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Connection", "close")
        h.end_headers()
        chunk = b"<p>" + b"x" * 65536 + b"</p>\n"
        deadline = time.monotonic() + 10  # bounded: stops by itself
        while time.monotonic() < deadline:
            h.wfile.write(chunk)

    def arxiv_api(self, h: BaseHTTPRequestHandler, query: dict[str, list[str]]) -> None:
        tree = etree.parse(str(FIXTURES / "arxiv_api.xml"))
        root = tree.getroot()
        entries = root.findall(f"{ATOM}entry")
        ids = [i for i in ",".join(query.get("id_list", [])).split(",") if i]
        if ids:
            if any(not re.fullmatch(r"\d{4}\.\d{4,5}(v\d+)?", i) for i in ids):
                body = (FIXTURES / "arxiv_api_error.xml").read_bytes()
                return h.answer(400, body, {"Content-Type": "application/atom+xml; charset=UTF-8"})
            wanted = {i.split("v")[0] for i in ids}
            keep = [e for e in entries if e.findtext(f"{ATOM}id").rsplit("/", 1)[1].split("v")[0] in wanted]
            start = 0
        else:
            start = int(query.get("start", ["0"])[0])
            size = int(query.get("max_results", ["10"])[0])
            keep = entries[start : start + size]
        for e in entries:
            if e not in keep:
                root.remove(e)
        root.find(f"{OPENSEARCH}totalResults").text = str(len(keep) if ids else len(entries))
        root.find(f"{OPENSEARCH}startIndex").text = str(start)
        root.find(f"{OPENSEARCH}itemsPerPage").text = str(len(keep))
        body = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
        return h.answer(200, body, {"Content-Type": "application/atom+xml; charset=UTF-8"})


@pytest.fixture(scope="session")
def _fixture_server():
    server = FixtureServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def server(_fixture_server: FixtureServer, monkeypatch: pytest.MonkeyPatch) -> FixtureServer:
    """The fixture server, with ingest pointed at it (never at arXiv) and fast retries."""
    _fixture_server.reset()
    monkeypatch.setenv("PRECIS_ARXIV_API_URL", _fixture_server.url("/api/query"))
    monkeypatch.setenv("PRECIS_ARXIV_ABS_URL", _fixture_server.url("/abs/"))
    monkeypatch.setenv("PRECIS_ARXIV_DELAY", "0")
    monkeypatch.setenv("PRECIS_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("PRECIS_HTTP_RETRIES", "2")
    monkeypatch.setenv("PRECIS_HTTP_TIMEOUT", "5")
    return _fixture_server


@pytest.fixture(autouse=True)
def _no_public_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even a test that forgets the server never reaches arXiv: the endpoints point nowhere."""
    monkeypatch.setenv("PRECIS_ARXIV_API_URL", "http://127.0.0.1:9/api/query")
    monkeypatch.setenv("PRECIS_ARXIV_ABS_URL", "http://127.0.0.1:9/abs/")
