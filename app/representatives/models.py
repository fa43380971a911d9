"""Representatives tables: offices (seats) with their delivery addresses, and officials."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from app.db import UtcDateTime, utcnow


class Office(SQLModel, table=True):
    """A seat, e.g. ``us_house:CA-30``. A seat with no official in office is vacant."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True, index=True)
    kind: str = Field(max_length=16, index=True)
    state: str | None = Field(default=None, max_length=2, index=True)
    # Open States names some districts ("Berkshire, Hampden, Franklin and Hampshire").
    district: str | None = Field(default=None, max_length=64)
    title: str = Field(default="", max_length=200)
    # House Communicating with Congress member office code, e.g. HCA30.
    cwc_code: str | None = Field(default=None, max_length=8)
    email: str | None = Field(default=None, max_length=320)
    contact_form_url: str | None = Field(default=None, max_length=500)
    phone: str | None = Field(default=None, max_length=40)
    # [{"kind": "capitol"|"district", "address": ..., "city": ..., "zip": ..., "phone": ...}]
    addresses: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class Official(SQLModel, table=True):
    """A person holding (or who held) an office. Ids are bioguide ids or ocd-person ids."""

    id: str = Field(primary_key=True, max_length=64)
    office_id: int | None = Field(default=None, foreign_key="office.id", index=True)
    in_office: bool = Field(default=True, index=True)
    name: str = Field(max_length=200)
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    # "Representative", "Senator", "Assemblymember", "President", ...
    title: str = Field(default="", max_length=100)
    party: str | None = Field(default=None, max_length=64)
    email: str | None = Field(default=None, max_length=320)
    source: str = Field(default="", max_length=64)
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class ZipDistrict(SQLModel, table=True):
    """One row of the ZCTA → congressional district table; a ZIP spanning districts has several."""

    zcta: str = Field(primary_key=True, max_length=5)
    state: str = Field(primary_key=True, max_length=2)
    # Two digits; "00" for at-large seats and delegates.
    district: str = Field(primary_key=True, max_length=2)


class DistrictLookupCache(SQLModel, table=True):
    """A geocoder answer, keyed by a hash of the normalised address, kept until ``expires_at``.

    The key is a hash so the cache cannot be searched by address; the matched address is kept
    because pages show it back to the supporter.
    """

    key: str = Field(primary_key=True, max_length=64)
    provider: str = Field(max_length=32)
    # {"matched_address", "state", "districts": {...}, "unresolved": [...]}
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime, index=True)
