"""Sending an issue: to every confirmed subscriber not yet sent it (``send_issue``), or to any
addresses as a review copy (``send_test``).

The send log (``SendLog``, one row per issue and subscriber) makes a send resumable. A worker
claims a few subscribers at a time (their rows become "sending", committed) before their messages
go, and marks each row "sent", "deferred" or "bounced" (committed) as soon as the server has
answered that message, before the next one goes on its connection. So when a send dies (a crash,
SIGKILL), running it again reaches every subscriber whose row is not "sent" or "bounced" (a row
left "sending" is sent again), and the messages sent twice are at most the ones in flight, one per
connection. Two sends of one issue should not run at once.

``concurrency`` connections work in threads, each reusing its connection for many messages;
``rate`` paces all of them together. A refusal for now (4xx) is tried again after a pause that
doubles, ``tries`` times in all, then left "deferred" for a later send; a 5xx at RCPT marks the
subscriber bounced (status and history) and they are never mailed again. The editions are
rendered once per issue (``Composer``); only each subscriber's own parts differ.
"""

from __future__ import annotations

import queue
import smtplib
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select, update

from precis.errors import PrecisError
from precis.mail import subscribers
from precis.mail.config import MailConfig, SmtpServer
from precis.mail.links import Signer, unsubscribe_url
from precis.mail.message import Composer, Edition
from precis.mail.model import CONFIRMED, DEFERRED, FAILED, SENDING, SENT, SendLog, Subscriber
from precis.mail.pool import Maker
from precis.mail.smtp import connect, reply_text
from precis.model import utcnow
from precis.newsroom.issues import PUBLISHED, get_issue
from precis.public import IssueRef
from precis.render import Editions
from precis.store import Store

#: Subscribers a worker claims in one transaction.
CLAIM = 20
#: The unsubscribe link of a review copy: it goes to no subscriber, so it unsubscribes nobody.
TEST_TOKEN = "review-copy"

Progress = Callable[[int, int], None]


@dataclass
class SendReport:
    issue: str
    sent: int = 0
    deferred: int = 0
    bounced: int = 0
    skipped: int = 0  # already sent this issue by an earlier send
    test: bool = False

    def summary(self) -> str:
        what = "test send of " if self.test else ""
        line = f"{what}{self.issue}: {self.sent} sent, {self.deferred} deferred, {self.bounced} bounced"
        return line + ("" if self.test else f", {self.skipped} skipped (sent before)")


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str | None
    subscriber_id: int | None = None  # None: a test send's address


@dataclass(frozen=True)
class Outcome:
    state: str  # SENT, DEFERRED or FAILED (bounced)
    message_id: str | None = None
    error: str | None = None


class SendLogBook:
    """The send log of one issue: claiming rows before sending, settling them after."""

    def __init__(self, store: Store, issue_id: int, issue_label: str) -> None:
        self.store = store
        self.issue_id = issue_id
        self.issue_label = issue_label

    def claim(self, batch: Sequence[Recipient]) -> list[Recipient]:
        """Mark the batch "sending" (committed); returns those still confirmed (someone may have
        unsubscribed since the send began)."""
        ids = [r.subscriber_id for r in batch]
        with self.store.session(by=subscribers.BY) as s:
            confirmed = set(s.scalars(
                select(Subscriber.id).where(Subscriber.id.in_(ids), Subscriber.status == CONFIRMED)))
            rows = {row.subscriber_id: row for row in s.scalars(
                select(SendLog).where(SendLog.issue_id == self.issue_id, SendLog.subscriber_id.in_(ids)))}
            now = utcnow()
            for sid in confirmed:
                row = rows.get(sid)
                if row is None:
                    row = SendLog(issue_id=self.issue_id, subscriber_id=sid, attempts=0)
                    s.add(row)
                if row.state in (SENT, FAILED):
                    confirmed.discard(sid)
                    continue
                row.state, row.claimed_at, row.attempts = SENDING, now, (row.attempts or 0) + 1
        return [r for r in batch if r.subscriber_id in confirmed]

    def settle(self, recipient: Recipient, outcome: Outcome) -> None:
        """Mark the recipient's row with the server's answer (committed); a bounce changes the
        subscriber too."""
        values: dict[str, object] = {"state": outcome.state, "error": outcome.error}
        if outcome.message_id is not None:
            values["message_id"] = outcome.message_id
        if outcome.state == SENT:
            values["sent_at"] = utcnow()
        with self.store.session(by=subscribers.BY) as s:
            s.execute(update(SendLog).where(
                SendLog.issue_id == self.issue_id, SendLog.subscriber_id == recipient.subscriber_id).values(values))
            if outcome.state == FAILED and recipient.subscriber_id is not None:
                subscribers.bounce(s, recipient.subscriber_id, outcome.error or "", self.issue_id)


class Pace:
    """At most ``rate`` messages a second over every connection (0: no limit)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            at = max(self._next, now)
            self._next = at + self.interval
        if at > now:
            time.sleep(at - now)


class Courier:
    """One connection to the relay, reused for message after message, with the retries."""

    def __init__(self, server: SmtpServer, sender: str, config: MailConfig, stop: threading.Event) -> None:
        self.server, self.sender, self.config, self.stop = server, sender, config, stop
        self.conn: smtplib.SMTP | None = None

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (smtplib.SMTPException, OSError):
                self.conn.close()
            self.conn = None

    def _connection(self) -> smtplib.SMTP:
        if self.conn is None:
            self.conn = connect(self.server)
        return self.conn

    def deliver(self, to: str, data: bytes, message_id: str) -> Outcome:
        """Send one message, trying again after a 4xx or a lost connection (``config.tries`` in
        all); a 5xx at RCPT is a bounce. A relay that cannot be reached at all stops the send
        (``PrecisError``): the message was not sent, and the next send sends it."""
        last, unreachable = "", False
        for attempt in range(self.config.tries):
            if attempt and self.stop.wait(self.config.backoff * 2 ** (attempt - 1)):
                break
            try:
                conn = self._connection()
            except (smtplib.SMTPException, OSError) as exc:
                last, unreachable = f"{self.server.display}: cannot connect: {exc}", True
                continue
            unreachable = False
            try:
                conn.sendmail(self.sender, [to], data)
                return Outcome(SENT, message_id)
            except smtplib.SMTPRecipientsRefused as exc:
                code, reply = next(iter(exc.recipients.values()))
                last = reply_text(code, reply)
                if code >= 500:
                    return Outcome(FAILED, error=last)
            except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                last = reply_text(exc.smtp_code, exc.smtp_error)
                if exc.smtp_code >= 500:
                    return Outcome(DEFERRED, error=last)
            except (smtplib.SMTPException, OSError) as exc:
                self.close()
                last = f"{self.server.display}: {exc}"
        if unreachable:
            raise PrecisError(last)
        return Outcome(DEFERRED, error=last or "stopped")


class Dispatch:
    """Runs a send: ``concurrency`` threads take batches of recipients, claim them in the log (when
    there is one), send and settle each."""

    def __init__(self, config: MailConfig, composer: Composer, link: Callable[[Recipient], str],
                 log: SendLogBook | None, progress: Progress | None, total: int) -> None:
        self.config, self.link, self.log = config, link, log
        self.maker = Maker(composer, total, config.concurrency)
        self.progress, self.total = progress, total
        self.server = config.require_smtp()
        self.pace = Pace(config.rate)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.counts = {SENT: 0, DEFERRED: 0, FAILED: 0}
        self.done = 0
        self.error: BaseException | None = None

    def run(self, recipients: Sequence[Recipient]) -> dict[str, int]:
        batches: queue.SimpleQueue[Sequence[Recipient]] = queue.SimpleQueue()
        for start in range(0, len(recipients), CLAIM):
            batches.put(recipients[start:start + CLAIM])
        workers = [threading.Thread(target=self._work, args=(batches,), daemon=True, name=f"precis-send-{i}")
                   for i in range(min(self.config.concurrency, max(1, len(recipients))))]
        for w in workers:
            w.start()
        try:
            for w in workers:
                while w.is_alive():
                    w.join(0.2)
        except BaseException:
            self.stop.set()
            raise
        finally:
            self.maker.close()
        if self.error is not None:
            raise self.error
        return self.counts

    def _work(self, batches: queue.SimpleQueue[Sequence[Recipient]]) -> None:
        courier = Courier(self.server, self.config.sender, self.config, self.stop)
        try:
            while not self.stop.is_set():
                try:
                    batch = batches.get_nowait()
                except queue.Empty:
                    break
                claimed = self.log.claim(batch) if self.log is not None else list(batch)
                self._count(None, len(batch) - len(claimed))
                messages = self.maker.messages([(r.email, r.name, self.link(r)) for r in claimed])
                for recipient, message in zip(claimed, messages, strict=True):
                    if self.stop.is_set():
                        break
                    self.pace.wait()
                    outcome = courier.deliver(recipient.email, message.data, message.message_id)
                    if self.log is not None:
                        self.log.settle(recipient, outcome)
                    self._count(outcome.state)
        except BaseException as exc:  # the first failure stops every worker and is raised by run()
            with self.lock:
                self.error = self.error or exc
            self.stop.set()
        finally:
            courier.close()

    def _count(self, state: str | None, n: int = 1) -> None:
        """``n`` recipients answered (``state``) or left out (None), and the progress said."""
        if not n:
            return
        with self.lock:
            if state is not None:
                self.counts[state] += n
            self.done += n
            done = self.done
        if self.progress is not None:
            self.progress(done, self.total)


def find_issue(store: Store, ref: str | int) -> tuple[Editions, IssueRef, str]:
    """An issue (by id, or as "139", "AN #139": ``issues.get_issue``) with the editions that render
    it (holding its entries only), as they see it, and its status."""
    with store.session() as s:
        issue = get_issue(s, store.default_publication(s), ref)
        issue_id, status = issue.id, issue.status
    editions = Editions.load(store, issue_id=issue_id)
    return editions, next(i for i in editions.issues if i.id == issue_id), status


def edition_of(editions: Editions, issue: IssueRef, private: bool = False) -> Edition:
    """The issue as it goes out: made by ``Editions`` exactly as ``precis render`` makes it."""
    return Edition(
        subject=editions.view(issue, private).heading,
        text=editions.render(issue, "text", private=private),
        html=editions.render(issue, "html", private=private),
    )


def _composer(config: MailConfig, edition: Edition) -> Composer:
    return Composer(edition, config.mail_from or "", config.dkim)


def _pending(store: Store, issue_id: int) -> tuple[list[Recipient], int]:
    """Confirmed subscribers whose message for the issue has not gone (no row, or "sending" or
    "deferred"), and how many confirmed ones it has gone to."""
    with store.session() as s:
        pub = subscribers.publication_id(s, store)
        done = set(s.scalars(select(SendLog.subscriber_id).where(
            SendLog.issue_id == issue_id, SendLog.state.in_((SENT, FAILED)))))
        rows = s.execute(select(Subscriber.id, Subscriber.email, Subscriber.name).where(
            Subscriber.publication_id == pub, Subscriber.status == CONFIRMED).order_by(Subscriber.id)).all()
    pending = [Recipient(email, name, sid) for sid, email, name in rows if sid not in done]
    return pending, len(rows) - len(pending)


def send_issue(
    store: Store, issue_ref: str | int, config: MailConfig, *, progress: Progress | None = None
) -> SendReport:
    """Send a published issue to every confirmed subscriber not yet sent it (see the module doc)."""
    config.require_smtp()
    base = config.require_base_url()
    editions, issue, status = find_issue(store, issue_ref)
    if status != PUBLISHED:
        raise PrecisError(f"{issue.label} is a {status}: only a published issue goes to subscribers "
                          "(send a draft to yourself as a test send)")
    composer = _composer(config, edition_of(editions, issue))
    signer = Signer.of(store)
    recipients, skipped = _pending(store, issue.id)
    report = SendReport(issue.label, skipped=skipped)
    if not recipients:
        return report

    def link(r: Recipient) -> str:
        assert r.subscriber_id is not None
        return unsubscribe_url(base, signer.unsubscribe_token(r.subscriber_id, issue.id))

    log = SendLogBook(store, issue.id, issue.label)
    dispatch = Dispatch(config, composer, link, log, progress, len(recipients))
    counts = dispatch.run(recipients)
    report.sent, report.deferred, report.bounced = counts[SENT], counts[DEFERRED], counts[FAILED]
    report.skipped += len(recipients) - sum(counts.values())
    return report


def send_test(store: Store, issue_ref: str | int, addresses: Iterable[str], config: MailConfig, *,
              private: bool = False) -> SendReport:
    """Send an issue (a draft too; its private edition with ``private``) to any addresses, as a
    review copy: no send log, no subscriber changes."""
    recipients = [Recipient(subscribers.check_email(a, "test address"), None) for a in addresses]
    if not recipients:
        raise PrecisError("give at least one address to send the test to")
    config.require_smtp()
    base = config.require_base_url()
    editions, issue, _status = find_issue(store, issue_ref)
    composer = _composer(config, edition_of(editions, issue, private))
    report = SendReport(issue.label, test=True)
    dispatch = Dispatch(config, composer, lambda _r: unsubscribe_url(base, TEST_TOKEN), None, None, len(recipients))
    counts = dispatch.run(recipients)
    report.sent, report.deferred, report.bounced = counts[SENT], counts[DEFERRED], counts[FAILED]
    return report

