"""Importing officials data into the database: idempotent upserts, retirements, the ZIP table.

Officials are keyed by their upstream ids (bioguide, ocd-person). Someone no longer in the data,
or in it with no current role, is marked out of office and keeps their row, so letters already
written keep their history. Nothing here commits: the caller commits once, so a sync is all or
nothing.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from app.db import utcnow
from app.representatives import parsers, people
from app.representatives.cache import purge_expired
from app.representatives.models import Office, Official, ZipDistrict
from app.representatives.parsers import OfficeRecord, OfficialRecord, SourceError
from app.representatives.sources import Progress, SourceFiles
from app.representatives.states import DELEGATE_STATES

# Official.source of the rows this module owns; others (a campaign's custom targets) are left be.
SYNCED_SOURCES = ("congress-legislators", "openstates")
MAX_KEY_LENGTH = 64
OFFICE_FIELDS = ("kind", "state", "district", "title", "cwc_code", "email")
OFFICE_CONTACT_FIELDS = ("contact_form_url", "phone", "addresses")
OFFICIAL_FIELDS = ("name", "first_name", "last_name", "title", "party", "email", "source", "extra")


@dataclass
class ParsedSources:
    offices: dict[str, OfficeRecord] = field(default_factory=dict)
    officials: dict[str, OfficialRecord] = field(default_factory=dict)
    # Which sources were read, and for which states, to know whose absence means retirement.
    retire_scope: dict[str, set[str] | None] = field(default_factory=dict)
    zip_rows: list[tuple[str, str, str]] | None = None


@dataclass
class SyncSummary:
    added: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    retired: Counter[str] = field(default_factory=Counter)
    offices_added: Counter[str] = field(default_factory=Counter)
    vacant: Counter[str] = field(default_factory=Counter)
    zip_rows: int | None = None

    def as_json(self) -> dict[str, Any]:
        kinds = sorted({*self.added, *self.updated, *self.retired, *self.offices_added})
        return {
            "officials": {
                "added": sum(self.added.values()),
                "updated": sum(self.updated.values()),
                "retired": sum(self.retired.values()),
            },
            "by_chamber": {
                kind: {
                    "added": self.added[kind],
                    "updated": self.updated[kind],
                    "retired": self.retired[kind],
                    "offices_added": self.offices_added[kind],
                    "vacant": self.vacant[kind],
                }
                for kind in kinds
            },
            "zip_rows": self.zip_rows,
        }


def parse_sources(
    files: SourceFiles,
    today: date,
    states: set[str] | None = None,
    progress: Progress | None = None,
) -> ParsedSources:
    """Read every file first; a malformed one raises ``SourceError`` before any write."""
    parsed = ParsedSources()
    district_offices: dict[str, list[dict[str, Any]]] = {}
    for name, content in files.district_offices:
        district_offices.update(parsers.parse_district_offices(name, content))
    for name, content in files.congress:
        offices, officials = parsers.parse_congress(name, content, today, district_offices)
        _keep(parsed, offices, officials, states)
        parsed.retire_scope["congress-legislators"] = states
    total = len(files.people)
    people_states: set[str] = set()
    for n, (name, content) in enumerate(files.people, 1):
        office, official = people.parse_person(name, content, today)
        # Someone with no state-level role at all (a member of Congress kept in Open States'
        # data/us/) is not ours to track here: congress-legislators covers Congress.
        if official.state:
            _keep(parsed, [office] if office else [], [official], states)
            people_states.add(official.state)
        if progress and (n % 50 == 0 or n == total):
            progress("read Open States people", n, total)
    if files.people:
        parsed.retire_scope["openstates"] = states or people_states
    if files.zcta:
        rows: set[tuple[str, str, str]] = set()
        for name, content in files.zcta:
            rows.update(
                r for r in parsers.parse_zcta(name, content) if not states or r[1] in states
            )
        parsed.zip_rows = sorted(rows)
        # A House seat exists for every district in the table, so a vacant one is still found.
        for _zcta, state, district in parsed.zip_rows:
            key = f"us_house:{state}-{district}"
            if key not in parsed.offices:
                parsed.offices[key] = _vacant_house_office(state, district)
    return parsed


def _keep(
    parsed: ParsedSources,
    offices: list[OfficeRecord],
    officials: list[OfficialRecord],
    states: set[str] | None,
) -> None:
    for office in offices:
        if states and office.state not in states:
            continue
        if len(office.key) > MAX_KEY_LENGTH:  # letters store the key; never cut it short
            raise SourceError(f"office key longer than {MAX_KEY_LENGTH} characters: {office.key}")
        if office.placeholder:
            parsed.offices.setdefault(office.key, office)
        else:
            parsed.offices[office.key] = office
    for official in officials:
        if not states or official.state in states:
            parsed.officials[official.id] = official


def _vacant_house_office(state: str, district: str) -> OfficeRecord:
    title = "Representative"
    if state in DELEGATE_STATES:
        title = "Resident Commissioner" if state == "PR" else "Delegate"
    return OfficeRecord(
        key=f"us_house:{state}-{district}",
        kind="us_house",
        state=state,
        district=district,
        title=f"U.S. {title} for {state}-{district}",
        cwc_code=f"H{state}{district}",
        placeholder=True,
    )


def apply_sources(session: Session, parsed: ParsedSources) -> SyncSummary:
    """Upsert offices and officials, retire the absent, replace the ZIP table; never commits."""
    summary = SyncSummary()
    offices = {o.key: o for o in session.exec(select(Office)).all()}
    now = utcnow()
    for key, record in parsed.offices.items():
        office = offices.get(key)
        if office is None:
            office = Office(key=key, **_office_values(record))
            session.add(office)
            offices[key] = office
            summary.offices_added[record.kind] += 1
        # A seat known only from the ZIP table or a past role never blanks out real details.
        elif not record.placeholder and _assign(office, _office_values(record)):
            office.updated_at = now
    session.flush()
    existing = {o.id: o for o in session.exec(select(Official)).all()}
    office_kind_by_id = {o.id: o.kind for o in offices.values()}
    for official_id, record in parsed.officials.items():
        official = existing.get(official_id)
        office = offices.get(record.office_key) if record.office_key else None
        last_office = offices.get(record.last_office_key) if record.last_office_key else None
        values = {f: getattr(record, f) for f in OFFICIAL_FIELDS}
        kind = (office or last_office).kind if (office or last_office) else "none"
        if official is None:
            session.add(
                Official(
                    id=official_id,
                    office_id=(office or last_office).id if (office or last_office) else None,
                    in_office=office is not None,
                    **values,
                )
            )
            summary.added[kind if office else "not_in_office"] += 1
            continue
        was_in_office = official.in_office
        if office is not None:
            values |= {"office_id": office.id, "in_office": True}
        else:
            values["in_office"] = False  # keeps office_id: the seat they last held
        if _assign(official, values):
            official.updated_at = now
            if was_in_office and not official.in_office:
                summary.retired[kind] += 1
            else:
                summary.updated[kind] += 1
    _retire_absent(session, parsed, existing, office_kind_by_id, summary, now)
    if parsed.zip_rows is not None:
        summary.zip_rows = _replace_zip_table(session, parsed)
    session.flush()
    _count_vacancies(session, summary)
    return summary


def _office_values(record: OfficeRecord) -> dict[str, Any]:
    return {f: getattr(record, f) for f in OFFICE_FIELDS + OFFICE_CONTACT_FIELDS}


def _assign(row: Any, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _retire_absent(
    session: Session,
    parsed: ParsedSources,
    existing: dict[str, Official],
    office_kind_by_id: dict[int | None, str],
    summary: SyncSummary,
    now: Any,
) -> None:
    states_by_office = {
        o.id: o.state for o in session.exec(select(Office)).all() if o.id is not None
    }
    for official in existing.values():
        if not official.in_office or official.id in parsed.officials:
            continue
        if official.source not in parsed.retire_scope:
            continue
        scope = parsed.retire_scope[official.source]
        if scope and states_by_office.get(official.office_id) not in scope:
            continue
        official.in_office = False
        official.updated_at = now
        summary.retired[office_kind_by_id.get(official.office_id) or "none"] += 1


def _replace_zip_table(session: Session, parsed: ParsedSources) -> int:
    rows = parsed.zip_rows or []
    states = parsed.retire_scope.get("zcta")
    statement = delete(ZipDistrict)
    if states:
        statement = statement.where(col(ZipDistrict.state).in_(states))
    session.execute(statement)
    if rows:
        session.execute(
            insert(ZipDistrict),
            [{"zcta": z, "state": s, "district": d} for z, s, d in rows],
        )
    return len(rows)


def _count_vacancies(session: Session, summary: SyncSummary) -> None:
    held = {
        office_id
        for office_id in session.exec(
            select(Official.office_id).where(col(Official.in_office).is_(True))
        ).all()
    }
    for office in session.exec(select(Office)).all():
        if office.kind != "custom" and office.id not in held:
            summary.vacant[office.kind] += 1


def sync_officials(
    session: Session,
    files: SourceFiles,
    *,
    today: date | None = None,
    states: set[str] | None = None,
    progress: Progress | None = None,
) -> SyncSummary:
    """Read then write every recognised file in one unit of work (the caller commits)."""
    if not files:
        raise SourceError("no officials files were found there")
    parsed = parse_sources(files, today or date.today(), states, progress)
    if files.zcta:
        parsed.retire_scope["zcta"] = states
    if progress:
        progress("write to the database", 0, 1)
    summary = apply_sources(session, parsed)
    purge_expired(session)
    if progress:
        progress("write to the database", 1, 1)
    return summary
