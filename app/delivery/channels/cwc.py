"""The ``cwc`` channel: letters to the House through Communicating with Congress (CWC) 2.0.

One letter is one XML message, ``POST {cwc_base_url}/v2/message?apikey=…``; ``/v2/validate``
takes the same message as a dry run (``CwcChannel.validate``). The message is checked against the
schema's rules before it goes (``app.delivery.cwc_rules``), so a letter CWC would refuse fails
here, with the reason, instead of costing a request.

Answers: 2xx is sent (the downstream id is our ``DeliveryId``); 400 carries ``<Error>`` elements
and means CWC refused this message, so it is rejected with those messages; 401/403 mean our key
is wrong, 429/5xx and timeouts are transient: all of these retry.

Senate offices use the Senate's own endpoint and office codes when both are configured;
otherwise they go by e-mail when the office has an address, or wait.
"""

import re
from datetime import UTC, date, datetime
from typing import Any

import httpx
from lxml import etree

from app.config import Settings
from app.delivery.channels import Envelope, Outcome, Rejected, Retry, Sent
from app.delivery.channels.email import EmailChannel
from app.delivery.channels.webhook import parse_retry_after
from app.delivery.cwc_rules import (
    DEFAULT_TOPIC,
    EMAIL,
    HOUSE_OFFICE_PATTERN,
    LOC_TOPICS,
    MESSAGE_MAX_CHARS,
    PHONE,
    SENATE_OFFICE_PATTERN,
    Text,
    check_cwc_xml,
    check_value,
    validate_with_schema,
)
from app.delivery.cwc_xml import (
    CwcMessage,
    DeliveryAgent,
    build_cwc_xml,
    cwc_prefix,
    delivery_id_for,
    federal_bills,
)

# Waiting for configuration (a key, a Senate endpoint) is not the letter's fault.
CONFIG_RETRY_S = 3600.0


def _topics(campaign_settings: dict[str, Any]) -> tuple[str, ...]:
    topic = campaign_settings.get("cwc_topic") or DEFAULT_TOPIC
    return tuple(topic) if isinstance(topic, list) else (str(topic),)


def _agent(settings: Settings, campaign_settings: dict[str, Any]) -> DeliveryAgent:
    return DeliveryAgent(
        name=settings.cwc_delivery_agent,
        ack_email=settings.cwc_delivery_agent_ack_email,
        contact_name=settings.cwc_delivery_agent_contact_name,
        contact_email=settings.cwc_delivery_agent_contact_email,
        contact_phone=settings.cwc_delivery_agent_contact_phone,
        organization=campaign_settings.get("organization") or settings.organisation_name,
    )


def cwc_errors(body: bytes) -> list[str]:
    """The text of every ``<Error>`` element in a CWC answer (empty when there are none)."""
    try:
        root = etree.fromstring(body)
    except etree.XMLSyntaxError:
        return []
    return [" ".join("".join(node.itertext()).split()) for node in root.iter("Error")]


class CwcChannel:
    name = "cwc"

    def __init__(self, client: httpx.AsyncClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings

    @staticmethod
    def unavailable_reason(settings: Settings, campaign_settings: dict[str, Any]) -> str | None:
        """Configuration CWC needs before any letter can go; letters wait until it is there."""
        if not settings.cwc_api_key:
            return "no CWC API key (LETTERCAST_CWC_API_KEY)"
        agent = _agent(settings, campaign_settings)
        checks = [
            ("LETTERCAST_CWC_DELIVERY_AGENT", Text(4, 500), agent.name),
            ("LETTERCAST_CWC_DELIVERY_AGENT_ACK_EMAIL", EMAIL, agent.ack_email),
            ("LETTERCAST_CWC_DELIVERY_AGENT_CONTACT_NAME", Text(6, 500), agent.contact_name),
            ("LETTERCAST_CWC_DELIVERY_AGENT_CONTACT_EMAIL", EMAIL, agent.contact_email),
            ("LETTERCAST_CWC_DELIVERY_AGENT_CONTACT_PHONE", PHONE, agent.contact_phone),
        ]
        for setting, rule, value in checks:
            if check_value(rule, value, setting):
                return f"{setting} is missing or not in CWC's format"
        wrong = [t for t in _topics(campaign_settings) if t not in LOC_TOPICS]
        if wrong:
            return f"cwc_topic {wrong[0]!r} is not a Library of Congress topic CWC accepts"
        statement = campaign_settings.get("organization_statement")
        if statement and not 6 <= len(statement) <= MESSAGE_MAX_CHARS:
            return "the campaign's organization_statement must be 6 to 10,000 characters"
        return None

    def build(self, envelope: Envelope, today: date | None = None) -> bytes | Rejected:
        """The CWC message for one letter, or why it cannot be one."""
        office, supporter = envelope.office, envelope.supporter
        settings_ = envelope.campaign_settings or {}
        if office is None:
            return Rejected("the letter has no office on record")
        if not supporter:
            return Rejected("the supporter's details were erased; CWC needs the constituent")
        member_office = self._member_office(envelope)
        if member_office is None:
            return Rejected(f"office {office.key} has no CWC member office code")
        person = dict(supporter)
        person["prefix"] = cwc_prefix(
            supporter.get("prefix"), settings_.get("cwc_default_prefix") or "Mx."
        )
        message = CwcMessage(
            delivery_id=delivery_id_for(envelope.idempotency_key),
            delivery_date=today or datetime.now(UTC).date(),
            campaign_id=settings_.get("cwc_campaign_id")
            or self.settings.cwc_campaign_id
            or envelope.campaign_slug,
            member_office=member_office,
            constituent=person,
            subject=envelope.letter.subject,
            body=envelope.letter.body,
            topics=_topics(settings_),
            bills=tuple(federal_bills(settings_.get("federal_bills"))),
            organization_statement=settings_.get("organization_statement") or None,
            pro_or_con=settings_.get("cwc_pro_or_con") or None,
            more_info=settings_.get("cwc_more_info") or None,
        )
        xml = build_cwc_xml(message, _agent(self.settings, settings_))
        pattern = SENATE_OFFICE_PATTERN if office.kind == "us_senate" else HOUSE_OFFICE_PATTERN
        problems = check_cwc_xml(xml, pattern)
        if not problems and self.settings.cwc_schema_path:
            problems = validate_with_schema(xml, self.settings.cwc_schema_path)
        if problems:
            return Rejected("the letter breaks CWC 2.0 rules: " + "; ".join(problems[:5]))
        return xml

    def _member_office(self, envelope: Envelope) -> str | None:
        office = envelope.office
        assert office is not None
        if office.kind == "us_senate":
            codes = self.settings.cwc_senate_office_codes
            return codes.get(office.key) or codes.get(envelope.letter.official_id or "")
        code = (office.cwc_code or "").strip().upper()
        return code if re.fullmatch(HOUSE_OFFICE_PATTERN, code) else None

    def _endpoint(self, envelope: Envelope, action: str) -> tuple[str, str] | None:
        office = envelope.office
        if office is not None and office.kind == "us_senate":
            url, key = self.settings.cwc_senate_url, self.settings.cwc_senate_api_key
            if not (url and key and self._member_office(envelope)):
                return None
            return (url if action == "message" else url.rstrip("/") + "/validate"), key
        if not self.settings.cwc_api_key:
            return None
        return f"{self.settings.cwc_base_url.rstrip('/')}/v2/{action}", self.settings.cwc_api_key

    async def send(self, envelope: Envelope) -> Outcome:
        return await self._post(envelope, "message")

    async def validate(self, envelope: Envelope) -> Outcome:
        """Dry run: CWC checks the message and delivers nothing."""
        return await self._post(envelope, "validate")

    async def _post(self, envelope: Envelope, action: str) -> Outcome:
        endpoint = self._endpoint(envelope, action)
        if endpoint is None:
            return await self._without_endpoint(envelope)
        xml = self.build(envelope)
        if isinstance(xml, Rejected):
            return xml
        url, key = endpoint
        try:
            response = await self.client.post(
                url,
                params={"apikey": key},
                content=xml,
                headers={"Content-Type": "application/xml; charset=utf-8"},
                timeout=self.settings.cwc_timeout_s,
            )
        except httpx.TimeoutException:
            return Retry("CWC did not answer in time")
        except httpx.HTTPError as error:
            return Retry(f"could not reach CWC: {type(error).__name__}")
        return _outcome(response, delivery_id_for(envelope.idempotency_key))

    async def _without_endpoint(self, envelope: Envelope) -> Outcome:
        office = envelope.office
        if office is not None and office.kind == "us_senate":
            if office.email and EmailChannel.unavailable_reason(self.settings, {}) is None:
                return await EmailChannel(self.client, self.settings).send(envelope)
            return Retry(
                "no Senate endpoint or office code is configured and the office has no "
                "e-mail address; waiting for configuration",
                after=CONFIG_RETRY_S,
            )
        return Retry("no CWC API key is configured; waiting for one", after=CONFIG_RETRY_S)


def _outcome(response: httpx.Response, delivery_id: str) -> Outcome:
    status = response.status_code
    if 200 <= status < 300:
        return Sent(delivery_id)
    errors = cwc_errors(response.content)
    said = "; ".join(errors)[:1000] or response.text.strip()[:300] or response.reason_phrase
    if status == 400:
        # A retry whose first try did arrive: CWC already has this DeliveryId, so it is sent.
        if any("duplicate" in e.lower() and "deliveryid" in e.lower() for e in errors):
            return Sent(delivery_id)
        return Rejected(f"CWC refused the message: {said}")
    if status in (401, 403):
        return Retry(f"CWC refused our API key (HTTP {status}): {said}", after=CONFIG_RETRY_S)
    after = parse_retry_after(response.headers.get("retry-after"))
    return Retry(f"CWC answered HTTP {status}: {said}", after=after)
