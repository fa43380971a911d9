"""Supporter pages fixtures: a stand-in geocoder, a seeded SJR 11 campaign with its offices, and
the app served on the test database."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.config import Settings
from app.main import create_app
from tests.factories import make_campaign, make_office, make_official, make_template
from tests.servers import serve_asgi
from tests.web import geocoder

SLUG = "sjr-11"
BODY = """{{ official.salutation }},

As your constituent in {{ supporter.city }}, I ask you to support {{ resolution.code }}.
{% for demand in demands %}
- {{ demand.text }}
{% endfor %}
{% if personal_note %}

{{ personal_note }}
{% endif %}

Sincerely,
{{ supporter.full_name }}
{{ supporter.street }}, {{ supporter.city }}, {{ supporter.state }} {{ supporter.zip }}
"""
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


def seed_campaign(engine: Engine, **overrides: Any) -> None:
    """The SJR 11 campaign, its letter templates and the offices of one Glendale address."""
    with Session(engine) as session:
        fields: dict[str, Any] = {
            "slug": SLUG,
            "title": "Bring the Armenian prisoners home",
            "status": "live",
            "language": "en",
            "description": "California's Legislature asked for the release of Armenian "
            "prisoners held in Azerbaijan.\n\nAsk your representatives to act on it.",
            "resolution": {
                "code": "SJR 11",
                "title": "Armenian hostages",
                "session": "2023-24",
                "authors": ["Senator Example"],
                "url": "https://leginfo.legislature.ca.gov/",
                "date": "2024-02-13",
                "summary": "Calls for the release of Armenian prisoners.",
            },
            "demands": [
                {
                    "label": "Release",
                    "text": "Release every Armenian prisoner.",
                    "source": "SJR 11",
                },
                {"label": "Account", "text": "Account for the missing.", "source": "SJR 11"},
            ],
            "targeting": {
                "office_kinds": ["us_house", "us_senate", "state_upper", "state_lower"],
                "states": ["CA"],
            },
            "settings": {"goal": 5000, "channels": {"us_house": "hold"}},
        }
        campaign = make_campaign(session, **(fields | overrides))
        for kind in ("us_house", "us_senate", "state_upper", "state_lower"):
            make_template(
                session,
                campaign,
                name=kind,
                subject_source="Please act on {{ resolution.code }}",
                body_source=BODY,
            )
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
