"""OSDI interchange: a campaign as an OSDI advocacy campaign with its outreaches embedded.

Field names follow the Open Supporter Data Interface (opensupporter.org, ``advocacy_campaigns``
and ``outreaches``): one outreach per letter, with its single target (title, given and family
name, organisation, Open Civic Data division id), subject and message. CRMs that speak OSDI, such
as Action Network, can take the file in. Letters that go out electronically (CWC, e-mail, web
form, webhook) are outreaches of type ``"email"``; letters held for hand delivery are
``"postal mail"``, the spec's word for a paper letter. The writer (``osdi:person``) is embedded
only when personal data was asked for and allowed.

The document is written as a stream, so a campaign of any size needs constant memory.
"""

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from app.campaigns.models import Campaign
from app.delivery.models import Delivery
from app.letters.models import Letter
from app.representatives.models import Office, Official
from app.supporters.models import Supporter

ORIGIN_SYSTEM = "Lettercast"
HAND_DELIVERY_CHANNELS = frozenset({"hold"})
ORGANISATIONS = {
    "us_house": "U.S. House of Representatives",
    "us_senate": "U.S. Senate",
    "state_upper": "{state} State Senate",
    "state_lower": "{state} State Assembly",
}


def ocdid(kind: str | None, state: str | None, district: str | None) -> str | None:
    """The Open Civic Data division of an office's constituency, e.g. ``…/state:ca/cd:30``."""
    if kind == "executive" and not state:
        return "ocd-division/country:us"
    if not state or kind not in (
        "us_house",
        "us_senate",
        "state_upper",
        "state_lower",
        "executive",
    ):
        return None
    base = f"ocd-division/country:us/state:{state.lower()}"
    number = (district or "").lstrip("0")
    if kind == "us_house" and number.isdigit():
        return f"{base}/cd:{number}"
    if kind in ("state_upper", "state_lower") and district:
        layer = "sldu" if kind == "state_upper" else "sldl"
        return f"{base}/{layer}:{(number or district).lower()}"
    return base  # senators, governors, and at-large House seats speak for the whole state


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def advocacy_campaign(
    campaign: Campaign, total: int, browser_url: str | None = None
) -> dict[str, Any]:
    resolution = campaign.resolution or {}
    targeting = campaign.targeting or {}
    kinds = targeting.get("office_kinds") or []
    states = "/".join(targeting.get("states") or []) or "State"
    document: dict[str, Any] = {
        "identifiers": [f"lettercast:campaign-{campaign.slug}"],
        "origin_system": ORIGIN_SYSTEM,
        "created_date": _iso(campaign.created_at),
        "modified_date": _iso(campaign.updated_at),
        "name": campaign.slug,
        "title": campaign.title,
        "description": campaign.description or None,
        "summary": resolution.get("summary") or None,
        "targets": ", ".join(ORGANISATIONS.get(k, k).format(state=states) for k in kinds) or None,
        "type": "email",
        "total_outreaches": total,
        "browser_url": browser_url,
    }
    return {k: v for k, v in document.items() if v is not None}


def _names(row: Any) -> tuple[str, str]:
    if row.official_first_name or row.official_last_name:
        return row.official_first_name, row.official_last_name
    given, _, family = (row.official_name or "").rpartition(" ")
    return given, family


def outreach(row: Any, *, include_personal: bool) -> dict[str, Any]:
    """One letter as an OSDI outreach; ``row`` carries the columns of ``_outreach_columns``."""
    given, family = _names(row)
    organisation = ORGANISATIONS.get(row.office_kind or "", "")
    target = {
        "title": row.official_title or row.office_title,
        "organization": organisation.format(state=row.office_state or ""),
        "given_name": given,
        "family_name": family,
        "ocdid": ocdid(row.office_kind, row.office_state, row.office_district),
    }
    document: dict[str, Any] = {
        "identifiers": [f"lettercast:letter-{row.letter_id}"],
        "origin_system": ORIGIN_SYSTEM,
        "created_date": _iso(row.created_at),
        "modified_date": _iso(row.updated_at or row.created_at),
        "action_date": _iso(row.created_at),
        "type": "postal mail" if row.channel in HAND_DELIVERY_CHANNELS else "email",
        "subject": row.subject,
        "message": row.body,
        "targets": [{k: v for k, v in target.items() if v}],
    }
    if include_personal and row.supporter_id is not None:
        document["_embedded"] = {"osdi:person": _person(row)}
    return document


def _person(row: Any) -> dict[str, Any]:
    lines = [line for line in (row.street, row.street2) if line]
    return {
        "given_name": row.first_name,
        "family_name": row.last_name,
        "email_addresses": [{"address": row.email, "primary": True}],
        "postal_addresses": [
            {
                "primary": True,
                "address_lines": lines,
                "locality": row.supporter_city,
                "region": row.supporter_state,
                "postal_code": row.zip,
                "country": "US",
            }
        ],
    }


def _outreach_columns(include_personal: bool) -> list[Any]:
    columns: list[Any] = [
        Letter.id.label("letter_id"),
        Letter.created_at,
        Letter.subject,
        Letter.body,
        Letter.official_name,
        Delivery.channel,
        Delivery.updated_at,
        Office.kind.label("office_kind"),
        Office.state.label("office_state"),
        Office.district.label("office_district"),
        Office.title.label("office_title"),
        Official.first_name.label("official_first_name"),
        Official.last_name.label("official_last_name"),
        Official.title.label("official_title"),
        Supporter.id.label("supporter_id"),
    ]
    if include_personal:
        columns += [
            Supporter.first_name,
            Supporter.last_name,
            Supporter.email,
            Supporter.street,
            Supporter.street2,
            Supporter.city.label("supporter_city"),
            Supporter.state.label("supporter_state"),
            Supporter.zip,
        ]
    return columns


def osdi_document(
    session: Session,
    campaign: Campaign,
    *,
    include_personal: bool,
    browser_url: str | None = None,
) -> Iterator[bytes]:
    """The campaign with every letter as an outreach, as JSON bytes (HAL ``_embedded``)."""
    total = (
        session.connection()
        .execute(select(func.count(Letter.id)).where(Letter.campaign_id == campaign.id))
        .scalar_one()
    )
    head = json.dumps(advocacy_campaign(campaign, total, browser_url), ensure_ascii=False)
    yield (head[:-1] + ', "_embedded": {"osdi:outreaches": [').encode()
    statement = (
        select(*_outreach_columns(include_personal))
        .select_from(Letter)
        .outerjoin(Delivery, Delivery.letter_id == Letter.id)
        .outerjoin(Office, Office.id == Letter.office_id)
        .outerjoin(Official, Official.id == Letter.official_id)
        .outerjoin(Supporter, Supporter.id == Letter.supporter_id)
        .where(Letter.campaign_id == campaign.id)
        .order_by(Letter.id)
    )
    result = session.connection().execute(
        statement.execution_options(stream_results=True, yield_per=1000)
    )
    separator = ""
    try:
        for partition in result.partitions():
            parts = []
            for row in partition:
                document = outreach(row, include_personal=include_personal)
                parts.append(separator + json.dumps(document, ensure_ascii=False))
                separator = ", "
            yield "".join(parts).encode()
    finally:
        result.close()
    yield b"]}}"
