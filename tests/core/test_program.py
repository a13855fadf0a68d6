"""The ``precis`` program leaves without tearing the interpreter down (``precis.program``), and
loses nothing by it: every byte of its output, its exit status, every exit handler its libraries
registered, and a store closed as it should be."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.helpers import PRECIS_PATH, invoke, run_precis

#: ``precis ARGS`` through ``precis.program.main``, with every exit handler registered from then on
#: wrapped so that it writes its name to LOG when it runs.
SPIED = """
import atexit, sys
LOG, *args = sys.argv[1:]
registered = []
real = atexit.register

def spy(handler, *a, **k):
    name = getattr(handler, "__qualname__", repr(handler))
    registered.append(name)

    def run(*a2, **k2):
        with open(LOG, "a") as log:
            log.write(name + "\\n")
        return handler(*a2, **k2)

    real(run, *a, **k)
    return handler

atexit.register = spy
sys.argv = ["precis", *args]
from precis import program
try:
    program.main()
finally:
    with open(LOG + ".registered", "w") as out:
        out.write("\\n".join(registered))
"""


def test_the_whole_output_reaches_a_pipe_and_the_status_is_the_commands(real_store):
    # A rendered issue is several times what standard output buffers: the last of it is written too.
    said = run_precis(real_store.display, "render", "100", "--format", "html")
    assert said.returncode == 0, said.stderr
    expected = invoke(real_store, "render", "100", "--format", "html").stdout
    assert len(expected) > 4 * 8192
    assert said.stdout == expected
    failed = run_precis(real_store.display, "render", "999")
    assert failed.returncode == 1 and failed.stderr.startswith("precis: error: ")
    assert run_precis(real_store.display, "no-such-command").returncode == 2


def test_every_exit_handler_runs_before_precis_leaves(sample_store, tmp_path):
    log = tmp_path / "handlers.log"
    done = subprocess.run(
        [sys.executable, "-c", SPIED, str(log), "--db", sample_store.display, "site", "build", str(tmp_path / "site")],
        capture_output=True, text=True, timeout=300, env={"PYTHONPATH": PRECIS_PATH, "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    registered = Path(f"{log}.registered").read_text().splitlines()
    ran = log.read_text().splitlines()
    # The libraries' own handlers (logging's, weakref's finalizers that remove temporary folders,
    # multiprocessing's, the spare downloads child's) all ran, and the quick exit came last.
    assert len(registered) >= 4
    assert sorted(ran) == sorted(registered)
    assert ran[-1] == "_leave"


def test_a_sqlite_store_is_closed_on_the_way_out(sample_store):
    # Its write-ahead log is folded back into the file: nothing is left beside it.
    db = Path(sample_store.display)
    sample_store.close()
    said = run_precis(db, "user", "add", "ada@example.org", "--name", "Ada", "--role", "editor")
    assert said.returncode == 0, said.stderr
    assert sorted(p.name for p in db.parent.iterdir() if p.name.startswith(db.name)) == [db.name]
    assert "ada@example.org" in run_precis(db, "user", "list").stdout
