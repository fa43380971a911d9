"""The two calls into the submissions service, preview and send, with every failure turned into
something a person can act on."""

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from app.representatives.service import RepresentativeLookupError
from app.submissions import service as submissions
from app.submissions.service import SubmissionError
from app.web import campaign_view as view
from app.web.context import PageContext
from app.web.forms import MESSAGES, SupporterForm

logger = logging.getLogger("lettercast.web")


@dataclass
class SubmitFailure:
    status_code: int
    response: Response | None = None  # a whole page of its own (rate limited); else the form


@dataclass
class Preview:
    letters: list[Any]
    matched_address: str | None


async def preview(ctx: PageContext, form: SupporterForm) -> Preview | SubmitFailure:
    """The supporter's representatives and letters, without writing anything."""
    data = _submission(ctx, form)
    if data is None:
        return SubmitFailure(422)
    assert ctx.campaign is not None
    try:
        out = await submissions.preview_submission(
            ctx.session, ctx.request.app.state.http, ctx.settings, ctx.campaign, data
        )
    except Exception as error:
        return _failure(ctx, form, error)
    return Preview(letters=list(out.letters), matched_address=out.matched_address)


async def send(
    ctx: PageContext, form: SupporterForm, idempotency_key: str | None
) -> str | SubmitFailure:
    """Submits once (the key makes a double click or a resent form harmless); the token."""
    data = _submission(ctx, form)
    if data is None:
        return SubmitFailure(422)
    assert ctx.campaign is not None
    try:
        out, _created = await submissions.submit(
            ctx.session,
            ctx.request.app.state.http,
            ctx.settings,
            ctx.campaign,
            data,
            idempotency_key=idempotency_key,
            client_ip=_client_ip(ctx),
        )
        ctx.session.commit()
    except Exception as error:
        ctx.session.rollback()
        return _failure(ctx, form, error)
    if not out.token:
        return _failure(ctx, form, RuntimeError("submission without a token"))
    return out.token


def _submission(ctx: PageContext, form: SupporterForm) -> Any:
    assert ctx.campaign is not None
    allow = bool((ctx.campaign.settings or {}).get("allow_body_edit"))
    return form.to_submission(ctx.gettext, allow_body_edit=allow)


def _client_ip(ctx: PageContext) -> str | None:
    finder = getattr(submissions, "client_ip", None)
    if finder is not None:
        return finder(ctx.request, ctx.settings)
    return ctx.request.client.host if ctx.request.client else None


def _failure(ctx: PageContext, form: SupporterForm, error: Exception) -> SubmitFailure:
    assert ctx.campaign is not None
    states = ", ".join(view.STATES.get(s, s) for s in view.target_states(ctx.campaign))
    if isinstance(error, SubmissionError):
        status = int(getattr(error, "status_code", 422) or 422)
        if status == 429:
            retry_after = math.ceil(getattr(error, "retry_after", None) or 60)
            return SubmitFailure(429, ctx.rate_limited(retry_after))
        if status == 409 and getattr(error, "code", "") == "already_written":
            return SubmitFailure(200, ctx.already_written())
        if status == 409:
            form.add_error("form", ctx.gettext(MESSAGES["in_progress"]))
            return SubmitFailure(409)
        code = str(getattr(error, "code", "") or "")
        if status >= 500:
            # Nothing was saved; say so in the page's language (the lookup's own words if known).
            message = MESSAGES[
                "upstream_unavailable" if code == "upstream_unavailable" else "unavailable"
            ]
            form.add_error(
                "street" if code == "upstream_unavailable" else "form", ctx.gettext(message)
            )
            return SubmitFailure(503)
        for path, reason in _field_problems(error):
            form.add_service_error(ctx.gettext, code, reason, path, states=states)
        if not form.errors:
            form.add_service_error(
                ctx.gettext, code, str(getattr(error, "message", "")), None, states=states
            )
        return SubmitFailure(status if 400 <= status < 500 else 422)
    if isinstance(error, RepresentativeLookupError):
        form.add_service_error(ctx.gettext, error.code, error.message, None, states=states)
        return SubmitFailure(503 if error.code == "upstream_unavailable" else 422)
    # Only the type: an exception's text could quote the supporter's address or e-mail.
    logger.error(
        "supporter page failed",
        extra={"campaign_id": ctx.campaign.id, "error": type(error).__name__},
    )
    form.add_error("form", ctx.gettext(MESSAGES["unavailable"]))
    return SubmitFailure(503)


def _field_problems(error: Exception) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    for item in getattr(error, "fields", None) or []:
        if isinstance(item, Mapping):
            problems.append((item.get("field"), str(item.get("reason", ""))))
        elif isinstance(item, tuple | list) and len(item) == 2:
            problems.append((item[0], str(item[1])))
        else:
            problems.append((getattr(item, "field", None), str(getattr(item, "reason", ""))))
    if not problems and getattr(error, "field", None):
        problems.append((error.field, str(getattr(error, "message", ""))))  # type: ignore[attr-defined]
    return problems
