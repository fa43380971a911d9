"""Who is signed in and what they may do: the dependencies every organiser route uses.

Unsigned requests to HTML pages are redirected to ``/admin/sign-in?next=…``; unsigned requests to
``/api/…`` get ``401``. A signed-in organiser whose role is too low gets ``403``.

    from app.organisers.auth import EditorDep, record_audit

    @router.post("/admin/campaigns/{slug}/thing")
    def change(slug: str, organiser: EditorDep, session: SessionDep): ...
"""

from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request

from app.config import Settings
from app.csrf import issue_csrf_token, verify_csrf_token
from app.db import SessionDep
from app.organisers import service
from app.organisers.models import Organiser, OrganiserSession

__all__ = [
    "AdminDep",
    "CurrentOrganiser",
    "EditorDep",
    "Role",
    "ViewerDep",
    "current_organiser",
    "record_audit",
    "require_role",
]

CSRF_PURPOSE = "organiser"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


class Role(StrEnum):
    viewer = "viewer"  # reads and exports
    editor = "editor"  # also changes campaigns and templates
    admin = "admin"  # also manages organisers and channel settings

    @property
    def rank(self) -> int:
        return list(Role).index(self)


def role_of(organiser: Organiser) -> Role:
    try:
        return Role(organiser.role)
    except ValueError:  # an unknown role in the database grants nothing beyond reading
        return Role.viewer


def app_settings(request: Request) -> Settings:
    """The settings the app was built with (``create_app(settings)``), not the environment's."""
    return request.app.state.settings  # type: ignore[no-any-return]


def session_cookie_name(settings: Settings) -> str:
    # Browsers only accept a `__Host-` cookie when it is Secure, which plain HTTP cannot be.
    return "lettercast_session" if settings.insecure_cookies else "__Host-lettercast_session"


def is_api_request(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def sign_in_location(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/admin/sign-in?next={quote(target, safe='')}"


def _unsigned(request: Request) -> HTTPException:
    if is_api_request(request):
        return HTTPException(401, "Sign in first.", headers={"WWW-Authenticate": "Cookie"})
    return HTTPException(303, "Sign in first.", headers={"Location": sign_in_location(request)})


def current_session(request: Request, session: SessionDep) -> OrganiserSession:
    """The organiser's server-side session row; raises (redirect or 401) when there is none."""
    cached = getattr(request.state, "organiser_session", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    settings = app_settings(request)
    token = request.cookies.get(session_cookie_name(settings))
    found = service.find_session(session, settings, token)
    if session.dirty or session.deleted:
        session.commit()  # a moved last_seen_at, or an expired session removed
    if found is None:
        raise _unsigned(request)
    request.state.organiser_session = found.row
    request.state.organiser = found.organiser
    return found.row


def current_organiser(
    request: Request, _row: Annotated[OrganiserSession, Depends(current_session)]
) -> Organiser:
    return request.state.organiser  # type: ignore[no-any-return]


CurrentOrganiser = Annotated[Organiser, Depends(current_organiser)]


def require_role(role: Role) -> Any:
    """``Depends(...)`` that yields the organiser, or answers 403 when their role is below ``role``.

    Use it as a parameter annotation (``Annotated[Organiser, require_role(Role.admin)]``) or in
    ``dependencies=[require_role(Role.editor)]``."""

    def check(organiser: CurrentOrganiser) -> Organiser:
        if role_of(organiser).rank < role.rank:
            raise HTTPException(403, f"This needs the {role.value} role.")
        return organiser

    check.__name__ = f"require_{role.value}"
    return Depends(check)


ViewerDep = Annotated[Organiser, require_role(Role.viewer)]
EditorDep = Annotated[Organiser, require_role(Role.editor)]
AdminDep = Annotated[Organiser, require_role(Role.admin)]


def csrf_token_for(request: Request) -> str:
    """A form token bound to this browser's session, so a token from another session fails."""
    row: OrganiserSession = request.state.organiser_session
    return issue_csrf_token(
        app_settings(request).resolved_secret_key(), CSRF_PURPOSE, row.token_hash
    )


async def verify_csrf(
    request: Request, _row: Annotated[OrganiserSession, Depends(current_session)]
) -> None:
    """Refuses a state-changing request without this session's token (form field or header)."""
    token = request.headers.get(CSRF_HEADER)
    if token is None and request.method != "GET":
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            try:
                token = (await request.form()).get(CSRF_FIELD)  # type: ignore[assignment]
            except Exception:  # a malformed body: no token can be read from it
                token = None
    settings = app_settings(request)
    # Bound to the session, a token is worthless once the session ends; so it may live as long
    # as the session can, and a page left open all afternoon can still be saved.
    max_age = settings.organiser_absolute_timeout_hours * 3600
    secret = settings.resolved_secret_key()
    if not verify_csrf_token(secret, token, CSRF_PURPOSE, _row.token_hash, max_age_s=max_age):
        raise HTTPException(
            403, "This form has expired or did not come from this site. Reload the page and retry."
        )


CsrfDep = Depends(verify_csrf)

record_audit = service.record_audit
