"""Loading what channels need for claimed jobs: letters, supporters, offices and campaigns.

Offices and campaigns change rarely and are shared by many letters, so a worker keeps them in
a short-lived cache; letters and supporters are read per batch in one query.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.campaigns.models import Campaign, CampaignStatus
from app.delivery.channels import Envelope, LetterData
from app.delivery.claims import Job
from app.delivery.pacing import SendingWindow, window_for
from app.letters.models import Letter
from app.representatives.models import Office
from app.supporters.models import Supporter

LETTER = Letter.__table__  # type: ignore[attr-defined]
SUPPORTER = Supporter.__table__  # type: ignore[attr-defined]
OFFICE = Office.__table__  # type: ignore[attr-defined]
CAMPAIGN = Campaign.__table__  # type: ignore[attr-defined]

LETTER_FIELDS = [f.name for f in fields(LetterData)]
SUPPORTER_FIELDS = (
    "prefix",
    "first_name",
    "last_name",
    "email",
    "phone",
    "street",
    "street2",
    "city",
    "state",
    "zip",
)


@dataclass(frozen=True)
class CampaignInfo:
    id: int
    slug: str
    settings: dict[str, Any]
    window: SendingWindow | None = None
    paused: bool = False


class Directory:
    """Campaigns and offices by id/key, re-read after ``ttl_s`` so edits reach running workers."""

    def __init__(self, ttl_s: float = 15.0) -> None:
        self.ttl_s = ttl_s
        self.campaigns: dict[int, CampaignInfo] = {}
        self.offices: dict[str, Office | None] = {}
        self._loaded_at = float("-inf")

    def refresh(self, session: Session, *, force: bool = False) -> bool:
        if not force and time.monotonic() - self._loaded_at < self.ttl_s:
            return False
        rows = session.execute(
            select(CAMPAIGN.c.id, CAMPAIGN.c.slug, CAMPAIGN.c.settings, CAMPAIGN.c.status)
        )
        # Windows are parsed once per refresh: an invalid one is logged once, not per claim.
        self.campaigns = {
            r.id: CampaignInfo(
                r.id,
                r.slug,
                r.settings or {},
                window_for(r.settings, r.id),
                paused=r.status == CampaignStatus.paused,
            )
            for r in rows
        }
        self.offices = {}
        self._loaded_at = time.monotonic()
        return True

    def office(self, session: Session, keys: Sequence[str]) -> None:
        missing = [key for key in set(keys) if key not in self.offices]
        if not missing:
            return
        for row in session.execute(select(OFFICE).where(OFFICE.c.key.in_(missing))).mappings():
            self.offices[row["key"]] = Office(**row)
        for key in missing:
            self.offices.setdefault(key, None)

    def campaign(self, session: Session, campaign_id: int) -> CampaignInfo:
        if campaign_id not in self.campaigns:
            self.refresh(session, force=True)
        return self.campaigns.get(campaign_id) or CampaignInfo(campaign_id, "", {})


def load_envelopes(
    session: Session, jobs: Sequence[Job], directory: Directory
) -> list[tuple[Job, Envelope | None]]:
    """Each job with its envelope; None when the letter is gone (it cannot be sent)."""
    if not jobs:
        return []
    query = (
        select(
            *[LETTER.c[name] for name in LETTER_FIELDS],
            SUPPORTER.c.erased_at,
            *[SUPPORTER.c[name] for name in SUPPORTER_FIELDS],
        )
        .outerjoin(SUPPORTER, SUPPORTER.c.id == LETTER.c.supporter_id)
        .where(LETTER.c.id.in_([job.letter_id for job in jobs]))
    )
    # Rows by position: name lookups per column cost more than the query, batch after batch.
    width = len(LETTER_FIELDS)
    letters: dict[int, tuple[LetterData, dict[str, Any] | None]] = {}
    for row in session.execute(query):
        letter = LetterData(*row[:width])
        supporter = None
        erased_at, details = row[width], row[width + 1 :]
        if details[1] is not None and erased_at is None:  # first_name: the supporter exists
            supporter = dict(zip(SUPPORTER_FIELDS, details, strict=True))
        letters[letter.id] = (letter, supporter)
    directory.office(session, [job.office_key for job in jobs])
    result: list[tuple[Job, Envelope | None]] = []
    for job in jobs:
        found = letters.get(job.letter_id)
        if found is None:
            result.append((job, None))
            continue
        campaign = directory.campaign(session, job.campaign_id)
        envelope = Envelope(
            letter=found[0],
            office=directory.offices.get(job.office_key),
            idempotency_key=job.idempotency_key,
            supporter=found[1],
            campaign_slug=campaign.slug,
            campaign_settings=campaign.settings,
        )
        result.append((job, envelope))
    return result
