"""Fixtures for the submissions tests: a stand-in geocoder, a live campaign with templates, and
offices with officials for the districts the stand-in assigns to a few house numbers."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.campaigns.models import Campaign
from app.config import Settings
from app.main import create_app
from tests.factories import make_campaign, make_template
from tests.servers import serve_asgi
from tests.submissions.geocoder import StandInGeocoder, seed_offices

SUBJECT = "Please act on {{ resolution.code }}"
BODY = (
    "{{ official.salutation }},\n\nI write from {{ supporter.city }} about {{ resolution.code }}."
    "{% if personal_note %}\n\n{{ personal_note }}{% endif %}\n\nSincerely,\n"
    "{{ supporter.full_name }}\n{{ supporter.street }}\n{{ supporter.city }}, "
    "{{ supporter.state }} {{ supporter.zip }}"
)
# House numbers used by the tests; offices exist for their districts.
NUMBERS = (100, 101, 102, 103)


@dataclass
class World:
    campaign_id: int
    slug: str


@pytest.fixture(scope="session")
def geocoder() -> Iterator[tuple[StandInGeocoder, str]]:
    stand_in = StandInGeocoder(slow_seconds=1.0)
    with serve_asgi(stand_in.app) as url:
        yield stand_in, url


def submissions_settings(database_url: str, geocoder_url: str, **overrides: Any) -> Settings:
    fields: dict[str, Any] = {
        "database_url": database_url,
        "migrate_on_start": False,
        "run_worker_in_process": False,
        "census_geocoder_url": geocoder_url,
        "lookup_retries": 0,
        "lookup_timeout_s": 5.0,
        "secret_key": "test-secret-for-submissions",
        "log_format": "json",
    }
    return Settings(**(fields | overrides))


@pytest.fixture
def settings(
    committed_engine: Engine,
    database_url: str,
    tmp_path: Path,
    geocoder: tuple[StandInGeocoder, str],
) -> Settings:
    return submissions_settings(database_url, geocoder[1])


def seed_campaign(session: Session, **overrides: Any) -> Campaign:
    fields: dict[str, Any] = {
        "targeting": {
            "office_kinds": ["us_house", "us_senate", "state_upper", "state_lower"],
            "states": ["CA"],
        },
        "settings": {"channels": {}},
    }
    campaign = make_campaign(session, **(fields | overrides))
    for kind in ("us_house", "us_senate", "state_upper", "state_lower"):
        make_template(session, campaign, name=kind, subject_source=SUBJECT, body_source=BODY)
    return campaign


@pytest.fixture
def world(committed_engine: Engine) -> World:
    with Session(committed_engine) as session:
        seed_offices(session, NUMBERS)
        campaign = seed_campaign(session)
        session.commit()
        return World(campaign.id or 0, campaign.slug)


@pytest.fixture
def api(settings: Settings, world: World) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def submission(n: int = 100, email: str = "anahit@example.org", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "prefix": "Mx.",
        "first_name": "Anahit",
        "last_name": "Petrosyan",
        "email": email,
        "phone": "(818) 555-0100",
        "address": {
            "street": f"{n} N Brand Blvd",
            "street2": "Apt 4",
            "city": "Glendale",
            "state": "CA",
            "zip": "91203",
        },
        "personal_note": "My grandparents survived 1915.",
        "consent": True,
        "source": "newsletter",
    }
    return body | overrides
