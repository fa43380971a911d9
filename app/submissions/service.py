"""The submission service: preview, submit (the outbox transaction) and the status view.

A submission becomes, in ONE transaction, the supporter, their consent (a separate table), their
letters exactly as previewed and one delivery job per letter; the idempotency record is marked
done in that same transaction, so a replay can never see a half-written submission (``outbox.py``).

Database work never runs on the event loop, so a slow SQLite lock never stalls other requests.
``submit`` takes two hops to a worker thread: the rate limits, the duplicate check and the
geocoder cache; then the offices, the letters and the write. A geocoder call, when the address
is not cached, runs on the event loop between the two (``lookup.py``). Each hop costs about as
much CPU as a small query, so they are few.

``submit`` commits, unlike most services: an idempotency claim and rate-limit counters only work
across processes once other processes can see them, before the slow part begins.
"""

import logging
import random
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from anyio import CancelScope, to_thread
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from starlette.requests import Request

from app import writer
from app.campaigns.models import Campaign
from app.config import Settings
from app.letters.compose import LetterTemplateError
from app.representatives.service import Representation
from app.submissions import idempotency, lookup, outbox, ratelimit
from app.submissions.errors import SubmissionError
from app.submissions.letters import PlannedLetter, plan_letters
from app.submissions.schemas import SubmissionIn, SubmissionOut
from app.supporters.models import Supporter
from app.supporters.service import find_by_mailbox, get_by_token, is_same_writer, mailbox_key

__all__ = ["SubmissionError", "client_ip", "get_submission", "preview_submission", "submit"]

logger = logging.getLogger(__name__)
T = TypeVar("T")
# Roughly one request in this many also deletes expired idempotency and rate-limit rows.
_HOUSEKEEPING_EVERY = 500


def check_open(campaign: Campaign) -> None:
    if campaign.status != "live":
        raise SubmissionError(
            409,
            "campaign_not_open",
            f"This campaign is not accepting letters (it is {campaign.status}).",
        )


async def preview_submission(
    session: Session,
    client: httpx.AsyncClient,
    settings: Settings,
    campaign: Campaign,
    data: SubmissionIn,
    *,
    client_ip: str | None = None,
) -> SubmissionOut:
    """The letters this submission would send, rendered exactly as they would be sent; no writes
    (other than the geocoder cache and the rate-limit counter, committed here)."""
    check_open(campaign)
    email = mailbox_key(data.email)  # validated and normalised by the schema
    query = lookup.address_query(data)
    location = await _in_thread(_admit_preview, session, settings, client_ip, query)
    if location is None:
        location = await lookup.geocode(client, settings, query)
    representation, planned = await _in_thread(
        _plan_preview, session, settings, campaign, data, email, location
    )
    return SubmissionOut(
        token=None,
        matched_address=representation.matched_address,
        letters=[outbox.planned_out(p, None, "preview") for p in planned],
    )


async def submit(
    session: Session,
    client: httpx.AsyncClient,
    settings: Settings,
    campaign: Campaign,
    data: SubmissionIn,
    *,
    idempotency_key: str | None = None,
    client_ip: str | None = None,
) -> tuple[SubmissionOut, bool]:
    """Accept a submission; ``(answer, created)``, ``created`` meaning "answer 201".

    A repeat by the same supporter returns their existing letters, writes nothing and is not
    ``created``. A replay of an Idempotency-Key writes nothing and repeats the first answer's
    status, as the IETF draft asks: ``created`` if the first one was.
    """
    check_open(campaign)
    email = mailbox_key(data.email)  # validated and normalised by the schema
    expire_on_commit = session.expire_on_commit
    # Objects read before the first commit (the campaign) stay usable without a reload.
    session.expire_on_commit = False
    claim: idempotency.Claim | None = None
    try:
        if idempotency_key is not None:
            key = idempotency.parse_key(idempotency_key)
            payload = data.model_dump(mode="json")
            fingerprint = idempotency.fingerprint(settings, payload)
            scope = f"POST /api/campaigns/{campaign.id}/submissions"
            claim = await _in_thread(_claim, session, settings, scope, key, fingerprint)
            if claim.replay_status is not None:
                answer = await _in_thread(_replay, session, claim)
                return answer, claim.replay_status == 201
        query = lookup.address_query(data)
        earlier, location = await _in_thread(
            _admit, session, settings, campaign, data, email, client_ip, claim, query
        )
        if earlier is not None:
            return earlier, False
        if location is None:
            location = await lookup.geocode(client, settings, query)
        return await _in_thread(_write, session, settings, campaign, data, email, location, claim)
    except BaseException:
        if claim is not None and claim.replay_status is None:
            with CancelScope(shield=True):
                await _in_thread(_release, session, claim.key_hash)
        raise
    finally:
        session.expire_on_commit = expire_on_commit


def client_ip(request: Request, settings: Settings) -> str | None:
    """The client's address for rate limits (X-Forwarded-For only from trusted proxies)."""
    peer = request.client.host if request.client else None
    return ratelimit.client_address(peer, request.headers.get("x-forwarded-for"), settings)


def get_submission(session: Session, token: str) -> SubmissionOut | None:
    """A submission by its secret token, with each letter's current delivery status."""
    supporter = get_by_token(session, token)
    if supporter is None or supporter.id is None:
        return None
    return outbox.submission_out(session, supporter)


async def _in_thread(function: Callable[..., T], *args: Any) -> T:
    try:
        return await to_thread.run_sync(function, *args)
    except SQLAlchemyError as error:
        logger.warning("submission storage error", extra={"error": type(error).__name__})
        raise SubmissionError(
            503,
            "storage_unavailable",
            "Your letters could not be saved just now, and nothing was saved. "
            "Please try again in a moment.",
            retry_after=5,
        ) from None


@writer.write_transaction
def _claim(
    session: Session, settings: Settings, scope: str, key: str, fingerprint: str
) -> idempotency.Claim:
    claim = idempotency.claim(session, settings, scope, key, fingerprint)
    session.commit()
    return claim


def _replay(session: Session, claim: idempotency.Claim) -> SubmissionOut:
    supporter = session.get(Supporter, claim.replay_supporter_id)
    if supporter is None:
        raise SubmissionError(
            422,
            "idempotency_key_reused",
            "The submission this Idempotency-Key created no longer exists.",
        )
    return outbox.submission_out(session, supporter)


def _release(session: Session, key_hash: str) -> None:
    try:
        session.rollback()
        with writer.one_writer(session):
            idempotency.release(session, key_hash)
            session.commit()
    except SQLAlchemyError:
        # The claim then expires as stale (idempotency.STALE_AFTER) and may be taken over.
        logger.warning("could not release an idempotency key")
        writer.rollback_quietly(session)


@writer.write_transaction
def _admit(
    session: Session,
    settings: Settings,
    campaign: Campaign,
    data: SubmissionIn,
    email: str,
    client_ip: str | None,
    claim: idempotency.Claim | None,
    query: str,
) -> tuple[SubmissionOut | None, lookup.Location | None]:
    """Count the request against the rate limits; then either the earlier submission of this
    e-mail, when the same person (name and street address) sends again, or the cached
    districts of the address (None: ask the geocoder)."""
    if random.randrange(_HOUSEKEEPING_EVERY) == 0:
        idempotency.purge_expired(session)
        ratelimit.purge_expired(session)
    wait = ratelimit.check(session, settings, ratelimit.limits_for(settings, client_ip, email))
    if wait is not None:
        session.commit()  # refused attempts count too
        raise SubmissionError(
            429,
            "rate_limited",
            "Too many submissions from this address or e-mail; please wait and try again.",
            retry_after=wait,
        )
    supporter = find_by_mailbox(session, campaign.id or 0, email)
    if supporter is None:
        location = lookup.cached_location(session, query)
        session.commit()
        return None, location
    address = data.address
    if not is_same_writer(supporter, data.first_name, data.last_name, address.street, address.zip):
        session.commit()
        raise SubmissionError(
            409,
            "already_written",
            "This e-mail address has already been used to write to this campaign, and each "
            "person writes once. If that was you, send the same name and street address again "
            "to see those letters.",
            field="email",
        )
    answer = outbox.submission_out(session, supporter)
    if claim is not None:
        idempotency.complete(session, claim.key_hash, 200, supporter.id)
    session.commit()
    return answer, None


@writer.write_transaction
def _admit_preview(
    session: Session, settings: Settings, client_ip: str | None, query: str
) -> lookup.Location | None:
    """Count a preview against its own rate limit; the address's cached districts, if any."""
    # Previews call the geocoder too; their own budget keeps them from eating the submissions'.
    wait = None
    if client_ip is not None:
        limit = ratelimit.Limit(
            "preview-ip", client_ip, 2 * settings.rate_limit_ip, settings.rate_limit_ip_window_s
        )
        wait = ratelimit.check(session, settings, [limit])
    location = lookup.cached_location(session, query) if wait is None else None
    session.commit()
    if wait is not None:
        raise SubmissionError(
            429,
            "rate_limited",
            "Too many previews from this address; please wait and try again.",
            retry_after=wait,
        )
    return location


def _plan(
    session: Session,
    campaign: Campaign,
    representation: Representation,
    data: SubmissionIn,
    email: str,
) -> list[PlannedLetter]:
    try:
        return plan_letters(session, campaign, representation, data, email)
    except LetterTemplateError as error:
        logger.error(
            "letter template failed at submission",
            extra={"campaign_id": campaign.id, "template": error.template_name},
        )
        raise SubmissionError(
            503,
            "letters_unavailable",
            "This campaign's letters cannot be written right now; nothing was saved. "
            "The organisers need to fix a letter template.",
            retry_after=60,
        ) from None


def _plan_preview(
    session: Session,
    settings: Settings,
    campaign: Campaign,
    data: SubmissionIn,
    email: str,
    location: lookup.Location,
) -> tuple[Representation, list[PlannedLetter]]:
    _remember(session, settings, location)
    representation = lookup.represent(session, campaign, location)
    return representation, _plan(session, campaign, representation, data, email)


def _write(
    session: Session,
    settings: Settings,
    campaign: Campaign,
    data: SubmissionIn,
    email: str,
    location: lookup.Location,
    claim: idempotency.Claim | None,
) -> tuple[SubmissionOut, bool]:
    """The outbox transaction: supporter, consent, letters and their delivery jobs, or nothing.

    A fresh geocoder answer is cached in the same commit, or on its own when no letter can be
    written (an address outside the campaign's targets is just as outside next time).
    """
    try:
        representation = lookup.represent(session, campaign, location)
        planned = _plan(session, campaign, representation, data, email)
    except SubmissionError:
        _remember(session, settings, location)
        raise

    def remember(session: Session) -> None:
        lookup.remember(session, settings, location)

    return outbox.store(
        session, settings, campaign, data, email, representation, planned, claim, remember
    )


@writer.write_transaction
def _remember(session: Session, settings: Settings, location: lookup.Location) -> None:
    # Committed on its own: the answer stays cached even if this submission goes no further.
    if location.fresh:
        lookup.remember(session, settings, location)
        session.commit()
