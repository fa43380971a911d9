"""Enqueueing letters: channel choice, visible holds, stable keys, status for the thanks page."""

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.config import Settings
from app.delivery import service
from tests.factories import make_campaign, make_letter, make_office, make_supporter


def _letter(session: Session, channels: dict[str, str] | None = None, kind: str = "us_house"):
    campaign = make_campaign(session, settings={"channels": channels or {}})
    office = make_office(session, kind=kind)
    letter = make_letter(session, make_supporter(session, campaign), office)
    return campaign, office, letter


def test_letter_for_an_office_kind_with_a_channel_is_queued_on_it(session: Session) -> None:
    campaign, office, letter = _letter(session, {"us_house": "webhook"})
    delivery = service.enqueue_letter(session, letter=letter, campaign=campaign, office=office)
    assert (delivery.channel, delivery.status, delivery.last_error) == ("webhook", "queued", None)


def test_office_kind_without_a_channel_is_held_and_says_why(session: Session) -> None:
    campaign, office, letter = _letter(session, {"us_house": "webhook"}, kind="state_upper")
    delivery = service.enqueue_letter(session, letter=letter, campaign=campaign, office=office)
    assert (delivery.channel, delivery.status) == ("hold", "held")
    assert "no delivery channel is configured for state_upper" in (delivery.last_error or "")


def test_unknown_channel_is_held_not_dropped(session: Session) -> None:
    campaign, office, letter = _letter(session, {"us_house": "carrier-pigeon"})
    delivery = service.enqueue_letter(session, letter=letter, campaign=campaign, office=office)
    assert delivery.status == "held"
    assert "carrier-pigeon" in (delivery.last_error or "")


def test_webhook_without_url_is_held_when_settings_are_given(session: Session) -> None:
    campaign, office, letter = _letter(session, {"us_house": "webhook"})
    delivery = service.enqueue_letter(
        session, letter=letter, campaign=campaign, office=office, settings=Settings()
    )
    assert delivery.status == "held"
    assert "webhook URL" in (delivery.last_error or "")


def test_idempotency_key_is_derived_from_the_letter_and_a_second_job_is_refused(
    session: Session,
) -> None:
    campaign, office, letter = _letter(session, {"us_house": "webhook"})
    first = service.enqueue_letter(session, letter=letter, campaign=campaign, office=office)
    assert first.idempotency_key == service.idempotency_key_for(letter.id, campaign.id)
    assert first.idempotency_key.startswith("lc-") and len(first.idempotency_key) <= 64
    other = make_letter(session, make_supporter(session, campaign), office)
    assert service.idempotency_key_for(other.id, campaign.id) != first.idempotency_key
    session.flush()
    with pytest.raises(IntegrityError), session.begin_nested():
        service.enqueue_letter(session, letter=letter, campaign=campaign, office=office)
        session.flush()


def test_status_for_letters_follows_manual_actions(session: Session) -> None:
    campaign, office, letter = _letter(session, {"us_house": "webhook"})
    other = make_letter(session, make_supporter(session, campaign), office)
    held_office = make_office(session, kind="custom")
    held = make_letter(session, make_supporter(session, campaign), held_office)
    service.enqueue_letter(session, letter=letter, campaign=campaign, office=office)
    d2 = service.enqueue_letter(session, letter=other, campaign=campaign, office=office)
    d3 = service.enqueue_letter(session, letter=held, campaign=campaign, office=held_office)
    session.flush()
    service.cancel(session, [d2.id])
    service.mark_delivered(session, [d3.id], on=date(2024, 3, 1))
    statuses = service.status_for_letters(session, [letter.id, other.id, held.id, 999_999])
    assert statuses == {letter.id: "queued", other.id: "cancelled", held.id: "sent"}
    assert d3.delivered_by_hand_on is not None
    assert d3.delivered_by_hand_on.date() == date(2024, 3, 1)


def test_channels_get_every_column_of_the_letter() -> None:
    from dataclasses import fields

    from app.delivery.channels import LetterData
    from app.letters.models import Letter

    columns = {c.name for c in Letter.__table__.columns}  # type: ignore[attr-defined]
    assert {f.name for f in fields(LetterData)} == columns


def test_held_letters_are_sent_once_their_office_kind_gets_a_channel(session: Session) -> None:
    campaign, office, letter = _letter(session, {})
    delivery = service.enqueue_letter(session, letter=letter, campaign=campaign, office=office)
    session.flush()
    configured = Settings(webhook_url="http://127.0.0.1:9/hook", webhook_secret="s")
    assert service.retry(session, [delivery.id], configured) == []
    assert delivery.status == "held"
    campaign.settings = {"channels": {"us_house": "webhook"}}
    session.add(campaign)
    session.flush()
    assert service.retry(session, [delivery.id], Settings()) == []  # no webhook URL yet
    assert "webhook URL" in (delivery.last_error or "")
    assert service.retry(session, [delivery.id], configured) == [delivery]
    assert (delivery.status, delivery.channel, delivery.last_error) == ("queued", "webhook", None)
