"""Signing in and out of the organiser workspace."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.admin.pages import AdminRoute, clean, render
from app.csrf import issue_csrf_token, verify_csrf_token
from app.db import SessionDep
from app.organisers import service
from app.organisers.auth import (
    CsrfDep,
    CurrentOrganiser,
    app_settings,
    record_audit,
    session_cookie_name,
)
from app.submissions.ratelimit import client_address

router = APIRouter(route_class=AdminRoute, tags=["organiser workspace"], include_in_schema=False)

SIGN_IN_PURPOSE = "sign-in"


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect after sign-in would help phishing."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/admin/campaigns"
    return target


def _sign_in_page(
    request: Request, form: dict[str, str], error: str | None = None, status_code: int = 200
) -> Response:
    secret = app_settings(request).resolved_secret_key()
    return render(
        request,
        "sign_in.html",
        {
            "form": form,
            "error": error,
            "sign_in_token": issue_csrf_token(secret, SIGN_IN_PURPOSE),
        },
        status_code=status_code,
    )


@router.get("/admin/sign-in")
def sign_in_page(request: Request, next: str = "/admin/campaigns") -> Response:
    return _sign_in_page(request, {"email": "", "next": safe_next(next)})


@router.post("/admin/sign-in")
def sign_in(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=400)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/admin/campaigns",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    settings = app_settings(request)
    email, password, next = clean(email), clean(password), clean(next)
    form = {"email": email, "next": safe_next(next)}
    if not verify_csrf_token(settings.resolved_secret_key(), csrf_token, SIGN_IN_PURPOSE):
        return _sign_in_page(request, form, "The form expired. Please try again.", 400)
    if not email.strip() or not password:
        return _sign_in_page(request, form, "Enter your e-mail address and password.", 400)
    # Behind a trusted reverse proxy the client is in X-Forwarded-For (LETTERCAST_TRUSTED_PROXIES).
    peer = request.client.host if request.client else None
    ip = client_address(peer, request.headers.get("x-forwarded-for"), settings) or "unknown"
    try:
        organiser = service.authenticate(session, settings, email, password, ip)
    except service.SignInRefused as refused:
        session.commit()  # the failed attempt counts towards the limit
        return _sign_in_page(request, form, refused.message, 429 if refused.throttled else 400)
    # A fresh token at every sign-in: a session id planted before sign-in is never promoted.
    service.end_session(session, request.cookies.get(session_cookie_name(settings)))
    token = service.start_session(session, settings, organiser)
    record_audit(session, organiser, "organiser.sign_in", organiser.email)
    session.commit()
    response = RedirectResponse(form["next"], status_code=303)
    response.set_cookie(
        session_cookie_name(settings),
        token,
        max_age=settings.organiser_absolute_timeout_hours * 3600,
        path="/",
        secure=not settings.insecure_cookies,
        httponly=True,
        samesite="strict",
    )
    return response


@router.post("/admin/sign-out", dependencies=[CsrfDep])
def sign_out(request: Request, session: SessionDep, organiser: CurrentOrganiser) -> Response:
    settings = app_settings(request)
    service.end_session(session, request.cookies.get(session_cookie_name(settings)))
    record_audit(session, organiser, "organiser.sign_out", organiser.email)
    session.commit()
    response = RedirectResponse("/admin/sign-in", status_code=303)
    response.delete_cookie(
        session_cookie_name(settings),
        path="/",
        secure=not settings.insecure_cookies,
        httponly=True,
        samesite="strict",
    )
    return response


@router.get("/admin")
def admin_home(_organiser: CurrentOrganiser) -> Response:
    return RedirectResponse("/admin/campaigns", status_code=303)
