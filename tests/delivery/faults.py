"""Kill-and-restart harness shared by the suite's short fault test and bench/delivery_faults.py.

Several ``lettercast worker`` processes drain one PostgreSQL outbox into the stand-in receiver
while this harness SIGKILLs them mid-run and starts replacements. At each kill it counts the jobs
the dead worker held (status ``sending``, claimed by its pid): only those may be sent twice.
"""

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.delivery.models import Delivery
from tests.delivery.receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]
LETTERCAST = str(Path(sys.executable).parent / "lettercast")


@dataclass
class FaultRun:
    kills: int = 0
    # A worker stopped with SIGTERM mid-run: its exit code, and the claims it left behind.
    stopped_exit_code: int | None = None
    stopped_left_claims: int = 0
    held_at_kills: int = 0  # jobs claimed by workers at the moment they were killed
    raw_requests: int = 0
    duplicates: int = 0  # accepted-again requests, i.e. re-sends the receiver deduplicated
    statuses: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    marks: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        return (
            f"sigterm_exit={self.stopped_exit_code} sigterm_left={self.stopped_left_claims} "
            f"kills={self.kills} held_at_kills={self.held_at_kills} raw={self.raw_requests} "
            f"re_sends={self.duplicates} statuses={self.statuses} seconds={self.seconds:.1f} "
            f"marks={ {k: round(v, 1) for k, v in self.marks.items()} }"
        )


def worker_env(database_url: str, receiver_url: str, secret: str) -> dict[str, str]:
    return os.environ | {
        "LETTERCAST_DATABASE_URL": database_url,
        "LETTERCAST_WEBHOOK_URL": receiver_url + "/hook",
        "LETTERCAST_WEBHOOK_SECRET": secret,
        "LETTERCAST_WEBHOOK_TIMEOUT_S": "2",
        "LETTERCAST_DELIVERY_LEASE_S": "1.5",
        "LETTERCAST_DELIVERY_POLL_S": "0.05",
        "LETTERCAST_DELIVERY_BACKOFF_BASE_S": "0.05",
        "LETTERCAST_DELIVERY_BACKOFF_MAX_S": "0.3",
        "LETTERCAST_DELIVERY_MAX_ATTEMPTS": "12",
        "LETTERCAST_LOG_LEVEL": "WARNING",
        "LETTERCAST_MIGRATE_ON_START": "false",
    }


# ``lettercast worker`` itself, or the same command through ``python -m app.delivery.worker``,
# which skips importing every other domain's CLI and so starts in about half the time.
LETTERCAST_WORKER = [LETTERCAST, "worker"]
MODULE_WORKER = [sys.executable, "-m", "app.delivery.worker"]


def start_worker(
    env: dict[str, str], concurrency: int, command: list[str]
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*command, "--concurrency", str(concurrency)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _pending(session: Session) -> int:
    waiting = ("queued", "failed", "sending")
    query = select(func.count()).select_from(Delivery).where(Delivery.status.in_(waiting))  # type: ignore[attr-defined]
    return int(session.execute(query).scalar_one())


def _held_by(session: Session, pid: int) -> int:
    query = (
        select(func.count())
        .select_from(Delivery)
        .where(Delivery.status == "sending", Delivery.claimed_by.like(f"%:{pid}:%"))  # type: ignore[union-attr]
    )
    return int(session.execute(query).scalar_one())


def _busy_worker(
    engine: Engine, procs: list[subprocess.Popen[bytes]], deadline: float
) -> subprocess.Popen[bytes]:
    """A worker that holds claims right now (so it is past start-up and mid-run)."""
    while time.monotonic() < deadline:
        with Session(engine) as session:
            for proc in procs:
                if _held_by(session, proc.pid):
                    return proc
        time.sleep(0.02)
    return procs[-1]


def run_with_kills(
    engine: Engine,
    receiver: Receiver,
    env: dict[str, str],
    *,
    workers: int = 3,
    concurrency: int = 8,
    kills: int = 3,
    kill_every_s: float = 0.7,
    timeout_s: float = 60.0,
    seed: int = 11,
    command: list[str] = LETTERCAST_WORKER,
) -> FaultRun:
    rng = random.Random(seed)
    run = FaultRun()
    started = time.monotonic()
    marks: dict[str, float] = {}
    procs = [start_worker(env, concurrency, command) for _ in range(workers)]
    try:
        while receiver.raw_count() < 20 and time.monotonic() - started < timeout_s:
            time.sleep(0.05)
        marks["first_sends"] = time.monotonic() - started
        stopped = _busy_worker(engine, procs, deadline=started + timeout_s)
        procs.remove(stopped)
        stopped.send_signal(signal.SIGTERM)
        run.stopped_exit_code = stopped.wait(30)
        with Session(engine) as session:
            run.stopped_left_claims = _held_by(session, stopped.pid)
        procs.append(start_worker(env, concurrency, command))
        for _ in range(kills):
            time.sleep(kill_every_s)
            rng.shuffle(procs)
            victim = _busy_worker(engine, procs, deadline=time.monotonic() + 5)
            procs.remove(victim)
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            with Session(engine) as session:
                run.held_at_kills += _held_by(session, victim.pid)
            run.kills += 1
            procs.append(start_worker(env, concurrency, command))
        marks["kills_done"] = time.monotonic() - started
        while time.monotonic() - started < timeout_s:
            with Session(engine) as session:
                if _pending(session) == 0:
                    break
            time.sleep(0.1)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
    run.seconds = time.monotonic() - started
    run.marks = marks
    run.raw_requests = receiver.raw_count()
    ok = [r.key for r in receiver.requests if r.status == 200]
    run.duplicates = len(ok) - len(set(ok))
    with Session(engine) as session:
        rows = session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))
        run.statuses = {status: count for status, count in rows}
    return run
