"""The outbox transaction: supporter, consent, letters and one delivery job per letter, or nothing.

Letters are stored exactly as composed (or as the supporter edited them where allowed), so the
text delivered is the text the supporter saw; ``submission_out`` shows them back with each
letter's current delivery status.
"""

import logging
import secrets
from collections.abc import Callable

from sqlalchemy import Table, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app import writer
from app.campaigns.models import Campaign
from app.config import Settings
from app.db import utcnow
from app.delivery import service as deliveries
from app.delivery.models import Delivery
from app.letters.models import Letter
from app.notifications import service as notifications
from app.representatives.service import Representation
from app.submissions import idempotency
from app.submissions.letters import PlannedLetter
from app.submissions.schemas import LetterOut, SubmissionIn, SubmissionOut
from app.supporters.models import Consent, Supporter
from app.supporters.service import find_by_mailbox

logger = logging.getLogger(__name__)
_LETTER: Table = Letter.__table__  # type: ignore[attr-defined]
_DELIVERY: Table = Delivery.__table__  # type: ignore[attr-defined]
_SUPPORTER: Table = Supporter.__table__  # type: ignore[attr-defined]
_CONSENT: Table = Consent.__table__  # type: ignore[attr-defined]
_INSERT_SUPPORTER = insert(_SUPPORTER).returning(_SUPPORTER.c.id)


@writer.write_transaction
def store(
    session: Session,
    settings: Settings,
    campaign: Campaign,
    data: SubmissionIn,
    email: str,
    representation: Representation,
    planned: list[PlannedLetter],
    claim: idempotency.Claim | None,
    also: Callable[[Session], None] | None = None,
) -> tuple[SubmissionOut, bool]:
    """Write the submission and commit; ``also`` adds other writes to the same commit (the
    geocoder's answer to the cache), whether or not this request's letters are the ones kept."""
    try:
        if also is not None:
            also(session)
        answer, supporter_id = _insert(
            session, settings, campaign, data, email, representation, planned
        )
        if claim is not None:
            idempotency.complete(session, claim.key_hash, 201, supporter_id)
        session.commit()
    except IntegrityError:
        # The same e-mail was submitted concurrently and the other request won.
        session.rollback()
        supporter = find_by_mailbox(session, campaign.id or 0, email)
        if supporter is None:
            raise
        if also is not None:
            also(session)
        answer = submission_out(session, supporter)
        if claim is not None:
            idempotency.complete(session, claim.key_hash, 200, supporter.id)
        session.commit()
        return answer, False
    except BaseException:
        writer.rollback_quietly(session)
        raise
    logger.info(
        "submission accepted",
        extra={"supporter_id": supporter_id, "campaign_id": campaign.id, "letters": len(planned)},
    )
    return answer, True


def _insert(
    session: Session,
    settings: Settings,
    campaign: Campaign,
    data: SubmissionIn,
    email: str,
    representation: Representation,
    planned: list[PlannedLetter],
) -> tuple[SubmissionOut, int]:
    address = data.address
    now = utcnow()
    token = secrets.token_urlsafe(32)  # 256 bits
    matched_address = (representation.matched_address or "")[:300] or None
    connection = session.connection()
    # The whole submission is written with Core statements: ORM objects would add nothing here
    # (nothing reads them back from the session) but cost about half of the write's CPU.
    supporter_id: int = connection.execute(
        _INSERT_SUPPORTER,
        {
            "campaign_id": campaign.id,
            "token": token,
            "email_normalized": email,
            "prefix": data.prefix,
            "first_name": data.first_name,
            "last_name": data.last_name,
            "email": data.email,
            "phone": data.phone,
            "street": address.street,
            "street2": address.street2 or None,
            "city": address.city,
            "state": address.state,
            "zip": address.zip,
            "matched_address": matched_address,
            "districts": dict(representation.districts),
            "personal_note": data.personal_note or None,
            "source": data.source or None,
            "created_at": now,
            "erased_at": None,
        },
    ).scalar_one()
    if data.consent:
        connection.execute(
            insert(_CONSENT),
            {
                "campaign_id": campaign.id,
                "supporter_id": supporter_id,
                "email": email,
                "given_at": now,
                "unsubscribed_at": None,
            },
        )
    letter_rows = [
        {
            "campaign_id": campaign.id,
            "supporter_id": supporter_id,
            "office_id": p.office.id,
            "office_key": p.office.key,
            "official_id": p.official.id,
            "official_name": p.official.name,
            "template_version_id": p.composed.template_version_id,
            "subject": p.composed.subject,
            "body": p.body,
            "state": representation.state or address.state,
            "city": address.city,
            "source": data.source or None,
            "created_at": now,
        }
        for p in planned
    ]
    # INSERT … RETURNING, ids in the order of the rows: batched on PostgreSQL, a row at a time
    # on SQLite (which promises no order for a multi-row RETURNING); one compiled statement
    # either way, which measured cheaper than building a multi-VALUES statement per submission.
    letter_ids = list(
        connection.execute(
            insert(_LETTER).returning(_LETTER.c.id, sort_by_parameter_order=True), letter_rows
        ).scalars()
    )
    jobs = [
        deliveries.job_row(letter_id, p.office.key, campaign, p.office, settings, now)
        for letter_id, p in zip(letter_ids, planned, strict=True)
    ]
    connection.execute(insert(_DELIVERY), jobs)
    out = [
        planned_out(p, letter_id, job["status"])
        for letter_id, p, job in zip(letter_ids, planned, jobs, strict=True)
    ]
    # The supporter's own copy (and, where the campaign asks, holding the letters until they
    # confirm their e-mail) commits with the letters or not at all.
    notifications.after_submission(session, campaign, supporter_id, out)
    return SubmissionOut(token=token, matched_address=matched_address, letters=out), supporter_id


def planned_out(planned: PlannedLetter, letter_id: int | None, status: str) -> LetterOut:
    return LetterOut(
        id=letter_id,
        office_key=planned.office.key,
        office_kind=planned.office.kind,
        official_name=planned.official.name,
        subject=planned.composed.subject,
        body=planned.body,
        status=str(status),
    )


def submission_out(session: Session, supporter: Supporter) -> SubmissionOut:
    letters = session.exec(
        select(Letter).where(Letter.supporter_id == supporter.id).order_by(col(Letter.id))
    ).all()
    statuses = deliveries.status_for_letters(session, [letter.id for letter in letters])
    return SubmissionOut(
        token=supporter.token,
        matched_address=supporter.matched_address,
        letters=[
            LetterOut(
                id=letter.id,
                office_key=letter.office_key,
                office_kind=letter.office_key.split(":", 1)[0],
                official_name=letter.official_name,
                subject=letter.subject,
                body=letter.body,
                status=str(statuses.get(letter.id or 0, "queued")),
            )
            for letter in letters
        ],
    )
