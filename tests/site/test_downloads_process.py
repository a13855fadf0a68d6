"""The downloads' child process: forked from the builder where that is safe (the main thread, on
Linux), a new interpreter elsewhere (``precis serve``'s builds run in other threads); the same
files either way, a failure said in one line, and a child stopped when the build gives up."""

from __future__ import annotations

import os
import signal
import threading
import zipfile
from pathlib import Path

import pytest

from precis.errors import PrecisError
from precis.site import build_site, downloads, spare
from precis.site.build import start_downloads
from precis.site.downloads import DownloadsProcess, Made
from precis.site.writer import SiteWriter
from precis.store import Store
from tests.helpers import load_sample


@pytest.fixture
def store(tmp_path: Path):
    store = load_sample(Store(str(tmp_path / "sample.db")))
    yield store
    store.close()


def in_thread(make):
    """What ``make()`` returns, made in another thread than the main one."""
    out = []
    worker = threading.Thread(target=lambda: out.append(make()))
    worker.start()
    worker.join()
    return out[0]


def files(folder: Path) -> dict[str, bytes]:
    """The downloads' content (of the .xlsx, its parts: its package carries the time it was made)."""
    out = {name: (folder / name).read_bytes() for name in ("x.csv", "x.json")}
    with zipfile.ZipFile(folder / "x.xlsx") as z:
        out.update({f"xlsx:{n}": z.read(n) for n in z.namelist() if not n.startswith("docProps/")})
    return out


def test_a_forked_child_and_a_new_interpreter_write_the_same_downloads(store, tmp_path):
    forked, spawned = tmp_path / "forked", tmp_path / "spawned"
    forked.mkdir()
    spawned.mkdir()
    child = DownloadsProcess(store.url, forked, "x", {}, tmp_path / "site")
    assert child.child is not None and child.process is None  # forked: the main thread, on Linux
    made = child.wait()
    other = in_thread(lambda: DownloadsProcess(store.url, spawned, "x", {}, tmp_path / "site"))
    assert other.process is not None and other.child is None  # another thread: a new interpreter
    assert in_thread(other.wait) == made and isinstance(made, Made) and made.count > 0
    assert files(forked) == files(spawned)
    assert child.child.pid == 0  # waited for: no child left behind
    # The next build in another thread takes the interpreter made ready when that one was done.
    ready = spare._ready[downloads.CHILD].process
    again = tmp_path / "again"
    again.mkdir()
    third = in_thread(lambda: DownloadsProcess(store.url, again, "x", {}, tmp_path / "site"))
    assert third.process is ready
    assert in_thread(third.wait) == made and files(again) == files(forked)


def test_a_new_interpreter_says_why_it_failed_in_one_line(store, tmp_path):
    blocked = tmp_path / "blocked"
    (blocked / "x.json").mkdir(parents=True)
    said = r"^writing the downloads failed: \S*/blocked/x\.json: cannot write: Is a directory$"
    with pytest.raises(PrecisError, match=said):
        in_thread(lambda: DownloadsProcess(store.url, blocked, "x", {}, tmp_path / "site")).wait()


def test_a_build_in_another_thread_that_gives_up_stops_its_child(store, tmp_path):
    # After a build, a child that can splice into its downloads waits for the builder's decision:
    # a build that gives up before deciding kills it.
    site = tmp_path / "site"
    build_site(store, site)
    pending = in_thread(lambda: start_downloads(store, SiteWriter(site), {1}))
    child = pending.process.process
    assert child is not None
    pending.stop()
    assert child.returncode == -signal.SIGKILL


def test_a_command_that_could_not_fork_makes_no_child_ahead(store, tmp_path, monkeypatch):
    # Its one build done, a command ends: a child made for a next build would be made for nothing.
    spare._discard()
    monkeypatch.setattr(downloads, "may_fork", lambda: False)
    child = DownloadsProcess(store.url, tmp_path, "x", {}, tmp_path / "site")
    assert child.process is not None and child.child is None
    assert child.wait().count > 0
    assert downloads.CHILD not in spare._ready


def test_a_failing_child_says_why_in_one_line(store, tmp_path, monkeypatch):
    folder = tmp_path / "out"
    folder.mkdir()
    monkeypatch.setattr(downloads, "write_downloads", lambda *a: (_ for _ in ()).throw(PrecisError("disk full")))
    with pytest.raises(PrecisError, match=r"^writing the downloads failed: disk full$"):
        DownloadsProcess(store.url, folder, "x", {}, tmp_path / "site").wait()
    monkeypatch.setattr(downloads, "write_downloads", lambda *a: 1 / 0)
    with pytest.raises(PrecisError, match=r"^writing the downloads failed: ZeroDivisionError: division by zero$"):
        DownloadsProcess(store.url, folder, "x", {}, tmp_path / "site").wait()


def test_a_build_that_gives_up_stops_its_child(store, tmp_path, monkeypatch):
    folder = tmp_path / "out"
    folder.mkdir()
    monkeypatch.setattr(downloads, "write_downloads", lambda *a: threading.Event().wait(60))
    child = DownloadsProcess(store.url, folder, "x", {}, tmp_path / "site")
    assert child.child is not None
    pid = child.child.pid
    child.stop()
    assert child.child.pid == 0
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: no zombie
