"""Open-loop submission traffic and the after-run audit of every accepted letter.

Requests start on a fixed schedule whatever the answers do, and latency counts from each
request's scheduled start, so a server that falls behind cannot hide its queueing. Every
submission is a distinct supporter (``bench/submissions.py``'s bodies: 6 letters each, spread
over 52 House districts); ``repeat_every`` re-submits an earlier supporter (expecting 200 and the
same letters) and ``retries`` makes the client act like a careful app: the same
``Idempotency-Key`` again after a dropped connection, a 409 or a 503, after ``Retry-After``.
"""

import asyncio
import itertools
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bench.submissions import body, pct

SHED = {429, 503}


@dataclass
class Step:
    offered: float
    seconds: float
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)  # of 2xx answers
    shed_without_retry_after: int = 0
    connection_errors: int = 0
    timeouts: int = 0  # the client gave up waiting (40 s)
    retries: int = 0
    accepted: dict[str, set[int]] = field(default_factory=dict)  # token -> letter ids
    mismatched_repeats: int = 0  # a 200 whose letters differ from the first answer's
    elapsed: float = 0.0
    slowest: float = 0.0  # seconds, any answer or error, retries included

    @property
    def ok(self) -> int:
        return self.statuses[201] + self.statuses[200]

    @property
    def achieved(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    @property
    def server_errors(self) -> int:
        """5xx other than a 503 shed with Retry-After (those count in ``shed_without_...``)."""
        return sum(c for s, c in self.statuses.items() if s >= 500 and s != 503)

    def p(self, q: float) -> float:
        return pct(self.latencies, q)

    def counts(self) -> str:
        other = {s: c for s, c in self.statuses.items() if s not in {200, 201, 429, 503}}
        return (
            f"201={self.statuses[201]} 200={self.statuses[200]} 429={self.statuses[429]} "
            f"503={self.statuses[503]} other={sum(other.values())}{other or ''} "
            f"conn_err={self.connection_errors} timeouts={self.timeouts}"
        )


class Traffic:
    """One generator of submissions against one or more API base URLs (round robin)."""

    def __init__(self, bases: list[str], slug: str, *, start: int = 0, retries: int = 0) -> None:
        self.urls = [f"{b}/api/campaigns/{slug}/submissions" for b in bases]
        self.counter = itertools.count(start)
        self.retries = retries
        self.first_answers: dict[int, set[int]] = {}
        self.accepted: dict[str, set[int]] = {}  # every accepted token -> letter ids, all steps
        self.session: aiohttp.ClientSession | None = None
        self.retry_until = 0.0

    async def __aenter__(self) -> "Traffic":
        connector = aiohttp.TCPConnector(limit=4000, force_close=False)
        timeout = aiohttp.ClientTimeout(total=40)
        self.session = aiohttp.ClientSession(connector=connector, timeout=timeout)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.session is not None
        await self.session.close()

    async def _post_once(self, url: str, n: int, key: str, step: Step) -> tuple[int, Any, str]:
        assert self.session is not None
        headers = {"Idempotency-Key": key}
        async with self.session.post(url, json=body(n), headers=headers) as response:
            answer = await response.json() if response.status in (200, 201) else None
            if response.status in SHED and not response.headers.get("Retry-After"):
                step.shed_without_retry_after += 1
            return response.status, answer, response.headers.get("Retry-After", "1")

    async def submit(self, n: int, step: Step, scheduled: float, attempt_key: str) -> None:
        for attempt in range(self.retries + 1):
            url = self.urls[(n + attempt) % len(self.urls)]  # a retry may reach another process
            try:
                status, answer, retry_after = await self._post_once(url, n, attempt_key, step)
            except TimeoutError:  # no answer within the client's patience (ClientTimeout)
                step.timeouts += 1
                status, answer, retry_after = 0, None, "0.5"
            except aiohttp.ClientError:
                step.connection_errors += 1
                status, answer, retry_after = 0, None, "0.5"
            if status != 0:
                step.statuses[status] += 1
            step.slowest = max(step.slowest, time.perf_counter() - scheduled)
            if status in (200, 201):
                step.latencies.append(time.perf_counter() - scheduled)
                letters = {letter["id"] for letter in answer["letters"]}
                earlier = self.first_answers.setdefault(n, letters)
                step.mismatched_repeats += earlier != letters
                step.accepted[answer["token"]] = letters
                self.accepted[answer["token"]] = letters
                return
            if status not in (0, 409, 503) or attempt == self.retries:
                return
            if time.perf_counter() > self.retry_until:
                return  # the run is over; a real client would give up here too
            step.retries += 1
            await asyncio.sleep(min(float(retry_after or 1), 5.0))

    async def run(self, rate: float, seconds: float, repeat_every: int = 0) -> Step:
        step = Step(rate, seconds)
        self.retry_until = time.perf_counter() + seconds + 10
        rng = random.Random(len(self.first_answers))
        tasks = []
        started = time.perf_counter()
        for i in range(int(rate * seconds)):
            scheduled = started + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            n = next(self.counter)
            if repeat_every and i % repeat_every == repeat_every - 1 and self.first_answers:
                n = rng.choice(list(self.first_answers))  # a supporter writing again
            key = f"bench-{n}-{i}-{started:.3f}"
            tasks.append(asyncio.create_task(self.submit(n, step, scheduled, key)))
        await asyncio.gather(*tasks)
        step.elapsed = time.perf_counter() - started
        return step


async def trivial_rate(bases: list[str], seconds: float, concurrency: int = 32) -> float:
    """The reference: `/healthz` flat out on the same servers, same client, same run."""
    done = 0
    deadline = time.perf_counter() + seconds
    async with aiohttp.ClientSession() as session:

        async def loop(i: int) -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                async with session.get(f"{bases[i % len(bases)]}/healthz") as response:
                    await response.read()
                    done += 1

        started = time.perf_counter()
        await asyncio.gather(*(loop(i) for i in range(concurrency)))
    return done / (time.perf_counter() - started)


def pending(engine: Engine) -> int:
    with engine.connect() as connection:
        query = text("SELECT count(*) FROM delivery WHERE status IN ('queued','sending','failed')")
        return int(connection.execute(query).scalar_one())


def wait_drained(engine: Engine, timeout_s: float, progress: bool = True) -> float:
    started = time.monotonic()
    last = -1.0
    while time.monotonic() - started < timeout_s:
        left = pending(engine)
        if left == 0:
            return time.monotonic() - started
        if progress and time.monotonic() - last >= 5:
            print(f"  draining: {left} deliveries still waiting", flush=True)
            last = time.monotonic()
        time.sleep(0.5)
    return time.monotonic() - started


@dataclass
class Audit:
    accepted: int
    letters: int
    sent: int
    dead: int
    lost: int  # accepted letters missing, unfinished, or dead without a reason
    # Letters or supporters stored twice, plus unique keys at the receiver beyond `sent` jobs.
    doubled: int
    statuses: dict[str, int]
    all_sent: int = 0  # every `sent` job in the database, accepted answers or not
    received_not_sent: int = 0  # delivered, yet the database says otherwise (e.g. dead)
    dead_reasons: dict[str, str] = field(default_factory=dict)  # idempotency key -> last error


def audit(engine: Engine, accepted: dict[str, set[int]], receiver_keys: set[str]) -> Audit:
    """Every accepted submission's letters exist and ended (sent ones really at the receiver);
    nothing exists twice. Submissions whose answer never arrived (a killed server) may exist
    too; they must end as well, but only accepted ones count as lost."""
    ids = set().union(*accepted.values()) if accepted else set()
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT letter_id, status, last_error, idempotency_key FROM delivery")
        ).all()
        tokens = {t for (t,) in connection.execute(text("SELECT token FROM supporter")).all()}
        twice = connection.execute(
            text(
                "SELECT (SELECT count(*) FROM (SELECT 1 FROM letter GROUP BY supporter_id, "
                "office_key HAVING count(*) > 1) a) + (SELECT count(*) FROM (SELECT 1 FROM "
                "supporter GROUP BY campaign_id, email_normalized HAVING count(*) > 1) b)"
            )
        ).scalar_one()
    by_letter = {r.letter_id: r for r in rows}
    sent_keys = {r.idempotency_key for r in rows if r.status == "sent"}
    mine = [by_letter[i] for i in ids if i in by_letter]
    # Ended well: sent and really at the receiver, or dead with a reason.
    ended = [
        r
        for r in mine
        if (r.status == "sent" and r.idempotency_key in receiver_keys)
        or (r.status == "dead" and r.last_error)
    ]
    statuses = Counter(r.status for r in mine)
    return Audit(
        accepted=len(accepted),
        letters=len(ids),
        sent=statuses["sent"],
        dead=statuses["dead"],
        lost=len(ids) - len(ended) + len(set(accepted) - tokens),
        doubled=int(twice) + max(0, len(receiver_keys) - len(sent_keys)),
        statuses=dict(statuses),
        all_sent=len(sent_keys),
        received_not_sent=len(receiver_keys - sent_keys),
        dead_reasons={r.idempotency_key: r.last_error or "" for r in mine if r.status == "dead"},
    )
