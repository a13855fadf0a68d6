"""What the faster import keeps exactly: the texts it refuses, the revisions it writes, the texts it
sends PostgreSQL by COPY, and the progress it reports."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from precis.model import Entry
from precis.record import AN_COLUMNS, CELL_LIMIT, OpinionRecord, text_problem, texts_allowed
from precis.sheets import iter_file, read_file
from precis.store import import_records, imports
from precis.store.revisions import SNAPSHOT_FIELDS, snapshot_of
from tests.core.test_bulk_import import new_store, orm_import, rows, two_stores  # noqa: F401 (a fixture)
from tests.helpers import SAMPLE_CSV


def test_a_row_is_refused_for_exactly_the_characters_a_cell_is():
    refused = [chr(c) for c in range(0x10000) if text_problem(f"a{chr(c)}b") is not None]  # none above
    assert len(refused) == 2080  # C0 but tab, LF, CR (29); DEL; U+FFFE, U+FFFF; 2,048 surrogates
    assert not any(texts_allowed(["fine", f"a{c}b"]) for c in refused)
    other = set(refused)
    allowed = [c for c in map(chr, range(0x110000)) if c not in other]
    assert texts_allowed(["".join(allowed[i : i + 1000]) for i in range(0, len(allowed), 1000)])
    assert texts_allowed(["x" * CELL_LIMIT]) and not texts_allowed(["ok", "x" * (CELL_LIMIT + 1)])


def test_a_snapshot_holds_what_json_reads_back():
    columns: dict[str, object] = dict.fromkeys(SNAPSHOT_FIELDS)
    columns.update(title="Émile’s paper", year=2019, highlight=True, extra_links={"Authors": "https://a.org"},
                   notes=datetime(2020, 1, 2, 3, 4, tzinfo=UTC), summary=("a", date(2020, 1, 2)), priority=1.5)
    opinions = [OpinionRecord("Rohin", "Good.", None), OpinionRecord(None, "Also.", "\n\n**X's opinion:** ")]
    written_and_read_back = json.loads(json.dumps(
        {**columns, "issue": "AN #1", "opinions": [vars(o) for o in opinions]}, default=str))
    assert snapshot_of(columns, "AN #1", opinions) == written_and_read_back


def test_texts_copied_to_postgresql_are_stored_as_written(two_stores, tmp_path):  # noqa: F811
    texts = ["back\\slash and \\N", "tab\there", "line\r\nbreak", "\\", "quote \" and ' , ;", "ünïcödé ≠ 文字", "N"]
    path = tmp_path / "odd.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(AN_COLUMNS)
        for i, text in enumerate(texts):
            row = dict.fromkeys(AN_COLUMNS, "")
            row.update({"Title": f"Paper {i} {text}", "Summary": text, "Authors": f"{text}, B*", "My opinion": text,
                        "Email": "AN #1", "Summarizer": "Rohin"})
            writer.writerow([row[c] for c in AN_COLUMNS])
    orm = two_stores(1)
    orm_import(orm, read_file(path), by="import")
    expected = rows(orm)
    orm.close()
    bulk = two_stores(2)
    import_records(bulk, iter_file(path), by="import")
    assert rows(bulk) == expected
    with bulk.session() as s:
        assert list(s.scalars(select(Entry.summary).order_by(Entry.id))) == texts
    bulk.close()


def test_an_import_tells_its_progress_after_each_batch(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(imports, "BATCH", 4)
    store = new_store(str(tmp_path / "an.db"))
    told: list[int] = []
    result = import_records(store, iter_file(SAMPLE_CSV), progress=told.append)
    assert result.total == 10 and told == [4, 8, 10]
    store.close()
