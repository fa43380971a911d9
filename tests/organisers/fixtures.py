"""Fixtures shared by tests/organisers and tests/admin (both conftest files import them): an app
over HTTPS (so the Secure `__Host-` cookie is sent back, as a browser would) and signed-in
organisers of each role."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.config import Settings
from app.main import create_app
from tests.organisers.accounts import Signed, make_organiser, sign_in


@pytest.fixture
def web(settings: Settings) -> Iterator[TestClient]:
    with TestClient(
        create_app(settings), base_url="https://testserver", follow_redirects=False
    ) as client:
        yield client


@pytest.fixture
def db(committed_engine: Engine) -> Iterator[Session]:
    with Session(committed_engine) as session:
        yield session


@pytest.fixture
def as_role(db: Session, settings: Settings) -> dict[str, Signed]:
    return {
        role: sign_in(db, settings, make_organiser(db, role))
        for role in ("viewer", "editor", "admin")
    }
