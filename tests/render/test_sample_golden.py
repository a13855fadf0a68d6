"""Each issue of the shipped sample, in Markdown and plain text, exactly as committed.

The expected editions are in ``tests/render/golden/sample/`` (``sn-N.md``, ``sn-N.txt``). After a
deliberate change to the editions, rewrite them with

    PRECIS_UPDATE_GOLDEN=1 python -m pytest tests/render/test_sample_golden.py

then read the diff before committing it: it is the change every reader of the newsletter sees.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import invoke

GOLDEN = Path(__file__).parent / "golden" / "sample"
UPDATE = os.environ.get("PRECIS_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("number", [1, 2, 3])
@pytest.mark.parametrize(("fmt", "ext"), [("markdown", "md"), ("text", "txt")])
def test_the_sample_issue_renders_as_committed(sample_store, tmp_path, number: int, fmt: str, ext: str):
    out = tmp_path / f"sn-{number}.{ext}"
    result = invoke(sample_store, "render", f"SN #{number}", "--format", fmt, "-o", str(out))
    assert result.exit_code == 0, (result.output, result.exception)
    golden = GOLDEN / out.name
    if UPDATE:
        golden.write_text(out.read_text(encoding="utf-8"), encoding="utf-8")
    assert out.read_text(encoding="utf-8") == golden.read_text(encoding="utf-8")
