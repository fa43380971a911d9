"""The supporter pages in a real browser (Debian's Chromium through Playwright), on SQLite.

Screenshots go to test-artifacts/web/.
"""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from app.config import Settings
from app.delivery.models import Delivery
from app.main import create_app
from tests.servers import free_port, serve_asgi
from tests.web.browser import DESKTOP, PHONE, chromium, screenshot
from tests.web.conftest import SLUG
from tests.web.pagekit import review, send

__all__ = ["chromium"]
# Browsers on SQLite only, to keep the suite quick; the HTTP-level tests cover PostgreSQL.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
HOST_PORT = free_port()
HOST_ORIGIN = f"http://localhost:{HOST_PORT}"


@pytest.fixture
def site(web_settings: Settings, seeded: Engine) -> Iterator[str]:
    settings = web_settings.model_copy(update={"embed_allowed_origins": HOST_ORIGIN})
    with serve_asgi(create_app(settings)) as url:
        yield url


def _fill_form(page: Any, email: str) -> None:
    page.get_by_label("Title").select_option("Ms.")
    page.get_by_label("First name", exact=True).fill("Անահիտ")
    page.get_by_label("Last name", exact=True).fill("Պետրոսյան")
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Street address").fill("100 N Brand Blvd")
    page.get_by_label("City").fill("Glendale")
    page.get_by_label("State", exact=True).select_option("CA")
    page.get_by_label("ZIP code").fill("91203")
    page.get_by_label("A personal note").fill("My grandmother was born in Stepanakert.")
    page.get_by_label("Yes, e-mail me").check()


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_supporter_with_armenian_name_writes_and_sends(
    chromium: Any, site: str, device: str
) -> None:
    context = chromium.new_context(**(PHONE if device == "phone" else DESKTOP), locale="en-US")
    page = context.new_page()
    page.goto(f"{site}/c/{SLUG}?source=browser-test")
    assert page.get_by_role("heading", name="Write to your representatives").is_visible()
    _fill_form(page, f"anahit.{device}@example.org")
    screenshot(page, f"1-campaign-{device}")
    page.get_by_role("button", name="Continue: see my letters").click()

    page.wait_for_url(re.compile(r"/review$"))
    assert page.locator("[data-matched-address]").inner_text() == (
        "100 N BRAND BLVD, GLENDALE, CA, 91203"
    )
    reps = page.locator(".reps").inner_text()
    for name in ("Laura Friedman", "Alex Padilla", "Adam Schiff", "Sasha Renee Perez"):
        assert name in reps
    assert page.locator("article.letter").count() == 6
    screenshot(page, f"2-review-{device}")

    page.get_by_role("textbox", name="Your personal note").fill("Please speak up for them. I vote.")
    page.get_by_role("button", name="Update the letters").click()
    page.wait_for_load_state()
    assert "Please speak up for them. I vote." in page.locator("article.letter").first.inner_text()
    page.get_by_role("button", name="Send my 6 letters").click()

    page.wait_for_url(re.compile(r"/thanks/"))
    assert page.get_by_role(
        "heading", name="Thank you. Your letters are on their way."
    ).is_visible()
    states = page.locator("[data-status]").all_inner_texts()
    assert len(states) == 6 and set(states) <= {"Queued", "Held for hand delivery", "Sent"}
    share = page.locator("#share-url").input_value()
    assert share.endswith(f"/c/{SLUG}")
    screenshot(page, f"3-thanks-{device}")
    context.close()


def test_bad_input_shows_errors_and_keeps_what_was_typed(chromium: Any, site: str) -> None:
    context = chromium.new_context(**DESKTOP)
    page = context.new_page()
    page.goto(f"{site}/c/{SLUG}")
    _fill_form(page, "anahit-at-example")
    page.get_by_label("ZIP code").fill("912")
    page.get_by_role("button", name="Continue: see my letters").click()
    summary = page.locator("[data-error-summary]")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert "Enter an e-mail address like name@example.org." in summary.inner_text()
    summary.get_by_role("link", name=re.compile("ZIP code")).click()
    assert page.evaluate("document.activeElement.id") == "f-zip"
    assert page.get_by_label("Last name", exact=True).input_value() == "Պետրոսյան"
    screenshot(page, "4-errors-in-browser")
    context.close()

    # Without JavaScript the server does the same, and an unknown address is explained.
    context = chromium.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}/c/{SLUG}")
    _fill_form(page, "anahit@example.org")
    page.get_by_label("Street address").fill("999 Nowhere Lane")
    page.get_by_role("button", name="Continue: see my letters").click()
    page.wait_for_load_state()
    assert "could not find this address" in page.locator("#f-street-error").inner_text()
    assert page.get_by_label("Street address").input_value() == "999 Nowhere Lane"
    assert page.get_by_label("A personal note").input_value() == (
        "My grandmother was born in Stepanakert."
    )
    screenshot(page, "5-errors-from-server-no-js-phone")
    context.close()


def test_armenian_interface_renders_in_armenian(chromium: Any, site: str) -> None:
    context = chromium.new_context(**PHONE, locale="hy-AM")
    page = context.new_page()
    page.goto(f"{site}/c/{SLUG}")
    assert page.locator("html").get_attribute("lang") == "hy"
    assert page.get_by_role("heading", name="Գրեք ձեր ներկայացուցիչներին").is_visible()
    assert page.get_by_label("Ազգանուն").is_visible()
    # Armenian letters draw as real glyphs: each is as wide as it should be, not a blank box.
    widths = page.evaluate(
        """() => {
            const canvas = document.createElement('canvas').getContext('2d');
            canvas.font = getComputedStyle(document.body).font;
            return ['Աբգդ', '\\u0378\\u0378\\u0378\\u0378'].map(t => canvas.measureText(t).width);
        }"""
    )
    assert widths[0] > 0 and widths[0] != widths[1]
    screenshot(page, "6-campaign-armenian-phone")
    page.get_by_label("Անուն", exact=True).fill("Անահիտ")
    page.get_by_label("Ազգանուն", exact=True).fill("Պետրոսյան")
    page.get_by_label("Էլ. փոստ", exact=True).fill("anahit.hy@example.org")
    page.get_by_label("Փողոց և տան համար").fill("100 N Brand Blvd")
    page.get_by_label("Քաղաք").fill("Glendale")
    page.get_by_label("Նահանգ", exact=True).select_option("CA")
    page.get_by_label("ZIP կոդ (փոստային ինդեքս)").fill("91203")
    page.get_by_role("button", name="Շարունակել՝ տեսնել իմ նամակները").click()  # noqa: RUF001
    page.wait_for_url(re.compile(r"/review$"))
    assert page.get_by_role("heading", name="Ստուգեք ձեր նամակները").is_visible()
    # The interface is Armenian; the letters stay in the campaign's language (English).
    assert page.locator(".letter-body").first.get_attribute("lang") == "en"
    assert "Sincerely," in page.locator(".letter-body").first.inner_text()
    screenshot(page, "6-review-armenian-phone")
    page.goto(f"{site}/c/{SLUG}")
    page.get_by_role("link", name="English").click()
    assert page.get_by_role("heading", name="Write to your representatives").is_visible()
    context.close()


def _host_page(app_url: str) -> Starlette:
    """A partner's page on another origin: the snippet from docs/embed.md, pointed at us, and an
    ordinary (non-embed) campaign page in a second frame, which must refuse to show."""
    docs = (Path(__file__).resolve().parents[2] / "docs" / "embed.md").read_text()
    snippet = docs.split("<!-- snippet:start -->")[1].split("<!-- snippet:end -->")[0]
    snippet = snippet.replace("```html", "").replace("```", "")
    snippet = snippet.replace("https://letters.example.org", app_url)

    async def home(request: Request) -> HTMLResponse:
        return HTMLResponse(
            f"""<!doctype html><html><head><title>Partner organisation</title></head><body>
            <h1>Partner organisation</h1>{snippet}
            <iframe id="framed" src="{app_url}/c/{SLUG}" title="Not embeddable"></iframe>
            </body></html>"""
        )

    return Starlette(routes=[Route("/", home)])


def test_embedded_form_works_in_an_iframe_on_another_site(chromium: Any, site: str) -> None:
    with serve_asgi(_host_page(site), port=HOST_PORT):
        context = chromium.new_context(**DESKTOP)
        page = context.new_page()
        page.goto(f"{HOST_ORIGIN}/")
        frame = page.frame_locator("#lettercast-form")
        frame.get_by_label("First name", exact=True).wait_for()
        assert frame.locator(".site-header").count() == 0
        _fill_form(frame, "anahit.embed@example.org")
        frame.get_by_role("button", name="Continue: see my letters").click()
        frame.locator("[data-matched-address]").wait_for()
        # The host page resizes the frame as each step loads, which can move the sticky send
        # button under a mouse click already aimed; the keyboard does not depend on layout.
        frame.get_by_role("button", name="Send my 6 letters").press("Enter")
        frame.get_by_role("heading", name="Thank you. Your letters are on their way.").wait_for()
        # The documented snippet fits the frame to the page it shows.
        page.wait_for_function(
            "document.getElementById('lettercast-form').style.height.endsWith('px')"
        )
        screenshot(page, "7-embedded-on-partner-site")
        # The ordinary page refuses to be framed: nothing of it renders.
        framed = page.frame_locator("#framed")
        assert framed.locator("form").count() == 0
        assert framed.get_by_text("Write to your representatives").count() == 0
        context.close()


def test_thanks_page_keeps_letter_states_current(chromium: Any, site: str, seeded: Engine) -> None:
    with httpx.Client(base_url=site) as http:  # the form was filled in elsewhere
        location = send(http, review(http, email="anahit.poll@example.org").text).headers[
            "location"
        ]
    _set_statuses(seeded, "queued")  # on their way: the page keeps asking for news
    context = chromium.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{site}{location}")
    assert set(page.locator("[data-status]").all_inner_texts()) == {"Queued"}
    _set_statuses(seeded, "sent", office_key="us_house:CA-30")
    _set_statuses(seeded, "failed", office_key="us_senate:CA:1")
    badges = page.locator("[data-status]")
    badges.first.filter(has_text="Sent").wait_for(timeout=10000)
    assert badges.nth(1).inner_text() == "Retrying"
    screenshot(page, "8-thanks-updating-phone")
    context.close()


def _set_statuses(engine: Engine, status: str, office_key: str | None = None) -> None:
    with Session(engine) as session:
        query = select(Delivery)
        if office_key:
            query = query.where(Delivery.office_key == office_key)
        for delivery in session.exec(query):
            delivery.status = status
            session.add(delivery)
        session.commit()


CONTRAST = """(selectors) => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  return selectors.map((s) => {
    const el = document.querySelector(s);
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
    return [s, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
  });
}"""


def test_form_is_usable_by_keyboard_and_text_has_enough_contrast(chromium: Any, site: str) -> None:
    context = chromium.new_context(**DESKTOP)
    page = context.new_page()
    page.goto(f"{site}/c/{SLUG}?source=keyboard")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    focus_order = []
    for _ in range(5):
        page.keyboard.press("Tab")
        focus_order.append(
            page.evaluate("document.activeElement.id || document.activeElement.tagName")
        )
    assert focus_order[-4:] == ["f-prefix", "f-first_name", "f-last_name", "f-email"]
    ratios = page.evaluate(
        CONTRAST,
        [".hero h1", ".hero .lede", ".eyebrow", ".counter-goal", ".demand-source", "label",
         ".hint", ".optional", ".button.primary", ".fineprint", ".site-footer p"],
    )  # fmt: skip
    assert [s for s, ratio in ratios if ratio < 4.5] == []
    # The whole form, typed and sent from the keyboard alone.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.type("Անահիտ")
    page.keyboard.press("Tab")
    page.keyboard.type("Պետրոսյան")
    page.keyboard.press("Tab")
    page.keyboard.type("anahit.keys@example.org")
    for field, text in (
        ("f-street", "100 N Brand Blvd"),
        ("f-city", "Glendale"),
        ("f-zip", "91203"),
    ):
        page.focus(f"#{field}")
        page.keyboard.type(text)
    page.focus("#f-state")
    page.keyboard.type("California")
    page.focus("#f-zip")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/review$"))
    assert page.locator("[data-matched-address]").is_visible()
    context.close()
