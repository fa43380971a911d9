"""Plain factory functions with sensible defaults: ``make_x(session, **overrides) -> X``.

They add and flush, never commit: the caller's test decides. Split by domain once this grows.
"""

import itertools
import secrets
from typing import Any

from sqlmodel import Session

from app.campaigns.models import Campaign, TemplateVersion
from app.delivery.models import Delivery
from app.letters.models import Letter
from app.representatives.models import Office, Official
from app.supporters.models import Supporter

_counter = itertools.count(1)


def _add(session: Session, row: Any) -> Any:
    session.add(row)
    session.flush()
    return row


def make_campaign(session: Session, **overrides: Any) -> Campaign:
    n = next(_counter)
    fields: dict[str, Any] = {
        "slug": f"campaign-{n}",
        "title": f"Campaign {n}",
        "status": "live",
        "resolution": {"code": "SJR 11", "title": "Armenian hostages"},
        "demands": [{"label": "Release", "text": "Release all prisoners.", "source": "SJR 11"}],
        "targeting": {"office_kinds": ["us_house", "us_senate", "state_upper", "state_lower"]},
    }
    return _add(session, Campaign(**(fields | overrides)))


def make_template(session: Session, campaign: Campaign, **overrides: Any) -> TemplateVersion:
    fields: dict[str, Any] = {
        "campaign_id": campaign.id,
        "name": "us_house",
        "version": 1,
        "subject_source": "Please act on {{ resolution.code }}",
        "body_source": "Dear {{ official.title }} {{ official.last_name }}, ...",
    }
    return _add(session, TemplateVersion(**(fields | overrides)))


def make_office(session: Session, **overrides: Any) -> Office:
    n = next(_counter)
    district = f"{n % 50 + 1:02d}"
    fields: dict[str, Any] = {
        "key": f"us_house:CA-{district}-{n}",
        "kind": "us_house",
        "state": "CA",
        "district": district,
        "title": f"U.S. Representative for CA-{district}",
        "cwc_code": f"HCA{district}",
    }
    return _add(session, Office(**(fields | overrides)))


def make_official(session: Session, office: Office | None = None, **overrides: Any) -> Official:
    n = next(_counter)
    fields: dict[str, Any] = {
        "id": f"T{n:06d}",
        "office_id": office.id if office else None,
        "name": f"Pat Official{n}",
        "first_name": "Pat",
        "last_name": f"Official{n}",
        "title": "Representative",
        "party": "Independent",
    }
    return _add(session, Official(**(fields | overrides)))


def make_supporter(session: Session, campaign: Campaign, **overrides: Any) -> Supporter:
    n = next(_counter)
    fields: dict[str, Any] = {
        "campaign_id": campaign.id,
        "token": secrets.token_urlsafe(24),
        "email_normalized": f"supporter{n}@example.org",
        "first_name": "Anahit",
        "last_name": "Petrosyan",
        "email": f"supporter{n}@example.org",
        "street": "100 Main St",
        "city": "Glendale",
        "state": "CA",
        "zip": "91203",
    }
    return _add(session, Supporter(**(fields | overrides)))


def make_letter(session: Session, supporter: Supporter, office: Office, **overrides: Any) -> Letter:
    fields: dict[str, Any] = {
        "campaign_id": supporter.campaign_id,
        "supporter_id": supporter.id,
        "office_id": office.id,
        "office_key": office.key,
        "official_name": "Pat Official",
        "subject": "Please act on SJR 11",
        "body": "Dear Representative, please act.",
        "state": supporter.state,
        "city": supporter.city,
    }
    return _add(session, Letter(**(fields | overrides)))


def make_delivery(session: Session, letter: Letter, **overrides: Any) -> Delivery:
    fields: dict[str, Any] = {
        "letter_id": letter.id,
        "campaign_id": letter.campaign_id,
        "office_key": letter.office_key,
        "channel": "webhook",
        "idempotency_key": secrets.token_hex(16),
    }
    return _add(session, Delivery(**(fields | overrides)))
