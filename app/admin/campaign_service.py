"""Changes organisers make to campaigns, each returning what it changed for the audit log."""

from typing import Any

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from app.admin.campaign_forms import STATUS_MOVES
from app.campaigns.models import Campaign, TemplateVersion
from app.db import utcnow
from app.representatives.models import Office, Official


class CampaignChangeError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def get_campaign(session: Session, slug: str) -> Campaign | None:
    return session.exec(select(Campaign).where(Campaign.slug == slug)).first()


def list_campaigns(session: Session) -> list[Campaign]:
    return list(session.exec(select(Campaign).order_by(col(Campaign.created_at).desc())))


def snapshot(campaign: Campaign) -> dict[str, Any]:
    """The editable state of a campaign, as the audit log records it before and after."""
    return {
        "title": campaign.title,
        "status": campaign.status,
        "description": campaign.description,
        "resolution": campaign.resolution,
        "demands": campaign.demands,
        "targeting": campaign.targeting,
        "settings": campaign.settings,
    }


def _check_executive(session: Session, keys: list[str]) -> None:
    """An executive seat carries its own data (address, holder), which comes from a campaign
    file or the officials import; the editor can only point at seats that exist."""
    if not keys:
        return
    known = set(session.exec(select(Office.key).where(col(Office.key).in_(keys))).all())
    missing = [k for k in keys if k not in known]
    if missing:
        raise CampaignChangeError(
            "executive",
            f"No office {missing[0]!r} is on record; define it in the campaign file "
            "(targeting.executive) and import it, or run `lettercast reps sync`.",
        )


def _sync_custom_seats(session: Session, campaign: Campaign) -> None:
    """Custom targets become an Office and its one Official (id = the seat's key), as the
    campaign loader makes them, so letters can be written to them like to any office."""
    for target in (campaign.targeting or {}).get("custom_targets") or []:
        key = target["key"]
        office = session.exec(select(Office).where(Office.key == key)).first() or Office(key=key)
        office.kind, office.state = "custom", None
        office.title = target.get("office_title") or target["name"]
        office.email = target.get("email") or None
        session.add(office)
        session.flush()
        official = session.get(Official, key) or Official(id=key, name=target["name"])
        official.office_id, official.in_office = office.id, True
        official.name = target["name"]
        official.title = target.get("title") or ""
        official.email = target.get("email") or None
        official.source = f"campaign:{campaign.slug}"[:64]
        salutation = target.get("salutation")
        official.extra = {**(official.extra or {}), "salutation": salutation} if salutation else {}
        session.add(official)
    session.flush()


def create_campaign(session: Session, values: dict[str, Any]) -> Campaign:
    if get_campaign(session, values["slug"]) is not None:
        raise CampaignChangeError("slug", "A campaign with that slug already exists.")
    _check_executive(session, values["targeting"]["executive"])
    campaign = Campaign(
        slug=values["slug"],
        title=values["title"],
        description=values["description"],
        status="draft",
        resolution=values["resolution"],
        demands=values["demands"],
        targeting=values["targeting"],
        settings={k: v for k, v in values["settings"].items() if v is not None},
    )
    try:
        with session.begin_nested():  # two editors creating one slug at the same moment
            session.add(campaign)
    except IntegrityError:
        raise CampaignChangeError("slug", "A campaign with that slug already exists.") from None
    _sync_custom_seats(session, campaign)
    return campaign


def update_campaign(session: Session, campaign: Campaign, values: dict[str, Any]) -> None:
    """Applies the editor's values. Stances and channels are kept: they are edited elsewhere."""
    _check_executive(session, values["targeting"]["executive"])
    campaign.title = values["title"]
    campaign.description = values["description"]
    # Keys the editor does not show (set by a campaign file) survive an edit.
    campaign.resolution = {**(campaign.resolution or {}), **values["resolution"]}
    campaign.demands = values["demands"]
    targeting = dict(campaign.targeting or {})
    earlier = {t.get("key"): t for t in targeting.get("custom_targets") or []}
    customs = [{**earlier.get(t["key"], {}), **t} for t in values["targeting"]["custom_targets"]]
    campaign.targeting = {**targeting, **values["targeting"], "custom_targets": customs}
    settings = {**(campaign.settings or {}), **values["settings"]}
    campaign.settings = {k: v for k, v in settings.items() if v is not None}
    campaign.updated_at = utcnow()
    session.add(campaign)
    _sync_custom_seats(session, campaign)


def readiness(session: Session, campaign: Campaign) -> tuple[list[str], list[str]]:
    """What stops the campaign from going live (blocking), and what organisers should know
    (notices): a targeted office kind with no template cannot have its letters written; one
    with no channel has its letters held for hand delivery."""
    targeting = campaign.targeting or {}
    saved = set(
        session.exec(
            select(TemplateVersion.name).where(TemplateVersion.campaign_id == campaign.id)
        ).all()
    )
    blocking, notices = [], []
    for kind in targeting.get("office_kinds") or []:
        if kind not in saved:
            blocking.append(f"No template for {kind} offices yet.")
    for stance in targeting.get("stances") or []:
        name = stance.get("template")
        if stance.get("action") == "template" and name and name not in saved:
            blocking.append(
                f"The stance for {stance['official_id']} names the missing template {name!r}."
            )
    channels = (campaign.settings or {}).get("channels") or {}
    for kind in targeting.get("office_kinds") or []:
        if not channels.get(kind):
            notices.append(
                f"No channel for {kind} offices: their letters are held for hand delivery."
            )
    return blocking, notices


def change_status(session: Session, campaign: Campaign, status: str) -> None:
    if status not in STATUS_MOVES.get(campaign.status, ()):
        raise CampaignChangeError(
            "status", f"A {campaign.status} campaign cannot become {status or 'that'}."
        )
    blocking, _ = readiness(session, campaign) if status == "live" else ([], [])
    if blocking:
        raise CampaignChangeError("status", "Not ready to go live: " + " ".join(blocking))
    campaign.status = status
    campaign.updated_at = utcnow()
    session.add(campaign)


def set_channels(session: Session, campaign: Campaign, channels: dict[str, str]) -> None:
    campaign.settings = {**(campaign.settings or {}), "channels": channels}
    campaign.updated_at = utcnow()
    session.add(campaign)


def add_stance(
    session: Session, campaign: Campaign, official_id: str, action: str, template: str
) -> None:
    """Officials are chosen by id, never by name: two people of one name can hold different
    seats, or the same seat years apart."""
    if session.get(Official, official_id) is None:
        raise CampaignChangeError("official_id", "No official has that id.")
    if action not in {"exclude", "template"}:
        raise CampaignChangeError("action", "Choose exclude or another template.")
    if action == "template" and not template:
        raise CampaignChangeError("template", "Name the template these officials receive.")
    if action == "template" and not _has_template(session, campaign, template):
        # Letters to this official would fail to compose until the template exists.
        raise CampaignChangeError(
            "template",
            f"There is no template {template!r} yet: save it on the Templates page first.",
        )
    stances = [
        s
        for s in (campaign.targeting or {}).get("stances") or []
        if s["official_id"] != official_id
    ]
    stance = {"official_id": official_id, "action": action}
    if action == "template":
        stance["template"] = template
    stances.append(stance)
    campaign.targeting = {**(campaign.targeting or {}), "stances": stances}
    campaign.updated_at = utcnow()
    session.add(campaign)


def _has_template(session: Session, campaign: Campaign, name: str) -> bool:
    return (
        session.exec(
            select(TemplateVersion.id).where(
                TemplateVersion.campaign_id == campaign.id, TemplateVersion.name == name
            )
        ).first()
        is not None
    )


def remove_stance(session: Session, campaign: Campaign, official_id: str) -> None:
    stances = [
        s
        for s in (campaign.targeting or {}).get("stances") or []
        if s["official_id"] != official_id
    ]
    campaign.targeting = {**(campaign.targeting or {}), "stances": stances}
    campaign.updated_at = utcnow()
    session.add(campaign)


def search_officials(
    session: Session, query: str, *, kind: str | None = None, limit: int = 50
) -> list[tuple[Official, Office | None]]:
    """Officials by id, name or office key (case-insensitive), in office first."""
    statement = select(Official, Office).join(Office, isouter=True)
    query = query.strip()
    if query:
        like = f"%{query.lower()}%"
        statement = statement.where(
            or_(
                func.lower(Official.id) == query.lower(),
                func.lower(Official.name).like(like),
                func.lower(Office.key).like(like),
            )
        )
    if kind:
        statement = statement.where(Office.kind == kind)
    statement = statement.order_by(col(Official.in_office).desc(), Official.name).limit(limit)
    return [(official, office) for official, office in session.exec(statement).all()]


def officials_by_id(session: Session, ids: list[str]) -> dict[str, tuple[Official, Office | None]]:
    if not ids:
        return {}
    rows = session.exec(
        select(Official, Office).join(Office, isouter=True).where(col(Official.id).in_(ids))
    ).all()
    return {official.id: (official, office) for official, office in rows}
