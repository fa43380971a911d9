"""The email channel through a real SMTP server (aiosmtpd) and an HTTP mail API stand-in."""

from sqlmodel import Session

from app.delivery.channels import Rejected, Retry, Sent
from app.delivery.channels.cwc import CwcChannel
from app.delivery.channels.email import EmailChannel
from tests.channels.conftest import MAIL_TOKEN, channel_settings, make_envelope, run_channel
from tests.channels.standins import Fault, MailApiStandIn, SmtpHandler
from tests.servers import free_port

OFFICE = {
    "key": "state_lower:CA-44",
    "kind": "state_lower",
    "cwc_code": None,
    "email": "assemblymember.friedman@assembly.ca.gov",
}
SIGNATURE = "Անահիտ Պետրոսյան"
LETTER = {
    "subject": "Please support SJR 11",
    "body": "Dear Assemblymember,\n\nPlease act.\n\n" + SIGNATURE + "\n",
}


def smtp_settings(port: int, **overrides: object):  # type: ignore[no-untyped-def]
    return channel_settings(smtp_host="127.0.0.1", smtp_port=port, **overrides)


def test_smtp_letter_goes_from_the_organisation_with_reply_to_the_supporter(
    session: Session, smtp_server: tuple[SmtpHandler, int]
) -> None:
    handler, port = smtp_server
    envelope = make_envelope(
        session, office=OFFICE, letter=LETTER, supporter={"email": "anahit@example.org"}
    )
    outcome = run_channel(EmailChannel, smtp_settings(port), envelope)
    expected_id = f"<{envelope.idempotency_key}@lettercast.example>"
    assert outcome == Sent(expected_id)
    (message,) = handler.messages
    assert message["From"] == "Armenian Letters Network <letters@lettercast.example>"
    assert message["To"] == OFFICE["email"]
    assert message["Reply-To"] == "anahit@example.org"
    assert message["Message-ID"] == expected_id
    assert message["Subject"] == LETTER["subject"]
    # SMTP carries CRLF line ends; the text itself is unchanged.
    assert message.get_payload(decode=True).decode().replace("\r\n", "\n") == LETTER["body"]
    assert handler.envelopes == [("letters@lettercast.example", [OFFICE["email"]])]


def test_a_mailbox_the_relay_refuses_for_good_is_a_permanent_failure(
    session: Session, smtp_server: tuple[SmtpHandler, int]
) -> None:
    handler, port = smtp_server
    handler.refuse[OFFICE["email"]] = "550 5.1.1 No such mailbox"
    envelope = make_envelope(session, office=OFFICE, letter=LETTER)
    outcome = run_channel(EmailChannel, smtp_settings(port), envelope)
    assert outcome == Rejected("the recipient was refused: 550 5.1.1 No such mailbox")


def test_a_temporary_refusal_or_an_unreachable_relay_is_retried(
    session: Session, smtp_server: tuple[SmtpHandler, int]
) -> None:
    handler, port = smtp_server
    handler.refuse[OFFICE["email"]] = "451 4.3.0 Try again later"
    envelope = make_envelope(session, office=OFFICE, letter=LETTER)
    assert isinstance(run_channel(EmailChannel, smtp_settings(port), envelope), Retry)
    outcome = run_channel(EmailChannel, smtp_settings(free_port()), envelope)
    assert isinstance(outcome, Retry) and "could not talk to the mail relay" in outcome.reason
    assert handler.messages == []


def test_an_office_without_an_address_fails_with_the_reason(session: Session) -> None:
    envelope = make_envelope(session, office=OFFICE | {"email": None}, letter=LETTER)
    outcome = run_channel(EmailChannel, smtp_settings(free_port()), envelope)
    assert outcome == Rejected("no e-mail address on record for office state_lower:CA-44")


def test_without_a_sending_address_email_is_unavailable() -> None:
    reason = EmailChannel.unavailable_reason(channel_settings(mail_from=None), {})
    assert reason and "LETTERCAST_MAIL_FROM" in reason
    assert EmailChannel.unavailable_reason(channel_settings(), {}) and "transport" in (
        EmailChannel.unavailable_reason(channel_settings(), {}) or ""
    )


def test_mail_api_gets_resend_format_with_bearer_token_and_idempotency_key(
    session: Session, mail_api: tuple[MailApiStandIn, str]
) -> None:
    server, url = mail_api
    envelope = make_envelope(
        session, office=OFFICE, letter=LETTER, supporter={"email": "anahit@example.org"}
    )
    settings = channel_settings(mail_api_url=url, mail_api_token=MAIL_TOKEN)
    assert run_channel(EmailChannel, settings, envelope) == Sent("email-1")
    assert run_channel(EmailChannel, settings, envelope) == Sent("email-1")
    (sent,) = server.received
    assert server.raw_count == 2
    assert sent["from"] == "Armenian Letters Network <letters@lettercast.example>"
    assert sent["to"] == [OFFICE["email"]] and sent["reply_to"] == ["anahit@example.org"]
    assert sent["text"] == LETTER["body"] and sent["subject"] == LETTER["subject"]
    assert sent["headers"]["Message-ID"] == f"<{envelope.idempotency_key}@lettercast.example>"
    assert sent["_headers"]["idempotency-key"] == envelope.idempotency_key


def test_mail_api_refusals_fail_and_its_busy_signals_retry(
    session: Session, mail_api: tuple[MailApiStandIn, str]
) -> None:
    server, url = mail_api
    envelope = make_envelope(session, office=OFFICE | {"email": "not-an-address"}, letter=LETTER)
    settings = channel_settings(mail_api_url=url, mail_api_token=MAIL_TOKEN)
    assert run_channel(EmailChannel, settings, envelope) == Rejected(
        "the mail API refused the message (HTTP 422): Invalid `to`"
    )
    server.faults = [Fault(429, '{"message": "Too many requests"}', {"Retry-After": "7"})]
    assert run_channel(EmailChannel, settings, envelope) == Retry(
        "the mail API answered HTTP 429: Too many requests", after=7.0
    )
    wrong = channel_settings(mail_api_url=url, mail_api_token="re_wrong")
    outcome = run_channel(EmailChannel, wrong, envelope)
    assert isinstance(outcome, Retry) and "refused our token" in outcome.reason


def test_senate_letters_go_by_email_when_no_senate_endpoint_is_configured(
    session: Session, smtp_server: tuple[SmtpHandler, int]
) -> None:
    handler, port = smtp_server
    senate = {
        "key": "us_senate:CA:1",
        "kind": "us_senate",
        "cwc_code": None,
        "email": "senator@senate.example",
    }
    envelope = make_envelope(session, office=senate, letter=LETTER)
    assert isinstance(run_channel(CwcChannel, smtp_settings(port), envelope), Sent)
    assert handler.envelopes[0][1] == ["senator@senate.example"]


def test_a_password_is_never_sent_to_a_relay_without_tls(
    session: Session, smtp_server: tuple[SmtpHandler, int]
) -> None:
    handler, port = smtp_server
    envelope = make_envelope(session, office=OFFICE, letter=LETTER)
    settings = smtp_settings(port, smtp_username="letters", smtp_password="secret")
    outcome = run_channel(EmailChannel, settings, envelope)
    assert isinstance(outcome, Retry) and "not sending our password" in outcome.reason
    assert handler.messages == []
