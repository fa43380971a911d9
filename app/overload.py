"""Load shedding: past a bound on requests in flight, answer 503 with Retry-After at once.

Queueing more work than a process can finish only turns a burst into timeouts for everyone;
refusing early keeps latency bounded for the requests that are accepted, and tells clients
(and the supporter pages) when to come back. Health and metrics endpoints are never shed.
"""

import asyncio
import json

from starlette.types import ASGIApp, Receive, Scope, Send

NEVER_SHED = frozenset({"/healthz", "/readyz", "/metrics"})
BUSY = "The service is busy; try again shortly."
# A person on a page gets a page that retries by itself; nothing they typed was sent yet.
BUSY_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    '<meta http-equiv="refresh" content="{seconds}"><title>Busy</title></head>'
    "<body><main><h1>So many people are writing right now</h1>"
    "<p>Please wait a moment; this page will try again by itself.</p></main></body></html>"
)


class RequestsInFlight:
    """How many requests (health checks and metrics aside) this process is answering now; the
    in-process delivery worker reads it to give way to people waiting on a page."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def busy(self) -> bool:
        return self.count > 0

    async def until_idle(self) -> None:
        await self._idle.wait()

    def started(self) -> None:
        self.count += 1
        self._idle.clear()

    def finished(self) -> None:
        self.count -= 1
        if self.count == 0:
            self._idle.set()


class LoadShedder:
    def __init__(
        self,
        app: ASGIApp,
        max_in_flight: int,
        retry_after_s: int = 1,
        in_flight: RequestsInFlight | None = None,
    ) -> None:
        self.app = app
        self.max_in_flight = max_in_flight  # 0: never shed, only count
        self.retry_after_s = retry_after_s
        self.requests = in_flight or RequestsInFlight()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in NEVER_SHED:
            await self.app(scope, receive, send)
            return
        if 0 < self.max_in_flight <= self.requests.count:
            await self._refuse(scope, send)
            return
        self.requests.started()
        try:
            await self.app(scope, receive, send)
        finally:
            self.requests.finished()

    async def _refuse(self, scope: Scope, send: Send) -> None:
        if scope["path"].startswith("/api/"):
            content_type = b"application/json"
            body = json.dumps({"error": {"code": "overloaded", "message": BUSY}}).encode()
        else:
            content_type = b"text/html; charset=utf-8"
            body = BUSY_PAGE.format(seconds=self.retry_after_s).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", content_type),
                    (b"retry-after", str(self.retry_after_s).encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
