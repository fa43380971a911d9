"""Template editor pages: edit with live preview, versions, diff, roll back, test-send."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from app.admin import template_service as templates
from app.admin.campaigns import CampaignDep, FormDep
from app.admin.pages import AdminRoute, clean, render, small_int
from app.campaigns.models import Campaign, OfficeKind, TemplateVersion
from app.db import SessionDep
from app.organisers.auth import CsrfDep, EditorDep, ViewerDep, record_audit
from app.representatives.models import Office, Official

router = APIRouter(route_class=AdminRoute, tags=["organiser workspace"])


def template_name(name: str) -> str:
    if not templates.TEMPLATE_NAME.match(name):
        raise HTTPException(404, "Template names are lower-case letters, digits and _.")
    return name


NameDep = Annotated[str, Depends(template_name)]


def _preview_officials(session: Session, campaign: Campaign, name: str) -> list[tuple[Any, Any]]:
    """Real officials to preview against: the seat holders of this office kind, or the
    officials whose stance names this template."""
    statement = select(Official, Office).join(Office)
    if name in OfficeKind.__members__:
        statement = statement.where(Office.kind == name, Official.in_office == True)  # noqa: E712
    else:
        ids = [
            s["official_id"]
            for s in (campaign.targeting or {}).get("stances") or []
            if s.get("template") == name
        ]
        statement = statement.where(col(Official.id).in_(ids))
    return list(session.exec(statement.order_by(Official.name).limit(1000)).all())


def _editor(
    request: Request,
    session: Session,
    campaign: Campaign,
    name: str,
    form: dict[str, str],
    *,
    problems: list[templates.Problem] | None = None,
    preview: templates.Preview | None = None,
    status_code: int = 200,
    flash: str | None = None,
) -> Response:
    history = templates.versions(session, campaign, name)
    if preview is None and problems is None and (form["subject"] or form["body"]):
        preview = templates.preview(
            session,
            campaign,
            name,
            form["subject"],
            form["body"],
            form.get("official_id"),
            supporter_email=form.get("supporter_email"),
        )
    problems = problems if problems is not None else (preview.problems if preview else [])
    lines = {
        part: form[part].split("\n")
        for part in templates.PARTS
        if any(p.part == part for p in problems)
    }
    return render(
        request,
        "template_edit.html",
        {
            "campaign": campaign,
            "name": name,
            "form": form,
            "current": history[0] if history else None,
            "history": history[:10],
            "problems": problems,
            "problem_lines": {(p.part, p.line) for p in problems},
            "lines": lines,
            "preview": preview,
            "variables": templates.variables(),
            "officials": _preview_officials(session, campaign, name),
            "flash": flash,
        },
        status_code=status_code,
    )


@router.get("/admin/campaigns/{slug}/templates", include_in_schema=False)
def template_list(
    request: Request, session: SessionDep, campaign: CampaignDep, _o: ViewerDep, new_name: str = ""
) -> Response:
    if new_name and templates.TEMPLATE_NAME.match(new_name):
        return RedirectResponse(f"/admin/campaigns/{campaign.slug}/templates/{new_name}", 303)
    return render(
        request,
        "templates.html",
        {"campaign": campaign, "templates": templates.template_names(session, campaign)},
    )


@router.get("/admin/campaigns/{slug}/templates/{name}", include_in_schema=False)
def template_page(
    request: Request,
    session: SessionDep,
    campaign: CampaignDep,
    name: NameDep,
    _o: ViewerDep,
    official_id: str = "",
    version: int | None = None,
    saved: str = "",
) -> Response:
    shown = templates.get_version(session, campaign, name, version) if version else None
    if shown is None:
        history = templates.versions(session, campaign, name)
        shown = history[0] if history else None
    form = {
        "subject": shown.subject_source if shown else "",
        "body": shown.body_source if shown else "",
        "note": "",
        "official_id": clean(official_id)[:64],
        "supporter_email": "",
    }
    flash = f"Saved as version {saved}." if saved.isdigit() else None
    return _editor(request, session, campaign, name, form, flash=flash)


def _posted(data: Any) -> dict[str, str]:
    def text(key: str, limit: int) -> str:
        value = data.get(key)
        return value.replace("\r\n", "\n")[:limit] if isinstance(value, str) else ""

    return {
        "subject": text("subject", 2000),
        "body": text("body", templates.MAX_SOURCE),
        "note": text("note", 500).strip(),
        "official_id": text("official_id", 64).strip(),
        "supporter_email": text("supporter_email", 320).strip(),
    }


@router.post(
    "/admin/campaigns/{slug}/templates/{name}", dependencies=[CsrfDep], include_in_schema=False
)
def save_template(
    request: Request,
    session: SessionDep,
    campaign: CampaignDep,
    name: NameDep,
    organiser: EditorDep,
    data: FormDep,
) -> Response:
    form = _posted(data)
    history = templates.versions(session, campaign, name)
    try:
        row = templates.save_version(
            session, campaign, name, form["subject"], form["body"], organiser.email, form["note"]
        )
    except templates.TemplateProblems as refused:
        return _editor(
            request, session, campaign, name, form, problems=refused.problems, status_code=400
        )
    before = history[0] if history else None
    record_audit(
        session,
        organiser,
        "template.save",
        f"{campaign.slug}/{name}",
        _audit_text(before),
        _audit_text(row) | {"note": row.note},
    )
    session.commit()
    query = f"?saved={row.version}" + (
        f"&official_id={form['official_id']}" if form["official_id"] else ""
    )
    return RedirectResponse(
        f"/admin/campaigns/{campaign.slug}/templates/{name}{query}", status_code=303
    )


def _audit_text(row: TemplateVersion | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"version": row.version, "subject": row.subject_source, "body": row.body_source}


@router.post(
    "/admin/campaigns/{slug}/templates/{name}/preview",
    dependencies=[CsrfDep],
    include_in_schema=False,
)
def preview_page(
    request: Request,
    session: SessionDep,
    campaign: CampaignDep,
    name: NameDep,
    _o: ViewerDep,
    data: FormDep,
) -> Response:
    """The preview button for browsers without JavaScript: renders, saves nothing."""
    form = _posted(data)
    preview = templates.preview(
        session,
        campaign,
        name,
        form["subject"],
        form["body"],
        form["official_id"],
        supporter_email=form["supporter_email"],
    )
    return _editor(request, session, campaign, name, form, preview=preview)


@router.get("/admin/campaigns/{slug}/templates/{name}/diff", include_in_schema=False)
def template_diff(
    request: Request,
    session: SessionDep,
    campaign: CampaignDep,
    name: NameDep,
    _o: ViewerDep,
    old: int = 1,
    new: int | None = None,
) -> Response:
    history = templates.versions(session, campaign, name)
    newer = (
        templates.get_version(session, campaign, name, new)
        if new
        else (history[0] if history else None)
    )
    older = templates.get_version(session, campaign, name, old)
    if newer is None or older is None:
        raise HTTPException(404, "No such version of this template.")
    return render(
        request,
        "template_diff.html",
        {
            "campaign": campaign,
            "name": name,
            "old": older,
            "new": newer,
            "history": history,
            "lines": templates.diff(older, newer),
        },
    )


@router.post(
    "/admin/campaigns/{slug}/templates/{name}/rollback",
    dependencies=[CsrfDep],
    include_in_schema=False,
)
def rollback(
    session: SessionDep, campaign: CampaignDep, name: NameDep, organiser: EditorDep, data: FormDep
) -> Response:
    """A roll-back adds a new version carrying the old text; history is never rewritten."""
    wanted = str(data.get("version") or "")
    number = small_int(wanted)
    old = templates.get_version(session, campaign, name, number) if number else None
    if old is None:
        raise HTTPException(404, "No such version of this template.")
    history = templates.versions(session, campaign, name)
    try:
        row = templates.save_version(
            session,
            campaign,
            name,
            old.subject_source,
            old.body_source,
            organiser.email,
            f"Rolled back to version {old.version}",
        )
    except templates.TemplateProblems as refused:
        raise HTTPException(
            409, f"Version {old.version} no longer passes the checks: {refused}"
        ) from None
    record_audit(
        session,
        organiser,
        "template.rollback",
        f"{campaign.slug}/{name}",
        _audit_text(history[0] if history else None),
        _audit_text(row) | {"note": row.note},
    )
    session.commit()
    return RedirectResponse(
        f"/admin/campaigns/{campaign.slug}/templates/{name}?saved={row.version}", status_code=303
    )
