"""XLSX export of the deliveries report, written row by row in openpyxl's write-only mode.

An XLSX file is a ZIP whose directory comes last, so it cannot be sent before it is finished:
it is written to a temporary file (constant memory: write-only mode keeps no rows and uses
inline strings) and then streamed from disk.
"""

import tempfile
from collections.abc import Iterator
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from sqlmodel import Session

from app.reports.export import Progress, iter_batches
from app.reports.query import ExportFilters, columns

READ_CHUNK = 256 * 1024


def deliveries_xlsx(
    session: Session,
    filters: ExportFilters,
    *,
    include_personal: bool,
    progress: Progress | None = None,
) -> Iterator[bytes]:
    """The deliveries report as one worksheet, header row bold and frozen."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Deliveries")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns(include_personal):
        cell = WriteOnlyCell(sheet, value=column.name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    batches = iter_batches(session, filters, include_personal=include_personal, neutralise=True)
    for batch in batches:
        for row in batch:
            sheet.append([_cell_value(value) for value in row])
        if progress is not None:
            progress(len(batch))
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        while chunk := handle.read(READ_CHUNK):
            yield chunk


def _cell_value(value: Any) -> Any:
    # XML 1.0 cannot carry most control characters; openpyxl refuses them rather than drop them.
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value
