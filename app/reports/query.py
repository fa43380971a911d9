"""The deliveries report as one SQL statement: its columns, its filters and its neutralisation.

Every export format reads the same statement, so the columns documented in docs/reports.md are
the same in CSV, XLSX and NDJSON. The database formats timestamps and (for spreadsheet formats)
makes formula-like text inert, so the fast paths (``COPY … TO STDOUT`` on PostgreSQL, raw cursor
batches on SQLite) can hand its output on untouched.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, String, and_, case, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import Select
from sqlalchemy.sql.functions import FunctionElement

from app.campaigns.models import Campaign
from app.delivery.models import Delivery
from app.letters.models import Letter
from app.representatives.models import Office
from app.supporters.models import Supporter

# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRIGGER_CODES = [ord(c) for c in FORMULA_TRIGGERS]
_BELOW_LETTERS = ord("A")
assert max(_TRIGGER_CODES) < _BELOW_LETTERS


class first_code(FunctionElement[int]):
    """The code point of a text's first character; comparing integers is far cheaper per cell
    than cutting out a one-character string (on SQLite, a dump with ``substr(x, 1, 1) IN (…)``
    on every text column took about three times as long)."""

    type = Integer()
    inherit_cache = True


@compiles(first_code, "sqlite")
def _first_code_sqlite(element: first_code, compiler: Any, **kw: Any) -> str:
    return f"unicode({compiler.process(element.clauses, **kw)})"


@compiles(first_code, "postgresql")
def _first_code_postgresql(element: first_code, compiler: Any, **kw: Any) -> str:
    return f"ascii({compiler.process(element.clauses, **kw)})"


class iso_utc(FunctionElement[str]):
    """A UTC timestamp as ``YYYY-MM-DDTHH:MM:SSZ`` text, the same on both databases."""

    type = String()
    inherit_cache = True


@compiles(iso_utc, "sqlite")
def _iso_utc_sqlite(element: iso_utc, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m-%dT%H:%M:%SZ', {compiler.process(element.clauses, **kw)})"


@compiles(iso_utc, "postgresql")
def _iso_utc_postgresql(element: iso_utc, compiler: Any, **kw: Any) -> str:
    inner = compiler.process(element.clauses, **kw)
    return f"to_char(({inner}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"


class utc_day(FunctionElement[str]):
    """The UTC calendar day of a timestamp as ``YYYY-MM-DD`` text."""

    type = String()
    inherit_cache = True


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: Any, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element: utc_day, compiler: Any, **kw: Any) -> str:
    inner = compiler.process(element.clauses, **kw)
    return f"to_char(({inner}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    personal: bool = False
    # Text that can come from outside (supporters, officials' data, downstream systems) and so
    # could start with a formula trigger; generated values (times, statuses, kinds) cannot.
    text: bool = True


# The order here is the order of the columns in every export; docs/reports.md lists them.
COLUMNS: tuple[Column, ...] = (
    Column("delivery_id", "Delivery job id", text=False),
    Column("letter_id", "Letter id", text=False),
    Column("campaign", "Campaign slug"),
    Column("submitted_at", "When the supporter submitted the letter (UTC)", text=False),
    Column("office_key", "Office key, e.g. us_house:CA-30"),
    Column(
        "office_kind",
        "us_house, us_senate, state_upper, state_lower, executive, custom",
        text=False,
    ),
    Column("office_state", "State of the office (empty for national and custom offices)"),
    Column("district", "District of the office"),
    Column("office_title", "Office title"),
    Column("official_id", "Bioguide or ocd-person id of the official written to"),
    Column("official_name", "Name of the official written to"),
    Column("channel", "Delivery channel: cwc, email, form, webhook, hold", text=False),
    Column("status", "queued, sending, sent, failed, dead, held, cancelled", text=False),
    Column("attempts", "Delivery attempts so far", text=False),
    Column("sent_at", "When the channel accepted the letter (UTC)", text=False),
    Column("delivered_by_hand_on", "Day the letter was handed over (hand delivery)", text=False),
    Column("downstream_id", "The receiving system's id for the letter"),
    Column("last_error", "Why the last attempt failed or why the letter is held"),
    Column("source", "Where the supporter came from (?source= on the form)"),
    Column("city", "Supporter's city (kept after erasure, for reports)"),
    Column("state", "Supporter's state (kept after erasure, for reports)"),
    Column("subject", "Letter subject"),
    Column("supporter_prefix", "Supporter's prefix", personal=True),
    Column("supporter_first_name", "Supporter's first name", personal=True),
    Column("supporter_last_name", "Supporter's last name", personal=True),
    Column("supporter_email", "Supporter's e-mail", personal=True),
    Column("supporter_phone", "Supporter's phone", personal=True),
    Column("supporter_street", "Supporter's street address", personal=True),
    Column("supporter_street2", "Supporter's street address, second line", personal=True),
    Column("supporter_zip", "Supporter's ZIP code", personal=True),
    Column("body", "Letter text (signed with the supporter's name and address)", personal=True),
)


def columns(include_personal: bool) -> list[Column]:
    return [c for c in COLUMNS if include_personal or not c.personal]


@dataclass(frozen=True)
class ExportFilters:
    """Which deliveries a report covers. Empty sequences mean "any"."""

    campaign_id: int
    states: Sequence[str] = field(default_factory=tuple)
    statuses: Sequence[str] = field(default_factory=tuple)
    office_kinds: Sequence[str] = field(default_factory=tuple)
    office_keys: Sequence[str] = field(default_factory=tuple)
    districts: Sequence[str] = field(default_factory=tuple)
    sources: Sequence[str] = field(default_factory=tuple)
    channels: Sequence[str] = field(default_factory=tuple)
    # Inclusive calendar days (UTC) of submission.
    date_from: date | None = None
    date_to: date | None = None


def _expressions() -> dict[str, ColumnElement[Any]]:
    return {
        "delivery_id": Delivery.id,
        "letter_id": Letter.id,
        "campaign": Campaign.slug,
        "submitted_at": iso_utc(Letter.created_at),
        "office_key": Delivery.office_key,
        "office_kind": Office.kind,
        "office_state": Office.state,
        "district": Office.district,
        "office_title": Office.title,
        "official_id": Letter.official_id,
        "official_name": Letter.official_name,
        "channel": Delivery.channel,
        "status": Delivery.status,
        "attempts": Delivery.attempts,
        "sent_at": iso_utc(Delivery.sent_at),
        "delivered_by_hand_on": utc_day(Delivery.delivered_by_hand_on),
        "downstream_id": Delivery.downstream_id,
        "last_error": Delivery.last_error,
        "source": Letter.source,
        "city": Letter.city,
        "state": Letter.state,
        "subject": Letter.subject,
        "supporter_prefix": Supporter.prefix,
        "supporter_first_name": Supporter.first_name,
        "supporter_last_name": Supporter.last_name,
        "supporter_email": Supporter.email,
        "supporter_phone": Supporter.phone,
        "supporter_street": Supporter.street,
        "supporter_street2": Supporter.street2,
        "supporter_zip": Supporter.zip,
        "body": Letter.body,
    }


def inert(expression: ColumnElement[Any]) -> ColumnElement[Any]:
    """Prefix an apostrophe to text a spreadsheet would run as a formula.

    Done in SQL so that ``COPY`` output is already safe and no Python touches each cell. Every
    trigger sorts below "A", so one integer comparison settles almost every cell before the
    set lookup (measured on SQLite, most of the neutralisation's cost disappears).
    """
    code = first_code(expression)
    return case(
        (
            and_(code < _BELOW_LETTERS, code.in_(_TRIGGER_CODES)),
            literal("'", String).op("||")(expression),
        ),
        else_=expression,
    )


def deliveries_statement(
    filters: ExportFilters, *, include_personal: bool, neutralise: bool
) -> Select[Any]:
    """The deliveries report: one row per delivery, in delivery id order (stable for paging)."""
    expressions = _expressions()
    selected = []
    for column in columns(include_personal):
        expression = expressions[column.name]
        if neutralise and column.text:
            expression = inert(expression)
        selected.append(expression.label(column.name))
    statement = (
        select(*selected)
        .select_from(Delivery)
        .join(Letter, Letter.id == Delivery.letter_id)
        .join(Campaign, Campaign.id == Delivery.campaign_id)
        .outerjoin(Office, Office.id == Letter.office_id)
    )
    if include_personal:
        statement = statement.outerjoin(Supporter, Supporter.id == Letter.supporter_id)
    return statement.where(*conditions(filters)).order_by(Delivery.id)


def conditions(filters: ExportFilters) -> list[ColumnElement[bool]]:
    """WHERE clauses shared by exports and the dashboard (which needs ``Office`` joined)."""
    where: list[ColumnElement[bool]] = [Delivery.campaign_id == filters.campaign_id]
    if filters.states:
        where.append(Letter.state.in_([s.upper() for s in filters.states]))
    if filters.statuses:
        where.append(Delivery.status.in_(list(filters.statuses)))
    if filters.channels:
        where.append(Delivery.channel.in_(list(filters.channels)))
    if filters.office_kinds:
        where.append(Office.kind.in_(list(filters.office_kinds)))
    if filters.office_keys:
        where.append(Delivery.office_key.in_(list(filters.office_keys)))
    if filters.districts:
        # "30" matches Office.district; "CA-30" matches the end of the key (us_house:CA-30).
        where.append(
            or_(
                Office.district.in_(list(filters.districts)),
                *[
                    Delivery.office_key.like(f"%:{_like_escape(d)}", escape="\\")
                    for d in filters.districts
                ],
            )
        )
    if filters.sources:
        where.append(Letter.source.in_(list(filters.sources)))
    if filters.date_from is not None:
        where.append(Letter.created_at >= _start_of(filters.date_from))
    if filters.date_to is not None:
        where.append(Letter.created_at < _start_of(filters.date_to + timedelta(days=1)))
    return [and_(*where)]


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
