"""Shared fixtures, and the one place where tests get their ``realdata`` and ``postgres`` marks.

The real archive lives in ../shared/data (never in this repository). Tests that need it use the
``real_xlsx`` fixture (or one built on it): it skips with a reason when the file is absent, and fails
when CI=true so a missing fixture can never turn the suite green by skipping. Every test whose
fixtures reach ``real_xlsx`` is marked ``realdata``, and every one reaching ``pg_url`` ``postgres``,
so ``pytest -m "not realdata"`` runs exactly what runs without ../shared. Plain helper functions
are in ``tests/helpers.py``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from precis.sheets import read_file
from precis.store import Store, import_records
from tests.helpers import ROOT, init_store, load_sample, sheet_rows

pytest_plugins = ["pytester"]

# Property-based tests: a quick run in the suite; PRECIS_HYPOTHESIS=thorough runs 10,000 examples per
# property (the hardening floor, run by hand: see BENCHMARKS.md); deadlines off, since timings here
# are not what is being tested.
settings.register_profile("suite", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "thorough", max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("PRECIS_HYPOTHESIS", "suite"))

REAL_XLSX = Path(os.environ.get("PRECIS_REAL_XLSX", ROOT.parent / "shared" / "data" / "alignment_newsletter.xlsx"))
# The fixtures that mark a test using them, directly or through fixtures built on them.
MARKING_FIXTURES = {"real_xlsx": pytest.mark.realdata, "pg_url": pytest.mark.postgres}


@pytest.fixture(autouse=True, scope="session")
def _render_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Rendering keeps compiled templates and parsed texts in a cache folder of the test run's own,
    not the user's (commands run as processes inherit it)."""
    os.environ["PRECIS_RENDER_CACHE"] = str(tmp_path_factory.mktemp("render-cache"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by the fixtures it reaches (``fixturenames`` is their whole closure)."""
    for item in items:
        for name, mark in MARKING_FIXTURES.items():
            if name in getattr(item, "fixturenames", ()):
                item.add_marker(mark)


def _require_real() -> Path:
    if not REAL_XLSX.exists():
        reason = f"the real archive is absent: {REAL_XLSX}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: tests may not skip for a missing fixture)")
        pytest.skip(reason)
    return REAL_XLSX


@pytest.fixture(scope="session")
def real_xlsx() -> Path:
    """The path of the real Alignment Newsletter spreadsheet."""
    return _require_real()


@pytest.fixture(scope="session")
def real_records(real_xlsx: Path):
    """The real spreadsheet read into records (read once per test run)."""
    return read_file(real_xlsx)


@pytest.fixture(scope="session")
def real_sheet_rows(real_xlsx: Path) -> list[tuple]:
    """The real spreadsheet's rows as ``sheet_rows`` reads them (read once per test run)."""
    return sheet_rows(real_xlsx)


@pytest.fixture(scope="session")
def real_db_template(tmp_path_factory: pytest.TempPathFactory, real_records) -> Path:
    """A SQLite store with the real archive imported, made once; copy it, never write to it."""
    path = tmp_path_factory.mktemp("real") / "an.db"
    store = Store(str(path))
    store.init()
    import_records(store, real_records)
    store.close()
    return path


@pytest.fixture
def real_store(real_db_template: Path, tmp_path: Path) -> Store:
    """A private, writable copy of the store holding the real archive."""
    path = tmp_path / "an.db"
    shutil.copy(real_db_template, path)
    return Store(str(path))


@pytest.fixture
def sample_store(tmp_path: Path) -> Store:
    """A store holding the small sample publication the project ships."""
    return load_sample(Store(str(tmp_path / "sample.db")))


@pytest.fixture
def empty_store(tmp_path: Path) -> Store:
    """An initialized store with the default publication and no entries."""
    return init_store(Store(str(tmp_path / "empty.db")))


@pytest.fixture
def pg_url() -> str:
    """An empty PostgreSQL database (PRECIS_TEST_PG_URL, set by .ci/run); required under CI."""
    url = os.environ.get("PRECIS_TEST_PG_URL")
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("PRECIS_TEST_PG_URL is not set (CI=true: .ci/run starts PostgreSQL and sets it)")
        pytest.skip("PRECIS_TEST_PG_URL is not set; `.ci/run` starts a PostgreSQL server and sets it")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    # With the suite spread over processes (pytest-xdist), each has a database of its own.
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        base = make_url(url)
        mine = base.set(database=f"{base.database}_{worker}")
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": mine.database}).first():
                conn.execute(text(f'CREATE DATABASE "{mine.database}"'))
        admin.dispose()
        url = mine.render_as_string(hide_password=False)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url
