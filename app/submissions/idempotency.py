"""``Idempotency-Key`` handling, after the IETF draft (draft-ietf-httpapi-idempotency-key-header).

The key is claimed by inserting its row first (``INSERT … ON CONFLICT DO NOTHING``), so when two
API processes receive the same key at once the database picks exactly one. The winner's row is
marked done in the same transaction that writes the submission; a replay then gets the stored
status code and the submission rebuilt from its rows (same token, same letters, current
statuses), so no copy of a response with personal data is kept. Rules, as the draft has them:

- same key, same payload, first one finished: the stored response (same status code);
- same key, same payload, first one still running: ``409``;
- same key, another payload: ``422``;
- a claim whose holder died (still in progress after ``STALE_AFTER``) may be taken over.

Only successful answers are stored. A failed attempt releases its key, so the client may retry
with the same key once the cause (a rate limit, an unavailable geocoder) has passed.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from app.config import Settings
from app.db import utcnow
from app.submissions.errors import SubmissionError
from app.submissions.models import IdempotencyRecord

MAX_KEY_LENGTH = 255
# A request that has not finished in this time has died with its process.
STALE_AFTER = timedelta(minutes=2)


class IdempotencyError(SubmissionError):
    """400 (malformed key), 409 (still in progress) or 422 (reused with another payload)."""


@dataclass(frozen=True)
class Claim:
    key_hash: str
    # Set when the key was already used for this payload and that request finished.
    replay_status: int | None = None
    replay_supporter_id: int | None = None


def parse_key(header: str) -> str:
    """The draft makes the header a Structured Field string ("…"); bare tokens are accepted too."""
    key = header.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise IdempotencyError(
            400,
            "invalid_idempotency_key",
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.",
        )
    return key


def _digest(settings: Settings, *parts: str) -> str:
    secret = settings.resolved_secret_key().encode()
    return hmac.new(secret, "\x00".join(parts).encode(), hashlib.sha256).hexdigest()


def fingerprint(settings: Settings, payload: dict[str, Any]) -> str:
    """A keyed hash of the payload as parsed, so spacing and key order do not count as changes."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return _digest(settings, "payload", canonical)


def claim(
    session: Session, settings: Settings, scope: str, key: str, payload_fingerprint: str
) -> Claim:
    """Claim ``key`` for this request (flushed, not committed: the caller commits the claim)."""
    key_hash = _digest(settings, "key", scope, key)
    now = utcnow()
    values = {
        "key_hash": key_hash,
        "fingerprint": payload_fingerprint,
        "state": "in_progress",
        "created_at": now,
        "expires_at": now + timedelta(hours=max(24, settings.idempotency_ttl_hours)),
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(IdempotencyRecord)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(IdempotencyRecord.key_hash)  # type: ignore[arg-type]
    )
    if session.execute(statement).scalar() is not None:
        return Claim(key_hash)
    existing = session.get(IdempotencyRecord, key_hash, populate_existing=True)
    if existing is None:  # expired and purged in between: claim again
        return claim(session, settings, scope, key, payload_fingerprint)
    stale = existing.state == "in_progress" and existing.created_at < now - STALE_AFTER
    if existing.expires_at < now or stale:
        # Take over only if nobody else did meanwhile (the row still looks the same).
        table = IdempotencyRecord.__table__  # type: ignore[attr-defined]
        taken = session.execute(
            update(table)
            .where(table.c.key_hash == key_hash, table.c.created_at == existing.created_at)
            .values(**values, response_status=None, supporter_id=None)
            .returning(table.c.key_hash)
        ).scalar()
        if taken is not None:
            return Claim(key_hash)
        raise IdempotencyError(409, "request_in_progress", _IN_PROGRESS)
    if existing.fingerprint != payload_fingerprint:
        raise IdempotencyError(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was already used with a different request body. "
            "Use a new key for a new submission.",
        )
    if existing.state != "done":
        raise IdempotencyError(409, "request_in_progress", _IN_PROGRESS)
    return Claim(key_hash, existing.response_status, existing.supporter_id)


_IN_PROGRESS = (
    "A request with this Idempotency-Key is still being processed; "
    "retry in a moment to get its answer."
)


def complete(session: Session, key_hash: str, status_code: int, supporter_id: int | None) -> None:
    """Record the answer, in the same transaction as the submission it describes."""
    session.execute(
        update(IdempotencyRecord)
        .where(col(IdempotencyRecord.key_hash) == key_hash)
        .values(state="done", response_status=status_code, supporter_id=supporter_id)
    )


def release(session: Session, key_hash: str) -> None:
    """Give the key back after a failed attempt (the caller commits)."""
    session.execute(
        delete(IdempotencyRecord).where(
            col(IdempotencyRecord.key_hash) == key_hash,
            col(IdempotencyRecord.state) == "in_progress",
        )
    )


def purge_expired(session: Session) -> int:
    result = session.execute(
        delete(IdempotencyRecord).where(col(IdempotencyRecord.expires_at) < utcnow())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
