"""Supporters: the people who write, with their address (personal data) and their consent."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UtcDateTime, utcnow


class Supporter(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("campaign_id", "email_normalized"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    # Random, at least 128 bits: the only key to the thanks page.
    token: str = Field(max_length=64, unique=True, index=True)
    email_normalized: str = Field(max_length=320)
    prefix: str | None = Field(default=None, max_length=16)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    email: str = Field(max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    street: str = Field(max_length=200)
    street2: str | None = Field(default=None, max_length=200)
    city: str = Field(max_length=100)
    state: str = Field(max_length=2)
    zip: str = Field(max_length=10)
    matched_address: str | None = Field(default=None, max_length=300)
    # {"us_house": "CA-30", "state_upper": "CA-25", ...}
    districts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    personal_note: str | None = None
    source: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    erased_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Consent(SQLModel, table=True):
    """Permission to hear from the organisation, kept apart from the letters."""

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    supporter_id: int | None = Field(
        default=None, foreign_key="supporter.id", index=True, ondelete="SET NULL"
    )
    email: str = Field(max_length=320)
    given_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    unsubscribed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
