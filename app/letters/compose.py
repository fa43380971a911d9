"""Composing one supporter's letter to one office from the campaign's current templates."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from app.campaigns.models import Campaign, TemplateVersion
from app.letters.context import SupporterDetails, letter_context
from app.letters.render import LetterTemplateError, render_template_source
from app.representatives.models import Office, Official

__all__ = [
    "ComposedLetter",
    "SupporterDetails",
    "compose_letter",
    "current_template",
    "current_templates",
    "excluded_official_ids",
    "render_letter",
    "template_name_for",
]


@dataclass(frozen=True)
class ComposedLetter:
    subject: str
    body: str
    template_version_id: int
    template_name: str


def current_template(session: Session, campaign_id: int, name: str) -> TemplateVersion | None:
    """The newest version of one of the campaign's templates."""
    statement = (
        select(TemplateVersion)
        .where(TemplateVersion.campaign_id == campaign_id, TemplateVersion.name == name)
        .order_by(col(TemplateVersion.version).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def current_templates(session: Session, campaign_id: int) -> dict[str, TemplateVersion]:
    """Every template's newest version in one query (for composing several letters at once)."""
    rows = session.exec(
        select(TemplateVersion)
        .where(TemplateVersion.campaign_id == campaign_id)
        .order_by(col(TemplateVersion.version))
    ).all()
    return {row.name: row for row in rows}


def _stances(campaign: Campaign) -> list[Mapping[str, str]]:
    return list((campaign.targeting or {}).get("stances") or [])


def excluded_official_ids(campaign: Campaign) -> set[str]:
    """Officials the campaign does not write to (stance ``exclude``), e.g. the resolution's
    authors when the letters would ask them for what they already did."""
    return {s["official_id"] for s in _stances(campaign) if s.get("action") == "exclude"}


def template_name_for(campaign: Campaign, office: Office, official: Official | None) -> str:
    """The office kind's template, unless a stance names another one for this official."""
    if official is not None:
        for stance in _stances(campaign):
            if stance.get("official_id") == official.id and stance.get("action") == "template":
                return str(stance["template"])
    return office.kind


def variant_seed(email: str, office_key: str) -> str:
    """What ``pick(...)`` variants are chosen by: the same writer to the same office always gets
    the same letter (a replay, a preview), different writers get varied ones."""
    return f"{email.strip().lower()}\n{office_key}"


def render_letter(
    name: str,
    subject_source: str,
    body_source: str,
    context: dict[str, Any],
    email: str,
    office_key: str,
) -> tuple[str, str]:
    """Subject (one line) and body exactly as ``compose_letter`` renders them, for previews of
    unsaved templates: same variant seed, same template names, same clean-up."""
    seed = variant_seed(email, office_key)
    subject = render_template_source(
        subject_source, context, name=f"{name}.subject.txt", variant_seed=seed
    )
    body = render_template_source(body_source, context, name=f"{name}.body.txt", variant_seed=seed)
    return " ".join(subject.split()), body.strip() + "\n"


def compose_letter(
    session: Session,
    campaign: Campaign,
    office: Office,
    official: Official | None,
    supporter: SupporterDetails,
    today: date | None = None,
    *,
    template: TemplateVersion | None = None,
    shared_context: Mapping[str, Any] | None = None,
) -> ComposedLetter:
    """Render the subject and body a supporter will send to one office.

    Variants are chosen from the supporter's e-mail and the office key, so offices receive
    varied letters while a replay of the same submission renders exactly the same letter.
    ``template`` skips the lookup when the caller already holds the current version;
    ``shared_context`` is the writer's ``writer_context`` when composing several letters.
    """
    assert campaign.id is not None
    name = template_name_for(campaign, office, official)
    if official is not None and official.id in excluded_official_ids(campaign):
        raise LetterTemplateError(name, None, f"the campaign excludes official {official.id}")
    version = template or current_template(session, campaign.id, name)
    if version is None or version.id is None:
        raise LetterTemplateError(name, None, f"campaign {campaign.slug!r} has no {name} template")
    name = version.name
    context = letter_context(campaign, office, official, supporter, today, shared=shared_context)
    subject, body = render_letter(
        name, version.subject_source, version.body_source, context, supporter.email, office.key
    )
    return ComposedLetter(
        subject=subject,
        body=body,
        template_version_id=version.id,
        template_name=name,
    )
