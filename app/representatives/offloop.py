"""Running a lookup in a worker thread, so its database calls never stall the event loop.

``find_representatives`` mixes synchronous database work (the cache, the offices) with one HTTP
request. On the event loop, a slow database call (SQLite's write lock, a PostgreSQL round trip)
would hold up every other request. So routes run it in a worker thread on that thread's own event
loop, and hand only the geocoder request back to the application's loop, where the shared
``httpx.AsyncClient`` lives.
"""

import asyncio
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from app.representatives.lookup import DistrictProvider, DistrictResult

T = TypeVar("T")
_runners = threading.local()


@dataclass
class OnLoop:
    """A district provider whose requests run on another (the application's) event loop."""

    inner: DistrictProvider
    loop: asyncio.AbstractEventLoop

    @property
    def name(self) -> str:
        return self.inner.name

    async def districts_for(self, query: str) -> DistrictResult:
        future = asyncio.run_coroutine_threadsafe(self.inner.districts_for(query), self.loop)
        return await asyncio.wrap_future(future)


def run_here(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on this worker thread's own, reused, event loop."""
    runner = getattr(_runners, "runner", None)
    if runner is None:
        runner = _runners.runner = asyncio.Runner()
    return runner.run(coroutine)
