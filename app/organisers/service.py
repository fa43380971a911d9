"""Organiser accounts: passwords, sign-in with throttling, server-side sessions, the audit log."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app.config import Settings
from app.db import utcnow
from app.organisers.models import AuditEvent, Organiser, OrganiserSession, SignInAttempt

ROLES = ("viewer", "editor", "admin")
MIN_PASSWORD_LENGTH = 10

# argon2-cffi's PasswordHasher uses Argon2id with RFC 9106's low-memory profile.
_hasher = PasswordHasher()
# Verified when the account does not exist, so a wrong e-mail costs as much time as a wrong
# password and response times do not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("not a real password")


class OrganiserError(ValueError):
    """Bad input for an account: ``field`` names the form field, ``message`` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class SignInRefused(Exception):
    """Wrong e-mail or password (one message for both), or too many tries."""

    def __init__(self, message: str, *, throttled: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.throttled = throttled


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def validate_new_account(session: Session, email: str, password: str, role: str) -> str:
    email = normalise_email(email)
    if "@" not in email or email.startswith("@") or email.endswith("@") or " " in email:
        raise OrganiserError("email", "Enter an e-mail address such as name@example.org.")
    if len(email) > 320:
        raise OrganiserError("email", "That e-mail address is too long.")
    if role not in ROLES:
        raise OrganiserError("role", f"Choose one of: {', '.join(ROLES)}.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise OrganiserError(
            "password", f"Use a password of at least {MIN_PASSWORD_LENGTH} characters."
        )
    if get_by_email(session, email) is not None:
        raise OrganiserError("email", "An organiser with that e-mail address already exists.")
    return email


def create_organiser(
    session: Session, email: str, password: str, role: str, name: str = ""
) -> Organiser:
    """A new account; the password is kept only as an Argon2id hash."""
    email = validate_new_account(session, email, password, role)
    organiser = Organiser(
        email=email, name=name.strip()[:200], role=role, password_hash=hash_password(password)
    )
    session.add(organiser)
    session.flush()
    return organiser


def set_password(session: Session, organiser: Organiser, password: str) -> None:
    """A new password ends every open session of that organiser."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise OrganiserError(
            "password", f"Use a password of at least {MIN_PASSWORD_LENGTH} characters."
        )
    organiser.password_hash = hash_password(password)
    session.add(organiser)
    session.exec(delete(OrganiserSession).where(OrganiserSession.organiser_id == organiser.id))  # type: ignore[call-overload]


def get_by_email(session: Session, email: str) -> Organiser | None:
    return session.exec(select(Organiser).where(Organiser.email == normalise_email(email))).first()


def list_organisers(session: Session) -> list[Organiser]:
    return list(session.exec(select(Organiser).order_by(Organiser.email)))


def set_role(session: Session, organiser: Organiser, role: str) -> None:
    if role not in ROLES:
        raise OrganiserError("role", f"Choose one of: {', '.join(ROLES)}.")
    organiser.role = role
    session.add(organiser)


def set_active(session: Session, organiser: Organiser, active: bool) -> None:
    """Deactivating also ends every open session of that organiser at once."""
    organiser.active = active
    session.add(organiser)
    if not active:
        session.exec(delete(OrganiserSession).where(OrganiserSession.organiser_id == organiser.id))  # type: ignore[call-overload]


def _failures_since(session: Session, since: datetime, **where: str) -> int:
    query = select(func.count()).select_from(SignInAttempt)
    query = query.where(SignInAttempt.succeeded == False, SignInAttempt.created_at >= since)  # noqa: E712
    for column, value in where.items():
        query = query.where(getattr(SignInAttempt, column) == value)
    return int(session.exec(query).one())


def _last_success(session: Session, email: str) -> datetime | None:
    return session.exec(
        select(func.max(SignInAttempt.created_at)).where(
            SignInAttempt.email == email,
            SignInAttempt.succeeded == True,  # noqa: E712
        )
    ).one()


def authenticate(
    session: Session, settings: Settings, email: str, password: str, ip: str
) -> Organiser:
    """Check a password, counting failures per account and per address in the database, so the
    limit holds across processes and restarts. A success clears the account's count; the
    address's count only ages out."""
    email = normalise_email(email)[:320]
    now = utcnow()
    window_start = now - timedelta(minutes=settings.signin_window_minutes)
    # Attempts older than the window (and a day, for the account's last success) are no
    # longer needed: pruned here so the table stays small without a separate job.
    keep_from = min(window_start, now - timedelta(days=1))
    session.exec(delete(SignInAttempt).where(SignInAttempt.created_at < keep_from))  # type: ignore[call-overload]
    last_ok = _last_success(session, email)
    account_since = max(window_start, last_ok) if last_ok else window_start
    wait = f"Too many sign-in attempts. Try again in {settings.signin_window_minutes} minutes."
    if (
        _failures_since(session, account_since, email=email)
        >= (settings.signin_max_failures_per_account)
        or _failures_since(session, window_start, ip=ip) >= settings.signin_max_failures_per_ip
    ):
        session.add(SignInAttempt(email=email, ip=ip[:64], succeeded=False))
        raise SignInRefused(wait, throttled=True)
    organiser = get_by_email(session, email)
    ok = _verify(organiser.password_hash if organiser else _DUMMY_HASH, password)
    ok = ok and organiser is not None and organiser.active
    session.add(SignInAttempt(email=email, ip=ip[:64], succeeded=ok))
    if not ok or organiser is None:
        raise SignInRefused("That e-mail address and password do not match an active account.")
    if _hasher.check_needs_rehash(organiser.password_hash):
        organiser.password_hash = hash_password(password)
    organiser.last_sign_in_at = now
    session.add(organiser)
    return organiser


def password_matches(organiser: Organiser, password: str) -> bool:
    return _verify(organiser.password_hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, settings: Settings, organiser: Organiser) -> str:
    """A new session; returns the cookie value (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    # Sessions nobody presents again would otherwise stay forever.
    session.exec(delete(OrganiserSession).where(OrganiserSession.expires_at < now))  # type: ignore[call-overload]
    session.add(
        OrganiserSession(
            token_hash=_token_hash(token),
            organiser_id=organiser.id,  # type: ignore[arg-type]
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.organiser_absolute_timeout_hours),
        )
    )
    session.flush()
    return token


@dataclass(frozen=True)
class ActiveSession:
    row: OrganiserSession
    organiser: Organiser


# Writing last_seen_at on every request would turn each page view into a write; a minute of
# slack on the idle limit is harmless.
_TOUCH_EVERY = timedelta(seconds=60)


def find_session(session: Session, settings: Settings, token: str | None) -> ActiveSession | None:
    """The signed-in organiser behind a cookie, or None once idle or absolute time has run out.
    May mark last_seen_at or delete an expired row: the caller commits when the session is dirty."""
    if not token or len(token) > 200:
        return None
    row = session.exec(
        select(OrganiserSession).where(OrganiserSession.token_hash == _token_hash(token))
    ).first()
    if row is None:
        return None
    now = utcnow()
    idle_limit = row.last_seen_at + timedelta(minutes=settings.organiser_idle_timeout_minutes)
    organiser = session.get(Organiser, row.organiser_id)
    if now >= row.expires_at or now >= idle_limit or organiser is None or not organiser.active:
        session.delete(row)  # the caller commits, so the stale row goes for good
        return None
    if now - row.last_seen_at >= _TOUCH_EVERY:
        row.last_seen_at = now
        session.add(row)
    return ActiveSession(row, organiser)


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.exec(
            delete(OrganiserSession).where(OrganiserSession.token_hash == _token_hash(token))
        )  # type: ignore[call-overload]


def record_audit(
    session: Session,
    organiser: Organiser | None,
    action: str,
    target: str,
    before: Any = None,
    after: Any = None,
) -> AuditEvent:
    """One line in the audit log. Added to the caller's unit of work, so the entry is committed
    exactly when the change it describes is."""
    event = AuditEvent(
        organiser_id=organiser.id if organiser else None,
        organiser_email=organiser.email if organiser else "",
        action=action[:64],
        target=target[:200],
        before=before,
        after=after,
    )
    session.add(event)
    return event


def list_audit(
    session: Session, *, limit: int = 200, offset: int = 0, action: str | None = None
) -> list[AuditEvent]:
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    query = query.order_by(col(AuditEvent.created_at).desc(), col(AuditEvent.id).desc())
    return list(session.exec(query.offset(offset).limit(limit)))
