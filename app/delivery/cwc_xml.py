"""House Communicating with Congress (CWC) 2.0 messages: building the XML for one letter.

Elements are written in the schema's order so messages read the way the documentation does;
``app.delivery.cwc_rules`` checks the result before anything is sent.
"""

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from lxml import etree

from app.delivery.cwc_rules import DEFAULT_TOPIC, FEDERAL_BILL_TYPES

# XML 1.0 cannot carry most control characters at all; lxml refuses them.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _collapse(value: str) -> str:
    return " ".join(value.split())


# --- building --------------------------------------------------------------------------------


def delivery_id_for(idempotency_key: str) -> str:
    """32 letters and digits, the same for every retry of one letter, so CWC can spot repeats."""
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]


def federal_bills(entries: Iterable[dict[str, Any]] | None) -> list[tuple[int, str, int]]:
    """(congress, type, number) for each federal measure listed; anything else is left out.

    A bill needs a congress, a Congress.gov type ("H.Res." → ``hres``) and a number; a state
    measure (California's SJR 11) has none of these in federal form and is dropped.
    """
    bills = []
    for entry in entries or ():
        if not isinstance(entry, dict) or entry.get("state"):
            continue
        kind = re.sub(r"[\s.]", "", str(entry.get("type", ""))).lower()
        congress, number = str(entry.get("congress", "")), str(entry.get("number", ""))
        if kind not in FEDERAL_BILL_TYPES or not (congress.isdigit() and number.isdigit()):
            continue
        if int(congress) > 0 and int(number) > 0:
            bills.append((int(congress), kind, int(number)))
    return bills


_PREFIXES = {
    "mr": "Mr.",
    "mrs": "Mrs.",
    "ms": "Ms.",
    "miss": "Miss",
    "mx": "Mx.",
    "dr": "Dr.",
    "prof": "Prof.",
    "rev": "Rev.",
    "hon": "Hon.",
    "sr": "Sr.",
    "fr": "Fr.",
}


def cwc_prefix(choice: str | None, default: str = "Mx.") -> str:
    """The schema takes any 1 to 500 characters; we spell the common ones the usual way.

    ``Prefix`` is required, so a supporter who chose none gets the campaign's default (Mx.,
    the form that assumes nothing about them).
    """
    cleaned = _collapse(choice or "")
    if not cleaned:
        return default
    return _PREFIXES.get(cleaned.rstrip(".").lower(), cleaned)


def cwc_phone(phone: str | None) -> str | None:
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        return None  # optional in the schema: better absent than rejected
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def cwc_zip(zip_code: str) -> str:
    digits = re.sub(r"\D", "", zip_code)
    return f"{digits[:5]}-{digits[5:]}" if len(digits) == 9 else zip_code.strip()


@dataclass(frozen=True)
class DeliveryAgent:
    name: str
    ack_email: str
    contact_name: str
    contact_email: str
    contact_phone: str
    organization: str | None = None


@dataclass(frozen=True)
class CwcMessage:
    delivery_id: str
    delivery_date: date
    campaign_id: str
    member_office: str
    constituent: dict[str, str | None]
    subject: str
    body: str
    topics: tuple[str, ...] = (DEFAULT_TOPIC,)
    bills: tuple[tuple[int, str, int], ...] = ()
    organization_statement: str | None = None
    pro_or_con: str | None = None
    more_info: str | None = None


def _add(parent: Any, name: str, value: Any = None) -> Any:
    node = etree.SubElement(parent, name)
    if value is not None:
        node.text = _XML_ILLEGAL.sub("", str(value))
    return node


def build_cwc_xml(message: CwcMessage, agent: DeliveryAgent) -> bytes:
    """One CWC 2.0 message; ``ConstituentMessage`` is the letter exactly as it was sent."""
    root = etree.Element("CWC")
    _add(root, "CWCVersion", "2.0")
    delivery = _add(root, "Delivery")
    _add(delivery, "DeliveryId", message.delivery_id)
    _add(delivery, "DeliveryDate", message.delivery_date.strftime("%Y%m%d"))
    _add(delivery, "DeliveryAgent", agent.name)
    _add(delivery, "DeliveryAgentAckEmailAddress", agent.ack_email)
    contact = _add(delivery, "DeliveryAgentContact")
    _add(contact, "DeliveryAgentContactName", agent.contact_name)
    _add(contact, "DeliveryAgentContactEmail", agent.contact_email)
    _add(contact, "DeliveryAgentContactPhone", agent.contact_phone)
    _add(delivery, "CampaignId", message.campaign_id)
    if agent.organization and len(agent.organization) >= 6:
        _add(delivery, "Organization", agent.organization)
    recipient = _add(root, "Recipient")
    _add(recipient, "MemberOffice", message.member_office)
    _add_constituent(_add(root, "Constituent"), message.constituent)
    body = _add(root, "Message")
    _add(body, "Subject", message.subject)
    topics = _add(body, "LibraryOfCongressTopics")
    for topic in message.topics:
        _add(topics, "LibraryOfCongressTopic", topic)
    if message.bills:
        bills = _add(body, "Bills")
        for congress, kind, number in message.bills:
            bill = _add(bills, "Bill")
            _add(bill, "BillCongress", congress)
            _add(bill, "BillTypeAbbreviation", kind)
            _add(bill, "BillNumber", number)
    if message.pro_or_con:
        _add(body, "ProOrCon", message.pro_or_con)
    if message.more_info:
        _add(body, "MoreInfo", message.more_info)
    if message.organization_statement:
        _add(body, "OrganizationStatement", message.organization_statement)
    _add(body, "ConstituentMessage", message.body)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _add_constituent(node: Any, person: dict[str, str | None]) -> None:
    street2 = _collapse(person.get("street2") or "")
    address1 = _collapse(person.get("street") or "")
    if street2 and len(street2) < 3:  # "4B" is too short for Address2; keep it with the street
        address1, street2 = f"{address1}, {street2}", ""
    _add(node, "Prefix", person.get("prefix"))
    _add(node, "FirstName", _collapse(person.get("first_name") or ""))
    _add(node, "LastName", _collapse(person.get("last_name") or ""))
    _add(node, "Address1", address1)
    _add(node, "City", _collapse(person.get("city") or ""))
    _add(node, "StateAbbreviation", (person.get("state") or "").strip().upper())
    _add(node, "Zip", cwc_zip(person.get("zip") or ""))
    _add(node, "Email", (person.get("email") or "").strip())
    if street2:
        _add(node, "Address2", street2)
    phone = cwc_phone(person.get("phone"))
    if phone:
        _add(node, "Phone", phone)
