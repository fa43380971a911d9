"""Organiser tables: accounts, server-side sign-in sessions, sign-in attempts and the audit log."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from app.db import UtcDateTime, utcnow


class Organiser(SQLModel, table=True):
    """A person who runs campaigns. ``role`` is one of ``app.organisers.auth.Role``."""

    id: int | None = Field(default=None, primary_key=True)
    # Stored lower-cased: sign-in and uniqueness ignore case.
    email: str = Field(max_length=320, unique=True, index=True)
    name: str = Field(default="", max_length=200)
    role: str = Field(default="viewer", max_length=16)
    # Argon2id, in the PHC string form argon2-cffi writes (parameters travel with the hash).
    password_hash: str = Field(max_length=200)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    last_sign_in_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class OrganiserSession(SQLModel, table=True):
    """One signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a
    copy of the database cannot be replayed as a cookie."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    organiser_id: int = Field(foreign_key="organiser.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    # The absolute limit, fixed at sign-in; the idle limit is counted from last_seen_at.
    expires_at: datetime = Field(sa_type=UtcDateTime, index=True)


class SignInAttempt(SQLModel, table=True):
    """Every sign-in try, kept for throttling per account and per address."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, index=True)
    ip: str = Field(max_length=64, index=True)
    succeeded: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, index=True)


class AuditEvent(SQLModel, table=True):
    """Who did what, when; before/after hold the changed values (templates, settings)."""

    id: int | None = Field(default=None, primary_key=True)
    organiser_id: int | None = Field(
        default=None, foreign_key="organiser.id", index=True, ondelete="SET NULL"
    )
    # Kept as text so the entry stays attributable after the account is deleted.
    organiser_email: str = Field(default="", max_length=320)
    action: str = Field(max_length=64, index=True)
    target: str = Field(default="", max_length=200)
    before: Any | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: Any | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, index=True)
