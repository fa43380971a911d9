"""The supporter's own copy, e-mail confirmation and unsubscribing, through a real SMTP server."""

import asyncio
import re
from datetime import timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.config import Settings
from app.delivery.models import Delivery
from app.notifications import service
from app.notifications.models import Notification
from app.notifications.outbox import LEASE_S, send_due
from app.supporters.models import Consent, Supporter
from tests.channels.standins import SmtpHandler
from tests.factories import (
    make_campaign,
    make_delivery,
    make_letter,
    make_office,
    make_supporter,
)


class Out:
    """Stands for the submission answer's letters (``id`` and ``status``)."""

    def __init__(self, id: int | None, status: str) -> None:
        self.id, self.status = id, status


def mail_settings(settings: Settings, port: int, **extra: Any) -> Settings:
    return settings.model_copy(
        update={
            "mail_from": "letters@lettercast.example",
            "organisation_name": "Armenian Letters Network",
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "public_url": "https://letters.example",
            "secret_key": "test-secret",
        }
        | extra
    )


def submit_rows(engine: Engine, *, confirm: bool = False, consent: bool = False) -> dict[str, Any]:
    """What a submission writes: supporter, two letters and their jobs, then our hook."""
    with Session(engine) as session:
        campaign = make_campaign(
            session,
            title="Free the Armenian hostages",
            settings={"require_email_confirmation": confirm},
        )
        supporter = make_supporter(session, campaign)
        letters = []
        for body in ("Dear Representative, please act.", "Dear Senator, please act."):
            letter = make_letter(session, supporter, make_office(session), body=body)
            make_delivery(session, letter, channel="email")
            letters.append(letter)
        if consent:
            session.add(Consent(campaign_id=campaign.id, supporter_id=supporter.id, email="x"))
        out = [Out(letter.id, "queued") for letter in letters]
        service.after_submission(session, campaign, supporter.id, out)
        session.commit()
        return {
            "slug": campaign.slug,
            "token": supporter.token,
            "email": supporter.email,
            "supporter_id": supporter.id,
            "bodies": [letter.body for letter in letters],
            "out": out,
        }


def drain(engine: Engine, settings: Settings) -> int:
    async def go() -> int:
        async with httpx.AsyncClient() as client:
            return await send_due(engine, client, settings)

    return asyncio.run(go())


def statuses(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return [d.status for d in session.exec(select(Delivery).order_by(Delivery.id))]


def test_supporter_gets_a_copy_of_each_letter_and_the_thanks_link(
    committed_engine: Engine, settings: Settings, smtp_server: tuple[SmtpHandler, int]
) -> None:
    handler, port = smtp_server
    rows = submit_rows(committed_engine)
    assert drain(committed_engine, mail_settings(settings, port)) == 1
    (message,) = handler.messages
    assert message["To"] == rows["email"]
    assert message["From"] == "Armenian Letters Network <letters@lettercast.example>"
    text = message.get_payload(decode=True).decode().replace("\r\n", "\n")
    assert f"https://letters.example/c/{rows['slug']}/thanks/{rows['token']}" in text
    for body in rows["bodies"]:
        assert body in text
    assert "confirm" not in text.lower() and "unsubscribe" not in text.lower()
    assert statuses(committed_engine) == ["queued", "queued"]
    with Session(committed_engine) as session:
        assert session.exec(select(Notification)).one().status == "sent"
    assert drain(committed_engine, mail_settings(settings, port)) == 0  # sent once


def test_letters_wait_for_confirmation_and_go_once_the_supporter_confirms(
    committed_engine: Engine,
    settings: Settings,
    client: TestClient,
    smtp_server: tuple[SmtpHandler, int],
) -> None:
    handler, port = smtp_server
    rows = submit_rows(committed_engine, confirm=True)
    assert [o.status for o in rows["out"]] == ["held", "held"]
    assert statuses(committed_engine) == ["held", "held"]
    drain(committed_engine, mail_settings(settings, port))
    text = handler.messages[0].get_payload(decode=True).decode()
    link = re.search(r"https://letters\.example(/notifications/confirm/\S+)", text)
    assert link and "confirm" in handler.messages[0]["Subject"].lower()
    assert client.get(link.group(1)).status_code == 200  # opening the link confirms nothing
    assert statuses(committed_engine) == ["held", "held"]
    assert client.post(link.group(1)).status_code == 200
    assert statuses(committed_engine) == ["queued", "queued"]
    assert client.post(link.group(1)).status_code == 200  # twice is harmless
    assert client.post("/notifications/confirm/not-a-token").status_code == 404


def test_consent_emails_carry_an_unsubscribe_link_that_works(
    committed_engine: Engine,
    settings: Settings,
    client: TestClient,
    smtp_server: tuple[SmtpHandler, int],
) -> None:
    handler, port = smtp_server
    submit_rows(committed_engine, consent=True)
    # The app signs with the same secret as the e-mail: the fixture's settings.
    drain(committed_engine, mail_settings(settings, port, secret_key=settings.secret_key))
    (message,) = handler.messages
    text = message.get_payload(decode=True).decode()
    link = re.search(r"https://letters\.example(/notifications/unsubscribe/\S+)", text)
    assert link and message["List-Unsubscribe"] == f"<https://letters.example{link.group(1)}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert client.post(link.group(1)[:-4] + "0000").status_code == 404
    assert client.post(link.group(1)).status_code == 200
    with Session(committed_engine) as session:
        assert session.exec(select(Consent)).one().unsubscribed_at is not None
    assert "Unsubscribed" in client.get(link.group(1)).text


def test_an_erased_supporter_gets_no_email_and_the_copy_is_cancelled(
    committed_engine: Engine, settings: Settings, smtp_server: tuple[SmtpHandler, int]
) -> None:
    handler, port = smtp_server
    rows = submit_rows(committed_engine)
    with Session(committed_engine) as session:
        supporter = session.get(Supporter, rows["supporter_id"])
        assert supporter is not None
        supporter.erased_at = supporter.created_at
        session.add(supporter)
        session.commit()
    drain(committed_engine, mail_settings(settings, port))
    assert handler.messages == []
    with Session(committed_engine) as session:
        assert session.exec(select(Notification)).one().status == "cancelled"


def test_copies_wait_while_email_is_unconfigured_and_retry_when_the_relay_is_busy(
    committed_engine: Engine, settings: Settings, smtp_server: tuple[SmtpHandler, int]
) -> None:
    handler, port = smtp_server
    rows = submit_rows(committed_engine)
    assert drain(committed_engine, mail_settings(settings, port, mail_from=None)) == 0
    handler.refuse[rows["email"]] = "451 4.3.0 Try again later"
    assert drain(committed_engine, mail_settings(settings, port)) == 1
    with Session(committed_engine) as session:
        row = session.exec(select(Notification)).one()
        assert row.status == "failed" and row.attempts == 1
        assert row.last_error and "451" in row.last_error
        assert row.next_attempt_at > row.created_at
    assert handler.messages == []


def test_a_copy_claimed_by_a_worker_that_died_is_sent_once_its_lease_runs_out(
    committed_engine: Engine, settings: Settings, smtp_server: tuple[SmtpHandler, int]
) -> None:
    handler, port = smtp_server
    submit_rows(committed_engine)
    with Session(committed_engine) as session:
        row = session.exec(select(Notification)).one()
        row.status, row.attempts = "sending", 1
        row.lease_expires_at = row.created_at + timedelta(seconds=LEASE_S)
        session.add(row)
        session.commit()
    assert drain(committed_engine, mail_settings(settings, port)) == 0  # still leased
    with Session(committed_engine) as session:
        row = session.exec(select(Notification)).one()
        row.lease_expires_at = row.created_at - timedelta(seconds=1)
        session.add(row)
        session.commit()
    assert drain(committed_engine, mail_settings(settings, port)) == 1
    assert len(handler.messages) == 1
    with Session(committed_engine) as session:
        row = session.exec(select(Notification)).one()
        assert (row.status, row.attempts) == ("sent", 2)
