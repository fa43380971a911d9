"""Supporter pages fixtures: a stand-in geocoder, a seeded SJR 11 campaign with its offices, and
the app served on the test database."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.config import PROJECT_ROOT, Settings
from app.letters.loader import load_campaign_directory
from app.main import create_app
from tests.factories import make_office, make_official
from tests.servers import serve_asgi
from tests.web import geocoder

SLUG = "sjr-11"
CAMPAIGN_DIR = PROJECT_ROOT / "letter_templates" / SLUG
OFFICES = [
    # key, kind, district, official id, name, title
    ("us_house:CA-30", "us_house", "30", "S000344", "Laura Friedman", "Representative"),
    ("us_senate:CA:1", "us_senate", None, "P000145", "Alex Padilla", "Senator"),
    ("us_senate:CA:3", "us_senate", None, "S001150", "Adam Schiff", "Senator"),
    (
        "state_upper:CA-25",
        "state_upper",
        "25",
        "ocd-person/aaaa-25",
        "Sasha Renee Perez",
        "Senator",
    ),
    (
        "state_lower:CA-44",
        "state_lower",
        "44",
        "ocd-person/bbbb-44",
        "Nick Schultz",
        "Assemblymember",
    ),
]


@pytest.fixture(scope="session")
def geocoder_url() -> Iterator[str]:
    with serve_asgi(geocoder.app) as url:
        yield url


def seed_campaign(engine: Engine) -> None:
    """The real SJR 11 campaign through the campaign loader, and the offices (with their
    holders) of one Glendale address; the loader adds the President's office itself."""
    with Session(engine) as session:
        load_campaign_directory(session, CAMPAIGN_DIR)
        for key, kind, district, official_id, name, title in OFFICES:
            office = make_office(
                session,
                key=key,
                kind=kind,
                state="CA",
                district=district,
                title=title,
                cwc_code=f"HCA{district}" if kind == "us_house" else None,
            )
            first, last = name.split(" ", 1)[0], name.rsplit(" ", 1)[-1]
            make_official(
                session,
                office,
                id=official_id,
                name=name,
                first_name=first,
                last_name=last,
                title=title,
            )
        session.commit()


@pytest.fixture
def web_settings(settings: Settings, geocoder_url: str) -> Settings:
    return settings.model_copy(
        update={
            "census_geocoder_url": geocoder_url,
            "lookup_retries": 0,
            "secret_key": "test-secret-for-supporter-pages",
            "embed_allowed_origins": "https://partner.example.org",
            "public_url": "https://letters.example.org",
        }
    )


@pytest.fixture
def seeded(committed_engine: Engine) -> Engine:
    seed_campaign(committed_engine)
    return committed_engine


@pytest.fixture
def web(web_settings: Settings, seeded: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(web_settings), follow_redirects=False) as client:
        yield client


ADDRESS = {
    "street": "100 N Brand Blvd",
    "street2": "Apt 4",
    "city": "Glendale",
    "state": "CA",
    "zip": "91203",
}
PERSON = {
    "prefix": "Ms.",
    "first_name": "Անահիտ",
    "last_name": "Պետրոսյան",
    "email": "anahit@example.org",
}
