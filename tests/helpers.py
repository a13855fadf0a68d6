"""Plain helpers shared by the tests (fixtures live in the ``conftest.py`` files).

Running Précis as a user does (``run_precis``, a subprocess; ``invoke``, in this process), loading
the shipped sample publication, reading what a command wrote (sheets, tables, HTML pages, every
file of a built site), and requiring a system program.
"""

from __future__ import annotations

import atexit
import functools
import gzip
import http.server
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import lxml.html
import openpyxl
import pytest
from sqlalchemy import text
from typer.testing import CliRunner, Result

import precis
from precis.cli import app
from precis.publication import load_settings
from precis.sheets import read_file
from precis.store import Store, import_records
from precis.store.engine import sqlite_path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CSV = ROOT / "src" / "precis" / "data" / "sample.csv"
SAMPLE_TOML = ROOT / "src" / "precis" / "data" / "sample.toml"
# Where the ``precis`` these tests imported lives: subprocesses run that same code.
PRECIS_PATH = str(Path(precis.__file__).resolve().parents[1])


def run_precis(
    db: Path | str, *args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None, timeout: float = 300,
    unprivileged: bool = False,
) -> subprocess.CompletedProcess:
    """``precis --db DB ARGS`` as a user runs it: a new process with a small environment (``env``
    adds to it), running the same ``precis`` as the tests. ``unprivileged`` runs it as the user
    nobody when the tests run as root (who may write where permissions say no one may)."""
    base = {"COLUMNS": "200", "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": PRECIS_PATH}
    as_nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    prefix = as_nobody if unprivileged and os.geteuid() == 0 else []
    return subprocess.run(
        [*prefix, sys.executable, "-m", "precis", "--db", str(db), *args],
        capture_output=True, text=True, timeout=timeout, cwd=cwd, env={**base, **(env or {})},
    )


def invoke(store: Store | Path | str, *args: str, input: str | None = None) -> Result:
    """``precis --db STORE ARGS`` run in this process (fast), reading ``input`` as its standard
    input; the caller checks the exit code."""
    db = store.display if isinstance(store, Store) else str(store)
    return CliRunner().invoke(app, ["--db", db, *args], input=input)


def load_sample(store: Store) -> Store:
    """``store`` initialized with the sample publication and its entries imported.

    A new SQLite file is a copy of one loaded so once per test run (``_template``): the same rows,
    without a schema migration and an import for every test (a second or more each)."""
    if not _copy_template("sample", store):
        _load_sample(store)
    return store


def init_store(store: Store) -> Store:
    """``store`` initialized as ``Store.init()`` does it (the default publication, no entries);
    a new SQLite file is a copy of one made so once per test run, as in ``load_sample``."""
    if not _copy_template("empty", store):
        store.init()
    return store


def _load_sample(store: Store) -> None:
    store.init(load_settings(SAMPLE_TOML))
    import_records(store, read_file(SAMPLE_CSV))


_MAKERS = {"sample": _load_sample, "empty": Store.init}


@functools.cache
def _template(kind: str) -> Path:
    """A SQLite file made by ``_MAKERS[kind]``, once per test run, in a folder removed at exit."""
    folder = tempfile.mkdtemp(prefix="precis-test-templates-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = Path(folder) / f"{kind}.db"
    store = Store(str(path))
    _MAKERS[kind](store)
    store.close()
    return path


def _copy_template(kind: str, store: Store) -> bool:
    """Copy the ``kind`` template into ``store`` when it is a SQLite file that does not exist yet
    (so no connection has been opened on it); False, with nothing done, for any other store."""
    path = sqlite_path(store.url) if store.is_sqlite else None
    if path is None or path.exists():
        return False
    source, target = sqlite3.connect(_template(kind)), sqlite3.connect(path)
    try:
        source.backup(target)  # a consistent copy, whatever is still in the template's WAL
    finally:
        source.close()
        target.close()
    return True


def sample_db(path: Path) -> Path:
    """A SQLite file holding the sample publication, with no connection left open."""
    store = load_sample(Store(str(path)))
    store.close()
    return path


def sheet_rows(path: Path) -> list[tuple]:
    """Each row as (value, hyperlink target, hyperlink location) for the 14 AN columns."""
    ws = openpyxl.load_workbook(path).worksheets[0]
    rows = []
    for row in ws.iter_rows():
        rows.append(
            tuple(
                (c.value, c.hyperlink.target if c.hyperlink else None, c.hyperlink.location if c.hyperlink else None)
                for c in row[:14]
            )
        )
    return rows


def table_rows(store: Store, tables: Iterable[str]) -> dict[str, list[tuple]]:
    """Every row of each table, sorted: equal before and after means nothing was added or altered."""
    with store.engine.connect() as conn:
        return {t: sorted(map(tuple, conn.execute(text(f"SELECT * FROM {t}")))) for t in tables}


def html_page(path: Path) -> lxml.html.HtmlElement:
    """The root element of an HTML file."""
    return lxml.html.parse(str(path)).getroot()


def file_texts(outdir: Path) -> Iterator[tuple[str, str]]:
    """(site path, text) for every file of a built site, unpacking gzip (Pagefind's index) and
    zip (.xlsx) so that their contents can be searched too."""
    for path in sorted(p for p in outdir.rglob("*") if p.is_file()):
        data = path.read_bytes()
        rel = path.relative_to(outdir).as_posix()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        if data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for name in z.namelist():
                    yield f"{rel}!{name}", z.read(name).decode("utf-8", "replace")
            continue
        if rel.startswith("assets/vendor/"):
            continue  # third-party libraries
        yield rel, data.decode("utf-8", "replace")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder without logging every request."""

    def log_message(self, format: str, *args: object) -> None:
        pass


def require_program(name: str) -> str:
    """The path of a system program the tests need; a skip (a failure under CI) when missing."""
    path = shutil.which(name)
    if path is None:
        reason = f"{name} is not installed (apt-get install {'ffmpeg' if name == 'ffprobe' else name})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; CI must install it")
        pytest.skip(reason)
    return path


def free_port() -> int:
    """A TCP port on loopback that nothing listens on (now)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def precis_serve(db: Path, workdir: Path, env: Mapping[str, str], *options: str, port: int | None = None,
                 timeout: float = 180) -> Iterator[str]:
    """A real ``precis serve`` of ``db`` (its site folder in ``workdir``, its output in
    ``workdir/serve.log``) on loopback; its URL once ``/api/health`` answers. Stopped on leaving."""
    import time

    import httpx

    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = workdir / "serve.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "precis", "--db", str(db), "serve", "--port", str(port),
             "--site", str(workdir / "site"), *options],
            stdout=log, stderr=subprocess.STDOUT, env=dict(env),
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                assert server.poll() is None, log_path.read_text()
                try:
                    if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "precis serve did not answer: " + log_path.read_text()
                time.sleep(0.2)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(5)


@contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """A real Redis server (Debian's ``redis-server``) on a free loopback port, with nothing saved to
    disk; its URL. Stopped on leaving."""
    import socket
    import time

    program = require_program("redis-server")
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen(
        [program, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {port}") from None
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=30)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


@contextmanager
def chromium(artifacts: Path) -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (a ``Browser``), with ``artifacts`` made for its
    screenshots. Skips when chromium is absent; fails under CI=true, where it must be there."""
    if not CHROMIUM.exists():
        reason = "Debian's chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    artifacts.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


#: PostgreSQL: each (word, document) of ``search_vector``'s vectors with its part of the rank,
#: derived afresh (as ``search_word`` must hold it: the migration ``search_0003``): the occurrences
#: of weight A, and the others in tenths (D 1, C 2, B 4); NULL for a document two of whose words
#: share a position.
_WORD_PARTS = (
    "WITH crowded AS (SELECT DISTINCT v.entry_id FROM search_vector v, unnest(v.tsv) u, unnest(u.positions) p "
    "GROUP BY v.entry_id, p HAVING count(*) > 1) "
    "SELECT u.lexeme, v.entry_id, "
    "CASE WHEN c.entry_id IS NULL THEN count(*) FILTER (WHERE x.w = 'A') END, "
    "CASE WHEN c.entry_id IS NULL THEN count(*) FILTER (WHERE x.w = 'D') + 2 * count(*) FILTER (WHERE x.w = 'C') "
    "+ 4 * count(*) FILTER (WHERE x.w = 'B') END "
    "FROM search_vector v LEFT JOIN crowded c USING (entry_id), unnest(v.tsv) u, unnest(u.weights) AS x(w) "
    "GROUP BY u.lexeme, v.entry_id, c.entry_id"
)


def search_words(store: Store) -> set[tuple[str, int, int | None, int | None]]:
    """PostgreSQL: the rows of ``search_word``, after checking that they are what ``search_vector``
    gives afresh."""
    with store.session() as s:
        words = {tuple(row) for row in s.execute(text("SELECT word, entry_id, whole, tenths FROM search_word"))}
        assert words == {tuple(row) for row in s.execute(text(_WORD_PARTS))}
    return words  # type: ignore[return-value]
