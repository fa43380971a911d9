"""A supporter's districts and representatives, in the steps a submission takes them.

The lookup mixes database work (the geocoder cache, the offices) with one HTTP call to the
geocoder. The database steps run inside the submission's own worker-thread hops (the cache read
with the rate limits, the offices with the letters), and the geocoder call runs on the event
loop between them, holding neither a thread nor a database connection while it waits.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
from sqlmodel import Session

from app.campaigns.models import Campaign
from app.config import Settings
from app.representatives.cache import remember_districts
from app.representatives.lookup import CensusGeocoder, DistrictResult
from app.representatives.service import (
    Representation,
    RepresentativeLookupError,
    geocoder_query,
    located_from_cache,
    offices_for_campaign,
    representation_for,
)
from app.submissions.errors import SubmissionError
from app.submissions.schemas import SubmissionIn

GEOCODER = CensusGeocoder.name


@dataclass(frozen=True)
class Location:
    """The supporter's districts; ``fresh`` when the geocoder was just asked (not yet cached)."""

    query: str
    districts: DistrictResult
    fresh: bool = False


@contextmanager
def lookup_errors() -> Iterator[None]:
    """A lookup's failure as the submission's answer: the address's fault (422) or the
    geocoder's (503, try again)."""
    try:
        yield
    except RepresentativeLookupError as error:
        unavailable = error.code == "upstream_unavailable"
        raise SubmissionError(
            503 if unavailable else 422,
            error.code,
            error.message,
            field=None if unavailable else "address",
            retry_after=30 if unavailable else None,
            candidates=error.candidates,
        ) from None


def address_query(data: SubmissionIn) -> str:
    """The one-line address the geocoder is asked; 422 when it cannot be an address.

    street2 (apartment, suite) is left out: the geocoder matches buildings, and an unusual unit
    designator only makes a match less likely.
    """
    address = data.address
    with lookup_errors():
        return geocoder_query(
            f"{address.street}, {address.city}, {address.state} {address.zip}", address.zip
        )


def cached_location(session: Session, query: str) -> Location | None:
    """The cached answer for this address, if any (a read; runs in a worker thread)."""
    districts = located_from_cache(session, GEOCODER, query)
    return None if districts is None else Location(query, districts)


async def geocode(client: httpx.AsyncClient, settings: Settings, query: str) -> Location:
    """Ask the geocoder, on the event loop: waiting holds no thread and no connection."""
    with lookup_errors():
        districts = await CensusGeocoder(client, settings).districts_for(query)
    return Location(query, districts, fresh=True)


def remember(session: Session, settings: Settings, location: Location) -> None:
    """Cache a fresh answer (a write; the caller commits)."""
    if location.fresh:
        remember_districts(
            session, GEOCODER, location.query, location.districts, settings.lookup_cache_days
        )


def represent(session: Session, campaign: Campaign, location: Location) -> Representation:
    """This supporter's representatives among the campaign's targets, or a SubmissionError."""
    kinds, extra = offices_for_campaign(campaign)
    states = (campaign.targeting or {}).get("states") or None
    with lookup_errors():
        return representation_for(session, location.districts, kinds, extra, states)
