"""What the delivery desk shows: counts, letters in trouble, the held queue, a supporter's letters.

Changes to the queue (retry, cancel, mark delivered) go through ``app.delivery.service``; this
module only reads, and narrows the ids an organiser posted to the campaign on screen.
"""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.campaigns.models import Campaign
from app.delivery.models import Delivery, DeliveryStatus
from app.letters.models import Letter
from app.supporters import service as supporters

PAGE = 200
TROUBLE = (DeliveryStatus.failed, DeliveryStatus.dead)


@dataclass
class Counts:
    statuses: list[str]
    by_channel: dict[str, dict[str, int]]  # channel -> status -> count
    totals: dict[str, int]  # status -> count


def counts(session: Session, campaign: Campaign) -> Counts:
    rows = session.exec(
        select(Delivery.channel, Delivery.status, func.count())
        .where(Delivery.campaign_id == campaign.id)
        .group_by(Delivery.channel, Delivery.status)
    ).all()
    by_channel: dict[str, dict[str, int]] = defaultdict(dict)
    totals: dict[str, int] = defaultdict(int)
    for channel, status, n in rows:
        by_channel[channel][status] = n
        totals[status] += n
    return Counts([s.value for s in DeliveryStatus], dict(sorted(by_channel.items())), totals)


def listing(
    session: Session, campaign: Campaign, statuses: Collection[str], limit: int = PAGE
) -> list[tuple[Delivery, Letter]]:
    """Jobs in these states with their letters, the most recently changed first."""
    return list(
        session.exec(
            select(Delivery, Letter)
            .join(Letter, col(Letter.id) == Delivery.letter_id)
            .where(Delivery.campaign_id == campaign.id, col(Delivery.status).in_(list(statuses)))
            .order_by(col(Delivery.updated_at).desc(), col(Delivery.id).desc())
            .limit(limit)
        ).all()
    )


def letters_of_supporter(
    session: Session, campaign: Campaign, email: str
) -> list[tuple[Letter, Delivery | None]] | None:
    """A supporter's letters and where each stands, for answering their question. None when no
    supporter of this campaign has that address."""
    supporter = supporters.find_supporter(session, campaign.id, email)  # type: ignore[arg-type]
    if supporter is None:
        return None
    return list(
        session.exec(
            select(Letter, Delivery)
            .join(Delivery, col(Delivery.letter_id) == Letter.id, isouter=True)
            .where(Letter.supporter_id == supporter.id)
            .order_by(Letter.office_key)
        ).all()
    )


def ids_in_campaign(session: Session, campaign: Campaign, ids: Collection[int]) -> list[int]:
    if not ids:
        return []
    return list(
        session.exec(
            select(Delivery.id).where(
                Delivery.campaign_id == campaign.id, col(Delivery.id).in_(list(ids))
            )
        ).all()
    )  # type: ignore[arg-type]


def statuses_of(session: Session, ids: Collection[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(
        select(Delivery.id, Delivery.status).where(col(Delivery.id).in_(list(ids)))
    ).all()
    return {i: s for i, s in rows if i is not None}
