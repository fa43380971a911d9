"""When a retry happens and why a job dies, from the channel's answer."""

from datetime import UTC, datetime, timedelta

from app.config import Settings
from app.delivery.channels import Rejected, Retry, Sent
from app.delivery.claims import Job
from app.delivery.outcomes import result_for
from app.delivery.pacing import parse_sending_window

NOW = datetime(2024, 3, 5, 18, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Los Angeles
SETTINGS = Settings(
    delivery_backoff_base_s=10,
    delivery_backoff_max_s=600,
    delivery_max_attempts=5,
    delivery_retry_after_max_s=120,
)


def _job(attempts: int) -> Job:
    return Job(1, 1, 1, "us_house:CA-30", "webhook", "lc-x", attempts)


def test_retry_after_is_never_shortened_and_is_capped() -> None:
    soon = result_for(_job(1), Retry("HTTP 429", after=30), SETTINGS, NOW)
    assert timedelta(seconds=30) <= soon.next_attempt_at - NOW <= timedelta(seconds=33)
    capped = result_for(_job(1), Retry("HTTP 429", after=86_400), SETTINGS, NOW)
    assert capped.next_attempt_at - NOW <= timedelta(seconds=132)
    assert (soon.status, soon.last_error) == ("failed", "HTTP 429")


def test_backoff_doubles_per_attempt_with_jitter_up_to_the_limit() -> None:
    patient = SETTINGS.model_copy(update={"delivery_max_attempts": 20})

    def wait(attempts: int) -> float:
        result = result_for(_job(attempts), Retry("HTTP 503"), patient, NOW)
        return (result.next_attempt_at - NOW).total_seconds()

    assert 5 <= wait(1) <= 10
    assert 20 <= wait(3) <= 40
    assert 40 <= wait(4) <= 80
    assert 300 <= wait(9) <= 600  # capped at delivery_backoff_max_s


def test_the_last_attempt_dies_saying_how_many_and_what_came_back() -> None:
    result = result_for(_job(5), Retry("HTTP 503: upstream exploded"), SETTINGS, NOW)
    assert result.status == "dead"
    assert result.last_error == "Gave up after 5 attempts; last: HTTP 503: upstream exploded"


def test_refusals_die_at_once_and_successes_keep_the_downstream_id() -> None:
    refused = result_for(_job(1), Rejected("HTTP 422: no such office"), SETTINGS, NOW)
    assert (refused.status, refused.last_error) == ("dead", "HTTP 422: no such office")
    sent = result_for(_job(2), Sent("rcv-1"), SETTINGS, NOW)
    assert (sent.status, sent.downstream_id, sent.sent_at) == ("sent", "rcv-1", NOW)


def test_a_retry_that_would_land_after_hours_waits_for_the_window() -> None:
    window = parse_sending_window(
        {"days": "mon-fri", "start": "09:00", "end": "17:00", "tz": "America/Los_Angeles"}
    )
    late = NOW + timedelta(hours=6, minutes=59)  # 16:59 in Los Angeles
    result = result_for(_job(1), Retry("HTTP 429", after=120), SETTINGS, late, window)
    assert result.next_attempt_at == datetime(2024, 3, 6, 17, 0, tzinfo=UTC)


def test_pace_allows_a_burst_then_one_send_per_interval() -> None:
    from app.delivery.pacing import admit

    slots: dict[str, datetime] = {}
    buckets = [("office:us_house:CA-30", 2.0)]  # 30 a minute
    assert admit(slots, buckets, NOW, burst=2) is None
    assert admit(slots, buckets, NOW, burst=2) is None
    wait_until = admit(slots, buckets, NOW, burst=2)
    assert wait_until == NOW + timedelta(seconds=2)
    assert admit(slots, buckets, NOW + timedelta(seconds=2), burst=2) is None
