"""lettercast organisers create: a password from a prompt or standard input, never an argument."""

from collections.abc import Iterator

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import cli
from app.config import Settings, get_settings
from app.organisers import service
from app.organisers.models import Organiser


@pytest.fixture
def run(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("LETTERCAST_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_create_reads_the_password_from_stdin_and_stores_an_argon2id_hash(
    run: CliRunner, db: Session
) -> None:
    result = run.invoke(
        cli,
        ["organisers", "create", "Lead@Example.org", "--role", "admin", "--password-stdin"],
        input="a long enough secret\n",
    )
    assert result.exit_code == 0, result.output
    organiser = db.exec(select(Organiser)).one()
    assert organiser.email == "lead@example.org" and organiser.role == "admin"
    assert organiser.password_hash.startswith("$argon2id$")
    assert "a long enough secret" not in organiser.password_hash
    assert service._verify(organiser.password_hash, "a long enough secret")


def test_create_prompts_twice_when_no_stdin_flag(run: CliRunner, db: Session) -> None:
    result = run.invoke(
        cli,
        ["organisers", "create", "p@example.org", "--role", "viewer"],
        input="a long enough secret\na long enough secret\n",
    )
    assert result.exit_code == 0, result.output
    assert db.exec(select(Organiser)).one().role == "viewer"


def test_create_refuses_a_short_password_or_unknown_role_and_writes_nothing(
    run: CliRunner, db: Session
) -> None:
    short = run.invoke(
        cli,
        ["organisers", "create", "s@example.org", "--role", "editor", "--password-stdin"],
        input="short\n",
    )
    assert short.exit_code == 2 and "at least 10 characters" in short.output
    role = run.invoke(
        cli,
        ["organisers", "create", "s@example.org", "--role", "boss", "--password-stdin"],
        input="a long enough secret\n",
    )
    assert role.exit_code == 2 and "viewer, editor, admin" in role.output
    assert db.exec(select(Organiser)).all() == []


def test_password_sets_a_new_password_and_ends_sessions_and_list_shows_accounts(
    run: CliRunner, db: Session
) -> None:
    run.invoke(
        cli,
        ["organisers", "create", "x@example.org", "--role", "editor", "--password-stdin"],
        input="a long enough secret\n",
    )
    changed = run.invoke(
        cli,
        ["organisers", "password", "X@example.org", "--password-stdin"],
        input="another long one\n",
    )
    assert changed.exit_code == 0, changed.output
    organiser = db.exec(select(Organiser)).one()
    assert service._verify(organiser.password_hash, "another long one")
    listed = run.invoke(cli, ["organisers", "list"])
    assert listed.exit_code == 0 and "x@example.org\teditor\tactive" in listed.output
    unknown = run.invoke(
        cli,
        ["organisers", "password", "who@example.org", "--password-stdin"],
        input="a long one!!\n",
    )
    assert unknown.exit_code == 2
