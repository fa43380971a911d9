"""One writer at a time per process on SQLite, queued fairly in Python.

SQLite has one database-wide write lock. A connection that finds it taken sleeps and polls
(``busy_timeout``), with sleeps growing to 100 ms, so under load writers wake long after the lock
was freed and wait in convoys. Queuing this process's writers on a Python lock instead hands the
write lock over the moment it is free. Other processes still meet SQLite's own locking, and on
PostgreSQL (row locks, many writers) none of this applies.

Order matters: a pooled connection is taken *before* the lock, never after. Otherwise the
lock's holder could wait for a connection held by threads that are themselves waiting for
the lock.
"""

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

T = TypeVar("T")

_WRITER = threading.Lock()


def is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


@contextmanager
def one_writer(session: Session) -> Iterator[None]:
    """Hold for the whole write transaction: from its first write to its commit or rollback."""
    if not is_sqlite(session):
        yield
        return
    session.connection()  # the connection first, then the lock (see above)
    with _WRITER:
        yield


def acquire(session: Session) -> bool:
    """For a transaction whose first write happens in code we do not own; True if held."""
    if not is_sqlite(session):
        return False
    session.connection()
    _WRITER.acquire()
    return True


def release() -> None:
    _WRITER.release()


def rollback_quietly(session: Session) -> None:
    with suppress(SQLAlchemyError):
        session.rollback()


def write_transaction(function: Callable[..., T]) -> Callable[..., T]:
    """One write transaction, under the process's SQLite writer lock (above); a failure
    rolls back before the lock is let go."""

    @functools.wraps(function)
    def in_transaction(session: Session, *args: Any) -> T:
        with one_writer(session):
            try:
                return function(session, *args)
            except BaseException:
                rollback_quietly(session)
                raise

    return in_transaction
