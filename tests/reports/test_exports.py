"""Deliveries exports read back with real readers: csv, openpyxl, json."""

import csv
import io
import json
from datetime import date

import openpyxl
import pytest
from sqlmodel import Session

from app.reports.csv import consent_csv, deliveries_csv
from app.reports.export import ExportFormat, count_deliveries, export_deliveries, iter_batches
from app.reports.query import COLUMNS, ExportFilters
from tests.reports.conftest import ARMENIAN_NAME, World

PERSONAL = {c.name for c in COLUMNS if c.personal}


def read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def read_xlsx(data: bytes) -> list[dict[str, object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def export(session: Session, fmt: ExportFormat, filters: ExportFilters, personal: bool) -> bytes:
    return b"".join(export_deliveries(session, fmt, filters, include_personal=personal))


def test_csv_has_the_documented_columns_and_one_row_per_delivery(
    session: Session, world: World
) -> None:
    filters = ExportFilters(campaign_id=world.campaign.id)  # type: ignore[arg-type]
    rows = read_csv(export(session, ExportFormat.csv, filters, personal=False))
    assert len(rows) == world.letters
    assert list(rows[0]) == [c.name for c in COLUMNS if not c.personal]
    first = rows[0]
    assert first["campaign"] == world.campaign.slug
    assert first["office_key"] == "us_house:CA-30"
    assert first["official_name"] == "Laura Friedman"
    assert first["submitted_at"] == "2024-02-03T12:00:00Z"
    assert first["status"] == "sent"
    assert not PERSONAL & set(first)


def test_personal_columns_appear_only_when_asked_for_with_armenian_names_intact(
    session: Session, world: World
) -> None:
    filters = ExportFilters(campaign_id=world.campaign.id)  # type: ignore[arg-type]
    rows = read_csv(export(session, ExportFormat.csv, filters, personal=True))
    assert set(rows[0]) >= PERSONAL
    assert rows[0]["supporter_last_name"] == ARMENIAN_NAME
    assert "please act" in rows[0]["body"]
    sheet = read_xlsx(export(session, ExportFormat.xlsx, filters, personal=True))
    assert sheet[0]["supporter_last_name"] == ARMENIAN_NAME


@pytest.mark.parametrize("fmt", [ExportFormat.csv, ExportFormat.xlsx])
def test_cells_that_a_spreadsheet_would_run_as_formulas_are_made_inert(
    session: Session, world: World, fmt: ExportFormat
) -> None:
    filters = ExportFilters(campaign_id=world.campaign.id)  # type: ignore[arg-type]
    data = export(session, fmt, filters, personal=True)
    rows = read_csv(data) if fmt is ExportFormat.csv else read_xlsx(data)
    cells = {str(value) for row in rows for value in row.values() if value is not None}
    assert '\'=HYPERLINK("http://x")' in cells  # = supporter's name
    assert "'@insta" in cells  # @ source
    assert "'-1" in cells  # - subject
    assert "'+Fresno" in cells  # + city
    assert "'\tTabbed" in cells  # tab
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    # Generated values are left alone: dates and numbers still read as such.
    assert {row["attempts"] for row in rows} <= {0, "0"}


def test_ndjson_keeps_values_exactly_as_stored(session: Session, world: World) -> None:
    filters = ExportFilters(campaign_id=world.campaign.id)  # type: ignore[arg-type]
    data = export(session, ExportFormat.ndjson, filters, personal=True)
    records = [json.loads(line) for line in data.decode().splitlines()]
    assert len(records) == world.letters
    assert records[2]["supporter_last_name"] == '=HYPERLINK("http://x")'
    assert records[0]["delivery_id"] < records[1]["delivery_id"]
    assert records[0]["attempts"] == 0


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"states": ["nv"]}, {"Reno"}),
        ({"statuses": ["held", "dead"]}, {"Burbank", "Reno"}),
        ({"office_kinds": ["state_lower"]}, {"+Fresno"}),
        ({"office_keys": ["us_senate:CA:1"]}, {"Glendale", "Reno"}),
        ({"districts": ["CA-30"]}, {"Glendale", "Burbank"}),
        ({"districts": ["44"]}, {"+Fresno"}),
        ({"sources": ["@insta", "church"]}, {"Burbank", "Reno"}),
        ({"channels": ["hold"]}, {"Burbank"}),
        ({"date_from": date(2024, 2, 5), "date_to": date(2024, 2, 7)}, {"+Fresno", "Reno"}),
        ({"date_to": date(2024, 2, 3)}, {"Glendale"}),
    ],
)
def test_filters_narrow_the_export(
    session: Session, world: World, filters: dict[str, object], expected: set[str]
) -> None:
    chosen = ExportFilters(campaign_id=world.campaign.id, **filters)  # type: ignore[arg-type]
    rows = read_ndjson(export(session, ExportFormat.ndjson, chosen, personal=False))
    assert {row["city"] for row in rows} == expected
    assert count_deliveries(session, chosen) == len(rows)
    csv_rows = read_csv(b"".join(deliveries_csv(session, chosen, include_personal=False)))
    assert len(csv_rows) == len(rows)


def read_ndjson(data: bytes) -> list[dict[str, object]]:
    return [json.loads(line) for line in data.decode().splitlines()]


def test_exports_of_another_campaign_are_empty_but_keep_their_header(
    session: Session, world: World
) -> None:
    filters = ExportFilters(campaign_id=world.campaign.id + 999)  # type: ignore[operator]
    data = export(session, ExportFormat.csv, filters, personal=False)
    assert data.decode().splitlines() == [",".join(c.name for c in COLUMNS if not c.personal)]
    assert read_xlsx(export(session, ExportFormat.xlsx, filters, personal=False)) == []


def test_rows_come_out_in_batches_so_memory_does_not_grow_with_the_campaign(
    session: Session, world: World
) -> None:
    filters = ExportFilters(campaign_id=world.campaign.id)  # type: ignore[arg-type]
    batches = list(
        iter_batches(session, filters, include_personal=False, neutralise=True, batch_rows=2)
    )
    assert [len(b) for b in batches] == [2, 2, 2]


def test_consent_list_has_opted_in_supporters_who_have_not_unsubscribed(
    session: Session, world: World
) -> None:
    rows = read_csv(b"".join(consent_csv(session, world.campaign.id)))  # type: ignore[arg-type]
    assert [(r["email"], r["last_name"], r["city"]) for r in rows] == [
        ("anahit@example.org", ARMENIAN_NAME, "Glendale")
    ]
