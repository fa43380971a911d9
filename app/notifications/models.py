"""Tables of the supporter's own e-mails: a small durable outbox, and e-mail confirmations."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UtcDateTime, utcnow


class NotificationStatus(StrEnum):
    queued = "queued"
    sending = "sending"
    sent = "sent"
    failed = "failed"  # will retry at next_attempt_at
    dead = "dead"  # gave up; last_error says why
    cancelled = "cancelled"  # nothing left to send (the supporter's data was erased)


class Notification(SQLModel, table=True):
    """One e-mail to a supporter, kept until it is sent: written in the submission's transaction.

    No personal data is stored here: the address and letters are read when it is sent, so
    erasing a supporter leaves nothing behind in the outbox.
    """

    __table_args__ = (UniqueConstraint("supporter_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    supporter_id: int | None = Field(
        default=None, foreign_key="supporter.id", index=True, ondelete="SET NULL"
    )
    kind: str = Field(default="copy", max_length=16)
    status: str = Field(default=NotificationStatus.queued, max_length=16, index=True)
    # Stable per e-mail: its Message-ID and the mail API's Idempotency-Key derive from it.
    idempotency_key: str = Field(max_length=64, unique=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, index=True)
    lease_expires_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_error: str | None = None
    downstream_id: str | None = Field(default=None, max_length=200)
    sent_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class EmailConfirmation(SQLModel, table=True):
    """A supporter proving the address is theirs before letters go out in their name.

    The token travels only in the e-mail (never in the submission's answer), so only someone
    who reads that mailbox can confirm.
    """

    id: int | None = Field(default=None, primary_key=True)
    supporter_id: int = Field(foreign_key="supporter.id", unique=True, ondelete="CASCADE")
    token: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    confirmed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
