"""Change tokens: the database marks each change to a watched table, so a process can keep rows
that rarely change (offices and officials) and know with one tiny query when to read them again.

A trigger on each watched table (migration ``x_1``) sets that table's ``token`` to a new random
value on every insert, update or delete, in the changing transaction, whoever writes: the
officials sync, an organiser, another process, plain SQL. Random rather than counted, so a
recreated database or a cleared row can never bring back a token a cache has already seen.
"""

import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy import Table, bindparam, select
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel


class TableChange(SQLModel, table=True):
    table_name: str = Field(primary_key=True, max_length=64)
    token: str = Field(max_length=64)


_TABLE: Table = TableChange.__table__  # type: ignore[attr-defined]
# Core, on the session's connection: the ORM's statement handling would cost more than the query.
_TOKENS = select(_TABLE.c.table_name, _TABLE.c.token).where(
    _TABLE.c.table_name.in_(bindparam("tables", expanding=True))
)


def change_token(session: Session, tables: tuple[str, ...]) -> tuple[str | None, ...]:
    """The tables' current tokens (None: not changed since the row was last cleared)."""
    rows = session.connection().execute(_TOKENS, {"tables": list(tables)}).all()
    tokens = {table: token for table, token in rows}
    return tuple(tokens.get(table) for table in tables)


T = TypeVar("T")


class ChangeCache(Generic[T]):
    """Per-process state about some tables, one per database, started afresh by ``new()``
    whenever any of the tables has changed since it was built.

    What a cache holds is shared by every request in the process: read it, never change it.
    """

    def __init__(self, tables: tuple[str, ...], new: Callable[[], T]) -> None:
        self.tables = tables
        self.new = new
        self._held: weakref.WeakKeyDictionary[Engine, tuple[tuple[str | None, ...], T]] = (
            weakref.WeakKeyDictionary()
        )

    def current(self, session: Session) -> T:
        # The token is read before the caller reads the rows: a change in between only makes
        # the next request start afresh early, never keeps stale rows.
        engine = session.get_bind().engine
        token = change_token(session, self.tables)
        held = self._held.get(engine)
        if held is None or held[0] != token:
            held = self._held[engine] = (token, self.new())
        return held[1]

    def reset(self, session: Session) -> T:
        """Start afresh now (e.g. when the state has grown too large)."""
        engine = session.get_bind().engine
        held = self._held[engine] = (change_token(session, self.tables), self.new())
        return held[1]
