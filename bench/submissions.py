"""Submissions per second through the real HTTP API, and latency at a fixed open-loop rate.

Set-up, all on this machine: one `uvicorn` process serving Lettercast on a fresh SQLite file
(the embedded default), with the rate limiter ON (limits raised so one load generator on
127.0.0.1 is not refused; every request still counts in the database) and the in-process
delivery worker ON, sending each letter through the `webhook` channel; one process of local
stand-ins (a Census Geocoder speaking its JSON, and the webhook receiver); and this process as
the load generator (aiohttp, so the client costs little CPU).

The campaign is the shipped SJR 11 campaign (real templates) with offices and officials for
52 House, 40 state senate and 80 assembly districts. Every submission is a distinct supporter
at a distinct address (so every one goes to the geocoder), spread over all the districts, and
writes 6 letters (House, two senators, state senator, assemblymember, the President).

Phases: `/healthz` flat out (the trivial reference, same server, same run); submissions flat
out (throughput); submissions at a fixed open-loop rate (default: half the measured
throughput) for latency, measured from each request's scheduled start so a slow server cannot
hide its queueing; row counts checked at the end.

    .venv/bin/python bench/submissions.py [--seconds 10] [--concurrency 32] [--rate N] [--no-worker]

Last line: RESULT submissions_per_s=<n> p99_ms=<n> ratio_vs_trivial=<r>
"""

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KINDS = ("us_house", "us_senate", "state_upper", "state_lower", "executive")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def upstreams_app() -> Any:
    """The geocoder stand-in plus a webhook receiver that accepts every letter."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from tests.submissions.geocoder import StandInGeocoder

    stand_in = StandInGeocoder()
    received = {"count": 0}

    async def webhook(request: Request) -> JSONResponse:
        await request.body()
        received["count"] += 1
        return JSONResponse({"id": f"r{received['count']}"})

    async def count(request: Request) -> JSONResponse:
        return JSONResponse(received)

    stand_in.app.router.routes.append(Route("/webhook", webhook, methods=["POST"]))
    stand_in.app.router.routes.append(Route("/received", count, methods=["GET"]))
    return stand_in.app


def seed(database_url: str, worker: bool) -> str:
    from sqlmodel import Session

    from app.campaigns.service import get_campaign_by_slug
    from app.db import make_engine
    from app.letters.loader import load_campaign_directory
    from app.migrations import upgrade_to_head
    from tests.submissions.geocoder import seed_offices

    upgrade_to_head(database_url)
    engine = make_engine(database_url)
    with Session(engine) as session:
        load_campaign_directory(session, ROOT / "letter_templates" / "sjr-11")
        seed_offices(session, range(240))  # every district the stand-in can name
        campaign = get_campaign_by_slug(session, "sjr-11")
        assert campaign is not None
        channels = {kind: "webhook" if worker else "hold" for kind in KINDS}
        campaign.settings = {**campaign.settings, "channels": channels}
        session.add(campaign)
        session.commit()
    engine.dispose()
    return "sjr-11"


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        args, cwd=ROOT, env=os.environ | env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


async def wait_up(session: aiohttp.ClientSession, url: str) -> None:
    for _ in range(600):
        try:
            async with session.get(url) as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process and its children (uvicorn --workers), from
    Linux /proc, to express cost per request independently of what else the machine runs."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            total += cpu_seconds(int(child))
    return total


def body(n: int) -> dict[str, Any]:
    return {
        "prefix": "Mx.",
        "first_name": "Anahit",
        "last_name": f"Petrosyan{n}",
        "email": f"bench{n}@example.org",
        "address": {
            "street": f"{n} Main St",
            "city": "Glendale",
            "state": "CA",
            "zip": f"9{n % 10000:04d}",
        },
        "personal_note": "Please bring them home.",
        "consent": n % 2 == 0,
        "source": "bench",
    }


class Tally:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.letters = 0
        self.created = 0

    def add(self, status: int, latency: float, answer: Any) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.latencies.append(latency)
        if status == 201:
            self.created += 1
            self.letters += len(answer["letters"])


async def post(session: aiohttp.ClientSession, url: str, n: int, tally: Tally, t0: float) -> None:
    async with session.post(url, json=body(n)) as response:
        answer = await response.json() if response.status == 201 else await response.read()
        tally.add(response.status, time.perf_counter() - t0, answer)


async def flat_out(
    session: aiohttp.ClientSession, url: str, seconds: float, concurrency: int, counter: list[int]
) -> tuple[Tally, float]:
    tally = Tally()
    deadline = time.perf_counter() + seconds

    async def loop() -> None:
        while time.perf_counter() < deadline:
            counter[0] += 1
            await post(session, url, counter[0], tally, time.perf_counter())

    started = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(concurrency)))
    return tally, time.perf_counter() - started


async def trivial(
    session: aiohttp.ClientSession, url: str, seconds: float, concurrency: int
) -> tuple[float, int]:
    done = 0
    deadline = time.perf_counter() + seconds

    async def loop() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            async with session.get(url) as response:
                await response.read()
                done += 1

    started = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(concurrency)))
    return done / (time.perf_counter() - started), done


async def sample(session: aiohttp.ClientSession, url: str, seconds: float) -> list[float]:
    latencies = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        async with session.get(url) as response:
            await response.read()
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(0.02)
    return latencies


async def open_loop(
    session: aiohttp.ClientSession, url: str, rate: float, seconds: float, counter: list[int]
) -> Tally:
    """Requests start on a fixed schedule whatever the answers do; latency counts from the
    scheduled start, so time spent queueing (client or server) is not hidden."""
    tally = Tally()
    tasks = []
    started = time.perf_counter()
    total = int(rate * seconds)
    for i in range(total):
        scheduled = started + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        counter[0] += 1
        tasks.append(asyncio.create_task(post(session, url, counter[0], tally, scheduled)))
    await asyncio.gather(*tasks)
    return tally


async def drained(
    session: aiohttp.ClientSession,
    upstream: str,
    tallies: tuple[Tally, ...],
    options: argparse.Namespace,
) -> tuple[int, float]:
    """Wait until the receiver has every letter written so far; (received, seconds waited)."""
    written = sum(t.letters for t in tallies)
    started = time.perf_counter()
    received = 0
    while time.perf_counter() - started < (0 if options.no_worker else 300):
        async with session.get(f"{upstream}/received") as response:
            received = (await response.json())["count"]
        if received >= written:
            break
        await asyncio.sleep(0.1)
    return received, time.perf_counter() - started


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def row_counts(database_url: str) -> dict[str, int]:
    from sqlalchemy import text

    from app.db import make_engine

    engine = make_engine(database_url)
    with engine.connect() as connection:
        counts = {
            table: int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in ("supporter", "letter", "delivery", "consent")
        }
    engine.dispose()
    return counts


async def run(options: argparse.Namespace) -> None:
    directory = Path(tempfile.mkdtemp(prefix="lettercast-bench-"))
    database_url = f"sqlite:///{directory / 'bench.db'}"
    slug = seed(database_url, worker=not options.no_worker)
    upstream_port, app_port = free_port(), free_port()
    upstream = f"http://127.0.0.1:{upstream_port}"
    env = {
        "LETTERCAST_DATABASE_URL": database_url,
        "LETTERCAST_MIGRATE_ON_START": "false",
        "LETTERCAST_CENSUS_GEOCODER_URL": upstream,
        "LETTERCAST_LOOKUP_RETRIES": "0",
        "LETTERCAST_RUN_WORKER_IN_PROCESS": "false" if options.no_worker else "true",
        "LETTERCAST_WEBHOOK_URL": f"{upstream}/webhook",
        "LETTERCAST_WEBHOOK_SECRET": "bench-secret",
        "LETTERCAST_SECRET_KEY": "bench-secret-key",
        "LETTERCAST_LOG_LEVEL": "WARNING",
        # The limiter stays on; one generator on 127.0.0.1 would hit the per-address limit.
        "LETTERCAST_RATE_LIMIT_IP": "100000000",
        "LETTERCAST_MAX_REQUESTS_IN_FLIGHT": "0",
    }
    uvicorn = [sys.executable, "-m", "uvicorn", "--no-access-log", "--log-level", "warning"]
    processes = [
        start(
            [
                *uvicorn,
                "bench.submissions:upstreams_app",
                "--factory",
                "--port",
                str(upstream_port),
            ],
            env,
        ),
        start(
            [
                *uvicorn,
                "app.main:create_app",
                "--factory",
                "--port",
                str(app_port),
                "--no-proxy-headers",
                "--workers",
                str(options.workers),
            ],
            env,
        ),
    ]
    base = f"http://127.0.0.1:{app_port}"
    url = f"{base}/api/campaigns/{slug}/submissions"
    counter = [0]
    try:
        connector = aiohttp.TCPConnector(limit=options.concurrency * 4)
        async with aiohttp.ClientSession(connector=connector) as session:
            await wait_up(session, f"{upstream}/received")
            await wait_up(session, f"{base}/healthz")
            warm, _ = await flat_out(session, url, 2, options.concurrency, counter)  # warm-up
            server = processes[1].pid
            cpu = cpu_seconds(server)
            healthz_per_s, healthz_n = await trivial(
                session, f"{base}/healthz", options.seconds / 2, options.concurrency
            )
            healthz_cpu_ms = (cpu_seconds(server) - cpu) / max(1, healthz_n) * 1000
            cpu = cpu_seconds(server)
            tally, elapsed = await flat_out(
                session, url, options.seconds, options.concurrency, counter
            )
            submission_cpu_ms = (cpu_seconds(server) - cpu) / max(1, tally.created) * 1000
            per_s = tally.created / elapsed
            rate = options.rate or max(1.0, per_s / 2)
            # The in-process worker gives way to requests, so a flat-out burst leaves a backlog
            # of letters; latency is measured in the steady state after it has gone out.
            _, burst_drain_s = await drained(session, upstream, (warm, tally), options)
            # /healthz sampled beside the open-loop load: if database work blocked the event
            # loop, these trivial requests would wait behind it.
            probe = asyncio.create_task(sample(session, f"{base}/healthz", options.seconds))
            timed = await open_loop(session, url, rate, options.seconds, counter)
            probe_latencies = await probe
            idle_latencies = await sample(session, f"{base}/healthz", 2)
            received, drain_s = await drained(session, upstream, (warm, tally, timed), options)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=15)
    counts = row_counts(database_url)
    attempts = counter[0]
    non_201 = {s: c for s, c in (tally.statuses | timed.statuses).items() if s != 201}
    print(f"machine: {os.cpu_count()} cores; SQLite WAL at {database_url}")
    print(f"worker in process: {not options.no_worker} (webhook to a local receiver)")
    print("rate limiter: on, per-address limit raised to 100,000,000/min for the one generator")
    print(f"trivial GET /healthz flat out: {healthz_per_s:,.0f} req/s")
    print(
        f"submissions flat out, concurrency {options.concurrency}, {elapsed:.1f}s: "
        f"{per_s:,.1f}/s (p50 {pct(tally.latencies, 0.5):.1f} ms, "
        f"p99 {pct(tally.latencies, 0.99):.1f} ms)"
    )
    if not options.no_worker:
        print(f"letters of the flat-out burst all delivered {burst_drain_s:.1f}s after it ended")
    print(
        f"open loop at {rate:,.1f}/s for {options.seconds:.0f}s: {timed.created} accepted, "
        f"p50 {pct(timed.latencies, 0.5):.1f} ms, p99 {pct(timed.latencies, 0.99):.1f} ms"
    )
    print(f"answers other than 201: {non_201 or 'none'}")
    print(
        f"/healthz beside the open-loop load: p50 {pct(probe_latencies, 0.5):.1f} ms, "
        f"p99 {pct(probe_latencies, 0.99):.1f} ms (idle: p50 {pct(idle_latencies, 0.5):.1f} ms, "
        f"p99 {pct(idle_latencies, 0.99):.1f} ms)"
    )
    print(
        f"server CPU per request (user+sys of the API process, worker included): "
        f"/healthz {healthz_cpu_ms:.2f} ms, submission {submission_cpu_ms:.2f} ms; "
        f"on one core of its own the server would do about {1000 / submission_cpu_ms:,.0f} "
        f"submissions/s (machine load average now {os.getloadavg()[0]:.1f})"
    )
    print(
        f"rows: {counts}; webhook receiver got {received} letters, the last "
        f"{drain_s:.1f}s after the load stopped"
    )
    tallies = (warm, tally, timed)
    created = sum(t.created for t in tallies)
    letters = sum(t.letters for t in tallies)
    checks = {
        "every request answered": attempts == sum(sum(t.statuses.values()) for t in tallies),
        "one supporter per accepted submission": counts["supporter"] == created,
        "every letter answered is stored": counts["letter"] == letters,
        "one delivery job per letter": counts["delivery"] == counts["letter"],
        "at least 3 letters per submission": letters >= 3 * created,
        "no server errors": not any(s >= 500 for t in tallies for s in t.statuses),
        "every letter delivered": options.no_worker or received == counts["letter"],
    }
    for check, ok in checks.items():
        print(f"check {check}: {'ok' if ok else 'FAILED'}")
    ratio = per_s / healthz_per_s if healthz_per_s else 0.0
    print(
        f"RESULT submissions_per_s={per_s:.1f} p99_ms={pct(timed.latencies, 0.99):.1f} "
        f"ratio_vs_trivial={ratio:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=None, help="open-loop rate (default: half)")
    parser.add_argument("--no-worker", action="store_true", help="in-process worker off")
    parser.add_argument(
        "--workers", type=int, default=1, help="API processes (uvicorn --workers; default 1)"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
