"""The template editor's preview is the letter the office will really receive."""

from datetime import date

from sqlmodel import Session

from app.admin.template_service import SAMPLE_SUPPORTER, preview
from app.letters.compose import compose_letter
from tests.factories import make_campaign, make_office, make_official, make_template

SUBJECT = "{{ pick('Please act', 'Act now', 'A request', 'Your help') }} on SJR 11"
BODY = (
    "{{ official.salutation }},\n\n"
    "{{ pick('I write from', 'I live in', 'My home is', 'Greetings from') }} "
    "{{ supporter.city }}.\n"
)


def test_the_preview_shows_the_variants_the_office_receives(session: Session) -> None:
    campaign = make_campaign(session)
    template = make_template(session, campaign, subject_source=SUBJECT, body_source=BODY)
    office = make_office(session)
    official = make_official(session, office)
    today = date(2026, 11, 28)

    shown = preview(session, campaign, "us_house", SUBJECT, BODY, official.id, today)
    sent = compose_letter(
        session, campaign, office, official, SAMPLE_SUPPORTER, today, template=template
    )

    assert shown.problems == []
    assert (shown.subject, shown.body) == (sent.subject, sent.body)
