"""Load shedding: past a bound on requests in flight, answer 503 with Retry-After at once.

Queueing more work than a process can finish only turns a burst into timeouts for everyone;
refusing early keeps latency bounded for the requests that are accepted, and tells clients
(and the supporter pages) when to come back. Health and metrics endpoints are never shed.
"""

import json

from starlette.types import ASGIApp, Receive, Scope, Send

NEVER_SHED = frozenset({"/healthz", "/readyz", "/metrics"})


class LoadShedder:
    def __init__(self, app: ASGIApp, max_in_flight: int, retry_after_s: int = 1) -> None:
        self.app = app
        self.max_in_flight = max_in_flight
        self.retry_after_s = retry_after_s
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.max_in_flight <= 0 or scope["path"] in NEVER_SHED:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_in_flight:
            await self._refuse(send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {"error": {"code": "overloaded", "message": "The service is busy; try again shortly."}}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"retry-after", str(self.retry_after_s).encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
