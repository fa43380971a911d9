"""Interface language: English and Eastern Armenian catalogues, and choosing one per request.

Catalogues are the committed ``locale/<lang>/LC_MESSAGES/messages.po`` files, compiled in memory
with Babel when first used, so there is no binary ``.mo`` to forget to rebuild. Letters are not
translated: they stay in the campaign's own language.
"""

import gettext
import io
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from starlette.requests import Request

LOCALE_DIR = Path(__file__).parent / "locale"
LOCALES = ("en", "hy")
DEFAULT_LOCALE = "en"
COOKIE_NAME = "lettercast_lang"
# Names shown in the language switch, each in its own language.
LANGUAGE_NAMES = {"en": "English", "hy": "Հայերեն"}


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated later, where the locale is known."""
    return message


@lru_cache
def translations(locale: str) -> gettext.NullTranslations:
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale not in LOCALES or not po_path.exists():
        return gettext.NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def supported(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().lower().replace("_", "-")
    primary = value.split("-")[0]
    return primary if primary in LOCALES else None


def from_accept_language(header: str | None) -> str | None:
    """The best supported language in an ``Accept-Language`` header, honouring q-values."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        locale = supported(tag)
        if locale and quality > 0:
            ranked.append((-quality, position, locale))
    return min(ranked)[2] if ranked else None


def choose_locale(request: Request, explicit: str | None = None) -> str:
    """An explicit choice (``?lang=`` or a form field) wins, then the cookie, then the browser."""
    return (
        supported(explicit)
        or supported(request.query_params.get("lang"))
        or supported(request.cookies.get(COOKIE_NAME))
        or from_accept_language(request.headers.get("accept-language"))
        or DEFAULT_LOCALE
    )
