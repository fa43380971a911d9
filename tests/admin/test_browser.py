"""The organiser workspace in a real browser (Debian's Chromium through Playwright), on SQLite.

The app is served over plain HTTP on 127.0.0.1 with ``insecure_cookies`` (the documented local
exception). Screenshots go to test-artifacts/admin/.
"""

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from app.campaigns.models import TemplateVersion
from app.config import Settings
from app.delivery.models import Delivery
from app.main import create_app
from app.organisers.auth import session_cookie_name
from tests.factories import (
    make_campaign,
    make_delivery,
    make_letter,
    make_office,
    make_official,
    make_supporter,
    make_template,
)
from tests.organisers.accounts import PASSWORD, make_organiser, sign_in
from tests.servers import serve_asgi

# Browser tests run on SQLite only (the route tests cover PostgreSQL): one variant, not a skip.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "admin"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Over two lines with a trailing newline, as template files are: the editor must keep both.
SUBJECT = "Please act on\n{{ resolution.code }}\n"
BODY = (
    "{{ official.salutation }},\n\nI live in {{ supporter.city }}.\n"
    "{% for d in demands %}- {{ d.text }}\n{% endfor %}\nSincerely,\n{{ supporter.full_name }}\n"
)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"CI=true and {CHROMIUM} is missing", pytrace=False)
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def local(database_url: str, request: pytest.FixtureRequest) -> Settings:
    settings: Settings = request.getfixturevalue("settings")
    return settings.model_copy(update={"insecure_cookies": True})


@pytest.fixture
def site(local: Settings) -> Iterator[str]:
    with serve_asgi(create_app(local)) as url:
        yield url


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _signed_in(page: Any, db: Session, local: Settings, site: str, role: str = "editor") -> None:
    """Skip the sign-in form (tested once, below): a session as the form would create it."""
    signed = sign_in(db, local, make_organiser(db, role))
    page.context.add_cookies(
        [{"name": session_cookie_name(local), "value": signed.token, "url": site}]
    )


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_an_organiser_signs_in_and_lands_on_the_page_they_asked_for(
    local: Settings, page: Any, db: Session, site: str
) -> None:
    make_organiser(db, "editor", email="organiser@example.org")
    make_campaign(db, slug="sjr-11", title="Bring them home")
    db.commit()
    page.goto(f"{site}/admin/campaigns/sjr-11")
    assert "/admin/sign-in" in page.url
    page.get_by_label("E-mail address").fill("organiser@example.org")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("do not match an active account").wait_for()
    assert page.get_by_label("E-mail address").input_value() == "organiser@example.org"
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site}/admin/campaigns/sjr-11")
    page.get_by_role("heading", name="Bring them home").wait_for()
    _shot(page, "campaign-editor")


def test_a_syntax_error_is_shown_at_its_line_and_the_fixed_letter_previews(
    local: Settings, page: Any, db: Session, site: str
) -> None:
    campaign = make_campaign(db, slug="edit")
    office = make_office(db, key="us_house:CA-30", kind="us_house")
    make_official(db, office, id="S001234", name="Adam Schiff", last_name="Schiff")
    make_template(db, campaign, subject_source=SUBJECT, body_source=BODY, author="someone")
    db.commit()
    _signed_in(page, db, local, site)
    page.goto(f"{site}/admin/campaigns/edit/templates/us_house")
    page.get_by_label("Preview as written to").select_option("S001234")
    page.locator("#preview-body").filter(has_text="Dear Representative Schiff,").wait_for()
    broken = BODY.replace("{% endfor %}", "{% endfor %}\n{% if supporter.city %}\nSee you.\n")
    page.locator("#body").fill(broken)
    bad_line = page.locator("#body-problems li.error-line")
    bad_line.wait_for()
    # Jinja reports an unclosed block at the template's last line, naming the open 'if'.
    last_line = len(broken.rstrip("\n").split("\n"))
    problems = page.locator("#problems").inner_text()
    assert f"Body, line {last_line}:" in problems and "'if'" in problems
    assert page.locator("#body-problems li").nth(last_line - 1).get_attribute("class") == (
        "error-line"
    )
    _shot(page, "template-syntax-error")
    fixed = broken.replace("See you.\n", "See you.\n{% endif %}\n")
    page.locator("#body").fill(fixed)
    page.locator("#preview-body").filter(has_text="See you.").wait_for()
    assert page.locator("#body-problems li").count() == 0
    assert "Dear Representative Schiff," in page.locator("#preview-body").inner_text()
    page.get_by_role("button", name="Save as new version").click()
    page.get_by_text("Saved as version 2.").wait_for()
    _shot(page, "template-saved")
    saved = db.exec(select(TemplateVersion).where(TemplateVersion.version == 2)).one()
    assert saved.body_source == fixed
    assert saved.subject_source == SUBJECT


def test_the_line_of_an_error_is_the_line_with_the_mistake(
    local: Settings, page: Any, db: Session, site: str
) -> None:
    campaign = make_campaign(db, slug="lines")
    make_template(db, campaign, subject_source=SUBJECT, body_source=BODY)
    db.commit()
    _signed_in(page, db, local, site, role="viewer")
    page.goto(f"{site}/admin/campaigns/lines/templates/us_house")
    page.locator("#body").fill("Line one\nLine two\nHello {{ supporter.city }\nLine four\n")
    page.locator("#body-problems li.error-line").wait_for()
    numbered = page.locator("#body-problems li")
    assert numbered.nth(2).get_attribute("class") == "error-line"
    assert "Body, line 3" in page.locator("#problems").inner_text()


def test_rolling_back_makes_the_old_text_current_as_a_new_version(
    local: Settings, page: Any, db: Session, site: str
) -> None:
    campaign = make_campaign(db, slug="roll")
    make_template(db, campaign, subject_source=SUBJECT, body_source=BODY, version=1)
    make_template(db, campaign, subject_source=SUBJECT, body_source="Changed\n", version=2)
    db.commit()
    _signed_in(page, db, local, site)
    page.goto(f"{site}/admin/campaigns/roll/templates/us_house")
    page.locator("#rollback-1").click()
    page.get_by_text("Saved as version 3.").wait_for()
    assert page.locator("#body").input_value() == BODY
    _shot(page, "template-rolled-back")
    rows = db.exec(select(TemplateVersion).order_by(col(TemplateVersion.version))).all()
    assert [r.version for r in rows] == [1, 2, 3] and rows[2].body_source == BODY


def test_retrying_a_failed_delivery_from_the_desk(
    local: Settings, page: Any, db: Session, site: str
) -> None:
    campaign = make_campaign(db, slug="desk")
    letter = make_letter(db, make_supporter(db, campaign), make_office(db))
    failed = make_delivery(
        db, letter, status="dead", channel="cwc", last_error="CWC: 503 Service Unavailable"
    )
    db.commit()
    _signed_in(page, db, local, site)
    page.goto(f"{site}/admin/campaigns/desk/deliveries")
    row = page.locator(f"#delivery-{failed.id}")
    assert "CWC: 503 Service Unavailable" in row.inner_text()
    _shot(page, "delivery-desk")
    row.get_by_role("button", name="Retry").click()
    page.get_by_text("Retried: 1 letter(s).").wait_for()
    db.refresh(failed)
    assert failed.status == "queued"


def test_marking_a_held_letter_delivered_on_a_date(
    local: Settings, page: Any, db: Session, site: str
) -> None:
    campaign = make_campaign(db, slug="held")
    letter = make_letter(db, make_supporter(db, campaign), make_office(db))
    held = make_delivery(db, letter, status="held", channel="hold", last_error="Held: no channel")
    db.commit()
    _signed_in(page, db, local, site)
    page.goto(f"{site}/admin/campaigns/held/deliveries")
    page.get_by_label("Delivered on (YYYY-MM-DD)").fill("2026-11-20")
    page.locator(f"#held-{held.id}").get_by_role("button", name="Mark delivered").click()
    page.get_by_text("Marked delivered: 1 letter(s).").wait_for()
    _shot(page, "held-marked-delivered")
    db.refresh(held)
    assert held.status == "sent" and held.delivered_by_hand_on is not None
    assert held.delivered_by_hand_on.date() == date(2026, 11, 20)
    assert db.exec(select(Delivery).where(Delivery.status == "held")).all() == []
