"""The supporter's side of sending: their own copy, confirming their address, unsubscribing.

A submission queues one e-mail to the supporter in the same transaction as their letters
(``after_submission``): a copy of each letter and a link to the thanks page. When the campaign
sets ``require_email_confirmation``, that e-mail also carries a confirmation link, and the
letters' delivery jobs are ``held`` until it is used: nothing goes out in someone's name
until they have shown the address is theirs. Confirming re-queues exactly those jobs through
the delivery service.

Unsubscribe links are signed with the service's secret, one per consent, so they need no
table and cannot be guessed; using one sets ``Consent.unsubscribed_at``.
"""

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, insert
from sqlmodel import Session, col, select

from app.campaigns.models import Campaign
from app.config import Settings
from app.db import utcnow
from app.delivery import service as deliveries
from app.delivery.models import Delivery, DeliveryStatus
from app.letters.models import Letter
from app.notifications.models import EmailConfirmation, Notification, NotificationStatus
from app.supporters.models import Consent

_NOTIFICATION: Table = Notification.__table__  # type: ignore[attr-defined]
AWAITING_CONFIRMATION = "Held: waiting for the supporter to confirm their e-mail address."


def requires_confirmation(campaign: Campaign) -> bool:
    return bool((campaign.settings or {}).get("require_email_confirmation"))


def after_submission(
    session: Session, campaign: Campaign, supporter_id: int, letters_out: Iterable[Any] = ()
) -> None:
    """Queue the supporter's copy; hold their letters first if the campaign wants confirmation.

    Called inside the submission's transaction, so the copy, the hold and the letters commit
    together or not at all. ``letters_out`` (the answer's letters, with ``id`` and ``status``)
    is updated so the supporter is told the truth at once: their letters are waiting.
    """
    assert campaign.id is not None
    now = utcnow()
    # A Core statement, like the rest of the submission's rows (see ``submissions.outbox``).
    session.connection().execute(
        insert(_NOTIFICATION),
        {
            "campaign_id": campaign.id,
            "supporter_id": supporter_id,
            "kind": "copy",
            "status": NotificationStatus.queued,
            "idempotency_key": f"lc-copy-{supporter_id}-{secrets.token_hex(12)}",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        },
    )
    if not requires_confirmation(campaign):
        return
    session.add(EmailConfirmation(supporter_id=supporter_id, token=secrets.token_urlsafe(32)))
    held = _hold_letters(session, supporter_id)
    for item in letters_out:
        if getattr(item, "id", None) in held:
            item.status = DeliveryStatus.held
    session.flush()


def _letter_ids(supporter_id: int) -> Any:
    return select(Letter.id).where(Letter.supporter_id == supporter_id)


def _hold_letters(session: Session, supporter_id: int) -> set[int]:
    now, held = utcnow(), set()
    jobs = session.exec(
        select(Delivery).where(
            col(Delivery.letter_id).in_(_letter_ids(supporter_id)),
            Delivery.status == DeliveryStatus.queued,
        )
    )
    for delivery in jobs:
        delivery.status = DeliveryStatus.held
        delivery.last_error = AWAITING_CONFIRMATION
        delivery.updated_at = now
        session.add(delivery)
        held.add(delivery.letter_id)
    return held


def confirmation_for(session: Session, token: str) -> EmailConfirmation | None:
    if not token or len(token) > 64:
        return None
    return session.exec(select(EmailConfirmation).where(EmailConfirmation.token == token)).first()


def confirm_email(session: Session, token: str) -> EmailConfirmation | None:
    """Mark the address confirmed and release the letters held for it (None: unknown token).

    Confirming twice is harmless: the second time finds nothing left to release.
    """
    confirmation = confirmation_for(session, token)
    if confirmation is None:
        return None
    if confirmation.confirmed_at is None:
        confirmation.confirmed_at = utcnow()
        session.add(confirmation)
    waiting = session.exec(
        select(Delivery.id).where(
            col(Delivery.letter_id).in_(_letter_ids(confirmation.supporter_id)),
            Delivery.status == DeliveryStatus.held,
            Delivery.last_error == AWAITING_CONFIRMATION,
        )
    ).all()
    released = deliveries.retry(session, [i for i in waiting if i is not None])
    for delivery in released:
        delivery.last_error = None
        session.add(delivery)
    session.flush()
    return confirmation


def confirmation_token(session: Session, supporter_id: int) -> str | None:
    row = session.exec(
        select(EmailConfirmation).where(EmailConfirmation.supporter_id == supporter_id)
    ).first()
    return row.token if row and row.confirmed_at is None else None


# --- unsubscribe links -----------------------------------------------------------------------


def _signature(settings: Settings, consent_id: int) -> str:
    message = f"unsubscribe:{consent_id}".encode()
    return hmac.new(settings.resolved_secret_key().encode(), message, hashlib.sha256).hexdigest()[
        :32
    ]


def unsubscribe_url(settings: Settings, consent_id: int) -> str:
    base = settings.public_url.rstrip("/")
    return f"{base}/notifications/unsubscribe/{consent_id}/{_signature(settings, consent_id)}"


def consent_for_link(
    session: Session, settings: Settings, consent_id: int, signature: str
) -> Consent | None:
    """The consent an unsubscribe link names, if its signature is right."""
    if not hmac.compare_digest(signature, _signature(settings, consent_id)):
        return None
    return session.get(Consent, consent_id)


def unsubscribe(session: Session, settings: Settings, consent_id: int, signature: str) -> bool:
    """Withdraw consent (idempotent). False when the link is not one we signed."""
    consent = consent_for_link(session, settings, consent_id, signature)
    if consent is None:
        return False
    if consent.unsubscribed_at is None:
        consent.unsubscribed_at = utcnow()
        session.add(consent)
        session.flush()
    return True


def active_consent(session: Session, supporter_id: int) -> Consent | None:
    return session.exec(
        select(Consent).where(
            Consent.supporter_id == supporter_id, col(Consent.unsubscribed_at).is_(None)
        )
    ).first()
