"""Submissions at rising open-loop rates against 2 API processes and 2 workers on PostgreSQL.

Set-up, all on this machine (2 cores): a throwaway database on the shared PostgreSQL server
(127.0.0.1:5432, dropped at the end); `lettercast serve --workers 2` (in-process worker off) and
two `lettercast worker` processes; the stand-in Census Geocoder and the deduplicating webhook
receiver as two more processes; this process generates the load (aiohttp). The rate limiter is
ON, with the per-address limit raised (all traffic comes from one address) — every request is
still counted in PostgreSQL. Load shedding is the service's default (503 + Retry-After past
LETTERCAST_MAX_REQUESTS_IN_FLIGHT per process).

Each step offers one rate for ``--seconds``; steps rise until p99 reaches 100 ms or answers
other than 201 appear (twice in a row: a step that misses is tried once more, since other work
on a shared machine can spoil one), then one overload step at three times that rate checks
that the service sheds (429/503 with Retry-After) rather than failing. Then the queue drains
and every accepted submission's letters are checked: `sent` (and at the receiver) or `dead`
with a reason.

    .venv/bin/python bench/load.py [--seconds 8] [--rates 10,25,50,...] [--max-in-flight N]

Last line: RESULT max_rate_p99_under_100ms=<n> p99_ms_at_that_rate=<n> server_errors=<n>
lost=<n> ratio_vs_trivial=<r>
"""

import argparse
import asyncio
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import Settings
from app.db import make_engine
from bench._harness import Fleet, free_port, seed, service_env, upstreams
from bench._traffic import Audit, Step, Traffic, audit, trivial_rate, wait_drained
from tests.databases import postgres_database

RATES = (10, 25, 50, 100, 150, 200, 250, 300, 400, 500, 600, 800)


@dataclass
class LoadRun:
    steps: list[Step]
    overload: Step | None
    trivial_per_s: float
    audit: Audit
    drained_s: float

    @property
    def held(self) -> Step | None:
        good = [s for s in self.steps if s.p(0.99) < 100 and set(s.statuses) <= {201}]
        return max(good, key=lambda s: s.offered, default=None)

    @property
    def server_errors(self) -> int:
        steps = [*self.steps, *([self.overload] if self.overload else [])]
        return sum(s.server_errors + s.shed_without_retry_after for s in steps)


async def _drive(
    bases: list[str], slug: str, rates: list[float], seconds: float, trivial_s: float
) -> tuple:
    trivial = await trivial_rate(bases, trivial_s) if trivial_s else 0.0
    print(f"reference: GET /healthz flat out on the same servers: {trivial:,.0f} req/s")
    steps: list[Step] = []
    overload = None
    async with Traffic(bases, slug) as traffic:
        # Warm every process (templates compiled, pools filled, caches loaded) before measuring.
        await traffic.run(20, 4.0)
        for rate in rates:
            step = await traffic.run(rate, seconds)
            steps.append(step)
            print(_line("step", step), flush=True)
            if _missed(step):
                # Other work on a shared machine can spoil one step; a rate counts as missed
                # only when a second try misses too (both are printed and kept).
                step = await traffic.run(rate, seconds)
                steps.append(step)
                print(_line("again", step), flush=True)
            if _missed(step):
                overload = await traffic.run(rate * 3, seconds)
                print(_line("overload", overload), flush=True)
                break
        accepted = traffic.accepted
    return steps, overload, trivial, accepted


def _missed(step: Step) -> bool:
    return step.p(0.99) >= 100 or bool(set(step.statuses) - {201})


def _line(label: str, step: Step) -> str:
    return (
        f"{label:8} offered {step.offered:6.0f}/s achieved {step.achieved:6.1f}/s "
        f"p50 {step.p(0.5):7.1f} ms p99 {step.p(0.99):7.1f} ms  {step.counts()}"
        + (f" shed_without_retry_after={n}" if (n := step.shed_without_retry_after) else "")
    )


def run_load(
    database_url: str,
    logs: Path,
    *,
    rates: list[float],
    seconds: float,
    api_workers: int = 2,
    workers: int = 2,
    drain_s: float = 300.0,
    trivial_s: float = 3.0,
    max_in_flight: int | None = None,
) -> LoadRun:
    slug = seed(database_url)
    with upstreams(logs, refuse_every=50) as up:
        env = service_env(
            database_url,
            up,
            **({"LETTERCAST_MAX_REQUESTS_IN_FLIGHT": str(max_in_flight)} if max_in_flight else {}),
            LETTERCAST_DELIVERY_BACKOFF_BASE_S="0.2",
            LETTERCAST_DELIVERY_BACKOFF_MAX_S="2",
        )
        fleet = Fleet(env, logs, [free_port()], api_workers=api_workers)
        try:
            fleet.start(workers)
            fleet.wait_ready()
            bases = [f"http://127.0.0.1:{port}" for port in fleet.api_ports]
            steps, overload, trivial, accepted = asyncio.run(
                _drive(bases, slug, rates, seconds, trivial_s)
            )
            engine = make_engine(database_url)
            drained = wait_drained(engine, drain_s)
            keys = set(up.keys()["accepted"])  # type: ignore[call-overload]
            result = audit(engine, accepted, keys)
            engine.dispose()
        finally:
            fleet.stop()
    return LoadRun(steps, overload, trivial, result, drained)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each step")
    parser.add_argument("--rates", default=",".join(map(str, RATES)), help="offered rates (/s)")
    parser.add_argument("--drain-seconds", type=float, default=300.0)
    parser.add_argument(
        "--max-in-flight", type=int, default=None, help="shedding bound (default: the setting's)"
    )
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    logs = Path(tempfile.mkdtemp(prefix="lettercast-load-"))
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before the run; "
        "PostgreSQL at 127.0.0.1:5432 (throwaway database)"
    )
    print("processes: lettercast serve --workers 2 (in-process worker off), 2 x lettercast worker")
    print("rate limiter: ON, per-address limit raised to 100,000,000/min (one generator address)")
    print("letters: 6 per submission through the webhook channel; 1 in 50 refused (422)")
    bound = args.max_in_flight or Settings().max_requests_in_flight
    print(f"load shedding: 503 + Retry-After past {bound} requests in flight per process")
    print(f"process logs: {logs}")
    with postgres_database() as database_url:
        run = run_load(
            database_url,
            logs,
            rates=rates,
            seconds=args.seconds,
            drain_s=args.drain_seconds,
            max_in_flight=args.max_in_flight,
        )
    a = run.audit
    print(
        f"drained in {run.drained_s:.1f}s; accepted submissions {a.accepted}, letters {a.letters}: "
        f"sent {a.sent}, dead with a reason {a.dead}, lost {a.lost}, doubled {a.doubled} "
        f"(statuses {a.statuses})"
    )
    held = run.held
    rate = held.offered if held else 0.0
    p99 = held.p(0.99) if held else 0.0
    ratio = (held.achieved if held else 0.0) / run.trivial_per_s if run.trivial_per_s else 0.0
    print(f"highest rate held with p99 < 100 ms: {rate:.0f}/s (p99 {p99:.1f} ms)")
    steps = [*run.steps, *([run.overload] if run.overload else [])]
    clean = [s for s in steps if set(s.statuses) <= {201}]
    if best := max(clean, key=lambda s: s.achieved, default=None):
        print(
            f"highest rate achieved with only 201s (any p99): {best.achieved:.1f}/s "
            f"(p99 {best.p(0.99):.0f} ms) = "
            f"{best.achieved / (run.trivial_per_s or 1):.3f} x /healthz"
        )
    print(f"ratio: submissions/s held vs /healthz req/s = {ratio:.3f}")
    print(
        f"RESULT max_rate_p99_under_100ms={rate:.0f} p99_ms_at_that_rate={p99:.1f} "
        f"server_errors={run.server_errors} lost={a.lost} ratio_vs_trivial={ratio:.3f}"
    )


if __name__ == "__main__":
    main()
