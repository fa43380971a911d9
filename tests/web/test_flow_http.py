"""The supporter flow over HTTP, on both databases: campaign page, review, send, thanks."""

from fastapi.testclient import TestClient

from tests.web.conftest import SLUG
from tests.web.pagekit import hidden_fields, review, send


def test_campaign_page_shows_resolution_demands_counter_and_form(web: TestClient) -> None:
    page = web.get(f"/c/{SLUG}")
    assert page.status_code == 200
    assert "SJR 11" in page.text
    assert "Release every Armenian prisoner." in page.text
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
