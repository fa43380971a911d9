"""change tokens for offices, officials, campaigns and templates (triggers)

Revision ID: x_1
Revises: d_2
Create Date: 2026-11-28 17:10:00

Every insert, update or delete on a watched table sets its row in ``tablechange`` to a new
random token, so processes can cache those tables' rows and notice any change (app/changes.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "x_1"
down_revision: str | Sequence[str] | None = "d_2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED = ("office", "official", "campaign", "templateversion")

POSTGRES_FUNCTION = """
CREATE FUNCTION lettercast_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tablechange (table_name, token)
    VALUES (TG_TABLE_NAME, md5(random()::text || clock_timestamp()::text))
    ON CONFLICT (table_name) DO UPDATE SET token = excluded.token;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "tablechange",
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("table_name"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        for table in WATCHED:
            # Once per statement: a sync writing thousands of rows sets one new token.
            op.execute(
                f"CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION lettercast_note_change()"
            )
        return
    for table in WATCHED:
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_changed_{event.lower()} AFTER {event} ON {table} "
                "BEGIN "
                f"INSERT INTO tablechange (table_name, token) VALUES ('{table}', "
                "hex(randomblob(16))) ON CONFLICT (table_name) DO UPDATE SET token = "
                "excluded.token; "
                "END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_changed ON {table}")
        op.execute("DROP FUNCTION IF EXISTS lettercast_note_change()")
    else:
        for table in WATCHED:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_changed_{event}")
    op.drop_table("tablechange")
