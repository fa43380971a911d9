"""The CWC builder and rule checker, held against the House's own RELAX NG schema."""

from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from app.delivery.cwc_rules import check_cwc_xml, validate_with_schema
from app.delivery.cwc_xml import (
    CwcMessage,
    DeliveryAgent,
    build_cwc_xml,
    cwc_phone,
    cwc_prefix,
    delivery_id_for,
    federal_bills,
)

AGENT = DeliveryAgent(
    name="Lettercast Test Agent",
    ack_email="ack@lettercast.example",
    contact_name="Agent Contact",
    contact_email="agent@lettercast.example",
    contact_phone="202-555-0100",
    organization="Armenian Letters Network",
)
ARMENIAN = {
    "prefix": "Տիկին",
    "first_name": "Անահիտ",
    "last_name": "Պետրոսյան",
    "email": "anahit@example.org",
    "phone": "(818) 555-0134",
    "street": "1200 N Central Ave",
    "street2": "4B",
    "city": "Glendale",
    "state": "CA",
    "zip": "912031234",
}


def message(**overrides: object) -> CwcMessage:
    fields: dict = {
        "delivery_id": delivery_id_for("lc-abc"),
        "delivery_date": date(2024, 2, 13),
        "campaign_id": "sjr-11",
        "member_office": "HCA30",
        "constituent": ARMENIAN,
        "subject": "Please support H.Res. 861",
        "body": "Հարգելի ներկայացուցիչ, please act for the Armenian hostages.\n\nAnahit",
    }
    return CwcMessage(**(fields | overrides))


def test_delivery_id_is_32_letters_and_digits_and_the_same_on_every_retry() -> None:
    first, second = delivery_id_for("lc-key-1"), delivery_id_for("lc-key-1")
    assert first == second and len(first) == 32 and first.isalnum()
    assert delivery_id_for("lc-key-2") != first


@pytest.mark.parametrize(
    ("chosen", "sent"),
    [
        ("mr", "Mr."),
        ("MRS.", "Mrs."),
        ("Ms", "Ms."),
        ("Mx.", "Mx."),
        ("dr", "Dr."),
        ("Rabbi", "Rabbi"),
        ("  ", "Mx."),
        (None, "Mx."),
    ],
)
def test_prefix_is_spelled_the_usual_way_and_never_left_empty(
    chosen: str | None, sent: str
) -> None:
    assert cwc_prefix(chosen) == sent


def test_campaign_can_choose_the_prefix_for_supporters_who_chose_none() -> None:
    assert cwc_prefix(None, default="Friend") == "Friend"


def test_phone_is_written_the_way_cwc_wants_or_left_out() -> None:
    assert cwc_phone("+1 (818) 555-0134") == "818-555-0134"
    assert cwc_phone("555-0134") is None


def test_bills_keep_federal_measures_and_drop_the_state_resolution() -> None:
    listed = [
        {"congress": 118, "type": "H.Res.", "number": 861},
        {"type": "SJR", "number": 11, "state": "CA"},
        {"type": "SJR", "number": 11},
        {"congress": 118, "type": "S.J.Res.", "number": 11, "state": "CA"},
    ]
    assert federal_bills(listed) == [(118, "hres", 861)]


def test_armenian_supporter_builds_a_message_that_passes_our_rules_and_the_schema(
    cwc_schema: Path,
) -> None:
    xml = build_cwc_xml(message(), AGENT)
    assert check_cwc_xml(xml) == []
    assert validate_with_schema(xml, cwc_schema) == []
    root = etree.fromstring(xml)
    assert [child.tag for child in root] == [
        "CWCVersion",
        "Delivery",
        "Recipient",
        "Constituent",
        "Message",
    ]
    assert root.findtext("Constituent/FirstName") == "Անահիտ"
    assert root.findtext("Constituent/Address1") == "1200 N Central Ave, 4B"
    assert root.findtext("Constituent/Zip") == "91203-1234"
    assert root.findtext("Constituent/Phone") == "818-555-0134"
    assert root.findtext("Message/ConstituentMessage") == message().body
    assert root.findtext("Delivery/DeliveryDate") == "20240213"


def test_longest_letter_cwc_allows_passes_and_one_more_character_does_not(
    cwc_schema: Path,
) -> None:
    longest = ("Ազատություն " * 1000)[:10000]
    ok = build_cwc_xml(message(body=longest), AGENT)
    assert check_cwc_xml(ok) == [] and validate_with_schema(ok, cwc_schema) == []
    too_long = build_cwc_xml(message(body=longest + "!"), AGENT)
    assert any("10001 characters" in p for p in check_cwc_xml(too_long))
    assert validate_with_schema(too_long, cwc_schema)


def _mutations(xml: bytes) -> dict[str, bytes]:
    """Ways a message can break the schema, each applied to a valid message."""

    def edit(change) -> bytes:  # type: ignore[no-untyped-def]
        root = etree.fromstring(xml)
        change(root)
        return etree.tostring(root)

    def remove(path: str):  # type: ignore[no-untyped-def]
        return lambda r: r.find(path).getparent().remove(r.find(path))

    def set_text(path: str, value: str):  # type: ignore[no-untyped-def]
        return lambda r: setattr(r.find(path), "text", value)

    def swap(r: etree._Element) -> None:
        recipient = r.find("Recipient")
        r.remove(recipient)
        r.append(recipient)

    def extra(r: etree._Element) -> None:
        etree.SubElement(r.find("Constituent"), "Nickname").text = "Ani"

    def duplicate(r: etree._Element) -> None:
        etree.SubElement(r.find("Constituent"), "LastName").text = "Again"

    return {
        "missing Email": edit(remove("Constituent/Email")),
        "missing topics": edit(remove("Message/LibraryOfCongressTopics")),
        "no message at all": edit(remove("Message/ConstituentMessage")),
        "senate office code": edit(set_text("Recipient/MemberOffice", "SCA01")),
        "short delivery id": edit(set_text("Delivery/DeliveryId", "abc123")),
        "dashed date": edit(set_text("Delivery/DeliveryDate", "2024-02-13")),
        "topic off the list": edit(
            set_text("Message/LibraryOfCongressTopics/LibraryOfCongressTopic", "Armenia")
        ),
        "short subject": edit(set_text("Message/Subject", "SJR")),
        "two-letter city": edit(set_text("Constituent/City", "Ai")),
        "zip with a space": edit(set_text("Constituent/Zip", "91203 ")),
        "bad phone": edit(set_text("Constituent/Phone", "8185550134")),
        "sections out of order": edit(swap),
        "unknown element": edit(extra),
        "repeated element": edit(duplicate),
        "wrong version": edit(set_text("CWCVersion", "1.0")),
    }


def test_our_rules_refuse_exactly_what_the_schema_refuses(cwc_schema: Path) -> None:
    xml = build_cwc_xml(message(), AGENT)
    for what, broken in _mutations(xml).items():
        assert validate_with_schema(broken, cwc_schema), f"schema accepted: {what}"
        assert check_cwc_xml(broken), f"our rules accepted: {what}"
