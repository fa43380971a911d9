"""What a channel's answer means for the job: sent, retry later (and when), or dead (and why)."""

import random
from datetime import datetime, timedelta

from app.config import Settings
from app.delivery.channels import Outcome, Rejected, Sent
from app.delivery.claims import Job, Result
from app.delivery.models import DeliveryStatus
from app.delivery.pacing import SendingWindow

REASON_LIMIT = 2000


def backoff_s(settings: Settings, attempts: int) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random, so retries spread out."""
    delay = min(
        settings.delivery_backoff_max_s, settings.delivery_backoff_base_s * 2 ** (attempts - 1)
    )
    return delay / 2 + random.uniform(0, delay / 2)


def result_for(
    job: Job,
    outcome: Outcome,
    settings: Settings,
    now: datetime,
    window: SendingWindow | None = None,
) -> Result:
    """Turn one attempt's outcome into the row to write.

    A refusal is final at once, in the downstream's own words. A transient failure waits for
    the downstream's ``Retry-After`` (capped by a setting, never earlier) or for exponential
    backoff, then for the campaign's sending window; after the last attempt it is dead, saying
    how many attempts were made and what the last one answered.
    """
    if isinstance(outcome, Sent):
        return Result(job, DeliveryStatus.sent, now, None, outcome.downstream_id, now)
    if isinstance(outcome, Rejected):
        return Result(job, DeliveryStatus.dead, now, outcome.reason[:REASON_LIMIT])
    if job.attempts >= settings.delivery_max_attempts:
        reason = f"Gave up after {job.attempts} attempts; last: {outcome.reason}"
        return Result(job, DeliveryStatus.dead, now, reason[:REASON_LIMIT])
    if outcome.after is not None:
        delay = min(max(outcome.after, 0.0), settings.delivery_retry_after_max_s)
        delay *= random.uniform(1.0, 1.1)
    else:
        delay = backoff_s(settings, job.attempts)
    when = now + timedelta(seconds=delay)
    if window is not None:
        when = window.next_open(when)
    return Result(job, DeliveryStatus.failed, when, outcome.reason[:REASON_LIMIT])
