"""Interface language (English, Eastern Armenian) and the headers that keep pages safe."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from app.web import i18n
from tests.web.conftest import SLUG
from tests.web.pagekit import review

# Language and headers do not depend on the database: SQLite only, to keep the suite quick.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
ARMENIAN = re.compile(r"[\u0531-\u058F]")
LOCALE_DIR = Path(i18n.__file__).parent / "locale"


@sqlite_only
def test_accept_language_hy_gives_the_armenian_interface(web: TestClient) -> None:
    page = web.get(f"/c/{SLUG}", headers={"Accept-Language": "hy-AM,hy;q=0.9,en;q=0.5"})
    assert '<html lang="hy">' in page.text
    assert "Գրեք ձեր ներկայացուցիչներին" in page.text
    assert "Write to your representatives" not in page.text


@sqlite_only
def test_browser_preferring_english_gets_english(web: TestClient) -> None:
    page = web.get(f"/c/{SLUG}", headers={"Accept-Language": "en-US,en;q=0.9,hy;q=0.8"})
    assert '<html lang="en">' in page.text
    assert page.headers["vary"] == "Accept-Language, Cookie"


@sqlite_only
def test_language_switch_is_remembered_in_a_cookie(web: TestClient) -> None:
    chosen = web.get(f"/c/{SLUG}?lang=hy")
    assert "lettercast_lang=hy" in chosen.headers["set-cookie"]
    again = web.get(f"/c/{SLUG}", headers={"Accept-Language": "en"})
    assert '<html lang="hy">' in again.text
    assert 'href="/c/sjr-11?lang=en"' in again.text


@sqlite_only
def test_letters_stay_in_the_campaign_language_under_the_armenian_interface(
    web: TestClient,
) -> None:
    page = review(web, query="?lang=hy")
    assert "Ստուգեք ձեր նամակները" in page.text
    assert "The demands of SJR 11 are:" in page.text
    assert 'class="letter-body" lang="en"' in page.text


@sqlite_only
def test_armenian_errors_are_in_armenian(web: TestClient) -> None:
    page = review(web, query="?lang=hy", zip="12")
    assert "Մուտքագրեք 5 նիշանոց ZIP կոդ" in page.text


def test_every_interface_string_has_an_armenian_translation(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
         str(LOCALE_DIR.parent / "babel.cfg"), "-k", "N_", "-o", str(pot), str(LOCALE_DIR.parent)],
        check=True, capture_output=True,
    )  # fmt: skip
    with pot.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    with (LOCALE_DIR / "hy" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    untranslated = []
    for message_id in wanted:
        message = catalog.get(message_id)
        strings = message.string if message else None
        values = strings if isinstance(strings, tuple) else (strings,)
        if not message or not all(values) or not all(ARMENIAN.search(v) for v in values):
            untranslated.append(message_id)
    assert untranslated == []


@sqlite_only
def test_pages_refuse_framing_except_embed_pages(web: TestClient) -> None:
    page = web.get(f"/c/{SLUG}")
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    embed = web.get(f"/c/{SLUG}?embed=1")
    assert "x-frame-options" not in embed.headers
    assert "frame-ancestors https://partner.example.org" in embed.headers["content-security-policy"]
    assert 'class="site-header"' not in embed.text
    assert '<input type="hidden" name="embed" value="1">' in embed.text


@sqlite_only
def test_embed_form_token_needs_no_cookie(web: TestClient) -> None:
    embed = web.get(f"/c/{SLUG}?embed=1")
    assert "set-cookie" not in embed.headers
    web.cookies.clear()
    page = review(web, query="?embed=1")
    assert page.status_code == 200
    assert "x-frame-options" not in page.headers


def test_frame_ancestors_setting_cannot_inject_directives() -> None:
    from app.config import Settings
    from app.web.pages import frame_ancestors

    hostile = Settings(
        embed_allowed_origins="https://ok.example; script-src 'unsafe-inline', https://b.example"
    )
    assert frame_ancestors(hostile) == "https://b.example"
    assert frame_ancestors(Settings(embed_allowed_origins="")) == "'none'"
