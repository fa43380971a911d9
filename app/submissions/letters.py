"""Which letters a submission writes, and their text: one per office, composed once.

Letters are rendered here for the preview and again, identically, at submission (variant choice
is deterministic per supporter and office), so the supporter sends exactly what they saw.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from app.campaigns.models import Campaign, TemplateVersion
from app.letters.compose import (
    ComposedLetter,
    SupporterDetails,
    compose_letter,
    excluded_official_ids,
    template_name_for,
)
from app.letters.context import writer_context
from app.representatives.models import Office, Official
from app.representatives.service import Representation
from app.submissions.errors import SubmissionError
from app.submissions.schemas import SubmissionIn


@dataclass(frozen=True)
class PlannedLetter:
    office: Office
    official: Official
    composed: ComposedLetter
    body: str  # the composed body, or the supporter's edit where the campaign allows it


def supporter_details(data: SubmissionIn, email: str) -> SupporterDetails:
    address = data.address
    return SupporterDetails(
        prefix=data.prefix,
        first_name=data.first_name,
        last_name=data.last_name,
        email=email,
        street=address.street,
        street2=address.street2 or None,
        city=address.city,
        state=address.state,
        zip=address.zip,
        personal_note=data.personal_note or None,
    )


def plan_letters(
    session: Session,
    campaign: Campaign,
    representation: Representation,
    data: SubmissionIn,
    email: str,
    today: date | None = None,
) -> list[PlannedLetter]:
    """One letter per represented office with an official in it, in the representation's order.

    Vacant seats get no letter (there is nobody to read it); officials the campaign excludes by
    stance get none either. Raises ``SubmissionError`` when no letter remains or an edit is not
    allowed; ``LetterTemplateError`` when a template cannot be rendered.
    """
    excluded = excluded_official_ids(campaign)
    details = supporter_details(data, email)
    targets: list[tuple[Office, Official]] = []
    for match in representation.offices:
        official = next((o for o in match.officials if o.id not in excluded), None)
        if official is not None and not match.vacant:
            targets.append((match.office, official))
    overrides = _check_overrides(campaign, data, {office.key for office, _ in targets})
    if not targets:
        raise SubmissionError(
            422,
            "no_officials",
            "None of the officials this campaign writes to represents this address right now "
            "(the seats are vacant or not part of the campaign), so there is no letter to send.",
            field="address",
        )
    templates = _current_templates(session, campaign.id or 0)  # one query for every letter
    shared = writer_context(campaign, details, today)
    planned = []
    for office, official in targets:
        template = templates.get(template_name_for(campaign, office, official))
        composed = compose_letter(
            session,
            campaign,
            office,
            official,
            details,
            today=today,
            template=template,
            shared_context=shared,
        )
        planned.append(
            PlannedLetter(office, official, composed, overrides.get(office.key, composed.body))
        )
    return planned


# Each template's versions, newest last: ids and creation times only, not the texts.
_VERSION_HEADS = (
    select(TemplateVersion.id, TemplateVersion.name, TemplateVersion.created_at)
    .where(TemplateVersion.campaign_id == bindparam("campaign_id"))
    .order_by(col(TemplateVersion.version))
)
# Template versions are never updated (a change is a new version), so their texts are kept per
# process, keyed by id and creation time (an id alone could come back after a deletion on
# SQLite). Copies, never attached to a session, so any thread may read them.
_VERSIONS: dict[tuple[int, datetime], TemplateVersion] = {}
_MAX_VERSIONS = 512


def _current_templates(session: Session, campaign_id: int) -> dict[str, TemplateVersion]:
    """The newest version of each of the campaign's templates (as ``current_templates``), the
    texts read from the database only the first time a version is used in this process."""
    heads = session.exec(_VERSION_HEADS, params={"campaign_id": campaign_id}).all()
    newest = {name: (version_id, created) for version_id, name, created in heads}
    missing = [key[0] for key in newest.values() if key not in _VERSIONS]
    if missing:
        if len(_VERSIONS) > _MAX_VERSIONS:
            _VERSIONS.clear()
        rows = session.exec(select(TemplateVersion).where(col(TemplateVersion.id).in_(missing)))
        for row in rows:
            assert row.id is not None
            _VERSIONS[(row.id, row.created_at)] = TemplateVersion(
                id=row.id,
                campaign_id=row.campaign_id,
                name=row.name,
                version=row.version,
                subject_source=row.subject_source,
                body_source=row.body_source,
                created_at=row.created_at,
            )
    return {name: _VERSIONS[key] for name, key in newest.items() if key in _VERSIONS}


def _check_overrides(
    campaign: Campaign, data: SubmissionIn, office_keys: set[str]
) -> dict[str, str]:
    if not data.letter_overrides:
        return {}
    if not (campaign.settings or {}).get("allow_body_edit", False):
        raise SubmissionError(
            422,
            "edit_not_allowed",
            "This campaign sends its letters as written; edits to the letter text are not "
            "accepted (the personal note is).",
            field="letter_overrides",
        )
    unknown = sorted(set(data.letter_overrides) - office_keys)
    if unknown:
        raise SubmissionError(
            422,
            "unknown_office",
            f"These offices do not represent this address: {', '.join(unknown)}.",
            field=f"letter_overrides.{unknown[0]}",
        )
    return dict(data.letter_overrides)
