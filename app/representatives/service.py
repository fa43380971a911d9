"""Pairing a supporter with their own representatives: districts first, then the offices' holders.

An address goes to the Census Geocoder (cached in the database); a ZIP code alone goes to the
ZIP table and only names the House seat (and so the senators) when the ZIP lies in one district.
"""

import logging
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import and_, bindparam, or_
from sqlmodel import Session, col, select

from app.campaigns.models import Campaign
from app.changes import ChangeCache
from app.config import Settings
from app.metrics import LOOKUP_CACHE
from app.representatives.cache import cached_districts, remember_districts
from app.representatives.lookup import (
    CensusGeocoder,
    DistrictProvider,
    DistrictResult,
    RepresentativeLookupError,
    ZipTable,
)
from app.representatives.models import Office, Official

# Ids and outcomes only: an address never reaches the logs.
logger = logging.getLogger(__name__)

__all__ = [
    "DISTRICT_KINDS",
    "OfficeMatch",
    "Representation",
    "RepresentativeLookupError",
    "find_representatives",
    "offices_for_campaign",
]

# Office kinds found from an address's districts, in the order letters are listed.
DISTRICT_KINDS = ("us_house", "us_senate", "state_upper", "state_lower")
KIND_ORDER = {kind: n for n, kind in enumerate((*DISTRICT_KINDS, "executive", "custom"))}
MAX_ADDRESS_LENGTH = 300
ZIP_PATTERN = re.compile(r"([0-9]{5})(?:-[0-9]{4})?")


@dataclass
class OfficeMatch:
    kind: str
    key: str
    office: Office
    officials: list[Official]
    vacant: bool


@dataclass
class Representation:
    matched_address: str | None
    state: str | None
    districts: dict[str, str]
    offices: list[OfficeMatch]
    # District kinds that could not be determined (a ZIP code says nothing about state
    # legislative districts) or have no loaded office; shown to the user, never guessed.
    unresolved: list[str] = field(default_factory=list)


async def find_representatives(
    session: Session,
    client: httpx.AsyncClient,
    settings: Settings,
    *,
    address: str | None = None,
    zip_code: str | None = None,
    office_kinds: Collection[str] | None = None,
    extra_office_keys: Sequence[str] = (),
    states: Collection[str] | None = None,
    provider: DistrictProvider | None = None,
) -> Representation:
    """The offices (and their current holders) that represent this address or ZIP code.

    ``office_kinds`` None means every district-based kind. ``extra_office_keys`` adds executive
    and custom offices: one with a state applies only to supporters in that state. ``states``
    (a campaign's targeting) turns supporters elsewhere away with ``outside_targets``.
    ``provider`` replaces the Census Geocoder. Only the geocoder cache is written, never
    committed: the caller commits its unit of work. The database calls are synchronous, so
    routes do not call this on their event loop: they take its steps (``geocoder_query``,
    ``located_from_cache``, the provider, ``representation_for``) with the database ones in a
    worker thread and the geocoder call on the loop.
    """
    located = await locate(
        session, client, settings, address=address, zip_code=zip_code, provider=provider
    )
    return representation_for(session, located, office_kinds, extra_office_keys, states)


def representation_for(
    session: Session,
    located: DistrictResult,
    office_kinds: Collection[str] | None = None,
    extra_office_keys: Sequence[str] = (),
    states: Collection[str] | None = None,
) -> Representation:
    """``find_representatives`` once the districts are known (as ``locate`` returns them)."""
    if states and located.state not in {s.upper() for s in states}:
        raise RepresentativeLookupError(
            "outside_targets",
            f"This campaign writes to officials of {', '.join(sorted(states))} only; "
            f"this address is in {located.state}.",
        )
    return offices_for_districts(session, located, office_kinds, extra_office_keys)


async def locate(
    session: Session,
    client: httpx.AsyncClient,
    settings: Settings,
    *,
    address: str | None,
    zip_code: str | None,
    provider: DistrictProvider | None = None,
) -> DistrictResult:
    """Districts for the input: the geocoder (through the cache) for an address, else the ZIP."""
    if address is not None and address.strip():
        query = geocoder_query(address, zip_code)
        provider = provider or CensusGeocoder(client, settings)
        cached = located_from_cache(session, provider.name, query)
        if cached is not None:
            return cached
        result = await provider.districts_for(query)
        remember_districts(session, provider.name, query, result, settings.lookup_cache_days)
        return result
    return locate_by_zip(session, zip_code)


def locate_by_zip(session: Session, zip_code: str | None) -> DistrictResult:
    """Districts from the ZIP table alone (no address given)."""
    zip5 = _valid_zip(zip_code) if zip_code and zip_code.strip() else None
    if zip5:
        return ZipTable(session).lookup(zip5)
    raise RepresentativeLookupError(
        "invalid_address", "Enter a street address (or at least a ZIP code)."
    )


def geocoder_query(address: str, zip_code: str | None = None) -> str:
    """The one-line address the geocoder is asked (and its answer cached) for."""
    zip5 = _valid_zip(zip_code) if zip_code and zip_code.strip() else None
    query = _valid_address(address)
    if zip5 and zip5 not in query:
        query = f"{query} {zip5}"
    return query


def located_from_cache(session: Session, provider: str, query: str) -> DistrictResult | None:
    """The geocoder's cached answer for this query, if it has not expired."""
    cached = cached_districts(session, provider, query)
    outcome = "miss" if cached is None else "hit"
    LOOKUP_CACHE.labels(outcome).inc()
    logger.debug("district lookup cache", extra={"provider": provider, "cache": outcome})
    return cached


def _valid_address(address: str) -> str:
    text = " ".join(address.split())
    if len(text) > MAX_ADDRESS_LENGTH:
        raise RepresentativeLookupError(
            "invalid_address", f"The address is longer than {MAX_ADDRESS_LENGTH} characters."
        )
    if any(ord(ch) < 32 for ch in address if ch not in "\t\r\n"):
        raise RepresentativeLookupError("invalid_address", "The address has control characters.")
    # A US street address has a house number or a ZIP code; "Yerevan, Armenia" has neither.
    if not re.search(r"\d", text) or not re.search(r"[A-Za-z]", text):
        raise RepresentativeLookupError(
            "invalid_address",
            "Enter a US street address: number and street, city, state and ZIP code.",
        )
    return text


def _valid_zip(zip_code: str) -> str:
    match = ZIP_PATTERN.fullmatch(zip_code.strip())
    if not match:
        raise RepresentativeLookupError(
            "invalid_zip", "A ZIP code is five digits (optionally followed by -1234)."
        )
    return match.group(1)


# One statement for the seats and their holders, built once: this runs for every supporter, and
# building the expression anew costs more than the query itself.
_SEATS_AND_HOLDERS = (
    select(Office, Official)
    .outerjoin(
        Official, and_(col(Official.office_id) == Office.id, col(Official.in_office).is_(True))
    )
    .where(
        or_(
            col(Office.key).in_(bindparam("keys", expanding=True)),
            and_(col(Office.kind) == "us_senate", col(Office.state) == bindparam("senate_state")),
        )
    )
    .order_by(col(Office.key), col(Official.id))
)


# Seats and their holders, per database and office key, valid while the offices' and officials'
# change tokens stay the same (app/changes.py): every supporter needs some, and they change only
# when officials are synced or edited. Rows are copies in no session: requests in any thread
# read them, and no commit expires them.
_MAX_CACHED_SEATS = 50_000
Seat = tuple[Office, Official | None]


@dataclass
class _Seats:
    by_key: dict[str, list[Seat]] = field(default_factory=dict)
    senate_keys: dict[str, list[str]] = field(default_factory=dict)  # state -> office keys


_SEATS: ChangeCache[_Seats] = ChangeCache(("office", "official"), _Seats)


def _seats_and_holders(session: Session, keys: tuple[str, ...], senate_state: str) -> list[Seat]:
    """What _SEATS_AND_HOLDERS answers, read from the database only for seats not yet cached."""
    seats = _SEATS.current(session)
    if len(seats.by_key) > _MAX_CACHED_SEATS:
        seats = _SEATS.reset(session)
    missing = [key for key in keys if key not in seats.by_key]
    senate_missing = bool(senate_state) and senate_state not in seats.senate_keys
    if missing or senate_missing:
        found = session.exec(
            _SEATS_AND_HOLDERS,
            params={"keys": missing, "senate_state": senate_state if senate_missing else ""},
        ).all()
        fresh: dict[str, list[Seat]] = {key: [] for key in missing}  # [] also means "no such"
        for office, official in found:
            fresh.setdefault(office.key, []).append((_copy(office), _copy(official)))
        if senate_missing:
            seats.senate_keys[senate_state] = sorted(
                key
                for key, rows in fresh.items()
                if rows and rows[0][0].kind == "us_senate" and rows[0][0].state == senate_state
            )
        seats.by_key.update(fresh)
    wanted = [*keys, *(seats.senate_keys.get(senate_state, []) if senate_state else [])]
    rows = [seat for key in dict.fromkeys(wanted) for seat in seats.by_key.get(key, [])]
    rows.sort(key=lambda seat: (seat[0].key, seat[1].id if seat[1] is not None else ""))
    return rows


def _copy(row: Any) -> Any:
    # Built through the model, so SQLAlchemy knows the copy (as a new, unsaved row).
    return None if row is None else type(row)(**row.model_dump())


def offices_for_districts(
    session: Session,
    located: DistrictResult,
    office_kinds: Collection[str] | None = None,
    extra_office_keys: Sequence[str] = (),
) -> Representation:
    """The offices for these districts, each with its in-office officials (none: vacant)."""
    kinds = list(DISTRICT_KINDS if office_kinds is None else office_kinds)
    state, districts = located.state, located.districts
    wanted_keys = [f"{kind}:{districts[kind]}" for kind in kinds if kind in districts]
    # "" matches no office: the senators are left out.
    senate_state = state if "us_senate" in kinds else ""
    rows = _seats_and_holders(session, (*wanted_keys, *extra_office_keys), senate_state)
    offices: list[Office] = []
    holders: dict[int, list[Official]] = {}
    for office, official in rows:
        if not _wanted(office, kinds, state, extra_office_keys):
            continue
        if office.id not in holders:
            offices.append(office)
            holders[office.id or 0] = []
        if official is not None:
            holders[office.id or 0].append(official)
    found = {o.key for o in offices}
    unresolved = [k for k in located.unresolved if k in kinds]
    unresolved += [key.split(":", 1)[0] for key in wanted_keys if key not in found]
    has_senators = any(o.kind == "us_senate" for o in offices)
    if "us_senate" in kinds and not has_senators and state not in _NO_SENATORS:
        unresolved.append("us_senate")
    if not offices:
        where = ", ".join(districts.values()) or state
        raise RepresentativeLookupError(
            "no_officials",
            f"No officials are loaded for {where}. An administrator can load them with "
            "`lettercast reps sync`.",
        )
    offices.sort(key=lambda o: (KIND_ORDER.get(o.kind, 99), o.key))
    matches = [
        OfficeMatch(o.kind, o.key, o, holders.get(o.id or 0, []), not holders.get(o.id or 0))
        for o in offices
    ]
    return Representation(located.matched_address, state, dict(districts), matches, unresolved)


# DC and the territories elect a House delegate and no senators: no senate office is not a gap.
_NO_SENATORS = frozenset({"DC", "AS", "GU", "MP", "PR", "VI"})


def _wanted(
    office: Office, kinds: Collection[str], state: str, extra_office_keys: Sequence[str]
) -> bool:
    if office.kind in DISTRICT_KINDS and office.kind in kinds:
        return True
    if office.key not in extra_office_keys:
        return False
    # Executive offices with a state serve that state's residents; custom ones serve everyone.
    return office.state in (None, "", "US") or office.state == state


def offices_for_campaign(campaign: Any) -> tuple[list[str], list[str]]:
    """(office_kinds, extra_office_keys) from a campaign's targeting; missing keys mean all."""
    targeting = getattr(campaign, "targeting", None) or {}
    listed = targeting.get("office_kinds")
    all_kinds = listed is None
    kinds = list(DISTRICT_KINDS) if all_kinds else [str(k) for k in listed]
    extra: list[str] = []
    for kind, section in (("executive", "executive"), ("custom", "custom_targets")):
        if all_kinds or kind in kinds:
            # Keys, or whole target entries as campaign.yaml writes them.
            for target in targeting.get(section) or []:
                key = target.get("key") if isinstance(target, dict) else target
                if isinstance(key, str) and key:
                    extra.append(key)
    return [k for k in kinds if k in DISTRICT_KINDS], extra


def campaign_targets(session: Session, slug: str) -> tuple[list[str], list[str], list[str] | None]:
    """(office_kinds, extra_office_keys, states) of the campaign with this slug."""
    campaign = session.exec(select(Campaign).where(Campaign.slug == slug)).first()
    if campaign is None:
        raise RepresentativeLookupError("campaign_not_found", f"There is no campaign {slug!r}.")
    kinds, extra = offices_for_campaign(campaign)
    return kinds, extra, (campaign.targeting or {}).get("states") or None


def representation_json(representation: Representation) -> dict[str, Any]:
    """The answer as the API and ``lettercast reps lookup --json`` print it."""
    return {
        "matched_address": representation.matched_address,
        "state": representation.state,
        "districts": representation.districts,
        "unresolved": representation.unresolved,
        "offices": [
            {
                "kind": match.kind,
                "key": match.key,
                "title": match.office.title,
                "district": _display_district(match.office),
                "vacant": match.vacant,
                "officials": [
                    {"id": o.id, "name": o.name, "title": o.title, "party": o.party}
                    for o in match.officials
                ],
            }
            for match in representation.offices
        ],
    }


def _display_district(office: Office) -> str | None:
    if office.kind in ("us_house", "state_upper", "state_lower") and office.district:
        return f"{office.state}-{office.district}"
    return office.state
