"""Subscribers in and out of CSV files: Précis' own ``email,name,status`` and Mailchimp's audience
export, told apart by their header.

Mailchimp exports an audience as one CSV per status (``subscribed_members_export_….csv``,
``unsubscribed_…``, ``cleaned_…``), each with "Email Address", "First Name", "Last Name" and more;
the unsubscribed file adds ``UNSUB_TIME`` and the cleaned one (addresses that bounced)
``CLEAN_TIME``, which is how their status is read. An import of several files is one transaction:
a bad row stops it with its file, row (the header is row 1) and column, and nothing is written.
A status only moves forward on import: nobody who unsubscribed or bounced is subscribed again,
and nobody confirmed becomes unconfirmed, by a file (they are counted as ``kept``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from precis.errors import PrecisError
from precis.files import write_bytes
from precis.mail.addresses import clean_name, is_email, normalize
from precis.mail.model import BOUNCED, CONFIRMED, SUBSCRIBER_STATUSES, UNCONFIRMED, UNSUBSCRIBED, Subscriber
from precis.mail.subscribers import BY, list_subscribers, publication_id, record
from precis.store import Store

COLUMNS = ("email", "name", "status")
MAILCHIMP_EMAIL, MAILCHIMP_FIRST, MAILCHIMP_LAST = "Email Address", "First Name", "Last Name"
#: Which status a Mailchimp file holds, by a column only that file has (else: subscribed).
MAILCHIMP_STATUS_COLUMNS = (("UNSUB_TIME", UNSUBSCRIBED), ("CLEAN_TIME", BOUNCED))
#: How far along a status is: an import moves a subscriber only forward.
_RANK = {UNCONFIRMED: 0, CONFIRMED: 1, UNSUBSCRIBED: 2, BOUNCED: 2}


@dataclass(frozen=True)
class Row:
    file: str
    number: int  # in the file, the header being row 1
    email: str
    name: str | None
    status: str


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0  # the file would have moved their status back (see the module doc)

    def summary(self) -> str:
        return (f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"
                + (f", {self.kept} kept as they were (unsubscribed, bounced or confirmed before)" if self.kept else ""))


def _bad(file: str, number: int, column: str, message: str) -> PrecisError:
    return PrecisError(f"{file}: row {number}, column {column!r}: {message}")


def read_rows(path: Path) -> Iterator[Row]:
    """The rows of one file, checked (a ``PrecisError`` naming file, row and column otherwise)."""
    name = str(path)
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError:
        raise PrecisError(f"{name}: not UTF-8 text; save the CSV as UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    lowered = [h.lower() for h in header]
    if MAILCHIMP_EMAIL in header:
        yield from _mailchimp(name, header, reader)
    elif "email" in lowered:
        yield from _precis(name, lowered, reader)
    else:
        raise PrecisError(f"{name}: row 1: no email column; the columns are {','.join(COLUMNS)} "
                          f"(or Mailchimp's export with {MAILCHIMP_EMAIL!r})")


def _cells(header: list[str], values: list[str]) -> dict[str, str]:
    return {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}


def _email(file: str, number: int, column: str, value: str) -> str:
    email = normalize(value)
    if not is_email(email):
        raise _bad(file, number, column, f"{value!r} is not an email address")
    return email


def _precis(file: str, header: list[str], reader: Iterable[list[str]]) -> Iterator[Row]:
    if "status" not in header:
        raise PrecisError(f"{file}: row 1: no status column; the columns are {','.join(COLUMNS)}")
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        cells = _cells(header, values)
        status = cells["status"].lower()
        if status not in SUBSCRIBER_STATUSES:
            raise _bad(file, number, "status", f"{cells['status']!r} is not a status; "
                                               f"write one of {', '.join(SUBSCRIBER_STATUSES)}")
        yield Row(file, number, _email(file, number, "email", cells["email"]), clean_name(cells.get("name")), status)


def _mailchimp(file: str, header: list[str], reader: Iterable[list[str]]) -> Iterator[Row]:
    status = next((s for column, s in MAILCHIMP_STATUS_COLUMNS if column in header), CONFIRMED)
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        cells = _cells(header, values)
        name = " ".join(p for p in (cells.get(MAILCHIMP_FIRST, ""), cells.get(MAILCHIMP_LAST, "")) if p)
        email = _email(file, number, MAILCHIMP_EMAIL, cells[MAILCHIMP_EMAIL])
        yield Row(file, number, email, clean_name(name), status)


def import_files(store: Store, paths: list[Path]) -> ImportReport:
    """Import subscribers from CSV files, all in one transaction (see the module doc)."""
    rows = [row for path in paths for row in read_rows(path)]  # every file checked before a write
    report = ImportReport()
    with store.session(by=BY) as s:
        pub = publication_id(s, store)
        known = {sub.email: sub for sub in s.query(Subscriber).filter(Subscriber.publication_id == pub)}
        for row in rows:
            sub = known.get(row.email)
            where: dict[str, Any] = {"file": Path(row.file).name, "row": row.number}
            if sub is None:
                sub = Subscriber(publication_id=pub, email=row.email, name=row.name, status=row.status)
                s.add(sub)
                known[row.email] = sub
                record(s, sub, "imported", **where)
                report.added += 1
                continue
            forward = _RANK[row.status] > _RANK[sub.status] or row.status == sub.status
            renamed = row.name is not None and row.name != sub.name
            if not forward:
                report.kept += 1
            if renamed:
                sub.name = row.name
            if (forward and row.status != sub.status) or renamed:
                record(s, sub, "imported", row.status if forward else None, **where)
                report.updated += 1
            elif forward:
                report.unchanged += 1
    return report


def export_csv(store: Store, path: Path) -> int:
    """Write every subscriber as ``email,name,status``; returns how many."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    subscribers = list_subscribers(store)
    for sub in subscribers:
        writer.writerow((sub.email, sub.name or "", sub.status))
    write_bytes(path, out.getvalue().encode("utf-8"))
    return len(subscribers)
