"""Fixtures of the representatives tests: made-up upstream files, a Census Geocoder stand-in."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.config import Settings
from app.representatives import sources
from app.representatives.sync import SyncSummary, sync_officials
from tests.representatives.census_stub import make_census_stub
from tests.servers import serve_asgi

FIXTURES = Path(__file__).parents[1] / "fixtures" / "representatives"
TODAY = date(2026, 6, 1)


@pytest.fixture(scope="session")
def census_stub() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """(base URL, the query parameters of every request it received)."""
    app = make_census_stub()
    with serve_asgi(app) as base_url:
        yield base_url, app.state.calls


@pytest.fixture
def census_settings(census_stub: tuple[str, list[dict[str, str]]]) -> Settings:
    return Settings(
        census_geocoder_url=census_stub[0],
        lookup_timeout_s=0.5,
        lookup_retries=2,
        lookup_backoff_s=0.01,
    )


def import_fixtures(
    session: Session, directory: Path = FIXTURES, states: set[str] | None = None
) -> SyncSummary:
    return sync_officials(session, sources.from_directory(directory), today=TODAY, states=states)


@pytest.fixture
def imported(session: Session) -> SyncSummary:
    """The made-up fixtures imported into the rolled-back session."""
    summary = import_fixtures(session)
    session.flush()
    return summary


@pytest.fixture
def settings(
    committed_engine: Engine, database_url: str, census_stub: tuple[str, list[dict[str, str]]]
) -> Settings:
    """The app's settings, with the Census Geocoder pointed at the local stand-in."""
    return Settings(
        database_url=database_url,
        migrate_on_start=False,
        run_worker_in_process=False,
        census_geocoder_url=census_stub[0],
        lookup_timeout_s=0.5,
        lookup_retries=1,
        lookup_backoff_s=0.01,
    )


@pytest.fixture
def committed_fixtures(committed_engine: Engine) -> None:
    """The made-up fixtures imported and committed, for tests that cross connections."""
    with Session(committed_engine) as session:
        import_fixtures(session)
        session.commit()
