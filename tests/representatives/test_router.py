"""GET /api/representatives: the same answers over HTTP, errors with codes and statuses."""

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tests.factories import make_campaign

ADDRESS = "100 Example St, Los Angeles, CA 90001"


def test_an_address_lists_offices_with_kind_key_district_and_officials(
    client: TestClient, committed_fixtures: None
) -> None:
    response = client.get("/api/representatives", params={"address": ADDRESS})
    assert response.status_code == 200
    body = response.json()
    assert body["matched_address"] == "100 EXAMPLE ST, LOS ANGELES, CA, 90001"
    house = body["offices"][0]
    assert house == {
        "kind": "us_house",
        "key": "us_house:CA-30",
        "title": "U.S. Representative for CA-30",
        "district": "CA-30",
        "vacant": False,
        "officials": [
            {
                "id": "X000030",
                "name": "Ani Vardanyan",
                "title": "Representative",
                "party": "Democrat",
            }
        ],
    }
    assert [o["key"] for o in body["offices"]][1:] == [
        "us_senate:CA:1",
        "us_senate:CA:3",
        "state_upper:CA-25",
        "state_lower:CA-44",
    ]


def test_an_ambiguous_zip_is_422_with_the_candidate_districts(
    client: TestClient, committed_fixtures: None
) -> None:
    response = client.get("/api/representatives", params={"zip": "90002"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "ambiguous_zip"
    assert response.json()["error"]["candidates"] == ["CA-30", "CA-32"]


def test_bad_input_and_unmatched_addresses_get_their_own_codes_and_statuses(
    client: TestClient, committed_fixtures: None
) -> None:
    cases = [
        ({}, 422, "invalid_address"),
        ({"zip": "12"}, 422, "invalid_zip"),
        ({"address": "1 Nomatch Rd, Nowhere, CA"}, 404, "address_not_found"),
        ({"address": "1 Zzdistrict Rd, Bay, CA"}, 404, "no_district"),
        ({"address": ADDRESS, "campaign": "no-such-campaign"}, 404, "campaign_not_found"),
    ]
    for params, status, code in cases:
        response = client.get("/api/representatives", params=params)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), params


def test_an_unavailable_geocoder_is_503_with_retry_after(
    client: TestClient, committed_fixtures: None
) -> None:
    response = client.get("/api/representatives", params={"address": "1 Boom St, CA 90001"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"
    assert "try again" in response.json()["error"]["message"]


def test_a_campaign_applies_its_targeting(
    client: TestClient, committed_fixtures: None, committed_engine: Engine
) -> None:
    with Session(committed_engine) as session:
        make_campaign(
            session,
            slug="sjr-11-test",
            targeting={
                "office_kinds": ["state_upper", "state_lower", "executive"],
                "states": ["CA"],
                "executive": ["executive:CA:governor"],
            },
        )
        session.commit()
    response = client.get(
        "/api/representatives", params={"address": ADDRESS, "campaign": "sjr-11-test"}
    )
    assert [o["key"] for o in response.json()["offices"]] == [
        "state_upper:CA-25",
        "state_lower:CA-44",
        "executive:CA:governor",
    ]
    outside = client.get(
        "/api/representatives",
        params={"address": "1 Delegate Way NW, Washington, DC", "campaign": "sjr-11-test"},
    )
    assert (outside.status_code, outside.json()["error"]["code"]) == (422, "outside_targets")


def test_openapi_documents_the_answer_and_every_error_status(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/representatives"]["get"]
    assert {"200", "404", "422", "503"} <= set(operation["responses"])
    examples = operation["responses"]["422"]["content"]["application/json"]["examples"]
    assert examples["ambiguous_zip"]["value"]["error"]["candidates"] == ["CA-34", "CA-37"]
    assert {p["name"] for p in operation["parameters"]} == {"address", "zip", "campaign"}
