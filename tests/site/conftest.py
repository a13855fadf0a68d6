"""Fixtures for the archive: the real archive with some entries made private, built once.

``private_store`` is a copy of the real archive in which a few entries are set to "No" and a few
to "Link only" (chosen below so that every public output can be checked for them); ``built_site``
is that store's site, built once per test session.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from precis.markup import parse
from precis.model import Entry
from precis.site import BuildReport, build_site
from precis.store import Store

from tests.helpers import QuietHandler

# Entries of the real archive made private in ``private_store`` (titles as in the sheet).
# "The Bitter Lesson" is referred to by three public summaries and refers to one entry itself.
HIDDEN = ["The Bitter Lesson", "Learning to Interactively Learn and Assist"]
LINK_ONLY = ["Generalizing the Power-Seeking Theorems"]


@dataclass
class PrivateEntry:
    id: int
    title: str
    level: str
    phrase: str  # words from its summary that appear in no public text
    referenced: bool  # whether a public summary refers to it


def distinctive_phrase(text: str, others: str) -> str:
    """A run of plain words (40+ characters) from ``text`` that ``others`` does not contain."""
    plain = parse(text).plain()
    for run in sorted(re.findall(r"[A-Za-z][A-Za-z ,]{40,}[A-Za-z]", plain), key=len, reverse=True):
        phrase = " ".join(run.split()[:10])
        if len(phrase) >= 40 and phrase not in others:
            return phrase
    raise AssertionError(f"no distinctive phrase in {text[:60]!r}")


@pytest.fixture(scope="session")
def private_store(real_db_template: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, list[PrivateEntry]]:
    path = tmp_path_factory.mktemp("archive") / "an.db"
    shutil.copy(real_db_template, path)
    store = Store(str(path))
    store.require()
    chosen: list[PrivateEntry] = []
    with store.session(by="test") as s:
        entries = s.scalars(select(Entry)).all()
        wanted = {t: "No" for t in HIDDEN} | {t: "Link only" for t in LINK_ONLY}
        picked = {e.title.strip(): e for e in entries if e.title.strip() in wanted}
        assert set(picked) == set(wanted), f"missing from the real archive: {set(wanted) - set(picked)}"
        public_text = "\n".join(
            (e.summary or "") + "".join(o.text for o in e.opinions) for e in entries if e.title.strip() not in wanted
        )
        for title, entry in picked.items():
            entry.public_level = wanted[title]
            texts = (entry.summary or "") + "\n\n" + "\n\n".join(o.text for o in entry.opinions)
            chosen.append(PrivateEntry(
                entry.id, title, wanted[title], distinctive_phrase(texts, parse(public_text).plain()),
                title.casefold() in public_text.casefold(),
            ))
    return store, chosen


@pytest.fixture(scope="session")
def built_site(private_store, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildReport]:
    store, _ = private_store
    outdir = tmp_path_factory.mktemp("site") / "out"
    report = build_site(store, outdir)
    return outdir, report


@pytest.fixture(scope="session")
def site_server(built_site) -> Iterator[str]:
    """The built site served over HTTP on 127.0.0.1 (a random free port); yields its base URL."""
    outdir, _ = built_site
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(outdir)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    thread.join()
