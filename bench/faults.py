"""Faults during load: SIGKILLed workers and API processes, a crashed database, a failing
downstream. Afterwards nothing accepted is lost and nothing is doubled at the receiver.

Runs its OWN PostgreSQL cluster (initdb into a temp dir, a spare port on 127.0.0.1, as the
`postgres` user), never the machine's shared server, so it can crash and restart it. Two
`lettercast serve` processes (one port each) and two `lettercast worker` processes share it; the
stand-in geocoder and the deduplicating webhook receiver run as their own processes (1 in 50
letters is refused permanently, so some must end `dead` with the receiver's reason).

The client behaves like a careful app: every submission carries an Idempotency-Key and is
retried with it after a dropped connection, a 409 or a 503 (after Retry-After); one in ten
submissions is a supporter writing again. Meanwhile, on a fixed schedule scaled to
``--seconds``: a worker is SIGKILLed and restarted every ~1/8 of the run, an API process every
~1/6, the database is crashed (`pg_ctl stop -m immediate`) and restarted twice, the receiver
answers 500 for a while and later answers too slowly (after the worker's timeout, having
accepted the letter: the lost-acknowledgement case that makes re-sends). Processes that exit
on their own are restarted too (as a supervisor would) and counted.

    .venv/bin/python bench/faults.py [--seconds 120] [--rate 20]

Last line: RESULT accepted=<n> letters=<n> sent=<n> dead=<n> lost=<n> doubled=<n> raw_resends=<n>
"""

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.db import make_engine
from bench._harness import (
    Cluster,
    Fleet,
    Upstreams,
    free_port,
    private_cluster,
    seed,
    service_env,
    upstreams,
    wait_http,
)
from bench._traffic import Audit, Step, Traffic, audit, wait_drained
from bench._upstreams import refused

REFUSE_EVERY = 50  # 1 in 50 letters is refused permanently by the receiver
FAULT_SETTINGS = {
    # A killed worker's jobs come back within seconds, not the default 30.
    "LETTERCAST_DELIVERY_LEASE_S": "3",
    "LETTERCAST_DELIVERY_POLL_S": "0.1",
    "LETTERCAST_DELIVERY_BACKOFF_BASE_S": "0.3",
    "LETTERCAST_DELIVERY_BACKOFF_MAX_S": "3",
    # Enough attempts to outlast the downstream's outage: only refused letters may die.
    "LETTERCAST_DELIVERY_MAX_ATTEMPTS": "40",
    "LETTERCAST_WEBHOOK_TIMEOUT_S": "2",
    "LETTERCAST_LOOKUP_RETRIES": "1",
}


@dataclass
class Faults:
    """The schedule's events, and what happened."""

    cluster: Cluster | None
    fleet: Fleet
    up: Upstreams
    seconds: float
    events: list[str] = field(default_factory=list)
    unexpected_exits: int = 0
    started: float = field(default_factory=time.monotonic)

    def note(self, what: str) -> None:
        line = f"  t={time.monotonic() - self.started:6.1f}s {what}"
        self.events.append(line)
        print(line, flush=True)

    def schedule(
        self, worker_kills: int = 7, api_kills: int = 5, db_crashes: int = 2
    ) -> list[tuple[float, str, Callable[[], None]]]:
        s = self.seconds
        rng = random.Random(10)
        plan: list[tuple[float, str, Callable[[], None]]] = []
        for i in range(1, worker_kills + 1):
            plan.append((s * i / (worker_kills + 1), "SIGKILL a worker", self.kill_worker(rng)))
        ports = self.fleet.api_ports
        for i in range(api_kills):
            port = ports[i % len(ports)]
            at = s * (i + 0.6) / (api_kills + 0.5)
            plan.append((at, f"SIGKILL the API process on :{port}", self.kill_api(port)))
        if self.cluster is not None:
            for i in range(db_crashes):
                at = s * (0.3 + 0.4 * i / max(1, db_crashes - 1))
                plan.append((at, "crash the database (pg_ctl stop -m immediate)", self.crash))
        plan.append((0.45 * s, "receiver answers 500", lambda: self.up.mode(500)))
        plan.append((0.55 * s, "receiver answers ok", lambda: self.up.mode("ok")))
        plan.append(
            (
                0.8 * s,
                "receiver answers after 3 s (past the 2 s timeout)",
                lambda: self.up.mode(["slow", 3]),
            )
        )
        plan.append((0.87 * s, "receiver answers ok", lambda: self.up.mode("ok")))
        return sorted(plan, key=lambda event: event[0])

    def kill_worker(self, rng: random.Random) -> Callable[[], None]:
        def kill() -> None:
            pid = self.fleet.kill_worker(rng.randrange(len(self.fleet.workers)))
            self.note(f"  worker pid {pid} killed; starting a replacement")
            self.fleet.start_worker()

        return kill

    def kill_api(self, port: int) -> Callable[[], None]:
        def kill() -> None:
            # Behind a load balancer the other process keeps serving; never kill both at once.
            for other in self.fleet.api_ports:
                if other != port:
                    wait_http(f"http://127.0.0.1:{other}/readyz", 120)
            self.fleet.kill_api(port)
            time.sleep(1.0)
            self.fleet.start_api(port)

        return kill

    def crash(self) -> None:
        assert self.cluster is not None
        self.cluster.crash()
        time.sleep(2.0)  # clients and workers meet a dead database for a while
        self.cluster.start()
        self.note("  database back up")

    def supervise(self) -> None:
        """Restart processes that exited by themselves (what systemd or Kubernetes would do)."""
        for port, process in list(self.fleet.apis.items()):
            if process.poll() is not None:
                self.unexpected_exits += 1
                self.note(f"API on :{port} exited by itself ({process.returncode}); restarting")
                del self.fleet.apis[port]
                self.fleet.start_api(port)
        for process in list(self.fleet.workers):
            if process.poll() is not None:
                self.unexpected_exits += 1
                self.note(f"worker pid {process.pid} exited by itself; restarting")
                self.fleet.workers.remove(process)
                self.fleet.start_worker()

    async def run(self, stop: asyncio.Event, **counts: int) -> None:
        self.started = time.monotonic()
        for at, what, action in self.schedule(**counts):
            while time.monotonic() - self.started < at and not stop.is_set():
                await asyncio.to_thread(self.supervise)
                await asyncio.sleep(0.25)
            if stop.is_set():
                return
            self.note(what)
            await asyncio.to_thread(action)
        while not stop.is_set():
            await asyncio.to_thread(self.supervise)
            await asyncio.sleep(0.25)


async def _load_with_faults(
    faults: Faults, slug: str, rate: float, counts: dict[str, int]
) -> tuple[Step, dict[str, set[int]]]:
    bases = [f"http://127.0.0.1:{port}" for port in faults.fleet.api_ports]
    stop = asyncio.Event()
    async with Traffic(bases, slug, retries=4) as traffic:
        chaos = asyncio.create_task(faults.run(stop, **counts))
        step = await traffic.run(rate, faults.seconds, repeat_every=10)
        stop.set()
        await chaos
        return step, traffic.accepted


def run_faults(
    database_url: str,
    cluster: Cluster | None,
    logs: Path,
    *,
    seconds: float,
    rate: float,
    drain_s: float = 300.0,
    **counts: int,
) -> tuple[Step, Audit, dict[str, object], Faults]:
    """Load with faults, then drain and audit; ``counts``: worker_kills, api_kills, db_crashes."""
    slug = seed(database_url)
    with upstreams(logs, refuse_every=REFUSE_EVERY) as up:
        env = service_env(database_url, up, **FAULT_SETTINGS)
        fleet = Fleet(env, logs, [free_port(), free_port()], api_workers=1)
        faults = Faults(cluster, fleet, up, seconds)
        try:
            fleet.start(2)
            fleet.wait_ready()
            step, accepted = asyncio.run(_load_with_faults(faults, slug, rate, counts))
            up.mode("ok")
            faults.supervise()
            engine = make_engine(database_url)
            drained = wait_drained(engine, drain_s)
            faults.note(f"queue drained in {drained:.1f}s after the load ended")
            keys = up.keys()
            result = audit(engine, accepted, set(keys["accepted"]))  # type: ignore[call-overload]
            engine.dispose()
        finally:
            fleet.stop()
    return step, result, keys, faults


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="length of the load")
    parser.add_argument("--rate", type=float, default=20.0, help="submissions offered per second")
    parser.add_argument("--drain-seconds", type=float, default=300.0)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    logs = Path(tempfile.mkdtemp(prefix="lettercast-faults-logs-"))
    print(f"process logs: {logs}")
    with private_cluster() as (cluster, directory):
        print(f"private PostgreSQL cluster on 127.0.0.1:{cluster.port} in {directory}")
        step, a, keys, faults = run_faults(
            cluster.url,
            cluster,
            logs,
            seconds=args.seconds,
            rate=args.rate,
            drain_s=args.drain_seconds,
        )
    print(
        f"load: offered {args.rate:.0f}/s for {args.seconds:.0f}s; answers {step.counts()}; "
        f"client retries {step.retries}; repeats answered with other letters "
        f"{step.mismatched_repeats}; load phase {step.elapsed:.0f}s, slowest request "
        f"{step.slowest:.1f}s (retries included)"
    )
    print(
        f"server errors (5xx other than 503 + Retry-After): {step.server_errors}; "
        f"shed without Retry-After: {step.shed_without_retry_after}; "
        f"processes that exited by themselves: {faults.unexpected_exits}"
    )
    print(
        f"receiver: {keys['raw']} requests, {len(keys['accepted'])} unique keys accepted "  # type: ignore[arg-type]
        f"(all sent jobs in the database: {a.all_sent}), {keys['raw_resends']} raw re-sends "
        f"deduplicated, {keys['failed_answers']} failed on purpose; delivered yet not `sent` in "
        f"the database: {a.received_not_sent}"
    )
    print(f"accepted letters by final status: {a.statuses}")
    # Only letters the receiver refused may die, with its words: the outage was outlasted.
    wrongly_dead = [
        key
        for key, reason in a.dead_reasons.items()
        if not refused(key, REFUSE_EVERY) or "Recipient address" not in reason
    ]
    print(f"dead letters the receiver never refused (or without its reason): {len(wrongly_dead)}")
    ok = a.lost == 0 and a.doubled == 0 and step.server_errors == 0 and not wrongly_dead
    print(f"check nothing lost, nothing doubled, no server errors: {'ok' if ok else 'FAILED'}")
    print(
        f"RESULT accepted={a.accepted} letters={a.letters} sent={a.sent} dead={a.dead} "
        f"lost={a.lost} doubled={a.doubled} raw_resends={keys['raw_resends']}"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
