"""Export a campaign as a zip of its files, and import one."""

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import UploadFile

from app.admin import campaign_files
from app.admin.campaign_service import get_campaign, snapshot
from app.admin.campaigns import CampaignDep
from app.admin.pages import HEADERS, AdminRoute, render
from app.db import SessionDep
from app.organisers.auth import CsrfDep, EditorDep, ViewerDep, record_audit
from app.organisers.models import Organiser

router = APIRouter(route_class=AdminRoute, include_in_schema=False)


@router.get("/admin/campaigns/{slug}/export.zip")
def export_campaign(session: SessionDep, campaign: CampaignDep, organiser: ViewerDep) -> Response:
    data = campaign_files.export_zip(session, campaign)
    record_audit(session, organiser, "campaign.export", campaign.slug)
    session.commit()
    headers = HEADERS | {"Content-Disposition": f'attachment; filename="{campaign.slug}.zip"'}
    return Response(data, media_type="application/zip", headers=headers)


def _import_page(
    request: Request, problems: list[tuple[str, int | None, str]] | None = None, status: int = 200
) -> Response:
    return render(request, "import.html", {"problems": problems or []}, status_code=status)


@router.get("/admin/campaigns-import")
def import_page(request: Request, _o: EditorDep) -> Response:
    return _import_page(request)


@router.post("/admin/campaigns-import", dependencies=[CsrfDep])
async def import_campaign(request: Request, organiser: EditorDep, session: SessionDep) -> Response:
    try:
        upload = (await request.form()).get("archive")
    except Exception:  # a malformed multipart body
        upload = None
    if not isinstance(upload, UploadFile):
        return _import_page(request, [("archive", None, "Choose a .zip file to import.")], 400)
    data = await upload.read(campaign_files.MAX_ZIP_BYTES + 1)
    try:
        slug = await run_in_threadpool(_load, session, data, organiser)
    except campaign_files.CampaignImportError as error:
        return _import_page(request, error.problems, 400)
    return RedirectResponse(f"/admin/campaigns/{slug}?saved=1", status_code=303)


def _load(session: Session, data: bytes, organiser: Organiser) -> str:
    report = campaign_files.import_zip(session, data, organiser.email)
    campaign = get_campaign(session, report.slug)
    record_audit(
        session,
        organiser,
        "campaign.import",
        report.slug,
        after={
            "created": report.created,
            "changed_fields": report.changed_fields,
            "new_templates": report.new_templates,
            "campaign": snapshot(campaign) if campaign else None,
        },
    )
    session.commit()
    return report.slug
