"""Reading Open States people files: one YAML per person, where only the current role counts.

A person's file lists past roles too (another district, another chamber, a city's mayoralty);
only roles in a state's own government that have started and not ended make them an officeholder.
"""

import re
from datetime import date
from typing import Any

from app.representatives.parsers import (
    OfficeRecord,
    OfficialRecord,
    SourceError,
    is_current,
    load_structured,
    placeholder,
)
from app.representatives.states import LOWER_HOUSE_TITLES, legislative_district_code

_JURISDICTION = re.compile(r"ocd-jurisdiction/country:us/(?:state|district|territory):(\w\w)/gov")
LOWER_HOUSE_NAMES = {"Assemblymember": "State Assembly", "Delegate": "House of Delegates"}
EXECUTIVE_TITLES = {
    "governor": "Governor",
    "lt_governor": "Lieutenant Governor",
    "attorney_general": "Attorney General",
    "secretary_of_state": "Secretary of State",
}


def parse_person(
    name: str, content: bytes, today: date
) -> tuple[OfficeRecord | None, OfficialRecord]:
    """One Open States person file. Past roles (another district, another chamber) are ignored."""
    doc = load_structured(name, content)
    try:
        return _person(doc, today)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise SourceError(f"{name}: malformed person file ({error})") from None


def _person(doc: dict[str, Any], today: date) -> tuple[OfficeRecord | None, OfficialRecord]:
    person_id = str(doc["id"])
    if not person_id.startswith("ocd-person/"):
        raise ValueError(f"id {person_id!r} is not an ocd-person id")
    roles = [r for r in doc.get("roles") or [] if isinstance(r, dict)]
    states = [m.group(1).upper() for r in roles if (m := _JURISDICTION.search(r["jurisdiction"]))]
    current = [
        r
        for r in roles
        if _JURISDICTION.search(r["jurisdiction"])
        and is_current(r.get("start_date"), r.get("end_date"), today)
    ]
    current.sort(key=lambda r: str(r.get("start_date") or ""), reverse=True)
    office, title = _role_office(current[0], doc) if current else (None, "")
    if office is None:
        past = [r for r in roles if _JURISDICTION.search(r["jurisdiction"])]
        past.sort(key=lambda r: str(r.get("end_date") or r.get("start_date") or ""))
        last, _title = _role_office(past[-1], doc) if past else (None, "")
        last_office = placeholder(last) if last else None
    else:
        last_office = office
    party = next(
        (p["name"] for p in doc.get("party") or [] if is_current(None, p.get("end_date"), today)),
        None,
    )
    links = [link["url"] for link in doc.get("links") or [] if link.get("url")]
    record = OfficialRecord(
        id=person_id,
        office_key=office.key if office else None,
        state=office.state if office else (states[0] if states else None),
        name=str(doc["name"]),
        first_name=str(doc.get("given_name") or ""),
        last_name=str(doc.get("family_name") or ""),
        title=title,
        party=party,
        email=doc.get("email"),
        source="openstates",
        extra={k: v for k, v in (("image", doc.get("image")), ("url", links[:1])) if v},
        last_office_key=last_office.key if last_office else None,
    )
    return last_office, record


def _role_office(role: dict[str, Any], doc: dict[str, Any]) -> tuple[OfficeRecord | None, str]:
    match = _JURISDICTION.search(role["jurisdiction"])
    assert match is not None
    state = match.group(1).upper()
    kind = str(role["type"]).strip().lower().replace(" ", "_")
    addresses = [
        {"kind": o.get("classification"), "address": o.get("address"), "phone": o.get("voice")}
        for o in doc.get("offices") or []
        if isinstance(o, dict)
    ]
    capitol = next((a for a in addresses if a["kind"] == "capitol"), None)
    phone = (capitol or (addresses[0] if addresses else {})).get("phone")
    if kind == "legislature":  # unicameral (Nebraska) or a council: one chamber, kept as upper
        kind = "upper"
    if kind in ("upper", "lower"):
        district = legislative_district_code(role["district"])
        title = "Senator" if kind == "upper" else LOWER_HOUSE_TITLES.get(state, "Representative")
        chamber = "State Senate" if kind == "upper" else LOWER_HOUSE_NAMES.get(title, "House")
        office = OfficeRecord(
            key=f"state_{kind}:{state}-{district}",
            kind=f"state_{kind}",
            state=state,
            district=district,
            title=f"{state} {chamber} district {district}",
        )
    else:
        title = EXECUTIVE_TITLES.get(kind, kind.replace("_", " ").title())
        office = OfficeRecord(
            key=f"executive:{state}:{kind}",
            kind="executive",
            state=state,
            district=None,
            title=f"{title} of {state}",
        )
    office.email, office.phone, office.addresses = doc.get("email"), phone, addresses
    return office, title
