"""find_representatives: districts to offices and their holders, the cache, campaign targeting."""

import asyncio
import threading
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.campaigns.models import Campaign
from app.config import Settings
from app.db import utcnow
from app.representatives import service
from app.representatives.cache import remember_districts
from app.representatives.lookup import DistrictResult
from app.representatives.models import DistrictLookupCache
from app.representatives.service import Representation, RepresentativeLookupError
from app.representatives.sync import SyncSummary
from tests.factories import make_campaign, make_office, make_official

ADDRESS = "100 Example St, Los Angeles, CA 90001"


def _find(session: Session, settings: Settings, **kwargs: Any) -> Representation:
    async def run() -> Representation:
        async with httpx.AsyncClient() as client:
            return await service.find_representatives(session, client, settings, **kwargs)

    return asyncio.run(run())


def _error(session: Session, settings: Settings, **kwargs: Any) -> RepresentativeLookupError:
    with pytest.raises(RepresentativeLookupError) as caught:
        _find(session, settings, **kwargs)
    return caught.value


def _holders(representation: Representation) -> dict[str, list[str]]:
    return {m.key: [o.id for o in m.officials] for m in representation.offices}


def test_an_address_yields_house_member_both_senators_and_state_legislators(
    session: Session, imported: SyncSummary, census_settings: Settings
) -> None:
    found = _find(session, census_settings, address=ADDRESS)
    assert found.matched_address == "100 EXAMPLE ST, LOS ANGELES, CA, 90001"
    assert _holders(found) == {
        "us_house:CA-30": ["X000030"],
        "us_senate:CA:1": ["X000101"],
        "us_senate:CA:3": ["X000103"],
        "state_upper:CA-25": ["ocd-person/11111111-1111-4111-8111-111111111111"],
        "state_lower:CA-44": ["ocd-person/22222222-2222-4222-8222-222222222222"],
    }
    assert found.districts == {"us_house": "CA-30", "state_upper": "CA-25", "state_lower": "CA-44"}
    assert not any(m.vacant for m in found.offices)


def test_a_second_lookup_of_the_same_address_is_answered_from_the_cache(
    session: Session,
    imported: SyncSummary,
    census_settings: Settings,
    census_stub: tuple[str, list[dict[str, str]]],
) -> None:
    address = "200 Example St, Los Angeles, CA 90001"
    _find(session, census_settings, address=address)
    calls = len(census_stub[1])
    again = _find(session, census_settings, address="200  EXAMPLE st., Los Angeles CA 90001")
    assert len(census_stub[1]) == calls
    assert again.matched_address == "100 EXAMPLE ST, LOS ANGELES, CA, 90001"
    # The cache is keyed by a hash: the database cannot be searched by address.
    keys = [row.key for row in session.exec(select(DistrictLookupCache)).all()]
    assert keys and all("example" not in key.lower() for key in keys)


def test_an_expired_cache_entry_is_looked_up_again(
    session: Session,
    imported: SyncSummary,
    census_settings: Settings,
    census_stub: tuple[str, list[dict[str, str]]],
) -> None:
    address = "300 Example St, Los Angeles, CA 90001"
    _find(session, census_settings, address=address)
    for row in session.exec(select(DistrictLookupCache)).all():
        row.expires_at = utcnow() - timedelta(seconds=1)
    session.flush()
    calls = len(census_stub[1])
    _find(session, census_settings, address=address)
    assert len(census_stub[1]) == calls + 1


def test_a_zip_in_one_district_names_the_house_seat_and_senators_only(
    session: Session, imported: SyncSummary
) -> None:
    found = _find(session, Settings(), zip_code="90001")
    assert list(_holders(found)) == ["us_house:CA-30", "us_senate:CA:1", "us_senate:CA:3"]
    assert found.matched_address is None
    assert found.unresolved == ["state_upper", "state_lower"]


def test_a_zip_spanning_districts_asks_for_the_street_address(
    session: Session, imported: SyncSummary
) -> None:
    error = _error(session, Settings(), zip_code="90002-1234")
    assert error.code == "ambiguous_zip"
    assert error.candidates == ["CA-30", "CA-32"]
    assert "street address" in error.message


def test_a_vacant_seat_is_reported_as_vacant(session: Session, imported: SyncSummary) -> None:
    found = _find(session, Settings(), zip_code="94000")
    house = found.offices[0]
    assert (house.key, house.vacant, house.officials) == ("us_house:CA-14", True, [])


def test_a_delegate_has_no_senators_and_that_is_no_gap(
    session: Session, imported: SyncSummary, census_settings: Settings
) -> None:
    found = _find(session, census_settings, address="1 Delegate Way NW, Washington, DC")
    assert _holders(found) == {"us_house:DC-00": ["X000201"]}
    assert "us_senate" not in found.unresolved


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({}, "invalid_address"),
        ({"address": "   "}, "invalid_address"),
        ({"address": "Yerevan, Armenia"}, "invalid_address"),
        ({"address": "1 Main St " + "x" * 400}, "invalid_address"),
        ({"zip_code": "9000"}, "invalid_zip"),
        ({"zip_code": "ABCDE"}, "invalid_zip"),
        ({"zip_code": "\uff19\uff10\uff10\uff10\uff11"}, "invalid_zip"),
        ({"zip_code": "99999"}, "address_not_found"),
        ({"address": "1 Nomatch Rd, Nowhere, CA"}, "address_not_found"),
    ],
)
def test_bad_input_is_a_clear_error_with_a_code(
    session: Session,
    imported: SyncSummary,
    census_settings: Settings,
    kwargs: dict[str, str],
    code: str,
) -> None:
    assert _error(session, census_settings, **kwargs).code == code


def test_a_district_with_no_loaded_officials_is_an_error(
    session: Session, census_settings: Settings
) -> None:
    error = _error(session, census_settings, address="9 Example St CD52 SD039 AD079, CA")
    assert error.code == "no_officials"
    assert "lettercast reps sync" in error.message


def test_campaign_targeting_limits_kinds_and_adds_its_executive_and_custom_offices(
    session: Session, imported: SyncSummary, census_settings: Settings
) -> None:
    custom = make_office(session, key="custom:un-envoy", kind="custom", state=None)
    make_official(session, custom, id="custom-envoy")
    nevada = make_office(session, key="executive:NV:governor", kind="executive", state="NV")
    campaign = make_campaign(
        session,
        targeting={
            "office_kinds": ["us_house", "state_upper", "executive", "custom"],
            "executive": ["executive:CA:governor", "executive:NV:governor"],
            "custom_targets": [{"key": "custom:un-envoy", "name": "Envoy"}],
        },
    )
    kinds, extra = service.offices_for_campaign(campaign)
    assert kinds == ["us_house", "state_upper"]
    found = _find(
        session, census_settings, address=ADDRESS, office_kinds=kinds, extra_office_keys=extra
    )
    assert list(_holders(found)) == [
        "us_house:CA-30",
        "state_upper:CA-25",
        "executive:CA:governor",
        "custom:un-envoy",
    ]
    assert nevada.key not in _holders(found)


def test_a_supporter_outside_the_campaigns_states_is_told_so(
    session: Session, imported: SyncSummary, census_settings: Settings
) -> None:
    error = _error(
        session, census_settings, address="1 Delegate Way NW, Washington, DC", states=["CA"]
    )
    assert error.code == "outside_targets"


def test_two_lookups_of_one_address_at_once_both_succeed(committed_engine: Engine) -> None:
    result = DistrictResult("1 A ST, X, CA", "CA", {"us_house": "CA-30"})
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def remember() -> None:
        try:
            with Session(committed_engine) as session:
                barrier.wait()
                remember_districts(session, "census", "1 A St, X, CA", result, days=1)
                session.commit()
        except Exception as error:  # collected: the assertion below names it
            errors.append(error)

    threads = [threading.Thread(target=remember) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with Session(committed_engine) as session:
        assert len(session.exec(select(DistrictLookupCache)).all()) == 1


def test_campaign_targets_may_be_keys_or_whole_entries() -> None:
    campaign = Campaign(
        slug="x",
        title="x",
        targeting={
            "executive": [
                {"key": "executive:US:president", "title": "President"},
                "executive:CA:governor",
            ],
            "custom_targets": ["custom:envoy", {"name": "no key"}],
        },
    )
    kinds, extra = service.offices_for_campaign(campaign)
    assert kinds == ["us_house", "us_senate", "state_upper", "state_lower"]
    assert extra == ["executive:US:president", "executive:CA:governor", "custom:envoy"]


def test_a_zip_lookup_before_any_sync_says_the_table_is_not_loaded(session: Session) -> None:
    error = _error(session, Settings(), zip_code="90001")
    assert error.code == "no_officials"
    assert "lettercast reps sync" in error.message
