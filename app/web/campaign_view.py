"""What the supporter pages show about a campaign: the public counter, the states list, and the
plain words for offices and letter states."""

import time
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, select

from app.campaigns.models import Campaign
from app.delivery.models import Delivery
from app.letters.models import Letter
from app.web.i18n import N_

# The counter is public and read on every page view; a few seconds' staleness spares the
# database a count per visit on a busy day.
_COUNTER_TTL_S = 10.0
_counter_cache: dict[tuple[str, int], tuple[float, int]] = {}

STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "AS": "American Samoa", "GU": "Guam", "MP": "Northern Mariana Islands", "PR": "Puerto Rico",
    "VI": "U.S. Virgin Islands",
}  # fmt: skip

OFFICE_KINDS = {
    "us_house": N_("U.S. House of Representatives"),
    "us_senate": N_("U.S. Senate"),
    "state_upper": N_("State Senate"),
    "state_lower": N_("State Assembly"),
    "executive": N_("Executive office"),
    "custom": N_("Also receiving your letter"),
}
# Plain words for the outbox states; "failed" will be retried, "dead" will not.
LETTER_STATES = {
    "preview": N_("Not sent yet"),
    "queued": N_("Queued"),
    "sending": N_("Sending"),
    "sent": N_("Sent"),
    "failed": N_("Retrying"),
    "dead": N_("Not delivered"),
    "held": N_("Held for hand delivery"),
    "cancelled": N_("Cancelled"),
}
FINAL_STATES = frozenset({"sent", "dead", "cancelled", "held"})


def campaign_by_slug(session: Session, slug: str) -> Campaign | None:
    try:
        from app.campaigns.service import get_campaign_by_slug
    except ImportError:  # the campaigns service is optional for reading a row
        return session.exec(select(Campaign).where(Campaign.slug == slug)).first()
    return get_campaign_by_slug(session, slug)


def letters_count(session: Session, campaign: Campaign) -> int:
    """Letters supporters have sent (cancelled ones excluded), cached for a few seconds."""
    assert campaign.id is not None
    bind = session.get_bind()
    cache_key = (str(getattr(bind, "url", "")), campaign.id)
    cached = _counter_cache.get(cache_key)
    now = time.monotonic()
    if cached and now - cached[0] < _COUNTER_TTL_S:
        return cached[1]
    statement = (
        select(func.count(Letter.id))  # type: ignore[arg-type]
        .select_from(Letter)
        .outerjoin(Delivery, Delivery.letter_id == Letter.id)  # type: ignore[arg-type]
        .where(Letter.campaign_id == campaign.id)
        .where(or_(Delivery.status.is_(None), Delivery.status != "cancelled"))  # type: ignore[union-attr]
    )
    count = int(session.exec(statement).one())
    _counter_cache[cache_key] = (now, count)
    return count


def campaign_context(session: Session, campaign: Campaign) -> dict[str, Any]:
    settings = campaign.settings or {}
    goal = settings.get("goal")
    sent = letters_count(session, campaign)
    goal = int(goal) if isinstance(goal, int | float) and goal > 0 else None
    return {
        "campaign": campaign,
        "resolution": campaign.resolution or {},
        "demands": campaign.demands or [],
        "letters_sent": sent,
        "goal": goal,
        "accepting": campaign.status == "live",
        "organization": settings.get("organization_name") or "",
    }


def target_states(campaign: Campaign) -> list[str]:
    states = (campaign.targeting or {}).get("states") or []
    return [s for s in states if isinstance(s, str) and s in STATES]
