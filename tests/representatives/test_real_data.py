"""The real officials files in ../shared/data: every California district resolves to its holder.

Expectations are read from the files themselves, not written down here. Skipped when the folder
is absent, except in CI, where it must be present.
"""

import asyncio
from collections.abc import Iterator
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.config import Settings
from app.representatives import service, sources
from app.representatives.lookup import DistrictResult
from app.representatives.sync import ParsedSources, SyncSummary, apply_sources, parse_sources
from tests.databases import IN_CI, delete_all_rows

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
# The snapshot's own date: who held office then is what the files say.
AS_OF = date(2026, 8, 5)


@pytest.fixture(scope="module")
def real_import(db_engine: Engine) -> Iterator[SyncSummary]:
    """Imported once per database for the whole module (the full files, every state)."""
    if not SHARED_DATA.is_dir():
        if IN_CI:
            pytest.fail(f"CI=true and {SHARED_DATA} is missing")
        pytest.skip(f"{SHARED_DATA} is not present")
    delete_all_rows(db_engine)
    with Session(db_engine) as session:
        summary = apply_sources(session, _parsed())
        session.commit()
    yield summary
    delete_all_rows(db_engine)


@cache
def _parsed() -> ParsedSources:
    """Read once, written to each database: the YAML is the slow part on a busy machine."""
    return parse_sources(sources.from_directory(SHARED_DATA), AS_OF)


@cache
def _expected_house() -> dict[str, str]:
    members = yaml.load(
        (SHARED_DATA / "congress-legislators" / "legislators-current.yaml").read_bytes(),
        Loader=yaml.CSafeLoader,
    )
    seats: dict[str, str] = {}
    for member in members:
        term = member["terms"][-1]
        if term["type"] == "rep" and term["state"] == "CA":
            seats[f"CA-{int(term['district']):02d}"] = member["id"]["bioguide"]
    return seats


@cache
def _expected_legislature() -> dict[str, str]:
    seats: dict[str, str] = {}
    for path in (SHARED_DATA / "openstates-ca" / "legislature").glob("*.yml"):
        person: dict[str, Any] = yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
        for role in person["roles"]:
            if role.get("end_date") is None and role["type"] in ("upper", "lower"):
                seats[f"state_{role['type']}:CA-{int(role['district'])}"] = person["id"]
    return seats


async def _look_up(
    session: Session, settings: Settings, codes: list[tuple[int, int, int]]
) -> list[dict[str, list[str]]]:
    answers = []
    async with httpx.AsyncClient() as client:
        for cd, sd, ad in codes:
            address = f"1 Capitol Mall CD{cd:02d} SD{sd:03d} AD{ad:03d}, Sacramento, CA"
            found = await service.find_representatives(session, client, settings, address=address)
            answers.append({m.key: [o.id for o in m.officials] for m in found.offices})
    return answers


def test_the_import_counts_every_chamber(real_import: SyncSummary) -> None:
    assert real_import.added["state_upper"] == 40
    assert real_import.added["state_lower"] == 80
    assert real_import.zip_rows == 42033


def test_every_california_district_resolves_to_the_official_in_the_files(
    real_import: SyncSummary,
    db_engine: Engine,
    census_stub: tuple[str, list[dict[str, str]]],
) -> None:
    settings = Settings(census_geocoder_url=census_stub[0], lookup_retries=0)
    house, legislature = _expected_house(), _expected_legislature()
    assert len(house) == 51 and "CA-14" not in house  # this snapshot's vacancy
    assert len(legislature) == 120

    seen: dict[str, list[str]] = {}
    with Session(db_engine) as session:
        for n in range(1, 81):
            cd, sd = (n - 1) % 52 + 1, (n - 1) % 40 + 1
            districts = {"us_house": f"CA-{cd:02d}", "state_upper": f"CA-{sd}"}
            located = DistrictResult(None, "CA", districts | {"state_lower": f"CA-{n}"})
            for match in service.offices_for_districts(session, located).offices:
                seen[match.key] = [o.id for o in match.officials]
                assert match.vacant == (not match.officials)
        # A few through the whole path: the geocoder's zero-padded codes over HTTP.
        answers = asyncio.run(_look_up(session, settings, [(30, 25, 44), (14, 10, 20), (1, 1, 1)]))
        session.rollback()
    for answer in answers:
        for key, ids in answer.items():
            assert seen[key] == ids, key
    for district in range(1, 53):
        key = f"us_house:CA-{district:02d}"
        expected = house.get(f"CA-{district:02d}")
        assert seen[key] == ([expected] if expected else []), key
    for key, person_id in legislature.items():
        assert seen[key] == [person_id], key
    senators = sorted(seen["us_senate:CA:1"] + seen["us_senate:CA:3"])
    assert len(senators) == 2 and all(s[0].isalpha() and len(s) == 7 for s in senators)
