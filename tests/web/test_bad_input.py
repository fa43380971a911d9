"""Bad input and abuse on the supporter pages: errors next to fields, nothing typed is lost,
never a 500."""

import re

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from app.config import Settings
from app.main import create_app
from app.supporters.models import Supporter
from tests.web.conftest import SLUG
from tests.web.geocoder import BROKEN_STREET
from tests.web.pagekit import field_error, field_value, form_data, hidden_fields, review, send


def _supporters(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Supporter)).one())


def test_missing_and_malformed_fields_show_errors_next_to_them_and_keep_input(
    web: TestClient,
) -> None:
    page = review(web, first_name="", email="anahit-at-example", zip="9120", city="Glendale")
    assert page.status_code == 422
    assert field_error(page.text, "first_name") == "This field is required."
    assert field_error(page.text, "email") == "Enter an e-mail address like name@example.org."
    assert field_error(page.text, "zip") == "Enter a 5-digit ZIP code, for example 91203."
    assert field_value(page.text, "email") == "anahit-at-example"
    assert field_value(page.text, "last_name") == "Պետրոսյան"
    assert field_value(page.text, "personal_note") == "My grandmother was born in Stepanakert."
    summary = re.search(r"data-error-summary>(.*?)</div>", page.text, re.S)
    assert summary and 'href="#f-email"' in summary.group(1)
    assert 'aria-invalid="true"' in page.text


def test_service_field_errors_are_mapped_to_form_fields(web: TestClient) -> None:
    page = review(web, phone="12345")
    assert page.status_code == 422
    assert field_error(page.text, "phone") == (
        "Enter a US phone number, for example 818-555-0100, or leave it empty."
    )
    assert field_value(page.text, "phone") == "12345"


def test_address_not_found_is_shown_next_to_the_street(web: TestClient) -> None:
    page = review(web, street="999 Nowhere Lane")
    assert page.status_code == 422
    assert "could not find this address" in (field_error(page.text, "street") or "")
    assert field_value(page.text, "street") == "999 Nowhere Lane"


def test_geocoder_down_says_try_again_and_keeps_input(web: TestClient) -> None:
    page = review(web, street=BROKEN_STREET)
    assert page.status_code == 503
    assert "try again in a minute" in (field_error(page.text, "street") or "")
    assert field_value(page.text, "first_name") == "Անահիտ"


def test_address_outside_the_campaign_states_is_told_plainly(web: TestClient) -> None:
    page = review(web, street="1 E 1st St", city="Reno", state="NV", zip="89501")
    assert page.status_code == 422
    assert (field_error(page.text, "state") or "").startswith("This campaign is for residents")


def test_missing_or_forged_csrf_token_re_renders_the_form_with_everything_kept(
    web: TestClient, seeded: Engine
) -> None:
    data = form_data() | {"csrf_token": "1.forged.token"}
    page = web.post(f"/c/{SLUG}/send", data=data)
    assert page.status_code == 400
    assert "has expired" in page.text
    assert field_value(page.text, "personal_note") == "My grandmother was born in Stepanakert."
    assert _supporters(seeded) == 0


def test_honeypot_submission_is_dropped_quietly(web: TestClient, seeded: Engine) -> None:
    page = review(web)
    sent = send(web, page.text, website="http://spam.example")
    assert sent.status_code == 200
    assert "received" in sent.text
    assert _supporters(seeded) == 0


def test_rate_limited_supporter_gets_a_readable_page_with_retry_after(
    web_settings: Settings, seeded: Engine
) -> None:
    limited = web_settings.model_copy(update={"rate_limit_ip": 1})
    with TestClient(create_app(limited), follow_redirects=False) as client:
        first = send(client, review(client).text)
        assert first.status_code == 303
        second = send(client, review(client, email="second@example.org").text)
    assert second.status_code == 429
    assert int(second.headers["retry-after"]) > 0
    assert "Too many letters at once" in second.text
    assert "Please try again in" in second.text


def test_unknown_campaign_and_token_are_friendly_404s(web: TestClient) -> None:
    assert web.get("/c/no-such-campaign").status_code == 404
    missing = web.get(f"/c/{SLUG}/thanks/not-a-real-token")
    assert missing.status_code == 404
    assert "Page not found" in missing.text


def test_oversized_and_garbage_posts_never_500(web: TestClient) -> None:
    token = hidden_fields(web.get(f"/c/{SLUG}").text)["csrf_token"]
    page = web.post(
        f"/c/{SLUG}/review",
        data={"csrf_token": token, "first_name": "x" * 5000, "state": "<script>", "zip": "\x00"},
    )
    assert page.status_code == 422
    assert field_error(page.text, "first_name") == "This is too long."
    assert "<script>" not in page.text.split("<main")[1]
