"""Reading upstream files: current roles only, district codes, malformed files refused."""

import json
from datetime import date
from pathlib import Path

import pytest
import yaml

from app.representatives import parsers, people, sources
from app.representatives.parsers import SourceError
from tests.representatives.conftest import FIXTURES, TODAY

PEOPLE = FIXTURES / "people" / "data" / "ca"


def _person(name: str) -> tuple[parsers.OfficeRecord | None, parsers.OfficialRecord]:
    path = next((PEOPLE / "legislature").glob(f"{name}-*.yml"))
    return people.parse_person(path.name, path.read_bytes(), TODAY)


def test_a_past_role_in_another_district_does_not_count() -> None:
    office, official = _person("Maro-Hakobyan")
    assert official.office_key == "state_upper:CA-25"
    assert office is not None and office.email == "senator.hakobyan@senate.ca.example"
    assert official.title == "Senator"


def test_a_past_mayoralty_is_not_a_state_role() -> None:
    _office, official = _person("Tigran-Sarkissian")
    assert official.office_key == "state_lower:CA-44"
    assert official.title == "Assemblymember"


def test_a_person_whose_roles_all_ended_holds_no_office_but_keeps_the_seat_known() -> None:
    office, official = _person("Old-Timer")
    assert official.office_key is None
    assert official.last_office_key == "state_upper:CA-8"
    assert office is not None and office.placeholder


def test_a_role_ending_today_still_counts_and_one_ended_yesterday_does_not() -> None:
    assert parsers.is_current("2020-01-01", "2026-06-01", date(2026, 6, 1))
    assert not parsers.is_current("2020-01-01", "2026-05-31", date(2026, 6, 1))
    assert not parsers.is_current("2027-01-01", None, date(2026, 6, 1))


def test_congress_members_get_house_keys_cwc_codes_and_senate_classes() -> None:
    path = FIXTURES / "congress-legislators" / "legislators-current.yaml"
    offices_path = FIXTURES / "congress-legislators" / "legislators-district-offices.yaml"
    district = parsers.parse_district_offices(offices_path.name, offices_path.read_bytes())
    offices, officials = parsers.parse_congress(path.name, path.read_bytes(), TODAY, district)
    by_key = {o.key: o for o in offices}
    assert by_key["us_house:CA-30"].cwc_code == "HCA30"
    assert by_key["us_house:CA-30"].contact_form_url == "https://vardanyan.house.example/contact"
    assert [a["city"] for a in by_key["us_house:CA-30"].addresses[1:]] == ["Los Angeles"]
    assert by_key["us_house:DC-00"].cwc_code == "HDC00"
    assert by_key["us_house:WY-00"].cwc_code == "HWY00"
    assert {"us_senate:CA:1", "us_senate:CA:3"} <= set(by_key)
    titles = {o.id: o.title for o in officials}
    assert titles["X000201"] == "Delegate"
    appointed = next(o for o in officials if o.id == "X000401")
    assert appointed.office_key is None  # the term ended: the seat is vacant, not theirs
    assert by_key["us_senate:OH:3"].placeholder


def test_the_zcta_table_pads_districts_and_reads_at_large_as_00() -> None:
    path = FIXTURES / "zcta" / "zccd.csv"
    rows = parsers.parse_zcta(path.name, path.read_bytes())
    assert ("90002", "CA", "32") in rows
    assert ("20001", "DC", "00") in rows


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("legislators-current.yaml", b"- id: {bioguide: X1}\n  name: [unclosed", "not valid YAML"),
        ("legislators-current.yaml", b"- id: {bioguide: X1}\n  terms: []\n", "entry 1"),
        ("zccd.csv", b"zip,district\n90001,30\n", "expected the header"),
        ("zccd.csv", b"state_fips,state_abbr,zcta,cd\n06,CA,9000,30\n", "line 2"),
        ("legislators-current.json", b"{not json", "not valid JSON"),
    ],
)
def test_malformed_files_are_refused_with_the_file_and_the_place(
    name: str, content: bytes, reason: str
) -> None:
    with pytest.raises(SourceError, match=reason):
        if name.endswith(".csv"):
            parsers.parse_zcta(name, content)
        else:
            parsers.parse_congress(name, content, TODAY)


def test_a_person_file_without_an_ocd_id_is_refused() -> None:
    with pytest.raises(SourceError, match="ocd-person"):
        people.parse_person("x.yml", b"id: 12\nname: X\nroles: []\n", TODAY)


def test_a_directory_is_searched_recursively_for_the_files_it_recognises() -> None:
    found = sources.from_directory(FIXTURES)
    assert [name for name, _ in found.congress] == ["congress-legislators/legislators-current.yaml"]
    assert len(found.district_offices) == 1
    assert len(found.people) == 5
    assert len(found.zcta) == 1
    assert sources.from_directory(FIXTURES, states={"NY"}).people == []


def test_the_json_edition_reads_the_same_as_the_yaml(tmp_path: Path) -> None:
    path = FIXTURES / "congress-legislators" / "legislators-current.yaml"
    as_json = json.dumps(yaml.safe_load(path.read_text()), default=str).encode()
    from_yaml = parsers.parse_congress(path.name, path.read_bytes(), TODAY)
    from_json = parsers.parse_congress("legislators-current.json", as_json, TODAY)
    assert from_json == from_yaml
    assert sources.classify("x/legislators-current.json") == "congress"
