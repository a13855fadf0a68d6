"""`precis user add | list | token` (and role, alias): the team managed from the command line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from typer.testing import CliRunner, Result

from precis.cli import app as cli_app
from precis.model import Credential, Person
from precis.newsroom import people
from precis.store import Store
from precis.web.app import create_app
from tests.helpers import run_precis, sample_db


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    """One sample store for the module; each test uses emails of its own."""
    return sample_db(tmp_path_factory.mktemp("cli-user") / "team.db")


@pytest.fixture(scope="module")
def store(db) -> Iterator[Store]:
    store = Store(str(db))
    yield store
    store.close()


@pytest.fixture(scope="module")
def web(store, tmp_path_factory) -> Iterator[TestClient]:
    site = tmp_path_factory.mktemp("site")
    with TestClient(create_app(store, site), follow_redirects=False) as client:
        yield client


def precis(db: Path, *args: str, stdin: str | None = None) -> Result:
    """``precis --db DB ARGS`` in this process; stdout and stderr kept apart."""
    return CliRunner().invoke(cli_app, ["--db", str(db), *args], input=stdin)


def test_user_add_prints_a_one_time_invitation_path_that_works(db, web):
    added = precis(db, "user", "add", "Ada@Example.org", "--name", "Ada Lovelace", "--role", "editor")
    assert added.exit_code == 0, added.output
    path = added.stdout.strip()
    assert re.fullmatch(r"/newsroom/invitation/[\w.-]+", path)
    assert "put the newsroom server's address before it (or give --base-url)" in added.stderr
    assert "works once" in added.stderr
    form = web.get(path)
    assert form.status_code == 200 and "Ada Lovelace" in form.text
    token = re.search(r'name="csrftoken" value="([^"]+)"', form.text)
    assert token
    done = web.post(path, data={"password": "analytical engine", "again": "analytical engine",
                                "csrftoken": token.group(1)})
    assert done.status_code == 303
    assert web.get(path).status_code == 410  # once


def test_user_add_with_a_base_url_prints_the_full_link(db):
    added = precis(db, "user", "add", "grace@example.org", "--name", "Grace Hopper", "--role", "contributor",
                   "--base-url", "https://news.example.org/")
    assert added.exit_code == 0, added.output
    assert re.fullmatch(r"https://news\.example\.org/newsroom/invitation/[\w.-]+", added.stdout.strip())


def test_user_add_reads_the_password_from_stdin(db, store):
    added = precis(db, "user", "add", "alan@example.org", "--name", "Alan Turing", "--role", "contributor",
                   "--alias", "Alan", "--password-stdin", stdin="imitation game\n")
    assert added.exit_code == 0, added.output
    assert added.stdout == ""  # no invitation: the password is set
    alan = people.login(store, "alan@example.org", "imitation game", "192.0.2.1")
    assert (alan.name, alan.role, alan.aliases) == ("Alan Turing", "contributor", ["Alan"])


def test_a_refused_password_adds_nobody(db, store):
    short = precis(db, "user", "add", "short@example.org", "--name", "S", "--role", "editor",
                   "--password-stdin", stdin="tiny\n")
    assert short.exit_code == 1 and "at least 10 characters" in str(short.exception)
    with pytest.raises(people.NotFound):
        people.find_person(store, "short@example.org")


def test_a_second_person_with_the_same_email_is_one_line_and_exit_1(db):
    first = run_precis(db, "user", "add", "mary@example.org", "--name", "Mary", "--role", "editor")
    assert first.returncode == 0, first.stderr
    again = run_precis(db, "user", "add", "MARY@example.org", "--name", "Mary S", "--role", "owner")
    assert again.returncode == 1 and again.stdout == ""
    assert again.stderr == "precis: error: mary@example.org is already on the team (Mary)\n"
    role = run_precis(db, "user", "add", "nat@example.org", "--name", "Nat", "--role", "boss")
    assert role.returncode == 1
    assert role.stderr == "precis: error: --role 'boss': choose one of owner, editor, contributor\n"


def test_user_list_shows_the_team_without_password_hashes(db):
    precis(db, "user", "add", "lin@example.org", "--name", "Lin", "--role", "owner", "--alias", "L. Lin",
           "--password-stdin", stdin="a long password\n")
    listed = run_precis(db, "user", "list")
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if "lin@example.org" in line)
    assert [cell.strip() for cell in row.strip("│ ").split("│")][1:] == [
        "Lin", "lin@example.org", "owner", "L. Lin", "yes", "set",
    ]
    assert "$argon2" not in listed.stdout


def test_user_token_is_printed_once_and_signs_scripts_in(db, store, web):
    precis(db, "user", "add", "kay@example.org", "--name", "Kay", "--role", "owner", "--password-stdin",
           stdin="dynabook dreams\n")
    made = precis(db, "user", "token", "KAY@example.org")
    assert made.exit_code == 0, made.output
    token = made.stdout.strip()
    assert re.fullmatch(r"[\w-]{40,}", token) and made.stdout == token + "\n"
    assert "shown only this once" in made.stderr
    with store.session() as s:
        hashes = s.scalars(select(Credential.secret_hash).where(Credential.kind == "token")).all()
        assert token not in hashes and not s.scalars(select(Person).where(Person.password_hash == token)).all()
    assert web.get("/newsroom/people", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert web.get("/newsroom/people", headers={"Authorization": f"Bearer {token}x"}).status_code != 200
    assert precis(db, "user", "token", "kay@example.org").stdout.strip() != token  # a new one each time


def test_user_token_for_nobody_says_so(db):
    missing = run_precis(db, "user", "token", "nobody@example.org")
    assert missing.returncode == 1
    assert missing.stderr == "precis: error: nobody on the team has the email 'nobody@example.org'\n"


def test_user_role_and_alias_change_a_person(db, store):
    precis(db, "user", "add", "zach@example.org", "--name", "Zachary Robertson", "--role", "contributor")
    assert precis(db, "user", "role", "zach@example.org", "editor").exit_code == 0
    assert precis(db, "user", "alias", "zach@example.org", "Zach", "Z. Robertson").exit_code == 0
    zach = people.find_person(store, "zach@example.org")
    assert (zach.role, zach.aliases) == ("editor", ["Zach", "Z. Robertson"])


@pytest.mark.parametrize("command", ["add", "list", "token", "invite", "role", "alias", "activate", "deactivate"])
def test_every_user_command_has_help_with_an_example(db, command):
    shown = precis(db, "user", command, "--help")
    assert shown.exit_code == 0 and f"Example: precis user {command}" in shown.stdout
