"""Rate limits per client address and per e-mail, shared by every API process.

A sliding-window estimate from two fixed windows (the one now running and the one before,
weighted by how much of it still overlaps the last ``window`` seconds), the way Cloudflare and
others count: exact enough to stop bursts, two small rows per client. The counters live in the
database (one upsert per limit, in the caller's transaction) or, with ``LETTERCAST_REDIS_URL``,
in Redis. Client identities are stored only as keyed hashes.

Client addresses: the socket's peer, unless that peer is a trusted proxy
(``LETTERCAST_TRUSTED_PROXIES``); then ``X-Forwarded-For`` is read from the right, skipping
trusted proxies, and the first other address is the client. A header from anyone else is ignored,
since a client can write any ``X-Forwarded-For`` it likes.
"""

import hashlib
import hmac
import ipaddress
import math
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from app.config import Settings
from app.db import utcnow
from app.submissions.models import RateLimitBucket

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Limit:
    name: str  # "ip" or "email"; part of the hashed key
    identity: str
    limit: int
    window_s: int


def limits_for(settings: Settings, client_ip: str | None, email: str) -> list[Limit]:
    limits = [Limit("email", email, settings.rate_limit_email, settings.rate_limit_email_window_s)]
    if client_ip:
        limits.append(
            Limit("ip", client_ip, settings.rate_limit_ip, settings.rate_limit_ip_window_s)
        )
    return limits


def retry_after(count: int, previous: int, limit: int, window_s: int, elapsed: float) -> float:
    """Seconds until one more request fits, if nobody asks in the meantime (0: it fits now)."""
    weight = (window_s - elapsed) / window_s
    if previous * weight + count <= limit:
        return 0.0
    if count + 1 <= limit and previous:
        # The previous window's share must shrink to what is left of the limit.
        needed = (limit - count - 1) / previous
        return max(0.0, (window_s - elapsed) - window_s * needed)
    # The current window alone is over: after it ends, its own count has to decay.
    return (window_s - elapsed) + window_s * max(0.0, 1 - (limit - 1) / max(count, 1))


def check(
    session: Session, settings: Settings, limits: list[Limit], now: float | None = None
) -> float | None:
    """Count one request against every limit; the seconds to wait if any is exceeded, else None.

    Every attempt counts, refused ones too, so a client hammering the API stays refused.
    """
    if not settings.rate_limit_enabled or not limits:
        return None
    now = time.time() if now is None else now
    windows = [
        (_bucket_key(settings, limit), int(now // limit.window_s) * limit.window_s, limit)
        for limit in limits
    ]
    if settings.redis_url:
        counter = _redis_counter(settings.redis_url)
        counts = {key: counter(key, start, limit.window_s) for key, start, limit in windows}
    else:
        counts = _count_in_database(session, [(k, s, lim.window_s) for k, s, lim in windows])
    waits = [
        retry_after(*counts[key], limit.limit, limit.window_s, now - start)
        for key, start, limit in windows
    ]
    return max(waits) if any(wait > 0 for wait in waits) else None


def _bucket_key(settings: Settings, limit: Limit) -> str:
    secret = settings.resolved_secret_key().encode()
    message = f"ratelimit\x00{limit.name}\x00{limit.window_s}\x00{limit.identity}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def _count_in_database(
    session: Session, windows: list[tuple[str, int, int]]
) -> dict[str, tuple[int, int]]:
    """One upsert per limit, then one read of all their earlier windows.

    Rows are written in key order, so two requests never lock the same rows in opposite orders.
    """
    now = utcnow()
    ordered = sorted(windows)
    upsert, read_earlier = _statements(session.get_bind().dialect.name, len(ordered))
    current: dict[str, int] = {}
    params: dict[str, Any] = {}
    for n, (key, start, window_s) in enumerate(ordered):
        row = {"key": key, "start": start, "expires": now + timedelta(seconds=2 * window_s)}
        current[key] = int(session.execute(upsert, row).scalar_one())
        params[f"key{n}"] = key
        params[f"before{n}"] = start - window_s
    earlier = session.execute(read_earlier, params).all()
    previous = {key: int(count) for key, count in earlier}
    return {key: (current[key], previous.get(key, 0)) for key, _, _ in windows}


@lru_cache(maxsize=16)
def _statements(dialect: str, size: int) -> tuple[Any, Any]:
    """The one-row upsert and the read of ``size`` earlier windows, built once: building them
    costs more than running them. A single-row upsert, unlike a multi-row one, is also compiled
    once and reused by SQLAlchemy's statement cache."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table: Any = RateLimitBucket.__table__  # type: ignore[attr-defined]
    statement = insert(table).values(
        bucket_key=bindparam("key", type_=table.c.bucket_key.type),
        window_start=bindparam("start", type_=table.c.window_start.type),
        count=1,
        expires_at=bindparam("expires", type_=table.c.expires_at.type),
    )
    upsert = statement.on_conflict_do_update(
        index_elements=["bucket_key", "window_start"],
        set_={"count": table.c.count + 1},
    ).returning(table.c.count)
    read_earlier = select(table.c.bucket_key, table.c.count).where(
        or_(
            *(
                and_(
                    table.c.bucket_key == bindparam(f"key{n}"),
                    table.c.window_start == bindparam(f"before{n}"),
                )
                for n in range(size)
            )
        )
    )
    return upsert, read_earlier


def purge_expired(session: Session) -> None:
    session.execute(
        RateLimitBucket.__table__.delete().where(  # type: ignore[attr-defined]
            col(RateLimitBucket.expires_at) < utcnow()
        )
    )


@lru_cache(maxsize=4)
def _redis_counter(url: str) -> Any:
    import redis  # only when configured

    client = redis.Redis.from_url(url)

    def count(key: str, start: int, window_s: int) -> tuple[int, int]:
        current, previous = f"lc:rl:{key}:{start}", f"lc:rl:{key}:{start - window_s}"
        pipe = client.pipeline()
        pipe.incr(current)
        pipe.expire(current, 2 * window_s)
        pipe.get(previous)
        value, _, prior = pipe.execute()
        return int(value), int(prior or 0)

    return count


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


@lru_cache(maxsize=16)
def _trusted_networks(setting: str) -> tuple[Network, ...]:
    networks = []
    for item in setting.replace(";", ",").replace(" ", ",").split(","):
        if item.strip():
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
    return tuple(networks)


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(peer: str | None, forwarded_for: str | None, settings: Settings) -> str | None:
    """The client's address, believing X-Forwarded-For only as far as trusted proxies vouch."""
    networks = _trusted_networks(settings.trusted_proxies)
    if peer is None or not forwarded_for or not _is_trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage in the header: fall back to the proxy itself
    return hops[0] if hops else peer
