"""A stand-in for the US Census Geocoder's ``geographies/onelineaddress`` endpoint.

It answers in the real JSON shape (tests/fixtures/representatives/census/). Words in the address
pick the scenario, so one server serves every test:

- ``nomatch``: no address match; ``layererror``: the district layers fail as in the 2017 sample;
- ``zzdistrict``: congressional district code ``ZZ``; ``boom``: HTTP 500; ``flaky``: HTTP 500 on
  the first request for that address, then an answer; ``slow``: answers after 2 seconds;
- ``oldvintage``: 118th Congress / 2022 layer names; ``delegate``: DC, district 98, no SLDs;
- ``CD07 SD008 AD007``: those district codes (used by the real-data test).

Without ``layers=all`` it answers as the real service does: default layers, no districts.
"""

import asyncio
import copy
import json
import re
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

FIXTURE = Path(__file__).parents[1] / "fixtures" / "representatives" / "census"
DEFAULT_LAYERS = ("States", "Counties", "Census Tracts", "2020 Census Blocks")
LAYER_ERROR = [
    {"status": "Layer query encountered an error: java.lang.RuntimeException: Failed to return"}
]


def make_census_stub() -> Starlette:
    template = json.loads((FIXTURE / "match-layers-all.json").read_text())
    calls: list[dict[str, str]] = []
    seen: set[str] = set()

    async def onelineaddress(request: Request) -> Response:
        params = dict(request.query_params)
        calls.append(params)
        address = params.get("address", "")
        words = address.lower()
        if "boom" in words:
            return PlainTextResponse("Internal Server Error", status_code=500)
        if "flaky" in words and address not in seen:
            seen.add(address)
            return PlainTextResponse("Service Unavailable", status_code=503)
        if "slow" in words:
            await asyncio.sleep(2)
        if not address.strip():
            return JSONResponse({"errors": ["Address cannot be empty"], "status": "400"}, 400)
        body = copy.deepcopy(template)
        body["result"]["input"]["address"]["address"] = address
        if "nomatch" in words:
            body["result"]["addressMatches"] = []
            return JSONResponse(body)
        geographies = body["result"]["addressMatches"][0]["geographies"]
        _apply_scenario(geographies, address, words)
        if params.get("layers") != "all":
            for name in list(geographies):
                if name not in DEFAULT_LAYERS:
                    del geographies[name]
        return JSONResponse(body)

    app = Starlette(routes=[Route("/geographies/onelineaddress", onelineaddress)])
    app.state.calls = calls
    return app


def _apply_scenario(geographies: dict[str, Any], address: str, words: str) -> None:
    cd = geographies["119th Congressional Districts"][0]
    upper = geographies["2024 State Legislative Districts - Upper"][0]
    lower = geographies["2024 State Legislative Districts - Lower"][0]
    if "layererror" in words:
        geographies["119th Congressional Districts"] = LAYER_ERROR
        geographies["2024 State Legislative Districts - Upper"] = LAYER_ERROR
        geographies["2024 State Legislative Districts - Lower"] = LAYER_ERROR
    if "zzdistrict" in words:
        cd["CD119"] = "ZZ"
    if "delegate" in words:
        cd.update({"STATE": "11", "CD119": "98", "GEOID": "1198"})
        geographies["States"][0].update({"STATE": "11", "STUSAB": "DC"})
        geographies["2024 State Legislative Districts - Upper"] = []
        geographies["2024 State Legislative Districts - Lower"] = []
    hints = (("CD", "CD119", 2, cd), ("SD", "SLDU", 3, upper), ("AD", "SLDL", 3, lower))
    for key, field, width, row in hints:
        match = re.search(rf"\b{key}(\d+)\b", address)
        if match:
            row[field] = match.group(1).zfill(width)
    if "oldvintage" in words:
        cd["CD118"] = cd.pop("CD119")
        renames = {
            "119th Congressional Districts": "118th Congressional Districts",
            "2024 State Legislative Districts - Upper": "2022 State Legislative Districts - Upper",
            "2024 State Legislative Districts - Lower": "2022 State Legislative Districts - Lower",
        }
        for old, new in renames.items():
            geographies[new] = geographies.pop(old)
