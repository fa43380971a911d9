"""Bad input is a 4xx naming the field and the reason; never a 500, never a half-written record."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.campaigns.models import Campaign
from app.representatives.models import Official
from app.supporters.models import Supporter
from tests.submissions.conftest import World, submission
from tests.submissions.geocoder import StandInGeocoder
from tests.submissions.test_submit import count, url

ADDRESS = submission()["address"]


def with_address(**fields: Any) -> dict[str, Any]:
    return submission(address=ADDRESS | fields)


# (description, body, expected field path)
FIELD_PROBLEMS = [
    (
        "missing first name",
        {k: v for k, v in submission().items() if k != "first_name"},
        "first_name",
    ),
    ("blank last name", submission(last_name="   "), "last_name"),
    ("name too long", submission(first_name="A" * 101), "first_name"),
    ("name with a line break", submission(last_name="Petrosyan\nBcc: x"), "last_name"),
    ("e-mail without @", submission(email="anahit.example.org"), "email"),
    ("e-mail too long", submission(email="a" * 250 + "@example.org"), "email"),
    ("e-mail with a bad domain", submission(email="anahit@exa mple.org"), "email"),
    ("prefix not in the list", submission(prefix="Lord"), "prefix"),
    ("phone with letters", submission(phone="call me maybe"), "phone"),
    ("phone too short", submission(phone="555-0100"), "phone"),
    ("note too long", submission(personal_note="x" * 2001), "personal_note"),
    ("note with a control character", submission(personal_note="hi\x00there"), "personal_note"),
    ("source with markup", submission(source="<script>"), "source"),
    ("consent not a boolean", submission(consent="maybe"), "consent"),
    ("unknown field", submission(favourite_colour="red"), "favourite_colour"),
    ("missing address", {k: v for k, v in submission().items() if k != "address"}, "address"),
    ("street too long", with_address(street="1" * 201), "address.street"),
    ("blank city", with_address(city=""), "address.city"),
    ("state that is not a state", with_address(state="XX"), "address.state"),
    ("ZIP with letters", with_address(zip="9120A"), "address.zip"),
    ("ZIP+4 malformed", with_address(zip="91203-12"), "address.zip"),
    (
        "override body empty",
        submission(letter_overrides={"us_house:CA-49": ""}),
        "letter_overrides.us_house:CA-49",
    ),
    (
        "override key malformed",
        submission(letter_overrides={"DROP TABLE": "x"}),
        "letter_overrides.DROP TABLE.[key]",
    ),
]


def test_each_field_problem_is_422_naming_the_field_and_the_reason(
    api: TestClient, world: World, committed_engine: Engine
) -> None:
    # One app and one seeded world for every case: the cases differ only in the request.
    wrong = []
    for case, body, field in FIELD_PROBLEMS:
        response = api.post(url(world), json=body)
        error = response.json().get("error", {})
        fields = [problem["field"] for problem in error.get("fields", [])]
        reasons_given = all(problem["reason"] for problem in error.get("fields", []))
        if response.status_code != 422 or field not in fields or not reasons_given:
            wrong.append((case, response.status_code, fields))
    assert wrong == []
    assert count(committed_engine, Supporter) == 0


def test_several_problems_are_reported_together(api: TestClient, world: World) -> None:
    body = submission(email="nope", address=ADDRESS | {"zip": "1"})
    fields = {p["field"] for p in api.post(url(world), json=body).json()["error"]["fields"]}
    assert {"email", "address.zip"} <= fields


def test_a_body_that_is_not_json_is_422(api: TestClient, world: World) -> None:
    response = api.post(
        url(world), content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "body"


@pytest.mark.parametrize(
    ("street", "status", "code"),
    [
        ("100 Nowhere Rd", 422, "address_not_found"),
        ("100 Ocean Platform", 422, "no_district"),
        ("100 Broken Rd", 503, "upstream_unavailable"),
    ],
)
def test_an_address_that_cannot_be_matched_is_said_plainly(
    api: TestClient, world: World, committed_engine: Engine, street: str, status: int, code: str
) -> None:
    response = api.post(url(world), json=with_address(street=street))

    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    if status == 503:
        assert int(response.headers["retry-after"]) > 0
    assert count(committed_engine, Supporter) == 0


def test_an_address_outside_the_campaigns_states_is_told_so(
    api: TestClient, world: World, committed_engine: Engine
) -> None:
    response = api.post(url(world), json=with_address(city="Albany", state="NY", zip="12207"))

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "outside_targets"
    assert "CA" in error["message"] and "NY" in error["message"]
    assert error["fields"][0]["field"] == "address"
    assert count(committed_engine, Supporter) == 0


def test_the_geocoders_answer_is_kept_even_when_no_letter_can_be_written(
    api: TestClient,
    world: World,
    committed_engine: Engine,
    geocoder: tuple[StandInGeocoder, str],
) -> None:
    stand_in, _ = geocoder
    outside = with_address(street="12 Cached Ave", city="Albany", state="NY", zip="12207")
    inside = with_address(street="14 Cached Ave")
    asked_before = len(stand_in.requests)  # the stand-in serves every test of the module

    answers = [api.post(url(world), json=body).status_code for body in (outside, outside)]
    answers += [
        api.post(url(world), json=inside | {"email": f"w{n}@example.org"}).status_code
        for n in range(2)
    ]

    assert answers == [422, 422, 201, 201]  # two people at one address each write
    asked = stand_in.requests[asked_before:]
    assert sum("Cached Ave" in r.get("address", "") for r in asked) == 2


def test_an_address_with_nobody_to_write_to_is_told_so(
    api: TestClient, world: World, committed_engine: Engine
) -> None:
    with Session(committed_engine) as session:
        campaign = session.get(Campaign, world.campaign_id)
        assert campaign is not None
        campaign.targeting = {"office_kinds": ["state_lower"], "states": ["CA"]}
        session.add(campaign)
        vacated = session.exec(select(Official).where(Official.id == "ocd-statelower-CA-21")).one()
        vacated.in_office = False  # house number 100 lies in CA-21: now a vacant seat
        session.add(vacated)
        session.commit()

    vacant = api.post(url(world), json=submission())
    unloaded = api.post(url(world), json=with_address(street="150 Far Away St"))

    for response in (vacant, unloaded):
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "no_officials"
    assert count(committed_engine, Supporter) == 0
