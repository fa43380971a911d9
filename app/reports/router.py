"""HTTP routes of the reports domain: the dashboard page and the report downloads.

Every route needs a signed-in organiser (``app.organisers.auth``). Downloads are streamed from a
session of their own, opened when the body is sent, so a million rows never sit in memory.
"""

from collections.abc import Callable, Iterator
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.campaigns.models import Campaign, OfficeKind
from app.db import SessionDep
from app.delivery.models import DeliveryStatus
from app.organisers.auth import EditorDep, ViewerDep, record_audit, role_of
from app.organisers.models import Organiser
from app.reports import charts, csv, osdi, pdf, service
from app.reports.dashboard import build_dashboard
from app.reports.export import MEDIA_TYPES, ExportFormat, export_deliveries
from app.reports.query import ExportFilters

router = APIRouter(tags=["reports"])
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
API = "/api/admin/campaigns/{slug}/reports"

IncludePersonal = Annotated[
    bool,
    Query(
        description="Add supporters' names, contact details and the letter text. Editors and "
        "admins only: a viewer asking for it gets 403."
    ),
]


def _campaign(session: Session, slug: str) -> Campaign:
    try:
        return service.campaign_by_slug(session, slug)
    except service.ReportError as error:
        raise HTTPException(error.status_code, error.message) from error


def _check_personal(organiser: Organiser, include_personal: bool) -> None:
    try:
        service.check_personal_data(role_of(organiser).value, include_personal)
    except service.ReportError as error:
        raise HTTPException(error.status_code, error.message) from error


def _streamed(
    request: Request,
    produce: Callable[[Session, Campaign], Iterator[bytes]],
    campaign_id: int,
    media_type: str,
    filename: str,
) -> StreamingResponse:
    engine: Engine = request.app.state.engine

    def body() -> Iterator[bytes]:
        with Session(engine) as session:
            campaign = session.get(Campaign, campaign_id)
            assert campaign is not None
            yield from produce(session, campaign)

    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return StreamingResponse(body(), media_type=media_type, headers=headers)


def _given(values: list[str]) -> list[str]:
    """An HTML form sends empty fields; empty means "any"."""
    return [v.strip() for v in values if v.strip()]


def _invalid(field: str, message: str) -> NoReturn:
    raise HTTPException(422, [{"loc": ["query", field], "msg": message, "type": "value_error"}])


def _one_of(field: str, values: list[str], allowed: type[StrEnum]) -> list[str]:
    try:
        return service.check_choices(field, values, allowed)
    except service.ReportError as error:
        _invalid(field, error.message)


def _audit(session: Session, organiser: Organiser, action: str, target: str) -> None:
    record_audit(session, organiser, action, target)
    session.commit()


@router.get(
    "/admin/campaigns/{slug}/reports",
    response_class=HTMLResponse,
    summary="Campaign dashboard: letters by status, channel, day, district, office, source, city",
    include_in_schema=False,
)
def dashboard_page(
    request: Request, slug: str, organiser: ViewerDep, session: SessionDep
) -> HTMLResponse:
    campaign = _campaign(session, slug)
    figures = build_dashboard(session, campaign)
    palette = charts.COLOURS
    sections = [
        ("Letters by delivery status", figures.by_status, palette[0]),
        ("Letters by channel", figures.by_channel, palette[2]),
        ("Letters by supporter's state", figures.by_state, palette[5]),
        ("Letters per district", figures.per_district, palette[3]),
        (f"Top {len(figures.per_office)} offices", figures.per_office, palette[4]),
        ("Letters by source", figures.by_source, palette[6]),
        ("Top cities", figures.top_cities, palette[1]),
    ]
    context = {
        "figures": figures,
        "campaign": campaign,
        "per_day": charts.day_chart("Letters per day", figures.per_day),
        "sections": [
            (title, charts.bar_chart(title, items, colour=colour), items)
            for title, items, colour in sections
        ],
        "may_see_personal": service.may_see_personal_data(role_of(organiser).value),
        "api": API.format(slug=slug),
        "statuses": list(DeliveryStatus),
        "office_kinds": list(OfficeKind),
    }
    return templates.TemplateResponse(request, "dashboard.html", context)


@router.get(
    API + "/deliveries.{fmt}",
    summary="Deliveries as CSV, XLSX or NDJSON, filtered; columns in docs/reports.md",
    response_class=StreamingResponse,
    responses={
        200: {"content": {media: {} for media in MEDIA_TYPES.values()}},
        403: {"description": "include_personal asked for by a viewer"},
    },
)
def export_route(
    request: Request,
    slug: str,
    fmt: ExportFormat,
    organiser: ViewerDep,
    session: SessionDep,
    state: Annotated[list[str], Query(description="Supporter's state, e.g. CA")] = [],  # noqa: B006
    status: Annotated[list[str], Query(description="Delivery status")] = [],  # noqa: B006
    office_kind: Annotated[list[str], Query(description="Office kind")] = [],  # noqa: B006
    office: Annotated[list[str], Query(description="Office key, e.g. us_house:CA-30")] = [],  # noqa: B006
    district: Annotated[list[str], Query(description="District: 30 or CA-30")] = [],  # noqa: B006
    source: Annotated[list[str], Query(description="?source= the supporter came with")] = [],  # noqa: B006
    channel: Annotated[list[str], Query(description="Delivery channel")] = [],  # noqa: B006
    date_from: Annotated[date | None, Query(description="First day of submission (UTC)")] = None,
    date_to: Annotated[date | None, Query(description="Last day of submission (UTC)")] = None,
    include_personal: IncludePersonal = False,
) -> StreamingResponse:
    campaign = _campaign(session, slug)
    _check_personal(organiser, include_personal)
    if date_from and date_to and date_to < date_from:
        _invalid("date_to", "date_to is before date_from")
    assert campaign.id is not None
    filters = ExportFilters(
        campaign_id=campaign.id,
        states=_given(state),
        statuses=_one_of("status", _given(status), DeliveryStatus),
        office_kinds=_one_of("office_kind", _given(office_kind), OfficeKind),
        office_keys=_given(office),
        districts=_given(district),
        sources=_given(source),
        channels=_given(channel),
        date_from=date_from,
        date_to=date_to,
    )
    if include_personal:
        _audit(session, organiser, "reports.export_personal", f"{slug}:{fmt.value}")

    def produce(s: Session, _c: Campaign) -> Iterator[bytes]:
        return export_deliveries(s, fmt, filters, include_personal=include_personal)

    name = f"{slug}-deliveries-{date.today():%Y%m%d}.{fmt.value}"
    return _streamed(request, produce, campaign.id, MEDIA_TYPES[fmt], name)


@router.get(
    API + "/consent.csv",
    summary="Supporters who opted in and have not unsubscribed, as CSV (editors and admins)",
    response_class=StreamingResponse,
    responses={200: {"content": {MEDIA_TYPES[ExportFormat.csv]: {}}}},
)
def consent_route(
    request: Request, slug: str, organiser: EditorDep, session: SessionDep
) -> StreamingResponse:
    campaign = _campaign(session, slug)
    assert campaign.id is not None
    _audit(session, organiser, "reports.consent_list", slug)

    def produce(s: Session, c: Campaign) -> Iterator[bytes]:
        assert c.id is not None
        return csv.consent_csv(s, c.id)

    name = f"{slug}-consent-{date.today():%Y%m%d}.csv"
    return _streamed(request, produce, campaign.id, MEDIA_TYPES[ExportFormat.csv], name)


@router.get(
    API + "/packets.zip",
    summary="A PDF packet for every office with letters, in one ZIP (editors and admins)",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}}}},
)
def packets_zip_route(
    request: Request, slug: str, organiser: EditorDep, session: SessionDep
) -> StreamingResponse:
    campaign = _campaign(session, slug)
    assert campaign.id is not None
    _audit(session, organiser, "reports.packets", f"{slug}:all")
    name = f"{slug}-packets-{date.today():%Y%m%d}.zip"
    return _streamed(request, pdf.all_packets_zip, campaign.id, "application/zip", name)


@router.get(
    API + "/packets/{office_key}.pdf",
    summary="The PDF packet for one office: cover page, then every letter (editors and admins)",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}},
        404: {"description": "No such campaign, or no letters to that office"},
    },
)
def packet_route(slug: str, office_key: str, organiser: EditorDep, session: SessionDep) -> Response:
    campaign = _campaign(session, slug)
    try:
        content = pdf.office_packet(session, campaign, office_key)
    except service.ReportError as error:
        raise HTTPException(error.status_code, error.message) from error
    _audit(session, organiser, "reports.packets", f"{slug}:{office_key}")
    name = pdf.packet_filename(f"{slug}-{office_key}")
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content, media_type="application/pdf", headers=headers)


@router.get(
    API + "/osdi.json",
    summary="The campaign as an OSDI advocacy campaign with its outreaches (editors and admins)",
    response_class=StreamingResponse,
)
def osdi_route(
    request: Request,
    slug: str,
    organiser: EditorDep,
    session: SessionDep,
    include_personal: IncludePersonal = False,
) -> StreamingResponse:
    campaign = _campaign(session, slug)
    assert campaign.id is not None
    _audit(session, organiser, "reports.osdi", slug)
    browser_url = f"{request.app.state.settings.public_url.rstrip('/')}/c/{slug}"

    def produce(s: Session, c: Campaign) -> Iterator[bytes]:
        return osdi.osdi_document(s, c, include_personal=include_personal, browser_url=browser_url)

    name = f"{slug}-osdi-{date.today():%Y%m%d}.json"
    return _streamed(request, produce, campaign.id, "application/hal+json", name)
