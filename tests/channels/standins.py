"""Local stand-ins for where letters go: CWC, an SMTP relay, an HTTP mail API, a contact form.

Each records what it received, as the upstream saw it, and can be told to fail.
"""

import json
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope
from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass
class Fault:
    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass
class Recorder:
    received: list[Any] = field(default_factory=list)
    raw_count: int = 0
    times: list[float] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_fault(self) -> Fault | None:
        with self.lock:
            self.raw_count += 1
            self.times.append(time.monotonic())
            return self.faults.pop(0) if self.faults else None


def _error_body(messages: list[str]) -> str:
    errors = "".join(f"<Error>{_escape(m)}</Error>" for m in messages)
    return f'<?xml version="1.0" encoding="UTF-8"?><Errors>{errors}</Errors>'


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class CwcStandIn(Recorder):
    """Validates every message against the CWC 2.0 RELAX NG schema, answering like CWC."""

    def __init__(self, schema_path: Path, api_key: str, offices: set[str] | None = None) -> None:
        super().__init__()
        self.schema = etree.RelaxNG(etree.parse(str(schema_path)))
        self.api_key = api_key
        self.offices = offices
        self.validated: list[bytes] = []
        self.delivery_ids: set[str] = set()
        self.app = Starlette(
            routes=[
                Route("/v2/message", self.message, methods=["POST"]),
                Route("/v2/validate", self.validate, methods=["POST"]),
            ]
        )

    def _check(self, request: Request, body: bytes) -> Response | etree._Element:
        if request.query_params.get("apikey") != self.api_key:
            return Response(_error_body(["Invalid API key"]), 403, media_type="application/xml")
        try:
            root = etree.fromstring(body)
        except etree.XMLSyntaxError as error:
            return Response(_error_body([str(error)]), 400, media_type="application/xml")
        if not self.schema.validate(root):
            messages = [f"line {e.line}: {e.message}" for e in self.schema.error_log]
            return Response(_error_body(messages), 400, media_type="application/xml")
        office = root.findtext("Recipient/MemberOffice")
        if self.offices is not None and office not in self.offices:
            message = f"MemberOffice {office} is not a participating office"
            return Response(_error_body([message]), 400, media_type="application/xml")
        return root

    async def message(self, request: Request) -> Response:
        fault = self.next_fault()
        body = await request.body()
        if fault:
            time.sleep(fault.delay_s)
            return Response(fault.body, fault.status, headers=fault.headers)
        checked = self._check(request, body)
        if isinstance(checked, Response):
            return checked
        delivery_id = checked.findtext("Delivery/DeliveryId") or ""
        with self.lock:
            if delivery_id not in self.delivery_ids:
                self.delivery_ids.add(delivery_id)
                self.received.append(body)
        return Response("<Response><Status>Success</Status></Response>", 200)

    async def validate(self, request: Request) -> Response:
        checked = self._check(request, await request.body())
        if isinstance(checked, Response):
            return checked
        self.validated.append(await request.body())
        return Response("<Response><Status>Valid</Status></Response>", 200)


class MailApiStandIn(Recorder):
    """Resend's ``POST /emails`` format: bearer token, JSON, ``Idempotency-Key`` honoured."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.keys: dict[str, str] = {}
        self.app = Starlette(routes=[Route("/emails", self.emails, methods=["POST"])])

    async def emails(self, request: Request) -> Response:
        fault = self.next_fault()
        if fault:
            return Response(fault.body, fault.status, headers=fault.headers)
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return JSONResponse({"name": "validation_error", "message": "API key is invalid"}, 401)
        data = json.loads(await request.body())
        if not data.get("to") or "@" not in data["to"][0]:
            return JSONResponse({"name": "validation_error", "message": "Invalid `to`"}, 422)
        key = request.headers.get("idempotency-key") or ""
        with self.lock:
            if key not in self.keys:
                self.keys[key] = f"email-{len(self.keys) + 1}"
                self.received.append(data | {"_headers": dict(request.headers)})
        return JSONResponse({"id": self.keys[key]})


class SmtpHandler:
    """aiosmtpd handler: records each accepted message; refuses recipients it is told to."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: dict[str, str] = {}  # recipient -> SMTP reply

    async def handle_RCPT(
        self, server: SMTP, session: Any, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Envelope) -> str:
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.original_content or b""))
        return "250 Message accepted for delivery"


class ContactFormStandIn(Recorder):
    """A legislature-style per-district contact form answering with HTML pages."""

    def __init__(self, district_zips: dict[str, set[str]]) -> None:
        super().__init__()
        self.district_zips = district_zips
        self.app = Starlette(routes=[Route("/contact", self.contact, methods=["POST"])])

    async def contact(self, request: Request) -> Response:
        fault = self.next_fault()
        if fault:
            return Response(fault.body, fault.status, headers=fault.headers)
        form = dict(await request.form())
        district = request.query_params.get("district", "")
        missing = [
            n for n in ("firstname", "lastname", "email", "zip", "message") if not form.get(n)
        ]
        if missing:
            return Response(f"<p>Please fill in: {', '.join(missing)}</p>", 200)
        if form["zip"] not in self.district_zips.get(district, set()):
            return Response("<p>Your address is not in this district.</p>", 200)
        self.received.append(form | {"_district": district})
        return Response("<h1>Thank you for contacting your legislator.</h1>", 200)
