"""The district lookup cache: geocoder answers kept in the database until they expire."""

import hashlib
import re
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from app.db import utcnow
from app.representatives.lookup import DistrictResult
from app.representatives.models import DistrictLookupCache


def normalise_address(address: str) -> str:
    """One spelling per address: case, punctuation and spacing do not make a new cache entry."""
    text = re.sub(r"[.,;#]", " ", address.casefold())
    return " ".join(text.split())


def cache_key(provider: str, address: str) -> str:
    return hashlib.sha256(f"{provider}|{normalise_address(address)}".encode()).hexdigest()


def cached_districts(session: Session, provider: str, address: str) -> DistrictResult | None:
    row = session.get(DistrictLookupCache, cache_key(provider, address))
    if row is None or row.expires_at <= utcnow():
        return None
    result = row.result
    return DistrictResult(
        matched_address=result.get("matched_address"),
        state=result["state"],
        districts=dict(result["districts"]),
        unresolved=tuple(result.get("unresolved", ())),
        provider=provider,
    )


def remember_districts(
    session: Session, provider: str, address: str, result: DistrictResult, days: int
) -> None:
    """Upsert, so two supporters at one address at the same moment never collide on the key."""
    now = utcnow()
    values = {
        "key": cache_key(provider, address),
        "provider": provider,
        "result": result.as_json(),
        "created_at": now,
        "expires_at": now + timedelta(days=days),
    }
    session.execute(_upsert(session.get_bind().dialect.name), values)


@lru_cache(maxsize=4)
def _upsert(dialect: str) -> Any:
    # Built once per dialect: this runs for every geocoded supporter, and building the
    # statement anew costs more than executing it.
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(DistrictLookupCache)
    return statement.on_conflict_do_update(
        index_elements=["key"],
        set_={k: statement.excluded[k] for k in ("result", "created_at", "expires_at")},
    )


def purge_expired(session: Session) -> int:
    """Drop expired entries: a matched address is personal data, kept no longer than needed."""
    result = session.execute(
        delete(DistrictLookupCache).where(col(DistrictLookupCache.expires_at) <= utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)
