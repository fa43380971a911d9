"""Deliveries per second from one worker through the webhook channel to a loopback receiver.

Measured on SQLite and on PostgreSQL, against a bare loop that posts the same requests (same
bodies and headers, built beforehand) with the same HTTP client, transport and concurrency, in
the same run. The receiver runs in its own process so it does not share the worker's GIL.

    .venv/bin/python bench/delivery.py [--letters 20000] [--concurrency 16] [--batch 100]

Each figure is the best of ``--rounds`` interleaved rounds.
Last line: ``RESULT sqlite_per_s=<n> postgres_per_s=<n> ratio_vs_bare_httpx=<r>``.
"""

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.campaigns.models import Campaign
from app.config import Settings
from app.db import make_engine, utcnow
from app.delivery.channels.webhook import sign
from app.delivery.models import Delivery
from app.delivery.service import idempotency_key_for
from app.delivery.worker import Worker, make_delivery_client
from app.letters.models import Letter
from app.migrations import upgrade_to_head
from app.representatives.models import Office
from app.supporters.models import Supporter
from tests.databases import postgres_database, postgres_unavailable_reason
from tests.servers import free_port

BODY = ("I am writing as your constituent to ask you to support SJR 11. " * 32)[:2000]
SECRET = "bench-secret"


@contextmanager
def receiver_process() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.delivery.receiver", "--port", str(port)],
        cwd=Path(__file__).resolve().parent.parent,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                httpx.get(url + "/_stats", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def seed(engine: Engine, letters: int) -> None:
    """Bulk-insert a campaign, 50 offices and ``letters`` letters with their queued jobs."""
    now = utcnow()
    with engine.begin() as db:
        campaign_id = db.execute(
            insert(Campaign.__table__).returning(Campaign.__table__.c.id),  # type: ignore[attr-defined]
            {
                "slug": "bench",
                "title": "Bench",
                "status": "live",
                "description": "",
                "language": "en",
                "resolution": {},
                "demands": [],
                "targeting": {},
                "settings": {"channels": {"us_house": "webhook"}},
                "created_at": now,
                "updated_at": now,
            },
        ).scalar_one()
        db.execute(
            insert(Office.__table__),
            [  # type: ignore[attr-defined]
                {
                    "key": f"us_house:CA-{n:02d}",
                    "kind": "us_house",
                    "state": "CA",
                    "title": "Rep",
                    "addresses": [],
                    "updated_at": now,
                }
                for n in range(50)
            ],
        )
        db.execute(
            insert(Supporter.__table__),
            [  # type: ignore[attr-defined]
                {
                    "campaign_id": campaign_id,
                    "token": f"t{n}",
                    "email_normalized": f"s{n}@example.org",
                    "first_name": "Anahit",
                    "last_name": "Petrosyan",
                    "email": f"s{n}@example.org",
                    "street": "100 Main St",
                    "city": "Glendale",
                    "state": "CA",
                    "zip": "91203",
                    "districts": {},
                    "created_at": now,
                }
                for n in range(letters)
            ],
        )
        supporter_ids = db.execute(select(Supporter.__table__.c.id)).scalars().all()  # type: ignore[attr-defined]
        db.execute(
            insert(Letter.__table__),
            [  # type: ignore[attr-defined]
                {
                    "campaign_id": campaign_id,
                    "supporter_id": sid,
                    "office_key": f"us_house:CA-{n % 50:02d}",
                    "official_name": "Pat Official",
                    "subject": "Please support SJR 11",
                    "body": BODY,
                    "state": "CA",
                    "city": "Glendale",
                    "created_at": now,
                }
                for n, sid in enumerate(supporter_ids)
            ],
        )
        rows = db.execute(select(Letter.__table__.c.id, Letter.__table__.c.office_key)).all()  # type: ignore[attr-defined]
        db.execute(
            insert(Delivery.__table__),
            [  # type: ignore[attr-defined]
                {
                    "letter_id": lid,
                    "campaign_id": campaign_id,
                    "office_key": key,
                    "channel": "webhook",
                    "status": "queued",
                    "idempotency_key": idempotency_key_for(lid, campaign_id),
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for lid, key in rows
            ],
        )


def run_worker(engine: Engine, settings: Settings, concurrency: int, batch: int) -> float:
    worker = Worker(engine, settings, concurrency=concurrency, batch=batch, exit_when_idle=True)
    started = time.perf_counter()
    _run(worker.run())
    elapsed = time.perf_counter() - started
    assert worker.stats["dead"] == 0, worker.stats
    return worker.stats["sent"] / elapsed


async def bare_loop(url: str, settings: Settings, requests: int, concurrency: int) -> float:
    """The reference: the same POSTs, prepared beforehand, through the same client."""
    body = json.dumps(
        {
            "letter_id": 1,
            "campaign": "bench",
            "subject": "Please support SJR 11",
            "body": BODY,
            "supporter": {"first_name": "Anahit"},
        }
    ).encode()
    prepared = []
    for n in range(requests):
        timestamp = str(int(time.time()))
        prepared.append(
            {
                "Content-Type": "application/json",
                "Idempotency-Key": f"bare-{n}",
                "X-Lettercast-Timestamp": timestamp,
                "X-Lettercast-Signature": sign(SECRET, timestamp, body),
            }
        )
    client = make_delivery_client(settings, concurrency)
    queue = iter(prepared)

    async def sender() -> None:
        for headers in queue:
            response = await client.post(url, content=body, headers=headers)
            assert response.status_code == 200

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    await client.aclose()
    return requests / elapsed


def _run(coroutine) -> object:  # type: ignore[no-untyped-def]
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    with runner:
        return runner.run(coroutine)


def measure(url: str, database_url: str, args: argparse.Namespace) -> float:
    upgrade_to_head(database_url)
    engine = make_engine(database_url)
    seed(engine, args.letters)
    settings = Settings(
        database_url=database_url,
        webhook_url=url + "/hook",
        webhook_secret=SECRET,
        delivery_poll_s=0.05,
        log_level="WARNING",
        http_transport=args.transport,
    )
    rate = run_worker(engine, settings, args.concurrency, args.batch)
    engine.dispose()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--letters", type=int, default=5000, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="bare/SQLite/PostgreSQL rounds")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--transport", default="aiohttp", choices=["aiohttp", "httpx"])
    args = parser.parse_args()
    from app import logs

    sys.setswitchinterval(0.001)  # as `lettercast worker` does; applies to the bare loop too
    logs.configure_logging("WARNING")
    postgres_reason = postgres_unavailable_reason()
    if postgres_reason:
        print(f"PostgreSQL skipped: {postgres_reason}")
    samples: dict[str, list[float]] = {"bare": [], "sqlite": [], "postgres": []}
    # Rounds interleave the three measurements, so a busy moment on the machine hits them
    # alike; each figure is the best of its rounds.
    with receiver_process() as url:
        settings = Settings(http_transport=args.transport)
        for n in range(1, args.rounds + 1):
            bare = _run(bare_loop(url + "/hook", settings, args.letters, args.concurrency))
            samples["bare"].append(bare)
            with tempfile.TemporaryDirectory() as directory:
                samples["sqlite"].append(measure(url, f"sqlite:///{directory}/bench.db", args))
            if not postgres_reason:
                with postgres_database() as database_url:
                    samples["postgres"].append(measure(url, database_url, args))
            print(
                f"round {n}: bare loop {bare:,.0f} req/s; worker on SQLite "
                f"{samples['sqlite'][-1]:,.0f}/s, on PostgreSQL "
                f"{(samples['postgres'] or [0])[-1]:,.0f}/s",
                flush=True,
            )
    best = {name: max(values, default=0.0) for name, values in samples.items()}
    print(
        f"best of {args.rounds}: bare loop ({args.transport}, concurrency {args.concurrency}) "
        f"{best['bare']:,.0f} req/s; SQLite {best['sqlite']:,.0f}/s "
        f"({best['sqlite'] / best['bare']:.2f}x); PostgreSQL {best['postgres']:,.0f}/s "
        f"({best['postgres'] / best['bare']:.2f}x)"
    )
    ratio = min(r for r in (best["sqlite"], best["postgres"]) if r) / best["bare"]
    print(
        f"RESULT sqlite_per_s={best['sqlite']:.0f} postgres_per_s={best['postgres']:.0f} "
        f"ratio_vs_bare_httpx={ratio:.2f}"
    )


if __name__ == "__main__":
    main()
