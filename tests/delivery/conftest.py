"""Delivery fixtures: a stand-in webhook receiver, settings pointing at it, a worker runner."""

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.config import Settings
from app.delivery import service
from app.delivery.models import Delivery
from app.delivery.worker import Worker
from tests.delivery.receiver import Receiver
from tests.factories import make_campaign, make_letter, make_office, make_supporter
from tests.servers import serve_asgi

SECRET = "test-webhook-secret"


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    app = Receiver()
    with serve_asgi(app) as url:
        yield app, url


@pytest.fixture
def delivery_settings(settings: Settings, receiver: tuple[Receiver, str]) -> Settings:
    """Fast retries and short leases, so retry and recovery paths run in well under a second."""
    return settings.model_copy(
        update={
            "webhook_url": receiver[1] + "/hook",
            "webhook_secret": SECRET,
            "webhook_timeout_s": 0.5,
            "delivery_backoff_base_s": 0.05,
            "delivery_backoff_max_s": 0.2,
            "delivery_max_attempts": 4,
            "delivery_lease_s": 2.0,
            "delivery_poll_s": 0.05,
            "delivery_shutdown_grace_s": 2.0,
            "http_transport": "aiohttp",
        }
    )


def enqueue_letters(
    engine: Engine,
    count: int,
    *,
    campaign_settings: dict[str, Any] | None = None,
    offices: int = 1,
) -> list[Delivery]:
    """Committed letters on the webhook channel, spread round-robin over ``offices`` offices."""
    with Session(engine, expire_on_commit=False) as session:
        campaign = make_campaign(
            session, settings={"channels": {"us_house": "webhook"}} | (campaign_settings or {})
        )
        office_rows = [make_office(session) for _ in range(offices)]
        deliveries = []
        for n in range(count):
            office = office_rows[n % offices]
            letter = make_letter(session, make_supporter(session, campaign), office)
            deliveries.append(
                service.enqueue_letter(session, letter=letter, campaign=campaign, office=office)
            )
        session.flush()
        session.commit()
    return deliveries


def run_worker(
    engine: Engine,
    settings: Settings,
    until: Callable[[Session], bool],
    *,
    timeout_s: float = 10.0,
    **options: Any,
) -> Worker:
    """Run one worker in this thread until ``until(session)`` holds (checked every 50 ms)."""
    worker = Worker(engine, settings, **options)

    async def main() -> None:
        task = asyncio.create_task(worker.run())
        deadline = time.monotonic() + timeout_s
        try:
            while time.monotonic() < deadline and not task.done():
                with Session(engine) as session:
                    if until(session):
                        break
                await asyncio.sleep(0.05)
        finally:
            worker.stop()
            await task

    asyncio.run(main())
    return worker


def statuses(engine: Engine) -> dict[int, str]:
    with Session(engine) as session:
        return {d.id: d.status for d in session.exec(select(Delivery)).all()}


def all_final(session: Session) -> bool:
    pending = {"queued", "failed", "sending"}
    return not any(d.status in pending for d in session.exec(select(Delivery)).all())
