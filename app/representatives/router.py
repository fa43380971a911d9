"""HTTP routes of the representatives domain (thin: parse, call the service, answer)."""

import asyncio
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from app.db import SessionDep
from app.representatives import service
from app.representatives.lookup import CensusGeocoder
from app.representatives.offloop import OnLoop, run_here
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
    provider = OnLoop(CensusGeocoder(request.app.state.http, settings), asyncio.get_running_loop())

    def look_up() -> dict[str, Any]:
        office_kinds, extra_keys, states = (
            service.campaign_targets(session, campaign) if campaign else (None, [], None)
        )
        answer = run_here(
            service.find_representatives(
                session,
                request.app.state.http,
                settings,
                address=address,
                zip_code=zip,
                office_kinds=office_kinds,
                extra_office_keys=extra_keys,
                states=states,
                provider=provider,
            )
        )
        payload = service.representation_json(answer)  # before the commit expires the rows
        session.commit()  # the geocoder cache entry, if any
        return payload

    try:
        return JSONResponse(await to_thread.run_sync(look_up))
    except service.RepresentativeLookupError as error:
        session.rollback()
        return _error(error)


def _error(error: service.RepresentativeLookupError) -> JSONResponse:
    status = STATUS_BY_CODE.get(error.code, 422)
    headers = {"Retry-After": "30"} if status == 503 else None
    return JSONResponse(error.as_dict(), status_code=status, headers=headers)
