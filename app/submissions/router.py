"""The supporter submissions API: submit, preview, and follow one's letters by token.

Every error of these routes has one shape, ``{"error": {"code", "message", "fields": [{"field",
"reason"}]}}`` (``SubmissionErrorOut``), request-validation errors included, which FastAPI
would otherwise answer in its own shape.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Header, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from starlette.exceptions import HTTPException

from app.campaigns import service as campaigns
from app.campaigns.models import Campaign
from app.db import SessionDep
from app.submissions import ratelimit, service
from app.submissions.errors import SubmissionError
from app.submissions.schemas import EXAMPLE_IN, SubmissionErrorOut, SubmissionIn, SubmissionOut


def error_response(error: SubmissionError) -> JSONResponse:
    headers = {"Cache-Control": "no-store"}
    if error.retry_after is not None:
        headers["Retry-After"] = ratelimit.retry_after_header(error.retry_after)
    return JSONResponse(error.as_dict(), status_code=error.status_code, headers=headers)


def validation_error(exc: RequestValidationError) -> SubmissionError:
    fields = []
    for problem in exc.errors():
        location = [str(part) for part in problem.get("loc", ())]
        if location and location[0] == "body":
            location = location[1:]
        reason = str(problem.get("msg", "invalid")).removeprefix("Value error, ")
        if problem.get("type") == "json_invalid":
            location, reason = [], "The request body is not valid JSON."
        fields.append({"field": ".".join(location) or "body", "reason": reason})
    return SubmissionError(
        422, "invalid_input", "Some fields need attention; see `fields`.", fields=fields
    )


STORAGE_UNAVAILABLE = SubmissionError(
    503,
    "storage_unavailable",
    "Your letters could not be saved just now, and nothing was saved. "
    "Please try again in a moment.",
    retry_after=5,
)


class SubmissionRoute(APIRoute):
    """Answers request-validation errors in this API's error shape."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return error_response(validation_error(exc))
            except SubmissionError as error:
                return error_response(error)
            except HTTPException as error:  # e.g. a body FastAPI cannot even decode
                code = "invalid_input" if error.status_code in (400, 422) else "http_error"
                return error_response(SubmissionError(error.status_code, code, str(error.detail)))
            except SQLAlchemyError:
                # The database went away (restart, failover) outside the service's own guard,
                # e.g. while finding the campaign: nothing was saved, so say when to retry.
                return error_response(STORAGE_UNAVAILABLE)

        return route_handler


router = APIRouter(prefix="/api", tags=["submissions"], route_class=SubmissionRoute)

_LETTER_EXAMPLE = {
    "id": 1041,
    "office_key": "us_house:CA-30",
    "office_kind": "us_house",
    "official_name": "Laura Friedman",
    "subject": "Please act on SJR 11: bring the Armenian hostages home",
    "body": "Dear Representative Friedman,\n\nAs your constituent in Glendale, …",
    "status": "queued",
}
_SUBMISSION_EXAMPLE = {
    "token": "Hq2V0n1YxJ3n4k6m8P0r2T4v6X8z0B2d4F6h8J0l2N4",
    "matched_address": "100 N BRAND BLVD, GLENDALE, CA, 91203",
    "letters": [_LETTER_EXAMPLE],
}


def _error(description: str, code: str, message: str, **extra: Any) -> dict[str, Any]:
    body = {"error": {"code": code, "message": message, "fields": [], **extra}}
    return {
        "model": SubmissionErrorOut,
        "description": description,
        "content": {"application/json": {"example": body}},
    }


_INVALID = _error(
    "Bad input: each field's problem (`fields`), or an address that cannot be matched "
    "(`address_not_found`), lies outside the campaign's targets (`outside_targets`) or has no "
    "official to write to (`no_officials`).",
    "invalid_input",
    "Some fields need attention; see `fields`.",
)
_INVALID["content"]["application/json"]["example"]["error"]["fields"] = [
    {"field": "address.zip", "reason": "String should match pattern '^[0-9]{5}(-[0-9]{4})?$'"},
    {
        "field": "email",
        "reason": "The email address is not valid. It must have exactly one @-sign.",
    },
]
_NOT_FOUND = _error("No such campaign.", "campaign_not_found", "No campaign has this address.")
_UNAVAILABLE = _error(
    "The geocoder, a letter template or the database is unavailable; nothing was saved. "
    "`Retry-After` says when to try again.",
    "upstream_unavailable",
    "The US Census address service is not answering right now; please try again in a minute.",
)
_LIMITED = _error(
    "Too many submissions from this client address or e-mail; `Retry-After` (seconds) says "
    "when to try again.",
    "rate_limited",
    "Too many submissions from this address or e-mail; please wait and try again.",
)


def _client_ip(request: Request) -> str | None:
    return service.client_ip(request, request.app.state.settings)


def _campaign(session: Session, slug: str) -> Campaign:
    campaign = campaigns.campaign_for_reading(session, slug)
    if campaign is None:
        raise SubmissionError(404, "campaign_not_found", "No campaign has this address.")
    return campaign


Slug = Annotated[str, Path(max_length=80, description="The campaign's slug, e.g. sjr-11.")]


@router.post(
    "/campaigns/{slug}/submissions",
    status_code=201,
    response_model=SubmissionOut,
    summary="Submit a supporter's letters",
    description=(
        "Looks up the supporter's representatives among the campaign's targets, writes one "
        "letter per office (exactly as the preview showed it) and queues one delivery job per "
        "letter, all in one transaction. `201` with the new submission. The same person (e-mail, "
        "name, street and ZIP) again: `200` with the existing token and letters, nothing new "
        "written; the same e-mail under another name or street: `409 already_written`, with "
        "no token (the earlier letters carry their writer's address).\n\n"
        "**Idempotency-Key** (IETF draft): the same key with the same body returns the stored "
        "answer with its original status; with another body `422`; while the first request "
        "is still running `409`. Keys are kept 24 hours. Only successful answers are stored.\n\n"
        "**Rate limits** per client address and per e-mail: `429` with `Retry-After`."
    ),
    responses={
        200: {
            "description": "This supporter already wrote to this campaign (or a replay of a "
            "`200`): the existing token and letters; nothing new was written.",
            "model": SubmissionOut,
            "content": {"application/json": {"example": _SUBMISSION_EXAMPLE}},
        },
        201: {"content": {"application/json": {"example": _SUBMISSION_EXAMPLE}}},
        400: _error(
            "Malformed Idempotency-Key.", "invalid_idempotency_key", "Idempotency-Key must be …"
        ),
        404: _NOT_FOUND,
        409: _error(
            "The campaign is not live, this e-mail already wrote under another name or street "
            "(`already_written`), or a request with this Idempotency-Key is still running.",
            "request_in_progress",
            "A request with this Idempotency-Key is still being processed; retry in a moment.",
        ),
        422: _INVALID,
        429: _LIMITED,
        503: _UNAVAILABLE,
    },
    openapi_extra={"requestBody": {"content": {"application/json": {"example": EXAMPLE_IN}}}},
)
async def create_submission(
    slug: Slug,
    data: SubmissionIn,
    request: Request,
    response: Response,
    session: SessionDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Any unique string up to 255 characters, e.g. a UUID, per submission.",
            max_length=255,
            # Printable ASCII with at least one character that is neither a space nor a quote.
            pattern=r"^[\x20-\x7e]*[\x21\x23-\x7e][\x20-\x7e]*$",
        ),
    ] = None,
) -> SubmissionOut:
    campaign = await to_thread.run_sync(_campaign, session, slug)
    answer, created = await service.submit(
        session,
        request.app.state.http,
        request.app.state.settings,
        campaign,
        data,
        idempotency_key=idempotency_key,
        client_ip=_client_ip(request),
    )
    response.status_code = 201 if created else 200
    response.headers["Cache-Control"] = "no-store"
    return answer


@router.post(
    "/campaigns/{slug}/submissions/preview",
    response_model=SubmissionOut,
    summary="Preview the letters a submission would send (nothing is saved)",
    description=(
        "The same input as a submission; answers the matched address and every letter as it "
        "would be sent, with `id` and `token` null and status `preview`. Letters are rendered "
        "the same way at submission, so what is previewed is what is sent."
    ),
    responses={
        404: _NOT_FOUND,
        409: _error("Campaign not live.", "campaign_not_open", "…"),
        422: _INVALID,
        429: _LIMITED,
        503: _UNAVAILABLE,
    },
    openapi_extra={"requestBody": {"content": {"application/json": {"example": EXAMPLE_IN}}}},
)
async def preview_submission(
    slug: Slug, data: SubmissionIn, request: Request, session: SessionDep
) -> SubmissionOut:
    campaign = await to_thread.run_sync(_campaign, session, slug)
    answer = await service.preview_submission(
        session,
        request.app.state.http,
        request.app.state.settings,
        campaign,
        data,
        client_ip=_client_ip(request),
    )
    return answer


@router.get(
    "/submissions/{token}",
    response_model=SubmissionOut,
    summary="A submission and its letters' current delivery status",
    description="The token is the secret from the submission's answer; treat it like a password.",
    responses={
        200: {"content": {"application/json": {"example": _SUBMISSION_EXAMPLE}}},
        404: _error("No submission has this token.", "submission_not_found", "No such submission."),
    },
)
def read_submission(
    token: Annotated[str, Path(min_length=16, max_length=64)], session: SessionDep
) -> JSONResponse:
    answer = service.get_submission(session, token)
    if answer is None:
        raise SubmissionError(404, "submission_not_found", "No submission has this token.")
    return JSONResponse(
        answer.model_dump(mode="json"),
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )
