"""Time reading, importing, re-importing and exporting the real archive (or any sheet, such as a
synthetic CSV of ``benchmarks/synthetic.py``): wall time, and this process's CPU time, which a busy
machine changes less.

Run: .venv/bin/python benchmarks/core_import.py [PATH_TO_SHEET]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from precis.sheets import read_file, write_file
from precis.store import Store, import_records, load_records

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "alignment_newsletter.xlsx"


def timed(label: str, fn):
    start, cpu = time.perf_counter(), time.process_time()
    result = fn()
    print(f"{label:<28}{time.perf_counter() - start:7.2f} s {time.process_time() - cpu:7.2f} s CPU")
    return result


def main() -> None:
    xlsx = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(str(Path(tmp) / "an.db"))
        store.init()
        records = timed(f"read {xlsx.suffix}", lambda: read_file(xlsx))
        timed("import into SQLite", lambda: import_records(store, records))
        timed("re-import (no changes)", lambda: import_records(store, records))
        out = timed("load records", lambda: load_records(store))
        timed("write .xlsx", lambda: write_file(Path(tmp) / "out.xlsx", out))
        timed("write .csv", lambda: write_file(Path(tmp) / "out.csv", out))
        timed("write .json", lambda: write_file(Path(tmp) / "out.json", out))


if __name__ == "__main__":
    main()
