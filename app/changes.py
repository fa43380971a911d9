"""Change tokens: the database marks each change to a watched table, so a process can keep rows
that rarely change (offices and officials) and know with one tiny query when to read them again.

A trigger on each watched table (migration ``x_1``) sets that table's ``token`` to a new random
value on every insert, update or delete, in the changing transaction, whoever writes: the
officials sync, an organiser, another process, plain SQL. Random rather than counted, so a
recreated database or a cleared row can never bring back a token a cache has already seen.
"""

from sqlalchemy import Table, bindparam, select
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
