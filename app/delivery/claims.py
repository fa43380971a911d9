"""The queue's SQL: claim due jobs under a lease, record outcomes, release, recover, defer.

Claims run in one short transaction: PostgreSQL picks rows with ``FOR UPDATE SKIP LOCKED`` so
workers never wait on each other or take the same job; SQLite takes its single write lock up
front (``BEGIN IMMEDIATE``). Every outcome is written only if the job is still this worker's
claim (same ``claimed_by`` and ``attempts``), so a worker whose lease ran out can never
overwrite the newer attempt of the worker that re-claimed the job.
"""

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from app.delivery.models import DUE_CONDITION, Delivery, DeliveryPace, DeliveryStatus
from app.delivery.pacing import Rates, admit

T = Delivery.__table__  # type: ignore[attr-defined]
PACE = DeliveryPace.__table__  # type: ignore[attr-defined]
DUE = (DeliveryStatus.queued.value, DeliveryStatus.failed.value)
DUE_SQL = DUE_CONDITION


@dataclass(frozen=True)
class Job:
    id: int
    letter_id: int
    campaign_id: int
    office_key: str
    channel: str
    idempotency_key: str
    attempts: int


@dataclass(frozen=True)
class Result:
    """What to write for one finished attempt."""

    job: Job
    status: str
    next_attempt_at: datetime
    last_error: str | None = None
    downstream_id: str | None = None
    sent_at: datetime | None = None


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def begin_claim(session: Session) -> None:
    """SQLite: take the write lock before reading, so no other writer slips in between."""
    if _is_sqlite(session):
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")


def _due(now: datetime, limit: int, exclude_campaigns: Collection[int], sqlite: bool) -> Any:
    # The status test is literal SQL, matching the partial index's own predicate word for word:
    # with bound parameters neither SQLite nor a prepared PostgreSQL plan could prove it.
    query = (
        select(T.c.id, T.c.channel, T.c.office_key)
        .where(DUE_SQL, T.c.next_attempt_at <= now)
        .order_by(T.c.next_attempt_at)
        .limit(limit)
    )
    if sqlite:
        # Without ANALYZE statistics SQLite prefers the plain status index and sorts.
        query = query.with_hint(T, "INDEXED BY ix_delivery_due", "sqlite")
    if exclude_campaigns:
        query = query.where(T.c.campaign_id.not_in(list(exclude_campaigns)))
    if not sqlite:
        query = query.with_for_update(skip_locked=True)
    return query


def claim(
    session: Session,
    *,
    worker_id: str,
    limit: int,
    lease_s: float,
    now: datetime,
    rates: Rates | None = None,
    exclude_campaigns: Collection[int] = (),
) -> list[Job]:
    """Claim up to ``limit`` due jobs for ``worker_id``: status ``sending``, one more attempt."""
    if limit <= 0:
        return []
    begin_claim(session)
    sqlite = _is_sqlite(session)
    if rates is not None and rates.active:
        ids = _admit_paced(session, rates, now, limit, exclude_campaigns, sqlite)
        if not ids:
            return []
        chosen: Any = select(T.c.id).where(T.c.id.in_(ids))
    else:
        chosen = _due(now, limit, exclude_campaigns, sqlite).with_only_columns(T.c.id)
        if not sqlite:
            # Materialised, so the locked LIMIT runs once (an IN-subquery may be re-planned).
            chosen = chosen.cte("due").prefix_with("MATERIALIZED")
            chosen = select(chosen.c.id)
    statement = (
        update(T)
        .where(T.c.id.in_(chosen.scalar_subquery()), T.c.status.in_(DUE))
        .values(
            status=DeliveryStatus.sending.value,
            attempts=T.c.attempts + 1,
            lease_expires_at=now + timedelta(seconds=lease_s),
            claimed_by=worker_id,
            updated_at=now,
        )
        .returning(
            T.c.id,
            T.c.letter_id,
            T.c.campaign_id,
            T.c.office_key,
            T.c.channel,
            T.c.idempotency_key,
            T.c.attempts,
        )
    )
    return [Job(*row) for row in session.execute(statement)]


def _admit_paced(
    session: Session,
    rates: Rates,
    now: datetime,
    limit: int,
    exclude_campaigns: Collection[int],
    sqlite: bool,
) -> list[int]:
    """Pick due jobs whose buckets have room; push the others back to their next free slot."""
    # Look further than ``limit`` so one saturated office does not starve the rest.
    candidates = session.execute(_due(now, limit * 4, exclude_campaigns, sqlite)).all()
    if not candidates:
        return []
    wanted = sorted({key for c in candidates for key, _ in rates.buckets(c.channel, c.office_key)})
    slots = _lock_buckets(session, wanted, now, sqlite)
    before = dict(slots)
    admitted: list[int] = []
    deferred: list[dict[str, Any]] = []
    for candidate in candidates:
        if len(admitted) >= limit:
            break
        wait_until = admit(
            slots, rates.buckets(candidate.channel, candidate.office_key), now, rates.burst
        )
        if wait_until is None:
            admitted.append(candidate.id)
        else:
            deferred.append({"b_id": candidate.id, "b_next": wait_until})
    changed = [{"b_key": k, "b_slot": v} for k, v in slots.items() if before.get(k) != v]
    if changed:
        session.execute(
            update(PACE)
            .where(PACE.c.key == bindparam("b_key"))
            .values(next_slot_at=bindparam("b_slot")),
            changed,
        )
    if deferred:
        session.execute(
            update(T)
            .where(T.c.id == bindparam("b_id"))
            .values(next_attempt_at=bindparam("b_next")),
            deferred,
        )
    return admitted


def _lock_buckets(
    session: Session, keys: Sequence[str], now: datetime, sqlite: bool
) -> dict[str, datetime]:
    """Create missing buckets, then lock them in key order (a fixed order cannot deadlock)."""
    if not keys:
        return {}
    insert = sqlite_insert(PACE) if sqlite else pg_insert(PACE)
    session.execute(
        insert.on_conflict_do_nothing(index_elements=["key"]),
        [{"key": key, "next_slot_at": now} for key in keys],
    )
    query = select(PACE.c.key, PACE.c.next_slot_at).where(PACE.c.key.in_(keys))
    if not sqlite:
        query = query.order_by(PACE.c.key).with_for_update()
    return {key: slot for key, slot in session.execute(query)}


def record(session: Session, worker_id: str, results: Iterable[Result], now: datetime) -> None:
    """Write finished attempts in one round trip; results for lost claims are ignored.

    Plain driver ``executemany``: SQLAlchemy's per-row parameter processing cost more than the
    database's own work here, and this runs for every letter sent.
    """
    connection = session.connection()
    dialect = connection.dialect
    p = "?" if dialect.paramstyle == "qmark" else "%s"
    processor = T.c.next_attempt_at.type.bind_processor(dialect)

    def when(value: datetime | None) -> Any:
        return processor(value) if processor and value is not None else value

    stamp = when(now)
    rows = [
        (
            str(r.status),
            when(r.next_attempt_at),
            r.last_error,
            r.downstream_id,
            when(r.sent_at),
            stamp,
            r.job.id,
            worker_id,
            r.job.attempts,
        )
        for r in results
    ]
    if not rows:
        return
    connection.exec_driver_sql(
        f"UPDATE {T.name} SET status = {p}, next_attempt_at = {p}, last_error = {p}, "
        f"downstream_id = {p}, sent_at = {p}, lease_expires_at = NULL, claimed_by = NULL, "
        f"updated_at = {p} WHERE id = {p} AND claimed_by = {p} AND attempts = {p} "
        "AND status = 'sending'",
        rows,
    )


def release(
    session: Session, worker_id: str, jobs: Iterable[Job], now: datetime, *, unsent: bool
) -> None:
    """Give claimed jobs back to the queue (shutdown). Jobs never sent get their attempt back."""
    ids = [job.id for job in jobs]
    if not ids:
        return
    session.execute(
        update(T)
        .where(
            T.c.id.in_(ids),
            T.c.claimed_by == worker_id,
            T.c.status == DeliveryStatus.sending.value,
        )
        .values(
            status=DeliveryStatus.queued.value,
            attempts=T.c.attempts - 1 if unsent else T.c.attempts,
            lease_expires_at=None,
            claimed_by=None,
            next_attempt_at=now,
            updated_at=now,
        )
    )


def extend_leases(session: Session, worker_id: str, lease_s: float, now: datetime) -> int:
    """Heartbeat: this worker is alive, so its claims stay its own for another lease."""
    result = session.execute(
        update(T)
        .where(T.c.claimed_by == worker_id, T.c.status == DeliveryStatus.sending.value)
        .values(lease_expires_at=now + timedelta(seconds=lease_s))
    )
    return result.rowcount  # type: ignore[attr-defined, no-any-return]


def requeue_expired(session: Session, now: datetime, max_attempts: int) -> int:
    """Jobs whose worker died mid-send go back in the queue (or die, if out of attempts)."""
    expired = (T.c.status == DeliveryStatus.sending.value) & (T.c.lease_expires_at < now)
    gone = session.execute(
        update(T)
        .where(expired, T.c.attempts < max_attempts)
        .values(
            status=DeliveryStatus.failed.value,
            lease_expires_at=None,
            claimed_by=None,
            next_attempt_at=now,
            last_error="The worker sending this stopped before recording the result; retrying.",
            updated_at=now,
        )
    ).rowcount  # type: ignore[attr-defined]
    dead = session.execute(
        update(T)
        .where(expired, T.c.attempts >= max_attempts)
        .values(
            status=DeliveryStatus.dead.value,
            lease_expires_at=None,
            claimed_by=None,
            last_error=f"Gave up after {max_attempts} attempts: the worker stopped mid-send.",
            updated_at=now,
        )
    ).rowcount  # type: ignore[attr-defined]
    return int(gone) + int(dead)


def defer_campaign(session: Session, campaign_id: int, until: datetime) -> int:
    """Move a campaign's waiting jobs to when its sending window opens."""
    result = session.execute(
        update(T)
        .where(
            T.c.campaign_id == campaign_id,
            T.c.status.in_(DUE),
            T.c.next_attempt_at < until,
        )
        .values(next_attempt_at=until)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def counts_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(T.c.status, func.count()).group_by(T.c.status))
    return {status: count for status, count in rows}
