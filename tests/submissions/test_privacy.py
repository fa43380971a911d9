"""After erasure the submission API shows nothing personal, and the address can write again."""

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.letters.models import Letter
from app.submissions.models import IdempotencyRecord, RateLimitBucket
from app.supporters.service import erase_supporter
from tests.submissions.conftest import World, submission
from tests.submissions.test_submit import url


def test_an_erased_supporters_link_shows_nothing_and_they_may_write_again(
    api: TestClient, world: World, committed_engine: Engine
) -> None:
    first = api.post(url(world), json=submission(), headers={"Idempotency-Key": "k1"}).json()
    with Session(committed_engine) as session:
        assert erase_supporter(session, "anahit@example.org") == 1
        session.commit()

    assert api.get(f"/api/submissions/{first['token']}").status_code == 404
    with Session(committed_engine) as session:
        bodies = [letter.body for letter in session.exec(select(Letter)).all()]
    assert not any("Anahit" in body or "Brand Blvd" in body for body in bodies)
    again = api.post(url(world), json=submission())
    assert again.status_code == 201 and again.json()["token"] != first["token"]


def test_idempotency_and_rate_limit_rows_hold_no_personal_data(
    api: TestClient, world: World, committed_engine: Engine
) -> None:
    api.post(url(world), json=submission(), headers={"Idempotency-Key": "k2"})

    with Session(committed_engine) as session:
        stored = [
            str(row.model_dump())
            for model in (IdempotencyRecord, RateLimitBucket)
            for row in session.exec(select(model)).all()
        ]
    assert stored
    assert not any(
        secret in row
        for row in stored
        for secret in ("anahit", "Anahit", "Brand", "testclient", "k2")
    )
