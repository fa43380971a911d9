"""The links in supporters' e-mails: confirming an address, and unsubscribing.

Opening a link shows a page with one button; the button (a POST) does the work. Mail scanners
that open every link therefore neither confirm nor unsubscribe anyone. The secret in the URL
is what authorises the POST, so these forms carry no anti-forgery token; unsubscribe links
also accept the RFC 8058 one-click POST that mail providers send.
"""

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.config import Settings
from app.db import SessionDep
from app.notifications import service

router = APIRouter(prefix="/notifications", tags=["supporters"])


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def _page(title: str, text: str, button: str | None = None, status: int = 200) -> HTMLResponse:
    form = (
        f'<form method="post"><button type="submit">{escape(button)}</button></form>'
        if button
        else ""
    )
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head><body><main><h1>{escape(title)}</h1>"
        f"<p>{escape(text)}</p>{form}</main></body></html>"
    )
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


NOT_FOUND = ("Link not recognised", "This link is not valid. Please use the link in your e-mail.")
PAGE: dict = {  # type: ignore[type-arg]
    "response_class": HTMLResponse,
    "responses": {404: {"description": "The link is not valid.", "content": {"text/html": {}}}},
}


@router.get("/confirm/{token}", summary="Page asking the supporter to confirm their e-mail", **PAGE)
def confirm_page(token: str, session: SessionDep) -> HTMLResponse:
    confirmation = service.confirmation_for(session, token)
    if confirmation is None:
        return _page(*NOT_FOUND, status=404)
    if confirmation.confirmed_at is not None:
        return _page("Already confirmed", "Thank you: your letters are on their way.")
    return _page(
        "Confirm your e-mail address",
        "Your letters will be sent in your name once you confirm this address is yours.",
        "Confirm and send my letters",
    )


@router.post(
    "/confirm/{token}", summary="Confirm the e-mail address and release the letters", **PAGE
)
def confirm(token: str, session: SessionDep) -> HTMLResponse:
    confirmation = service.confirm_email(session, token)
    if confirmation is None:
        return _page(*NOT_FOUND, status=404)
    session.commit()
    return _page("Thank you", "Your e-mail address is confirmed and your letters are on their way.")


@router.get("/unsubscribe/{consent_id}/{signature}", summary="Page offering to unsubscribe", **PAGE)
def unsubscribe_page(
    consent_id: int, signature: str, request: Request, session: SessionDep
) -> HTMLResponse:
    consent = service.consent_for_link(session, _settings(request), consent_id, signature)
    if consent is None:
        return _page(*NOT_FOUND, status=404)
    if consent.unsubscribed_at is not None:
        return _page("Unsubscribed", "You will not hear from us again about this campaign.")
    return _page(
        "Unsubscribe",
        "Stop e-mails from the organisers of this campaign. Your letters are not affected.",
        "Unsubscribe",
    )


@router.post("/unsubscribe/{consent_id}/{signature}", summary="Unsubscribe (also RFC 8058)", **PAGE)
def unsubscribe(
    consent_id: int, signature: str, request: Request, session: SessionDep
) -> HTMLResponse:
    if not service.unsubscribe(session, _settings(request), consent_id, signature):
        return _page(*NOT_FOUND, status=404)
    session.commit()
    return _page("Unsubscribed", "You will not hear from us again about this campaign.")
