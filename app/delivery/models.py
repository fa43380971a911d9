"""The outbox: one delivery job per letter."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.db import UtcDateTime, utcnow


class DeliveryStatus(StrEnum):
    queued = "queued"
    sending = "sending"
    sent = "sent"
    failed = "failed"  # will retry at next_attempt_at
    dead = "dead"  # gave up; last_error says why
    held = "held"  # waiting for hand delivery
    cancelled = "cancelled"


FINAL_STATUSES = frozenset({DeliveryStatus.sent, DeliveryStatus.dead, DeliveryStatus.cancelled})


class Delivery(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    letter_id: int = Field(foreign_key="letter.id", unique=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    office_key: str = Field(max_length=64, index=True)
    channel: str = Field(max_length=32)
    status: str = Field(default=DeliveryStatus.queued, max_length=16, index=True)
    # Deterministic per letter, so every retry presents the same key downstream.
    idempotency_key: str = Field(max_length=64, unique=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, index=True)
    lease_expires_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    claimed_by: str | None = Field(default=None, max_length=100)
    last_error: str | None = None
    downstream_id: str | None = Field(default=None, max_length=200)
    sent_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    delivered_by_hand_on: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
