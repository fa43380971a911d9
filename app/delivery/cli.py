"""Command-line tasks of the delivery domain: the worker, and managing jobs by hand."""

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date

import typer
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.campaigns.models import Campaign
from app.config import Settings, get_settings
from app.db import make_engine
from app.delivery import service
from app.delivery.service import DeliveryFilter

deliveries_cli = typer.Typer(help="The delivery queue.", no_args_is_help=True)

CAMPAIGN = typer.Option(None, "--campaign", help="Campaign slug.")
OFFICE = typer.Option(None, "--office", help="Office key, e.g. us_house:CA-30.")
STATE = typer.Option(None, "--state", help="The supporter's state, e.g. CA.")
STATUS = typer.Option(
    None, "--status", help="queued, sending, sent, failed, dead, held or cancelled."
)
IDS = typer.Option([], "--id", help="Delivery id (repeatable).")


def _filter(
    session: Session,
    campaign: str | None,
    office: str | None,
    state: str | None,
    status: str | None,
    ids: list[int],
) -> DeliveryFilter:
    campaign_id = None
    if campaign:
        campaign_id = session.exec(select(Campaign.id).where(Campaign.slug == campaign)).first()
        if campaign_id is None:
            typer.echo(f"No campaign with slug {campaign!r}.", err=True)
            raise typer.Exit(2)
    return DeliveryFilter(campaign_id, office, state, status, tuple(ids))


@contextmanager
def _session() -> Iterator[Session]:
    engine = make_engine(get_settings().database_url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


@deliveries_cli.command("list")
def list_deliveries(
    campaign: str | None = CAMPAIGN,
    office: str | None = OFFICE,
    state: str | None = STATE,
    status: str | None = STATUS,
    ids: list[int] = IDS,
    limit: int = typer.Option(100, help="Show at most this many jobs."),
) -> None:
    """List delivery jobs (oldest first) and the count per status of everything matching."""
    with _session() as session:
        where = _filter(session, campaign, office, state, status, ids)
        rows = service.find_deliveries(session, where, limit=limit)
        typer.echo(f"{'id':>8}  {'letter':>8}  {'status':<9}  {'channel':<8}  {'tries':>5}  office")
        for delivery, letter in rows:
            note = f"  {delivery.last_error}" if delivery.last_error else ""
            typer.echo(
                f"{delivery.id:>8}  {letter.id:>8}  {delivery.status:<9}  {delivery.channel:<8}"
                f"  {delivery.attempts:>5}  {delivery.office_key}{note}"
            )
        counts = service.counts_by_status(session, where.campaign_id)
        typer.echo(
            "Totals: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none")
        )


def _act(action: str, where_args: tuple, on: date | None = None) -> None:  # type: ignore[type-arg]
    with _session() as session:
        where = _filter(session, *where_args)
        if where.empty:
            typer.echo("Say which jobs: --campaign, --office, --state, --status or --id.", err=True)
            raise typer.Exit(2)
        ids = [d.id for d, _ in service.find_deliveries(session, where) if d.id is not None]
        if action == "retry":
            changed = service.retry(session, ids, get_settings())
        elif action == "cancel":
            changed = service.cancel(session, ids)
        else:
            assert on is not None
            changed = service.mark_delivered(session, ids, on)
        session.commit()
    skipped = len(ids) - len(changed)
    typer.echo(f"{action}: {len(changed)} job(s) changed, {skipped} left as they were.")


@deliveries_cli.command("retry")
def retry(
    campaign: str | None = CAMPAIGN,
    office: str | None = OFFICE,
    state: str | None = STATE,
    status: str | None = STATUS,
    ids: list[int] = IDS,
) -> None:
    """Send matching dead, failed or cancelled jobs again now; held jobs go out if their
    office kind now has a channel, and otherwise stay held."""
    _act("retry", (campaign, office, state, status, ids))


@deliveries_cli.command("cancel")
def cancel(
    campaign: str | None = CAMPAIGN,
    office: str | None = OFFICE,
    state: str | None = STATE,
    status: str | None = STATUS,
    ids: list[int] = IDS,
) -> None:
    """Stop matching jobs that have not been sent (sent letters cannot be taken back)."""
    _act("cancel", (campaign, office, state, status, ids))


@deliveries_cli.command("mark-delivered")
def mark_delivered(
    campaign: str | None = CAMPAIGN,
    office: str | None = OFFICE,
    state: str | None = STATE,
    status: str | None = STATUS,
    ids: list[int] = IDS,
    on: str = typer.Option(None, "--on", help="Date handed over, YYYY-MM-DD (default today)."),
) -> None:
    """Record that matching letters were delivered by hand or in print, on the given date."""
    try:
        day = date.fromisoformat(on) if on else date.today()
    except ValueError:
        typer.echo(f"--on: {on!r} is not a date like 2024-03-01.", err=True)
        raise typer.Exit(2) from None
    _act("mark-delivered", (campaign, office, state, status, ids), day)


def run_worker(
    concurrency: int = typer.Option(None, help="Sends in flight (default: setting, 16)."),
    batch: int = typer.Option(None, help="Jobs claimed per database round trip (default 100)."),
    exit_when_idle: bool = typer.Option(
        False, help="Stop once no job is queued, retrying or being sent."
    ),
) -> None:
    """Run one delivery worker until SIGTERM/SIGINT (several may share one PostgreSQL).

    On the first signal it stops claiming, lets in-flight sends finish and hands the rest back;
    a second signal abandons in-flight sends (their leases let another worker retry them).
    """
    serve_worker(concurrency, batch, exit_when_idle)


Companion = Callable[[Engine, Settings], Callable[[], Awaitable[None]]]


def serve_worker(
    concurrency: int | None,
    batch: int | None,
    exit_when_idle: bool,
    companions: Sequence[Companion] = (),
) -> None:
    """Run a worker, and beside it on the same loop any ``companions`` (other outboxes, such as
    supporters' own e-mails), which are stopped once the worker has stopped."""
    from app.delivery.worker import Worker

    # The event loop hands the GIL to the database thread at every socket call; a shorter
    # switch interval gets it back sooner (5 ms by default), so sends are not held up.
    sys.setswitchinterval(0.001)
    settings = get_settings()
    engine = make_engine(settings.database_url)
    worker = Worker(
        engine, settings, concurrency=concurrency, batch=batch, exit_when_idle=exit_when_idle
    )

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, worker.stop)
        stops = [start(engine, settings) for start in companions]
        try:
            await worker.run()
        finally:
            for stop in stops:
                await stop()

    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    with runner:
        runner.run(main())
    engine.dispose()
    stats = worker.stats
    typer.echo(
        f"Worker stopped: {stats['sent']} sent, {stats['retry']} to retry, {stats['dead']} dead."
    )


# ``python -m app.delivery.worker`` runs the same command without the rest of the CLI.
worker_app = typer.Typer(add_completion=False)
worker_app.command()(run_worker)
