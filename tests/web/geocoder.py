"""A stand-in US Census Geocoder: answers ``/geographies/onelineaddress`` the way the real service
does (layer names with their vintage, zero-padded codes), for a few known addresses."""

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

# Street (upper case, as typed) -> matched address, state FIPS and postal code, districts.
KNOWN = {
    "100 N BRAND BLVD": ("100 N BRAND BLVD, GLENDALE, CA, 91203", "06", "CA", "30", "025", "044"),
    "1 CIVIC CENTER DR": ("1 CIVIC CENTER DR, BURBANK, CA, 91502", "06", "CA", "30", "025", "044"),
    "1 E 1ST ST": ("1 E 1ST ST, RENO, NV, 89501", "32", "NV", "02", "015", "024"),
}
# A street that makes the upstream fail, to show what supporters see when it is down.
BROKEN_STREET = "500 UPSTREAM DOWN ST"


def _match(matched: str, fips: str, state: str, cd: str, sldu: str, sldl: str) -> dict[str, Any]:
    return {
        "matchedAddress": matched,
        "coordinates": {"x": -118.25, "y": 34.15},
        "addressComponents": {"state": state, "zip": matched.rsplit(", ", 1)[-1]},
        "geographies": {
            "States": [{"STATE": fips, "STUSAB": state, "GEOID": fips}],
            "119th Congressional Districts": [
                {"GEOID": f"{fips}{cd}", "CD119": cd, "BASENAME": str(int(cd)), "STATE": fips}
            ],
            "2024 State Legislative Districts - Upper": [
                {"GEOID": f"{fips}{sldu}", "SLDU": sldu, "BASENAME": str(int(sldu)), "STATE": fips}
            ],
            "2024 State Legislative Districts - Lower": [
                {"GEOID": f"{fips}{sldl}", "SLDL": sldl, "BASENAME": str(int(sldl)), "STATE": fips}
            ],
        },
    }


async def onelineaddress(request: Request) -> JSONResponse:
    address = request.query_params.get("address", "")
    street = address.split(",")[0].strip().upper()
    if street == BROKEN_STREET:
        return JSONResponse({"errors": ["internal"]}, status_code=500)
    matches = [_match(*KNOWN[street])] if street in KNOWN else []
    return JSONResponse(
        {"result": {"input": {"address": {"address": address}}, "addressMatches": matches}}
    )


app = Starlette(routes=[Route("/geographies/onelineaddress", onelineaddress)])
