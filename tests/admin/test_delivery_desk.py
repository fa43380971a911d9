"""The delivery desk: counts, failed and dead letters, retry and cancel, the held queue."""

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.delivery.models import Delivery
from app.organisers.models import AuditEvent
from tests.factories import make_campaign, make_delivery, make_letter, make_office, make_supporter
from tests.organisers.accounts import Signed


def _desk(db: Session) -> tuple[str, list[Delivery]]:
    campaign = make_campaign(db)
    rows = []
    for status, channel, error in (
        ("dead", "cwc", "CWC said: 400 invalid ZIP for district"),
        ("failed", "email", "SMTP 451 try later"),
        ("held", "hold", "Held: no delivery channel is configured for state_upper offices."),
        ("sent", "cwc", None),
    ):
        supporter = make_supporter(db, campaign)
        letter = make_letter(db, supporter, make_office(db), official_name="Pat Official")
        rows.append(make_delivery(db, letter, status=status, channel=channel, last_error=error))
    db.commit()
    return campaign.slug, rows


def test_the_desk_counts_by_state_and_channel_and_shows_downstream_errors(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    slug, _ = _desk(db)
    page = web.get(f"/admin/campaigns/{slug}/deliveries", headers=as_role["viewer"].headers)
    assert page.status_code == 200
    assert "CWC said: 400 invalid ZIP for district" in page.text
    assert "SMTP 451 try later" in page.text
    assert "no delivery channel is configured for state_upper" in page.text
    assert "<tr><td>cwc</td>" in page.text


def test_an_editor_retries_a_dead_letter_and_it_goes_back_in_the_queue(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    slug, rows = _desk(db)
    editor = as_role["editor"]
    dead = rows[0]
    answer = web.post(
        f"/admin/campaigns/{slug}/deliveries/retry",
        data=editor.form(one=str(dead.id)),
        headers=editor.headers,
    )
    assert answer.status_code == 303 and "done=retry:1" in answer.headers["location"]
    db.refresh(dead)
    assert dead.status == "queued"
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "delivery.retry")).one()
    assert event.before == {str(dead.id): "dead"} and event.after == {str(dead.id): "queued"}


def test_cancel_takes_many_at_once_but_not_letters_of_another_campaign(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    slug, rows = _desk(db)
    _, others = _desk(db)
    editor = as_role["editor"]
    ids = [str(rows[0].id), str(rows[1].id), str(others[1].id)]
    answer = web.post(
        f"/admin/campaigns/{slug}/deliveries/cancel",
        data={"csrf_token": editor.csrf, "ids": ids},
        headers=editor.headers,
    )
    assert answer.status_code == 303
    for row in (*rows, *others):
        db.refresh(row)
    assert (rows[0].status, rows[1].status) == ("cancelled", "cancelled")
    assert others[1].status == "failed"


def test_a_held_letter_is_marked_delivered_on_a_date(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    slug, rows = _desk(db)
    editor = as_role["editor"]
    held = rows[2]
    url = f"/admin/campaigns/{slug}/deliveries/mark-delivered"
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    bad = web.post(
        url, data=editor.form(one=str(held.id), delivered_on=tomorrow), headers=editor.headers
    )
    assert bad.status_code == 400 and 'id="delivered_on-error"' in bad.text
    assert f'value="{tomorrow}"' in bad.text
    answer = web.post(
        url, data=editor.form(one=str(held.id), delivered_on="2026-11-20"), headers=editor.headers
    )
    assert answer.status_code == 303
    db.refresh(held)
    assert held.status == "sent"
    assert held.delivered_by_hand_on is not None
    assert held.delivered_by_hand_on.date() == date(2026, 11, 20)


def test_a_viewer_sees_the_desk_but_may_not_retry(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    slug, rows = _desk(db)
    viewer = as_role["viewer"]
    answer = web.post(
        f"/admin/campaigns/{slug}/deliveries/retry",
        data=viewer.form(one=str(rows[0].id)),
        headers=viewer.headers,
    )
    assert answer.status_code == 403
    db.refresh(rows[0])
    assert rows[0].status == "dead"


def test_a_supporters_letters_are_found_by_email_without_it_in_the_url(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    campaign = make_campaign(db, slug="find")
    supporter = make_supporter(
        db, campaign, email="Ani@Example.org", email_normalized="ani@example.org"
    )
    letter = make_letter(db, supporter, make_office(db, key="us_house:CA-28"))
    make_delivery(db, letter, status="sent", channel="cwc", downstream_id="CWC-123")
    db.commit()
    viewer = as_role["viewer"]
    url = f"/admin/campaigns/{campaign.slug}/deliveries/find"
    found = web.post(url, data=viewer.form(email="ANI@example.org"), headers=viewer.headers)
    assert found.status_code == 200
    assert "us_house:CA-28" in found.text and "sent: CWC-123" in found.text
    missing = web.post(url, data=viewer.form(email="nobody@example.org"), headers=viewer.headers)
    assert "No supporter of this campaign has that address." in missing.text
    bad = web.post(url, data=viewer.form(email="nonsense"), headers=viewer.headers)
    assert bad.status_code == 400 and 'value="nonsense"' in bad.text
