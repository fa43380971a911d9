"""Reading the upstream officials files into plain records; nothing here touches the database.

- congress-legislators ``legislators-current`` (YAML or JSON) and ``legislators-district-offices``;
- (Open States people files are read in ``people.py``, on these same records);
- the ZCTA → congressional district table (``state_fips,state_abbr,zcta,cd``).

A malformed file raises ``SourceError`` naming the file and the entry, before anything is written.
"""

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml

from app.representatives.states import (
    DELEGATE_STATES,
    STATES,
    house_district_code,
)

ZCTA_HEADER = ["state_fips", "state_abbr", "zcta", "cd"]


class SourceError(ValueError):
    """An upstream file that cannot be read as it should be; the sync changes nothing."""


@dataclass
class OfficeRecord:
    key: str
    kind: str
    state: str
    district: str | None
    title: str
    cwc_code: str | None = None
    email: str | None = None
    contact_form_url: str | None = None
    phone: str | None = None
    addresses: list[dict[str, Any]] = field(default_factory=list)
    # Known only from someone's past role: the seat exists, but its details may be stale.
    placeholder: bool = False


@dataclass
class OfficialRecord:
    """A person in the data; ``office_key`` None means they hold no current role there."""

    id: str
    office_key: str | None
    state: str | None
    name: str
    first_name: str
    last_name: str
    title: str
    party: str | None
    email: str | None
    source: str
    extra: dict[str, Any] = field(default_factory=dict)
    # The seat they held last, kept on an official out of office for the letters' history.
    last_office_key: str | None = None


def load_structured(name: str, content: bytes) -> Any:
    try:
        if name.endswith(".json"):
            return json.loads(content)
        # The C loader reads the 1 MB legislators file in a fraction of the pure-Python time.
        return yaml.load(content, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (ValueError, yaml.YAMLError) as error:
        raise SourceError(f"{name}: not valid {_format(name)}: {error}") from None


def _format(name: str) -> str:
    return "JSON" if name.endswith(".json") else "YAML"


def is_current(start: Any, end: Any, today: date) -> bool:
    """A role counts while it has started and has not ended (no end date, or one not yet past)."""
    start_day, end_day = _day(start), _day(end)
    return (start_day is None or start_day <= today) and (end_day is None or end_day >= today)


def _day(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise SourceError(f"not a date: {value!r}") from None


def parse_district_offices(name: str, content: bytes) -> dict[str, list[dict[str, Any]]]:
    """bioguide id → district offices, as postal addresses."""
    data = load_structured(name, content)
    if not isinstance(data, list):
        raise SourceError(f"{name}: expected a list of legislators")
    offices: dict[str, list[dict[str, Any]]] = {}
    for n, entry in enumerate(data, 1):
        try:
            bioguide = entry["id"]["bioguide"]
            rows = entry.get("offices") or []
        except (KeyError, TypeError, AttributeError):
            raise SourceError(f"{name}: entry {n} has no id.bioguide") from None
        offices[bioguide] = [
            {
                "kind": "district",
                "address": " ".join(str(r[k]) for k in ("address", "suite") if r.get(k)),
                "city": r.get("city"),
                "state": r.get("state"),
                "zip": str(r["zip"]) if r.get("zip") else None,
                "phone": r.get("phone"),
            }
            for r in rows
            if isinstance(r, dict)
        ]
    return offices


def parse_congress(
    name: str,
    content: bytes,
    today: date,
    district_offices: dict[str, list[dict[str, Any]]] | None = None,
) -> tuple[list[OfficeRecord], list[OfficialRecord]]:
    """Members of Congress from ``legislators-current``: the last term is the current one."""
    data = load_structured(name, content)
    if not isinstance(data, list):
        raise SourceError(f"{name}: expected a list of legislators")
    offices: list[OfficeRecord] = []
    officials: list[OfficialRecord] = []
    for n, entry in enumerate(data, 1):
        try:
            record, office = _congress_member(entry, today, district_offices or {})
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
            raise SourceError(f"{name}: entry {n} is malformed ({error!r})") from None
        officials.append(record)
        offices.append(office)
    return offices, officials


def _congress_member(
    entry: dict[str, Any], today: date, district_offices: dict[str, list[dict[str, Any]]]
) -> tuple[OfficialRecord, OfficeRecord]:
    bioguide = str(entry["id"]["bioguide"])
    names = entry["name"]
    term = entry["terms"][-1]
    state = str(term["state"])
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}")
    full_name = names.get("official_full") or f"{names['first']} {names['last']}"
    if term["type"] == "rep":
        code = house_district_code(term["district"])
        title = "Representative"
        if state in DELEGATE_STATES:
            title = "Resident Commissioner" if state == "PR" else "Delegate"
        office = OfficeRecord(
            key=f"us_house:{state}-{code}",
            kind="us_house",
            state=state,
            district=code,
            title=f"U.S. {title} for {state}-{code}",
            cwc_code=f"H{state}{code}",
        )
    elif term["type"] == "sen":
        title = "Senator"
        office = OfficeRecord(
            key=f"us_senate:{state}:{int(term['class'])}",
            kind="us_senate",
            state=state,
            district=None,
            title=f"U.S. Senator for {state} (class {int(term['class'])})",
        )
    else:
        raise ValueError(f"unknown term type {term['type']!r}")
    office.phone = term.get("phone")
    office.contact_form_url = term.get("contact_form")
    capitol = {"kind": "capitol", "address": term.get("address"), "phone": term.get("phone")}
    office.addresses = [capitol, *district_offices.get(bioguide, [])]
    current = is_current(term.get("start"), term.get("end"), today)
    record = OfficialRecord(
        id=bioguide,
        office_key=office.key if current else None,
        state=state,
        name=str(full_name),
        first_name=str(names.get("first", "")),
        last_name=str(names.get("last", "")),
        title=title,
        party=term.get("party"),
        email=None,
        source="congress-legislators",
        extra={"url": term.get("url")} if term.get("url") else {},
        last_office_key=office.key,
    )
    if not current:
        office = placeholder(office)
    return record, office


def placeholder(office: OfficeRecord) -> OfficeRecord:
    return OfficeRecord(
        key=office.key,
        kind=office.kind,
        state=office.state,
        district=office.district,
        title=office.title,
        cwc_code=office.cwc_code,
        placeholder=True,
    )


def parse_zcta(name: str, content: bytes) -> list[tuple[str, str, str]]:
    """Rows of (zcta, state, two-digit district) from ``state_fips,state_abbr,zcta,cd``."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError(f"{name}: not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    if header != ZCTA_HEADER:
        raise SourceError(f"{name}: expected the header {','.join(ZCTA_HEADER)}")
    rows: set[tuple[str, str, str]] = set()
    for line, row in enumerate(reader, 2):
        if not row:
            continue
        try:
            _fips, state, zcta, cd = (cell.strip() for cell in row)
            if state not in STATES or not (len(zcta) == 5 and zcta.isdigit()):
                raise ValueError
            rows.add((zcta, state, house_district_code(cd)))
        except ValueError:
            raise SourceError(f"{name}: line {line} is malformed: {','.join(row)!r}") from None
    return sorted(rows)
