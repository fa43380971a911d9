"""Organisers' JSON API for the delivery queue (the HTML desk lives in app/admin/desk.py)."""

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field
from sqlmodel import Session

from app.campaigns import service as campaigns
from app.campaigns.models import Campaign
from app.db import SessionDep
from app.delivery import service
from app.delivery.models import DeliveryStatus
from app.delivery.service import DeliveryFilter
from app.organisers.auth import CsrfDep, EditorDep, ViewerDep, record_audit

router = APIRouter(prefix="/api/admin/campaigns/{slug}/deliveries", tags=["deliveries"])

Slug = Annotated[str, Path(description="Campaign slug.")]


class DeliveryOut(BaseModel):
    id: int
    letter_id: int
    office_key: str
    state: str | None = Field(description="The supporter's state, as kept on the letter.")
    channel: str
    status: str
    attempts: int
    last_error: str | None = Field(description="Why it is held, retrying or dead.")
    next_attempt_at: datetime
    sent_at: datetime | None
    delivered_by_hand_on: date | None


class DeliveryPage(BaseModel):
    counts: dict[str, int] = Field(description="Jobs of this campaign per status.")
    deliveries: list[DeliveryOut]


class ChangeIn(BaseModel):
    ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(
        min_length=1, max_length=10_000, description="Delivery ids."
    )
    on: date | None = Field(None, description="mark-delivered only: the date handed over.")


class ChangeOut(BaseModel):
    changed: list[int] = Field(description="Ids that changed; the others were left as they were.")


def _campaign(session: Session, slug: str) -> Campaign:
    campaign = campaigns.get_campaign_by_slug(session, slug)
    if campaign is None:
        raise HTTPException(404, f"No campaign {slug!r}.")
    return campaign


@router.get("", summary="List a campaign's delivery jobs, oldest first, with counts per status")
def list_deliveries(
    slug: Slug,
    session: SessionDep,
    _organiser: ViewerDep,
    status: Annotated[DeliveryStatus | None, Query()] = None,
    office: Annotated[str | None, Query(description="Office key, e.g. us_house:CA-30.")] = None,
    state: Annotated[str | None, Query(max_length=2, description="Supporter's state.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> DeliveryPage:
    campaign = _campaign(session, slug)
    where = DeliveryFilter(campaign.id, office, state, status.value if status else None)
    rows = service.find_deliveries(session, where, limit=limit, offset=offset)
    return DeliveryPage(
        counts=service.counts_by_status(session, campaign.id),
        deliveries=[
            DeliveryOut(
                id=d.id,  # type: ignore[arg-type]
                letter_id=d.letter_id,
                office_key=d.office_key,
                state=letter.state,
                channel=d.channel,
                status=d.status,
                attempts=d.attempts,
                last_error=d.last_error,
                next_attempt_at=d.next_attempt_at,
                sent_at=d.sent_at,
                delivered_by_hand_on=d.delivered_by_hand_on.date()
                if d.delivered_by_hand_on
                else None,
            )
            for d, letter in rows
        ],
    )


@router.post(
    "/{action}",
    summary="Retry, cancel or mark delivered by hand (editors; needs the X-CSRF-Token header)",
    dependencies=[CsrfDep],
)
def change_deliveries(
    slug: Slug,
    action: Literal["retry", "cancel", "mark-delivered"],
    data: ChangeIn,
    request: Request,
    session: SessionDep,
    organiser: EditorDep,
) -> ChangeOut:
    campaign = _campaign(session, slug)
    # Only this campaign's jobs: ids from another campaign are ignored, never touched.
    where = DeliveryFilter(campaign.id, ids=tuple(data.ids))
    ids = [d.id for d, _ in service.find_deliveries(session, where) if d.id is not None]
    if action == "retry":
        changed = service.retry(session, ids, request.app.state.settings)
    elif action == "cancel":
        changed = service.cancel(session, ids)
    else:
        changed = service.mark_delivered(session, ids, data.on or date.today())
    changed_ids = [d.id for d in changed if d.id is not None]
    record_audit(session, organiser, f"delivery.{action}", f"campaign:{slug}", None, changed_ids)
    session.commit()
    return ChangeOut(changed=changed_ids)
