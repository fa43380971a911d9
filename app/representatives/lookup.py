"""District lookup: which districts an address (or a ZIP code) lies in, behind one small protocol.

Providers:

- ``CensusGeocoder``: the US Census Geocoder's ``onelineaddress`` endpoint with ``layers=all``
  (without it the service answers with no district layers at all).
- ``ZipTable``: the ZCTA → congressional district table loaded by ``lettercast reps sync``; it
  never guesses for a ZIP that spans districts.

Every failure is a ``RepresentativeLookupError`` with a code a program can act on; a doubtful
answer is an error, never a wrong district.
"""

import asyncio
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from sqlmodel import Session, select

from app.config import Settings
from app.representatives.models import ZipDistrict
from app.representatives.states import (
    FIPS_TO_STATE,
    STATES,
    house_district_code,
    legislative_district_code,
)

logger = logging.getLogger(__name__)

ERROR_CODES = (
    "invalid_address",
    "invalid_zip",
    "address_not_found",
    "ambiguous_zip",
    "no_district",
    "upstream_unavailable",
    "no_officials",
    "outside_targets",
    "campaign_not_found",  # only from the API's ?campaign=
)


class RepresentativeLookupError(Exception):
    """Why no representatives could be named; ``code`` is one of ``ERROR_CODES``."""

    def __init__(self, code: str, message: str, candidates: list[str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.candidates = candidates

    def as_dict(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.candidates is not None:
            error["candidates"] = self.candidates
        return {"error": error}


@dataclass(frozen=True)
class DistrictResult:
    """Districts keyed by office kind: {"us_house": "CA-30", "state_upper": "CA-25", ...}.

    ``unresolved`` names district kinds the provider could not determine (a ZIP says nothing
    about state legislative districts), so callers can say so instead of silently dropping them.
    """

    matched_address: str | None
    state: str
    districts: dict[str, str]
    unresolved: tuple[str, ...] = ()
    provider: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "matched_address": self.matched_address,
            "state": self.state,
            "districts": self.districts,
            "unresolved": list(self.unresolved),
        }


class DistrictProvider(Protocol):
    name: str

    async def districts_for(self, query: str) -> DistrictResult: ...


class _Transient(Exception):
    """An upstream answer worth retrying (5xx, timeout, a layer query that failed)."""


@dataclass
class CensusGeocoder:
    client: httpx.AsyncClient
    settings: Settings
    name: str = "census"
    # Seconds slept between attempts; recorded so tests can see the backoff happened.
    waits: list[float] = field(default_factory=list)

    async def districts_for(self, query: str) -> DistrictResult:
        """Geocode a one-line address, retrying upstream trouble with exponential backoff."""
        settings = self.settings
        url = settings.census_geocoder_url.rstrip("/") + "/geographies/onelineaddress"
        params = {
            "address": query,
            "benchmark": "Public_AR_Current",
            "vintage": "Current_Current",
            "layers": "all",
            "format": "json",
        }
        attempts = max(1, settings.lookup_retries + 1)
        reason = ""
        for attempt in range(attempts):
            if attempt:
                wait = settings.lookup_backoff_s * 2 ** (attempt - 1)
                self.waits.append(wait)
                await asyncio.sleep(wait)
            try:
                response = await self.client.get(
                    url, params=params, timeout=settings.lookup_timeout_s
                )
                return parse_census_response(_census_body(response))
            except httpx.TimeoutException:
                reason = "timeout"
            except httpx.TransportError as error:
                reason = type(error).__name__
            except _Transient as error:
                reason = str(error)
            logger.warning("census geocoder attempt failed", extra={"attempt": attempt + 1})
        logger.warning("census geocoder unavailable", extra={"reason": reason})
        raise RepresentativeLookupError(
            "upstream_unavailable",
            "The US Census address service is not answering right now "
            f"({reason}); please try again in a minute.",
        )


def _census_body(response: httpx.Response) -> Any:
    if response.status_code >= 500 or response.status_code == 429:
        raise _Transient(f"HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        raise _Transient("unreadable answer") from None
    if response.status_code >= 400:
        # The geocoder answers 400 with {"errors": [...]} for an address it refuses to parse.
        errors = body.get("errors") if isinstance(body, dict) else None
        detail = "; ".join(str(e) for e in errors) if isinstance(errors, list) else ""
        raise RepresentativeLookupError(
            "invalid_address", detail or "The address service could not read this address."
        )
    return body


def parse_census_response(body: Any) -> DistrictResult:
    """Districts from a Census ``geographies`` answer; layers are matched by their stable suffix."""
    try:
        matches = body["result"]["addressMatches"]
    except (KeyError, TypeError):
        raise _Transient("unexpected answer shape") from None
    if not matches:
        raise RepresentativeLookupError(
            "address_not_found",
            "No US address matches this one. Check the street number, street, city, state "
            "and ZIP code.",
        )
    results = [_districts_of_match(match) for match in matches]
    distinct = {(r.state, tuple(sorted(r.districts.items()))) for r in results}
    if len(distinct) > 1:
        raise RepresentativeLookupError(
            "address_not_found",
            "Several addresses in different districts match this one; please add the ZIP code "
            "or correct the street.",
            candidates=[r.matched_address or "" for r in results],
        )
    return results[0]


def _districts_of_match(match: Mapping[str, Any]) -> DistrictResult:
    geographies = match.get("geographies") or {}
    matched_address = match.get("matchedAddress")
    cd_rows = _layer(geographies, "congressional districts")
    if cd_rows is None:
        raise RepresentativeLookupError(
            "no_district",
            "The address service answered without congressional districts for this address.",
        )
    if not cd_rows:
        raise RepresentativeLookupError(
            "no_district", "This address lies in no congressional district."
        )
    cd_row = cd_rows[0]
    cd_code = _code(cd_row, r"CD\d*")
    if cd_code is None:
        raise _Transient("congressional district layer without a district code")
    if cd_code.upper().startswith("ZZ") or not cd_code.isdigit():
        raise RepresentativeLookupError(
            "no_district", "This address lies in no congressional district (code ZZ)."
        )
    state = _state_of(geographies, cd_row, match)
    districts = {"us_house": f"{state}-{house_district_code(cd_code)}"}
    unresolved: list[str] = []
    for kind, suffix, pattern in (
        ("state_upper", "state legislative districts - upper", r"SLDU"),
        ("state_lower", "state legislative districts - lower", r"SLDL"),
    ):
        rows = _layer(geographies, suffix)
        code = _code(rows[0], pattern) if rows else None
        # Nebraska has no lower house and DC no legislature: ZZZ or an empty layer means none.
        if code is None or code.upper().startswith("ZZ"):
            unresolved.append(kind)
            continue
        districts[kind] = f"{state}-{legislative_district_code(code)}"
    return DistrictResult(matched_address, state, districts, tuple(unresolved), "census")


def _layer(geographies: Mapping[str, Any], suffix: str) -> list[dict[str, Any]] | None:
    """The newest layer whose name ends with ``suffix`` ("119th Congressional Districts").

    A layer holding ``{"status": "Layer query encountered an error ..."}`` is upstream trouble:
    retried, never read as "no district".
    """
    names = [name for name in geographies if name.lower().strip().endswith(suffix)]
    if not names:
        return None
    name = max(names, key=lambda n: int(m.group()) if (m := re.match(r"\d+", n)) else 0)
    rows = geographies[name]
    if not isinstance(rows, list):
        raise _Transient(f"layer {name!r} is not a list")
    for row in rows:
        if not isinstance(row, dict) or ("status" in row and "GEOID" not in row):
            raise _Transient(f"layer {name!r} came back with an error")
    return rows


def _code(row: Mapping[str, Any], pattern: str) -> str | None:
    for key, value in row.items():
        if re.fullmatch(pattern, key) and value is not None and str(value).strip():
            return str(value).strip()
    return None


def _state_of(
    geographies: Mapping[str, Any], cd_row: Mapping[str, Any], match: Mapping[str, Any]
) -> str:
    fips = str(cd_row.get("STATE", "")).zfill(2)
    if fips in FIPS_TO_STATE:
        return FIPS_TO_STATE[fips]
    states = geographies.get("States") or []
    if states and isinstance(states[0], dict) and states[0].get("STUSAB") in STATES:
        return str(states[0]["STUSAB"])
    state = str((match.get("addressComponents") or {}).get("state", "")).upper()
    if state in STATES:
        return state
    raise _Transient("no state in the answer")


@dataclass
class ZipTable:
    """ZIP-only lookups from the ZCTA table: House district (and so the senators) only."""

    session: Session
    name: str = "zip"

    async def districts_for(self, query: str) -> DistrictResult:
        return self.lookup(query)

    def lookup(self, zip_code: str) -> DistrictResult:
        rows = self.session.exec(select(ZipDistrict).where(ZipDistrict.zcta == zip_code)).all()
        if not rows:
            if self.session.exec(select(ZipDistrict.zcta).limit(1)).first() is None:
                raise RepresentativeLookupError(
                    "no_officials",
                    "The ZIP table is not loaded; an administrator can load it with "
                    "`lettercast reps sync`. Meanwhile, please enter your street address.",
                )
            raise RepresentativeLookupError(
                "address_not_found",
                f"ZIP code {zip_code} is not in the ZIP table; please enter your street address.",
            )
        candidates = sorted({f"{row.state}-{row.district}" for row in rows})
        if len(candidates) > 1:
            raise RepresentativeLookupError(
                "ambiguous_zip",
                f"ZIP code {zip_code} spans several districts ({', '.join(candidates)}); "
                "please enter your street address so we can find your own representatives.",
                candidates=candidates,
            )
        state = rows[0].state
        return DistrictResult(
            None,
            state,
            {"us_house": candidates[0]},
            ("state_upper", "state_lower"),
            "zip",
        )
