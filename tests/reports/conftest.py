"""A small campaign with letters to three offices, in every delivery state, for report tests.

``seed_world`` works in a rolled-back ``session`` and in a committed one (HTTP and CLI tests).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.campaigns.models import Campaign
from app.config import Settings
from app.main import create_app
from app.representatives.models import Office
from app.supporters.models import Consent
from tests.factories import (
    make_campaign,
    make_delivery,
    make_letter,
    make_office,
    make_official,
    make_supporter,
)
from tests.organisers.accounts import Signed, make_organiser, sign_in

ARMENIAN_NAME = "Պետրոսյան"


@dataclass
class World:
    campaign: Campaign
    house: Office
    senate: Office
    assembly: Office
    letters: int = 0
    by_office: dict[str, int] = field(default_factory=dict)


# (first, last, city, state, source, day, office, status, channel, subject)
LETTERS = [
    ("Anahit", ARMENIAN_NAME, "Glendale", "CA", "newsletter", 3, "house", "sent", "cwc", "SJR 11"),
    ("Anahit", ARMENIAN_NAME, "Glendale", "CA", "newsletter", 3, "senate", "sent", "email", "SJR"),
    ("Aram", '=HYPERLINK("http://x")', "Burbank", "CA", "@insta", 4, "house", "held", "hold", "-1"),
    ("Lilit", "Sargsyan", "+Fresno", "CA", None, 5, "assembly", "queued", "email", "Act now"),
    ("Mary", "Smith", "Reno", "NV", "church", 7, "senate", "dead", "email", "\tTabbed"),
    ("Hovik", "Hakobyan", "Glendale", "CA", "newsletter", 9, "house", "cancelled", "cwc", "x"),
]


def seed_world(session: Session) -> World:
    campaign = make_campaign(
        session,
        title="Free the Armenian hostages",
        resolution={
            "code": "SJR 11",
            "title": "Armenian prisoners held by Azerbaijan",
            "session": "2023-24",
            "date": "2024-02-13",
            "authors": ["Grove"],
            "summary": "Calls for the release of Armenian prisoners.",
        },
        demands=[
            {"label": "Release", "text": "Release every Armenian prisoner.", "source": "SJR 11"},
            {"label": "Sanctions", "text": "Consider sanctions.", "source": "SJR 11"},
        ],
        settings={"goal": 100},
    )
    house = make_office(session, key="us_house:CA-30", district="30", title="U.S. Rep. CA-30")
    senate = make_office(
        session, key="us_senate:CA:1", kind="us_senate", district=None, title="U.S. Senator"
    )
    assembly = make_office(
        session, key="state_lower:CA-44", kind="state_lower", district="44", title="Assembly 44"
    )
    offices = {"house": house, "senate": senate, "assembly": assembly}
    official = make_official(session, house, id="H000001", first_name="Laura", last_name="Friedman")
    world = World(campaign, house, senate, assembly)
    supporters: dict[str, object] = {}
    for first, last, city, state, source, day, office_name, status, channel, subject in LETTERS:
        supporter = supporters.get(last) or make_supporter(
            session, campaign, first_name=first, last_name=last, city=city, state=state,
            source=source,
        )  # fmt: skip
        supporters[last] = supporter
        office = offices[office_name]
        letter = make_letter(
            session,
            supporter,
            office,
            subject=subject,
            body=f"Dear official,\nplease act.\n{first} {last}\n{city}, {state}",
            official_name="Laura Friedman" if office is house else "Pat Senator",
            official_id=official.id if office is house else None,
            source=source,
            created_at=datetime(2024, 2, day, 12, tzinfo=UTC),
        )
        make_delivery(session, letter, status=status, channel=channel)
        world.letters += 1
        world.by_office[office.key] = world.by_office.get(office.key, 0) + 1
    session.add(Consent(campaign_id=campaign.id, supporter_id=supporters[ARMENIAN_NAME].id,  # type: ignore[attr-defined]
                        email="anahit@example.org"))  # fmt: skip
    unsubscribed = Consent(
        campaign_id=campaign.id,
        email="gone@example.org",
        unsubscribed_at=datetime(2024, 3, 1, tzinfo=UTC),
    )
    session.add(unsubscribed)
    session.flush()
    return world


@pytest.fixture
def world(session: Session) -> World:
    return seed_world(session)


@pytest.fixture
def db(committed_engine: Engine) -> Iterator[Session]:
    with Session(committed_engine) as session:
        yield session


@pytest.fixture
def committed_world(db: Session) -> World:
    world = seed_world(db)
    db.commit()
    return world


@pytest.fixture
def web(settings: Settings) -> Iterator[TestClient]:
    # HTTPS, so the Secure `__Host-` session cookie goes back as a browser would send it.
    with TestClient(
        create_app(settings), base_url="https://testserver", follow_redirects=False
    ) as client:
        yield client


@pytest.fixture
def as_role(db: Session, settings: Settings) -> dict[str, Signed]:
    return {
        role: sign_in(db, settings, make_organiser(db, role))
        for role in ("viewer", "editor", "admin")
    }
