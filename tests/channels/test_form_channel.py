"""The form channel against a legislature-style contact form stand-in."""

from pathlib import Path

import yaml
from sqlmodel import Session

from app.delivery.channels import Rejected, Retry, Sent
from app.delivery.channels.form import FormChannel
from tests.channels.conftest import channel_settings, make_envelope, run_channel
from tests.channels.standins import ContactFormStandIn, Fault

OFFICE = {"key": "state_lower:CA-44", "kind": "state_lower", "district": "44", "cwc_code": None}


def forms_file(tmp_path: Path, url: str, **overrides: object) -> Path:
    entry = {
        "offices": ["state_lower:CA-*"],
        "url": url + "/contact?district={district}",
        "fields": {
            "firstname": "{first_name}",
            "lastname": "{last_name}",
            "email": "{email}",
            "zip": "{zip}",
            "message": "{body}",
            "topic": "Other",
        },
        "success_text": "Thank you for contacting",
        "reject_texts": ["not in this district"],
    } | overrides
    path = tmp_path / "forms.yaml"
    path.write_text(yaml.safe_dump({"forms": [entry]}))
    return path


def test_letter_is_posted_to_the_districts_form_with_the_configured_fields(
    session: Session, form_server: tuple[ContactFormStandIn, str], tmp_path: Path
) -> None:
    server, url = form_server
    settings = channel_settings(contact_forms_path=forms_file(tmp_path, url))
    envelope = make_envelope(session, office=OFFICE, letter={"body": "Please support SJR 11."})
    assert isinstance(run_channel(FormChannel, settings, envelope), Sent)
    (posted,) = server.received
    assert posted["_district"] == "44" and posted["message"] == "Please support SJR 11."
    assert posted["firstname"] == "Anahit" and posted["topic"] == "Other"


def test_the_forms_refusal_text_makes_a_permanent_failure(
    session: Session, form_server: tuple[ContactFormStandIn, str], tmp_path: Path
) -> None:
    _, url = form_server
    settings = channel_settings(contact_forms_path=forms_file(tmp_path, url))
    envelope = make_envelope(session, office=OFFICE, supporter={"zip": "90001"})
    assert run_channel(FormChannel, settings, envelope) == Rejected(
        "the contact form refused the letter: 'not in this district'"
    )


def test_an_unreadable_answer_is_rejected_unless_configured_to_retry(
    session: Session, form_server: tuple[ContactFormStandIn, str], tmp_path: Path
) -> None:
    _, url = form_server
    envelope = make_envelope(session, office=OFFICE, supporter={"email": ""})
    strict = channel_settings(contact_forms_path=forms_file(tmp_path, url))
    assert isinstance(run_channel(FormChannel, strict, envelope), Rejected)
    lenient = channel_settings(contact_forms_path=forms_file(tmp_path, url, unknown_answer="retry"))
    assert isinstance(run_channel(FormChannel, lenient, envelope), Retry)


def test_a_form_that_is_down_is_retried(
    session: Session, form_server: tuple[ContactFormStandIn, str], tmp_path: Path
) -> None:
    server, url = form_server
    server.faults = [Fault(503, "down", {"Retry-After": "30"})]
    settings = channel_settings(contact_forms_path=forms_file(tmp_path, url))
    envelope = make_envelope(session, office=OFFICE)
    assert run_channel(FormChannel, settings, envelope) == Retry(
        "the contact form answered HTTP 503", after=30.0
    )


def test_forms_are_off_unless_configured_and_only_for_offices_listed(
    session: Session, tmp_path: Path
) -> None:
    reason = FormChannel.unavailable_reason(channel_settings(), {})
    assert reason and "CONTACT_FORMS_PATH" in reason
    settings = channel_settings(contact_forms_path=forms_file(tmp_path, "http://127.0.0.1:9"))
    assert FormChannel.unavailable_reason(settings, {}) is None
    senate = make_envelope(session, office={"key": "state_upper:CA-25", "kind": "state_upper"})
    assert run_channel(FormChannel, settings, senate) == Rejected(
        "no contact form is configured for office state_upper:CA-25"
    )
