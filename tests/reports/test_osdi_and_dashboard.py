"""OSDI interchange documents and the dashboard's figures and charts."""

import json

import pytest
from lxml import etree
from sqlmodel import Session

from app.reports import charts, osdi
from app.reports.dashboard import build_dashboard
from tests.reports.conftest import ARMENIAN_NAME, World


def osdi_json(session: Session, world: World, personal: bool) -> dict[str, object]:
    chunks = osdi.osdi_document(
        session, world.campaign, include_personal=personal, browser_url="https://x/c/s"
    )
    return json.loads(b"".join(chunks))


def test_osdi_document_is_an_advocacy_campaign_with_one_outreach_per_letter(
    session: Session, world: World
) -> None:
    document = osdi_json(session, world, personal=False)
    assert document["title"] == "Free the Armenian hostages"
    assert document["origin_system"] == "Lettercast"
    assert document["total_outreaches"] == world.letters
    outreaches = document["_embedded"]["osdi:outreaches"]  # type: ignore[index]
    assert len(outreaches) == world.letters
    first = outreaches[0]
    assert first["type"] == "email"
    assert first["subject"] == "SJR 11"
    assert "please act" in first["message"]
    assert first["targets"] == [
        {
            "title": "Representative",
            "organization": "U.S. House of Representatives",
            "given_name": "Laura",
            "family_name": "Friedman",
            "ocdid": "ocd-division/country:us/state:ca/cd:30",
        }
    ]
    assert outreaches[2]["type"] == "postal mail"  # held for hand delivery
    assert outreaches[3]["targets"][0]["ocdid"] == "ocd-division/country:us/state:ca/sldl:44"
    assert all("_embedded" not in o for o in outreaches)


def test_osdi_embeds_the_writer_only_when_personal_data_is_asked_for(
    session: Session, world: World
) -> None:
    outreaches = osdi_json(session, world, personal=True)["_embedded"]["osdi:outreaches"]  # type: ignore[index]
    person = outreaches[0]["_embedded"]["osdi:person"]
    assert person["family_name"] == ARMENIAN_NAME
    assert person["postal_addresses"][0]["locality"] == "Glendale"
    assert person["email_addresses"][0]["address"].endswith("@example.org")


@pytest.mark.parametrize(
    ("kind", "state", "district", "expected"),
    [
        ("us_house", "CA", "07", "ocd-division/country:us/state:ca/cd:7"),
        ("us_house", "WY", "00", "ocd-division/country:us/state:wy"),
        ("us_senate", "CA", None, "ocd-division/country:us/state:ca"),
        ("state_upper", "CA", "25", "ocd-division/country:us/state:ca/sldu:25"),
        ("executive", None, None, "ocd-division/country:us"),
        ("custom", None, None, None),
    ],
)
def test_ocdid_names_the_constituency(
    kind: str, state: str | None, district: str | None, expected: str | None
) -> None:
    assert osdi.ocdid(kind, state, district) == expected


def test_dashboard_counts_letters_by_status_channel_day_district_office_source_and_city(
    session: Session, world: World
) -> None:
    figures = build_dashboard(session, world.campaign)
    assert figures.letters == world.letters
    assert figures.supporters == 5
    assert dict(figures.by_status) == {
        "sent": 2, "held": 1, "queued": 1, "dead": 1, "cancelled": 1,
    }  # fmt: skip
    assert dict(figures.by_channel) == {"cwc": 2, "email": 3, "hold": 1}
    assert figures.per_day[0] == ("2024-02-03", 2)
    assert ("2024-02-06", 0) in figures.per_day  # quiet days are shown as zero
    assert figures.per_day[-1] == ("2024-02-09", 1)
    assert dict(figures.per_district) == {"U.S. House CA-30": 3, "Assembly CA-44": 1}
    assert figures.per_office[0] == ("Laura Friedman (us_house:CA-30)", 3)
    assert dict(figures.by_source) == {"newsletter": 3, "@insta": 1, "(none)": 1, "church": 1}
    assert figures.top_cities[0] == ("Glendale, CA", 3)
    assert figures.goal == 100


def test_charts_are_self_contained_svg_with_labels_escaped() -> None:
    svg = charts.bar_chart("Sources", [("<script>alert(1)</script>", 3), (ARMENIAN_NAME, 1)])
    tree = etree.fromstring(str(svg).encode())
    assert tree.tag.endswith("svg") and tree.get("viewBox")
    assert "<script>" not in str(svg)
    assert ARMENIAN_NAME in str(svg)
    days = charts.day_chart("Per day", [("2024-02-03", 2), ("2024-02-04", 0)])
    assert etree.fromstring(str(days).encode()).get("role") == "img"
