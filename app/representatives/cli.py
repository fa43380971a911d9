"""Command-line tasks of the representatives domain: ``lettercast reps sync|lookup``."""

import asyncio
import json
import sys
from typing import Any

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from sqlmodel import Session, col, func, select

from app.config import Settings, get_settings
from app.db import make_engine
from app.representatives import service, sources
from app.representatives.models import Official
from app.representatives.parsers import SourceError
from app.representatives.states import STATES
from app.representatives.sync import SYNCED_SOURCES, SyncSummary, sync_officials

reps_cli = typer.Typer(help="Officials, offices and district lookup.", no_args_is_help=True)

OFFLINE_HINT = (
    "To load officials from local copies instead, point the sync at them, e.g.\n"
    "  lettercast reps sync --from ../shared/data\n"
    "(a folder holding legislators-current.yaml, legislators-district-offices.yaml, Open States "
    "people files under legislature/ or executive/, and zccd.csv)."
)


def default_locations(settings: Settings) -> list[str]:
    return [
        settings.reps_congress_url,
        settings.reps_district_offices_url,
        settings.reps_openstates_url,
        settings.reps_zcta_url,
    ]


@reps_cli.command("sync")
def sync(
    from_: list[str] = typer.Option(
        None,
        "--from",
        help="A URL, file, archive or directory (searched recursively) to import from; "
        "repeatable. Default: the public upstream URLs from the settings.",
    ),
    state: list[str] = typer.Option(
        None, "--state", help="Only these states (postal codes, repeatable). Default: all."
    ),
    if_empty: bool = typer.Option(
        False,
        "--if-empty",
        help="Do nothing when officials from an earlier sync are already in office.",
    ),
) -> None:
    """Download (or read) officials data and import it in one transaction.

    Officials are upserted by bioguide / ocd-person id; those no longer in the data are marked
    out of office, never deleted. A malformed file changes nothing. Progress and a summary
    (added, updated, retired, per chamber) go to standard error; the summary as JSON to
    standard output.
    """
    settings = get_settings()
    engine = make_engine(settings.database_url)
    states = {s.strip().upper() for s in state} if state else None
    if states and not states <= STATES:
        unknown = ", ".join(sorted(states - STATES))
        raise typer.BadParameter(
            f"not a US state or territory code: {unknown}", param_hint="--state"
        )
    err = Console(stderr=True)
    with Session(engine) as session:
        if if_empty:
            # Only synced officials count: a campaign's own targets (loaded first by `make run`)
            # are not the officials data.
            loaded = session.exec(
                select(func.count())
                .select_from(Official)
                .where(col(Official.in_office).is_(True))
                .where(col(Official.source).in_(SYNCED_SOURCES))
            ).one()
            if loaded:
                err.print(f"{loaded} officials are already loaded; nothing to do.")
                return
        locations = list(from_) if from_ else default_locations(settings)
        with _progress(err) as (progress, report):
            try:
                with httpx.Client(timeout=60) as client:
                    files = sources.gather(locations, client, states, report)
                summary = sync_officials(session, files, states=states, progress=report)
                session.commit()
            except SourceError as error:
                session.rollback()
                progress.stop()
                err.print(f"[red]Officials were not loaded:[/red] {error}", highlight=False)
                err.print("Nothing was changed.")
                if not from_:
                    err.print(OFFLINE_HINT, highlight=False)
                raise typer.Exit(1) from None
    _print_summary(err, summary)
    typer.echo(json.dumps(summary.as_json()))


class _progress:
    """A rich progress bar on stderr fed by ``(what, done, total)`` reports."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
        )
        self.tasks: dict[str, TaskID] = {}

    def report(self, what: str, done: int, total: int | None) -> None:
        if what not in self.tasks:
            self.tasks[what] = self.progress.add_task(what, total=total)
        self.progress.update(self.tasks[what], completed=done, total=total)

    def __enter__(self) -> tuple[Progress, Any]:
        self.progress.start()
        return self.progress, self.report

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()


def _print_summary(console: Console, summary: SyncSummary) -> None:
    data = summary.as_json()
    totals = data["officials"]
    console.print(
        f"Officials: {totals['added']} added, {totals['updated']} updated, "
        f"{totals['retired']} retired."
    )
    for kind, counts in data["by_chamber"].items():
        console.print(
            f"  {kind}: {counts['added']} added, {counts['updated']} updated, "
            f"{counts['retired']} retired, {counts['offices_added']} new offices, "
            f"{counts['vacant']} vacant seats"
        )
    if data["zip_rows"] is not None:
        console.print(f"ZIP table: {data['zip_rows']} rows.")


@reps_cli.command("lookup")
def lookup(
    address: str = typer.Argument(None, help="A US street address, on one line."),
    zip_code: str = typer.Option(None, "--zip", help="A ZIP code (alone, or with the address)."),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON."),
) -> None:
    """The representatives of an address (or ZIP code); exits 1 with an error JSON on failure."""
    settings = get_settings()
    engine = make_engine(settings.database_url)

    async def run(session: Session) -> service.Representation:
        async with httpx.AsyncClient(timeout=settings.lookup_timeout_s) as client:
            return await service.find_representatives(
                session, client, settings, address=address, zip_code=zip_code
            )

    with Session(engine) as session:
        try:
            answer = service.representation_json(asyncio.run(run(session)))
            session.commit()  # the geocoder cache
        except service.RepresentativeLookupError as error:
            typer.echo(json.dumps(error.as_dict(), ensure_ascii=False))
            raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    typer.echo(f"Matched address: {answer['matched_address'] or '(ZIP code only)'}")
    for office in answer["offices"]:
        names = ", ".join(o["name"] for o in office["officials"]) or "VACANT"
        typer.echo(f"{office['key']:<28} {names}")
    for kind in answer["unresolved"]:
        typer.echo(f"{kind:<28} not determined from this input", file=sys.stderr)
