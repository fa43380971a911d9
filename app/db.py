"""Database engine, sessions and the column types every domain shares."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from anyio import to_thread
from fastapi import Depends, Request
from sqlalchemy import DateTime, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database.

    SQLite has no time zone type and hands back naive values; this stores UTC and always
    returns aware datetimes, so comparisons never mix naive and aware values.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use app.db.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(
    database_url: str, *, pool_size: int = 5, max_overflow: int = 10, pool_timeout_s: float = 10.0
) -> Engine:
    """One engine per process. SQLite gets WAL, foreign keys and a busy timeout."""
    if database_url.startswith("sqlite"):
        engine = create_engine(
            database_url, connect_args={"check_same_thread": False, "timeout": 10}
        )
        event.listen(engine, "connect", _set_sqlite_pragmas)
        return engine
    return create_engine(
        database_url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout_s,
        pool_pre_ping=True,
    )


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session per request, opened and closed on the event loop.

    Opening one touches no database, nor does closing one whose work was committed or rolled
    back; only a session left inside a transaction is closed (rolled back) in a worker thread.
    A sync dependency would cost two thread hops per request for nothing.
    """
    session = Session(request.app.state.engine)
    try:
        yield session
    finally:
        if session.in_transaction():
            await to_thread.run_sync(session.close)
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_session)]
