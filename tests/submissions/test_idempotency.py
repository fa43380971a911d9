"""Idempotency-Key: replays return the stored answer, reuse with another body is refused, and a
duplicate that arrives while the first is running is told so."""

import threading
import time

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.config import Settings
from app.delivery.models import Delivery
from app.letters.models import Letter
from app.main import create_app
from app.supporters.models import Supporter
from tests.servers import serve_asgi
from tests.submissions.conftest import World, submission
from tests.submissions.test_submit import count, url


def test_a_replay_returns_the_stored_answer_with_its_status_and_writes_nothing(
    api: TestClient, world: World, committed_engine: Engine
) -> None:
    headers = {"Idempotency-Key": "9f2c6f1e-5d7a-4d8e-9a41-0c3b7f9d2a11"}
    first = api.post(url(world), json=submission(), headers=headers)
    replay = api.post(url(world), json=submission(), headers=headers)

    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert count(committed_engine, Supporter) == 1
    assert count(committed_engine, Letter) == count(committed_engine, Delivery) == 5


def test_the_key_may_be_sent_as_a_structured_field_string(api: TestClient, world: World) -> None:
    first = api.post(url(world), json=submission(), headers={"Idempotency-Key": '"abc-123"'})
    replay = api.post(url(world), json=submission(), headers={"Idempotency-Key": "abc-123"})
    assert first.status_code == replay.status_code == 201
    assert replay.json()["token"] == first.json()["token"]


def test_reusing_a_key_with_another_payload_is_422(
    api: TestClient, world: World, committed_engine: Engine
) -> None:
    headers = {"Idempotency-Key": "key-1"}
    api.post(url(world), json=submission(), headers=headers)
    changed = api.post(
        url(world), json=submission(email="someone.else@example.org"), headers=headers
    )

    assert changed.status_code == 422
    assert changed.json()["error"]["code"] == "idempotency_key_reused"
    assert count(committed_engine, Supporter) == 1


def test_a_malformed_key_is_refused_naming_the_header(api: TestClient, world: World) -> None:
    response = api.post(url(world), json=submission(), headers={"Idempotency-Key": "k" * 300})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "header.Idempotency-Key"


def test_a_failed_attempt_releases_its_key_for_a_retry(
    api: TestClient, world: World, committed_engine: Engine
) -> None:
    headers = {"Idempotency-Key": "retry-me"}
    broken = submission(address=submission()["address"] | {"street": "100 Broken Rd"})
    failed = api.post(url(world), json=broken, headers=headers)
    assert failed.status_code == 503
    assert int(failed.headers["retry-after"]) > 0

    again = api.post(url(world), json=broken, headers=headers)
    assert again.status_code == 503  # re-evaluated, not a stored failure
    fixed = api.post(url(world), json=submission(), headers=headers)
    assert fixed.status_code == 201  # the key was released, so the corrected request may use it
    assert api.post(url(world), json=broken, headers=headers).status_code == 422


def test_a_duplicate_while_the_first_is_in_progress_is_409_then_replays(
    settings: Settings, world: World, committed_engine: Engine
) -> None:
    """Two real concurrent requests: the first is held at the (slow) geocoder."""
    body = submission(address=submission()["address"] | {"street": "102 Slow Lane"})
    headers = {"Idempotency-Key": "double-click"}
    answers: dict[str, httpx.Response] = {}
    with serve_asgi(create_app(settings)) as base:

        def first() -> None:
            answers["first"] = httpx.post(base + url(world), json=body, headers=headers, timeout=30)

        thread = threading.Thread(target=first)
        thread.start()
        time.sleep(0.5)  # the first now waits on the geocoder, its key claimed
        answers["second"] = httpx.post(base + url(world), json=body, headers=headers, timeout=30)
        thread.join()
        answers["third"] = httpx.post(base + url(world), json=body, headers=headers, timeout=30)

    assert answers["second"].status_code == 409
    assert answers["second"].json()["error"]["code"] == "request_in_progress"
    assert answers["first"].status_code == 201
    assert answers["third"].status_code == 201
    assert answers["third"].json() == answers["first"].json()
    assert count(committed_engine, Supporter) == 1
    assert count(committed_engine, Letter) == 5


def test_two_concurrent_submissions_of_one_supporter_write_one_set_of_letters(
    settings: Settings, world: World, committed_engine: Engine
) -> None:
    """Without keys (a double click on a page that sends none): one 201, one 200, same letters."""
    body = submission(address=submission()["address"] | {"street": "103 Slow Lane"})
    answers: list[httpx.Response] = []
    with serve_asgi(create_app(settings)) as base:
        threads = [
            threading.Thread(
                target=lambda: answers.append(httpx.post(base + url(world), json=body, timeout=30))
            )
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sorted(a.status_code for a in answers) == [200, 201]
    assert answers[0].json() == answers[1].json()
    assert count(committed_engine, Supporter) == 1
    assert count(committed_engine, Letter) == count(committed_engine, Delivery) == 5
