"""Every error a user can cause is one line, ``precis: error: ...``, naming what and where; exit 1.

One test (or a few) per class of error found by the probes of issue 12: a store from a newer
Précis, a missing database driver, two first imports at once, a read-only store, a foreign SQLite
file, write errors, a file where a folder should be, a publication file that is not UTF-8 or not
TOML, numbers too large for a store, database errors, queries made only of operators, and a site
build stopped midway.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from precis.errors import PrecisError
from precis.search import SearchIndex
from precis.site import build_site
from precis.site import writer as site_writer
from precis.store import Store
from tests.helpers import PRECIS_PATH, SAMPLE_CSV, load_sample, run_precis, sample_db

DRIVERS = "use a SQLite file path or a postgresql+psycopg:// URL"


def one_error(result: subprocess.CompletedProcess, message: str) -> None:
    """The command failed with exactly this one line on stderr, and exit 1."""
    assert (result.returncode, result.stderr) == (1, f"precis: error: {message}\n")


def tables(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A SQLite file holding the sample publication."""
    return sample_db(tmp_path / "sample.db")


# -- the store -----------------------------------------------------------------------------------


def test_a_store_from_a_newer_precis_is_named_and_left_alone(db):
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'f00d0000' WHERE version_num LIKE 'search_%'")
    before = tables(db)
    for command in (("init",), ("stats",), ("import", str(SAMPLE_CSV))):
        one_error(
            run_precis(db, *command),
            f"{db}: made by a newer version of Précis (schema f00d0000); upgrade Précis to use it",
        )
    assert tables(db) == before


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://editor:secret@db.example.org/an",
         "mysql://editor:***@db.example.org/an: the mysql driver is not installed (no module 'MySQLdb'); "
         f"pip install mysqlclient, or {DRIVERS}"),
        ("oracle://editor:secret@db.example.org/an",
         "oracle://editor:***@db.example.org/an: the oracle driver is not installed (no module 'oracledb'); "
         f"pip install oracledb, or {DRIVERS}"),
        ("postgresql+asyncpg://editor:secret@db.example.org/an",
         f"postgresql+asyncpg://editor:***@db.example.org/an: postgresql+asyncpg is an asyncio driver; {DRIVERS}"),
        ("nosuchdb://db.example.org/an",
         f"nosuchdb://db.example.org/an: no database driver named 'nosuchdb'; {DRIVERS}"),
    ],
)
def test_a_database_url_without_its_driver_names_the_driver_and_what_to_install(tmp_path, url, message):
    for module in ("MySQLdb", "oracledb"):
        if module in message and importlib.util.find_spec(module) is not None:
            pytest.skip(f"{module} is installed here")
    one_error(run_precis(url, "stats"), message)


def test_two_first_imports_at_once_both_succeed(tmp_path):
    for attempt in range(3):
        db = tmp_path / f"race-{attempt}.db"
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda path: run_precis(path, "import", str(SAMPLE_CSV)), [db, db]))
        for result in results:
            assert (result.returncode, result.stderr.strip()) == (0, ""), result.stderr
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT count(*) FROM entry").fetchone()[0] == 10
            assert conn.execute("SELECT count(*) FROM publication").fetchone()[0] == 1


def test_init_refuses_a_foreign_sqlite_file_before_writing_to_it(tmp_path):
    foreign = tmp_path / "accounts.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE account (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("CREATE TABLE entry (id INTEGER PRIMARY KEY)")
    for _ in range(2):
        one_error(
            run_precis(foreign, "init"),
            f"{foreign}: holds tables that are not a Précis store (account, entry); "
            "give a new file or an empty database",
        )
        assert tables(foreign) == ["account", "entry"]


def test_a_file_that_is_not_a_database_is_named(tmp_path):
    notes = tmp_path / "notes.db"
    notes.write_text("these are my notes, not a database\n" * 100)
    one_error(run_precis(notes, "stats"), f"{notes}: not a SQLite database")


def test_a_database_error_names_the_store(db):
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE opinion")
    one_error(run_precis(db, "stats"), f"database error in {db}: no such table: opinion")


# -- search --------------------------------------------------------------------------------------


def test_search_on_a_read_only_store_uses_its_index_or_says_why_not(db):
    read_only = f"sqlite:///file:{db}?mode=ro&uri=true"
    one_error(
        run_precis(read_only, "search", "circuits"),
        f"{read_only}: the store is read-only and its search index was never made; "
        "search it once where it can be written",
    )
    assert run_precis(db, "search", "circuits").returncode == 0  # made once, with write access
    found = run_precis(read_only, "search", "circuits")
    assert (found.returncode, found.stderr) == (0, "")
    assert "Zoom In: An Introduction to Circuits" in found.stdout


@pytest.fixture
def shared_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder the user nobody may use too (tests run as root run their command as nobody)."""
    folder = Path(tempfile.mkdtemp(prefix="precis-test-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_search_on_a_read_only_file(db, shared_folder):
    assert run_precis(db, "search", "circuits").returncode == 0
    shared = shared_folder / "sample.db"
    shutil.copy(db, shared)
    shared.chmod(0o444)
    found = run_precis(shared, "search", "circuits", unprivileged=True)
    assert (found.returncode, found.stderr) == (0, "")


@pytest.mark.parametrize("query", ["AND", "OR", "NOT", "NEAR", "AND OR NOT"])
def test_a_query_of_operators_only_finds_nothing(sample_store, query):
    index = SearchIndex(sample_store)
    assert index.search(query) == []
    assert index.search(f"circuits {query}")  # beside words, operators are left out


@pytest.mark.parametrize("query", ["AND", "NOT", "NEAR OR"])
def test_a_query_of_operators_only_finds_nothing_on_postgresql(pg_url, query):
    store = load_sample(Store(pg_url))
    try:
        index = SearchIndex(store)
        assert index.search(query) == []
        assert index.search(f"circuits {query}")
    finally:
        store.close()


def test_a_query_of_operators_only_says_so_on_the_command_line(db):
    result = run_precis(db, "search", "AND")
    assert (result.returncode, result.stdout.strip()) == (0, "No public entry matches.")


# -- files ---------------------------------------------------------------------------------------


@pytest.fixture
def full(tmp_path: Path) -> Path:
    """A folder with a name in it that writes to a full disk (a link to /dev/full)."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    return tmp_path


def test_writing_to_a_full_disk_names_the_file(db, full):
    for name in ("out.csv", "out.json", "out.md"):
        (full / name).symlink_to("/dev/full")
    for command in (("export", str(full / "out.csv")), ("export", str(full / "out.json")),
                    ("render", "1", "-o", str(full / "out.md"))):
        one_error(run_precis(db, *command), f"{command[-1]}: cannot write: No space left on device")
    outdir = full / "all"
    outdir.mkdir()
    (outdir / "sn-1.md").symlink_to("/dev/full")
    one_error(run_precis(db, "render", "--all", "--out", str(outdir), "--formats", "markdown"),
              f"{outdir / 'sn-1.md'}: cannot write: No space left on device")


def test_a_full_standard_output_is_named(db, full):
    with open("/dev/full", "w") as out:
        result = subprocess.run(
            [sys.executable, "-m", "precis", "--db", str(db), "render", "1"],
            stdout=out, stderr=subprocess.PIPE, text=True, timeout=300,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": PRECIS_PATH},
        )
    assert (result.returncode, result.stderr) == (1, "precis: error: standard output: No space left on device\n")


def test_a_site_build_that_cannot_write_names_the_file(db, full):
    outdir = full / "site"
    assert run_precis(db, "site", "build", str(outdir)).returncode == 0
    page = outdir / "index.html"
    page.unlink()  # so that the build writes it again
    # A page is written beside itself, then renamed into place: that file is on a full disk.
    scratch = outdir / ".index.html.precis-new"
    scratch.symlink_to("/dev/full")
    one_error(run_precis(db, "site", "build", str(outdir)), f"{page}: cannot write: No space left on device")
    assert not scratch.exists() and not scratch.is_symlink()  # nothing half-written is left behind


def test_a_directory_where_a_file_should_be_is_named(db, tmp_path):
    (tmp_path / "out.md").mkdir()
    target = tmp_path / "out.md"
    one_error(run_precis(db, "render", "1", "-o", str(target)), f"{target}: cannot write: Is a directory")


def test_a_read_only_folder_is_named(db, shared_folder):
    shutil.copy(db, shared_folder / "sample.db")
    (shared_folder / "sample.db").chmod(0o666)
    db = shared_folder / "sample.db"
    locked = shared_folder / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        target = locked / "an.md"
        one_error(run_precis(db, "render", "1", "-o", str(target), unprivileged=True),
                  f"{target}: cannot write: Permission denied")
        result = run_precis(db, "site", "build", str(locked / "site"), unprivileged=True)
        assert result.returncode == 1 and result.stderr.count("\n") == 1 and str(locked / "site") in result.stderr
    finally:
        locked.chmod(0o755)


def test_a_file_where_a_folder_should_be_is_named(db, tmp_path):
    existing = tmp_path / "issues"
    existing.write_text("an existing file\n")
    one_error(run_precis(db, "render", "--all", "--out", str(existing)),
              f"{existing}: a file, not a folder; give a folder for the rendered issues")
    assert existing.read_text() == "an existing file\n"


def test_a_publication_file_that_is_not_utf8_names_the_byte_and_line(tmp_path):
    settings = tmp_path / "pub.toml"
    settings.write_bytes('name = "Le Précis"\nissue_prefix = "LP"\n'.encode("latin-1"))
    one_error(run_precis(tmp_path / "new.db", "init", "--publication", str(settings)),
              f"{settings}: not UTF-8: byte 0xe9 at line 1, column 14; save the file as UTF-8")
    assert not (tmp_path / "new.db").exists() or tables(tmp_path / "new.db") == []


def test_a_publication_file_that_is_not_toml_names_the_line_and_column(tmp_path):
    settings = tmp_path / "pub.toml"
    settings.write_text('name = "Précis"\nissue_prefix = \n')
    one_error(run_precis(tmp_path / "new.db", "init", "--publication", str(settings)),
              f"{settings}: invalid TOML: Invalid value (at line 2, column 16)")


# -- numbers -------------------------------------------------------------------------------------


def test_numbers_too_large_for_a_store_are_named(db):
    huge = "99999999999999999999"
    one_error(run_precis(db, "entry", "show", huge), f"TITLE_OR_ID {huge}: no entry has so large an id")
    one_error(run_precis(db, "triage", "set", huge, "--priority", "3"), f"ID {huge}: no candidate has that id")
    one_error(run_precis(db, "search", "circuits", "--limit", huge), f"--limit {huge}: give a number from 1 to 100")
    assert run_precis(db, "search", "circuits", "--year", huge).returncode == 0


# -- the archive ---------------------------------------------------------------------------------


def site_files(outdir: Path) -> dict[str, bytes]:
    """Every file of a built site but the manifest, the spreadsheets (their bytes hold the time they
    were made) and Pagefind's index (its file names and bytes differ from one build to the next)."""
    files = {p.relative_to(outdir).as_posix(): p for p in sorted(outdir.rglob("*")) if p.is_file()}
    return {
        name: b"" if name.endswith(".xlsx") else path.read_bytes()
        for name, path in files.items()
        if name != ".precis-site.json" and not name.startswith("pagefind/")
    }


def unlisted(outdir: Path) -> set[str]:
    """Files in the folder that its manifest does not list (that no later build would clean up)."""
    listed = set(json.loads((outdir / ".precis-site.json").read_text())["files"])
    on_disk = {p.relative_to(outdir).as_posix() for p in outdir.rglob("*") if p.is_file()}
    return on_disk - listed - {".precis-site.json"}


@pytest.mark.parametrize("stop", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_site_build_stopped_midway_is_finished_by_the_next(sample_store, tmp_path, monkeypatch, stop):
    clean = tmp_path / "clean"
    build_site(sample_store, clean)
    outdir = tmp_path / "site"
    real_write = site_writer._write_file
    written = []

    def write_then_stop(path: str, data: bytes) -> None:
        written.append(path)
        if len(written) == 40:
            raise stop
        real_write(path, data)

    # A first build into a new folder, stopped (a full disk, Ctrl-C) after 39 files.
    with monkeypatch.context() as patch:
        patch.setattr(site_writer, "_write_file", write_then_stop)
        with pytest.raises((PrecisError, KeyboardInterrupt)):
            build_site(sample_store, outdir)
    (outdir / "entries" / "left-behind.html").write_text("a file the stopped build could have written")
    build_site(sample_store, outdir)
    assert site_files(outdir) == site_files(clean)
    assert unlisted(outdir) == set()
    assert build_site(sample_store, outdir).written == []  # and the one after that has nothing to do
