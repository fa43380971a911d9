"""Pacing per office and channel, sending windows, graceful shutdown and the in-process worker."""

import asyncio
import itertools
import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.config import Settings
from app.delivery.models import Delivery
from app.delivery.pacing import parse_sending_window
from app.delivery.worker import Worker
from app.main import create_app
from tests.delivery.conftest import all_final, enqueue_letters, run_worker, statuses
from tests.delivery.receiver import Receiver


def test_one_office_gets_no_more_than_its_pace_while_others_are_not_held_up(
    committed_engine: Engine, delivery_settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    app, _ = receiver
    # 300 a minute = one every 0.2 s for each office; 12 letters over two offices.
    paced = delivery_settings.model_copy(update={"delivery_office_rates": {"webhook": 300}})
    deliveries = enqueue_letters(committed_engine, 12, offices=2)
    run_worker(committed_engine, paced, all_final, timeout_s=15)
    assert set(statuses(committed_engine).values()) == {"sent"}
    by_key = {r.key: r.at for r in app.requests}
    for office_key in {d.office_key for d in deliveries}:
        times = sorted(by_key[d.idempotency_key] for d in deliveries if d.office_key == office_key)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        # Slots are 0.2 s apart when claimed; arrival adds jitter (unpaced gaps are ~0.01 s).
        assert min(gaps) > 0.2 / 3, gaps
        assert times[-1] - times[0] >= 0.2 * (len(times) - 1) * 0.85
    # Both offices were served side by side, not one after the other.
    firsts = [
        min(by_key[d.idempotency_key] for d in deliveries if d.office_key == k)
        for k in {d.office_key for d in deliveries}
    ]
    # (One after the other, the second office would start 1.2 s later.)
    assert abs(firsts[0] - firsts[1]) < 0.6


def test_a_channel_pace_holds_across_two_workers(
    committed_engine: Engine, delivery_settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    app, _ = receiver
    paced = delivery_settings.model_copy(update={"delivery_channel_rates": {"webhook": 600}})
    enqueue_letters(committed_engine, 10, offices=5)

    async def main() -> None:
        workers = [Worker(committed_engine, paced, exit_when_idle=True) for _ in range(2)]
        await asyncio.wait_for(asyncio.gather(*(w.run() for w in workers)), timeout=15)

    asyncio.run(main())
    times = sorted(r.at for r in app.requests)
    assert len(times) == 10
    # 600 a minute = one every 0.1 s for the whole channel, whichever worker sends.
    assert times[-1] - times[0] >= 0.1 * 9 * 0.85


def test_letters_wait_outside_the_campaigns_sending_window(
    committed_engine: Engine, delivery_settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    app, _ = receiver
    now = datetime.now(UTC)
    closed_now = {
        "days": "mon-sun",
        "start": (now + timedelta(hours=2)).strftime("%H:%M"),
        "end": (now + timedelta(hours=3)).strftime("%H:%M"),
        "tz": "UTC",
    }
    if closed_now["end"] <= closed_now["start"]:  # near midnight: use a window that is open
        closed_now |= {"start": "00:00", "end": "00:01"}
    deliveries = enqueue_letters(
        committed_engine, 3, campaign_settings={"sending_window": closed_now}
    )
    run_worker(committed_engine, delivery_settings, lambda s: False, timeout_s=0.5)
    assert app.raw_count() == 0
    with Session(committed_engine) as session:
        waiting = session.exec(select(Delivery)).all()
    window = parse_sending_window(closed_now)
    assert window is not None
    assert {d.status for d in waiting} == {"queued"}
    assert all(d.next_attempt_at >= window.next_open(now) - timedelta(seconds=1) for d in waiting)
    assert len(deliveries) == 3


def test_sending_window_days_and_time_zone() -> None:
    window = parse_sending_window(
        {"days": "mon-fri", "start": "09:00", "end": "17:00", "tz": "America/Los_Angeles"}
    )
    assert window is not None
    saturday_noon = datetime(2024, 3, 2, 20, 0, tzinfo=UTC)  # 12:00 in Los Angeles
    assert window.next_open(saturday_noon) == datetime(2024, 3, 4, 17, 0, tzinfo=UTC)
    tuesday_ten = datetime(2024, 3, 5, 18, 0, tzinfo=UTC)
    assert window.next_open(tuesday_ten) == tuesday_ten


def test_stopping_finishes_the_send_in_flight_and_hands_back_the_rest(
    committed_engine: Engine, delivery_settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    app, _ = receiver
    app.delay_s = 0.3
    deliveries = enqueue_letters(committed_engine, 6)
    started = time.monotonic()
    run_worker(
        committed_engine,
        delivery_settings,
        lambda s: app.raw_count() >= 1 or time.monotonic() - started > 5,
        concurrency=1,
        batch=6,
    )
    after = statuses(committed_engine)
    sent = [d for d in deliveries if after[d.id] == "sent"]
    back = [d for d in deliveries if after[d.id] == "queued"]
    assert len(sent) >= 1 and len(sent) + len(back) == 6
    with Session(committed_engine) as session:
        rows = [session.get(Delivery, d.id) for d in back]
    assert all(r is not None and r.attempts == 0 and r.claimed_by is None for r in rows)
    assert app.raw_count() == len(sent)


def test_serve_runs_a_worker_in_process_unless_turned_off(
    committed_engine: Engine, delivery_settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    app, _ = receiver
    enqueue_letters(committed_engine, 3)
    in_process = delivery_settings.model_copy(update={"run_worker_in_process": True})
    with TestClient(create_app(in_process)):
        deadline = time.monotonic() + 10
        while app.raw_count() < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert set(statuses(committed_engine).values()) == {"sent"}
    enqueue_letters(committed_engine, 1)
    with TestClient(create_app(delivery_settings)):
        time.sleep(0.3)
    assert sorted(statuses(committed_engine).values()) == ["queued", "sent", "sent", "sent"]
