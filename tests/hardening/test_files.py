"""Files are written whole or not at all: a failed export leaves what was there before."""

from __future__ import annotations

from pathlib import Path

import pytest

from precis.errors import PrecisError
from precis.files import replacing
from precis.sheets import write_file
from precis.store import load_records


def test_a_write_that_fails_midway_leaves_the_old_file_and_no_litter(tmp_path: Path) -> None:
    target = tmp_path / "export.csv"
    target.write_text("the previous export\n")
    with pytest.raises(RuntimeError), replacing(target) as f:
        f.write(b"half of the new one")
        raise RuntimeError("interrupted")
    assert target.read_text() == "the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.csv"]


def test_a_link_to_a_file_keeps_pointing_at_the_new_content(tmp_path: Path) -> None:
    real, link = tmp_path / "real.json", tmp_path / "link.json"
    real.write_text("old")
    link.symlink_to(real)
    with replacing(link) as f:
        f.write(b"new")
    assert link.is_symlink() and real.read_text() == "new"


def test_an_export_refused_midway_leaves_the_previous_file(sample_store, tmp_path: Path) -> None:
    records = load_records(sample_store)
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "all.xlsx"
    write_file(target, records)
    before = target.read_bytes()
    records[-1].summary = "x" * 40_000  # over Excel's cell limit: refused at the last row
    with pytest.raises(PrecisError, match="over Excel's limit"):
        write_file(target, records)
    assert target.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["all.xlsx"]
