"""Sending one e-mail: through an HTTP mail API (Resend's format) or an SMTP relay.

Used by the ``email`` channel and by supporters' own copies. Either way the answer is the
channel protocol's ``Sent``/``Retry``/``Rejected``.

E-mail cannot be taken back and SMTP has no idempotency: if the connection drops after the
relay accepted the message but before we hear so, the retry sends it again. Delivery is
therefore at-least-once. The Message-ID is derived from the idempotency key, so a duplicate is
recognisable to the receiving mail system (and to people); the HTTP API also gets the key as
``Idempotency-Key``, which Resend honours for 24 hours.

HTTP mail API (https://resend.com/docs/api-reference/emails/send-email):
``POST {mail_api_url}/emails`` with ``Authorization: Bearer {mail_api_token}`` and JSON
``{"from", "to": [..], "subject", "text", "reply_to": [..], "headers": {..}}``; the answer is
``{"id": ...}``. 429 and 5xx are transient; 400/422 refuse the message itself.
"""

import asyncio
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate

import httpx

from app.config import Settings
from app.delivery.channels import Outcome, Rejected, Retry, Sent
from app.delivery.channels.webhook import parse_retry_after

# Not the message's fault: our credentials or our sender address. Wait for an operator.
CONFIG_RETRY_S = 3600.0


@dataclass(frozen=True)
class MailMessage:
    to: str
    subject: str
    text: str
    idempotency_key: str
    reply_to: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def mail_unavailable_reason(settings: Settings) -> str | None:
    if not settings.mail_from:
        return "no sending address (LETTERCAST_MAIL_FROM)"
    if not (settings.mail_api_token or settings.smtp_host):
        return "no mail transport (LETTERCAST_MAIL_API_TOKEN or LETTERCAST_SMTP_HOST)"
    return None


def message_id_for(idempotency_key: str, settings: Settings) -> str:
    """Stable per message, so every re-send carries the same Message-ID."""
    domain = (settings.mail_from or "lettercast.invalid").rpartition("@")[2] or "lettercast"
    return f"<{idempotency_key}@{domain}>"


def sender(settings: Settings) -> str:
    return formataddr((settings.organisation_name, settings.mail_from or ""))


async def send_mail(client: httpx.AsyncClient, settings: Settings, message: MailMessage) -> Outcome:
    """Send one e-mail through the configured transport (the HTTP API when it has a token)."""
    reason = mail_unavailable_reason(settings)
    if reason:
        return Retry(f"e-mail is not configured: {reason}", after=CONFIG_RETRY_S)
    if settings.mail_api_token:
        return await _send_http(client, settings, message)
    return await asyncio.to_thread(_send_smtp, settings, message)


async def _send_http(
    client: httpx.AsyncClient, settings: Settings, message: MailMessage
) -> Outcome:
    payload = {
        "from": sender(settings),
        "to": [message.to],
        "subject": message.subject,
        "text": message.text,
        "headers": {"Message-ID": message_id_for(message.idempotency_key, settings)}
        | message.headers,
    }
    if message.reply_to:
        payload["reply_to"] = [message.reply_to]
    try:
        response = await client.post(
            f"{settings.mail_api_url.rstrip('/')}/emails",
            json=payload,
            headers={
                "Authorization": f"Bearer {settings.mail_api_token}",
                "Idempotency-Key": message.idempotency_key,
                "User-Agent": "lettercast",
            },
            timeout=settings.mail_timeout_s,
        )
    except httpx.TimeoutException:
        return Retry("the mail API did not answer in time")
    except httpx.HTTPError as error:
        return Retry(f"could not reach the mail API: {type(error).__name__}")
    status = response.status_code
    said = _api_message(response)
    if 200 <= status < 300:
        try:
            return Sent(str(response.json().get("id") or "") or None)
        except (ValueError, AttributeError):
            return Sent(None)
    if status in (401, 403):
        return Retry(f"the mail API refused our token (HTTP {status}): {said}", CONFIG_RETRY_S)
    if status in (400, 422):
        return Rejected(f"the mail API refused the message (HTTP {status}): {said}")
    # 409: the same idempotency key is still being processed; 429 and 5xx: not now.
    return Retry(
        f"the mail API answered HTTP {status}: {said}",
        after=parse_retry_after(response.headers.get("retry-after")),
    )


def _api_message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text.strip()[:300]
    if isinstance(data, dict) and data.get("message"):
        return str(data["message"])[:300]
    return response.text.strip()[:300]


def build_email(settings: Settings, message: MailMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender(settings)
    email["To"] = message.to
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False, usegmt=True)
    email["Message-ID"] = message_id_for(message.idempotency_key, settings)
    for name, value in message.headers.items():
        email[name] = value
    # Quoted-printable keeps any script 7-bit clean for relays without 8BITMIME.
    email.set_content(message.text, cte="quoted-printable")
    # Headers may be up to 998 characters; at the default 78 a long List-Unsubscribe URL
    # would be turned into an encoded-word that mail clients cannot use.
    email.policy = email.policy.clone(max_line_length=998)
    return email


def _send_smtp(settings: Settings, message: MailMessage) -> Outcome:
    """Blocking: runs in a thread. Maps SMTP replies to the channel protocol."""
    email = build_email(settings, message)
    context = ssl.create_default_context()
    try:
        if settings.smtp_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.smtp_host or "",
                settings.smtp_port,
                timeout=settings.mail_timeout_s,
                context=context,
            )
        else:
            smtp = smtplib.SMTP(
                settings.smtp_host or "", settings.smtp_port, timeout=settings.mail_timeout_s
            )
        with smtp:
            smtp.ehlo()  # has_extn only knows the relay's extensions after EHLO
            secure = settings.smtp_ssl
            if not secure and smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                secure = True
            if settings.smtp_username:
                if not secure:
                    return Retry("the relay offers no TLS; not sending our password in clear", 3600)
                smtp.login(settings.smtp_username, settings.smtp_password or "")
            smtp.send_message(email)
    except smtplib.SMTPRecipientsRefused as error:
        code, said = next(iter(error.recipients.values()))
        return _smtp_reply("the recipient was refused", code, said)
    except smtplib.SMTPSenderRefused as error:
        return Retry(f"the relay refused our sender address ({error.smtp_code})", CONFIG_RETRY_S)
    except smtplib.SMTPAuthenticationError as error:
        return Retry(f"the relay refused our credentials ({error.smtp_code})", CONFIG_RETRY_S)
    except smtplib.SMTPResponseException as error:
        return _smtp_reply("the relay refused the message", error.smtp_code, error.smtp_error)
    except (smtplib.SMTPException, OSError) as error:
        return Retry(f"could not talk to the mail relay: {type(error).__name__}")
    return Sent(email["Message-ID"])


def _smtp_reply(what: str, code: int, said: bytes | str) -> Outcome:
    text = said.decode(errors="replace") if isinstance(said, bytes) else str(said)
    reason = f"{what}: {code} {text[:300]}"
    return Rejected(reason) if 500 <= code < 600 else Retry(reason)
