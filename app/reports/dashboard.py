"""The campaign dashboard's numbers: a handful of GROUP BY queries, each answered by the database.

Counts are of letters (one per supporter and office); a letter's delivery status and channel come
from its delivery job, if it has one yet.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
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
    """Every figure on the dashboard, for one campaign.

    Each query touches only the table it counts (letters, or delivery jobs) and joins offices
    only after grouping, so a million letters cost a few index scans, not millions of joins.
    """
    assert campaign.id is not None
    connection = session.connection()
    letters = select().select_from(Letter).where(Letter.campaign_id == campaign.id)
    jobs = select().select_from(Delivery).where(Delivery.campaign_id == campaign.id)

    def grouped(
        base: Select[Any],
        *keys: ColumnElement[Any],
        by_key: bool = False,
        limit: int | None = None,
    ) -> list[Any]:
        count = func.count()
        statement = base.add_columns(*keys, count).group_by(*keys)
        statement = statement.order_by(*keys) if by_key else statement.order_by(count.desc(), *keys)
        return list(connection.execute(statement.limit(limit)).all())

    total, supporters = connection.execute(
        letters.add_columns(func.count(), func.count(func.distinct(Letter.supporter_id)))
    ).one()
    delivered = connection.execute(
        jobs.add_columns(func.count(func.coalesce(Delivery.sent_at, Delivery.delivered_by_hand_on)))
    ).scalar_one()
    by_status = grouped(jobs, Delivery.status)
    by_channel = grouped(jobs, Delivery.channel)
    unqueued = total - sum(n for _, n in by_status)
    per_office_id = (
        letters.add_columns(Letter.office_id, func.count().label("n"))
        .group_by(Letter.office_id)
        .subquery()
    )
    districts = select(Office.kind, Office.state, Office.district, func.sum(per_office_id.c.n))
    districts = districts.join_from(per_office_id, Office, Office.id == per_office_id.c.office_id)
    districts = districts.where(Office.kind.in_(DISTRICT_KINDS))
    districts = districts.group_by(Office.kind, Office.state, Office.district)
    goal = (campaign.settings or {}).get("goal")
    return Dashboard(
        campaign=campaign,
        letters=total,
        supporters=supporters,
        delivered=delivered,
        goal=goal if isinstance(goal, int) and goal > 0 else None,
        by_status=_with_unqueued(by_status, unqueued),
        by_channel=_with_unqueued(by_channel, unqueued),
        by_state=[(s or "unknown", n) for s, n in grouped(letters, Letter.state)],
        per_day=_fill_days(grouped(letters, utc_day(Letter.created_at), by_key=True)),
        per_district=sorted(
            ((_district_label(k, st, d), int(n)) for k, st, d, n in connection.execute(districts)),
            key=lambda item: (-item[1], item[0]),
        ),
        per_office=[
            (f"{name or key}" + (f" ({key})" if name else ""), n)
            for key, name, n in grouped(
                letters, Letter.office_key, Letter.official_name, limit=TOP_OFFICES
            )
        ],
        by_source=[(s or "(none)", n) for s, n in grouped(letters, Letter.source)],
        top_cities=[
            (f"{city}, {state}" if state else city, n)
            for city, state, n in grouped(letters, Letter.city, Letter.state, limit=TOP_CITIES)
            if city
        ],
    )


def _with_unqueued(rows: list[Any], unqueued: int) -> list[tuple[str, int]]:
    items = [(str(key), int(n)) for key, n in rows]
    if unqueued > 0:
        items.append(("not queued", unqueued))
    return items


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
