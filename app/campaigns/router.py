"""HTTP routes of the campaigns domain (thin: parse, call the service, answer)."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path

from app.campaigns import service
from app.campaigns.models import CampaignStatus
from app.campaigns.schemas import CampaignOut
from app.db import SessionDep

router = APIRouter(prefix="/api", tags=["campaigns"])


@router.get(
    "/campaigns",
    response_model=list[CampaignOut],
    summary="Public campaigns",
    description="Every campaign that is not a draft, by slug: what it asks and of whom.",
)
def public_campaigns(session: SessionDep) -> list[CampaignOut]:
    return [
        CampaignOut.from_campaign(c)
        for c in service.list_campaigns(session)
        if c.status != CampaignStatus.draft
    ]


@router.get(
    "/campaigns/{slug}",
    response_model=CampaignOut,
    summary="One public campaign",
    description="The campaign, its resolution and demands, for an organisation's own site.",
    responses={404: {"description": "No public campaign has this slug (drafts are not public)."}},
)
def public_campaign(
    session: SessionDep,
    slug: Annotated[str, Path(max_length=80, description="The campaign's slug, e.g. sjr-11.")],
) -> CampaignOut:
    campaign = service.get_campaign_by_slug(session, slug)
    if campaign is None or campaign.status == CampaignStatus.draft:
        raise HTTPException(404, "No public campaign has this slug.")
    return CampaignOut.from_campaign(campaign)
