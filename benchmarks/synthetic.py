"""A synthetic archive of N entries grown from the real sheet, for measuring how costs grow with N.

Deterministic: the same N gives the same file. Entry i is a copy of the real sheet's row
``i mod 1,956`` (so lengths, categories, opinions, public levels and authors keep the real
archive's mix), with a distinct title for every copy after the first, in issue ``AN #(i // 12 + 1)``
(12 entries per issue, each issue with one link). Cross-references keep pointing at the titles of
the first copy, so every copy's references resolve, to earlier entries as in the real archive.

Run: .venv/bin/python benchmarks/synthetic.py 100000 /tmp/an-100k.csv [PATH_TO_XLSX]
(.csv and .json are quick to write; .xlsx works but takes minutes at 100,000.)
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

from precis.record import EntryRecord
from precis.sheets import read_file, write_file

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "alignment_newsletter.xlsx"
PER_ISSUE = 12


def grow(real: list[EntryRecord], n: int) -> list[EntryRecord]:
    """``n`` records made from ``real`` as the module docstring says."""
    titles: set[str] = set()
    records = []
    for i in range(n):
        base = real[i % len(real)]
        copy = i // len(real)
        title = base.title if copy == 0 else f"{base.title.rstrip()} (copy {copy + 1})"
        while title.casefold() in titles:  # a real title that already ends like a copy's
            title += "*"
        titles.add(title.casefold())
        number = i // PER_ISSUE + 1
        records.append(
            dataclasses.replace(
                base,
                title=title,
                issue=f"AN #{number}",
                issue_note=None,
                issue_url=f"https://example.org/newsletter/{number}",
                issue_linked=True,
                position=i,
            )
        )
    return records


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    n, out = int(sys.argv[1]), Path(sys.argv[2])
    source = Path(sys.argv[3]) if len(sys.argv) > 3 else DEFAULT
    start = time.perf_counter()
    records = grow(read_file(source), n)
    write_file(out, records)
    print(f"{n} entries in {n // PER_ISSUE + (n % PER_ISSUE > 0)} issues written to {out} "
          f"in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
