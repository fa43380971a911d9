"""Throwaway test databases: a SQLite file, or a fresh PostgreSQL database per test session."""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import SQLModel

import app.models  # noqa: F401

POSTGRES_SERVER_URL = os.environ.get(
    "LETTERCAST_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _postgres_admin_engine() -> Engine:
    return create_engine(POSTGRES_SERVER_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)


def postgres_unavailable_reason() -> str | None:
    try:
        with _postgres_admin_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        return f"no PostgreSQL server answers at {POSTGRES_SERVER_URL}: {type(error).__name__}"
    return None


def require_postgres() -> None:
    """Skip outside CI when there is no server; in CI a missing server fails the run."""
    reason = postgres_unavailable_reason()
    if reason is None:
        return
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


@contextmanager
def sqlite_database(directory: Path) -> Iterator[str]:
    yield f"sqlite:///{directory / f'lettercast-{uuid.uuid4().hex[:8]}.db'}"


@contextmanager
def postgres_database() -> Iterator[str]:
    require_postgres()
    name = f"lettercast_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = _postgres_admin_engine()
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_SERVER_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def database_url_for(backend: str, directory: Path) -> Iterator[str]:
    factory = sqlite_database(directory) if backend == "sqlite" else postgres_database()
    with factory as url:
        yield url


def delete_all_rows(engine: Engine) -> None:
    """Clean up after a test that committed (servers, workers, browsers cross connections)."""
    with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(table.delete())
