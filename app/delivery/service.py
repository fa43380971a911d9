"""The delivery queue: enqueueing letters, recording outcomes, and the organisers' manual actions.

Queue state lives here, never in a channel: a channel answers ``Sent``/``Retry``/``Rejected`` and
this module turns that into ``sent``, a later ``next_attempt_at``, or ``dead``.
"""

import hashlib
from collections.abc import Collection, Iterable
from datetime import date, datetime, time
from typing import Any

from sqlmodel import Session, col, select

from app.campaigns.models import Campaign
from app.config import Settings
from app.db import utcnow
from app.delivery.channels import CHANNELS, channel_unavailable_reason
from app.delivery.models import Delivery, DeliveryStatus
from app.letters.models import Letter
from app.representatives.models import Office

HOLD = "hold"


def idempotency_key_for(letter_id: int, campaign_id: int) -> str:
    """The same letter always presents the same key downstream, on every retry and every worker."""
    digest = hashlib.sha256(f"lettercast:{campaign_id}:{letter_id}".encode()).hexdigest()
    return "lc-" + digest[:40]


def choose_channel(
    campaign: Campaign, office: Office | None, settings: Settings | None = None
) -> tuple[str, str | None]:
    """The campaign's channel for this office kind, or ``hold`` with the reason it fell back."""
    if office is None:
        return HOLD, "Held: the letter has no office on record, so no channel applies."
    channels: dict[str, Any] = (campaign.settings or {}).get("channels") or {}
    name = channels.get(office.kind)
    if not name:
        return HOLD, f"Held: no delivery channel is configured for {office.kind} offices."
    if name == HOLD:
        return HOLD, None
    if name not in CHANNELS:
        return HOLD, f"Held: channel {name!r} for {office.kind} offices is not installed."
    if settings is not None:
        reason = channel_unavailable_reason(name, settings, campaign.settings or {})
        if reason:
            return HOLD, f"Held: channel {name!r} for {office.kind} offices is not set up: {reason}"
    return name, None


def enqueue_letter(
    session: Session,
    *,
    letter: Letter,
    campaign: Campaign,
    office: Office | None,
    settings: Settings | None = None,
) -> Delivery:
    """Put one letter in the outbox. Offices without a usable channel are held, visibly.

    Nothing is silently dropped: a letter whose office kind has no configured channel gets
    status ``held`` and ``last_error`` explains why, so organisers see it on the delivery desk.
    Calling this twice for one letter returns the existing job.
    """
    assert letter.id is not None and campaign.id is not None
    existing = session.exec(select(Delivery).where(Delivery.letter_id == letter.id)).first()
    if existing is not None:
        return existing
    channel, notice = choose_channel(campaign, office, settings)
    now = utcnow()
    delivery = Delivery(
        letter_id=letter.id,
        campaign_id=campaign.id,
        office_key=letter.office_key,
        channel=channel,
        status=DeliveryStatus.held if channel == HOLD else DeliveryStatus.queued,
        idempotency_key=idempotency_key_for(letter.id, campaign.id),
        last_error=notice,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(delivery)
    session.flush()
    return delivery


def status_for_letters(session: Session, letter_ids: Iterable[int]) -> dict[int, str]:
    """Each letter's delivery status as the supporter should see it (letters with no job omitted).

    ``failed`` and ``sending`` are both on their way; they are reported as they are so the
    thanks page can say "trying again" honestly.
    """
    ids = list(letter_ids)
    if not ids:
        return {}
    rows = session.exec(
        select(Delivery.letter_id, Delivery.status).where(col(Delivery.letter_id).in_(ids))
    ).all()
    return {letter_id: status for letter_id, status in rows}


def _load(session: Session, ids: Collection[int]) -> list[Delivery]:
    if not ids:
        return []
    return list(session.exec(select(Delivery).where(col(Delivery.id).in_(list(ids)))).all())


RETRYABLE = frozenset(
    {DeliveryStatus.dead, DeliveryStatus.failed, DeliveryStatus.cancelled, DeliveryStatus.held}
)


def retry(session: Session, ids: Collection[int]) -> list[Delivery]:
    """Send these jobs again now: dead, failed, cancelled or held jobs go back in the queue.

    Held jobs whose channel is ``hold`` stay held (there is nothing to send them through).
    Returns the jobs that were re-queued.
    """
    now = utcnow()
    changed = []
    for delivery in _load(session, ids):
        if delivery.status not in RETRYABLE or delivery.channel == HOLD:
            continue
        delivery.status = DeliveryStatus.queued
        delivery.attempts = 0
        delivery.next_attempt_at = now
        delivery.lease_expires_at = None
        delivery.claimed_by = None
        delivery.updated_at = now
        session.add(delivery)
        changed.append(delivery)
    session.flush()
    return changed


def cancel(session: Session, ids: Collection[int]) -> list[Delivery]:
    """Stop these jobs. Jobs already sent (or being sent right now) cannot be taken back."""
    now = utcnow()
    changed = []
    for delivery in _load(session, ids):
        if delivery.status in {DeliveryStatus.sent, DeliveryStatus.sending}:
            continue
        if delivery.status == DeliveryStatus.cancelled:
            continue
        delivery.status = DeliveryStatus.cancelled
        delivery.updated_at = now
        session.add(delivery)
        changed.append(delivery)
    session.flush()
    return changed


def mark_delivered(session: Session, ids: Collection[int], on: date) -> list[Delivery]:
    """Record that these letters were handed over (printed or delivered in person) on ``on``."""
    now = utcnow()
    handed = datetime.combine(on, time(12, 0), tzinfo=now.tzinfo)
    changed = []
    for delivery in _load(session, ids):
        if delivery.status in {DeliveryStatus.sent, DeliveryStatus.sending}:
            continue
        delivery.status = DeliveryStatus.sent
        delivery.delivered_by_hand_on = handed
        delivery.sent_at = handed
        delivery.downstream_id = "by hand"
        delivery.last_error = None
        delivery.updated_at = now
        session.add(delivery)
        changed.append(delivery)
    session.flush()
    return changed
