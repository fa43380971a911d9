"""Campaign tables: the campaign, its resolution, demands and targeting; template versions."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UtcDateTime, utcnow


class CampaignStatus(StrEnum):
    draft = "draft"
    live = "live"
    paused = "paused"
    closed = "closed"


class OfficeKind(StrEnum):
    us_house = "us_house"
    us_senate = "us_senate"
    state_upper = "state_upper"
    state_lower = "state_lower"
    executive = "executive"
    custom = "custom"


class Campaign(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True, index=True)
    title: str = Field(max_length=200)
    status: str = Field(default=CampaignStatus.draft, max_length=16)
    description: str = ""
    language: str = Field(default="en", max_length=16)
    # The resolution: code, title, session, authors, coauthors, url, date, status, summary.
    resolution: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Ordered list of {"label", "text", "source"}.
    demands: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    # {"office_kinds": [...], "states": [...], "custom_targets": [...], "executive": [...]}.
    targeting: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Free-form campaign settings: goal, channels per office kind, organisation statement, ...
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class TemplateVersion(SQLModel, table=True):
    """One saved version of the subject and body templates for one office kind (or named template).

    Rows are never updated: a change is a new version, so every letter can name the exact text
    that produced it.
    """

    __table_args__ = (UniqueConstraint("campaign_id", "name", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True, ondelete="CASCADE")
    # An office kind ("us_house", ...) or the name of an extra template ("thanks_coauthor").
    name: str = Field(max_length=64)
    version: int
    subject_source: str
    body_source: str
    author: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
