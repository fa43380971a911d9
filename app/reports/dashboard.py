"""The campaign dashboard's numbers: a handful of GROUP BY queries, each answered by the database.

Counts are of letters (one per supporter and office); a letter's delivery status and channel come
from its delivery job, if it has one yet.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlmodel import Session

from app.campaigns.models import Campaign
from app.delivery.models import Delivery
from app.letters.models import Letter
from app.reports.query import utc_day
from app.representatives.models import Office

DISTRICT_KINDS = ("us_house", "state_upper", "state_lower")
TOP_OFFICES = 25
TOP_CITIES = 15
MAX_DAYS = 731  # a two-year session; older days are summed into the first bar's tooltip


@dataclass
class Dashboard:
    campaign: Campaign
    letters: int = 0
    supporters: int = 0
    delivered: int = 0
    goal: int | None = None
    by_status: list[tuple[str, int]] = field(default_factory=list)
    by_channel: list[tuple[str, int]] = field(default_factory=list)
    by_state: list[tuple[str, int]] = field(default_factory=list)
    per_day: list[tuple[str, int]] = field(default_factory=list)
    per_district: list[tuple[str, int]] = field(default_factory=list)
    per_office: list[tuple[str, int]] = field(default_factory=list)
    by_source: list[tuple[str, int]] = field(default_factory=list)
    top_cities: list[tuple[str, int]] = field(default_factory=list)


def build_dashboard(session: Session, campaign: Campaign) -> Dashboard:
    """Every figure on the dashboard, for one campaign."""
    assert campaign.id is not None
    connection = session.connection()
    base = (
        select()
        .select_from(Letter)
        .outerjoin(Delivery, Delivery.letter_id == Letter.id)
        .outerjoin(Office, Office.id == Letter.office_id)
        .where(Letter.campaign_id == campaign.id)
    )

    def grouped(*keys: ColumnElement[Any], order_by_key: bool = False, limit: int | None = None):  # type: ignore[no-untyped-def]
        count = func.count(Letter.id)
        statement = base.add_columns(*keys, count).group_by(*keys)
        statement = (
            statement.order_by(*keys) if order_by_key else statement.order_by(count.desc(), *keys)
        )
        if limit:
            statement = statement.limit(limit)
        return connection.execute(statement).all()

    totals = connection.execute(
        base.add_columns(
            func.count(Letter.id),
            func.count(func.distinct(Letter.supporter_id)),
            func.count(func.coalesce(Delivery.sent_at, Delivery.delivered_by_hand_on)),
        )
    ).one()
    goal = (campaign.settings or {}).get("goal")
    return Dashboard(
        campaign=campaign,
        letters=totals[0],
        supporters=totals[1],
        delivered=totals[2],
        goal=goal if isinstance(goal, int) and goal > 0 else None,
        by_status=[(s or "not queued", n) for s, n in grouped(Delivery.status)],
        by_channel=[(c or "not queued", n) for c, n in grouped(Delivery.channel)],
        by_state=[(s or "unknown", n) for s, n in grouped(Letter.state)],
        per_day=_fill_days(grouped(utc_day(Letter.created_at), order_by_key=True)),
        per_district=[
            (f"{_district_label(kind, state, district)}", n)
            for kind, state, district, n in grouped(Office.kind, Office.state, Office.district)
            if kind in DISTRICT_KINDS
        ],
        per_office=[
            (f"{name or key}" + (f" ({key})" if name else ""), n)
            for key, name, n in grouped(Letter.office_key, Letter.official_name, limit=TOP_OFFICES)
        ],
        by_source=[(s or "(none)", n) for s, n in grouped(Letter.source)],
        top_cities=[
            (f"{city}, {state}" if state else city, n)
            for city, state, n in grouped(Letter.city, Letter.state, limit=TOP_CITIES)
            if city
        ],
    )


_KIND_LABELS = {"us_house": "U.S. House", "state_upper": "State Senate", "state_lower": "Assembly"}


def _district_label(kind: str, state: str | None, district: str | None) -> str:
    return f"{_KIND_LABELS.get(kind, kind)} {state or ''}-{district or '?'}"


def _fill_days(rows: list[Any]) -> list[tuple[str, int]]:
    """Days without letters appear as zero, so the chart's time axis is even."""
    counts = {day: n for day, n in rows if day}
    if not counts:
        return []
    first, last = date.fromisoformat(min(counts)), date.fromisoformat(max(counts))
    first = max(first, last - timedelta(days=MAX_DAYS - 1))
    earlier = sum(n for day, n in counts.items() if date.fromisoformat(day) < first)
    days = []
    for offset in range((last - first).days + 1):
        day = (first + timedelta(days=offset)).isoformat()
        days.append((day, counts.get(day, 0)))
    if earlier:
        days[0] = (days[0][0], days[0][1] + earlier)
    return days
