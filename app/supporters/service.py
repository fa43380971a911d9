"""Supporters' identity and personal data: e-mail normalisation, erasure and retention.

What erasure keeps, and why: a letter already written stays as an anonymised record so that
reports still count it per office, state and district (``Letter.state``, ``Letter.office_key``,
``Supporter.districts``, ``source``, dates). Everything that could name the writer goes: name,
e-mail, phone, street, ZIP, the matched address, the personal note, consents, and the letter's
subject and body (they quote the name, address and note). The city goes too: in a small town a
city with a date and a district can point at one person, so ``Letter.city`` is cleared and reports
show such letters under no city. Letters not yet sent are cancelled, since they cannot be sent
without the writer's name.

This module reads the outbox table (``app.delivery.models``, models only, never its service):
whether a letter is final decides when personal data may be purged, and erasure must stop
unsent letters. The outbox table is created by the submissions issue and shared by design.
"""

import secrets
from collections.abc import Sequence
from contextlib import suppress
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, exists, or_
from sqlmodel import Session, col, select

from app.campaigns.models import Campaign
from app.config import Settings
from app.db import utcnow
from app.delivery.models import FINAL_STATUSES, Delivery, DeliveryStatus
from app.letters.models import Letter
from app.supporters.models import Consent, Supporter

ERASED_TEXT = "[erased at the supporter's request]"
# Unsent states that erasure cancels. "sending" is left to finish: the worker already holds it.
_CANCELLABLE = (DeliveryStatus.queued, DeliveryStatus.failed, DeliveryStatus.held)


def normalise_email(email: str) -> str:
    """One supporter per campaign per mailbox: case and Unicode form do not make a new one.

    Local parts are case-insensitive at every real provider; "+tags" and dots are kept, since
    treating them as the same mailbox is provider-specific.
    """
    email = email.strip()
    # An erasure request may carry a malformed address: then it is matched as typed.
    with suppress(EmailNotValidError):
        email = validate_email(email, check_deliverability=False).normalized
    return email.casefold()


def mailbox_key(validated_email: str) -> str:
    """``normalise_email`` of an address that email-validator has already normalised (a
    submission's validated ``email`` field): the same key, without validating it twice."""
    return validated_email.casefold()


def find_supporter(session: Session, campaign_id: int, email: str) -> Supporter | None:
    return find_by_mailbox(session, campaign_id, normalise_email(email))


def find_by_mailbox(session: Session, campaign_id: int, email_key: str) -> Supporter | None:
    """The campaign's supporter with this normalised e-mail (``normalise_email``)."""
    return session.exec(
        select(Supporter).where(
            Supporter.campaign_id == campaign_id, Supporter.email_normalized == email_key
        )
    ).first()


def is_same_writer(
    supporter: Supporter, first_name: str, last_name: str, street: str, zip_code: str
) -> bool:
    """Whether a new submission under a known e-mail comes from the person who wrote before.

    Anyone can type someone else's e-mail address; only the same name and street address (a
    double click, or the same person coming back) may see the earlier letters, which carry
    that person's address.
    """
    if supporter.erased_at is not None:
        return False

    def same(a: str | None, b: str | None) -> bool:
        return " ".join((a or "").casefold().split()) == " ".join((b or "").casefold().split())

    return (
        same(supporter.first_name, first_name)
        and same(supporter.last_name, last_name)
        and same(supporter.street, street)
        and (supporter.zip or "")[:5] == (zip_code or "").strip()[:5]
    )


def get_by_token(session: Session, token: str) -> Supporter | None:
    return session.exec(select(Supporter).where(Supporter.token == token)).first()


def erase_supporter(session: Session, email: str, campaign: Campaign | None = None) -> int:
    """Erase the personal data of everyone who wrote with this e-mail (in one campaign or all).

    Returns how many supporter records were erased; 0 when none matched (already erased
    supporters no longer match, because their e-mail is gone).
    """
    query = select(Supporter).where(
        Supporter.email_normalized == normalise_email(email), col(Supporter.erased_at).is_(None)
    )
    if campaign is not None:
        query = query.where(Supporter.campaign_id == campaign.id)
    supporters = session.exec(query).all()
    erase_records(session, supporters)
    return len(supporters)


def erase_records(session: Session, supporters: Sequence[Supporter]) -> None:
    """Blank the personal data of these supporters and anonymise their letters (no commit)."""
    if not supporters:
        return
    now = utcnow()
    ids = [s.id for s in supporters if s.id is not None]
    letter_ids = select(Letter.id).where(col(Letter.supporter_id).in_(ids))
    for delivery in session.exec(
        select(Delivery).where(
            col(Delivery.letter_id).in_(letter_ids), col(Delivery.status).in_(_CANCELLABLE)
        )
    ):
        delivery.status = DeliveryStatus.cancelled
        delivery.last_error = "Cancelled: the supporter's personal data was erased."
        delivery.updated_at = now
        session.add(delivery)
    for letter in session.exec(select(Letter).where(col(Letter.supporter_id).in_(ids))):
        letter.subject = ERASED_TEXT
        letter.body = ERASED_TEXT
        letter.city = None
        session.add(letter)
    session.execute(delete(Consent).where(col(Consent.supporter_id).in_(ids)))
    for supporter in supporters:
        for consent in session.exec(
            select(Consent).where(
                Consent.campaign_id == supporter.campaign_id,
                Consent.email == supporter.email_normalized,
            )
        ):
            session.delete(consent)
        supporter.email_normalized = f"erased:{supporter.id}"
        supporter.email = ""
        supporter.prefix = None
        supporter.first_name = ""
        supporter.last_name = ""
        supporter.phone = None
        supporter.street = ""
        supporter.street2 = None
        supporter.city = ""
        supporter.zip = ""
        supporter.matched_address = None
        supporter.personal_note = None
        # A new random token: the old thanks-page link stops working.
        supporter.token = secrets.token_urlsafe(32)
        supporter.erased_at = now
        session.add(supporter)
    session.flush()


def supporters_due_for_purge(
    session: Session, retention_days: int, *, now: datetime | None = None, limit: int = 500
) -> list[Supporter]:
    """Supporters whose letters are all final (sent, dead, cancelled) and older than the period."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    open_or_recent = (
        select(Letter.id)
        .join(Delivery, col(Delivery.letter_id) == col(Letter.id))
        .where(
            col(Letter.supporter_id) == col(Supporter.id),
            or_(
                col(Delivery.status).not_in(list(FINAL_STATUSES)),
                col(Delivery.updated_at) >= cutoff,
            ),
        )
    )
    query = (
        select(Supporter)
        .where(
            col(Supporter.erased_at).is_(None),
            col(Supporter.created_at) < cutoff,
            ~exists(open_or_recent),
        )
        .order_by(col(Supporter.id))
        .limit(limit)
    )
    return list(session.exec(query).all())


def purge_expired(
    session: Session, settings: Settings, *, now: datetime | None = None, limit: int = 500
) -> int:
    """Erase one batch of supporters past the retention period; the caller commits and repeats.

    Returns the number erased in this batch (0: nothing left, or no retention configured).
    The delivery worker can call this periodically; ``lettercast supporters purge`` loops it.
    """
    if settings.supporter_retention_days is None:
        return 0
    due = supporters_due_for_purge(session, settings.supporter_retention_days, now=now, limit=limit)
    erase_records(session, due)
    return len(due)
