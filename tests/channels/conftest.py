"""Fixtures for channel tests: the stand-ins served on 127.0.0.1, settings, and envelopes."""

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session

from app.config import PROJECT_ROOT, Settings
from app.delivery.channels import Envelope, Outcome
from app.delivery.envelopes import SUPPORTER_FIELDS
from tests.channels.standins import (
    ContactFormStandIn,
    CwcStandIn,
    MailApiStandIn,
    SmtpHandler,
)
from tests.databases import IN_CI
from tests.factories import make_campaign, make_letter, make_office, make_supporter
from tests.servers import free_port, serve_asgi

SHARED_SCHEMA = PROJECT_ROOT.parent / "shared" / "data" / "cwc" / "cwc_schema_v2.rng"
CWC_KEY = "test-cwc-key"
MAIL_TOKEN = "re_test_token"


@pytest.fixture(scope="session")
def cwc_schema() -> Path:
    """The House's RELAX NG schema from ../shared; never shipped, so tests skip without it."""
    if not SHARED_SCHEMA.exists():
        if IN_CI:
            pytest.fail(f"CI=true and the CWC schema is missing at {SHARED_SCHEMA}")
        pytest.skip(f"the CWC 2.0 schema is not at {SHARED_SCHEMA}")
    return SHARED_SCHEMA


def channel_settings(**overrides: Any) -> Settings:
    fields: dict[str, Any] = {
        "database_url": "sqlite:///unused.db",
        "organisation_name": "Armenian Letters Network",
        "mail_from": "letters@lettercast.example",
        "cwc_api_key": CWC_KEY,
        "cwc_delivery_agent": "Lettercast Test Agent",
        "cwc_delivery_agent_ack_email": "ack@lettercast.example",
        "cwc_delivery_agent_contact_name": "Agent Contact",
        "cwc_delivery_agent_contact_email": "agent@lettercast.example",
        "cwc_delivery_agent_contact_phone": "202-555-0100",
        "cwc_timeout_s": 2.0,
        "mail_timeout_s": 2.0,
    }
    return Settings(**(fields | overrides))


def run_channel(
    channel_cls: Any, settings: Settings, envelope: Envelope, method: str = "send"
) -> Outcome:
    async def go() -> Outcome:
        async with httpx.AsyncClient() as client:
            return await getattr(channel_cls(client, settings), method)(envelope)

    return asyncio.run(go())


def make_envelope(
    session: Session,
    *,
    campaign_settings: dict[str, Any] | None = None,
    office: dict[str, Any] | None = None,
    supporter: dict[str, Any] | None = None,
    letter: dict[str, Any] | None = None,
    key: str = "lc-0123456789abcdef0123456789abcdef01234567",
) -> Envelope:
    """An envelope built from real rows, the way the worker loads it."""
    campaign = make_campaign(session, settings=campaign_settings or {})
    office_row = make_office(session, **(office or {}))
    supporter_row = make_supporter(session, campaign, **(supporter or {}))
    letter_row = make_letter(session, supporter_row, office_row, **(letter or {}))
    return Envelope(
        letter=letter_row,
        office=office_row,
        idempotency_key=key,
        supporter={name: getattr(supporter_row, name) for name in SUPPORTER_FIELDS},
        campaign_slug=campaign.slug,
        campaign_settings=campaign.settings,
    )


@pytest.fixture
def cwc_server(cwc_schema: Path) -> Iterator[tuple[CwcStandIn, str]]:
    stand_in = CwcStandIn(cwc_schema, CWC_KEY)
    with serve_asgi(stand_in.app) as url:
        yield stand_in, url


@pytest.fixture
def mail_api() -> Iterator[tuple[MailApiStandIn, str]]:
    stand_in = MailApiStandIn(MAIL_TOKEN)
    with serve_asgi(stand_in.app) as url:
        yield stand_in, url


@pytest.fixture
def smtp_server() -> Iterator[tuple[SmtpHandler, int]]:
    handler = SmtpHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def form_server() -> Iterator[tuple[ContactFormStandIn, str]]:
    stand_in = ContactFormStandIn({"44": {"91203", "91205"}})
    with serve_asgi(stand_in.app) as url:
        yield stand_in, url
