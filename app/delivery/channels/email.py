"""The ``email`` channel: one letter, one e-mail to the office, from the organisation.

From is the organisation's sending address (``mail_from``), Reply-To the supporter, so the
office's answer reaches the person who wrote. The Message-ID is derived from the idempotency
key. Delivery is at-least-once (see ``app.delivery.channels.mail``): e-mail cannot be taken back.
"""

from typing import Any

import httpx

from app.config import Settings
from app.delivery.channels import Envelope, Outcome, Rejected
from app.delivery.channels.mail import MailMessage, mail_unavailable_reason, send_mail


class EmailChannel:
    name = "email"

    def __init__(self, client: httpx.AsyncClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings

    @staticmethod
    def unavailable_reason(settings: Settings, campaign_settings: dict[str, Any]) -> str | None:
        return mail_unavailable_reason(settings)

    def message(self, envelope: Envelope) -> MailMessage | Rejected:
        office = envelope.office
        # The official's own address when the engine supplies one (Envelope.official_email).
        to = (office.email if office else None) or getattr(envelope, "official_email", None)
        if not to:
            key = office.key if office else envelope.letter.office_key
            return Rejected(f"no e-mail address on record for office {key}")
        return MailMessage(
            to=to,
            subject=envelope.letter.subject,
            text=envelope.letter.body,
            idempotency_key=envelope.idempotency_key,
            reply_to=(envelope.supporter or {}).get("email") or None,
            headers={"X-Lettercast-Letter": str(envelope.letter.id)},
        )

    async def send(self, envelope: Envelope) -> Outcome:
        message = self.message(envelope)
        if isinstance(message, Rejected):
            return message
        return await send_mail(self.client, self.settings, message)
