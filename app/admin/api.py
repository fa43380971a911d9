"""The organisers' JSON APIs: the live preview (the template editor's script posts the draft
here as it changes) and the official finder."""

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, field_validator

from app.admin import campaign_service as campaigns
from app.admin import template_service as templates
from app.admin.campaigns import CampaignDep
from app.admin.pages import AdminRoute, clean
from app.admin.templates_editor import NameDep
from app.db import SessionDep
from app.organisers.auth import CsrfDep, ViewerDep

router = APIRouter(route_class=AdminRoute, tags=["organiser workspace"])


class PreviewIn(BaseModel):
    subject: str = Field("", max_length=2000)
    body: str = Field("", max_length=templates.MAX_SOURCE)
    official_id: str | None = Field(None, max_length=64)
    # Write as this supporter of the campaign (sent in the body, never in a URL); None: sample.
    supporter_email: str | None = Field(None, max_length=320)

    @field_validator("subject", "body", "official_id", "supporter_email")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        return clean(value) if value is not None else None


class ProblemOut(BaseModel):
    part: str
    line: int | None
    message: str


class PreviewOut(BaseModel):
    subject: str
    body: str
    addressee: str
    writer: str
    problems: list[ProblemOut]


@router.post(
    "/api/admin/campaigns/{slug}/templates/{name}/preview",
    dependencies=[CsrfDep],
    summary="Render a template draft for the live preview (saves nothing)",
    description="Needs a signed-in organiser and the page's token in the X-CSRF-Token header. "
    "Problems carry the part (subject or body) and line.",
)
def preview_api(
    session: SessionDep, campaign: CampaignDep, name: NameDep, _o: ViewerDep, draft: PreviewIn
) -> PreviewOut:
    result = templates.preview(
        session,
        campaign,
        name,
        draft.subject.replace("\r\n", "\n"),
        draft.body.replace("\r\n", "\n"),
        draft.official_id,
        supporter_email=(draft.supporter_email or "").strip() or None,
    )
    return PreviewOut(
        subject=result.subject,
        body=result.body,
        addressee=result.addressee,
        writer=result.writer,
        problems=[ProblemOut(part=p.part, line=p.line, message=p.message) for p in result.problems],
    )


@router.get(
    "/api/admin/officials",
    summary="Find officials by id, name or office key",
    description="Needs a signed-in organiser (any role). At most 50, those in office first; "
    "`kind` narrows to one office kind.",
)
def find_officials(
    session: SessionDep, _o: ViewerDep, q: str = "", kind: str | None = None
) -> list[dict[str, Any]]:
    return [
        {
            "id": official.id,
            "name": official.name,
            "title": official.title,
            "in_office": official.in_office,
            "office_key": office.key if office else None,
            "office_title": office.title if office else None,
        }
        for official, office in campaigns.search_officials(
            session, clean(q)[:100], kind=clean(kind or "") or None
        )
    ]
