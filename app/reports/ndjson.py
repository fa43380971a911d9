"""NDJSON export of the deliveries report: one JSON object per line, for programs, not people.

Values are as stored: formula neutralisation is for spreadsheets and would only corrupt data here.
"""

import json
from collections.abc import Iterator

from sqlmodel import Session

from app.reports.export import Progress, iter_batches
from app.reports.query import ExportFilters, columns


def deliveries_ndjson(
    session: Session,
    filters: ExportFilters,
    *,
    include_personal: bool,
    progress: Progress | None = None,
) -> Iterator[bytes]:
    names = [c.name for c in columns(include_personal)]
    batches = iter_batches(session, filters, include_personal=include_personal, neutralise=False)
    for batch in batches:
        lines = [
            json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False) for row in batch
        ]
        if progress is not None:
            progress(len(batch))
        yield ("\n".join(lines) + "\n").encode()
