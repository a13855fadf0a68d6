"""Starting `precis` loads only what every command needs: the heavy libraries some commands use
(Alembic to migrate, huey and Redis for the job queue, dkimpy and its DNS resolver to sign mail,
psycopg for a PostgreSQL store) load when those commands run. Each of them added a tenth to half a
second to every command."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("alembic", "huey", "redis", "dkim", "dns", "psycopg")


def loaded_after(code: str) -> list[str]:
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    return [m for m in json.loads(out.strip().splitlines()[-1]) if m in HEAVY]


def test_the_command_line_and_a_current_store_load_none_of_the_heavy_libraries(sample_store):
    code = (
        "import precis.cli\n"
        "import precis.site.build\n"
        "from precis.store import Store\n"
        f"Store({sample_store.url.removeprefix('sqlite:///')!r}).require()\n"
    )
    assert loaded_after(code) == []
