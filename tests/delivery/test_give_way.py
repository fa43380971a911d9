"""The in-process worker gives way to the API's requests: a trickle of sends while people wait
on a page, full concurrency once they are answered, and nothing lost either way."""

import asyncio
import time
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.config import Settings
from app.delivery.worker import SENDS_WHILE_BUSY, Worker
from app.overload import RequestsInFlight
from tests.delivery.conftest import all_final, enqueue_letters
from tests.delivery.receiver import Receiver
from tests.servers import serve_asgi


class ConcurrencyGauge:
    """Wraps the receiver: the most requests it was answering at once, since the last reset."""

    def __init__(self, inner: Receiver) -> None:
        self.inner = inner
        self.now = 0
        self.most = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            await self.inner(scope, receive, send)
        finally:
            self.now -= 1


async def wait_for(condition: Any, what: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        await asyncio.sleep(0.02)


def test_sends_trickle_while_requests_are_in_flight_and_speed_up_when_they_end(
    committed_engine: Engine, delivery_settings: Settings
) -> None:
    receiver = Receiver(delay_s=0.05)  # sends overlap, so concurrency shows
    gauge = ConcurrencyGauge(receiver)
    enqueue_letters(committed_engine, 40)
    requests = RequestsInFlight()
    with serve_asgi(gauge) as url:
        settings = delivery_settings.model_copy(
            update={"webhook_url": url + "/hook", "delivery_concurrency": 16}
        )
        worker = Worker(committed_engine, settings, yield_to=requests)

        async def main() -> tuple[int, int, int]:
            requests.started()  # a supporter's request is being answered
            task = asyncio.create_task(worker.run())
            try:
                await wait_for(lambda: len(receiver.accepted) >= 6, "letters sent while busy")
                while_busy, sent_while_busy = gauge.most, len(receiver.accepted)
                gauge.most = 0
                requests.finished()  # answered: the worker may use the whole process again

                def everything_final() -> bool:
                    with Session(committed_engine) as session:
                        return all_final(session)

                await wait_for(everything_final, "every letter final")
                return while_busy, sent_while_busy, gauge.most
            finally:
                worker.stop()
                await task

        most_while_busy, sent_while_busy, most_when_idle = asyncio.run(main())

    assert sent_while_busy >= 6  # giving way is not stopping
    assert most_while_busy <= SENDS_WHILE_BUSY
    assert most_when_idle > SENDS_WHILE_BUSY
    assert len(receiver.accepted) == 40
    assert receiver.stats()["duplicates"] == 0


def test_letters_already_claimed_also_wait_when_a_request_arrives(
    committed_engine: Engine, delivery_settings: Settings
) -> None:
    receiver = Receiver(delay_s=0.2)
    gauge = ConcurrencyGauge(receiver)
    enqueue_letters(committed_engine, 60)
    requests = RequestsInFlight()
    with serve_asgi(gauge) as url:
        settings = delivery_settings.model_copy(
            update={"webhook_url": url + "/hook", "delivery_concurrency": 8}
        )
        worker = Worker(committed_engine, settings, batch=60, yield_to=requests)

        async def main() -> tuple[int, int]:
            task = asyncio.create_task(worker.run())
            try:
                await wait_for(lambda: gauge.now >= 8, "every sender busy while idle")
                requests.started()
                # The sends already under way finish; the claimed rest must queue behind two.
                await wait_for(lambda: gauge.now <= SENDS_WHILE_BUSY, "sends down to a trickle")
                gauge.most = gauge.now
                before = len(receiver.accepted)
                await wait_for(lambda: len(receiver.accepted) >= before + 6, "sends go on")
                return gauge.most, len(receiver.accepted)
            finally:
                requests.finished()
                worker.stop()
                await task

        most_while_busy, _ = asyncio.run(main())

    assert most_while_busy <= SENDS_WHILE_BUSY
