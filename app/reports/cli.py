"""Command-line tasks of the reports domain: exports, packets, OSDI and the consent list.

The command line is for operators with access to the database itself, so it may include
supporters' personal data when asked (``--include-personal``); nothing is printed but counts.
"""

import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import typer
from sqlmodel import Session

from app.campaigns.models import Campaign, OfficeKind
from app.config import get_settings
from app.db import make_engine
from app.delivery.models import DeliveryStatus
from app.reports import csv, osdi, pdf, service
from app.reports.export import ExportFormat, count_deliveries, export_deliveries
from app.reports.query import ExportFilters

reports_cli = typer.Typer(help="Delivery reports and exports.", no_args_is_help=True)


class ProgressLine:
    """Rows written so far on stderr: redrawn in place on a terminal, every 10% otherwise."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self.done = total, label, 0
        self.tty = sys.stderr.isatty()
        self.started = time.monotonic()
        self.last_step = -1

    def __call__(self, rows: int) -> None:
        self.done = min(self.total, self.done + rows)
        percent = 100 * self.done // self.total if self.total else 100
        if self.tty:
            sys.stderr.write(f"\r{self._text(percent)}")
        elif percent // 10 != self.last_step:
            self.last_step = percent // 10
            sys.stderr.write(self._text(percent) + "\n")
        sys.stderr.flush()

    def _text(self, percent: int) -> str:
        rate = self.done / max(time.monotonic() - self.started, 1e-6)
        return f"{self.label}: {self.done:,}/{self.total:,} rows ({percent}%), {rate:,.0f} rows/s"

    def finish(self) -> None:
        self.done = self.total
        if self.tty:
            sys.stderr.write(f"\r{self._text(100)}\n")
        elif self.last_step < 10:
            sys.stderr.write(self._text(100) + "\n")


@contextmanager
def _campaign_session(slug: str) -> Iterator[tuple[Session, Campaign]]:
    engine = make_engine(get_settings().database_url)
    try:
        with Session(engine) as session:
            try:
                campaign = service.campaign_by_slug(session, slug)
            except service.ReportError as error:
                typer.echo(error.message, err=True)
                raise typer.Exit(2) from error
            yield session, campaign
    finally:
        engine.dispose()


def _write(chunks: Iterable[bytes], output: Path) -> int:
    written = 0
    with output.open("wb") as handle:
        for chunk in chunks:
            handle.write(chunk)
            written += len(chunk)
    return written


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


@reports_cli.command("export")
def export_command(
    campaign: str = typer.Option(..., "--campaign", help="Campaign slug."),
    fmt: ExportFormat = typer.Option(ExportFormat.csv, "--format", help="File format."),
    output: Path = typer.Option(..., "-o", "--output", help="File to write."),
    state: list[str] = typer.Option([], help="Supporter's state (repeatable)."),
    status: list[str] = typer.Option([], help="Delivery status (repeatable)."),
    office_kind: list[str] = typer.Option([], help="Office kind, e.g. us_house (repeatable)."),
    office: list[str] = typer.Option([], help="Office key, e.g. us_house:CA-30 (repeatable)."),
    district: list[str] = typer.Option([], help="District, 30 or CA-30 (repeatable)."),
    source: list[str] = typer.Option([], help="Source the supporter came with (repeatable)."),
    channel: list[str] = typer.Option([], help="Delivery channel, e.g. hold (repeatable)."),
    date_from: datetime | None = typer.Option(
        None, formats=["%Y-%m-%d"], help="First day of submission (UTC)."
    ),
    date_to: datetime | None = typer.Option(
        None, formats=["%Y-%m-%d"], help="Last day of submission (UTC)."
    ),
    include_personal: bool = typer.Option(
        False, help="Add supporters' names, contact details and the letter text."
    ),
) -> None:
    """Export a campaign's deliveries (columns in docs/reports.md); progress goes to stderr."""
    try:
        statuses = service.check_choices("--status", status, DeliveryStatus)
        office_kinds = service.check_choices("--office-kind", office_kind, OfficeKind)
    except service.ReportError as error:
        raise typer.BadParameter(error.message, param_hint=error.field) from error
    with _campaign_session(campaign) as (session, found):
        assert found.id is not None
        filters = ExportFilters(
            campaign_id=found.id,
            states=state,
            statuses=statuses,
            office_kinds=office_kinds,
            office_keys=office,
            districts=district,
            sources=source,
            channels=channel,
            date_from=_day(date_from),
            date_to=_day(date_to),
        )
        progress = ProgressLine(count_deliveries(session, filters), f"{fmt.value} export")
        chunks = export_deliveries(
            session, fmt, filters, include_personal=include_personal, progress=progress
        )
        size = _write(chunks, output)
        progress.finish()
    typer.echo(f"Wrote {progress.total:,} deliveries ({size:,} bytes) to {output}.", err=True)


@reports_cli.command("consent")
def consent_command(
    campaign: str = typer.Option(..., "--campaign", help="Campaign slug."),
    output: Path = typer.Option(..., "-o", "--output", help="CSV file to write."),
) -> None:
    """Write the consent list: supporters who opted in and have not unsubscribed."""
    with _campaign_session(campaign) as (session, found):
        assert found.id is not None
        size = _write(csv.consent_csv(session, found.id), output)
    typer.echo(f"Wrote the consent list ({size:,} bytes) to {output}.", err=True)


@reports_cli.command("packet")
def packet_command(
    campaign: str = typer.Option(..., "--campaign", help="Campaign slug."),
    output: Path = typer.Option(..., "-o", "--output", help="PDF (one office) or ZIP file."),
    office: str | None = typer.Option(
        None, help="Office key, e.g. us_house:CA-30; without it, every office as a ZIP."
    ),
) -> None:
    """Write PDF packets for hand delivery: a cover page, then every letter, one per page."""
    with _campaign_session(campaign) as (session, found):
        if office is None:
            size = _write(pdf.all_packets_zip(session, found), output)
        else:
            try:
                size = _write([pdf.office_packet(session, found, office)], output)
            except service.ReportError as error:
                typer.echo(error.message, err=True)
                raise typer.Exit(2) from error
    typer.echo(f"Wrote {size:,} bytes to {output}.", err=True)


@reports_cli.command("osdi")
def osdi_command(
    campaign: str = typer.Option(..., "--campaign", help="Campaign slug."),
    output: Path = typer.Option(..., "-o", "--output", help="JSON file to write."),
    include_personal: bool = typer.Option(
        False, help="Embed each writer as an osdi:person (name, e-mail, address)."
    ),
) -> None:
    """Write the campaign as an OSDI advocacy campaign with one outreach per letter."""
    with _campaign_session(campaign) as (session, found):
        url = f"{get_settings().public_url.rstrip('/')}/c/{found.slug}"
        chunks = osdi.osdi_document(
            session, found, include_personal=include_personal, browser_url=url
        )
        size = _write(chunks, output)
    typer.echo(f"Wrote {size:,} bytes to {output}.", err=True)
