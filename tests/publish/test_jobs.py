"""The jobs after a publish: scheduled in the publishing transaction, run once from the queue,
their progress and outcome in the store, a failure recorded in words, an ended job run again.

On the 10-entry sample; each test has a queue file of its own (``PRECIS_JOBS``).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from precis import jobs
from precis.audio.model import Episode
from precis.errors import Conflict, InvalidValue
from precis.jobs.kinds import KINDS, Outcome
from precis.jobs.queue import drain, queue_location
from precis.model import Issue
from precis.store import Store
from tests.helpers import require_program, sample_db


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    s = Store(str(sample_db(tmp_path_factory.mktemp("jobs") / "sample.db")))
    yield s
    s.close()


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A queue of this test's own, and none of the user's folders configured."""
    monkeypatch.setenv("PRECIS_JOBS", str(tmp_path / "queue.db"))
    for name in ("PRECIS_SITE_DIR", "PRECIS_PODCAST_DIR", "PRECIS_PODCAST_ENGINE", "PRECIS_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PRECIS_AUDIO_CACHE", str(tmp_path / "audio-cache"))


def issue_id(store: Store, number: int = 2) -> int:
    with store.session() as s:
        return s.scalars(select(Issue.id).where(Issue.number == number)).one()


def publish_jobs(store: Store) -> list[int]:
    with store.session(by="test") as s:
        issue = s.get(Issue, issue_id(store))
        return [j.id for j in jobs.after_publish(s, issue, None)]


def job(store: Store, job_id: int) -> jobs.Job:
    with store.session() as s:
        found = s.get(jobs.Job, job_id)
        assert found is not None
        return found


def test_a_publish_schedules_the_archive_and_the_episode_as_queued_jobs_of_the_issue(store: Store) -> None:
    ids = publish_jobs(store)
    with store.session() as s:
        listed = [j for j in jobs.jobs_of(s, issue_id(store)) if j.id in ids]
    assert [(j.kind, j.state, j.issue_id) for j in listed] == [
        ("site", "queued", issue_id(store)), ("podcast", "queued", issue_id(store))
    ]


def test_a_kind_of_job_that_does_not_exist_is_refused(store: Store) -> None:
    with pytest.raises(InvalidValue, match="not a kind of job"), store.session(by="test") as s:
        jobs.schedule(s, "fax")


def test_dispatched_jobs_run_from_the_queue_and_end_saying_what_they_did(store: Store) -> None:
    ids = publish_jobs(store)
    jobs.dispatch(store, ids)
    drain(store)
    site, podcast = (job(store, i) for i in ids)
    assert site.state == podcast.state == "done"
    assert "no archive folder is configured" in (site.message or "")
    assert "precis serve" in (site.message or "")
    assert "not configured" in (podcast.message or "") and "PRECIS_PODCAST_DIR" in (podcast.message or "")
    assert site.started_at is not None and site.finished_at is not None


def test_a_job_put_on_the_queue_twice_or_run_by_two_workers_at_once_runs_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[int] = []

    def counted(_store: Store, j: jobs.Job, _progress: object) -> Outcome:
        runs.append(j.id)
        return Outcome("counted")

    monkeypatch.setitem(KINDS, "site", counted)
    with store.session(by="test") as s:
        first = jobs.schedule(s, "site", issue_id=issue_id(store)).id
        second = jobs.schedule(s, "site", issue_id=issue_id(store)).id
    jobs.dispatch(store, [first, first])
    drain(store)
    workers = [threading.Thread(target=jobs.run_job, args=(store, second)) for _ in range(4)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert runs == [first, second]
    assert job(store, first).state == job(store, second).state == "done"


def test_a_failure_is_recorded_as_failed_with_a_one_line_message_and_can_be_retried(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_store: Store, _job: jobs.Job, _progress: object) -> Outcome:
        raise ValueError("the disk said no\nand more")

    monkeypatch.setitem(KINDS, "site", broken)
    with store.session(by="test") as s:
        failing = jobs.schedule(s, "site", issue_id=issue_id(store)).id
    jobs.run_job(store, failing)  # raises nothing: the failure is in the row
    failed = job(store, failing)
    assert failed.state == "failed" and failed.message == "ValueError: the disk said no and more"

    with pytest.raises(Conflict), store.session(by="test") as s:  # still queued: not retried twice
        jobs.retry(s, jobs.schedule(s, "site").id)

    monkeypatch.undo()
    monkeypatch.setenv("PRECIS_JOBS", str(tmp_path / "queue.db"))
    with store.session(by="test") as s:
        assert jobs.retry(s, failing).state == "queued"
    jobs.dispatch(store, [failing])
    drain(store)
    again = job(store, failing)
    assert again.state == "done" and "no archive folder" in (again.message or "")


def test_the_site_job_builds_the_archive_folder_with_its_progress(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRECIS_SITE_DIR", str(tmp_path / "archive"))
    monkeypatch.setenv("PRECIS_BASE_URL", "https://news.example.org/")
    with store.session(by="test") as s:
        site = jobs.schedule(s, "site", issue_id=issue_id(store)).id
    jobs.dispatch(store, [site])
    drain(store)
    done = job(store, site)
    assert done.state == "done", done.message
    assert done.total and done.done == done.total
    assert done.result["written"] > 0 and str(tmp_path / "archive") in (done.message or "")
    page = (tmp_path / "archive" / "issues" / "sn-2" / "index.html").read_text("utf-8")
    assert 'href="https://news.example.org/issues/sn-2/"' in page  # the canonical link: PRECIS_BASE_URL


def test_the_podcast_job_records_the_issues_episode(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_program("espeak-ng")
    monkeypatch.setenv("PRECIS_PODCAST_DIR", str(tmp_path / "episodes"))
    monkeypatch.setenv("PRECIS_PODCAST_ENGINE", "espeak")
    with store.session(by="test") as s:
        podcast = jobs.schedule(s, "podcast", issue_id=issue_id(store)).id
    jobs.run_job(store, podcast)
    done = job(store, podcast)
    assert done.state == "done", done.message
    mp3 = tmp_path / "episodes" / "sn-2.mp3"
    assert mp3.stat().st_size > 10_000 and done.result["path"] == str(mp3)
    with store.session() as s:
        episode = s.scalars(select(Episode).where(Episode.issue_id == issue_id(store))).one()
        assert episode.path == str(mp3)


def test_the_podcast_job_without_the_podcast_extra_fails_saying_what_to_install(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRECIS_PODCAST_DIR", str(tmp_path / "episodes"))
    monkeypatch.setattr("precis.extras.AUDIO_MODULES", ("precis_no_such_audio_module",))
    with store.session(by="test") as s:
        podcast = jobs.schedule(s, "podcast", issue_id=issue_id(store)).id
    jobs.run_job(store, podcast)
    failed = job(store, podcast)
    assert failed.state == "failed"
    assert failed.message == (
        "the podcast job needs the 'podcast' extra: pip install 'precis[podcast]' (missing precis_no_such_audio_module)"
    )


def test_a_publication_without_a_podcast_folder_needs_no_podcast_extra(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PRECIS_PODCAST_DIR", raising=False)
    monkeypatch.setattr("precis.extras.AUDIO_MODULES", ("precis_no_such_audio_module",))
    with store.session(by="test") as s:
        podcast = jobs.schedule(s, "podcast", issue_id=issue_id(store)).id
    jobs.run_job(store, podcast)
    ended = job(store, podcast)
    assert (ended.state, ended.message) == (
        "done", "not configured: set PRECIS_PODCAST_DIR to the folder episodes are written to")


def test_with_precis_jobs_immediate_a_dispatched_job_runs_at_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRECIS_JOBS", "immediate")
    with store.session(by="test") as s:
        site = jobs.schedule(s, "site", issue_id=issue_id(store)).id
    jobs.dispatch(store, [site])
    assert job(store, site).state == "done"


def test_the_queue_sits_beside_a_sqlite_store_and_a_postgresql_store_must_name_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PRECIS_JOBS")
    assert queue_location(store) == store.url.removeprefix("sqlite:///") + ".jobs"
    remote = Store("postgresql+psycopg://precis@127.0.0.1:1/precis")  # never connected to
    with pytest.raises(InvalidValue, match="PRECIS_JOBS"):
        queue_location(remote)
    monkeypatch.setenv("PRECIS_JOBS", "/var/lib/precis/jobs.db")
    assert queue_location(remote) == "/var/lib/precis/jobs.db"


def test_a_job_left_running_by_a_stopped_worker_is_marked_failed_when_the_worker_starts_again(store: Store) -> None:
    from precis.jobs.runner import fail_interrupted

    with store.session(by="test") as s:
        cut = jobs.schedule(s, "site", issue_id=issue_id(store))
        cut.state = "running"
        cut_id = cut.id
    assert cut_id in fail_interrupted(store)
    left = job(store, cut_id)
    assert left.state == "failed" and (left.message or "").startswith("interrupted")
    with store.session(by="test") as s:
        assert jobs.retry(s, cut_id).state == "queued"


def test_the_send_job_mails_the_issue_to_the_confirmed_subscribers_with_its_progress(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from precis.mail.csvfiles import import_files
    from tests.mailserver import mail_server

    (tmp_path / "list.csv").write_text(
        "email,name,status\nana@example.org,Ana,confirmed\nbo@example.org,Bo,confirmed\n"
        "cy@example.org,Cy,unsubscribed\n", "utf-8"
    )
    import_files(store, [tmp_path / "list.csv"])
    with mail_server() as server:
        monkeypatch.setenv("PRECIS_SMTP_URL", server.url)
        monkeypatch.setenv("PRECIS_MAIL_FROM", "Sample Newsletter <news@example.org>")
        monkeypatch.setenv("PRECIS_BASE_URL", "https://news.example.org")
        with store.session(by="test") as s:
            send = jobs.schedule(s, "send", issue_id=issue_id(store)).id
        jobs.run_job(store, send)
        delivered = sorted(r for m in server.messages for r in m.recipients)
    done = job(store, send)
    assert done.state == "done", done.message
    assert delivered == ["ana@example.org", "bo@example.org"]
    assert done.result["sent"] == 2 and done.done == done.total == 2
