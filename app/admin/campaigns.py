"""Campaign editor pages: list, create, edit, status, channels, per-official stances."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app.admin import campaign_service as campaigns
from app.admin.campaign_forms import (
    KNOWN_CHANNELS,
    STATUS_MEANINGS,
    STATUS_MOVES,
    form_from_campaign,
    parse_campaign_form,
    parse_channels,
)
from app.admin.pages import AdminRoute, clean, clean_form, render
from app.campaigns.models import Campaign, OfficeKind
from app.db import SessionDep
from app.organisers.auth import (
    AdminDep,
    CsrfDep,
    EditorDep,
    ViewerDep,
    current_session,
    record_audit,
)
from app.organisers.models import Organiser, OrganiserSession

router = APIRouter(route_class=AdminRoute, tags=["organiser workspace"], include_in_schema=False)


async def posted_form(request: Request) -> FormData:
    try:
        return clean_form(await request.form())
    except Exception:  # starlette's multipart errors, a body cut short, ...
        raise HTTPException(400, "The form could not be read. Please send it again.") from None


FormDep = Annotated[FormData, Depends(posted_form)]


def campaign_or_404(
    session: SessionDep, slug: str, _signed: Annotated[OrganiserSession, Depends(current_session)]
) -> Campaign:
    """Only after sign-in: an unsigned visitor must not learn which campaigns exist."""
    campaign = campaigns.get_campaign(session, slug)
    if campaign is None:
        raise HTTPException(404, f"There is no campaign {slug!r}.")
    return campaign


CampaignDep = Annotated[Campaign, Depends(campaign_or_404)]


@router.get("/admin/campaigns")
def campaign_list(request: Request, session: SessionDep, _o: ViewerDep) -> Response:
    return render(request, "campaigns.html", {"campaigns": campaigns.list_campaigns(session)})


def _editor_page(
    request: Request,
    session: SessionDep,
    campaign: Campaign | None,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    flash: str | None = None,
    official_query: str = "",
) -> Response:
    context: dict[str, Any] = {
        "campaign": campaign,
        "form": form if form is not None else (form_from_campaign(campaign) if campaign else {}),
        "errors": errors or {},
        "office_kinds": [k.value for k in OfficeKind],
        "status_meanings": STATUS_MEANINGS,
        "flash": flash,
    }
    if campaign is not None:
        stances = (campaign.targeting or {}).get("stances") or []
        blocking, notices = campaigns.readiness(session, campaign)
        context |= {
            "blocking": blocking,
            "notices": notices,
            "status_moves": STATUS_MOVES.get(campaign.status, ()),
            "channels": (campaign.settings or {}).get("channels") or {},
            "known_channels": KNOWN_CHANNELS,
            "stances": stances,
            "stance_officials": campaigns.officials_by_id(
                session, [s["official_id"] for s in stances]
            ),
            "official_query": official_query,
            "official_matches": campaigns.search_officials(session, official_query)
            if official_query
            else [],
        }
    return render(request, "campaign_edit.html", context, status_code=status_code)


@router.get("/admin/campaigns/new")
def new_campaign_page(request: Request, session: SessionDep, _o: EditorDep) -> Response:
    form = {"office_kinds": ["us_house", "us_senate"], "demands": []}
    return _editor_page(request, session, None, form=form)


@router.post("/admin/campaigns/new", dependencies=[CsrfDep])
def create_campaign(
    request: Request, session: SessionDep, organiser: EditorDep, data: FormDep
) -> Response:
    parsed = parse_campaign_form(data, creating=True)
    if not parsed.errors:
        try:
            campaign = campaigns.create_campaign(session, parsed.values)
        except campaigns.CampaignChangeError as error:
            parsed.errors[error.field] = error.message
    if parsed.errors:
        return _editor_page(
            request, session, None, form=parsed.form, errors=parsed.errors, status_code=400
        )
    return _saved(
        session,
        organiser,
        campaign,
        "campaign.create",
        campaign.slug,
        None,
        campaigns.snapshot(campaign),
    )


@router.get("/admin/campaigns/{slug}")
def campaign_page(
    request: Request,
    session: SessionDep,
    campaign: CampaignDep,
    _o: ViewerDep,
    official_q: str = "",
    saved: str = "",
) -> Response:
    return _editor_page(
        request,
        session,
        campaign,
        official_query=clean(official_q)[:100],
        flash="Saved." if saved else None,
    )


@router.post("/admin/campaigns/{slug}", dependencies=[CsrfDep])
def save_campaign(
    request: Request,
    session: SessionDep,
    campaign: CampaignDep,
    organiser: EditorDep,
    data: FormDep,
) -> Response:
    parsed = parse_campaign_form(data, creating=False)
    before = campaigns.snapshot(campaign)
    if not parsed.errors:
        try:
            campaigns.update_campaign(session, campaign, parsed.values)
        except campaigns.CampaignChangeError as error:
            parsed.errors[error.field] = error.message
    if parsed.errors:
        parsed.form["slug"] = campaign.slug
        return _editor_page(
            request, session, campaign, form=parsed.form, errors=parsed.errors, status_code=400
        )
    return _saved(
        session,
        organiser,
        campaign,
        "campaign.update",
        campaign.slug,
        before,
        campaigns.snapshot(campaign),
    )


@router.post("/admin/campaigns/{slug}/status", dependencies=[CsrfDep])
def change_status(
    request: Request,
    session: SessionDep,
    campaign: CampaignDep,
    organiser: EditorDep,
    data: FormDep,
) -> Response:
    status = str(data.get("status") or "")
    before = campaign.status
    try:
        campaigns.change_status(session, campaign, status)
    except campaigns.CampaignChangeError as error:
        return _editor_page(
            request, session, campaign, errors={"status": error.message}, status_code=400
        )
    return _saved(
        session,
        organiser,
        campaign,
        "campaign.status",
        campaign.slug,
        {"status": before},
        {"status": status},
    )


@router.post("/admin/campaigns/{slug}/channels", dependencies=[CsrfDep])
def save_channels(
    request: Request, session: SessionDep, campaign: CampaignDep, organiser: AdminDep, data: FormDep
) -> Response:
    channels, errors = parse_channels(data)
    if errors:
        return _editor_page(request, session, campaign, errors=errors, status_code=400)
    before = (campaign.settings or {}).get("channels") or {}
    campaigns.set_channels(session, campaign, channels)
    return _saved(
        session, organiser, campaign, "campaign.channels", campaign.slug, before, channels
    )


@router.post("/admin/campaigns/{slug}/stances", dependencies=[CsrfDep])
def add_stance(
    request: Request,
    session: SessionDep,
    campaign: CampaignDep,
    organiser: EditorDep,
    data: FormDep,
) -> Response:
    official_id = str(data.get("official_id") or "").strip()[:64]
    action = str(data.get("action") or "")
    template = str(data.get("template") or "").strip()[:64]
    before = list((campaign.targeting or {}).get("stances") or [])
    try:
        campaigns.add_stance(session, campaign, official_id, action, template)
    except campaigns.CampaignChangeError as error:
        form = form_from_campaign(campaign) | {
            "stance_official_id": official_id,
            "stance_action": action,
            "stance_template": template,
        }
        return _editor_page(
            request,
            session,
            campaign,
            form=form,
            errors={f"stance_{error.field}": error.message},
            status_code=400,
        )
    return _saved(
        session,
        organiser,
        campaign,
        "campaign.stance",
        campaign.slug,
        before,
        campaign.targeting["stances"],
        anchor="stances",
    )


@router.post("/admin/campaigns/{slug}/stances/remove", dependencies=[CsrfDep])
def remove_stance(
    session: SessionDep, campaign: CampaignDep, organiser: EditorDep, data: FormDep
) -> Response:
    before = list((campaign.targeting or {}).get("stances") or [])
    campaigns.remove_stance(session, campaign, str(data.get("official_id") or ""))
    return _saved(
        session,
        organiser,
        campaign,
        "campaign.stance",
        campaign.slug,
        before,
        campaign.targeting["stances"],
        anchor="stances",
    )


def _saved(
    session: Session,
    organiser: Organiser,
    campaign: Campaign,
    action: str,
    target: str,
    before: Any,
    after: Any,
    anchor: str = "",
) -> RedirectResponse:
    """Every editor change ends the same way: audited, committed, back to the editor."""
    record_audit(session, organiser, action, target, before, after)
    session.commit()
    fragment = f"#{anchor}" if anchor else ""
    return RedirectResponse(f"/admin/campaigns/{campaign.slug}?saved=1{fragment}", status_code=303)
