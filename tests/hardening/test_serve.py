"""``precis serve`` follows privacy at once and serves only a folder of its own.

An entry made private in the store (through the library, as the newsroom will) must be gone from the
very next page a reader asks for, from the issue page that held it, and from the search API; and
the site ``serve`` builds by default lives in a new folder only its user can read, removed on exit.
"""

from __future__ import annotations

import stat
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select
from starlette.testclient import TestClient

from precis.model import Entry
from precis.site import build_site
from precis.store import Store
from precis.web import create_app
from precis.web.app import Built, Snapshot
from tests.helpers import invoke, load_sample

ZOOM = "Zoom In: An Introduction to Circuits"
ZOOM_PAGE = "/entries/zoom-in-an-introduction-to-circuits/"


@pytest.fixture
def served(tmp_path: Path) -> tuple[Store, TestClient]:
    store = load_sample(Store(str(tmp_path / "sample.db")))
    before = Snapshot.of(store)
    report = build_site(store, tmp_path / "site")
    return store, TestClient(create_app(store, tmp_path / "site", built=Built(before, report.entry_paths)))


def set_level(store: Store, title: str, level: str) -> None:
    with store.session(by="test") as s:
        s.scalars(select(Entry).where(Entry.title == title)).one().public_level = level


def test_an_entry_made_private_is_gone_from_the_next_request(served: tuple[Store, TestClient]) -> None:
    store, client = served
    assert client.get(ZOOM_PAGE).status_code == 200
    assert ZOOM in client.get("/issues/sn-1/").text
    assert ZOOM in [r["title"] for r in client.get("/api/search", params={"q": "circuits"}).json()["results"]]

    set_level(store, ZOOM, "No")
    assert client.get(ZOOM_PAGE).status_code == 404
    issue = client.get("/issues/sn-1/")
    assert issue.status_code == 200 and ZOOM not in issue.text
    assert ZOOM not in client.get("/feeds/issues.rss").text
    assert ZOOM not in [r["title"] for r in client.get("/api/search", params={"q": "circuits"}).json()["results"]]

    set_level(store, ZOOM, "Yes")  # and back: public again once the rebuild is done, which the
    assert client.get("/data/charts.json").status_code == 200  # chart data (showing every entry) waits for
    assert client.get(ZOOM_PAGE).status_code == 200


def test_an_unchanged_store_is_not_rebuilt(served: tuple[Store, TestClient], monkeypatch: pytest.MonkeyPatch) -> None:
    _store, client = served
    monkeypatch.setattr("precis.site.build_site", _refuse)
    assert client.get("/").status_code == 200
    assert client.get(ZOOM_PAGE).status_code == 200


def _refuse(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("the site was rebuilt although the store did not change")


def test_during_a_rebuild_only_pages_showing_the_change_wait(
    served: tuple[Store, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, client = served
    release = threading.Event()

    def held_build(*args: Any, **kwargs: Any) -> Any:
        release.wait()
        return build_site(*args, **kwargs)

    monkeypatch.setattr("precis.site.build_site", held_build)
    set_level(store, ZOOM, "No")
    assert client.get(ZOOM_PAGE).status_code == 404  # at once, while the rebuild is held
    assert client.get("/assets/site.css").status_code == 200  # shows no entry: served at once
    answers: list[str] = []
    paths = ("/issues/sn-1/", "/feeds/issues.atom", "/authors/chris-olah/", "/")
    readers = [threading.Thread(target=lambda p=p: answers.append(client.get(p).text)) for p in paths]
    for t in readers:
        t.start()
    readers[0].join(timeout=1)
    assert readers[0].is_alive()  # the issue page that held the entry waits for the rebuild
    release.set()
    for t in readers:
        t.join()
    assert len(answers) == 4 and not any(ZOOM in a for a in answers)


def test_serve_builds_into_a_new_private_folder_and_removes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = load_sample(Store(str(tmp_path / "sample.db")))
    seen: list[Path] = []

    def run(app: Any, **options: Any) -> None:
        site = app.routes[-1].app.site_dir
        assert site.parent == Path(tempfile.gettempdir()).resolve()
        seen.append(site)
        assert stat.S_IMODE(site.stat().st_mode) == 0o700
        assert (site / "index.html").is_file()

    monkeypatch.setattr(uvicorn, "run", run)
    for _ in range(2):
        result = invoke(store, "serve")
        assert result.exit_code == 0, (result.output, result.exception)
    assert len(seen) == 2 and seen[0] != seen[1]
    assert not any(site.exists() for site in seen)


def test_serve_keeps_a_folder_it_was_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = load_sample(Store(str(tmp_path / "sample.db")))
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: None)
    result = invoke(store, "serve", "--site", str(tmp_path / "mine"))
    assert result.exit_code == 0, (result.output, result.exception)
    assert (tmp_path / "mine" / "index.html").is_file()


def test_a_failed_rebuild_is_answered_503_with_its_reason_never_the_old_page(
    served: tuple[Store, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, client = served

    def failing_build(*args: Any, **kwargs: Any) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr("precis.site.build_site", failing_build)
    set_level(store, ZOOM, "No")
    answer = client.get("/issues/sn-1/")
    assert answer.status_code == 503 and "No space left on device" in answer.text and ZOOM not in answer.text
