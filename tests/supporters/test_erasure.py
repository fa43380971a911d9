"""Erasing a supporter's personal data, by request and after the retention period."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from app.campaigns.models import Campaign
from app.cli import cli
from app.config import Settings, get_settings
from app.db import utcnow
from app.delivery.models import Delivery
from app.letters.models import Letter
from app.supporters.models import Consent, Supporter
from app.supporters.service import ERASED_TEXT, erase_supporter, normalise_email, purge_expired
from tests.factories import make_campaign, make_delivery, make_letter, make_office, make_supporter


def write(
    session: Session, email: str, statuses: tuple[str, ...], **overrides: object
) -> Supporter:
    """A supporter (with consent) whose letters' delivery jobs are in these states."""
    campaign = make_campaign(session)
    supporter = make_supporter(
        session,
        campaign,
        email=email,
        email_normalized=normalise_email(email),
        phone="818-555-0100",
        personal_note="My grandparents survived 1915.",
        matched_address="100 N BRAND BLVD, GLENDALE, CA, 91203",
        districts={"us_house": "CA-30"},
        **overrides,
    )
    session.add(
        Consent(
            campaign_id=campaign.id, supporter_id=supporter.id, email=supporter.email_normalized
        )
    )
    for status in statuses:
        letter = make_letter(
            session, supporter, make_office(session), body="Dear Rep, Anahit of 100 Main St"
        )
        make_delivery(session, letter, status=status)
    session.flush()
    return supporter


def test_normalised_emails_ignore_case_and_spacing() -> None:
    assert normalise_email("  Anahit@Example.ORG ") == "anahit@example.org"
    assert normalise_email("not an email") == "not an email"


def test_erasure_blanks_personal_data_and_keeps_an_anonymised_letter(session: Session) -> None:
    supporter = write(session, "anahit@example.org", ("sent", "queued", "held", "sending"))
    old_token = supporter.token

    assert erase_supporter(session, "ANAHIT@example.org") == 1

    session.refresh(supporter)
    assert supporter.erased_at is not None
    assert (supporter.first_name, supporter.last_name, supporter.email) == ("", "", "")
    assert (supporter.street, supporter.city, supporter.zip) == ("", "", "")
    assert supporter.phone is None and supporter.personal_note is None
    assert supporter.matched_address is None and supporter.token != old_token
    assert "anahit" not in supporter.email_normalized
    assert supporter.state == "CA" and supporter.districts == {"us_house": "CA-30"}
    assert session.exec(select(Consent).where(Consent.supporter_id == supporter.id)).all() == []
    letters = session.exec(select(Letter).where(Letter.supporter_id == supporter.id)).all()
    assert len(letters) == 4
    assert {(x.subject, x.body, x.city, x.state) for x in letters} == {
        (ERASED_TEXT, ERASED_TEXT, None, "CA")
    }
    jobs = session.exec(
        select(Delivery).where(col(Delivery.letter_id).in_([x.id for x in letters]))
    ).all()
    # Sent stays sent (for reports); unsent are cancelled; one in flight is left to finish.
    assert sorted(job.status for job in jobs) == ["cancelled", "cancelled", "sending", "sent"]


def test_erasure_in_one_campaign_leaves_the_other_alone(session: Session) -> None:
    one = write(session, "anahit@example.org", ("sent",))
    other = write(session, "anahit@example.org", ("sent",))
    campaign = session.get(Campaign, one.campaign_id)

    assert erase_supporter(session, "anahit@example.org", campaign) == 1
    session.refresh(other)
    assert other.erased_at is None and other.first_name == "Anahit"
    assert erase_supporter(session, "anahit@example.org", campaign) == 0


def test_retention_purges_only_supporters_whose_letters_are_all_final_and_old(
    session: Session,
) -> None:
    settings = Settings(supporter_retention_days=30)
    long_ago = utcnow() - timedelta(days=40)
    done = write(session, "done@example.org", ("sent", "dead"), created_at=long_ago)
    waiting = write(session, "waiting@example.org", ("sent", "held"), created_at=long_ago)
    recent = write(session, "recent@example.org", ("sent",))
    for job in session.exec(select(Delivery)).all():
        job.updated_at = long_ago
        session.add(job)
    session.flush()

    assert purge_expired(session, settings, limit=100) == 1
    assert purge_expired(session, settings, limit=100) == 0
    for supporter in (done, waiting, recent):
        session.refresh(supporter)
    assert done.erased_at is not None
    assert waiting.erased_at is None and recent.erased_at is None
    assert purge_expired(session, Settings(supporter_retention_days=None)) == 0


@pytest.fixture
def cli_env(
    committed_engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("LETTERCAST_DATABASE_URL", database_url)
    monkeypatch.setenv("LETTERCAST_SUPPORTER_RETENTION_DAYS", "30")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_delete_command_erases_and_says_so(committed_engine: Engine, cli_env: None) -> None:
    with Session(committed_engine) as session:
        supporter = write(session, "anahit@example.org", ("sent",))
        campaign = session.get(Campaign, supporter.campaign_id)
        assert campaign is not None
        slug = campaign.slug
        session.commit()
        supporter_id = supporter.id
    runner = CliRunner()

    wrong_campaign = runner.invoke(
        cli, ["supporters", "delete", "anahit@example.org", "--campaign", "nope"]
    )
    erased = runner.invoke(cli, ["supporters", "delete", "Anahit@Example.org", "--campaign", slug])
    again = runner.invoke(cli, ["supporters", "delete", "anahit@example.org"])

    assert wrong_campaign.exit_code == 2
    assert erased.exit_code == 0 and "Erased" in erased.output
    assert again.exit_code == 1
    with Session(committed_engine) as session:
        row = session.get(Supporter, supporter_id)
        assert row is not None and row.erased_at is not None and row.email == ""


def test_the_purge_command_reports_how_many(committed_engine: Engine, cli_env: None) -> None:
    long_ago = utcnow() - timedelta(days=40)
    with Session(committed_engine) as session:
        write(session, "done@example.org", ("sent",), created_at=long_ago)
        for job in session.exec(select(Delivery)).all():
            job.updated_at = long_ago
            session.add(job)
        session.commit()

    result = CliRunner().invoke(cli, ["supporters", "purge"])

    assert result.exit_code == 0
    assert "Purged the personal data of 1 supporter" in result.output
