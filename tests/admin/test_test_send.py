"""Test-send: the letter reaches the organiser's own address through the configured SMTP relay."""

from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings
from app.main import create_app
from tests.factories import make_campaign, make_office, make_official, make_template
from tests.organisers.accounts import make_organiser, sign_in
from tests.servers import free_port


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def test_test_send_delivers_the_rendered_letter_to_the_organiser(
    settings: Settings, db: Session, inbox: tuple[Inbox, int]
) -> None:
    handler, port = inbox
    mail = settings.model_copy(
        update={"mail_from": "letters@example.org", "smtp_host": "127.0.0.1", "smtp_port": port}
    )
    campaign = make_campaign(db, slug="mail")
    office = make_office(db, key="us_house:CA-30", kind="us_house")
    make_official(db, office, id="S001234", last_name="Schiff", title="Representative")
    make_template(
        db,
        campaign,
        subject_source="Please act on {{ resolution.code }}",
        body_source="{{ official.salutation }},\nI live in {{ supporter.city }}.\n",
    )
    signed = sign_in(db, mail, make_organiser(db, "editor", email="me@example.org"))
    with TestClient(create_app(mail), base_url="https://testserver") as web:
        answer = web.post(
            "/admin/campaigns/mail/templates/us_house/test-send",
            data=signed.form(official_id="S001234"),
            headers=signed.headers,
        )
    assert answer.status_code == 200
    assert "Sent version 1 to me@example.org." in answer.text
    [(recipients, message)] = handler.messages
    assert recipients == ["me@example.org"]
    assert message["Subject"] == "[Test] Please act on SJR 11"
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "Dear Representative Schiff,\nI live in Glendale." in body.replace("\r\n", "\n")
