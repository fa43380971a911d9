"""The supporter flow over HTTP, on both databases: campaign page, review, send, thanks."""

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.campaigns.models import Campaign
from app.delivery.models import Delivery
from app.letters.models import Letter
from app.web import campaign_view as view
from tests.web.conftest import SLUG
from tests.web.pagekit import field_value, hidden_fields, review, send


def test_campaign_page_shows_resolution_demands_counter_and_form(web: TestClient) -> None:
    page = web.get(f"/c/{SLUG}")
    assert page.status_code == 200
    assert "SJR 11" in page.text
    assert "Urge Azerbaijan to immediately return all Armenian hostages." in page.text
    assert "Our goal: 5,000 letters" in page.text
    for name in ("first_name", "last_name", "email", "phone", "street", "street2", "city", "zip"):
        assert f'name="{name}"' in page.text
    assert 'name="consent"' in page.text and 'name="personal_note"' in page.text


def test_review_shows_matched_address_representatives_and_letters(web: TestClient) -> None:
    page = review(web)
    assert page.status_code == 200, page.text
    assert "100 N BRAND BLVD, GLENDALE, CA, 91203" in page.text
    for name in (
        "Laura Friedman",
        "Alex Padilla",
        "Adam Schiff",
        "Sasha Renee Perez",
        "Nick Schultz",
    ):
        assert name in page.text
    assert "My grandmother was born in Stepanakert." in page.text
    assert "Անահիտ Պետրոսյան" in page.text
    assert hidden_fields(page.text)["first_name"] == "Անահիտ"


def test_sending_redirects_to_thanks_page_with_each_letter_state(web: TestClient) -> None:
    page = review(web)
    sent = send(web, page.text)
    assert sent.status_code == 303
    location = sent.headers["location"]
    assert location.startswith(f"/c/{SLUG}/thanks/")
    thanks = web.get(location)
    assert thanks.status_code == 200
    assert thanks.headers["referrer-policy"] == "no-referrer"
    assert "Held for hand delivery" in thanks.text  # the House letter: channel "hold"
    assert "Laura Friedman" in thanks.text and "Nick Schultz" in thanks.text
    assert "https://letters.example.org/c/sjr-11" in thanks.text
    assert "/thanks/" not in thanks.text.split('id="share-title"')[1]


def test_not_right_edit_goes_back_with_everything_kept(web: TestClient) -> None:
    page = review(web)
    data = hidden_fields(page.text) | {"personal_note": "Changed my mind"}
    back = web.post(f"/c/{SLUG}/edit", data=data)
    assert back.status_code == 200
    assert field_value(back.text, "first_name") == "Անահիտ"
    assert field_value(back.text, "street2") == "Apt 4"
    assert field_value(back.text, "personal_note") == "Changed my mind"
    assert '<option value="Ms." selected>' in back.text


def test_note_edited_on_review_is_shown_in_the_letters_before_sending(
    web: TestClient, seeded: Engine
) -> None:
    page = review(web)
    changed = send(web, page.text, personal_note="I vote in every election.")
    assert changed.status_code == 200  # shown again, not sent yet
    assert "We added your new note to the letters" in changed.text
    assert "I vote in every election." in changed.text.split('id="letters-title"')[1]
    with Session(seeded) as session:
        assert session.exec(select(Letter)).first() is None
    assert send(web, changed.text).status_code == 303
    with Session(seeded) as session:
        bodies = [letter.body for letter in session.exec(select(Letter))]
    assert len(bodies) == 6 and all("I vote in every election." in b for b in bodies)


def test_source_and_utm_parameters_are_carried_into_the_submission(
    web: TestClient, seeded: Engine
) -> None:
    page = review(web, query="?utm_source=newsletter&utm_medium=email&utm_campaign=spring")
    assert hidden_fields(page.text)["source"] == "newsletter/email/spring"
    assert send(web, page.text).status_code == 303
    with Session(seeded) as session:
        assert {letter.source for letter in session.exec(select(Letter))} == {
            "newsletter/email/spring"
        }


def test_double_click_on_send_makes_one_submission(web: TestClient, seeded: Engine) -> None:
    page = review(web)
    first = send(web, page.text)
    second = send(web, page.text)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    with Session(seeded) as session:
        assert len(session.exec(select(Letter)).all()) == 6


def test_whole_letter_is_editable_where_the_campaign_allows_it(
    web: TestClient, seeded: Engine
) -> None:
    with Session(seeded) as session:
        campaign = session.exec(select(Campaign)).one()
        campaign.settings = campaign.settings | {"allow_body_edit": True}
        session.add(campaign)
        session.commit()
    page = review(web)
    assert 'name="letter_body__us_house:CA-30"' in page.text
    data = hidden_fields(page.text) | {
        "personal_note": field_value(page.text, "personal_note") or "",
        "letter_body__us_house:CA-30": "Dear Representative Friedman, my own words.",
    }
    assert web.post(f"/c/{SLUG}/send", data=data).status_code == 303
    with Session(seeded) as session:
        house = session.exec(select(Letter).where(Letter.office_key == "us_house:CA-30")).one()
    assert house.body == "Dear Representative Friedman, my own words."


def test_paused_campaign_shows_the_page_without_a_form(web: TestClient, seeded: Engine) -> None:
    with Session(seeded) as session:
        campaign = session.exec(select(Campaign)).one()
        campaign.status = "paused"
        session.add(campaign)
        session.commit()
    page = web.get(f"/c/{SLUG}")
    assert page.status_code == 200
    assert "not accepting letters right now" in page.text
    assert 'name="first_name"' not in page.text


def test_public_counter_counts_the_letters_sent(web: TestClient) -> None:
    assert send(web, review(web).text).status_code == 303
    view._counter_cache.clear()  # the counter is cached for a few seconds
    page = web.get(f"/c/{SLUG}")
    assert "<strong>6</strong>" in page.text
    assert 'class="counter-bar" max="5000" value="6"' in page.text


def test_thanks_page_refreshes_itself_without_javascript_until_letters_settle(
    web: TestClient, seeded: Engine
) -> None:
    location = send(web, review(web).text).headers["location"]
    with Session(seeded) as session:
        for delivery in session.exec(select(Delivery)):
            delivery.status = "sending"
            session.add(delivery)
        session.commit()
    page = web.get(location)
    assert '<noscript><meta http-equiv="refresh" content="30"></noscript>' in page.text
    assert "Reload to see the latest" in page.text
    assert page.text.count(">Sending<") == 6
    assert page.headers["cache-control"] == "no-store"


def test_someone_else_typing_a_used_email_is_not_shown_the_earlier_letters(
    web: TestClient,
) -> None:
    first = send(web, review(web).text)
    assert first.status_code == 303
    other = send(web, review(web, first_name="Mallory", street="1 Civic Center Dr").text)
    assert other.status_code == 200
    assert "You have already written to these offices" in other.text
    assert first.headers["location"].rsplit("/", 1)[-1] not in other.text
    again = send(web, review(web).text)  # the same person, coming back
    assert again.headers["location"] == first.headers["location"]


def test_campaign_with_untidy_settings_still_renders_safely(
    web: TestClient, seeded: Engine
) -> None:
    with Session(seeded) as session:
        campaign = session.exec(select(Campaign)).one()
        campaign.settings = {"goal": "lots"}
        campaign.resolution = campaign.resolution | {
            "authors": "Senator Archuleta",
            "url": "javascript:alert(1)",
        }
        campaign.demands = [{"text": "Only a text"}]
        session.add(campaign)
        session.commit()
    page = web.get(f"/c/{SLUG}")
    assert page.status_code == 200
    assert "Senator Archuleta" in page.text and "S, e, n" not in page.text
    assert "javascript:" not in page.text
    assert "Our goal" not in page.text
    assert "Only a text" in page.text


def test_reloading_a_step_by_address_starts_again_at_the_campaign(web: TestClient) -> None:
    answer = web.get(f"/c/{SLUG}/review?embed=1&lang=hy")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/c/{SLUG}?embed=1&lang=hy"
