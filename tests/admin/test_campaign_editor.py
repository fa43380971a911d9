"""The campaign editor: create and edit campaigns, status changes, channels and stances."""

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.campaigns.models import Campaign
from app.organisers.models import AuditEvent
from tests.factories import make_campaign, make_office, make_official, make_template
from tests.organisers.accounts import Signed

NEW = {
    "slug": "sjr-11",
    "title": "Free the Armenian hostages",
    "resolution_code": "SJR 11",
    "resolution_title": "Armenian hostages",
    "resolution_date": "2024-02-13",
    "resolution_authors": "Archuleta\nPortantino",
    "resolution_coauthors": "Dahle, Rubio, Wilk",
    "demand_label_0": "Release",
    "demand_text_0": "Urge Azerbaijan to immediately return all Armenian hostages.",
    "demand_label_1": "Sanctions",
    "demand_text_1": "Impose Global Magnitsky sanctions.",
    "office_kinds": "us_house",
    "states": "ca",
    "goal": "1000",
}


def test_an_editor_creates_a_campaign_and_the_change_is_audited(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    editor = as_role["editor"]
    answer = web.post("/admin/campaigns/new", data=editor.form(**NEW), headers=editor.headers)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/admin/campaigns/sjr-11")
    campaign = db.exec(select(Campaign).where(Campaign.slug == "sjr-11")).one()
    assert campaign.status == "draft"
    assert [d["label"] for d in campaign.demands] == ["Release", "Sanctions"]
    assert campaign.resolution["coauthors"] == ["Dahle", "Rubio", "Wilk"]
    assert campaign.targeting["states"] == ["CA"]
    assert campaign.settings["goal"] == 1000
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "campaign.create")).one()
    assert event.organiser_email == editor.organiser.email
    assert event.after["title"] == NEW["title"]


def test_a_bad_campaign_form_is_shown_again_with_the_problem_next_to_the_field(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    editor = as_role["editor"]
    fields = NEW | {"slug": "Bad Slug!", "goal": "lots", "resolution_date": "13/02/2024"}
    answer = web.post("/admin/campaigns/new", data=editor.form(**fields), headers=editor.headers)
    assert answer.status_code == 400
    assert 'id="slug-error"' in answer.text and 'value="Bad Slug!"' in answer.text
    assert 'id="goal-error"' in answer.text and 'value="lots"' in answer.text
    assert 'id="resolution_date-error"' in answer.text
    assert "Urge Azerbaijan to immediately return" in answer.text  # typed demands kept
    assert db.exec(select(Campaign)).all() == []


def test_demands_are_reordered_by_position_and_removed_when_ticked(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    campaign = make_campaign(db, slug="reorder")
    db.commit()
    editor = as_role["editor"]
    fields = NEW | {"demand_position_0": "2", "demand_position_1": "1"}
    fields |= {"demand_label_2": "Gone", "demand_text_2": "x", "demand_delete_2": "1"}
    answer = web.post(
        f"/admin/campaigns/{campaign.slug}", data=editor.form(**fields), headers=editor.headers
    )
    assert answer.status_code == 303
    db.refresh(campaign)
    assert [d["label"] for d in campaign.demands] == ["Sanctions", "Release"]


def test_a_viewer_reads_the_editor_but_may_not_save(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    campaign = make_campaign(db, slug="readonly", title="Read me")
    db.commit()
    viewer = as_role["viewer"]
    page = web.get(f"/admin/campaigns/{campaign.slug}", headers=viewer.headers)
    assert page.status_code == 200 and "Read me" in page.text
    answer = web.post(
        f"/admin/campaigns/{campaign.slug}", data=viewer.form(**NEW), headers=viewer.headers
    )
    assert answer.status_code == 403
    assert "editor" in answer.text


def test_status_moves_follow_draft_live_paused_closed(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    campaign = make_campaign(db, slug="moves", status="draft")
    campaign.targeting = {"office_kinds": ["us_house"]}
    db.commit()
    editor = as_role["editor"]
    url = f"/admin/campaigns/{campaign.slug}/status"
    early = web.post(url, data=editor.form(status="live"), headers=editor.headers)
    assert early.status_code == 400
    assert "Not ready to go live: No template for us_house offices yet." in early.text
    make_template(db, campaign, name="us_house")
    db.commit()
    page = web.get(f"/admin/campaigns/{campaign.slug}", headers=editor.headers)
    assert "No channel for us_house offices: their letters are held" in page.text
    assert web.post(url, data=editor.form(status="live"), headers=editor.headers).status_code == 303
    refused = web.post(url, data=editor.form(status="draft"), headers=editor.headers)
    assert refused.status_code == 400 and "cannot become draft" in refused.text
    db.refresh(campaign)
    assert campaign.status == "live"


def test_only_admins_change_channels(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    campaign = make_campaign(db, slug="channels")
    db.commit()
    url = f"/admin/campaigns/{campaign.slug}/channels"
    editor, admin = as_role["editor"], as_role["admin"]
    fields = {"channel_us_house": "cwc", "channel_state_upper": "email"}
    assert web.post(url, data=editor.form(**fields), headers=editor.headers).status_code == 403
    assert web.post(url, data=admin.form(**fields), headers=admin.headers).status_code == 303
    db.refresh(campaign)
    assert campaign.settings["channels"] == {"us_house": "cwc", "state_upper": "email"}
    bad = web.post(url, data=admin.form(channel_us_house="pigeon"), headers=admin.headers)
    assert bad.status_code == 400 and 'id="channel_us_house-error"' in bad.text


def test_a_stance_names_an_official_by_id(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    campaign = make_campaign(db, slug="stances")
    office = make_office(db, kind="state_upper", key="state_upper:CA-1")
    official = make_official(db, office, id="ocd-person/dahle-b", name="Brian Dahle")
    db.commit()
    editor = as_role["editor"]
    url = f"/admin/campaigns/{campaign.slug}/stances"
    fields = editor.form(official_id=official.id, action="template", template="thanks_coauthor")
    missing = web.post(url, data=fields, headers=editor.headers)
    assert (
        missing.status_code == 400 and "no template &#39;thanks_coauthor&#39; yet" in missing.text
    )
    make_template(db, campaign, name="thanks_coauthor")
    db.commit()
    found = web.get(f"/admin/campaigns/{campaign.slug}?official_q=dahle", headers=editor.headers)
    assert "ocd-person/dahle-b — Brian Dahle — state_upper:CA-1" in found.text
    assert web.post(url, data=fields, headers=editor.headers).status_code == 303
    unknown = editor.form(official_id="nobody", action="exclude")
    refused = web.post(url, data=unknown, headers=editor.headers)
    assert refused.status_code == 400 and "No official has that id" in refused.text
    db.refresh(campaign)
    assert campaign.targeting["stances"] == [
        {"official_id": "ocd-person/dahle-b", "action": "template", "template": "thanks_coauthor"}
    ]


def test_a_form_without_this_sessions_token_is_refused(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    editor, admin = as_role["editor"], as_role["admin"]
    stolen = admin.csrf  # valid, but bound to another session
    answer = web.post(
        "/admin/campaigns/new", data=NEW | {"csrf_token": stolen}, headers=editor.headers
    )
    assert answer.status_code == 403
    assert db.exec(select(Campaign)).all() == []


def test_saving_a_campaign_loaded_from_files_unchanged_keeps_everything(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    from app.admin.campaign_forms import form_from_campaign
    from app.admin.campaign_service import snapshot
    from app.config import PROJECT_ROOT
    from app.letters.loader import load_campaign_directory

    load_campaign_directory(db, PROJECT_ROOT / "letter_templates" / "sjr-11")
    db.commit()
    campaign = db.exec(select(Campaign).where(Campaign.slug == "sjr-11")).one()
    before = snapshot(campaign)
    form = form_from_campaign(campaign)
    fields: dict[str, object] = {
        k: v for k, v in form.items() if isinstance(v, str) and k != "slug"
    }
    fields["office_kinds"] = form["office_kinds"]
    for n, demand in enumerate(form["demands"]):
        for part in ("label", "text", "source"):
            fields[f"demand_{part}_{n}"] = demand[part]
    editor = as_role["editor"]
    answer = web.post(
        "/admin/campaigns/sjr-11",
        data={"csrf_token": editor.csrf, **fields},
        headers=editor.headers,
    )
    assert answer.status_code == 303, answer.text
    db.refresh(campaign)
    assert snapshot(campaign) == before


def test_custom_targets_become_seats_and_unknown_executive_offices_are_refused(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    from app.representatives.models import Office, Official

    editor = as_role["editor"]
    fields = NEW | {
        "office_kinds": "custom",
        "custom_targets": "custom:mayor | Karen Bass | Mayor | Dear Mayor Bass | mayor@example.org",
    }
    answer = web.post("/admin/campaigns/new", data=editor.form(**fields), headers=editor.headers)
    assert answer.status_code == 303
    office = db.exec(select(Office).where(Office.key == "custom:mayor")).one()
    official = db.get(Official, "custom:mayor")
    assert office.kind == "custom" and office.email == "mayor@example.org"
    assert official is not None and official.office_id == office.id
    assert official.extra == {"salutation": "Dear Mayor Bass"}
    unknown = NEW | {"slug": "exec", "executive": "executive:CA:governor"}
    refused = web.post("/admin/campaigns/new", data=editor.form(**unknown), headers=editor.headers)
    assert refused.status_code == 400 and 'id="executive-error"' in refused.text
    assert "executive:CA:governor" in refused.text
