"""The stand-in upstreams of the load and fault runs, each served as its own uvicorn process.

- ``geocoder_app``: the submissions tests' stand-in Census Geocoder (``tests/submissions``).
- ``receiver_app``: the delivery tests' deduplicating webhook receiver (``tests/delivery``),
  wrapped with a small control surface so a run can make the downstream fail for a while:
  ``POST /_mode`` with ``{"default": "ok" | 500 | ["slow", 3]}``, ``GET /_keys`` for the
  idempotency keys it accepted (deduplicated), raw request counts and re-sends. With
  ``BENCH_REFUSE_EVERY=n``, letters whose key hashes to 0 mod n are refused permanently (422),
  so a run has letters that must end ``dead`` with the receiver's reason.

    uvicorn --factory bench._upstreams:receiver_app --port 8123
"""

import json
import os
import zlib
from typing import Any

from tests.delivery.receiver import Receiver, _answer
from tests.submissions.geocoder import StandInGeocoder


def geocoder_app() -> Any:
    return StandInGeocoder(slow_seconds=1.0).app


def refused(key: str, every: int) -> bool:
    return every > 0 and zlib.crc32(key.encode()) % every == 0


class ControlledReceiver:
    def __init__(self, refuse_every: int) -> None:
        self.receiver = Receiver(keep_bodies=False, hang_s=30.0)
        self.refuse_every = refuse_every

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path == "/_keys":
            await _answer(send, 200, json.dumps(self.keys()).encode())
            return
        if scope["type"] == "http" and path == "/_mode":
            await self._set_mode(receive, send)
            return
        if scope["type"] == "http":
            headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
            key = headers.get("idempotency-key", "")
            if refused(key, self.refuse_every):
                self.receiver.script(key, [422])
        await self.receiver(scope, receive, send)

    def keys(self) -> dict[str, Any]:
        requests = self.receiver.requests
        ok = sum(1 for r in requests if r.status == 200)
        return {
            "accepted": list(self.receiver.accepted),
            "raw": len(requests),
            "raw_ok": ok,
            "raw_resends": ok - len(self.receiver.accepted),
            "failed_answers": sum(1 for r in requests if r.status >= 500),
        }

    async def _set_mode(self, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        default = json.loads(body)["default"]
        self.receiver.default = tuple(default) if isinstance(default, list) else default
        await _answer(send, 200, b"{}")


def receiver_app() -> Any:
    return ControlledReceiver(int(os.environ.get("BENCH_REFUSE_EVERY", "0")))
