"""The letter: text rendered once, at submission, exactly as the supporter saw it."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UtcDateTime, utcnow


class Letter(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("supporter_id", "office_key"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    # Nullable so that erasing a supporter keeps an anonymised letter for reports.
    supporter_id: int | None = Field(
        default=None, foreign_key="supporter.id", index=True, ondelete="SET NULL"
    )
    office_id: int | None = Field(default=None, foreign_key="office.id", index=True)
    office_key: str = Field(max_length=64, index=True)
    official_id: str | None = Field(default=None, max_length=64)
    official_name: str = Field(default="", max_length=200)
    template_version_id: int | None = Field(default=None, foreign_key="templateversion.id")
    subject: str
    body: str
    # Supporter's state and district, kept when personal data is erased, for reports.
    state: str | None = Field(default=None, max_length=2)
    city: str | None = Field(default=None, max_length=100)
    source: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, index=True)
