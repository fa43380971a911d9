"""A submission becomes the supporter, their consent, their letters and one job per letter."""

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from app.campaigns.models import Campaign
from app.delivery.models import Delivery
from app.letters.models import Letter
from app.supporters.models import Consent, Supporter
from tests.submissions.conftest import World, submission


def count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def url(world: World) -> str:
    return f"/api/campaigns/{world.slug}/submissions"


def test_submission_answers_201_with_a_long_random_token_and_its_letters(
    api: TestClient, world: World, committed_engine: Engine
) -> None:
    response = api.post(url(world), json=submission())

    assert response.status_code == 201
    answer = response.json()
    assert len(answer["token"]) >= 32  # 256 random bits, URL-safe
    assert answer["matched_address"] == "100 N BRAND BLVD, GLENDALE, CA, 91203"
    kinds = [letter["office_kind"] for letter in answer["letters"]]
    assert kinds == ["us_house", "us_senate", "us_senate", "state_upper", "state_lower"]
    first = answer["letters"][0]
    assert first["office_key"] == "us_house:CA-49"
    assert first["official_name"] == "Pat Ushouse-Ca-49"
    assert "Dear Representative Ushouse-Ca-49" in first["body"]
    assert "My grandparents survived 1915." in first["body"]
    assert {letter["status"] for letter in answer["letters"]} == {"held"}


def test_letters_are_stored_exactly_as_answered_with_one_delivery_job_each(
    api: TestClient, world: World, committed_engine: Engine
) -> None:
    answer = api.post(url(world), json=submission()).json()

    with Session(committed_engine) as session:
        letters = session.exec(select(Letter).order_by(col(Letter.id))).all()
        jobs = session.exec(select(Delivery)).all()
        supporter = session.exec(select(Supporter)).one()
        consent = session.exec(select(Consent)).one()
    assert [(x.id, x.subject, x.body) for x in letters] == [
        (x["id"], x["subject"], x["body"]) for x in answer["letters"]
    ]
    assert sorted(job.letter_id for job in jobs) == [x.id for x in letters]
    assert supporter.token == answer["token"]
    assert supporter.phone == "818-555-0100"
    assert supporter.districts["us_house"] == "CA-49"
    assert consent.supporter_id == supporter.id and consent.email == "anahit@example.org"
    assert {x.state for x in letters} == {"CA"}


def test_the_token_shows_the_same_submission_with_current_statuses(
    api: TestClient, world: World, committed_engine: Engine
) -> None:
    answer = api.post(url(world), json=submission()).json()
    with Session(committed_engine) as session:
        job = session.exec(
            select(Delivery).where(Delivery.letter_id == answer["letters"][0]["id"])
        ).one()
        job.status = "sent"
        session.add(job)
        session.commit()

    shown = api.get(f"/api/submissions/{answer['token']}")

    assert shown.status_code == 200
    assert shown.headers["cache-control"] == "no-store"
    assert shown.json()["letters"][0]["status"] == "sent"
    assert shown.json()["letters"][1:] == answer["letters"][1:]
    assert api.get("/api/submissions/" + "x" * 43).status_code == 404


def test_preview_shows_the_letters_the_submission_then_sends_and_saves_nothing(
    api: TestClient, world: World, committed_engine: Engine
) -> None:
    preview = api.post(url(world) + "/preview", json=submission())

    assert preview.status_code == 200
    assert preview.json()["token"] is None
    assert {x["status"] for x in preview.json()["letters"]} == {"preview"}
    assert count(committed_engine, Supporter) == count(committed_engine, Letter) == 0
    sent = api.post(url(world), json=submission()).json()
    assert [(x["subject"], x["body"]) for x in sent["letters"]] == [
        (x["subject"], x["body"]) for x in preview.json()["letters"]
    ]


def test_the_same_supporter_writing_again_gets_200_and_the_same_letters(
    api: TestClient, world: World, committed_engine: Engine
) -> None:
    first = api.post(url(world), json=submission(email="Anahit@Example.org"))
    again = api.post(url(world), json=submission(email="anahit@EXAMPLE.ORG "))

    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["token"] == first.json()["token"]
    assert again.json()["letters"] == first.json()["letters"]
    assert count(committed_engine, Letter) == 5 and count(committed_engine, Delivery) == 5


def test_someone_else_using_a_known_email_gets_no_token_and_no_letters(
    api: TestClient, world: World, committed_engine: Engine
) -> None:
    """The earlier letters carry the writer's address: a stranger typing that e-mail with
    another name or street must not receive the token that opens them."""
    first = api.post(url(world), json=submission(email="anahit@example.org"))
    stranger = api.post(
        url(world), json=submission(n=101, email="anahit@example.org", first_name="Mallory")
    )

    assert first.status_code == 201
    assert stranger.status_code == 409
    body = stranger.json()
    assert body["error"]["code"] == "already_written"
    assert first.json()["token"] not in stranger.text
    assert "letters" not in body and "N Brand" not in stranger.text
    assert count(committed_engine, Letter) == 5


def test_consent_is_stored_only_when_given(
    api: TestClient, world: World, committed_engine: Engine
) -> None:
    api.post(url(world), json=submission(consent=False))
    assert count(committed_engine, Supporter) == 1
    assert count(committed_engine, Consent) == 0


def test_a_campaign_that_is_not_live_or_does_not_exist_is_said_plainly(
    api: TestClient, world: World, committed_engine: Engine
) -> None:
    with Session(committed_engine) as session:
        campaign = session.get(Campaign, world.campaign_id)
        assert campaign is not None
        campaign.status = "paused"
        session.add(campaign)
        session.commit()

    paused = api.post(url(world), json=submission())
    missing = api.post("/api/campaigns/no-such-campaign/submissions", json=submission())

    assert paused.status_code == 409
    assert paused.json()["error"]["code"] == "campaign_not_open"
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "campaign_not_found"


def test_pausing_a_campaign_from_another_process_stops_the_next_submission(
    api: TestClient, world: World, committed_engine: Engine
) -> None:
    # The campaign is cached per process: the first submission reads it, the pause comes from
    # elsewhere (plain SQL on another connection, as another API process would write it).
    assert api.post(url(world), json=submission()).status_code == 201
    with committed_engine.begin() as connection:
        connection.execute(
            text("UPDATE campaign SET status = 'paused' WHERE id = :id"), {"id": world.campaign_id}
        )

    paused = api.post(url(world), json=submission(n=7, email="someone.else@example.org"))

    assert paused.status_code == 409
    assert paused.json()["error"]["code"] == "campaign_not_open"


def test_edits_to_the_letter_text_only_where_the_campaign_allows_them(
    api: TestClient, world: World, committed_engine: Engine
) -> None:
    edited = {"us_house:CA-49": "Dear Representative, in my own words: act on SJR 11."}
    refused = api.post(url(world), json=submission(letter_overrides=edited))
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "edit_not_allowed"
    with Session(committed_engine) as session:
        campaign = session.get(Campaign, world.campaign_id)
        assert campaign is not None
        campaign.settings = {"allow_body_edit": True}
        session.add(campaign)
        session.commit()

    unknown = api.post(url(world), json=submission(letter_overrides={"us_house:NY-01": "Hi"}))
    accepted = api.post(url(world), json=submission(letter_overrides=edited))

    assert unknown.status_code == 422
    assert unknown.json()["error"]["fields"][0]["field"] == "letter_overrides.us_house:NY-01"
    assert accepted.status_code == 201
    house = accepted.json()["letters"][0]
    assert house["body"] == edited["us_house:CA-49"]
    with Session(committed_engine) as session:
        assert session.get(Letter, house["id"]).body == edited["us_house:CA-49"]  # type: ignore[union-attr]


def test_officials_the_campaign_excludes_get_no_letter(
    api: TestClient, world: World, committed_engine: Engine
) -> None:
    with Session(committed_engine) as session:
        campaign = session.get(Campaign, world.campaign_id)
        assert campaign is not None
        campaign.targeting = campaign.targeting | {
            "stances": [{"official_id": "ocd-ussenate-CA-1", "action": "exclude"}]
        }
        session.add(campaign)
        session.commit()

    answer = api.post(url(world), json=submission()).json()

    assert "us_senate:CA:1" not in [x["office_key"] for x in answer["letters"]]
    assert len(answer["letters"]) == 4
