"""The outbox transaction is all or nothing: a failure halfway leaves no trace."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.campaigns.models import TemplateVersion
from app.delivery.models import Delivery
from app.letters.models import Letter
from app.notifications.models import Notification
from app.submissions.models import IdempotencyRecord
from app.supporters.models import Consent, Supporter
from tests.submissions.conftest import World, submission
from tests.submissions.test_submit import count, url

SQLITE_TRIGGER = """
CREATE TRIGGER injected_failure BEFORE INSERT ON delivery
WHEN NEW.office_key LIKE 'state_lower:%'
BEGIN SELECT RAISE(ABORT, 'injected failure'); END
"""
POSTGRES_FUNCTION = """
CREATE FUNCTION injected_failure() RETURNS trigger AS $$
BEGIN
  IF NEW.office_key LIKE 'state_lower:%' THEN RAISE EXCEPTION 'injected failure'; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql
"""
POSTGRES_TRIGGER = """
CREATE TRIGGER injected_failure BEFORE INSERT ON delivery
FOR EACH ROW EXECUTE FUNCTION injected_failure()
"""


@pytest.fixture
def failing_last_job(committed_engine: Engine) -> Iterator[None]:
    """The database refuses the delivery job of the last letter (state_lower), after the
    supporter, the consent, every letter and the other jobs were written in the transaction."""
    postgres = committed_engine.dialect.name == "postgresql"
    with committed_engine.begin() as connection:
        if postgres:
            connection.execute(text(POSTGRES_FUNCTION))
            connection.execute(text(POSTGRES_TRIGGER))
        else:
            connection.execute(text(SQLITE_TRIGGER))
    yield
    with committed_engine.begin() as connection:
        connection.execute(
            text("DROP TRIGGER IF EXISTS injected_failure" + (" ON delivery" if postgres else ""))
        )
        if postgres:
            connection.execute(text("DROP FUNCTION IF EXISTS injected_failure()"))


def nothing_written(engine: Engine) -> bool:
    return all(
        count(engine, model) == 0 for model in (Supporter, Consent, Letter, Delivery, Notification)
    )


def test_a_failure_halfway_through_the_transaction_leaves_nothing_behind(
    api: TestClient, world: World, committed_engine: Engine, failing_last_job: None
) -> None:
    headers = {"Idempotency-Key": "halfway"}
    response = api.post(url(world), json=submission(), headers=headers)

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "storage_unavailable"
    assert "nothing was saved" in response.json()["error"]["message"]
    assert int(response.headers["retry-after"]) > 0
    assert nothing_written(committed_engine)
    assert count(committed_engine, IdempotencyRecord) == 0  # the key was released


def test_after_the_failure_the_same_request_goes_through_whole(
    api: TestClient, world: World, committed_engine: Engine, failing_last_job: None
) -> None:
    headers = {"Idempotency-Key": "halfway-then-whole"}
    assert api.post(url(world), json=submission(), headers=headers).status_code == 503
    with committed_engine.begin() as connection:
        postgres = committed_engine.dialect.name == "postgresql"
        connection.execute(
            text("DROP TRIGGER injected_failure" + (" ON delivery" if postgres else ""))
        )

    retried = api.post(url(world), json=submission(), headers=headers)

    assert retried.status_code == 201
    assert count(committed_engine, Letter) == count(committed_engine, Delivery) == 5
    assert count(committed_engine, Supporter) == count(committed_engine, Consent) == 1


def test_a_letter_that_cannot_be_composed_writes_nothing(
    api: TestClient, world: World, committed_engine: Engine
) -> None:
    with Session(committed_engine) as session:
        broken = session.exec(
            select(TemplateVersion).where(
                TemplateVersion.campaign_id == world.campaign_id,
                TemplateVersion.name == "state_lower",
            )
        ).one()
        broken.body_source = "Dear {{ official.salutation }}, {{ no_such_variable }}"
        session.add(broken)
        session.commit()

    response = api.post(url(world), json=submission())

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "letters_unavailable"
    assert nothing_written(committed_engine)
