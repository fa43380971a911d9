"""Rendering supporter pages: one autoescaping Jinja2 environment per language, and the
security headers every page carries (framing, content policy, referrer).

These are ordinary page templates written by us; letters are rendered elsewhere, in the
sandbox, from organisers' templates.
"""

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from app.config import Settings
from app.web import i18n

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
# An origin for frame-ancestors: a scheme and host (optionally a port, a leading wildcard
# label), or a CSP keyword. Anything else is dropped so a setting cannot inject a directive.
_ORIGIN = re.compile(r"^(https?://(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?|'self'|'none'|\*|https:)$")


@lru_cache
def environment(locale: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"], default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.filters["number"] = lambda value: format_decimal(value, locale=locale)
    env.filters["paragraphs"] = _paragraphs
    env.filters["names"] = _names
    env.filters["web_url"] = _web_url
    env.globals["locale"] = locale
    env.globals["language_names"] = i18n.LANGUAGE_NAMES
    env.globals["static_version"] = _static_version()
    return env


def _paragraphs(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"\n\s*\n", text or "") if part.strip()]


def _names(value: Any) -> str:
    """Campaign files are hand-written: a list of names, or one name as a plain string."""
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value or "")


def _web_url(value: Any) -> str:
    """Only http(s) links reach a supporter, whatever a campaign file says."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else ""


@lru_cache
def _static_version() -> str:
    """Changes when the CSS or JS changes, so browsers never pair a new page with old assets."""
    stamps = [int(path.stat().st_mtime) for path in STATIC_DIR.iterdir()]
    return format(max(stamps, default=0), "x")


def frame_ancestors(settings: Settings) -> str:
    parts = [p for p in re.split(r"[\s,]+", settings.embed_allowed_origins) if _ORIGIN.match(p)]
    return " ".join(parts) or "'none'"


def security_headers(settings: Settings, *, embed: bool, private: bool) -> dict[str, str]:
    """Only embed pages may be framed, and only by the configured sites."""
    ancestors = frame_ancestors(settings) if embed else "'none'"
    headers = {
        "Content-Security-Policy": (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            f"form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors {ancestors}"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer" if private else "strict-origin-when-cross-origin",
        # The interface language comes from these; a shared cache must not mix languages.
        "Vary": "Accept-Language, Cookie",
    }
    if not embed:
        headers["X-Frame-Options"] = "DENY"
    if private:
        # Pages carrying a supporter's own details are never stored by shared caches or proxies.
        headers["Cache-Control"] = "no-store"
    return headers


def render(
    name: str,
    context: dict[str, Any],
    *,
    settings: Settings,
    locale: str,
    embed: bool,
    status_code: int = 200,
    private: bool = False,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    template = environment(locale).get_template(name)
    html = template.render(**context, embed=embed)
    all_headers = security_headers(settings, embed=embed, private=private) | (headers or {})
    return HTMLResponse(html, status_code=status_code, headers=all_headers)
