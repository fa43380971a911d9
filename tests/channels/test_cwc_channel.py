"""The cwc channel against a local CWC stand-in that validates with the House's schema."""

from lxml import etree
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.delivery.channels import Rejected, Retry, Sent
from app.delivery.channels.cwc import CwcChannel
from app.delivery.cwc_xml import delivery_id_for
from app.delivery.service import choose_channel
from tests.channels.conftest import channel_settings, make_envelope, run_channel
from tests.channels.standins import CwcStandIn, Fault
from tests.factories import make_campaign, make_office
from tests.servers import serve_asgi

ARMENIAN = {
    "prefix": "Mx",
    "first_name": "Անահիտ",
    "last_name": "Պետրոսյան",
    "phone": "818-555-0134",
    "zip": "91203",
}
HOUSE = {"key": "us_house:CA-30", "cwc_code": "HCA30", "district": "30"}
SJR11_SETTINGS = {
    "organization_statement": "The Armenian Letters Network supports SJR 11 and H.Res. 861.",
    "federal_bills": [
        {"congress": 118, "type": "H.Res.", "number": 861},
        {"type": "SJR", "number": 11, "state": "CA"},
    ],
}


def test_house_letter_arrives_as_valid_cwc_with_the_letter_exactly_as_sent(
    session: Session, cwc_server: tuple[CwcStandIn, str]
) -> None:
    server, url = cwc_server
    signature = "Անահիտ"
    body = "Dear Representative,\n\n  Please act for the Armenian hostages.\n\n" + signature
    envelope = make_envelope(
        session,
        campaign_settings=SJR11_SETTINGS,
        office=HOUSE,
        supporter=ARMENIAN,
        letter={"body": body},
    )
    outcome = run_channel(CwcChannel, channel_settings(cwc_base_url=url), envelope)
    assert outcome == Sent(delivery_id_for(envelope.idempotency_key))
    (received,) = server.received
    root = etree.fromstring(received)
    assert root.findtext("Message/ConstituentMessage") == body
    assert root.findtext("Recipient/MemberOffice") == "HCA30"
    assert root.findtext("Constituent/Prefix") == "Mx."
    assert root.findtext("Constituent/LastName") == "Պետրոսյան"
    assert (
        root.findtext("Message/OrganizationStatement") == SJR11_SETTINGS["organization_statement"]
    )
    assert root.findtext(".//LibraryOfCongressTopic") == "International Affairs"
    assert root.findtext("Delivery/CampaignId") == envelope.campaign_slug


def test_bills_carry_h_res_861_and_never_sjr_11(
    session: Session, cwc_server: tuple[CwcStandIn, str]
) -> None:
    server, url = cwc_server
    envelope = make_envelope(session, campaign_settings=SJR11_SETTINGS, office=HOUSE)
    assert isinstance(run_channel(CwcChannel, channel_settings(cwc_base_url=url), envelope), Sent)
    bills = etree.fromstring(server.received[0]).findall("Message/Bills/Bill")
    assert [
        (b.findtext("BillCongress"), b.findtext("BillTypeAbbreviation"), b.findtext("BillNumber"))
        for b in bills
    ] == [("118", "hres", "861")]


def test_a_resent_letter_keeps_its_delivery_id_and_cwc_records_it_once(
    session: Session, cwc_server: tuple[CwcStandIn, str]
) -> None:
    server, url = cwc_server
    envelope = make_envelope(session, office=HOUSE)
    settings = channel_settings(cwc_base_url=url)
    first = run_channel(CwcChannel, settings, envelope)
    second = run_channel(CwcChannel, settings, envelope)
    assert first == second
    assert server.raw_count == 2 and len(server.received) == 1


def test_a_letter_longer_than_cwc_allows_fails_here_without_a_request(
    session: Session, cwc_server: tuple[CwcStandIn, str]
) -> None:
    server, url = cwc_server
    envelope = make_envelope(session, office=HOUSE, letter={"body": "x" * 10001})
    outcome = run_channel(CwcChannel, channel_settings(cwc_base_url=url), envelope)
    assert isinstance(outcome, Rejected) and "10001 characters" in outcome.reason
    assert server.raw_count == 0


def test_cwc_errors_become_a_permanent_failure_with_cwcs_own_words(
    session: Session, cwc_server: tuple[CwcStandIn, str]
) -> None:
    server, url = cwc_server
    server.offices = {"HCA29"}
    envelope = make_envelope(session, office=HOUSE)
    outcome = run_channel(CwcChannel, channel_settings(cwc_base_url=url), envelope)
    assert outcome == Rejected(
        "CWC refused the message: MemberOffice HCA30 is not a participating office"
    )


def test_server_errors_and_timeouts_are_retried_honouring_retry_after(
    session: Session, cwc_server: tuple[CwcStandIn, str]
) -> None:
    server, url = cwc_server
    server.faults = [
        Fault(503, "<Error>Maintenance</Error>", {"Retry-After": "120"}),
        Fault(200, delay_s=0.6),
    ]
    envelope = make_envelope(session, office=HOUSE)
    settings = channel_settings(cwc_base_url=url, cwc_timeout_s=0.2)
    assert run_channel(CwcChannel, settings, envelope) == Retry(
        "CWC answered HTTP 503: Maintenance", after=120.0
    )
    assert run_channel(CwcChannel, settings, envelope) == Retry("CWC did not answer in time")
    assert server.received == []


def test_a_wrong_api_key_waits_for_the_operator_instead_of_failing_letters(
    session: Session, cwc_server: tuple[CwcStandIn, str]
) -> None:
    _, url = cwc_server
    envelope = make_envelope(session, office=HOUSE)
    outcome = run_channel(
        CwcChannel, channel_settings(cwc_base_url=url, cwc_api_key="old"), envelope
    )
    assert isinstance(outcome, Retry) and "API key" in outcome.reason
    assert outcome.after is not None and outcome.after >= 3600


def test_without_an_api_key_cwc_is_unavailable_and_its_letters_are_held(
    session: Session, cwc_server: tuple[CwcStandIn, str]
) -> None:
    server, url = cwc_server
    settings = channel_settings(cwc_base_url=url, cwc_api_key=None)
    campaign = make_campaign(session, settings={"channels": {"us_house": "cwc"}})
    office = make_office(session)
    channel, reason = choose_channel(campaign, office, settings)
    assert channel == "hold" and reason and "CWC API key" in reason
    outcome = run_channel(CwcChannel, settings, make_envelope(session, office=HOUSE))
    assert isinstance(outcome, Retry) and "no CWC API key" in outcome.reason
    assert server.raw_count == 0


def test_a_topic_off_the_library_of_congress_list_makes_cwc_unavailable() -> None:
    reason = CwcChannel.unavailable_reason(channel_settings(), {"cwc_topic": "Armenia"})
    assert reason and "Armenia" in reason
    reason = CwcChannel.unavailable_reason(
        channel_settings(cwc_delivery_agent_contact_phone="(202) 555 0100"), {}
    )
    assert reason and "CONTACT_PHONE" in reason


def test_validate_is_a_dry_run_that_delivers_nothing(
    session: Session, cwc_server: tuple[CwcStandIn, str]
) -> None:
    server, url = cwc_server
    envelope = make_envelope(session, office=HOUSE, supporter=ARMENIAN)
    settings = channel_settings(cwc_base_url=url)
    assert isinstance(run_channel(CwcChannel, settings, envelope, "validate"), Sent)
    assert len(server.validated) == 1 and server.received == []


def test_an_operators_schema_file_is_applied_before_sending(
    session: Session, cwc_server: tuple[CwcStandIn, str], cwc_schema
) -> None:
    server, url = cwc_server
    envelope = make_envelope(session, office=HOUSE, supporter=ARMENIAN)
    settings = channel_settings(cwc_base_url=url, cwc_schema_path=cwc_schema)
    assert isinstance(run_channel(CwcChannel, settings, envelope), Sent)
    assert len(server.received) == 1


def test_senate_offices_use_the_senate_endpoint_and_office_code_when_configured(
    session: Session,
) -> None:
    received: list[tuple[str, bytes]] = []

    async def messages(request: Request) -> Response:
        received.append((request.query_params.get("apikey", ""), await request.body()))
        return Response("<Response>OK</Response>")

    senate_app = Starlette(routes=[Route("/api/messages", messages, methods=["POST"])])
    senate = {"key": "us_senate:CA:1", "kind": "us_senate", "cwc_code": None}
    envelope = make_envelope(session, office=senate)
    with serve_asgi(senate_app) as url:
        settings = channel_settings(
            cwc_senate_url=url + "/api/messages",
            cwc_senate_api_key="senate-key",
            cwc_senate_office_codes={"us_senate:CA:1": "SCA01"},
        )
        assert isinstance(run_channel(CwcChannel, settings, envelope), Sent)
    ((key, xml),) = received
    assert key == "senate-key"
    assert etree.fromstring(xml).findtext("Recipient/MemberOffice") == "SCA01"
