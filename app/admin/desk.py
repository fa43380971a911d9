"""The delivery desk: counts per state and channel, letters in trouble, the held queue, and
finding a supporter's letters; retry, cancel and mark-delivered go through the delivery service."""

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.admin import desk_service as desk
from app.admin.campaigns import CampaignDep, FormDep
from app.admin.pages import AdminRoute, render, small_int
from app.campaigns.models import Campaign
from app.db import SessionDep, utcnow
from app.delivery import service as delivery
from app.delivery.models import DeliveryStatus
from app.organisers.auth import CsrfDep, EditorDep, ViewerDep, record_audit

router = APIRouter(route_class=AdminRoute, include_in_schema=False)

ACTIONS = {"retry": "Retried", "cancel": "Cancelled", "mark-delivered": "Marked delivered"}


def _page(
    request: Request,
    session: Session,
    campaign: Campaign,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    found: Any = None,
    flash: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "desk.html",
        {
            "campaign": campaign,
            "counts": desk.counts(session, campaign),
            "trouble": desk.listing(session, campaign, desk.TROUBLE),
            "held": desk.listing(session, campaign, [DeliveryStatus.held]),
            "page": desk.PAGE,
            "errors": errors or {},
            "form": form or {"delivered_on": date.today().isoformat()},
            "found": found,
            "flash": flash,
        },
        status_code=status_code,
    )


@router.get("/admin/campaigns/{slug}/deliveries")
def desk_page(
    request: Request, session: SessionDep, campaign: CampaignDep, _o: ViewerDep, done: str = ""
) -> Response:
    flash = None
    if done:
        action, _, n = done.partition(":")
        if action in ACTIONS and n.isdigit():
            flash = f"{ACTIONS[action]}: {n} letter(s)."
    return _page(request, session, campaign, flash=flash)


@router.post("/admin/campaigns/{slug}/deliveries/find", dependencies=[CsrfDep])
def find_letters(
    request: Request, session: SessionDep, campaign: CampaignDep, _o: ViewerDep, data: FormDep
) -> Response:
    """By POST, so the supporter's address never lands in a URL, a log or browser history."""
    email = str(data.get("email") or "").strip()[:320]
    if "@" not in email:
        errors = {"email": "Enter the supporter's e-mail address."}
        return _page(
            request, session, campaign, errors=errors, form={"email": email}, status_code=400
        )
    found = desk.letters_of_supporter(session, campaign, email)
    return _page(
        request, session, campaign, form={"email": email}, found=found if found is not None else []
    )


def _selected(session: Session, campaign: Campaign, data: Any) -> list[int]:
    """The row's own button (``one``) wins over the ticked boxes (``ids``)."""
    raw = [data.get("one")] if data.get("one") else data.getlist("ids")
    ids = {n for n in map(small_int, raw) if n is not None}
    return desk.ids_in_campaign(session, campaign, ids)


@router.post("/admin/campaigns/{slug}/deliveries/{action}", dependencies=[CsrfDep])
def change_deliveries(
    request: Request,
    session: SessionDep,
    campaign: CampaignDep,
    organiser: EditorDep,
    action: str,
    data: FormDep,
) -> Response:
    if action not in ACTIONS:
        return _page(
            request, session, campaign, errors={"action": "Unknown action."}, status_code=404
        )
    ids = _selected(session, campaign, data)
    if not ids:
        errors = {action: "Select at least one letter."}
        return _page(request, session, campaign, errors=errors, status_code=400)
    before = desk.statuses_of(session, ids)
    if action == "mark-delivered":
        typed = str(data.get("delivered_on") or "").strip()[:20]
        try:
            on = date.fromisoformat(typed)
        except ValueError:
            on = None
        if on is None or on > utcnow().date():
            errors = {
                "delivered_on": "Give the day it was delivered (YYYY-MM-DD), not in the future."
            }
            return _page(
                request,
                session,
                campaign,
                errors=errors,
                form={"delivered_on": typed},
                status_code=400,
            )
        changed = delivery.mark_delivered(session, ids, on)
    elif action == "retry":
        changed = delivery.retry(session, ids)
    else:
        changed = delivery.cancel(session, ids)
    record_audit(
        session,
        organiser,
        f"delivery.{action}",
        campaign.slug,
        {str(i): s for i, s in before.items()},
        {str(d.id): d.status for d in changed},
    )
    session.commit()
    return RedirectResponse(
        f"/admin/campaigns/{campaign.slug}/deliveries?done={action}:{len(changed)}", status_code=303
    )
