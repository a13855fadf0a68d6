"""Each extra is optional: without it, its own commands stop with one line naming the extra to install,
and every other command works. (.ci/check-installs checks the same in real base-only virtualenvs.)"""

import os
import subprocess
import sys
from pathlib import Path

from precis.publication import load_settings
from precis.store import Store
from tests.helpers import SAMPLE_CSV, SAMPLE_TOML

# The modules the extras bring; a None in sys.modules makes them look uninstalled to imports and
# to importlib.util.find_spec alike.
EXTRAS_MODULES = (
    "pagefind_bin", "feedgen", "uvicorn", "starlette",  # site
    "pyloudnorm", "pedalboard", "mutagen", "piper",  # podcast
    "httpx", "feedparser",  # ingest
)
WITHOUT_EXTRAS = (
    "import sys\n"
    f"for name in {EXTRAS_MODULES!r}:\n"
    "    sys.modules[name] = None\n"
    "from precis.cli import main\n"
    "main()\n"
)


def run_base_only(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_EXTRAS, "--db", str(db), *args], capture_output=True, text=True,
        timeout=300, env={**os.environ, "COLUMNS": "200"},
    )


def test_base_commands_work_without_any_extra(tmp_path):
    db = tmp_path / "s.db"
    assert run_base_only(db, "--help").returncode == 0
    assert run_base_only(db, "init", "--publication", str(SAMPLE_TOML)).returncode == 0
    assert run_base_only(db, "import", str(SAMPLE_CSV)).returncode == 0
    rendered = run_base_only(db, "render", "SN #2", "--format", "text")
    assert rendered.returncode == 0, rendered.stderr
    assert "Learning to summarize from human feedback" in rendered.stdout


def test_a_command_whose_extra_is_missing_names_the_extra_in_one_line(tmp_path):
    db = tmp_path / "s.db"
    # Made in this process: test_base_commands_work_without_any_extra runs init without the extras.
    Store(str(db)).init(load_settings(SAMPLE_TOML))
    for extra, command in (
        ("site", ["site", "build", str(tmp_path / "site")]),
        ("site", ["serve"]),
        ("podcast", ["podcast", "SN #2", "--engine", "espeak"]),
        ("podcast", ["podcast", "feed", str(tmp_path / "feed.xml"), "--base-url", "https://example.org/"]),
        ("ingest", ["ingest", "url", "http://127.0.0.1:9/"]),
    ):
        result = run_base_only(db, *command)
        assert result.returncode == 1, command
        assert result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith("precis: error: "), result.stderr
        assert f"needs the '{extra}' extra: pip install 'precis[{extra}]'" in result.stderr, result.stderr
