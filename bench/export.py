"""Benchmark: export a million deliveries to CSV from SQLite and PostgreSQL.

Seeds N deliveries (default 1,000,000) into a fresh SQLite file and a fresh PostgreSQL database,
exports the deliveries report to CSV through ``app.reports.csv.deliveries_csv`` in a child process
(so its peak memory is its own), and measures, in the same run, the database's own CSV dump of
the same joined, filtered columns: the ``sqlite3 -csv`` shell (or, without it, the sqlite3
module's ``fetchmany`` + ``csv.writer``) and ``COPY (…) TO STDOUT WITH CSV``.

    .venv/bin/python bench/export.py [--rows 1000000] [--repeat 3]

Last line: ``RESULT sqlite_rows_per_s=<n> postgres_rows_per_s=<n> ratio_vs_db_dump=<r> peak_mb=<n>``
(the ratio is the worse of the two databases).
"""

import argparse
import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.migrations import upgrade_to_head
from app.reports.query import ExportFilters

POSTGRES_SERVER_URL = os.environ.get(
    "LETTERCAST_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
OFFICES = 700
NAMES = ["Պետրոսյան", "Smith", "=cmd|' /C calc'!A0", "García", "+1 555", "O'Brien"]
CITIES = ["Glendale", "Los Angeles", "Fresno", "-Burbank", "Pasadena", "Երևան"]
SOURCES = [None, "newsletter", "@instagram", "church", "=1+2"]
STATUSES = ["sent", "sent", "sent", "queued", "held", "failed", "dead"]
CHANNELS = {"us_house": "cwc", "us_senate": "email", "state_upper": "email", "state_lower": "email"}


def office_rows() -> list[tuple[int, str, str, str, str, str]]:
    kinds = list(CHANNELS)
    rows = []
    for n in range(1, OFFICES + 1):
        kind = kinds[n % len(kinds)]
        district = f"{n % 80 + 1}"
        rows.append((n, f"{kind}:CA-{district}-{n}", kind, "CA", district, f"Office {n}"))
    return rows


def letter_rows(count: int, start: datetime) -> Iterator[tuple[object, ...]]:
    offices = office_rows()
    for n in range(1, count + 1):
        office = offices[n % OFFICES]
        created = start + timedelta(seconds=n * 7)
        yield (
            n,
            1,
            office[0],
            office[1],
            f"ocd-person/{n % OFFICES}",
            f"Hon. {NAMES[n % len(NAMES)]}",
            f"Please support SJR 11 ({n % 13})",
            "Dear Senator, please act on SJR 11.",
            "CA",
            CITIES[n % len(CITIES)],
            SOURCES[n % len(SOURCES)],
            created,
        )


def delivery_rows(count: int, start: datetime) -> Iterator[tuple[object, ...]]:
    offices = office_rows()
    for n in range(1, count + 1):
        office = offices[n % OFFICES]
        status = STATUSES[n % len(STATUSES)]
        created = start + timedelta(seconds=n * 7)
        sent = created + timedelta(minutes=3) if status == "sent" else None
        error = '=HYPERLINK("x")' if status == "dead" else None
        yield (
            n, n, 1, office[1], CHANNELS[office[2]], status, f"k{n:031d}", n % 3,
            created, sent, error, f"down-{n}" if sent else None, created, created,
        )  # fmt: skip


LETTER_COLUMNS = (
    "id, campaign_id, office_id, office_key, official_id, official_name, subject, body, "
    "state, city, source, created_at"
)
DELIVERY_COLUMNS = (
    "id, letter_id, campaign_id, office_key, channel, status, idempotency_key, attempts, "
    "next_attempt_at, sent_at, last_error, downstream_id, created_at, updated_at"
)
CAMPAIGN = (1, "sjr-11", "SJR 11", "live", "", "en", "{}", "[]", "{}", "{}")
CAMPAIGN_SQL = (
    "INSERT INTO campaign (id, slug, title, status, description, language, resolution, demands,"
    " targeting, settings, created_at, updated_at) VALUES "
)


def seed_sqlite(path: Path, count: int, start: datetime) -> None:
    def stamp(row: tuple[object, ...]) -> tuple[object, ...]:
        return tuple(
            v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v for v in row
        )

    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    now = start.strftime("%Y-%m-%d %H:%M:%S.%f")
    db.execute(CAMPAIGN_SQL + "(?,?,?,?,?,?,?,?,?,?,?,?)", (*CAMPAIGN, now, now))
    db.executemany(
        "INSERT INTO office (id, key, kind, state, district, title, addresses, updated_at)"
        " VALUES (?,?,?,?,?,?,'[]',?)",
        [(*row, now) for row in office_rows()],
    )
    db.executemany(
        f"INSERT INTO letter ({LETTER_COLUMNS}) VALUES ({','.join('?' * 12)})",
        (stamp(r) for r in letter_rows(count, start)),
    )
    db.executemany(
        f"INSERT INTO delivery ({DELIVERY_COLUMNS}) VALUES ({','.join('?' * 14)})",
        (stamp(r) for r in delivery_rows(count, start)),
    )
    db.commit()
    db.execute("ANALYZE")
    db.close()


def seed_postgres(url: str, count: int, start: datetime) -> None:
    with psycopg.connect(_psycopg_dsn(url)) as db:
        db.execute(CAMPAIGN_SQL + "(%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,now(),now())", CAMPAIGN)
        with db.cursor() as cur:
            cur.executemany(
                "INSERT INTO office (id, key, kind, state, district, title, addresses, updated_at)"
                " VALUES (%s,%s,%s,%s,%s,%s,'[]',now())",
                office_rows(),
            )
            with cur.copy(f"COPY letter ({LETTER_COLUMNS}) FROM STDIN") as copy:
                for row in letter_rows(count, start):
                    copy.write_row(row)
            with cur.copy(f"COPY delivery ({DELIVERY_COLUMNS}) FROM STDIN") as copy:
                for row in delivery_rows(count, start):
                    copy.write_row(row)
        db.execute("ANALYZE")


def _psycopg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def reference_sql(dialect_name: str) -> str:
    """The same joined, filtered columns as the export, as plain SQL with literal values."""
    from sqlalchemy.dialects import postgresql, sqlite

    from app.reports.query import deliveries_statement

    dialect = postgresql.dialect() if dialect_name == "postgresql" else sqlite.dialect()
    statement = deliveries_statement(_filters(), include_personal=False, neutralise=False)
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def _filters() -> ExportFilters:
    return ExportFilters(campaign_id=1, states=["CA"], office_kinds=list(CHANNELS))


def run_child(url: str, out: Path, use_sqlite_shell: bool) -> None:
    """Child process: the application's own export path, measuring its own time and memory."""
    import resource

    from sqlmodel import Session

    from app.db import make_engine
    from app.reports.csv import deliveries_csv

    engine = make_engine(url)
    rows = 0

    def progress(n: int) -> None:
        nonlocal rows
        rows += n

    started = time.perf_counter()
    with Session(engine) as session, out.open("wb") as handle:
        chunks = deliveries_csv(
            session,
            _filters(),
            include_personal=False,
            progress=progress,
            sqlite_shell="sqlite3" if use_sqlite_shell else None,
        )
        for chunk in chunks:
            handle.write(chunk)
    seconds = time.perf_counter() - started
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": seconds, "maxrss_mb": maxrss_mb}))


def app_export(url: str, out: Path, use_sqlite_shell: bool = True) -> dict[str, float]:
    flags = [] if use_sqlite_shell else ["--no-sqlite-shell"]
    completed = subprocess.run(
        [sys.executable, __file__, "--child", url, "--out", str(out), *flags],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def sqlite_dump(path: Path, out: Path) -> float:
    sql = reference_sql("sqlite")
    shell = shutil.which("sqlite3")
    started = time.perf_counter()
    if shell:
        with out.open("wb") as handle:
            subprocess.run([shell, "-csv", "-header", str(path), sql], stdout=handle, check=True)
    else:
        db = sqlite3.connect(path)
        cursor = db.execute(sql)
        with out.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([d[0] for d in cursor.description])
            while rows := cursor.fetchmany(5000):
                writer.writerows(rows)
        db.close()
    return time.perf_counter() - started


def postgres_dump(url: str, out: Path) -> float:
    sql = f"COPY ({reference_sql('postgresql')}) TO STDOUT WITH (FORMAT csv, HEADER true)"
    started = time.perf_counter()
    with (
        psycopg.connect(_psycopg_dsn(url)) as db,
        db.cursor() as cur,
        out.open("wb") as handle,
        cur.copy(sql) as copy,
    ):
        for data in copy:
            handle.write(data)
    return time.perf_counter() - started


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def bench_database(
    name: str, url: str, rows: int, work: Path, dump: Callable[[], float], repeat: int
) -> tuple[float, float, float]:
    """Alternates the database's dump and the application's export ``repeat`` times and keeps
    the best of each, so a burst of load on a shared machine does not decide the ratio."""
    dumps, runs = [], []
    for _ in range(repeat):
        dumps.append(dump())
        runs.append(app_export(url, work / f"{name}-app.csv"))
    app_lines = count_lines(work / f"{name}-app.csv") - 1
    if app_lines != rows:
        raise SystemExit(f"{name}: export wrote {app_lines} rows, expected {rows}")
    mine = min(runs, key=lambda run: run["seconds"])
    mine["maxrss_mb"] = max(run["maxrss_mb"] for run in runs)
    best_dump = min(dumps)
    rate = rows / mine["seconds"]
    reference_rate = rows / best_dump
    print(
        f"{name:<10} export {rows:>9} rows in {mine['seconds']:6.2f}s = {rate:>10,.0f} rows/s"
        f" | db dump {best_dump:6.2f}s = {reference_rate:>10,.0f} rows/s"
        f" | ratio {rate / reference_rate:.2f} | peak {mine['maxrss_mb']:.0f} MB",
        flush=True,
    )
    return rate, rate / reference_rate, mine["maxrss_mb"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best counts")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-sqlite-shell", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        run_child(args.child, args.out, not args.no_sqlite_shell)
        return
    start = datetime(2024, 2, 13, tzinfo=UTC)
    with tempfile.TemporaryDirectory(prefix="lettercast-bench-") as tmp:
        work = Path(tmp)
        sqlite_path = work / "bench.db"
        sqlite_url = f"sqlite:///{sqlite_path}"
        upgrade_to_head(sqlite_url)
        t = time.perf_counter()
        seed_sqlite(sqlite_path, args.rows, start)
        print(
            f"seeded sqlite with {args.rows} deliveries in {time.perf_counter() - t:.1f}s",
            flush=True,
        )
        sqlite_rate, sqlite_ratio, sqlite_peak = bench_database(
            "sqlite",
            sqlite_url,
            args.rows,
            work,
            lambda: sqlite_dump(sqlite_path, work / "sqlite-dump.csv"),
            args.repeat,
        )
        # For comparison: the fallback used where the sqlite3 shell is not installed.
        fallback = app_export(sqlite_url, work / "sqlite-fallback.csv", use_sqlite_shell=False)
        print(
            f"sqlite     fallback (fetchmany + csv.writer, no shell): {fallback['seconds']:.2f}s"
            f" = {args.rows / fallback['seconds']:,.0f} rows/s,"
            f" ratio {args.rows / fallback['seconds'] / (sqlite_rate / sqlite_ratio):.2f},"
            f" peak {fallback['maxrss_mb']:.0f} MB",
            flush=True,
        )

        name = f"lettercast_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = create_engine(POSTGRES_SERVER_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        pg_url = make_url(POSTGRES_SERVER_URL).set(database=name).render_as_string(False)
        try:
            upgrade_to_head(pg_url)
            t = time.perf_counter()
            seed_postgres(pg_url, args.rows, start)
            print(
                f"seeded postgresql with {args.rows} deliveries in {time.perf_counter() - t:.1f}s"
            )
            pg_rate, pg_ratio, pg_peak = bench_database(
                "postgresql",
                pg_url,
                args.rows,
                work,
                lambda: postgres_dump(pg_url, work / "pg-dump.csv"),
                args.repeat,
            )
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    print(
        f"RESULT sqlite_rows_per_s={sqlite_rate:.0f} postgres_rows_per_s={pg_rate:.0f}"
        f" ratio_vs_db_dump={min(sqlite_ratio, pg_ratio):.2f}"
        f" peak_mb={max(sqlite_peak, pg_peak):.0f}"
    )


if __name__ == "__main__":
    main()
