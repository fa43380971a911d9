"""Benchmark: cached representative lookups per second, and the full import of the real files.

    .venv/bin/python bench/lookup.py [--from ../shared/data] [--database-url URL] [--seconds 5]

1. Imports the officials files (``--from``, default ../shared/data) into a fresh database and
   times it, from reading the files to the commit.
2. Fills the geocoder cache for addresses spread over every California district, then calls
   ``find_representatives`` for them (one session per lookup, as a request has) for a few
   seconds: every answer comes from the cache, so this is our own cost per lookup.
3. Reference, measured in the same run on the same database: a bare primary-key select loop
   (one session, one ``session.get``, per iteration). The ratio is lookups per reference select.

Last line: ``RESULT cached_lookups_per_s=<n> import_s=<n>``.
"""

import argparse
import asyncio
import tempfile
import time

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.config import PROJECT_ROOT, Settings
from app.db import make_engine
from app.migrations import upgrade_to_head
from app.representatives import service, sources
from app.representatives.cache import remember_districts
from app.representatives.lookup import DistrictResult
from app.representatives.models import Office
from app.representatives.sync import sync_officials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--from", dest="source", default=str(PROJECT_ROOT.parent / "shared/data"))
    parser.add_argument("--database-url", default=None, help="Default: a fresh SQLite file.")
    parser.add_argument("--seconds", type=float, default=5.0, help="Length of each timed loop.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite:///{directory}/bench.db"
        upgrade_to_head(url)
        engine = make_engine(url)
        settings = Settings(database_url=url, census_geocoder_url="http://127.0.0.1:9/unused")

        started = time.perf_counter()
        files = sources.gather([args.source], httpx.Client())
        with Session(engine) as session:
            summary = sync_officials(session, files)
            session.commit()
        import_s = time.perf_counter() - started
        totals = summary.as_json()["officials"]
        print(f"import: {import_s:.2f} s ({totals['added']} officials added, "
              f"{summary.zip_rows} ZIP rows)")  # fmt: skip

        addresses = _fill_cache(engine, settings)
        print(f"cache: {len(addresses)} addresses over every CA district")
        lookups_per_s = asyncio.run(_cached_lookups(engine, settings, addresses, args.seconds))
        reference_per_s = _reference_selects(engine, args.seconds)
        engine.dispose()

    print(f"cached lookups through find_representatives: {lookups_per_s:,.0f}/s")
    print(f"reference, bare primary-key select with its own session: {reference_per_s:,.0f}/s")
    print(f"ratio lookups/reference: {lookups_per_s / reference_per_s:.3f}")
    print(f"RESULT cached_lookups_per_s={lookups_per_s:.0f} import_s={import_s:.2f}")


def _fill_cache(engine: Engine, settings: Settings) -> list[str]:
    addresses: list[str] = []
    with Session(engine) as session:
        house = session.exec(
            select(Office.district).where(Office.kind == "us_house", Office.state == "CA")
        ).all()
        for n, district in enumerate(sorted(d for d in house if d)):
            for lower in range(1, 81, 20):
                address = f"{n + 1} Example St unit {lower}, Los Angeles, CA 900{n:02d}"
                districts = {
                    "us_house": f"CA-{district}",
                    "state_upper": f"CA-{n % 40 + 1}",
                    "state_lower": f"CA-{(n + lower) % 80 + 1}",
                }
                result = DistrictResult(address.upper(), "CA", districts, (), "census")
                remember_districts(session, "census", address, result, days=1)
                addresses.append(address)
        session.commit()
    return addresses


async def _cached_lookups(
    engine: Engine, settings: Settings, addresses: list[str], seconds: float
) -> float:
    count = 0
    async with httpx.AsyncClient() as client:
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()
        while time.perf_counter() < deadline:
            for address in addresses:
                with Session(engine) as session:
                    found = await service.find_representatives(
                        session, client, settings, address=address
                    )
                assert len(found.offices) == 5, found
                count += 1
        return count / (time.perf_counter() - started)


def _reference_selects(engine: Engine, seconds: float) -> float:
    with Session(engine) as session:
        ids = [o.id for o in session.exec(select(Office)).all()]
    count = 0
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        for office_id in ids[:200]:
            with Session(engine) as session:
                assert session.get(Office, office_id) is not None
            count += 1
    return count / (time.perf_counter() - started)


if __name__ == "__main__":
    main()
