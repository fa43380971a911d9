"""Campaigns and their template versions: finding, listing and saving them."""

from sqlmodel import Session, col, func, select

from app.campaigns.models import Campaign, TemplateVersion
from app.changes import ChangeCache

# Saving a template checks it in the letters sandbox. ``app.letters.render`` is pure (no
# database, no campaign imports), so this one upward import cannot form a cycle.
from app.letters.render import check_template_source


def get_campaign_by_slug(session: Session, slug: str) -> Campaign | None:
    return session.exec(select(Campaign).where(Campaign.slug == slug)).first()


# Campaigns by slug, kept while no campaign changes.
_CAMPAIGNS: ChangeCache[dict[str, Campaign]] = ChangeCache(("campaign",), dict)


def campaign_for_reading(session: Session, slug: str) -> Campaign | None:
    """``get_campaign_by_slug`` from a per-process copy, re-read after any change to any
    campaign (``app.changes``): every submission needs its campaign, organisers rarely edit it.

    The copy belongs to no session and is shared by concurrent requests: read it, never
    change it (an editor loads its own with ``get_campaign_by_slug``).
    """
    cached = _CAMPAIGNS.current(session)
    campaign = cached.get(slug)
    if campaign is None:
        found = get_campaign_by_slug(session, slug)
        if found is None:
            return None
        campaign = cached[slug] = Campaign(**found.model_dump())
    return campaign


def list_campaigns(session: Session) -> list[Campaign]:
    return list(session.exec(select(Campaign).order_by(col(Campaign.slug))).all())


def template_versions(session: Session, campaign_id: int) -> dict[str, int]:
    """Each template name with its newest version number."""
    rows = session.exec(
        select(TemplateVersion.name, func.max(TemplateVersion.version))
        .where(TemplateVersion.campaign_id == campaign_id)
        .group_by(TemplateVersion.name)
        .order_by(TemplateVersion.name)
    ).all()
    return {name: int(version) for name, version in rows}


def add_template_version(
    session: Session,
    campaign: Campaign,
    name: str,
    subject_source: str,
    body_source: str,
    author: str | None,
    note: str | None = None,
) -> TemplateVersion:
    """Append a version without checking it (the caller has). Versions are never edited."""
    assert campaign.id is not None
    latest = session.exec(
        select(func.max(TemplateVersion.version)).where(
            TemplateVersion.campaign_id == campaign.id, TemplateVersion.name == name
        )
    ).one()
    version = TemplateVersion(
        campaign_id=campaign.id,
        name=name,
        version=(latest or 0) + 1,
        subject_source=subject_source,
        body_source=body_source,
        author=author,
        note=note,
    )
    session.add(version)
    session.flush()
    return version


def save_template_version(
    session: Session,
    campaign: Campaign,
    name: str,
    subject_source: str,
    body_source: str,
    author: str | None,
    note: str | None = None,
) -> TemplateVersion:
    """Check both templates in the sandbox, then save them as the next version of ``name``.

    Raises ``LetterTemplateError`` (template, line, problem) and writes nothing when either
    template is refused. Letters already written keep pointing at the version that made them.
    """
    check_template_source(subject_source, name=f"{name}.subject.txt")
    check_template_source(body_source, name=f"{name}.body.txt")
    return add_template_version(session, campaign, name, subject_source, body_source, author, note)
