"""Public shapes of a campaign, for organisations' own sites and apps."""

from typing import Any

from pydantic import BaseModel, Field

from app.campaigns.models import Campaign


class DemandOut(BaseModel):
    label: str
    text: str
    source: str = ""


class CampaignOut(BaseModel):
    slug: str = Field(examples=["sjr-11"])
    title: str
    status: str = Field(description="live, paused or closed (drafts are not public)")
    language: str
    description: str
    resolution: dict[str, Any] = Field(
        description="code, title, legislature, session, authors, coauthors, url, date, status, "
        "summary, findings"
    )
    demands: list[DemandOut]
    office_kinds: list[str] = Field(description="which offices the letters go to")
    states: list[str] = Field(description="supporters' states the campaign covers (empty: all)")
    goal: int | None = None

    @classmethod
    def from_campaign(cls, campaign: Campaign) -> "CampaignOut":
        targeting = campaign.targeting or {}
        return cls(
            slug=campaign.slug,
            title=campaign.title,
            status=campaign.status,
            language=campaign.language,
            description=campaign.description,
            resolution=campaign.resolution or {},
            demands=[DemandOut(**d) for d in campaign.demands or []],
            office_kinds=list(targeting.get("office_kinds") or []),
            states=list(targeting.get("states") or []),
            goal=(campaign.settings or {}).get("goal"),
        )
