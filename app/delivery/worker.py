"""The delivery worker: claims due jobs in batches, sends them concurrently, records outcomes.

One asyncio loop runs: a claimer that keeps up to ``2 * concurrency`` jobs on hand, ``concurrency``
senders sharing one HTTP client, a recorder that writes outcomes in batches, and a heartbeat that
extends this worker's leases and re-queues the jobs of workers that died. Database work runs on
one thread of its own so the loop keeps sending while it waits. ``stop()`` lets in-flight sends
finish (up to a grace period) and hands every other claimed job back to the queue.

Run it with ``lettercast worker`` or ``python -m app.delivery.worker``; ``lettercast serve`` runs
one in-process unless ``LETTERCAST_RUN_WORKER_IN_PROCESS=false``.
"""

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
import traceback
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app import writer
from app.config import Settings
from app.db import utcnow
from app.delivery import claims
from app.delivery.channels import CHANNELS, Channel, Envelope, Outcome, Rejected, Retry
from app.delivery.claims import Job, Result
from app.delivery.envelopes import Directory, load_envelopes
from app.delivery.models import DeliveryStatus
from app.delivery.outcomes import result_for
from app.delivery.pacing import Rates
from app.http_client import make_http_client
from app.supporters import service as supporters

log = logging.getLogger("lettercast.delivery")
PURGE_EVERY_S = 3600.0
# Jobs claimed (queued or sending) at most while the API process it shares is answering requests.
SENDS_WHILE_BUSY = 2
IN_PROCESS_BATCH = 20  # the retention purge is cheap when there is nothing to erase


def make_delivery_client(settings: Settings, concurrency: int) -> httpx.AsyncClient:
    """One client for every send, with a connection per send in flight."""
    return make_http_client(
        settings, timeout=settings.webhook_timeout_s, max_connections=concurrency
    )


class Worker:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        client: httpx.AsyncClient | None = None,
        concurrency: int | None = None,
        batch: int | None = None,
        exit_when_idle: bool = False,
        worker_id: str | None = None,
        yield_to: "GiveWay | None" = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.concurrency = max(1, concurrency or settings.delivery_concurrency)
        self.batch = max(1, batch or settings.delivery_batch)
        self.exit_when_idle = exit_when_idle
        self.id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.rates = Rates.from_settings(settings)
        self.directory = Directory()
        self.stats = {"sent": 0, "retry": 0, "dead": 0, "claimed": 0}
        self._client = client
        self._own_client = client is None
        self._db = ThreadPoolExecutor(1, thread_name_prefix="delivery-db")
        # PostgreSQL: outcomes are written on a second connection while the next claim runs.
        # SQLite has one writer, so a second thread would only wait for the first.
        sqlite = engine.dialect.name == "sqlite"
        self._db_writes = (
            self._db if sqlite else ThreadPoolExecutor(1, thread_name_prefix="delivery-db-w")
        )
        self._queue: asyncio.Queue[tuple[Job, Envelope] | None] = asyncio.Queue()
        self._inflight: dict[int, Job] = {}
        self._results: list[Result] = []
        self._outstanding = 0
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._force = False
        self._closing = False
        self._next_purge = 0.0
        # In the API process: while yield_to() says requests are waiting, keep only a trickle of
        # sends going, so people on a page get the CPU and the backlog goes out once they thin.
        self._yield_to = yield_to

    def stop(self, *, force: bool = False) -> None:
        """Stop claiming; finish in-flight sends (``force``: abandon them) and release the rest."""
        self._force = self._force or force or self._stopping.is_set()
        self._stopping.set()
        self._wake.set()

    async def _in_db(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._db, fn, *args)

    async def _in_db_writes(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._db_writes, fn, *args)

    async def run(self) -> None:
        client = self._client or make_delivery_client(self.settings, self.concurrency)
        channels: dict[str, Channel] = {}
        for name, cls in CHANNELS.items():
            try:
                channels[name] = cls(client, self.settings)
            except Exception:  # its jobs wait ("not installed") rather than stop every channel
                log.exception("channel could not start", extra={"channel": name})
        log.info("worker started", extra={"worker": self.id, "concurrency": self.concurrency})
        senders = [asyncio.create_task(self._send_loop(channels)) for _ in range(self.concurrency)]
        recorder = asyncio.create_task(self._record_loop())
        heartbeat = asyncio.create_task(self._heartbeat_loop())
        try:
            await self._claim_loop()
        finally:
            await self._shut_down(senders, recorder, heartbeat)
            if self._own_client:
                await client.aclose()
            self._db.shutdown(wait=True)
            self._db_writes.shutdown(wait=True)
            log.info("worker stopped", extra={"worker": self.id, **self.stats})

    # -- claiming -------------------------------------------------------------------------

    def _claim(self, limit: int) -> list[tuple[Job, Envelope | None]]:
        now = utcnow()
        with Session(self.engine) as session, writer.one_writer(session):
            self.directory.refresh(session)
            # A paused campaign's letters wait in the queue until it is live (or closed) again.
            closed = [
                cid
                for cid, info in self.directory.campaigns.items()
                if info.paused or (info.window is not None and info.window.next_open(now) > now)
            ]
            jobs = claims.claim(
                session,
                worker_id=self.id,
                limit=limit,
                lease_s=self.settings.delivery_lease_s,
                now=now,
                rates=self.rates,
                exclude_campaigns=closed,
            )
            loaded = load_envelopes(session, jobs, self.directory)
            session.commit()
        return loaded

    def _nothing_left(self) -> bool:
        with Session(self.engine) as session:
            counts = claims.counts_by_status(session)
        waiting = (DeliveryStatus.queued, DeliveryStatus.failed, DeliveryStatus.sending)
        return not any(counts.get(status, 0) for status in waiting)

    async def _claim_loop(self) -> None:
        capacity = self.concurrency + 2 * self.batch
        threshold = min(self.batch, self.concurrency)
        if self.rates.active:
            # A paced job's slot is taken when it is claimed: claim only what can go out now,
            # so time spent waiting in this worker cannot bunch sends to one office.
            capacity, threshold = self.concurrency, max(1, self.concurrency // 4)
        while not self._stopping.is_set():
            if self._yield_to is not None and self._yield_to.busy():
                room = min(capacity, SENDS_WHILE_BUSY) - self._outstanding
                enough = 1
            else:
                room, enough = capacity - self._outstanding, threshold
            if room < enough:
                await self._pause(self.settings.delivery_poll_s)
                continue
            try:
                loaded = await self._in_db(self._claim, min(self.batch, room))
            except Exception:
                log.exception("claim failed; retrying", extra={"worker": self.id})
                await self._pause(1.0)
                continue
            if not loaded:
                idle = self.exit_when_idle and self._outstanding == 0
                if idle and await self._in_db(self._nothing_left):
                    break
                await self._pause(self.settings.delivery_poll_s)
                continue
            self.stats["claimed"] += len(loaded)
            self._outstanding += len(loaded)
            for job, envelope in loaded:
                if envelope is None:
                    self._finish(job, Rejected("The letter no longer exists."))
                else:
                    self._queue.put_nowait((job, envelope))

    async def _pause(self, seconds: float) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)

    # -- sending --------------------------------------------------------------------------

    async def _send_loop(self, channels: dict[str, Channel]) -> None:
        while True:
            await self._give_way()
            item = await self._queue.get()
            if item is None:
                return
            job, envelope = item
            self._inflight[job.id] = job
            try:
                outcome = await self._send(channels, job, envelope)
            finally:
                self._inflight.pop(job.id, None)
            self._finish(job, outcome)

    async def _give_way(self) -> None:
        """While the API process answers requests, at most SENDS_WHILE_BUSY sends at a time."""
        give_way = self._yield_to
        while give_way is not None and give_way.busy() and len(self._inflight) >= SENDS_WHILE_BUSY:
            if self._stopping.is_set():
                return
            await give_way.until_idle()

    async def _send(self, channels: dict[str, Channel], job: Job, envelope: Envelope) -> Outcome:
        channel = channels.get(job.channel)
        if channel is None:
            return Retry(f"The {job.channel!r} channel is not installed on this worker.", 300)
        try:
            async with asyncio.timeout(self.settings.delivery_send_timeout_s):
                return await channel.send(envelope)
        except TimeoutError:
            return Retry(f"The {job.channel} channel did not finish in time.")
        except Exception as error:  # a channel bug must not kill the worker or lose the job
            # Where, not what: an exception's message may quote the letter or its writer.
            frame = traceback.extract_tb(error.__traceback__)[-1]
            log.error(
                "channel raised",
                extra={
                    "delivery_id": job.id,
                    "channel": job.channel,
                    "error": type(error).__name__,
                    "at": f"{frame.filename}:{frame.lineno}",
                },
            )
            return Retry(f"The {job.channel} channel failed: {type(error).__name__}")

    def _finish(self, job: Job, outcome: Outcome) -> None:
        campaign = self.directory.campaigns.get(job.campaign_id)
        window = campaign.window if campaign is not None else None
        result = result_for(job, outcome, self.settings, utcnow(), window)
        if result.status == DeliveryStatus.sent:
            self.stats["sent"] += 1
        elif result.status == DeliveryStatus.dead:
            self.stats["dead"] += 1
            log.warning("delivery dead", extra={"delivery_id": job.id, "channel": job.channel})
        else:
            self.stats["retry"] += 1
        self._results.append(result)

    # -- recording, heartbeat, shutdown ----------------------------------------------------

    def _record(self, results: list[Result]) -> None:
        with Session(self.engine) as session, writer.one_writer(session):
            claims.record(session, self.id, results, utcnow())
            session.commit()

    async def _flush(self) -> bool:
        if not self._results:
            return True
        batch, self._results = self._results, []
        try:
            await self._in_db_writes(self._record, batch)
        except asyncio.CancelledError:
            # Keep them: writing them twice is harmless (the claim check no longer matches).
            self._results[:0] = batch
            raise
        except Exception as error:
            # No traceback: the driver's error quotes the parameters, i.e. downstream messages.
            log.error(
                "recording outcomes failed; will retry",
                extra={"worker": self.id, "error": type(error).__name__},
            )
            self._results[:0] = batch
            return False
        self._outstanding -= len(batch)
        self._wake.set()  # room for the claimer
        return True

    async def _record_loop(self) -> None:
        while not self._closing:
            await asyncio.sleep(0.02)  # gather outcomes into batches
            if not await self._flush():
                await asyncio.sleep(1.0)

    def _maintain(self) -> None:
        now = utcnow()
        with Session(self.engine) as session, writer.one_writer(session):
            claims.extend_leases(session, self.id, self.settings.delivery_lease_s, now)
            recovered = claims.requeue_expired(session, now, self.settings.delivery_max_attempts)
            for cid, info in self.directory.campaigns.items():
                if info.window is not None and (opens := info.window.next_open(now)) > now:
                    claims.defer_campaign(session, cid, opens)
            session.commit()
        if recovered:
            log.warning("re-queued jobs of a stopped worker", extra={"jobs": recovered})
        if time.monotonic() >= self._next_purge:
            self._next_purge = time.monotonic() + PURGE_EVERY_S
            self._purge()

    def _purge(self) -> None:
        """Erase supporters past the retention period (if one is set), a batch at a time."""
        erased = 0
        with Session(self.engine) as session:
            while batch := supporters.purge_expired(session, self.settings):
                session.commit()
                erased += batch
        if erased:
            log.info("erased supporters past retention", extra={"supporters": erased})

    async def _heartbeat_loop(self) -> None:
        interval = max(0.5, self.settings.delivery_lease_s / 3)
        last: dict[str, int] = {}
        while True:
            try:
                await self._in_db_writes(self._maintain)
            except Exception:
                log.exception("heartbeat failed", extra={"worker": self.id})
            if self.stats != last:  # a quiet worker stays quiet in the logs
                log.info("worker progress", extra={"worker": self.id, **self.stats})
                last = dict(self.stats)
            await asyncio.sleep(interval)

    def _release(self, jobs: list[Job], unsent: bool) -> None:
        with Session(self.engine) as session, writer.one_writer(session):
            claims.release(session, self.id, jobs, utcnow(), unsent=unsent)
            session.commit()

    async def _hand_back(self, jobs: list[Job], unsent: bool) -> None:
        """Release claims on the way out; if the database is unreachable, leases expire instead."""
        try:
            await self._in_db(self._release, jobs, unsent)
        except Exception:
            log.exception("could not hand jobs back", extra={"worker": self.id, "jobs": len(jobs)})

    async def _shut_down(
        self, senders: list[asyncio.Task[None]], *tasks: asyncio.Task[None]
    ) -> None:
        waiting = []
        while not self._queue.empty():
            item = self._queue.get_nowait()
            if item is not None:
                waiting.append(item[0])
        for _ in senders:
            self._queue.put_nowait(None)
        if waiting:
            await self._hand_back(waiting, True)
            self._outstanding -= len(waiting)
        grace = 0.0 if self._force else self.settings.delivery_shutdown_grace_s
        _, pending = await asyncio.wait(senders, timeout=grace) if senders else (set(), set())
        cut_off = list(self._inflight.values())
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        recorder, heartbeat = tasks
        heartbeat.cancel()
        self._closing = True  # the recorder finishes the batch it is writing, then stops
        await asyncio.gather(recorder, heartbeat, return_exceptions=True)
        for _ in range(3):
            if await self._flush():
                break
            await asyncio.sleep(0.5)
        if cut_off:
            await self._hand_back(cut_off, False)
        log.info(
            "released claimed jobs",
            extra={"worker": self.id, "unsent": len(waiting), "cut_off": len(cut_off)},
        )


class GiveWay(Protocol):
    """What the worker gives way to (the API's requests in flight, ``app.overload``)."""

    def busy(self) -> bool: ...

    async def until_idle(self) -> None: ...


def start_in_process(
    engine: Engine, settings: Settings, *, yield_to: GiveWay | None = None
) -> Callable[[], Awaitable[None]]:
    """Start a worker on the running loop (``lettercast serve``); returns its graceful stop.

    ``yield_to`` (the API's "requests in flight") makes it give way to them; see ``Worker``.
    """
    # Small claims: a claim holds SQLite's write lock while it loads its letters, and in this
    # process a supporter's request may be queued behind it.
    batch = min(settings.delivery_batch, IN_PROCESS_BATCH)
    worker = Worker(engine, settings, batch=batch, yield_to=yield_to)
    task = asyncio.create_task(worker.run(), name="delivery-worker")

    async def stop() -> None:
        worker.stop()
        await task

    return stop


if __name__ == "__main__":
    from app.delivery.cli import worker_app

    worker_app()
