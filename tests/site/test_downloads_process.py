"""The downloads' child process: forked from the builder where that is safe (the main thread, on
Linux), a new interpreter elsewhere (``precis serve``'s builds run in other threads); the same
files either way, a failure said in one line, and a child stopped when the build gives up."""

from __future__ import annotations

import os
import threading
import zipfile
from pathlib import Path

import pytest

from precis.errors import PrecisError
from precis.site import downloads, spare
from precis.site.downloads import DownloadsProcess, Made
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
    assert other.wait() == made and isinstance(made, Made) and made.count > 0
    assert files(forked) == files(spawned)
    assert child.child.pid == 0  # waited for: no child left behind
    # The next build in another thread takes the interpreter made ready when that one was done.
    ready = spare._ready[downloads.CHILD].process
    again = tmp_path / "again"
    again.mkdir()
    third = in_thread(lambda: DownloadsProcess(store.url, again, "x", {}, tmp_path / "site"))
    assert third.process is ready
    assert third.wait() == made and files(again) == files(forked)


def test_a_new_interpreter_says_why_it_failed_in_one_line(store, tmp_path):
    blocked = tmp_path / "blocked"
    (blocked / "x.json").mkdir(parents=True)
    said = r"^writing the downloads failed: \S*/blocked/x\.json: cannot write: Is a directory$"
    with pytest.raises(PrecisError, match=said):
        in_thread(lambda: DownloadsProcess(store.url, blocked, "x", {}, tmp_path / "site")).wait()


def test_a_build_in_another_thread_that_gives_up_stops_its_child(store, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    child = in_thread(lambda: DownloadsProcess(store.url, folder, "x", {}, tmp_path / "site"))
    assert child.process is not None
    child.stop()
    assert child.process.returncode is not None


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
