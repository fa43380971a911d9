"""CSV exports: the deliveries report and the consent list.

The database does the heavy lifting. On PostgreSQL the report is ``COPY (…) TO STDOUT WITH CSV``
streamed as the server writes it. On SQLite it is SQLite's own CSV writer, the ``sqlite3`` shell
reading the database file read-only, when that program is installed and everything this session
wrote is committed (the shell cannot see an open transaction); otherwise raw cursor batches go
into the C ``csv.writer``, about a third of the shell's speed (bench/export.py measures both).
Formula neutralisation happens inside the SQL (``query.inert``), so no path touches a cell in
Python.
"""

import csv
import io
import logging
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.sql import Select
from sqlmodel import Session

from app.reports.export import BATCH_ROWS, Progress
from app.reports.query import ExportFilters, columns, deliveries_statement, inert, iso_utc
from app.supporters.models import Consent, Supporter

logger = logging.getLogger(__name__)
CHUNK_BYTES = 256 * 1024
SQLITE_SHELL = "sqlite3"


def deliveries_csv(
    session: Session,
    filters: ExportFilters,
    *,
    include_personal: bool,
    progress: Progress | None = None,
    sqlite_shell: str | None = SQLITE_SHELL,
) -> Iterator[bytes]:
    """The deliveries report as UTF-8 CSV (header first, ``\\n`` line ends).

    ``sqlite_shell`` names the SQLite command-line program to use when it can; None never does.
    """
    statement = deliveries_statement(filters, include_personal=include_personal, neutralise=True)
    if session.connection().dialect.name == "postgresql":
        return _copy_csv(session, statement, progress)
    database_file = _committed_sqlite_file(session) if sqlite_shell else None
    shell = shutil.which(sqlite_shell) if sqlite_shell and database_file else None
    header = [c.name for c in columns(include_personal)]
    if shell and database_file:
        return _shell_csv(shell, database_file, session, statement, header, progress)
    return _cursor_csv(session, statement, header, progress)


def _committed_sqlite_file(session: Session) -> str | None:
    connection = session.connection()
    database = connection.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    raw = connection.connection.driver_connection
    # Python's sqlite3 opens a transaction only before a write: none open means nothing unseen.
    if raw is None or raw.in_transaction:
        return None
    return database


def _shell_csv(
    shell: str,
    database_file: str,
    session: Session,
    statement: Select[Any],
    header: list[str],
    progress: Progress | None,
) -> Iterator[bytes]:
    # Values are rendered as SQL literals by SQLAlchemy (quotes doubled); the shell gets the
    # statement as one argument, never through a shell, and opens the file read-only.
    sql = str(
        statement.compile(
            dialect=session.connection().dialect, compile_kwargs={"literal_binds": True}
        )
    )
    command = [shell, "-readonly", "-bail", "-batch", "-init", "/dev/null", "-csv", "-header"]
    command += ["-newline", "\n", database_file, sql]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    header_seen = False
    try:
        while chunk := process.stdout.read(CHUNK_BYTES):
            header_seen = _report(progress, bytearray(chunk), header_seen)
            yield chunk
    finally:
        process.stdout.close()
        error = process.stderr.read().decode(errors="replace").strip()
        process.stderr.close()
        failed = process.wait() != 0
    if failed and not header_seen:
        # E.g. a read-only directory where the shell cannot open the WAL index: nothing was
        # sent yet, so the slower path can still answer in full.
        logger.warning("sqlite3 shell export failed, using the cursor path", extra={"error": error})
        yield from _cursor_csv(session, statement, header, progress)
    elif failed:
        raise RuntimeError(f"sqlite3 shell export failed part-way: {error}")


def _copy_csv(
    session: Session, statement: Select[Any], progress: Progress | None
) -> Iterator[bytes]:
    connection = session.connection()
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    raw = connection.connection.driver_connection
    assert raw is not None
    sql = f"COPY ({compiled.string}) TO STDOUT WITH (FORMAT csv, HEADER true)"
    header_seen = False
    buffer = bytearray()
    with raw.cursor() as cursor, cursor.copy(sql, compiled.params) as copy:
        for data in copy:
            buffer += data
            if len(buffer) >= CHUNK_BYTES:
                header_seen = _report(progress, buffer, header_seen)
                yield bytes(buffer)
                buffer.clear()
    if buffer:
        _report(progress, buffer, header_seen)
        yield bytes(buffer)


def _report(progress: Progress | None, chunk: bytearray, header_seen: bool) -> bool:
    # COPY gives no row count until it ends; line ends are a close count (a quoted value
    # with a line break inside counts twice, which a progress bar can live with).
    if progress is not None:
        progress(chunk.count(b"\n") - (0 if header_seen else 1))
    return True


def _cursor_csv(
    session: Session, statement: Select[Any], header: list[str], progress: Progress | None
) -> Iterator[bytes]:
    result = session.connection().execute(statement.execution_options(stream_results=False))
    # Without stream_results SQLite results are not pre-buffered, so the DB-API cursor can be
    # read directly: the values are already text or integers and need no result processing.
    cursor = result.cursor
    try:
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(header)
        while rows := cursor.fetchmany(BATCH_ROWS):
            writer.writerows(rows)
            if progress is not None:
                progress(len(rows))
            if text.tell() >= CHUNK_BYTES:
                yield text.getvalue().encode()
                text.seek(0)
                text.truncate()
        yield text.getvalue().encode()
    finally:
        result.close()


CONSENT_COLUMNS = ("email", "first_name", "last_name", "city", "state", "zip", "given_at")


def consent_statement(campaign_id: int) -> Select[Any]:
    """Supporters who opted in and have not unsubscribed; erased supporters keep only e-mail."""
    return (
        select(
            inert(Consent.email).label("email"),
            inert(Supporter.first_name).label("first_name"),
            inert(Supporter.last_name).label("last_name"),
            inert(Supporter.city).label("city"),
            Supporter.state.label("state"),
            inert(Supporter.zip).label("zip"),
            iso_utc(Consent.given_at).label("given_at"),
        )
        .select_from(Consent)
        .outerjoin(Supporter, Supporter.id == Consent.supporter_id)
        .where(Consent.campaign_id == campaign_id, Consent.unsubscribed_at.is_(None))
        .order_by(Consent.id)
    )


def consent_csv(session: Session, campaign_id: int) -> Iterator[bytes]:
    """The consent list as CSV, for importing into the organisation's mailing tool."""
    statement = consent_statement(campaign_id).execution_options(stream_results=True)
    result = session.connection().execute(statement)
    try:
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(CONSENT_COLUMNS)
        for partition in result.partitions(BATCH_ROWS):
            writer.writerows(_tuples(partition))
            yield text.getvalue().encode()
            text.seek(0)
            text.truncate()
        yield text.getvalue().encode()
    finally:
        result.close()


def _tuples(rows: Sequence[Any]) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in rows]
