from fastapi.testclient import TestClient
from sqlalchemy import text

from app.config import Settings
from app.main import create_app


def test_healthz_answers_while_the_process_is_up(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_when_the_schema_is_at_head(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_readyz_reports_pending_migrations(tmp_path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}", migrate_on_start=False)
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["detail"] == "migrations pending"


def test_readyz_reports_an_unreachable_database() -> None:
    settings = Settings(
        database_url="postgresql+psycopg://nobody@127.0.0.1:9/none", migrate_on_start=False
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_the_embedded_sqlite_default_migrates_itself_on_start(tmp_path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").json()["status"] == "ready"
        with client.app.state.engine.connect() as connection:  # type: ignore[attr-defined]
            mode = connection.execute(text("PRAGMA journal_mode")).scalar()
            foreign_keys = connection.execute(text("PRAGMA foreign_keys")).scalar()
    assert mode == "wal"
    assert foreign_keys == 1


def test_an_unreachable_database_is_a_retryable_503_not_a_500() -> None:
    settings = Settings(
        database_url="postgresql+psycopg://nobody@127.0.0.1:9/none", migrate_on_start=False
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        api = client.get("/api/campaigns")
        page = client.get("/c/sjr-11")
    assert api.status_code == 503
    assert api.headers["retry-after"] == "5"
    assert api.json()["error"]["code"] == "storage_unavailable"
    assert page.status_code == 503
    assert "try again" in page.text
