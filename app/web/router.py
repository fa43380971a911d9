"""Supporter pages: the campaign and its form, the review step, sending, and the thanks page.

Works without JavaScript and without a server session: the form's state travels in hidden
fields, and the anti-forgery token is signed, not stored, so the form also works embedded in
another site's page where third-party cookies are blocked.
"""

import secrets
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.campaigns.models import Campaign
from app.config import Settings
from app.csrf import issue_csrf_token, verify_csrf_token
from app.db import SessionDep
from app.submissions.schemas import PREFIXES
from app.submissions.service import get_submission
from app.web import campaign_view as view
from app.web import i18n, pages
from app.web.context import PageContext
from app.web.flow import SubmitFailure, preview, send
from app.web.forms import HONEYPOT, MESSAGES, SupporterForm

router = APIRouter(include_in_schema=False)
CSRF_PURPOSE = "supporter-form"
STATIC_FILES = {"site.css": "text/css", "site.js": "text/javascript"}


@router.get("/static/web/{name}")
def static_file(name: str) -> Response:
    if name not in STATIC_FILES:
        return Response(status_code=404)
    return FileResponse(
        pages.STATIC_DIR / name,
        media_type=STATIC_FILES[name],
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/c/{slug}")
def campaign_page(slug: str, request: Request, session: SessionDep) -> Response:
    ctx = PageContext.build(request, session, slug)
    if ctx.campaign is None:
        return ctx.not_found()
    form = SupporterForm()
    form.values["source"] = _source_from_query(request)
    states = view.target_states(ctx.campaign)
    form.values["state"] = states[0] if len(states) == 1 else ""
    response = _form_page(ctx, form)
    chosen = i18n.supported(request.query_params.get("lang"))
    if chosen:
        response.set_cookie(
            i18n.COOKIE_NAME,
            chosen,
            max_age=365 * 86400,
            samesite="lax",
            httponly=True,
            secure=request.url.scheme == "https",
        )
    return response


@router.post("/c/{slug}/edit")
async def edit_details(slug: str, request: Request, session: SessionDep) -> Response:
    """ "Not right? Edit": back to the form with everything the supporter typed."""
    data = await request.form()
    ctx = await run_in_threadpool(PageContext.build, request, session, slug, data)
    if ctx.campaign is None:
        return ctx.not_found()
    return await run_in_threadpool(_form_page, ctx, SupporterForm.from_mapping(data))


@router.post("/c/{slug}/review")
async def review(slug: str, request: Request, session: SessionDep) -> Response:
    data = await request.form()
    ctx, form, early = await run_in_threadpool(_checked, request, session, slug, data)
    if early is not None:
        return early
    result = await preview(ctx, form)
    if isinstance(result, SubmitFailure):
        return result.response or await _failed_form(ctx, form, result)
    return _review_page(ctx, form, result.letters, result.matched_address)


@router.post("/c/{slug}/send")
async def send_letters(slug: str, request: Request, session: SessionDep) -> Response:
    data = await request.form()
    ctx, form, early = await run_in_threadpool(_checked, request, session, slug, data)
    if early is not None:
        return early
    if form.values["personal_note"] != str(data.get("previewed_note") or "").strip():
        # The note changed after the preview: show the letters as they will really be sent.
        result = await preview(ctx, form)
        if isinstance(result, SubmitFailure):
            return result.response or await _failed_form(ctx, form, result)
        notice = ctx.gettext("We added your new note to the letters. Check them, then send.")
        return _review_page(ctx, form, result.letters, result.matched_address, notice=notice)
    idempotency_key = str(data.get("idempotency_key") or "")[:64] or None
    outcome = await send(ctx, form, idempotency_key)
    if isinstance(outcome, SubmitFailure):
        return outcome.response or await _failed_form(ctx, form, outcome)
    url = f"/c/{slug}/thanks/{outcome}" + ctx.flow_query()
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


def _checked(
    request: Request, session: Session, slug: str, data: Any
) -> tuple[PageContext, SupporterForm, Response | None]:
    """What the review and send steps check first; a response when the answer is already clear.

    Runs in a worker thread: it reads the database, which must not stall the event loop.
    """
    ctx = PageContext.build(request, session, slug, data)
    form = SupporterForm.from_mapping(data)
    if ctx.campaign is None:
        return ctx, form, ctx.not_found()
    if data.get(HONEYPOT):
        return ctx, form, ctx.received()
    if ctx.campaign.status != "live":
        return ctx, form, _form_page(ctx, form, status_code=409)
    if not _csrf_ok(ctx, data):
        form.add_error("form", ctx.gettext(MESSAGES["expired"]))
        return ctx, form, _form_page(ctx, form, status_code=400)
    if not form.validate(ctx.gettext, view.STATES):
        return ctx, form, _form_page(ctx, form, status_code=422)
    return ctx, form, None


async def _failed_form(ctx: PageContext, form: SupporterForm, failure: SubmitFailure) -> Response:
    return await run_in_threadpool(_form_page, ctx, form, failure.status_code)


@router.get("/c/{slug}/review")
@router.get("/c/{slug}/send")
@router.get("/c/{slug}/edit")
def back_to_form(slug: str, request: Request) -> Response:
    """A reload or a bookmark of a step that only answers forms: start again at the campaign."""
    keep = {k: v for k, v in request.query_params.items() if k in ("embed", "lang")}
    return RedirectResponse(f"/c/{quote(slug)}" + (f"?{urlencode(keep)}" if keep else ""), 303)


@router.get("/c/{slug}/thanks/{token}")
def thanks(slug: str, token: str, request: Request, session: SessionDep) -> Response:
    ctx = PageContext.build(request, session, slug)
    submission = get_submission(session, token) if ctx.campaign and len(token) <= 128 else None
    if ctx.campaign is None or submission is None:
        return ctx.not_found(private=True)
    letters = submission.letters
    all_final = all(letter.status in view.FINAL_STATES for letter in letters)
    share_url = f"{ctx.settings.public_url.rstrip('/')}/c/{slug}"
    context = ctx.base_context(lang_path=f"/c/{slug}/thanks/{token}") | {
        "page_title": ctx.gettext("Thank you") + " · " + ctx.campaign.title,
        "step": "thanks",
        "token": token,
        "letters": letters,
        "all_final": all_final,
        "status_labels": {k: ctx.gettext(v) for k, v in view.LETTER_STATES.items()},
        "office_kinds": ctx.office_kinds(),
        "share_url": share_url,
        "share_links": _share_links(ctx, share_url),
        "reload_url": f"/c/{slug}/thanks/{token}" + ctx.flow_query(),
        "private": True,
    }
    return ctx.render("thanks.html", context, private=True)


def _form_page(ctx: PageContext, form: SupporterForm, status_code: int = 200) -> Response:
    assert ctx.campaign is not None
    org = ctx.organization
    consent = (
        ctx.gettext("Yes, %(org)s may e-mail me about this campaign and related work.")
        % {"org": org}
        if org
        else ctx.gettext("Yes, e-mail me about this campaign's progress.")
    )
    context = ctx.base_context(lang_path=f"/c/{ctx.campaign.slug}") | view.campaign_context(
        ctx.session, ctx.campaign
    )
    context |= {
        "page_title": ctx.campaign.title,
        "step": "form",
        "form": form,
        "csrf_token": _issue_csrf(ctx.settings, ctx.campaign),
        "prefixes": PREFIXES,
        "states": view.STATES,
        "consent_label": consent,
    }
    return ctx.render("campaign.html", context, status_code=status_code, private=bool(form.errors))


def _review_page(
    ctx: PageContext,
    form: SupporterForm,
    letters: list[Any],
    matched_address: str | None,
    notice: str | None = None,
) -> Response:
    assert ctx.campaign is not None
    context = ctx.base_context(lang_path=None) | {
        "page_title": ctx.gettext("Check your letters") + " · " + ctx.campaign.title,
        "step": "review",
        "form": form,
        "letters": letters,
        "matched_address": matched_address or "",
        "csrf_token": _issue_csrf(ctx.settings, ctx.campaign),
        "idempotency_key": secrets.token_urlsafe(24),
        "allow_body_edit": bool((ctx.campaign.settings or {}).get("allow_body_edit")),
        "office_kinds": ctx.office_kinds(),
        "notice": notice,
        "private": True,
    }
    return ctx.render("review.html", context, private=True)


def _issue_csrf(settings: Settings, campaign: Campaign) -> str:
    return issue_csrf_token(settings.resolved_secret_key(), CSRF_PURPOSE, campaign.slug)


def _csrf_ok(ctx: PageContext, data: Any) -> bool:
    assert ctx.campaign is not None
    token = data.get("csrf_token")
    return verify_csrf_token(
        ctx.settings.resolved_secret_key(),
        token if isinstance(token, str) else None,
        CSRF_PURPOSE,
        ctx.campaign.slug,
    )


def _source_from_query(request: Request) -> str:
    """A referral tag from ?source=, else the UTM parameters, in the API's allowed alphabet."""
    params = request.query_params
    source = params.get("source") or "/".join(
        params[name] for name in ("utm_source", "utm_medium", "utm_campaign") if params.get(name)
    )
    cleaned = "".join(ch for ch in source if ch.isalnum() or ch in "._-:/+ ")
    return cleaned.strip()[:100]


def _share_links(ctx: PageContext, url: str) -> list[tuple[str, str]]:
    assert ctx.campaign is not None
    text = ctx.gettext("I wrote to my representatives about %(title)s. Will you?") % {
        "title": ctx.campaign.title
    }
    return [
        (
            ctx.gettext("E-mail"),
            "mailto:?"
            + urlencode({"subject": ctx.campaign.title, "body": f"{text}\n{url}"}, quote_via=quote),
        ),
        ("WhatsApp", "https://wa.me/?" + urlencode({"text": f"{text} {url}"})),
        ("Facebook", "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})),
        ("X", "https://twitter.com/intent/tweet?" + urlencode({"text": text, "url": url})),
    ]
