"""The lock is made from the pyproject.toml beside it: a dependency changed without `make lock` would
install what the lock says, not what pyproject.toml asks for."""

from __future__ import annotations

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETS = ("test", "base", "site", "podcast", "ingest", "redis", "embed")


def test_every_install_set_was_resolved_from_this_pyproject_toml():
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    for name in SETS:
        lines = (ROOT / "requirements" / f"requirements-{name}.txt").read_text().splitlines()
        stamps = [line for line in lines if line.startswith("# resolved from pyproject.toml sha256:")]
        assert stamps == [f"# resolved from pyproject.toml sha256:{digest}"], (
            f"requirements-{name}.txt was not resolved from this pyproject.toml: run `make lock`"
        )
