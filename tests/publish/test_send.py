"""Sending an issue to 1,000 subscribers through a real SMTP server, killed half-way and resumed.

The Done-when of issue 14: ``precis send`` (a real process) delivers one message to each of the
900 confirmed subscribers and none to the 50 unconfirmed and 50 unsubscribed; killed with SIGKILL
mid-send and run again, everyone has it and at most the concurrency got it twice; every message
passes DKIM verification, has both List-Unsubscribe headers (signed) and a text/plain part; the
one-click POST unsubscribes without a redirect and that address gets nothing from the next issue.
Then a 5xx at RCPT bounces an address for good and a 4xx is deferred and retried by a later send.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import dkim
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from precis.mail import subscribers
from precis.mail.config import MailConfig
from precis.mail.csvfiles import import_files
from precis.mail.delivery import send_issue
from precis.mail.model import BOUNCED, DEFERRED, SendLog, Subscriber
from precis.store import Store
from precis.web.app import create_app
from tests.helpers import PRECIS_PATH, sample_db
from tests.mailserver import DkimKey, MailServer, dkim_key, mail_server, part_text, signed_headers

CONCURRENCY = 4
BASE = "https://news.example.org"


def _write_list(path: Path) -> None:
    rows = ["email,name,status"]
    rows += [f"reader{i}@example.org,Reader {i},confirmed" for i in range(900)]
    rows += [f"pending{i}@example.org,,unconfirmed" for i in range(50)]
    rows += [f"gone{i}@example.org,Gone {i},unsubscribed" for i in range(50)]
    path.write_text("\n".join(rows) + "\n", "utf-8")


@dataclass
class World:
    folder: Path
    db: Path
    store: Store
    server: MailServer
    key: DkimKey
    env: dict[str, str]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("send")
    db = sample_db(folder / "send.db")
    store = Store(str(db))
    _write_list(folder / "list.csv")
    import_files(store, [folder / "list.csv"])
    key = dkim_key(folder)
    with mail_server() as server:
        env = {
            "PRECIS_SMTP_URL": server.url, "PRECIS_MAIL_FROM": "Sample Newsletter <news@example.org>",
            "PRECIS_BASE_URL": BASE, "PRECIS_SMTP_CONCURRENCY": str(CONCURRENCY), **key.env(),
        }
        yield World(folder, db, store, server, key, env)
    store.close()


def _precis(db: Path, env: dict[str, str], *args: str) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of ``precis --db DB ARGS`` as a user runs it."""
    base = {"COLUMNS": "200", "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": PRECIS_PATH}
    return [sys.executable, "-m", "precis", "--db", str(db), *args], {**base, **env}


def test_a_send_killed_mid_way_and_run_again_reaches_each_confirmed_subscriber_once(world):
    store, server, key = world.store, world.server, world.key
    command, full_env = _precis(world.db, world.env, "send", "SN #1")
    first = subprocess.Popen(command, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while len(server.messages) < 300 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed_at = len(server.messages)
    assert first.returncode == -signal.SIGKILL and 0 < killed_at < 900, (first.returncode, killed_at)

    again = subprocess.run(command, env=full_env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "SN #1:" in again.stdout and "0 deferred, 0 bounced" in again.stdout, again.stdout

    received = Counter(r for m in server.messages for r in m.recipients)
    confirmed = {f"reader{i}@example.org" for i in range(900)}
    assert set(received) == confirmed  # none to the unconfirmed or unsubscribed
    assert sum(received.values()) - 900 <= CONCURRENCY, [a for a, n in received.items() if n > 1]
    with store.session() as s:
        states = Counter(s.scalars(select(SendLog.state)))
    assert states == {"sent": 900}

    for m in server.messages:
        assert dkim.verify(m.data, dnsfunc=key.dnsfunc), m.recipients
        signed = signed_headers(m.data)
        assert "list-unsubscribe" in signed and "list-unsubscribe-post" in signed
        message = m.message
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        links = str(message["List-Unsubscribe"])
        assert f"<{BASE}/unsubscribe/" in links and "<mailto:news@example.org" in links
        assert message["To"].addresses[0].addr_spec == m.recipients[0]
        assert "Sample Newsletter" in part_text(message, "plain")


def _one_click_link(server, address: str) -> str:
    links = str(server.handler.to(address)[0].message["List-Unsubscribe"])
    return links.split("<", 1)[1].split(">", 1)[0].removeprefix(BASE)


def test_one_click_unsubscribes_without_redirect_and_the_next_issue_skips_them(world):
    store, server = world.store, world.server
    leaving = "reader7@example.org"
    (world.folder / "site").mkdir(exist_ok=True)
    client = TestClient(create_app(store, world.folder / "site"), follow_redirects=False)
    answer = client.post(_one_click_link(server, leaving), content="List-Unsubscribe=One-Click",
                         headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 200 and "location" not in answer.headers
    assert [s.status for s in subscribers.list_subscribers(store) if s.email == leaving] == ["unsubscribed"]
    assert subscribers.history(store, leaving)[1][-1].detail["how"] == "one-click"

    config = dataclasses.replace(MailConfig.from_environment(world.env), dkim=None)  # fast: DKIM is checked above
    before = len(server.messages)
    report = send_issue(store, "SN #2", config)
    assert (report.sent, report.skipped) == (899, 0)
    got = [r for m in server.messages[before:] for r in m.recipients]
    assert leaving not in got and len(got) == 899 == len(set(got))


def test_a_5xx_at_rcpt_bounces_for_good_and_a_4xx_is_deferred_then_sent_later(world):
    store, server = world.store, world.server
    config = dataclasses.replace(MailConfig.from_environment(world.env), dkim=None, tries=2, backoff=0.01)
    for i in (1, 2):
        subscribers.add(store, f"late{i}@example.org")
    server.handler.refuse["late1@example.org"] = "550 5.1.1 no such user"
    server.handler.refuse["late2@example.org"] = "451 4.3.0 try later"
    report = send_issue(store, "SN #2", config)
    assert (report.sent, report.deferred, report.bounced, report.skipped) == (0, 1, 1, 899)
    with store.session() as s:
        late1 = s.scalar(select(Subscriber).where(Subscriber.email == "late1@example.org"))
        assert late1.status == BOUNCED and late1.events[-1].kind == "bounced"
        assert "550 5.1.1" in late1.events[-1].detail["reply"]
        row = s.scalar(select(SendLog).join(Subscriber).where(Subscriber.email == "late2@example.org"))
        assert row.state == DEFERRED and row.attempts == 1 and "451" in row.error

    del server.handler.refuse["late2@example.org"]
    report = send_issue(store, "SN #2", config)
    assert (report.sent, report.deferred, report.bounced) == (1, 0, 0)
    assert len(server.handler.to("late2@example.org")) == 1
    assert server.handler.to("late1@example.org") == []
    report = send_issue(store, "SN #1", config)  # the next send leaves the bounced address out too
    assert server.handler.to("late1@example.org") == []
    assert report.sent == 1  # late2, who was not yet sent SN #1
