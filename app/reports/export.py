"""Streaming the deliveries report out of the database in batches, whatever its size.

Format modules (``csv``, ``xlsx``, ``ndjson``) pull batches of plain tuples from here; none of
them holds more than one batch in memory. PostgreSQL reads through a server-side cursor.
"""

from collections.abc import Callable, Iterator, Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from app.delivery.models import Delivery
from app.letters.models import Letter
from app.reports.query import ExportFilters, conditions, deliveries_statement
from app.representatives.models import Office

BATCH_ROWS = 5000

Progress = Callable[[int], None]
"""Called with the number of rows just written; long CLI exports draw a progress bar with it."""


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    ndjson = "ndjson"


MEDIA_TYPES = {
    ExportFormat.csv: "text/csv; charset=utf-8",
    ExportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.ndjson: "application/x-ndjson",
}


def count_deliveries(session: Session, filters: ExportFilters) -> int:
    """How many rows an export with these filters will have (for progress and for headers)."""
    statement = (
        select(func.count())
        .select_from(Delivery)
        .join(Letter, Letter.id == Delivery.letter_id)
        .outerjoin(Office, Office.id == Letter.office_id)
        .where(*conditions(filters))
    )
    return int(session.connection().execute(statement).scalar_one())


def iter_batches(
    session: Session,
    filters: ExportFilters,
    *,
    include_personal: bool,
    neutralise: bool,
    batch_rows: int = BATCH_ROWS,
) -> Iterator[Sequence[Sequence[Any]]]:
    """Rows of the deliveries report, ``batch_rows`` at a time, as plain tuples."""
    statement = deliveries_statement(
        filters, include_personal=include_personal, neutralise=neutralise
    )
    # Options on the statement, not the connection: Connection.execution_options() changes the
    # session's connection in place, and every later query on it would stream too.
    result = session.connection().execute(
        statement.execution_options(stream_results=True, yield_per=batch_rows)
    )
    try:
        for partition in result.partitions(batch_rows):
            yield [tuple(row) for row in partition]
    finally:
        result.close()


def export_deliveries(
    session: Session,
    fmt: ExportFormat,
    filters: ExportFilters,
    *,
    include_personal: bool,
    progress: Progress | None = None,
) -> Iterator[bytes]:
    """The deliveries report in ``fmt``, as a stream of byte chunks."""
    # Imported here: each format module imports this one for its batches.
    from app.reports import csv, ndjson, xlsx

    writers = {
        ExportFormat.csv: csv.deliveries_csv,
        ExportFormat.xlsx: xlsx.deliveries_xlsx,
        ExportFormat.ndjson: ndjson.deliveries_ndjson,
    }
    return writers[fmt](session, filters, include_personal=include_personal, progress=progress)
