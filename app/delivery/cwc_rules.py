"""The CWC 2.0 schema's rules restated as data, and a checker that applies them to a message.

The House gives delivery vendors a RELAX NG schema (CWC 2.0). We may not ship that file, so its
rules live here: required elements, the fixed order of the five top-level sections, patterns,
lengths and the fixed list of Library of Congress topics. Every message is checked before it
leaves. An operator who holds the schema itself can name it in ``cwc_schema_path``; it is then
applied as well (``validate_with_schema``).

Inside each section the schema uses ``<interleave>``, so order there is free.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

LOC_TOPICS = (
    "Agriculture and Food",
    "Animals",
    "Armed Forces and National Security",
    "Arts, Culture, Religion",
    "Civil Rights and Liberties, Minority Issues",
    "Commerce",
    "Congress",
    "Crime and Law Enforcement",
    "Economics and Public Finance",
    "Education",
    "Emergency Management",
    "Energy",
    "Environmental Protection",
    "Families",
    "Finance and Financial Sector",
    "Foreign Trade and International Finance",
    "Government Operations and Politics",
    "Health",
    "Housing and Community Development",
    "Immigration",
    "International Affairs",
    "Labor and Employment",
    "Law",
    "Native Americans",
    "Public Lands and Natural Resources",
    "Science, Technology, Communications",
    "Social Sciences and History",
    "Social Welfare",
    "Sports and Recreation",
    "Taxation",
    "Transportation and Public Works",
    "Water Resources Development",
)
DEFAULT_TOPIC = "International Affairs"
MESSAGE_MAX_CHARS = 10000
HOUSE_OFFICE_PATTERN = r"H[A-Z][A-Z][0-9][0-9]"
# The Senate runs its own service with its own office codes; we only require a plain code.
SENATE_OFFICE_PATTERN = r"[A-Z0-9]{3,12}"
STATE_PATTERN = (
    "AK|AL|AR|AS|AZ|CA|CO|CT|DC|DE|FL|GA|GU|HI|IA|ID|IL|IN|KS|KY|LA|MA|MD|ME|MI|MN|MO|MP|MS|MT|"
    "NC|ND|NE|NH|NJ|NM|NV|NY|OH|OK|OR|PA|PR|RI|SC|SD|TN|TX|UT|VA|VI|VT|WA|WI|WV|WY"
)
# Congress.gov's bill type abbreviations, the only ones the schema accepts. A state measure
# such as California's SJR 11 has no congress and no federal type, so it can never get in.
FEDERAL_BILL_TYPES = (
    "hamdt",
    "hconres",
    "hjres",
    "hr",
    "hres",
    "s",
    "samdt",
    "sconres",
    "sjres",
    "sres",
)


# --- the schema's rules, as data -------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """``xsd:string`` with lengths: whitespace is kept and counted."""

    min_len: int
    max_len: int


@dataclass(frozen=True)
class Token:
    """A pattern the whole value must match; ``xsd:token`` collapses whitespace first."""

    pattern: str
    collapse: bool = True


@dataclass(frozen=True)
class OneOf:
    values: tuple[str, ...]


@dataclass(frozen=True)
class PositiveInteger:
    pass


@dataclass(frozen=True)
class Element:
    name: str
    rule: Text | Token | OneOf | PositiveInteger | None = None
    required: bool = True
    repeat: bool = False
    children: tuple["Element", ...] = ()


EMAIL = Token(r"[^@]+@[^\.]+\..+")
PHONE = Token(r"[0-9]{3}-[0-9]{3}-[0-9]{4}")
Y_OR_N = Token(r"[Yy]|[Nn]")


def _opt(name: str, rule: Any = None, **kw: Any) -> Element:
    return Element(name, rule, required=False, **kw)


DELIVERY = Element(
    "Delivery",
    children=(
        Element("DeliveryId", Token(r"[a-zA-Z0-9]{32}")),
        Element("DeliveryDate", Token(r"[0-9]{8}")),
        Element("DeliveryAgent", Text(4, 500)),
        Element("DeliveryAgentAckEmailAddress", EMAIL),
        Element(
            "DeliveryAgentContact",
            children=(
                Element("DeliveryAgentContactName", Text(6, 500)),
                Element("DeliveryAgentContactEmail", EMAIL),
                Element("DeliveryAgentContactPhone", PHONE),
            ),
        ),
        Element("CampaignId", Text(2, 500)),
        _opt("Organization", Text(6, 500)),
        _opt(
            "OrganizationContact",
            children=(
                _opt("OrganizationContactName", Text(2, 500)),
                _opt("OrganizationContactEmail", EMAIL),
                _opt("OrganizationContactPhone", PHONE),
            ),
        ),
        _opt("OrganizationAbout", Text(6, 500)),
    ),
)


def _recipient(office_pattern: str) -> Element:
    return Element(
        "Recipient",
        children=(
            Element("MemberOffice", Token(office_pattern)),
            _opt("IsResponseRequested", Y_OR_N),
            _opt("NewsletterOptIn", Y_OR_N),
        ),
    )


CONSTITUENT = Element(
    "Constituent",
    children=(
        Element("Prefix", Text(1, 500)),
        Element("FirstName", Text(1, 500)),
        Element("LastName", Text(1, 500)),
        Element("Address1", Text(3, 500)),
        Element("City", Text(3, 500)),
        Element("StateAbbreviation", Token(STATE_PATTERN)),
        # xsd:string with a pattern: no whitespace collapsing, so a stray space fails.
        Element("Zip", Token(r"[0-9]{5}(-[0-9]{4})?", collapse=False)),
        Element("Email", EMAIL),
        _opt("MiddleName", Text(1, 500)),
        _opt("Suffix", Text(1, 500)),
        _opt("Title", Text(1, 500)),
        _opt("ConstituentOrganization", Text(3, 500)),
        _opt("Address2", Text(3, 500)),
        _opt("Address3", Text(3, 500)),
        _opt("Phone", PHONE),
        _opt("AddressValidation", Y_OR_N),
        _opt("EmailValidation", Y_OR_N),
    ),
)

MESSAGE = Element(
    "Message",
    children=(
        Element("Subject", Text(6, 500)),
        Element(
            "LibraryOfCongressTopics",
            children=(Element("LibraryOfCongressTopic", OneOf(LOC_TOPICS), repeat=True),),
        ),
        _opt(
            "Bills",
            children=(
                _opt(
                    "Bill",
                    repeat=True,
                    children=(
                        _opt("BillCongress", PositiveInteger()),
                        _opt("BillTypeAbbreviation", Token("|".join(FEDERAL_BILL_TYPES))),
                        _opt("BillNumber", PositiveInteger()),
                    ),
                ),
            ),
        ),
        _opt("ProOrCon", Token(r"[Pp][Rr][Oo]|[Cc][Oo][Nn]")),
        _opt("MoreInfo", Text(1, 2000)),
        _opt("OrganizationStatement", Text(6, MESSAGE_MAX_CHARS)),
        _opt("ConstituentMessage", Text(6, MESSAGE_MAX_CHARS)),
    ),
)


def message_rules(office_pattern: str = HOUSE_OFFICE_PATTERN) -> tuple[Element, ...]:
    """The five top-level sections, in the order the schema fixes."""
    return (
        Element("CWCVersion", OneOf(("2.0",))),
        DELIVERY,
        _recipient(office_pattern),
        CONSTITUENT,
        MESSAGE,
    )


# --- checking --------------------------------------------------------------------------------


def _collapse(value: str) -> str:
    return " ".join(value.split())


def check_value(rule: Any, value: str, path: str) -> list[str]:
    if isinstance(rule, Text):
        n = len(value)
        if n < rule.min_len or n > rule.max_len:
            return [f"{path}: {n} characters; must be {rule.min_len} to {rule.max_len}"]
    elif isinstance(rule, Token):
        seen = _collapse(value) if rule.collapse else value
        if not re.fullmatch(rule.pattern, seen):
            # No value in the message: it may be a supporter's e-mail, ZIP or phone number.
            return [f"{path}: does not match the pattern {rule.pattern}"]
    elif isinstance(rule, OneOf):
        if _collapse(value) not in rule.values:
            return [f"{path}: {_collapse(value)[:60]!r} is not an allowed value"]
    elif isinstance(rule, PositiveInteger) and not (
        _collapse(value).isdigit() and int(_collapse(value)) > 0
    ):
        return [f"{path}: {value!r} is not a positive integer"]
    return []


def _check_children(node: Any, rules: Sequence[Element], path: str) -> list[str]:
    problems: list[str] = []
    by_name = {rule.name: rule for rule in rules}
    seen: dict[str, int] = {}
    for child in node:
        if not isinstance(child.tag, str):  # comments, processing instructions
            continue
        rule = by_name.get(child.tag)
        child_path = f"{path}/{child.tag}"
        if rule is None:
            problems.append(f"{child_path}: element not allowed here")
            continue
        seen[child.tag] = seen.get(child.tag, 0) + 1
        if seen[child.tag] == 2 and not rule.repeat:
            problems.append(f"{child_path}: appears more than once")
        problems += _check_element(child, rule, child_path)
    for rule in rules:
        if rule.required and rule.name not in seen:
            problems.append(f"{path}/{rule.name}: required element missing")
    return problems


def _check_element(node: Any, rule: Element, path: str) -> list[str]:
    if rule.children:
        if (node.text or "").strip():
            return [f"{path}: text not allowed here"]
        return _check_children(node, rule.children, path)
    if len(node):
        return [f"{path}: child elements not allowed here"]
    return check_value(rule.rule, node.text or "", path)


def check_cwc_xml(xml: bytes, office_pattern: str = HOUSE_OFFICE_PATTERN) -> list[str]:
    """Every way ``xml`` breaks the CWC 2.0 schema's rules; an empty list means it passes."""
    try:
        root = etree.fromstring(xml)
    except etree.XMLSyntaxError as error:
        return [f"not well-formed XML: {error}"]
    if root.tag != "CWC":
        return [f"/{root.tag}: the root element must be CWC"]
    rules = message_rules(office_pattern)
    names = [child.tag for child in root if isinstance(child.tag, str)]
    expected = [rule.name for rule in rules]
    if names != expected:
        return [f"/CWC: sections must be exactly {', '.join(expected)} in that order"]
    problems: list[str] = []
    for child, rule in zip((c for c in root if isinstance(c.tag, str)), rules, strict=True):
        problems += _check_element(child, rule, f"/CWC/{rule.name}")
    message = root.find("Message")
    if message is not None and not (
        message.find("OrganizationStatement") is not None
        or message.find("ConstituentMessage") is not None
    ):
        problems.append("/CWC/Message: needs a ConstituentMessage or an OrganizationStatement")
    return problems


def validate_with_schema(xml: bytes, schema_path: Path) -> list[str]:
    """Problems reported by the operator's own copy of the RELAX NG schema (empty when valid)."""
    schema = etree.RelaxNG(etree.parse(str(schema_path)))
    if schema.validate(etree.fromstring(xml)):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
