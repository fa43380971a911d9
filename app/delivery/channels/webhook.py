"""The ``webhook`` channel: a signed JSON POST per letter, for CRMs and relays.

The receiver can check authenticity and freshness: ``X-Lettercast-Signature`` is
``sha256=<hex HMAC-SHA256>`` over ``"<timestamp>.<raw body>"`` with the shared secret, and
``X-Lettercast-Timestamp`` is that Unix timestamp. ``Idempotency-Key`` is the same on every retry
of one letter, so a receiver that deduplicates on it never records a letter twice.
"""

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from app.config import Settings
from app.delivery.channels import Envelope, Outcome, Rejected, Retry, Sent

# Statuses that say "not now" rather than "not this letter".
TRANSIENT_STATUSES = frozenset({408, 409, 425, 429})


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _downstream_message(response: httpx.Response) -> str:
    """The receiver's own words about why it refused, trimmed to something a person can read."""
    text = response.text.strip()
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("error", "message", "detail", "reason"):
            if data.get(key):
                value = data[key]
                text = value if isinstance(value, str) else json.dumps(value)
                break
    return f"HTTP {response.status_code}: {text[:500] or response.reason_phrase}"


def _target(settings: Settings, campaign_settings: dict[str, Any]) -> tuple[str | None, str]:
    own = campaign_settings.get("webhook") or {}
    url = own.get("url") or settings.webhook_url
    secret = own.get("secret") or settings.webhook_secret or ""
    return url, secret


class WebhookChannel:
    name = "webhook"

    def __init__(self, client: httpx.AsyncClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings

    @staticmethod
    def unavailable_reason(settings: Settings, campaign_settings: dict[str, Any]) -> str | None:
        url, secret = _target(settings, campaign_settings)
        if not url:
            return "no webhook URL (LETTERCAST_WEBHOOK_URL or the campaign's webhook.url)"
        if not secret:
            return "no webhook secret (LETTERCAST_WEBHOOK_SECRET or the campaign's webhook.secret)"
        return None

    def payload(self, envelope: Envelope) -> dict[str, Any]:
        letter, office = envelope.letter, envelope.office
        return {
            "letter_id": letter.id,
            "campaign": envelope.campaign_slug,
            "office": {
                "key": letter.office_key,
                "kind": office.kind if office else None,
                "title": office.title if office else None,
                "email": office.email if office else None,
            },
            "official": {"id": letter.official_id, "name": letter.official_name},
            "subject": letter.subject,
            "body": letter.body,
            "supporter": envelope.supporter,
            "created_at": letter.created_at.isoformat() if letter.created_at else None,
            "sent_at": datetime.now(UTC).isoformat(),
        }

    async def send(self, envelope: Envelope) -> Outcome:
        url, secret = _target(self.settings, envelope.campaign_settings or {})
        if not url or not secret:
            # Configuration can change after enqueueing; wait for it rather than fail the letter.
            return Retry("the webhook channel is not configured", after=300)
        body = json.dumps(self.payload(envelope), separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": envelope.idempotency_key,
            "X-Lettercast-Timestamp": timestamp,
            "X-Lettercast-Signature": sign(secret, timestamp, body),
        }
        try:
            response = await self.client.post(
                url, content=body, headers=headers, timeout=self.settings.webhook_timeout_s
            )
        except httpx.TimeoutException:
            return Retry("the webhook did not answer in time")
        except httpx.HTTPError as error:
            return Retry(f"could not reach the webhook: {type(error).__name__}")
        status = response.status_code
        if 200 <= status < 300:
            return Sent(_downstream_id(response))
        if status >= 500 or status in TRANSIENT_STATUSES:
            after = parse_retry_after(response.headers.get("retry-after"))
            return Retry(_downstream_message(response), after=after)
        return Rejected(_downstream_message(response))


def _downstream_id(response: httpx.Response) -> str | None:
    if "application/json" in response.headers.get("content-type", ""):
        try:
            data = response.json()
        except ValueError:
            return None
        if isinstance(data, dict) and data.get("id") is not None:
            return str(data["id"])[:200]
    return response.headers.get("x-request-id")
