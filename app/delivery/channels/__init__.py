"""Delivery channels: one small protocol, one module per channel.

A channel turns one letter into one request to where letters go and maps the answer to:

- ``Sent(downstream_id)``: the downstream accepted it;
- ``Retry(reason, after)``: a transient failure (timeout, 5xx, 429); try again later;
- ``Rejected(reason)``: permanent; the downstream refused the letter itself.

Retries, backoff and queue state belong to ``app.delivery.service``, never to a channel.
Adding a channel is one new module and one new line in ``CHANNELS``.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import httpx

from app.config import Settings
from app.letters.models import Letter
from app.representatives.models import Office


@dataclass(frozen=True)
class Sent:
    downstream_id: str | None = None


@dataclass(frozen=True)
class Retry:
    reason: str
    after: float | None = None  # seconds, e.g. from Retry-After


@dataclass(frozen=True)
class Rejected:
    reason: str


Outcome = Sent | Retry | Rejected


@dataclass(frozen=True, slots=True)
class LetterData:
    """A letter's columns as plain data, as workers load them.

    Building an ORM ``Letter`` costs more than sending it over HTTP, so workers hand channels
    this instead; it has the same attribute names, and channels only read attributes.
    """

    id: int
    campaign_id: int
    supporter_id: int | None
    office_id: int | None
    office_key: str
    official_id: str | None
    official_name: str
    template_version_id: int | None
    subject: str
    body: str
    state: str | None
    city: str | None
    source: str | None
    created_at: datetime


@dataclass(frozen=True)
class Envelope:
    """Everything a channel may need about one letter, loaded before the request goes out."""

    letter: Letter | LetterData
    office: Office | None
    idempotency_key: str
    # Supporter fields a channel may need (CWC's Constituent block, e-mail Reply-To); None
    # once the supporter's personal data has been erased.
    supporter: dict[str, str | None] | None = None
    campaign_slug: str = ""
    campaign_settings: dict | None = None  # type: ignore[type-arg]


class Channel(Protocol):
    name: str

    def __init__(self, client: httpx.AsyncClient, settings: Settings) -> None: ...

    async def send(self, envelope: Envelope) -> Outcome: ...


def channel_unavailable_reason(
    name: str, settings: Settings, campaign_settings: dict[str, Any]
) -> str | None:
    """Why a registered channel cannot send yet (e.g. no URL or API key), or None when it can.

    A channel may define ``unavailable_reason(settings, campaign_settings)`` as a staticmethod
    or classmethod; channels without one are always available.
    """
    check = getattr(CHANNELS[name], "unavailable_reason", None)
    return check(settings, campaign_settings) if check else None


# Imported last: the channel modules import the outcome types defined above.
from app.delivery.channels.cwc import CwcChannel  # noqa: E402
from app.delivery.channels.email import EmailChannel  # noqa: E402
from app.delivery.channels.form import FormChannel  # noqa: E402
from app.delivery.channels.hold import HoldChannel  # noqa: E402
from app.delivery.channels.webhook import WebhookChannel  # noqa: E402

CHANNELS: dict[str, type[Channel]] = {
    "cwc": CwcChannel,
    "email": EmailChannel,
    "form": FormChannel,
    "hold": HoldChannel,
    "webhook": WebhookChannel,
}
