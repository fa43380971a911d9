"""The delivery queue: enqueueing letters, recording outcomes, and the organisers' manual actions.

Queue state lives here, never in a channel: a channel answers ``Sent``/``Retry``/``Rejected`` and
this module turns that into ``sent``, a later ``next_attempt_at``, or ``dead``.
"""

import hashlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlmodel import Session, col, func, select

from app.campaigns.models import Campaign
from app.config import Settings
from app.db import utcnow
from app.delivery.channels import CHANNELS, channel_unavailable_reason
from app.delivery.models import Delivery, DeliveryStatus
from app.delivery.pacing import next_send_time
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
        return HOLD, f"Held for hand delivery or print, as the campaign asks for {office.kind}."
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
    The job is added to the session but not flushed, so a submission's jobs reach the database
    in one multi-row INSERT at the caller's next flush; ``letter_id`` is unique, so a second job
    for the same letter is refused there.
    """
    assert letter.id is not None
    delivery = Delivery(**job_row(letter.id, letter.office_key, campaign, office, settings))
    session.add(delivery)
    return delivery


def job_row(
    letter_id: int,
    office_key: str,
    campaign: Campaign,
    office: Office | None,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The delivery job's column values for one letter, as ``enqueue_letter`` stores them; for
    callers that insert many jobs in one statement without building ORM objects."""
    assert campaign.id is not None
    channel, notice = choose_channel(campaign, office, settings)
    now = now or utcnow()
    return {
        "letter_id": letter_id,
        "campaign_id": campaign.id,
        "office_key": office_key,
        "channel": channel,
        "status": DeliveryStatus.held if channel == HOLD else DeliveryStatus.queued,
        "idempotency_key": idempotency_key_for(letter_id, campaign.id),
        "attempts": 0,
        "last_error": notice,
        # Outside the campaign's sending window the letter waits for the window to open.
        "next_attempt_at": next_send_time(campaign.settings, campaign.id, now),
        "created_at": now,
        "updated_at": now,
    }


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


@dataclass(frozen=True)
class DeliveryFilter:
    """Which jobs an organiser means: by campaign, office, the supporter's state, status or id."""

    campaign_id: int | None = None
    office_key: str | None = None
    state: str | None = None  # the supporter's state, as kept on the letter
    status: str | None = None
    ids: tuple[int, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.campaign_id or self.office_key or self.state or self.status or self.ids)


def find_deliveries(
    session: Session, where: DeliveryFilter, *, limit: int | None = None, offset: int = 0
) -> list[tuple[Delivery, Letter]]:
    """Jobs with their letters, oldest first, for the command line and the delivery desk."""
    query = select(Delivery, Letter).join(Letter, col(Letter.id) == Delivery.letter_id)
    if where.campaign_id is not None:
        query = query.where(Delivery.campaign_id == where.campaign_id)
    if where.office_key:
        query = query.where(Delivery.office_key == where.office_key)
    if where.state:
        query = query.where(Letter.state == where.state.upper())
    if where.status:
        query = query.where(Delivery.status == where.status)
    if where.ids:
        query = query.where(col(Delivery.id).in_(where.ids))
    query = query.order_by(col(Delivery.id)).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [(delivery, letter) for delivery, letter in session.exec(query).all()]


def counts_by_status(session: Session, campaign_id: int | None = None) -> dict[str, int]:
    query = select(Delivery.status, func.count()).group_by(Delivery.status)
    if campaign_id is not None:
        query = query.where(Delivery.campaign_id == campaign_id)
    return {status: count for status, count in session.exec(query).all()}


def _load(session: Session, ids: Collection[int]) -> list[Delivery]:
    if not ids:
        return []
    return list(session.exec(select(Delivery).where(col(Delivery.id).in_(list(ids)))).all())


RETRYABLE = frozenset(
    {DeliveryStatus.dead, DeliveryStatus.failed, DeliveryStatus.cancelled, DeliveryStatus.held}
)


def retry(
    session: Session, ids: Collection[int], settings: Settings | None = None
) -> list[Delivery]:
    """Send these jobs again now: dead, failed, cancelled or held jobs go back in the queue.

    Jobs on ``hold`` get their channel chosen again, so once an organiser configures a channel
    for an office kind, retrying its held letters sends them; jobs still without a usable
    channel stay held (with the current reason). Returns the jobs that were re-queued.
    """
    now = utcnow()
    changed = []
    for delivery in _load(session, ids):
        if delivery.status not in RETRYABLE:
            continue
        if delivery.channel == HOLD:
            channel, notice = _channel_now(session, delivery, settings)
            if channel == HOLD:
                delivery.last_error = notice or delivery.last_error
                session.add(delivery)
                continue
            delivery.channel = channel
        delivery.status = DeliveryStatus.queued
        delivery.attempts = 0
        delivery.next_attempt_at = now
        delivery.lease_expires_at = None
        delivery.claimed_by = None
        delivery.last_error = None
        delivery.updated_at = now
        session.add(delivery)
        changed.append(delivery)
    session.flush()
    return changed


def _channel_now(
    session: Session, delivery: Delivery, settings: Settings | None
) -> tuple[str, str | None]:
    campaign = session.get(Campaign, delivery.campaign_id)
    letter = session.get(Letter, delivery.letter_id)
    office = session.get(Office, letter.office_id) if letter and letter.office_id else None
    if campaign is None:
        return HOLD, None
    return choose_channel(campaign, office, settings)


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
