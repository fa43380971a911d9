"""The worker delivers through the webhook channel, retries what can be retried, and says why."""

import hashlib
import hmac
import json

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.campaigns.models import Campaign
from app.config import Settings
from app.delivery import service
from app.delivery.channels import CHANNELS
from app.delivery.models import Delivery
from app.letters.models import Letter
from app.supporters.models import Supporter
from tests.delivery.conftest import SECRET, all_final, enqueue_letters, run_worker
from tests.delivery.receiver import Receiver


def _reload(engine: Engine, delivery: Delivery) -> Delivery:
    with Session(engine) as session:
        found = session.get(Delivery, delivery.id)
        assert found is not None
        return found


def test_letters_arrive_once_each_signed_with_the_shared_secret(
    committed_engine: Engine, delivery_settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    app, _ = receiver
    deliveries = enqueue_letters(committed_engine, 5)
    run_worker(committed_engine, delivery_settings, all_final)
    assert app.raw_count() == 5
    assert set(app.accepted) == {d.idempotency_key for d in deliveries}
    request = app.requests[0]
    timestamp = request.headers["x-lettercast-timestamp"]
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256)
    assert request.headers["x-lettercast-signature"] == "sha256=" + expected.hexdigest()
    payload = json.loads(request.body)
    assert payload["subject"] == "Please act on SJR 11"
    assert payload["office"]["kind"] == "us_house"
    assert payload["supporter"]["first_name"] == "Anahit"
    assert payload["campaign"].startswith("campaign-")
    done = _reload(committed_engine, deliveries[0])
    assert (done.status, done.attempts, done.last_error) == ("sent", 1, None)
    assert done.downstream_id == f"rcv-{done.idempotency_key[-8:]}"
    assert done.sent_at is not None
    with Session(committed_engine) as session:
        shown = service.status_for_letters(session, [d.letter_id for d in deliveries])
    assert set(shown.values()) == {"sent"}


def test_server_errors_are_retried_until_the_letter_goes_through(
    committed_engine: Engine, delivery_settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    app, _ = receiver
    [delivery] = enqueue_letters(committed_engine, 1)
    app.script(delivery.idempotency_key, [500, 503, "ok"])
    run_worker(committed_engine, delivery_settings, all_final)
    done = _reload(committed_engine, delivery)
    assert (done.status, done.attempts) == ("sent", 3)
    assert [r.status for r in app.requests] == [500, 503, 200]


def test_retry_after_from_a_429_is_honoured(
    committed_engine: Engine, delivery_settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    app, _ = receiver
    [delivery] = enqueue_letters(committed_engine, 1)
    app.script(delivery.idempotency_key, [("429", 1), "ok"])
    run_worker(committed_engine, delivery_settings, all_final)
    first, second = app.times(delivery.idempotency_key)
    assert second - first >= 0.95
    assert _reload(committed_engine, delivery).status == "sent"


def test_a_permanent_refusal_is_dead_at_once_with_the_receivers_reason(
    committed_engine: Engine, delivery_settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    app, _ = receiver
    [delivery] = enqueue_letters(committed_engine, 1)
    app.script(delivery.idempotency_key, [422])
    run_worker(committed_engine, delivery_settings, all_final)
    done = _reload(committed_engine, delivery)
    assert (done.status, done.attempts) == ("dead", 1)
    assert done.last_error == "HTTP 422: Recipient address is not on file"


def test_transient_failures_die_once_the_retry_limit_runs_out(
    committed_engine: Engine, delivery_settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    app, _ = receiver
    [delivery] = enqueue_letters(committed_engine, 1)
    app.script(delivery.idempotency_key, [500] * 10)
    run_worker(committed_engine, delivery_settings, all_final)
    done = _reload(committed_engine, delivery)
    assert done.status == "dead"
    assert done.last_error is not None
    assert done.last_error.startswith("Gave up after 4 attempts; last: HTTP 500")
    assert app.raw_count() == 4


def test_a_timeout_is_retried_and_a_slow_answer_within_the_limit_is_sent(
    committed_engine: Engine, delivery_settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    app, _ = receiver
    hangs, slow = enqueue_letters(committed_engine, 2)
    app.script(hangs.idempotency_key, ["timeout", "ok"])
    app.script(slow.idempotency_key, [("slow", 0.2)])
    run_worker(committed_engine, delivery_settings, all_final)
    timed_out = _reload(committed_engine, hangs)
    assert (timed_out.status, timed_out.attempts) == ("sent", 2)
    assert (_reload(committed_engine, slow).attempts) == 1


def test_a_job_whose_worker_died_is_sent_after_its_lease_expires(
    committed_engine: Engine, delivery_settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    app, _ = receiver
    [delivery] = enqueue_letters(committed_engine, 1)
    with Session(committed_engine) as session:
        row = session.get(Delivery, delivery.id)
        assert row is not None
        row.status, row.claimed_by, row.attempts = "sending", "gone:1:abc", 1
        row.lease_expires_at = row.created_at
        session.add(row)
        session.commit()
    run_worker(committed_engine, delivery_settings, all_final)
    done = _reload(committed_engine, delivery)
    assert (done.status, done.attempts) == ("sent", 2)
    assert app.raw_count() == 1


def test_a_campaign_can_send_to_its_own_webhook_and_erased_supporters_stay_out(
    committed_engine: Engine, delivery_settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    app, url = receiver
    own = {"webhook": {"url": url + "/campaign-hook", "secret": "campaign-secret"}}
    [delivery] = enqueue_letters(committed_engine, 1, campaign_settings=own)
    with Session(committed_engine) as session:
        letter = session.get(Letter, delivery.letter_id)
        assert letter is not None
        supporter = session.get(Supporter, letter.supporter_id)
        assert supporter is not None
        supporter.erased_at = supporter.created_at
        session.add(supporter)
        session.commit()
    run_worker(committed_engine, delivery_settings, all_final)
    [request] = app.requests
    assert request.path == "/campaign-hook"
    timestamp = request.headers["x-lettercast-timestamp"]
    mac = hmac.new(b"campaign-secret", f"{timestamp}.".encode() + request.body, hashlib.sha256)
    assert request.headers["x-lettercast-signature"] == "sha256=" + mac.hexdigest()
    assert json.loads(request.body)["supporter"] is None


def test_httpx_own_transport_delivers_too(
    committed_engine: Engine, delivery_settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    app, _ = receiver
    plain = delivery_settings.model_copy(update={"http_transport": "httpx"})
    [delivery] = enqueue_letters(committed_engine, 1)
    app.script(delivery.idempotency_key, ["timeout", "ok"])
    run_worker(committed_engine, plain, all_final)
    done = _reload(committed_engine, delivery)
    assert (done.status, done.attempts) == ("sent", 2)  # the first attempt timed out


class _Exploding:
    """A channel with a bug: it raises, quoting the supporter, instead of answering."""

    name = "exploding"

    def __init__(self, client: object, settings: Settings) -> None:
        pass

    async def send(self, envelope: object) -> object:
        raise ValueError("cannot send for anahit@example.org")


def test_a_channel_that_raises_is_retried_and_the_log_keeps_personal_data_out(
    committed_engine: Engine,
    delivery_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setitem(CHANNELS, "exploding", _Exploding)  # type: ignore[arg-type]
    [delivery] = enqueue_letters(committed_engine, 1)
    with Session(committed_engine) as session:
        row = session.get(Delivery, delivery.id)
        assert row is not None
        row.channel = "exploding"
        session.add(row)
        session.commit()
    run_worker(committed_engine, delivery_settings, all_final)
    done = _reload(committed_engine, delivery)
    assert done.status == "dead"
    assert (
        done.last_error
        == "Gave up after 4 attempts; last: The exploding channel failed: ValueError"
    )
    assert "channel raised" in caplog.text
    assert "anahit@example.org" not in caplog.text


def test_a_paused_campaigns_letters_wait_until_it_is_live_again(
    committed_engine: Engine, delivery_settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    app, _ = receiver
    [paused] = enqueue_letters(committed_engine, 1)
    [live] = enqueue_letters(committed_engine, 1)
    with Session(committed_engine) as session:
        campaign = session.get(Campaign, paused.campaign_id)
        assert campaign is not None
        campaign.status = "paused"
        session.add(campaign)
        session.commit()

    def live_one_is_sent(session: Session) -> bool:
        found = session.get(Delivery, live.id)
        return found is not None and found.status == "sent"

    run_worker(committed_engine, delivery_settings, live_one_is_sent)
    assert _reload(committed_engine, paused).status == "queued"
    assert paused.idempotency_key not in app.accepted

    with Session(committed_engine) as session:
        campaign = session.get(Campaign, paused.campaign_id)
        assert campaign is not None
        campaign.status = "live"
        session.add(campaign)
        session.commit()
    run_worker(committed_engine, delivery_settings, all_final)
    assert _reload(committed_engine, paused).status == "sent"
    assert paused.idempotency_key in app.accepted
