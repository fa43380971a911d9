"""Sending the supporters' own e-mails from their outbox, durably, like letters.

``send_due`` is one pass: claim due rows under a lease (a conditional UPDATE per row, so two
workers never claim the same row on either database), write each e-mail from the current
data, send them concurrently, and record the outcome. A worker that dies mid-pass leaves
leases that expire; the next pass claims those rows again. ``run_outbox`` repeats passes until
told to stop; ``lettercast notifications send`` runs one pass (or keeps running with --watch).

E-mail is at-least-once: a copy may, rarely, arrive twice; it never silently disappears.
"""

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.campaigns.models import Campaign
from app.config import Settings
from app.db import utcnow
from app.delivery.channels import Outcome, Rejected, Retry, Sent
from app.delivery.channels.mail import MailMessage, mail_unavailable_reason, send_mail
from app.letters.models import Letter
from app.notifications import service
from app.notifications.models import Notification, NotificationStatus
from app.supporters.models import Supporter

log = logging.getLogger("lettercast.notifications")
LEASE_S = 120.0
DUE = (NotificationStatus.queued.value, NotificationStatus.failed.value)


@dataclass(frozen=True)
class Claimed:
    id: int
    attempts: int
    message: MailMessage | None  # None: nothing to send any more (supporter erased)


def copy_message(
    settings: Settings,
    campaign: Campaign,
    supporter: Supporter,
    letters: list[Letter],
    notification: Notification,
    confirm_token: str | None,
    unsubscribe_link: str | None,
) -> MailMessage:
    """The supporter's copy: every letter exactly as sent, the thanks page, and the links."""
    base = settings.public_url.rstrip("/")
    thanks = f"{base}/c/{campaign.slug}/thanks/{supporter.token}"
    parts = [f"Dear {supporter.first_name},", ""]
    parts.append(f"Thank you for writing about {campaign.title}.")
    if confirm_token:
        parts += [
            "",
            "Before your letters go out in your name, please confirm that this is your",
            f"e-mail address: {base}/notifications/confirm/{confirm_token}",
            "If you did not write these letters, ignore this e-mail and nothing will be sent.",
        ]
    parts += ["", f"Follow your letters here: {thanks}", ""]
    parts.append("Here is a copy of each letter:" if letters else "")
    for letter in letters:
        parts += ["", "-" * 60, f"To: {letter.official_name or letter.office_key}"]
        parts += [f"Subject: {letter.subject}", "", letter.body]
    headers: dict[str, str] = {}
    if unsubscribe_link:
        parts += ["", "-" * 60, f"You agreed to hear from {settings.organisation_name}."]
        parts.append(f"To stop, unsubscribe here: {unsubscribe_link}")
        headers["List-Unsubscribe"] = f"<{unsubscribe_link}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    subject = f"Your letters: {campaign.title}"
    if confirm_token:
        subject = f"Please confirm your e-mail: {campaign.title}"
    return MailMessage(
        to=supporter.email,
        subject=subject,
        text="\n".join(parts) + "\n",
        idempotency_key=notification.idempotency_key,
        headers=headers,
    )


def _message_for(session: Session, settings: Settings, row: Notification) -> MailMessage | None:
    supporter = session.get(Supporter, row.supporter_id) if row.supporter_id else None
    campaign = session.get(Campaign, row.campaign_id)
    if supporter is None or supporter.erased_at is not None or campaign is None:
        return None
    letters = list(
        session.exec(
            select(Letter).where(Letter.supporter_id == supporter.id).order_by(col(Letter.id))
        )
    )
    consent = service.active_consent(session, supporter.id or 0)
    return copy_message(
        settings,
        campaign,
        supporter,
        letters,
        row,
        service.confirmation_token(session, supporter.id or 0),
        service.unsubscribe_url(settings, consent.id) if consent and consent.id else None,
    )


def claim_due(session: Session, settings: Settings, limit: int) -> list[Claimed]:
    now = utcnow()
    due = or_(
        col(Notification.status).in_(DUE),
        (Notification.status == NotificationStatus.sending)
        & (col(Notification.lease_expires_at) < now),
    )
    ids = session.exec(
        select(Notification.id)
        .where(due, Notification.next_attempt_at <= now)
        .order_by(col(Notification.next_attempt_at))
        .limit(limit)
    ).all()
    claimed = []
    for notification_id in ids:
        result = session.execute(
            update(Notification)
            .where(col(Notification.id) == notification_id, due)
            .values(
                status=NotificationStatus.sending,
                attempts=Notification.attempts + 1,
                lease_expires_at=now + timedelta(seconds=LEASE_S),
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another worker took it
        row = session.get(Notification, notification_id)
        assert row is not None and row.id is not None
        session.refresh(row)
        claimed.append(Claimed(row.id, row.attempts, _message_for(session, settings, row)))
    return claimed


def record(session: Session, settings: Settings, claim: Claimed, outcome: Outcome) -> None:
    row = session.get(Notification, claim.id)
    if row is None or row.status != NotificationStatus.sending or row.attempts != claim.attempts:
        return  # our lease ran out and someone else has it now
    now = utcnow()
    row.lease_expires_at = None
    if isinstance(outcome, Sent):
        row.status, row.sent_at, row.last_error = NotificationStatus.sent, now, None
        row.downstream_id = (outcome.downstream_id or "")[:200] or None
    elif isinstance(outcome, Rejected) or row.attempts >= settings.delivery_max_attempts:
        row.status, row.last_error = NotificationStatus.dead, outcome_reason(outcome)
    else:
        assert isinstance(outcome, Retry)
        delay = min(
            settings.delivery_backoff_max_s,
            settings.delivery_backoff_base_s * 2 ** (row.attempts - 1),
        )
        delay = delay / 2 + random.uniform(0, delay / 2)
        after = min(outcome.after, settings.delivery_retry_after_max_s) if outcome.after else 0
        row.status, row.last_error = NotificationStatus.failed, outcome.reason
        row.next_attempt_at = now + timedelta(seconds=max(delay, after))
    session.add(row)


def outcome_reason(outcome: Outcome) -> str | None:
    return getattr(outcome, "reason", None)


async def send_due(
    engine: Engine, client: httpx.AsyncClient, settings: Settings, limit: int = 50
) -> int:
    """One pass over the outbox; returns how many e-mails were claimed."""
    if mail_unavailable_reason(settings):
        return 0  # rows wait, queued, until e-mail is configured
    with Session(engine) as session:
        claimed = claim_due(session, settings, limit)
        session.commit()
    if not claimed:
        return 0

    async def one(claim: Claimed) -> Outcome:
        if claim.message is None:
            return Rejected("cancelled")
        return await send_mail(client, settings, claim.message)

    outcomes = await asyncio.gather(*(one(c) for c in claimed))
    with Session(engine) as session:
        for claim, outcome in zip(claimed, outcomes, strict=True):
            if claim.message is None:
                _cancel(session, claim.id)
            else:
                record(session, settings, claim, outcome)
        session.commit()
    sent = sum(isinstance(o, Sent) for o in outcomes)
    log.info("notifications sent", extra={"claimed": len(claimed), "sent": sent})
    return len(claimed)


def _cancel(session: Session, notification_id: int) -> None:
    row = session.get(Notification, notification_id)
    if row is not None:
        row.status = NotificationStatus.cancelled
        row.last_error = "Cancelled: the supporter's personal data was erased."
        row.lease_expires_at = None
        session.add(row)


async def run_outbox(
    engine: Engine,
    client: httpx.AsyncClient,
    settings: Settings,
    stop: asyncio.Event,
    poll_s: float = 2.0,
) -> None:
    """Keep the outbox drained until ``stop`` is set (runs beside the delivery worker)."""
    while not stop.is_set():
        try:
            busy = await send_due(engine, client, settings)
        except Exception:
            log.exception("notification pass failed")
            busy = 0
        if not busy:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll_s)


def start_in_process(engine: Engine, settings: Settings) -> Callable[[], Awaitable[None]]:
    """Drain the outbox on the running loop (``lettercast serve``); returns its graceful stop."""
    stop = asyncio.Event()
    client = httpx.AsyncClient(timeout=settings.mail_timeout_s)
    task = asyncio.create_task(run_outbox(engine, client, settings, stop), name="notifications")

    async def stop_outbox() -> None:
        stop.set()
        await task
        await client.aclose()

    return stop_outbox
