"""A stand-in webhook receiver: records every request, deduplicates by ``Idempotency-Key``, and
fails on demand.

A bare ASGI app (no framework) so it stays fast enough for the benchmark. Tell it how to answer
a given key's successive attempts with ``script(key, [...])``; each entry is one of ``"ok"``,
``500``, ``("429", seconds)`` (429 with ``Retry-After``), ``422`` (a permanent refusal with a
message), ``("slow", seconds)`` (answer ok after a delay) or ``"timeout"`` (never answer in time).
``default`` applies to keys with no script left. Run it as its own process for benchmarks:
``python -m tests.delivery.receiver --port 8123``; ``GET /_stats`` reports what it saw.
"""

import argparse
import asyncio
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

Behaviour = str | int | tuple[str, float]


@dataclass
class Received:
    at: float
    key: str
    status: int
    headers: dict[str, str]
    body: bytes
    path: str = ""


@dataclass
class Receiver:
    keep_bodies: bool = True
    delay_s: float = 0.0  # added to every answer, so kills land while sends are in flight
    default: Behaviour = "ok"
    hang_s: float = 1.0  # how long "timeout" keeps the client waiting (beyond its timeout)
    requests: list[Received] = field(default_factory=list)
    accepted: dict[str, float] = field(default_factory=dict)  # key -> first accepted time
    scripts: dict[str, list[Behaviour]] = field(default_factory=lambda: defaultdict(list))

    def script(self, key: str, behaviours: list[Behaviour]) -> None:
        self.scripts[key] = list(behaviours)

    def raw_count(self, key: str | None = None) -> int:
        return sum(1 for r in self.requests if key is None or r.key == key)

    def times(self, key: str) -> list[float]:
        return [r.at for r in self.requests if r.key == key]

    def stats(self) -> dict[str, Any]:
        return {
            "raw": len(self.requests),
            "accepted": len(self.accepted),
            "duplicates": sum(1 for r in self.requests if r.status == 200) - len(self.accepted),
        }

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["path"] == "/_stats":
            await _answer(send, 200, json.dumps(self.stats()).encode())
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        key = headers.get("idempotency-key", "")
        queue = self.scripts.get(key)
        behaviour = queue.pop(0) if queue else self.default
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        status, extra, payload = await self._behave(behaviour, key)
        self.requests.append(
            Received(
                time.time(), key, status, headers, body if self.keep_bodies else b"", scope["path"]
            )
        )
        await _answer(send, status, payload, extra)

    async def _behave(
        self, behaviour: Behaviour, key: str
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        if isinstance(behaviour, tuple) and behaviour[0] == "slow":
            await asyncio.sleep(behaviour[1])
            behaviour = "ok"
        if behaviour == "timeout":
            # The client has given up by now; what arrives late is a gateway timeout.
            await asyncio.sleep(self.hang_s)
            return 504, [], b"gateway timeout"
        if behaviour == "ok":
            self.accepted.setdefault(key, time.time())
            return 200, [], json.dumps({"id": f"rcv-{key[-8:]}"}).encode()
        if isinstance(behaviour, tuple) and behaviour[0] == "429":
            return 429, [(b"retry-after", str(int(behaviour[1])).encode())], b"slow down"
        if behaviour == 422:
            return 422, [], json.dumps({"error": "Recipient address is not on file"}).encode()
        return int(behaviour), [], b"upstream exploded"  # type: ignore[arg-type]


async def _answer(
    send: Any, status: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = [(b"content-type", b"application/json"), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    app = Receiver(keep_bodies=False, delay_s=args.delay)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        loop="uvloop",
        http="httptools",
        lifespan="on",
    )


if __name__ == "__main__":
    main()
