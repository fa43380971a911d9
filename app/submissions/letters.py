"""Which letters a submission writes, and their text: one per office, composed once.

Letters are rendered here for the preview and again, identically, at submission (variant choice
is deterministic per supporter and office), so the supporter sends exactly what they saw.
"""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from app.campaigns.models import Campaign
from app.letters.compose import (
    ComposedLetter,
    SupporterDetails,
    compose_letter,
    current_templates,
    excluded_official_ids,
    template_name_for,
)
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
    templates = current_templates(session, campaign.id or 0)  # one query for every letter
    planned = []
    for office, official in targets:
        template = templates.get(template_name_for(campaign, office, official))
        composed = compose_letter(
            session, campaign, office, official, details, today=today, template=template
        )
        planned.append(
            PlannedLetter(office, official, composed, overrides.get(office.key, composed.body))
        )
    return planned


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
