"""Fixtures shared by the whole suite.

Database tests take ``db_engine`` (or ``session``/``client``) and run twice: on a SQLite file and
on PostgreSQL. The schema is built by ``alembic upgrade head`` once per backend per session.

- ``session``: one connection, one transaction, rolled back after the test.
- ``committed_engine`` / ``client`` / ``settings``: for tests that cross connections, threads or
  processes; they commit, and every row is deleted after the test.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.migrations import upgrade_to_head
from tests.databases import database_url_for, delete_all_rows

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with database_url_for(request.param, tmp_path_factory.mktemp("db")) as url:
        upgrade_to_head(url)
        yield url


@pytest.fixture(scope="session")
def db_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(db_engine: Engine) -> Iterator[Session]:
    connection = db_engine.connect()
    transaction = connection.begin()
    with Session(bind=connection, join_transaction_mode="create_savepoint") as db_session:
        yield db_session
    transaction.rollback()
    connection.close()


@pytest.fixture
def committed_engine(db_engine: Engine) -> Iterator[Engine]:
    delete_all_rows(db_engine)
    yield db_engine
    delete_all_rows(db_engine)


@pytest.fixture
def settings(committed_engine: Engine, database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        migrate_on_start=False,
        run_worker_in_process=False,
        census_geocoder_url="http://127.0.0.1:9/unused",
        log_format="json",
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client
