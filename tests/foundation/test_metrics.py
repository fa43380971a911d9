from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tests.factories import make_campaign, make_delivery, make_letter, make_office, make_supporter


def test_metrics_report_queue_by_status_and_channel(
    client: TestClient, committed_engine: Engine
) -> None:
    with Session(committed_engine) as session:
        campaign = make_campaign(session)
        office = make_office(session)
        supporter = make_supporter(session, campaign)
        make_delivery(session, make_letter(session, supporter, office), channel="webhook")
        session.commit()

    client.get("/healthz")
    body = client.get("/metrics").text

    assert 'lettercast_deliveries{channel="webhook",status="queued"} 1.0' in body
    assert "lettercast_queue_depth 1.0" in body
    assert 'route="/healthz"' in body
