"""HTTP routes of the representatives domain (thin: parse, call the service, answer)."""

from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session

from app.config import Settings
from app.db import SessionDep
from app.representatives import service
from app.representatives.cache import remember_districts
from app.representatives.lookup import CensusGeocoder, DistrictResult
from app.representatives.schemas import ERROR_RESPONSES, EXAMPLE_ANSWER, RepresentativesOut

router = APIRouter(tags=["representatives"])

STATUS_BY_CODE = {
    "invalid_address": 422,
    "invalid_zip": 422,
    "ambiguous_zip": 422,
    "outside_targets": 422,
    "address_not_found": 404,
    "no_district": 404,
    "no_officials": 404,
    "campaign_not_found": 404,
    "upstream_unavailable": 503,
}


@router.get(
    "/api/representatives",
    summary="The representatives of an address or a ZIP code",
    response_model=RepresentativesOut,
    responses={
        200: {"content": {"application/json": {"example": EXAMPLE_ANSWER}}},
        **ERROR_RESPONSES,
    },
)
async def representatives(
    request: Request,
    session: SessionDep,
    address: str | None = Query(
        None, description="A US street address on one line: number, street, city, state, ZIP."
    ),
    zip: str | None = Query(
        None,
        description="A ZIP code. Alone, it names the House seat (and senators) only when the "
        "ZIP lies in one district; otherwise the answer is `ambiguous_zip` with candidates.",
    ),
    campaign: str | None = Query(
        None, description="A campaign slug: only the offices that campaign writes to."
    ),
) -> JSONResponse:
    """Districts from the US Census Geocoder (cached) or the ZIP table, then each office with
    its current officials. A vacant seat is listed with `vacant: true` and no officials."""
    settings = request.app.state.settings
    geocoder = CensusGeocoder(request.app.state.http, settings)
    # Two hops to a worker thread for the database, the geocoder call (if the address is not
    # cached) on the event loop between them, holding neither a thread nor a connection.
    try:
        query = service.geocoder_query(address, zip) if address and address.strip() else None
        targets, located = await to_thread.run_sync(
            _targets_and_districts, session, geocoder.name, campaign, query, zip
        )
        fresh = located is None
        if located is None:
            assert query is not None
            located = await geocoder.districts_for(query)
        payload = await to_thread.run_sync(
            _answer, session, settings, geocoder.name, targets, located, query if fresh else None
        )
    except service.RepresentativeLookupError as error:
        await to_thread.run_sync(session.rollback)
        return _error(error)
    return JSONResponse(payload)


Targets = tuple[list[str] | None, list[str], list[str] | None]


def _targets_and_districts(
    session: Session, provider: str, campaign: str | None, query: str | None, zip_code: str | None
) -> tuple[Targets, DistrictResult | None]:
    """The campaign's targets, and the districts if the cache or the ZIP table knows them."""
    targets: Targets = service.campaign_targets(session, campaign) if campaign else (None, [], None)
    if query is None:
        return targets, service.locate_by_zip(session, zip_code)
    located = service.located_from_cache(session, provider, query)
    session.commit()  # end the read before the geocoder wait
    return targets, located


def _answer(
    session: Session,
    settings: Settings,
    provider: str,
    targets: Targets,
    located: DistrictResult,
    fresh_query: str | None,
) -> dict[str, Any]:
    if fresh_query is not None:
        remember_districts(session, provider, fresh_query, located, settings.lookup_cache_days)
    office_kinds, extra_keys, states = targets
    answer = service.representation_for(session, located, office_kinds, extra_keys, states)
    payload = service.representation_json(answer)  # before the commit expires the rows
    session.commit()  # the geocoder cache entry, if any
    return payload


def _error(error: service.RepresentativeLookupError) -> JSONResponse:
    status = STATUS_BY_CODE.get(error.code, 422)
    headers = {"Retry-After": "30"} if status == 503 else None
    return JSONResponse(error.as_dict(), status_code=status, headers=headers)
