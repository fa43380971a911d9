"""compose_letter: the current template for the office, stances, vacant seats, versions."""

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from app.campaigns import service
from app.campaigns.models import Campaign
from app.letters.compose import SupporterDetails, compose_letter, current_template
from app.letters.loader import load_campaign_directory
from app.letters.render import LetterTemplateError
from app.representatives.models import Office, Official
from tests.factories import make_office, make_official
from tests.letters.conftest import SJR11_DIR

SUPPORTER = SupporterDetails(
    prefix=None,
    first_name="Narine",
    last_name="Hakobyan",
    email="Narine@example.org",
    street="500 E Colorado St",
    street2=None,
    city="Pasadena",
    state="CA",
    zip="91101",
    personal_note="My uncle was among those who went missing.",
)


@pytest.fixture
def campaign(session: Session) -> Campaign:
    load_campaign_directory(session, SJR11_DIR)
    found = service.get_campaign_by_slug(session, "sjr-11")
    assert found is not None
    return found


def test_a_letter_to_a_house_member_uses_the_current_house_template(
    session: Session, campaign: Campaign
) -> None:
    office = make_office(session, key="us_house:CA-28", district="28")
    official = make_official(session, office, first_name="Judy", last_name="Example")
    letter = compose_letter(session, campaign, office, official, SUPPORTER, date(2026, 11, 28))
    assert letter.template_name == "us_house"
    assert letter.body.startswith("Dear Representative Example,\n")
    assert "Pasadena" in letter.body and "My uncle was among those" in letter.body
    assert letter.body.endswith("Narine Hakobyan\n500 E Colorado St\nPasadena, CA 91101\n")
    assert "SJR 11" in letter.subject and "\n" not in letter.subject
    current = current_template(session, campaign.id or 0, "us_house")
    assert current is not None and letter.template_version_id == current.id


def test_the_same_supporter_and_office_always_get_the_same_letter(
    session: Session, campaign: Campaign
) -> None:
    office = make_office(session, key="us_house:CA-30", district="30")
    official = make_official(session, office)
    first = compose_letter(session, campaign, office, official, SUPPORTER, date(2026, 11, 28))
    other_case = SupporterDetails(**{**SUPPORTER.__dict__, "email": " narine@EXAMPLE.org "})
    again = compose_letter(session, campaign, office, official, other_case, date(2026, 11, 28))
    assert first == again


def test_a_stance_sends_a_coauthor_the_thank_you_letter(
    session: Session, campaign: Campaign
) -> None:
    office = make_office(session, key="state_upper:CA-99", kind="state_upper")
    official = make_official(session, office, id="ocd-person/coauthor", title="Senator")
    campaign.targeting = campaign.targeting | {
        "stances": [
            {
                "official_id": "ocd-person/coauthor",
                "action": "template",
                "template": "thanks_coauthor",
            }
        ]
    }
    letter = compose_letter(session, campaign, office, official, SUPPORTER)
    assert letter.template_name == "thanks_coauthor"
    assert "thank you for coauthoring SJR 11" in letter.body


def test_an_excluded_official_gets_no_letter(session: Session, campaign: Campaign) -> None:
    office = make_office(session)
    official = make_official(session, office, id="B000001")
    campaign.targeting = campaign.targeting | {
        "stances": [{"official_id": "B000001", "action": "exclude"}]
    }
    with pytest.raises(LetterTemplateError, match="excludes official B000001"):
        compose_letter(session, campaign, office, official, SUPPORTER)


def test_a_vacant_seat_is_addressed_by_its_title(session: Session, campaign: Campaign) -> None:
    office = make_office(session, key="state_lower:CA-14", kind="state_lower")
    letter = compose_letter(session, campaign, office, None, SUPPORTER)
    assert letter.body.startswith("Dear Assemblymember,\n")


def test_the_president_is_written_to_through_the_campaign_defined_office(
    session: Session, campaign: Campaign
) -> None:

    office = session.exec(select(Office).where(Office.key == "executive:US:president")).one()
    president = session.get(Official, "executive:US:president")
    letter = compose_letter(session, campaign, office, president, SUPPORTER)
    assert letter.body.startswith("Dear Mr. President,\n")
    assert "administration" in letter.body


def test_a_newer_template_version_is_used_for_new_letters(
    session: Session, campaign: Campaign, tmp_path: Path
) -> None:
    office = make_office(session)
    official = make_official(session, office)
    old = compose_letter(session, campaign, office, official, SUPPORTER)
    new_version = service.save_template_version(
        session, campaign, "us_house", "New subject for {{ resolution.code }}",
        "{{ official.salutation }},\n\nPlease act.\n", author="test",
    )  # fmt: skip
    new = compose_letter(session, campaign, office, official, SUPPORTER)
    assert new.template_version_id == new_version.id != old.template_version_id
    assert new.subject == "New subject for SJR 11"


def test_saving_a_broken_template_writes_nothing(session: Session, campaign: Campaign) -> None:
    before = service.template_versions(session, campaign.id or 0)
    with pytest.raises(LetterTemplateError) as refused:
        service.save_template_version(
            session, campaign, "us_house", "ok", "Dear {{ official.nmae }}", author="test"
        )
    assert str(refused.value).startswith("us_house.body.txt:1: official has no field 'nmae'")
    assert service.template_versions(session, campaign.id or 0) == before
