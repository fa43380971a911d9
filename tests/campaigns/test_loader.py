"""Loading letter_templates/<slug>/: idempotent, versioned, and all-or-nothing on bad input."""

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, func, select

from app.campaigns import service
from app.campaigns.campaign_file import CampaignFileError
from app.campaigns.models import Campaign, TemplateVersion
from app.letters.loader import load_campaign_directory
from app.representatives.models import Office, Official
from tests.campaigns.conftest import edit


def snapshot(session: Session) -> dict[str, Any]:
    """Everything the loader can write, as plain data."""
    session.expire_all()
    return {
        "campaigns": [c.model_dump() for c in session.exec(select(Campaign)).all()],
        "templates": [t.model_dump() for t in session.exec(select(TemplateVersion)).all()],
        "offices": [o.model_dump() for o in session.exec(select(Office)).all()],
        "officials": [o.model_dump() for o in session.exec(select(Official)).all()],
    }


def test_loading_creates_the_campaign_its_templates_and_the_presidents_office(
    session: Session, campaign_dir: Path
) -> None:
    report = load_campaign_directory(session, campaign_dir)
    assert report.created
    campaign = service.get_campaign_by_slug(session, "sjr-11")
    assert campaign is not None and campaign.status == "live"
    assert campaign.resolution["code"] == "SJR 11"
    assert campaign.resolution["date"] == "2024-02-13"
    assert campaign.demands[0]["label"] == "Return the hostages"
    assert campaign.targeting["executive"] == ["executive:US:president"]
    assert campaign.settings["federal_bills"] == [
        {"congress": 118, "type": "H.Res.", "number": 861}
    ]
    assert service.template_versions(session, campaign.id or 0) == {
        "executive": 1,
        "state_lower": 1,
        "state_upper": 1,
        "thanks_coauthor": 1,
        "us_house": 1,
        "us_senate": 1,
    }
    office = session.exec(select(Office).where(Office.key == "executive:US:president")).one()
    president = session.get(Official, "executive:US:president")
    assert office.kind == "executive" and office.state is None
    assert president is not None and president.office_id == office.id
    assert president.extra["salutation"] == "Dear Mr. President"


def test_loading_the_same_files_again_changes_nothing(session: Session, campaign_dir: Path) -> None:
    load_campaign_directory(session, campaign_dir)
    before = snapshot(session)
    report = load_campaign_directory(session, campaign_dir)
    assert not report.changed
    assert snapshot(session) == before


def test_a_changed_template_becomes_a_new_version_and_the_old_one_is_kept(
    session: Session, campaign_dir: Path
) -> None:
    load_campaign_directory(session, campaign_dir)
    edit(campaign_dir / "us_house.body.txt", "Sincerely,", "Respectfully,")
    report = load_campaign_directory(session, campaign_dir)
    assert report.new_templates == [("us_house", 2)]
    assert set(report.unchanged_templates) >= {"us_senate", "executive"}
    versions = session.exec(
        select(TemplateVersion).where(TemplateVersion.name == "us_house").order_by("version")
    ).all()
    assert [v.version for v in versions] == [1, 2]
    assert "Sincerely," in versions[0].body_source and "Respectfully," in versions[1].body_source


def test_a_changed_campaign_field_and_executive_holder_are_updated(
    session: Session, campaign_dir: Path
) -> None:
    load_campaign_directory(session, campaign_dir)
    edit(campaign_dir / "campaign.yaml", "goal: 5000", "goal: 7000")
    edit(campaign_dir / "campaign.yaml", "name: President of the United States", "name: A. Person")
    report = load_campaign_directory(session, campaign_dir)
    assert report.changed_fields == ["settings"]
    assert report.offices == ["executive:US:president"]
    president = session.get(Official, "executive:US:president")
    assert president is not None and president.name == "A. Person"
    assert session.exec(select(func.count()).select_from(Office)).one() == 1


def line_of(path: Path, marker: str) -> int:
    lines = path.read_text().splitlines()
    if marker == "<end>":
        return len(lines)
    return next(n for n, line in enumerate(lines, 1) if marker in line)


@pytest.mark.parametrize(
    ("file", "old", "new", "marker", "problem"),
    [
        ("campaign.yaml", "  code: SJR 11\n", "  code: SJR 11\n  colour: red\n", "colour: red",
         "unknown key 'resolution.colour'"),
        ("campaign.yaml", "  title: Armenian hostages\n", "", "resolution:",
         "missing key 'resolution.title'"),
        ("campaign.yaml", "state_upper, state_lower", "state_upper, governorship",
         "office_kinds:", "targeting.office_kinds.3"),
        ("campaign.yaml", "slug: sjr-11", "slug: sjr-11\nslug: again", "slug: again",
         "duplicate key 'slug'"),
        ("us_house.body.txt", "{% endif %}\n\n{{ resolution.code }}", "\n{{ resolution.code }}",
         "<end>", "Unexpected end of template"),
        ("us_senate.body.txt", "{{ supporter.city }}, {{ supporter.state }}, about",
         "{{ supporter.town }}, about", "supporter.town", "supporter has no field 'town'"),
        ("executive.subject.txt", "resolution.code ~ \":", "resolutoin.code ~ \":",
         "resolutoin", "unknown variable 'resolutoin'"),
    ],
)  # fmt: skip
def test_bad_input_names_file_and_line_and_leaves_the_database_as_it_was(
    session: Session, campaign_dir: Path, file: str, old: str, new: str, marker: str, problem: str
) -> None:
    load_campaign_directory(session, campaign_dir)
    edit(campaign_dir / "us_house.body.txt", "Sincerely,", "Yours sincerely,")  # a valid change
    edit(campaign_dir / "campaign.yaml", "goal: 5000", "goal: 6000")  # and another
    before = snapshot(session)
    edit(campaign_dir / file, old, new)
    with pytest.raises(CampaignFileError) as refused:
        load_campaign_directory(session, campaign_dir)
    message = str(refused.value)
    assert f"{campaign_dir / file}:{line_of(campaign_dir / file, marker)}: " in message, message
    assert problem in message
    assert snapshot(session) == before


def test_an_office_kind_without_templates_is_refused(session: Session, campaign_dir: Path) -> None:
    (campaign_dir / "state_lower.body.txt").unlink()
    (campaign_dir / "state_lower.subject.txt").unlink()
    with pytest.raises(CampaignFileError) as refused:
        load_campaign_directory(session, campaign_dir)
    line = line_of(campaign_dir / "campaign.yaml", "office_kinds:")
    assert f"campaign.yaml:{line}: office kind 'state_lower' has no templates" in str(refused.value)
    assert service.list_campaigns(session) == []


def test_a_stance_must_name_an_existing_template(session: Session, campaign_dir: Path) -> None:
    edit(
        campaign_dir / "campaign.yaml",
        "  stances: []",
        "  stances:\n    - {official_id: ocd-person/x, action: template, template: thanks}",
    )
    with pytest.raises(CampaignFileError) as refused:
        load_campaign_directory(session, campaign_dir)
    assert "stance names template 'thanks'" in str(refused.value)


def test_files_that_are_not_text_are_refused(session: Session, campaign_dir: Path) -> None:
    (campaign_dir / "us_house.body.txt").write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(CampaignFileError) as refused:
        load_campaign_directory(session, campaign_dir)
    assert f"{campaign_dir / 'us_house.body.txt'}: not UTF-8 text" in str(refused.value)
    (campaign_dir / "campaign.yaml").write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(CampaignFileError, match=r"campaign\.yaml: not UTF-8 text"):
        load_campaign_directory(session, campaign_dir)
    (campaign_dir / "campaign.yaml").write_text("")
    with pytest.raises(CampaignFileError, match=r"campaign\.yaml:1: expected a mapping"):
        load_campaign_directory(session, campaign_dir)
    assert service.list_campaigns(session) == []


def test_a_custom_target_becomes_an_office_with_its_official(
    session: Session, campaign_dir: Path
) -> None:
    edit(
        campaign_dir / "campaign.yaml", "state_lower, executive]", "state_lower, executive, custom]"
    )
    edit(
        campaign_dir / "campaign.yaml",
        "  stances: []",
        "  custom_targets:\n"
        "    - key: custom:state-department\n"
        "      name: Jordan Sample\n"
        "      title: Secretary\n"
        "      office_title: U.S. Department of State\n"
        "      salutation: Dear Secretary Sample\n"
        "      email: secretary@example.org\n"
        "  stances: []",
    )
    for part in ("subject", "body"):
        source = (campaign_dir / f"executive.{part}.txt").read_text()
        (campaign_dir / f"custom.{part}.txt").write_text(source)
    report = load_campaign_directory(session, campaign_dir)
    assert "custom:state-department" in report.offices
    office = session.exec(select(Office).where(Office.key == "custom:state-department")).one()
    official = session.get(Official, "custom:state-department")
    assert office.kind == "custom" and office.title == "U.S. Department of State"
    assert official is not None and official.office_id == office.id
    assert official.extra == {"salutation": "Dear Secretary Sample"}
    assert load_campaign_directory(session, campaign_dir).offices == []
