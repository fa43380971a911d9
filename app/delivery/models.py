"""The outbox: one delivery job per letter."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, text
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


# Jobs waiting for their next attempt; also the claim query's literal condition (see claims.py).
DUE_CONDITION = text("status IN ('queued', 'failed')")


class Delivery(SQLModel, table=True):
    # Workers claim "due" rows oldest first; a partial index keeps that scan to waiting rows
    # only, however many sent rows pile up behind them.
    __table_args__ = (
        Index(
            "ix_delivery_due",
            "next_attempt_at",
            postgresql_where=DUE_CONDITION,
            sqlite_where=DUE_CONDITION,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    letter_id: int = Field(foreign_key="letter.id", unique=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    office_key: str = Field(max_length=64, index=True)
    channel: str = Field(max_length=32)
    status: str = Field(default=DeliveryStatus.queued, max_length=16, index=True)
    # Deterministic per letter, so every retry presents the same key downstream.
    idempotency_key: str = Field(max_length=64, unique=True)
    attempts: int = 0
    # Claims use the partial ix_delivery_due index; a full index would only slow every update.
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    lease_expires_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    claimed_by: str | None = Field(default=None, max_length=100)
    last_error: str | None = None
    downstream_id: str | None = Field(default=None, max_length=200)
    sent_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    delivered_by_hand_on: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class DeliveryPace(SQLModel, table=True):
    """One pacing bucket (a channel, or an office on a channel) shared by every worker.

    ``next_slot_at`` is the bucket's theoretical arrival time (GCRA): a send is allowed while it
    is at most one burst ahead of now, and each send moves it one interval further. Workers
    update it in the same transaction that claims the job, so the pace holds across processes.
    """

    key: str = Field(primary_key=True, max_length=120)
    next_slot_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
