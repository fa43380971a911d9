"""Admin pages: organiser accounts and the audit log."""

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.organisers.models import Organiser, OrganiserSession
from tests.organisers.accounts import Signed


def test_the_audit_log_shows_who_changed_what_to_admins_only(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    admin, editor = as_role["admin"], as_role["editor"]
    web.post(
        "/admin/campaigns/new",
        data=editor.form(
            slug="audited",
            title="Audited campaign",
            resolution_code="SJR 11",
            demand_label_0="Release",
            demand_text_0="Release them.",
            office_kinds="us_house",
        ),
        headers=editor.headers,
    )
    page = web.get("/admin/audit", headers=admin.headers)
    assert page.status_code == 200
    assert "campaign.create" in page.text and editor.organiser.email in page.text
    assert "Audited campaign" in page.text  # the after-state
    assert web.get("/admin/audit", headers=editor.headers).status_code == 403


def test_an_admin_adds_an_organiser_and_bad_input_is_kept_and_explained(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    admin = as_role["admin"]
    bad = web.post(
        "/admin/organisers",
        data=admin.form(email="new@example.org", role="editor", password="short", name="Nora"),
        headers=admin.headers,
    )
    assert bad.status_code == 400
    assert 'id="password-error"' in bad.text and 'value="new@example.org"' in bad.text
    good = web.post(
        "/admin/organisers",
        data=admin.form(email="New@Example.org", role="editor", password="a long enough secret"),
        headers=admin.headers,
    )
    assert good.status_code == 303
    created = db.exec(select(Organiser).where(Organiser.email == "new@example.org")).one()
    assert created.role == "editor" and created.password_hash.startswith("$argon2id$")


def test_deactivating_an_organiser_signs_them_out_everywhere(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    admin, editor = as_role["admin"], as_role["editor"]
    answer = web.post(
        f"/admin/organisers/{editor.organiser.id}",
        data=admin.form(role="editor", active="0"),
        headers=admin.headers,
    )
    assert answer.status_code == 303
    sessions = db.exec(
        select(OrganiserSession).where(OrganiserSession.organiser_id == editor.organiser.id)
    ).all()
    assert sessions == []
    assert web.get("/admin/campaigns", headers=editor.headers).status_code == 303


def test_an_admin_cannot_demote_themselves(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    admin = as_role["admin"]
    answer = web.post(
        f"/admin/organisers/{admin.organiser.id}",
        data=admin.form(role="viewer", active="1"),
        headers=admin.headers,
    )
    assert answer.status_code == 400 and "cannot demote or deactivate yourself" in answer.text


def test_an_organiser_changes_their_own_password_and_is_signed_out(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    from app.organisers import service
    from tests.organisers.accounts import PASSWORD

    viewer = as_role["viewer"]
    wrong = web.post(
        "/admin/account",
        data=viewer.form(current_password="nope", new_password="x" * 12, repeat_password="x" * 12),
        headers=viewer.headers,
    )
    assert wrong.status_code == 400 and 'id="current_password-error"' in wrong.text
    differ = web.post(
        "/admin/account",
        data=viewer.form(current_password=PASSWORD, new_password="x" * 12, repeat_password="y"),
        headers=viewer.headers,
    )
    assert differ.status_code == 400 and 'id="repeat_password-error"' in differ.text
    done = web.post(
        "/admin/account",
        data=viewer.form(
            current_password=PASSWORD,
            new_password="a brand new one",
            repeat_password="a brand new one",
        ),
        headers=viewer.headers,
    )
    assert done.status_code == 303
    db.refresh(viewer.organiser)
    assert service.password_matches(viewer.organiser, "a brand new one")
    assert web.get("/admin/campaigns", headers=viewer.headers).status_code == 303
