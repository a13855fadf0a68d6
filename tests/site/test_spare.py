"""A new interpreter made ahead of need (``precis.site.spare``): the next build that may not fork
takes it, already started, unless it ended or this process's environment changed since."""

from __future__ import annotations

import os

import pytest

from precis.site import spare

# Reads one line of work and answers it on standard error, as the downloads' child reads its arguments.
ECHO = "import sys; sys.stderr.write('got ' + sys.stdin.readline())"


@pytest.fixture(autouse=True)
def nothing_ready():
    spare._discard()
    yield
    spare._discard()


def test_the_interpreter_made_ready_is_the_one_taken_and_does_its_work():
    spare.make_ready(ECHO)
    ready = spare._ready[ECHO].process
    spare.make_ready(ECHO)  # one is ready already: no second one
    assert spare._ready[ECHO].process is ready
    taken = spare.interpreter(ECHO)
    assert taken is ready and ECHO not in spare._ready
    assert taken.communicate("work\n")[1] == "got work\n" and taken.returncode == 0


def test_without_one_ready_a_new_interpreter_is_made():
    taken = spare.interpreter(ECHO)
    assert taken.communicate("work\n")[1] == "got work\n"


def test_one_that_ended_is_not_taken():
    spare.make_ready(ECHO)
    ended = spare._ready[ECHO].process
    ended.kill()
    ended.wait()
    taken = spare.interpreter(ECHO)
    assert taken is not ended and taken.communicate("work\n")[1] == "got work\n"


def test_one_made_in_another_environment_is_not_taken_and_is_ended(monkeypatch):
    spare.make_ready(ECHO)
    stale = spare._ready[ECHO].process
    monkeypatch.setenv("PRECIS_RENDER_CACHE", os.devnull)  # say, where the caches are
    taken = spare.interpreter(ECHO)
    assert taken is not stale and stale.returncode is not None
    taken.communicate("work\n")


def test_one_left_waiting_is_ended_at_exit():
    spare.make_ready(ECHO)
    waiting = spare._ready[ECHO].process
    spare._discard()  # what runs at exit
    assert waiting.returncode is not None and spare._ready == {}
