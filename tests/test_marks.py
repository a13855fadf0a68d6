"""The ``realdata`` and ``postgres`` marks come from the fixtures a test uses, so that
``pytest -m "not realdata"`` runs exactly the tests that run without ../shared."""

from __future__ import annotations

import os

import pytest

from tests.conftest import MARKING_FIXTURES
from tests.helpers import PRECIS_PATH, ROOT

MODULE = '''
import pytest

@pytest.fixture
def built_on_real(real_db_template):
    return real_db_template

def test_plain(tmp_path):
    assert tmp_path.exists()

def test_reads_the_sheet(real_xlsx):
    assert real_xlsx.exists()

def test_uses_a_copy_of_the_store(real_store):
    assert real_store

def test_uses_a_fixture_of_its_own_built_on_the_real_archive(built_on_real):
    assert built_on_real.exists()

def test_needs_postgresql(pg_url):
    assert pg_url
'''


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A small suite using the project's conftest, without the real archive and without PostgreSQL."""
    pytester.makeconftest("from tests.conftest import *  # noqa: F403 (its fixtures and its hook)\n")
    pytester.makepyfile(test_module=MODULE)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), PRECIS_PATH]))
    monkeypatch.setenv("PRECIS_REAL_XLSX", str(pytester.path / "absent.xlsx"))
    monkeypatch.delenv("PRECIS_TEST_PG_URL", raising=False)
    monkeypatch.delenv("CI", raising=False)
    return pytester


def test_not_realdata_leaves_out_every_test_that_would_skip_for_the_missing_archive(suite: pytest.Pytester):
    suite.runpytest_subprocess("-m", "realdata", "-p", "no:cacheprovider").assert_outcomes(skipped=3)
    kept = suite.runpytest_subprocess("-m", "not realdata and not postgres", "-p", "no:cacheprovider", "-rs")
    kept.assert_outcomes(passed=1)
    postgres = suite.runpytest_subprocess("-m", "postgres", "-p", "no:cacheprovider", "-rs")
    postgres.assert_outcomes(skipped=1)
    assert "PRECIS_TEST_PG_URL is not set" in postgres.stdout.str()


def test_every_collected_test_is_marked_by_its_fixtures_and_only_by_them(request: pytest.FixtureRequest):
    """No hand-written mark that disagrees with the fixtures: marked exactly when it reaches them."""
    wrong = [
        (item.nodeid, mark.name)
        for item in request.session.items
        for name, mark in MARKING_FIXTURES.items()
        if (name in getattr(item, "fixturenames", ())) != (item.get_closest_marker(mark.name) is not None)
    ]
    assert not wrong


def test_only_the_fixtures_know_where_the_real_archive_is():
    """A test reaching the sheet by its path would skip without being marked ``realdata``."""
    mentions = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "tests").rglob("*.py")
        if path.name != "conftest.py" and path != ROOT / "tests" / "test_marks.py"
        and ("alignment_newsletter.xlsx" in path.read_text() or "REAL_XLSX" in path.read_text())
    ]
    assert not mentions
