"""The ``lettercast`` command: one entry point for serving, migrating and every domain's tasks."""

import os

import typer
import uvicorn

from app.config import get_settings
from app.migrations import new_revision, upgrade_to_head

cli = typer.Typer(
    help="Lettercast: constituent letter-writing campaigns.",
    no_args_is_help=True,
    add_completion=False,
)
db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration (LETTERCAST_DATABASE_URL)."""
    settings = get_settings()
    upgrade_to_head(settings.database_url)
    typer.echo("Database schema is at the latest migration.")


@db_cli.command("revision")
def db_revision(
    message: str = typer.Option(..., "-m", "--message", help="What the migration changes."),
    rev_id: str | None = typer.Option(None, help="Revision id (default: random)."),
) -> None:
    """Write a new migration from the difference between the models and the latest migration."""
    typer.echo(new_revision(message, rev_id))


@cli.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, help="Number of API processes."),
    migrate: bool | None = typer.Option(
        None,
        "--migrate/--no-migrate",
        help="Apply pending migrations before serving. Default: yes for SQLite, no for "
        "PostgreSQL (LETTERCAST_MIGRATE_ON_START).",
    ),
) -> None:
    """Apply migrations (SQLite default, or --migrate) and serve the web app and API."""
    if migrate is not None:
        # The app factory (in this process or in each worker process) reads the same setting.
        os.environ["LETTERCAST_MIGRATE_ON_START"] = "true" if migrate else "false"
        get_settings.cache_clear()
    settings = get_settings()
    if settings.should_migrate_on_start:
        upgrade_to_head(settings.database_url)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=None,
        proxy_headers=False,
    )


def worker(
    concurrency: int = typer.Option(None, help="Sends in flight (default: setting, 16)."),
    batch: int = typer.Option(None, help="Jobs claimed per database round trip (default 100)."),
    exit_when_idle: bool = typer.Option(
        False, help="Stop once no job is queued, retrying or being sent."
    ),
) -> None:
    """Run one delivery worker until SIGTERM/SIGINT (several may share one PostgreSQL).

    It also sends supporters' own e-mails (copies, confirmations). On the first signal it stops
    claiming, lets in-flight sends finish and hands the rest back; a second signal abandons
    in-flight sends (their leases let another worker retry them).
    """
    from app.delivery.cli import serve_worker
    from app.notifications.outbox import start_in_process as start_supporter_emails

    serve_worker(concurrency, batch, exit_when_idle, companions=[start_supporter_emails])


def _register_domain_commands() -> None:
    from app.campaigns.cli import campaigns_cli
    from app.delivery.cli import deliveries_cli
    from app.letters.cli import letters_cli
    from app.notifications.cli import notifications_cli
    from app.organisers.cli import organisers_cli
    from app.reports.cli import reports_cli
    from app.representatives.cli import reps_cli
    from app.supporters.cli import supporters_cli

    cli.add_typer(campaigns_cli, name="campaigns")
    cli.add_typer(letters_cli, name="letters")
    cli.add_typer(reps_cli, name="reps")
    cli.add_typer(supporters_cli, name="supporters")
    cli.add_typer(deliveries_cli, name="deliveries")
    cli.command("worker")(worker)
    cli.add_typer(notifications_cli, name="notifications")
    cli.add_typer(organisers_cli, name="organisers")
    cli.add_typer(reports_cli, name="reports")


_register_domain_commands()


def main() -> None:
    cli()
