"""Subscribers in and out: CSV and Mailchimp's export, errors that name file/row/column and write
nothing, re-imports that keep everyone's history."""

from __future__ import annotations

import json

import pytest

from precis.errors import PrecisError
from precis.mail import subscribers
from precis.mail.csvfiles import import_files
from tests.helpers import invoke, table_rows

TABLES = ("subscriber", "subscriber_event")
LIST = ("email,name,status\n"
        "Ada@Example.org,Ada Lovelace,confirmed\n"
        "bob@example.org,,unconfirmed\n"
        '"cy@example.org","Cy, the Younger",unsubscribed\n')
# Mailchimp's audience export: one file per status, its own column names (trimmed to a few).
MAILCHIMP_HEADER = '"Email Address","First Name","Last Name","Address","Phone Number","MEMBER_RATING","OPTIN_TIME"'
MAILCHIMP = {
    "subscribed_members_export_3f2a.csv": (
        f"\ufeff{MAILCHIMP_HEADER},\"LEID\",\"EUID\",\"NOTES\",\"TAGS\"\n"
        '"dee@example.org","Dee","Dow","","",2,"2020-03-01 10:00:00","1","ab","",""\n'
        '"eve@example.org","Eve","","","",4,"2020-03-02 11:00:00","2","cd","",""\n'),
    "unsubscribed_members_export_3f2a.csv": (
        f'{MAILCHIMP_HEADER},"UNSUB_TIME","UNSUB_CAMPAIGN_TITLE","UNSUB_REASON"\n'
        '"fay@example.org","Fay","Fox","","",1,"2019-01-01","2021-05-01 09:00:00","AN #150","No longer interested"\n'),
    "cleaned_members_export_3f2a.csv": (
        f'{MAILCHIMP_HEADER},"CLEAN_TIME","CLEAN_CAMPAIGN_TITLE"\n'
        '"gus@example.org","Gus","","","",1,"2019-01-01","2021-06-01 09:00:00","AN #151"\n'),
}


def test_import_then_export_gives_the_same_list(sample_store, tmp_path):
    (tmp_path / "list.csv").write_text(LIST, "utf-8")
    result = invoke(sample_store, "subscribers", "import", str(tmp_path / "list.csv"))
    assert result.exit_code == 0 and "3 added" in result.stdout, result.output
    result = invoke(sample_store, "subscribers", "export", str(tmp_path / "out.csv"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.csv").read_text("utf-8") == LIST.replace("Ada@Example", "ada@example").replace(
        '"cy@example.org"', "cy@example.org")
    listed = json.loads(invoke(sample_store, "subscribers", "list", "--json").stdout)
    assert [(s["email"], s["name"], s["status"]) for s in listed] == [
        ("ada@example.org", "Ada Lovelace", "confirmed"), ("bob@example.org", None, "unconfirmed"),
        ("cy@example.org", "Cy, the Younger", "unsubscribed")]
    table = invoke(sample_store, "subscribers", "list").stdout
    assert "Subscribers (3)" in table and "Cy, the Younger" in table


def test_mailchimp_export_files_are_read_by_their_columns(sample_store, tmp_path):
    paths = []
    for name, text in MAILCHIMP.items():
        (tmp_path / name).write_text(text, "utf-8")
        paths.append(tmp_path / name)
    report = import_files(sample_store, paths)
    assert report.added == 4
    assert {(s.email, s.name, s.status) for s in subscribers.list_subscribers(sample_store)} == {
        ("dee@example.org", "Dee Dow", "confirmed"), ("eve@example.org", "Eve", "confirmed"),
        ("fay@example.org", "Fay Fox", "unsubscribed"), ("gus@example.org", "Gus", "bounced")}


@pytest.mark.parametrize(("row", "where"), [
    ("bob@,Bob,confirmed", "bad.csv: row 3, column 'email': 'bob@' is not an email address"),
    ("bob@example.org,Bob,subscribed", "bad.csv: row 3, column 'status': 'subscribed' is not a status"),
])
def test_a_bad_row_names_file_row_and_column_and_nothing_is_written(sample_store, tmp_path, row, where):
    (tmp_path / "good.csv").write_text(LIST, "utf-8")
    (tmp_path / "bad.csv").write_text(f"email,name,status\nzed@example.org,Zed,confirmed\n{row}\n", "utf-8")
    before = table_rows(sample_store, TABLES)
    with pytest.raises(PrecisError, match=where):
        import_files(sample_store, [tmp_path / "good.csv", tmp_path / "bad.csv"])
    assert table_rows(sample_store, TABLES) == before
    result = invoke(sample_store, "subscribers", "import", str(tmp_path / "bad.csv"))
    assert result.exit_code == 1 and where in str(result.exception)


def test_a_reimport_updates_keeps_history_and_never_resubscribes_who_left(sample_store, tmp_path):
    (tmp_path / "list.csv").write_text(LIST, "utf-8")
    import_files(sample_store, [tmp_path / "list.csv"])
    subscribers.unsubscribe(sample_store, "ada@example.org")
    (tmp_path / "again.csv").write_text(
        "email,name,status\nada@example.org,Ada Lovelace,confirmed\nbob@example.org,Bob,confirmed\n", "utf-8")
    report = import_files(sample_store, [tmp_path / "again.csv"])
    assert (report.added, report.updated, report.kept) == (0, 1, 1)
    status = {s.email: s.status for s in subscribers.list_subscribers(sample_store)}
    assert status == {"ada@example.org": "unsubscribed", "bob@example.org": "confirmed",
                      "cy@example.org": "unsubscribed"}
    _, events = subscribers.history(sample_store, "ada@example.org")
    assert [(e.kind, e.status) for e in events] == [("imported", "confirmed"), ("unsubscribed", "unsubscribed")]
    _, events = subscribers.history(sample_store, "bob@example.org")
    assert [(e.kind, e.status, e.detail.get("file")) for e in events] == [
        ("imported", "unconfirmed", "list.csv"), ("imported", "confirmed", "again.csv")]
    result = invoke(sample_store, "subscribers", "history", "bob@example.org")
    assert result.exit_code == 0 and "again.csv" in result.stdout


def test_adding_and_unsubscribing_by_hand_is_history_too(sample_store):
    assert invoke(sample_store, "subscribers", "add", "Hal@example.org", "--name", "Hal").exit_code == 0
    assert invoke(sample_store, "subscribers", "unsubscribe", "hal@example.org").exit_code == 0
    info, events = subscribers.history(sample_store, "hal@example.org")
    assert info.status == "unsubscribed" and [e.kind for e in events] == ["added", "unsubscribed"]
    result = invoke(sample_store, "subscribers", "unsubscribe", "nobody@example.org")
    assert result.exit_code == 1 and "no subscriber nobody@example.org" in str(result.exception)
