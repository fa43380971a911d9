"""Rendering organiser pages: one autoescaping Jinja2 environment, security headers, the static
files, and HTML answers for refused requests (a 403 page rather than a JSON body).

These are our own page templates; organisers' letter templates are rendered elsewhere, in the
sandbox.
"""

from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, Response

from app.organisers.auth import csrf_token_for, is_api_request, role_of

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
# Ids and version numbers are INTEGER columns: PostgreSQL refuses a larger number outright, so
# such input is treated as "not found" before it reaches a query.
MAX_INT = 2**31 - 1


def clean(text: str) -> str:
    """PostgreSQL text cannot hold NUL characters (it refuses the whole statement), and no one
    types them on purpose: they are dropped from everything the workspace receives."""
    return text.replace("\x00", "")


def clean_form(data: FormData) -> FormData:
    return FormData(
        [(clean(k), clean(v) if isinstance(v, str) else v) for k, v in data.multi_items()]
    )


def small_int(text: object) -> int | None:
    """A posted id or number, or None: ASCII digits only (str.isdigit also accepts "²", which
    int() refuses) and within an INTEGER column's range."""
    if not isinstance(text, str) or not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if value <= MAX_INT else None


STATIC_FILES = {"admin.css": "text/css", "admin.js": "text/javascript"}

HEADERS = {
    # No inline script or style anywhere in the workspace: the preview script is a static file.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # Organiser pages show supporters' details: never kept by shared caches.
    "Cache-Control": "no-store",
}


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    return env


environment = _build_environment()


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    organiser = getattr(request.state, "organiser", None)
    context = dict(context or {})
    context.setdefault("errors", {})
    context.setdefault("form", {})
    context["request"] = request
    context["organiser"] = organiser
    role = role_of(organiser).value if organiser else None
    context["role"] = role
    context["can_edit"] = role in {"editor", "admin"}
    context["is_admin"] = role == "admin"
    if getattr(request.state, "organiser_session", None) is not None:
        context["csrf_token"] = csrf_token_for(request)
    html = environment.get_template(name).render(context)
    return HTMLResponse(html, status_code=status_code, headers=HEADERS)


def static_file(name: str) -> Response:
    if name not in STATIC_FILES:
        raise HTTPException(404, "No such file.")
    return Response(
        (STATIC_DIR / name).read_bytes(),
        media_type=STATIC_FILES[name],
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


class AdminRoute(APIRoute):
    """Answers refusals on HTML pages with an HTML page (a 403 or 404 a person can read); API
    routes keep FastAPI's JSON bodies."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except HTTPException as error:
                if is_api_request(request) or error.status_code not in {400, 403, 404, 409}:
                    raise
                return render(
                    request,
                    "error.html",
                    {"status": error.status_code, "detail": error.detail},
                    status_code=error.status_code,
                )

        return handle
