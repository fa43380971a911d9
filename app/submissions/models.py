"""Tables that keep submissions safe across processes: idempotency keys and rate-limit counters.

Neither table holds personal data: keys, payloads, e-mails and IP addresses are stored only as
keyed hashes (HMAC with the service's secret), and a replayed response is rebuilt from the
supporter's stored letters rather than kept as a copy.
"""

from datetime import datetime

from sqlalchemy import BigInteger, Column, PrimaryKeyConstraint
from sqlmodel import Field, SQLModel

from app.db import UtcDateTime, utcnow


class IdempotencyRecord(SQLModel, table=True):
    """One claimed ``Idempotency-Key``: inserted first, so the database decides who won."""

    # HMAC of (route scope, key): unique across every API process.
    key_hash: str = Field(primary_key=True, max_length=64)
    # HMAC of the request payload, to tell a replay from a reuse of the key.
    fingerprint: str = Field(max_length=64)
    # "in_progress" until the submission commits, then "done".
    state: str = Field(default="in_progress", max_length=16)
    response_status: int | None = None
    supporter_id: int | None = Field(
        default=None, foreign_key="supporter.id", index=True, ondelete="CASCADE"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime, index=True)


class RateLimitBucket(SQLModel, table=True):
    """Requests counted in one fixed window for one client; two windows give a sliding estimate."""

    __table_args__ = (PrimaryKeyConstraint("bucket_key", "window_start"),)

    # HMAC of e.g. "ip:203.0.113.7" or "email:ana@example.org".
    bucket_key: str = Field(max_length=64)
    # Start of the window, in seconds since the epoch.
    window_start: int = Field(sa_column=Column(BigInteger, nullable=False))
    count: int = 0
    expires_at: datetime = Field(sa_type=UtcDateTime, index=True)
