"""GET /api/campaigns[/{slug}]: what an organisation's own site can show about a campaign."""

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.letters.loader import load_campaign_directory
from tests.campaigns.conftest import SJR11_DIR
from tests.factories import make_campaign


def test_a_live_campaign_shows_its_resolution_and_demands(
    client: TestClient, committed_engine: Engine
) -> None:
    with Session(committed_engine) as session:
        load_campaign_directory(session, SJR11_DIR)
        make_campaign(session, slug="secret-draft", status="draft")
        session.commit()
    answer = client.get("/api/campaigns/sjr-11")
    assert answer.status_code == 200
    campaign = answer.json()
    assert campaign["resolution"]["code"] == "SJR 11"
    assert campaign["demands"][0]["text"].startswith("Urge Azerbaijan")
    assert "executive" in campaign["office_kinds"] and campaign["states"] == ["CA"]
    assert [c["slug"] for c in client.get("/api/campaigns").json()] == ["sjr-11"]


def test_a_draft_or_unknown_campaign_is_not_found(
    client: TestClient, committed_engine: Engine
) -> None:
    with Session(committed_engine) as session:
        make_campaign(session, slug="secret-draft", status="draft")
        session.commit()
    assert client.get("/api/campaigns/secret-draft").status_code == 404
    assert client.get("/api/campaigns/nope").status_code == 404
