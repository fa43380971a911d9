"""The district lookup for a submission, kept off the application's event loop.

``find_representatives`` mixes database work (the lookup cache, the offices) with one HTTP call
to the geocoder. Run on the event loop, its database calls would stall every other request
whenever SQLite's write lock or a PostgreSQL round trip makes them wait. So the whole coroutine
runs in a worker thread, on that thread's own small event loop, and only the geocoder request is
handed back to the application's loop, where the shared ``httpx.AsyncClient`` lives.
"""

import asyncio
import threading
import weakref
from dataclasses import dataclass

import httpx
from anyio import CapacityLimiter, to_thread
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.campaigns.models import Campaign
from app.config import Settings
from app.representatives.lookup import CensusGeocoder, DistrictProvider, DistrictResult
from app.representatives.service import (
    Representation,
    RepresentativeLookupError,
    find_representatives,
    offices_for_campaign,
)
from app.submissions import writer
from app.submissions.errors import SubmissionError
from app.submissions.schemas import SubmissionIn

_runners = threading.local()
# Lookups hold their thread while the geocoder answers (up to its timeout, with retries). Their own
# limiter keeps a slow geocoder from taking every thread of the default pool, which serves sync
# routes and the database sessions of the whole application.
LOOKUPS_IN_FLIGHT = 64
_limiters: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CapacityLimiter]" = (
    weakref.WeakKeyDictionary()
)


def _lookup_limiter() -> CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = CapacityLimiter(LOOKUPS_IN_FLIGHT)
    return limiter


@dataclass
class _OnLoop:
    """A district provider whose requests run on another (the application's) event loop."""

    inner: DistrictProvider
    loop: asyncio.AbstractEventLoop
    session: Session
    holds_writer: bool = False

    @property
    def name(self) -> str:
        return self.inner.name

    async def districts_for(self, query: str) -> DistrictResult:
        # End the transaction (so far only the cache lookup's read) before waiting on the
        # geocoder: no pooled connection then sits idle in a transaction for seconds, and a
        # slow geocoder cannot drain the connection pool.
        self.session.commit()
        future = asyncio.run_coroutine_threadsafe(self.inner.districts_for(query), self.loop)
        result = await asyncio.wrap_future(future)
        # The answer is cached next (a write): queue for the SQLite writer lock, which the
        # lookup lets go once that write is committed.
        self.holds_writer = writer.acquire(self.session)
        return result


def one_line_address(data: SubmissionIn) -> str:
    # street2 (apartment, suite) is left out: the geocoder matches buildings, and an unusual
    # unit designator only makes a match less likely.
    address = data.address
    return f"{address.street}, {address.city}, {address.state} {address.zip}"


async def represent(
    session: Session,
    client: httpx.AsyncClient,
    settings: Settings,
    campaign: Campaign,
    data: SubmissionIn,
) -> Representation:
    """This supporter's representatives among the campaign's targets, or a SubmissionError."""
    kinds, extra = offices_for_campaign(campaign)
    states = (campaign.targeting or {}).get("states") or None
    provider = _OnLoop(CensusGeocoder(client, settings), asyncio.get_running_loop(), session)

    def lookup() -> Representation:
        runner = getattr(_runners, "runner", None)
        if runner is None:
            runner = _runners.runner = asyncio.Runner()
        try:
            representation = runner.run(
                find_representatives(
                    session,
                    client,
                    settings,
                    address=one_line_address(data),
                    zip_code=data.address.zip,
                    office_kinds=kinds,
                    extra_office_keys=extra,
                    states=states,
                    provider=provider,
                )
            )
            # The geocoder's answer is cached in this transaction: commit it now, so no write
            # lock (SQLite's is database-wide) is held while the request moves to its next thread.
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            if provider.holds_writer:
                provider.holds_writer = False
                writer.release()
        return representation

    try:
        return await to_thread.run_sync(lookup, limiter=_lookup_limiter())
    except RepresentativeLookupError as error:
        unavailable = error.code == "upstream_unavailable"
        raise SubmissionError(
            503 if unavailable else 422,
            error.code,
            error.message,
            field=None if unavailable else "address",
            retry_after=30 if unavailable else None,
            candidates=error.candidates,
        ) from None
    except SQLAlchemyError as error:
        raise SubmissionError(
            503,
            "storage_unavailable",
            "Your representatives could not be looked up just now; please try again.",
            retry_after=5,
        ) from error
