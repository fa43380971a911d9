"""The template editor: checks at their line, previews, versions, diff, roll back, test-send."""

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.campaigns.models import TemplateVersion
from app.organisers.models import AuditEvent
from tests.factories import make_campaign, make_letter, make_office, make_official, make_supporter
from tests.organisers.accounts import Signed

SUBJECT = "Please act on {{ resolution.code }}"
BODY = (
    "{{ official.salutation }},\n\nI live in {{ supporter.city }}.\n"
    "{% for d in demands %}- {{ d.text }}\n{% endfor %}\nSincerely,\n{{ supporter.full_name }}\n"
)


def _url(slug: str, rest: str = "") -> str:
    return f"/admin/campaigns/{slug}/templates/us_house{rest}"


def test_saving_adds_a_version_with_author_and_letters_keep_their_text(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    campaign = make_campaign(db, slug="save")
    office = make_office(db)
    letter = make_letter(db, make_supporter(db, campaign), office, body="The text they saw.")
    db.commit()
    editor = as_role["editor"]
    for body in (BODY, BODY + "P.S. Thank you.\n"):
        answer = web.post(
            _url(campaign.slug),
            data=editor.form(subject=SUBJECT, body=body),
            headers=editor.headers,
        )
        assert answer.status_code == 303
    rows = db.exec(select(TemplateVersion).where(TemplateVersion.campaign_id == campaign.id)).all()
    assert sorted(r.version for r in rows) == [1, 2]
    assert {r.author for r in rows} == {editor.organiser.email}
    db.refresh(letter)
    assert letter.body == "The text they saw."
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "template.save")).all()[-1]
    assert event.before["version"] == 1 and event.after["body"].endswith("Thank you.\n")


def test_a_syntax_error_is_refused_and_shown_at_its_line_with_the_text_kept(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    campaign = make_campaign(db, slug="syntax")
    db.commit()
    editor = as_role["editor"]
    broken = "Dear {{ official.name }},\n\nThanks.\n{% if supporter.city %}\nBye\n"
    answer = web.post(
        _url(campaign.slug), data=editor.form(subject=SUBJECT, body=broken), headers=editor.headers
    )
    assert answer.status_code == 400
    assert "Body, line" in answer.text
    assert 'class="error-line"' in answer.text
    assert "{% if supporter.city %}" in answer.text  # what was typed is kept
    assert db.exec(select(TemplateVersion)).all() == []


def test_an_unknown_variable_is_reported_at_its_line(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    campaign = make_campaign(db, slug="unknown")
    db.commit()
    viewer = as_role["viewer"]
    answer = web.post(
        f"/api/admin/campaigns/{campaign.slug}/templates/us_house/preview",
        json={"subject": SUBJECT, "body": "Hello\n{{ supporter.shoe_size }}\n"},
        headers=viewer.headers | {"X-CSRF-Token": viewer.csrf},
    )
    assert answer.status_code == 200
    problems = answer.json()["problems"]
    assert problems[0]["part"] == "body" and problems[0]["line"] == 2
    assert "shoe_size" in problems[0]["message"]


def test_the_preview_renders_for_a_chosen_real_official(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    campaign = make_campaign(db, slug="preview")
    office = make_office(db, key="us_house:CA-30", kind="us_house")
    official = make_official(db, office, id="S001234", last_name="Schiff", title="Representative")
    db.commit()
    viewer = as_role["viewer"]
    answer = web.post(
        f"/api/admin/campaigns/{campaign.slug}/templates/us_house/preview",
        json={"subject": SUBJECT, "body": BODY, "official_id": official.id},
        headers=viewer.headers | {"X-CSRF-Token": viewer.csrf},
    )
    result = answer.json()
    assert result["problems"] == []
    assert result["subject"] == "Please act on SJR 11"
    assert result["body"].startswith("Dear Representative Schiff,")
    assert "- Release all prisoners." in result["body"]
    no_js = web.post(
        _url(campaign.slug, "/preview"),
        data=viewer.form(subject=SUBJECT, body=BODY, official_id=official.id),
        headers=viewer.headers,
    )
    assert no_js.status_code == 200 and "Dear Representative Schiff," in no_js.text


def test_the_preview_api_needs_the_pages_token(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    campaign = make_campaign(db, slug="token")
    db.commit()
    viewer = as_role["viewer"]
    answer = web.post(
        f"/api/admin/campaigns/{campaign.slug}/templates/us_house/preview",
        json={"subject": SUBJECT, "body": BODY},
        headers=viewer.headers,
    )
    assert answer.status_code == 403


def test_roll_back_adds_a_new_version_with_the_old_text_and_diff_shows_changes(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    campaign = make_campaign(db, slug="rollback")
    db.commit()
    editor = as_role["editor"]
    for body in (BODY, BODY.replace("I live in", "I write from")):
        web.post(
            _url(campaign.slug),
            data=editor.form(subject=SUBJECT, body=body),
            headers=editor.headers,
        )
    diff = web.get(_url(campaign.slug, "/diff?old=1&new=2"), headers=editor.headers)
    assert '<span class="del">-I live in {{ supporter.city }}.</span>' in diff.text
    assert '<span class="add">+I write from {{ supporter.city }}.</span>' in diff.text
    answer = web.post(
        _url(campaign.slug, "/rollback"), data=editor.form(version="1"), headers=editor.headers
    )
    assert answer.status_code == 303
    rows = db.exec(
        select(TemplateVersion)
        .where(TemplateVersion.campaign_id == campaign.id)
        .order_by(TemplateVersion.version)
    ).all()
    assert [r.version for r in rows] == [1, 2, 3]
    assert rows[2].body_source == BODY and rows[2].note == "Rolled back to version 1"
    missing = web.post(
        _url(campaign.slug, "/rollback"), data=editor.form(version="9"), headers=editor.headers
    )
    assert missing.status_code == 404


def test_test_send_says_when_email_is_not_configured(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    campaign = make_campaign(db, slug="testsend")
    db.commit()
    editor = as_role["editor"]
    web.post(
        _url(campaign.slug), data=editor.form(subject=SUBJECT, body=BODY), headers=editor.headers
    )
    answer = web.post(_url(campaign.slug, "/test-send"), data=editor.form(), headers=editor.headers)
    assert answer.status_code == 200
    assert "E-mail is not configured, so nothing was sent" in answer.text


def test_the_preview_can_be_written_by_a_real_supporter_found_by_email(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    campaign = make_campaign(db, slug="real")
    make_supporter(
        db, campaign, email="ani@example.org", email_normalized="ani@example.org", city="Burbank"
    )
    db.commit()
    viewer = as_role["viewer"]
    url = f"/api/admin/campaigns/{campaign.slug}/templates/us_house/preview"
    headers = viewer.headers | {"X-CSRF-Token": viewer.csrf}
    found = web.post(
        url,
        json={"subject": SUBJECT, "body": BODY, "supporter_email": "ANI@example.org"},
        headers=headers,
    ).json()
    assert "I live in Burbank." in found["body"]
    assert found["writer"] == "Anahit Petrosyan of Burbank, CA"
    missing = web.post(
        url,
        json={"subject": SUBJECT, "body": BODY, "supporter_email": "nobody@example.org"},
        headers=headers,
    ).json()
    assert missing["problems"] == [
        {
            "part": "supporter",
            "line": None,
            "message": "No supporter of this campaign has that address.",
        }
    ]
