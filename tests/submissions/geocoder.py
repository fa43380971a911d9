"""A stand-in for the US Census Geocoder that answers in its JSON, for tests and the benchmark.

Districts follow from the house number, so a test (or the benchmark) can aim a supporter at any
district: ``<n> Main St, City, CA 9xxxx`` lies in CA-``house_district(n)``, state senate district
``upper_district(n)`` and assembly district ``lower_district(n)``. Special streets:

- ``Nowhere`` in the address: no match (``addressMatches: []``);
- ``Ocean`` in the address: a match in no congressional district (``CD119: "ZZ"``);
- ``Slow`` in the address: answers after ``slow_seconds``;
- ``Broken`` in the address: HTTP 500.

Every request is recorded in ``requests`` so tests can see what reached "the Census".
"""

import asyncio
import re
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.representatives.models import Office, Official

FIPS = {"CA": "06", "NY": "36", "NV": "32", "DC": "11"}


def house_district(n: int) -> int:
    return n % 52 + 1


def upper_district(n: int) -> int:
    return n % 40 + 1


def lower_district(n: int) -> int:
    return n % 80 + 1


def census_answer(address: str) -> dict[str, Any]:
    match = re.match(r"\s*(\d+)\s+(.*?),\s*(.*?),\s*([A-Z]{2})\s+(\d{5})", address)
    if not match or "nowhere" in address.lower():
        return {"result": {"input": {"address": {"address": address}}, "addressMatches": []}}
    number, street, city, state, zip_code = match.groups()
    n = int(number)
    fips = FIPS.get(state, "06")
    cd = "ZZ" if "ocean" in street.lower() else f"{house_district(n):02d}"
    geographies = {
        "States": [{"STUSAB": state, "STATE": fips, "GEOID": fips, "NAME": state}],
        "119th Congressional Districts": [
            {"GEOID": f"{fips}{cd}", "CD119": cd, "STATE": fips, "BASENAME": cd}
        ],
        "2024 State Legislative Districts - Upper": [
            {"GEOID": f"{fips}{upper_district(n):03d}", "SLDU": f"{upper_district(n):03d}"}
        ],
        "2024 State Legislative Districts - Lower": [
            {"GEOID": f"{fips}{lower_district(n):03d}", "SLDL": f"{lower_district(n):03d}"}
        ],
    }
    matched = f"{number} {street.upper()}, {city.upper()}, {state}, {zip_code}"
    return {
        "result": {
            "input": {"address": {"address": address}},
            "addressMatches": [
                {
                    "matchedAddress": matched,
                    "addressComponents": {"state": state, "zip": zip_code},
                    "geographies": geographies,
                }
            ],
        }
    }


class StandInGeocoder:
    def __init__(self, slow_seconds: float = 1.0) -> None:
        self.requests: list[dict[str, str]] = []
        self.slow_seconds = slow_seconds
        self.app = Starlette(
            routes=[Route("/geographies/onelineaddress", self.onelineaddress, methods=["GET"])]
        )

    async def onelineaddress(self, request: Request) -> JSONResponse:
        params = dict(request.query_params)
        self.requests.append(params)
        address = params.get("address", "")
        if "broken" in address.lower():
            return JSONResponse({"errors": ["internal"]}, status_code=500)
        if "slow" in address.lower():
            await asyncio.sleep(self.slow_seconds)
        if params.get("layers") != "all":
            return JSONResponse({"result": {"addressMatches": []}})
        return JSONResponse(census_answer(address))


def seed_offices(session: Session, numbers: Iterable[int]) -> None:
    """Offices and one official each for the stand-in's districts of these house numbers."""
    keys: dict[str, tuple[str, str, str | None]] = {
        "us_senate:CA:1": ("us_senate", "Senator", None),
        "us_senate:CA:2": ("us_senate", "Senator", None),
    }
    for n in numbers:
        keys[f"us_house:CA-{house_district(n):02d}"] = ("us_house", "Representative", None)
        keys[f"state_upper:CA-{upper_district(n):02d}"] = ("state_upper", "Senator", None)
        keys[f"state_lower:CA-{lower_district(n):02d}"] = ("state_lower", "Assemblymember", None)
    for key, (kind, title, _) in sorted(keys.items()):
        district = key.split("-")[-1] if "-" in key else None
        office = Office(key=key, kind=kind, state="CA", district=district, title=f"{title} {key}")
        session.add(office)
        session.flush()
        slug = key.replace(":", "-").replace("_", "")
        session.add(
            Official(
                id=f"ocd-{slug}",
                office_id=office.id,
                name=f"Pat {slug.title()}",
                first_name="Pat",
                last_name=slug.title(),
                title=title,
            )
        )
    session.flush()
