"""Importing officials: idempotent upserts, retirements instead of deletions, all or nothing."""

import shutil
from pathlib import Path

import pytest
import yaml
from sqlmodel import Session, col, select

from app.representatives.cache import remember_districts
from app.representatives.lookup import DistrictResult
from app.representatives.models import DistrictLookupCache, Office, Official, ZipDistrict
from app.representatives.parsers import SourceError
from app.representatives.sync import SyncSummary
from tests.representatives.conftest import FIXTURES, import_fixtures


def _official(session: Session, official_id: str) -> Official:
    official = session.get(Official, official_id)
    assert official is not None
    return official


def _office(session: Session, key: str) -> Office:
    office = session.exec(select(Office).where(Office.key == key)).one()
    return office


def test_import_creates_offices_with_their_holders(session: Session, imported: SyncSummary) -> None:
    house = _office(session, "us_house:CA-30")
    assert house.cwc_code == "HCA30" and house.phone == "202-225-0030"
    assert _official(session, "X000030").office_id == house.id
    senator = _official(session, "ocd-person/11111111-1111-4111-8111-111111111111")
    assert senator.office_id == _office(session, "state_upper:CA-25").id
    assert _office(session, "state_upper:CA-25").email == "senator.hakobyan@senate.ca.example"
    governor = _office(session, "executive:CA:governor")
    assert _official(session, "ocd-person/55555555-5555-4555-8555-555555555555").office_id == (
        governor.id
    )
    assert imported.added["us_house"] == 4 and imported.added["state_lower"] == 2


def test_seats_from_the_zip_table_and_past_roles_exist_even_when_vacant(
    session: Session, imported: SyncSummary
) -> None:
    vacant_house = _office(session, "us_house:CA-14")
    assert vacant_house.cwc_code == "HCA14"
    assert not session.exec(
        select(Official).where(Official.office_id == vacant_house.id, Official.in_office)
    ).all()
    old_timer = _official(session, "ocd-person/44444444-4444-4444-8444-444444444444")
    assert not old_timer.in_office
    assert old_timer.office_id == _office(session, "state_upper:CA-8").id
    assert not _official(session, "X000401").in_office
    assert imported.vacant["us_house"] == 1  # CA-14
    assert imported.zip_rows == 6


def test_a_second_import_of_the_same_files_changes_nothing(
    session: Session, imported: SyncSummary
) -> None:
    again = import_fixtures(session)
    assert again.as_json()["officials"] == {"added": 0, "updated": 0, "retired": 0}
    assert sum(again.offices_added.values()) == 0
    assert len(session.exec(select(ZipDistrict)).all()) == 6


def test_an_official_gone_from_the_data_is_retired_not_deleted(
    session: Session, imported: SyncSummary, tmp_path: Path
) -> None:
    later = tmp_path / "later"
    shutil.copytree(FIXTURES, later)
    next(later.rglob("Tigran-Sarkissian-*.yml")).unlink()
    current = later / "congress-legislators" / "legislators-current.yaml"
    members = yaml.safe_load(current.read_text())
    members = [m for m in members if m["id"]["bioguide"] != "X000032"]
    members[0]["terms"][-1]["phone"] = "202-225-9999"
    current.write_text(yaml.safe_dump(members))

    summary = import_fixtures(session, later)

    assert summary.retired["state_lower"] == 1 and summary.retired["us_house"] == 1
    assert summary.updated["us_house"] == 0  # the phone is the office's, not the person's
    tigran = _official(session, "ocd-person/22222222-2222-4222-8222-222222222222")
    assert not tigran.in_office
    assert tigran.office_id == _office(session, "state_lower:CA-44").id
    assert not _official(session, "X000032").in_office
    assert _office(session, "us_house:CA-30").phone == "202-225-9999"


def test_a_state_filtered_import_retires_nobody_elsewhere(
    session: Session, imported: SyncSummary
) -> None:
    summary = import_fixtures(session, states={"WY"})
    assert sum(summary.retired.values()) == 0
    assert _official(session, "X000030").in_office
    # The ZIP table is replaced for Wyoming only.
    assert {z.state for z in session.exec(select(ZipDistrict)).all()} == {"CA", "DC", "WY"}


def test_a_malformed_file_changes_nothing(
    session: Session, imported: SyncSummary, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(FIXTURES, broken)
    next(broken.rglob("Maro-Hakobyan-*.yml")).unlink()
    (broken / "zcta" / "zccd.csv").write_text("state_fips,state_abbr,zcta,cd\n06,CA,9000x,30\n")
    before = {o.id: (o.in_office, o.office_id) for o in session.exec(select(Official)).all()}

    with pytest.raises(SourceError, match="line 2"):
        import_fixtures(session, broken)

    after = {o.id: (o.in_office, o.office_id) for o in session.exec(select(Official)).all()}
    assert after == before
    assert len(session.exec(select(ZipDistrict)).all()) == 6


def test_an_official_returning_to_office_is_counted_as_updated(
    session: Session, imported: SyncSummary
) -> None:
    official = _official(session, "X000030")
    official.in_office = False
    session.flush()
    summary = import_fixtures(session)
    assert summary.updated["us_house"] == 1
    assert _official(session, "X000030").in_office
    in_office = session.exec(select(Official).where(col(Official.in_office).is_(True))).all()
    assert len(in_office) == 10


def test_a_sync_purges_expired_geocoder_answers(session: Session, imported: SyncSummary) -> None:
    result = DistrictResult("1 A ST, X, CA", "CA", {"us_house": "CA-30"})
    remember_districts(session, "census", "1 a st x ca", result, days=-1)
    remember_districts(session, "census", "2 a st x ca", result, days=1)
    import_fixtures(session)
    assert len(session.exec(select(DistrictLookupCache)).all()) == 1


def test_a_person_with_no_state_role_is_not_imported(session: Session, tmp_path: Path) -> None:
    folder = tmp_path / "data" / "us" / "legislature"
    folder.mkdir(parents=True)
    (folder / "Member-66666666-6666-4666-8666-666666666666.yml").write_text(
        "id: ocd-person/66666666-6666-4666-8666-666666666666\nname: Congress Member\n"
        "roles:\n- type: lower\n  district: CA-30\n"
        "  jurisdiction: ocd-jurisdiction/country:us/government\n"
    )
    import_fixtures(session, tmp_path)
    assert session.get(Official, "ocd-person/66666666-6666-4666-8666-666666666666") is None
