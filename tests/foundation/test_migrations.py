"""The models and the migrations describe the same schema, on both databases."""

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.db import make_engine
from app.migrations import alembic_config, current_revisions, head_revisions
from tests.databases import database_url_for


def test_autogenerate_finds_no_difference_between_models_and_migrations(db_engine: Engine) -> None:
    with db_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_there_is_exactly_one_migration_head(database_url: str) -> None:
    assert len(head_revisions(database_url)) == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_every_migration_can_be_reversed_and_reapplied(backend: str, tmp_path: Path) -> None:
    with database_url_for(backend, tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, "heads")
        command.downgrade(config, "base")
        command.upgrade(config, "heads")
        assert current_revisions_of(url) == head_revisions(url)


def current_revisions_of(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return current_revisions(engine)
    finally:
        engine.dispose()
