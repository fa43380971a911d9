"""What a letter template can see: building the context from a campaign, an office, its official
and the supporter, and the documented sample used for previews and template checks.

The context itself is documented in ``app/letters/render.py`` and docs/campaign-format.md.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.campaigns.models import Campaign
from app.letters.sandbox import Record
from app.representatives.models import Office, Official

# fmt: off
CONTEXT_FIELDS: dict[str, tuple[str, ...] | None] = {
    "supporter": (
        "prefix", "first_name", "last_name", "full_name", "email", "street", "street2", "city",
        "state", "zip",
    ),
    "official": (
        "name", "first_name", "last_name", "title", "salutation", "party", "district", "state",
        "office_kind", "office_key", "office_title",
    ),
    "campaign": ("slug", "title", "description", "organization_statement"),
    "resolution": (
        "code", "title", "legislature", "session", "authors", "coauthors", "url", "date",
        "status", "summary", "findings",
    ),
    "demands": None,
    "personal_note": None,
    "today": None,
}
# fmt: on
CONTEXT_NAMES = frozenset(CONTEXT_FIELDS)
DEMAND_FIELDS = ("label", "text", "source")

# The title a seat's holder is addressed by when the data gives none (e.g. a vacant seat).
DEFAULT_TITLES = {
    "us_house": "Representative",
    "us_senate": "Senator",
    "state_upper": "Senator",
    "state_lower": "Assemblymember",
}


@dataclass(frozen=True)
class SupporterDetails:
    """What a letter may say about its writer."""

    prefix: str | None
    first_name: str
    last_name: str
    email: str
    street: str
    street2: str | None
    city: str
    state: str
    zip: str
    personal_note: str | None = None


def record(label: str, fields: Mapping[str, Any], names: tuple[str, ...]) -> Record:
    """A context object with exactly the documented fields (missing ones become "")."""
    return Record(label, {name: _plain(fields.get(name)) for name in names})


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return value


def supporter_record(supporter: SupporterDetails) -> Record:
    fields = {
        "prefix": supporter.prefix,
        "first_name": supporter.first_name.strip(),
        "last_name": supporter.last_name.strip(),
        "full_name": f"{supporter.first_name.strip()} {supporter.last_name.strip()}".strip(),
        "email": supporter.email,
        "street": supporter.street,
        "street2": supporter.street2,
        "city": supporter.city,
        "state": supporter.state,
        "zip": supporter.zip,
    }
    return record("supporter", fields, CONTEXT_FIELDS["supporter"] or ())


def _district(office: Office) -> str:
    # Keys carry the display form: us_house:CA-30, state_lower:CA-44; senate and executive none.
    if office.kind in ("us_house", "state_upper", "state_lower"):
        return office.key.split(":", 1)[-1]
    return office.district or ""


def salutation_for(office: Office, official: Official | None) -> str:
    extra = official.extra if official is not None else {}
    if extra.get("salutation"):
        return str(extra["salutation"])
    title = (official.title if official is not None else "") or DEFAULT_TITLES.get(office.kind, "")
    last_name = official.last_name if official is not None else ""
    if title and last_name:
        return f"Dear {title} {last_name}"
    if official is not None and not title:
        return f"Dear {official.name}"
    return f"Dear {title}" if title else "Dear Sir or Madam"


def official_record(office: Office, official: Official | None) -> Record:
    """The addressee; a vacant seat is addressed by its title ("Dear Representative")."""
    title = (official.title if official is not None else "") or DEFAULT_TITLES.get(office.kind, "")
    fields = {
        "name": official.name if official is not None else office.title,
        "first_name": official.first_name if official is not None else "",
        "last_name": official.last_name if official is not None else "",
        "title": title,
        "salutation": salutation_for(office, official),
        "party": official.party if official is not None else "",
        "district": _district(office),
        "state": office.state,
        "office_kind": office.kind,
        "office_key": office.key,
        "office_title": office.title,
    }
    return record("official", fields, CONTEXT_FIELDS["official"] or ())


def campaign_context(campaign: Campaign) -> dict[str, Any]:
    """The parts of the context that come from the campaign alone."""
    settings = campaign.settings or {}
    fields = {
        "slug": campaign.slug,
        "title": campaign.title,
        "description": campaign.description,
        "organization_statement": settings.get("organization_statement"),
    }
    resolution = dict(campaign.resolution or {})
    for listed in ("authors", "coauthors", "findings"):
        resolution[listed] = list(resolution.get(listed) or [])
    return {
        "campaign": record("campaign", fields, CONTEXT_FIELDS["campaign"] or ()),
        "resolution": record("resolution", resolution, CONTEXT_FIELDS["resolution"] or ()),
        "demands": [record("demand", d, DEMAND_FIELDS) for d in campaign.demands or []],
    }


def writer_context(
    campaign: Campaign, supporter: SupporterDetails, today: date | None = None
) -> dict[str, Any]:
    """The part of the context shared by all of one writer's letters to this campaign.

    Built once per submission, not once per letter: templates run in an immutable sandbox, so
    one letter cannot change what the next one sees.
    """
    return campaign_context(campaign) | {
        "supporter": supporter_record(supporter),
        "personal_note": (supporter.personal_note or "").strip(),
        "today": today or date.today(),
    }


def letter_context(
    campaign: Campaign,
    office: Office,
    official: Official | None,
    supporter: SupporterDetails,
    today: date | None = None,
    *,
    shared: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole context of one letter; ``shared`` is this writer's ``writer_context``."""
    if shared is None:
        shared = writer_context(campaign, supporter, today)
    return {**shared, "official": official_record(office, official)}


SAMPLE_SUPPORTER = SupporterDetails(
    prefix="Ms.",
    first_name="Anahit",
    last_name="Sample",
    email="anahit.sample@example.org",
    street="100 N Brand Blvd",
    street2="Apt 4",
    city="Glendale",
    state="CA",
    zip="91203",
    personal_note=(
        "My family came to Glendale from Armenia, and we follow the fate of the prisoners closely."
    ),
)

# Fictional officials, one per office kind, so a letter can be previewed before any real data.
_SAMPLE_SEATS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "us_house": (
        {"key": "us_house:CA-30", "state": "CA", "title": "U.S. Representative for CA-30"},
        {"name": "Jordan Example", "first_name": "Jordan", "last_name": "Example",
         "title": "Representative", "party": "Independent"},
    ),
    "us_senate": (
        {"key": "us_senate:CA:1", "state": "CA", "title": "U.S. Senator for California"},
        {"name": "Riley Example", "first_name": "Riley", "last_name": "Example",
         "title": "Senator", "party": "Independent"},
    ),
    "state_upper": (
        {"key": "state_upper:CA-25", "state": "CA", "title": "California State Senate, District 25"},  # noqa: E501,
        {"name": "Casey Example", "first_name": "Casey", "last_name": "Example",
         "title": "Senator", "party": "Independent"},
    ),
    "state_lower": (
        {"key": "state_lower:CA-44", "state": "CA", "title": "California State Assembly, District 44"},  # noqa: E501,
        {"name": "Morgan Example", "first_name": "Morgan", "last_name": "Example",
         "title": "Assemblymember", "party": "Independent"},
    ),
    "executive": (
        {"key": "executive:US:president", "state": None, "title": "President of the United States"},
        {"name": "President of the United States", "title": "President",
         "extra": {"salutation": "Dear Mr. President"}},
    ),
    "custom": (
        {"key": "custom:sample", "state": None, "title": "Sample Agency"},
        {"name": "Avery Example", "first_name": "Avery", "last_name": "Example",
         "title": "Director"},
    ),
}  # fmt: skip

_SAMPLE_CAMPAIGN = Campaign(
    slug="sample",
    title="Sample campaign",
    resolution={"code": "SJR 11", "title": "Armenian hostages", "date": "2024-02-13"},
    demands=[{"label": "Release", "text": "Release all prisoners.", "source": "SJR 11"}],
)


def sample_seat(office_kind: str) -> tuple[Office, Official]:
    office_fields, official_fields = _SAMPLE_SEATS[office_kind]
    office = Office(kind=office_kind, **office_fields)
    official = Official(id=f"sample:{office_kind}", source="sample", **official_fields)
    return office, official


def sample_context(
    office_kind: str = "us_house", campaign: Campaign | None = None, today: date | None = None
) -> dict[str, Any]:
    """The documented sample supporter (Anahit Sample of Glendale, CA) writing to a fictional
    official of ``office_kind``, for ``campaign`` (or a minimal sample campaign)."""
    office, official = sample_seat(office_kind if office_kind in _SAMPLE_SEATS else "custom")
    return letter_context(campaign or _SAMPLE_CAMPAIGN, office, official, SAMPLE_SUPPORTER, today)
