"""``lettercast supporters``: erase a supporter's personal data, purge past the retention period."""

import typer
from sqlmodel import Session, select

from app.campaigns.models import Campaign
from app.config import get_settings
from app.db import make_engine
from app.supporters import service

supporters_cli = typer.Typer(help="Supporters and their personal data.", no_args_is_help=True)


@supporters_cli.command("delete")
def delete(
    email: str = typer.Argument(..., help="The supporter's e-mail address (any case)."),
    campaign: str | None = typer.Option(
        None, "--campaign", help="Campaign slug; without it, every campaign they wrote to."
    ),
) -> None:
    """Erase a supporter's personal data; letters already written stay as anonymised records.

    Name, e-mail, phone, address, personal note, consents, the letters' text and city are
    erased; unsent letters are cancelled. State, districts, offices and dates are kept for
    reports. Exits 1 when no supporter matched.
    """
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            target = None
            if campaign is not None:
                target = session.exec(select(Campaign).where(Campaign.slug == campaign)).first()
                if target is None:
                    typer.echo(f"Error: no campaign with slug {campaign!r}.", err=True)
                    raise typer.Exit(2)
            erased = service.erase_supporter(session, email, target)
            session.commit()
    finally:
        engine.dispose()
    if not erased:
        typer.echo("No supporter with that e-mail address (or already erased).", err=True)
        raise typer.Exit(1)
    typer.echo(f"Erased the personal data of {erased} supporter record(s).")


@supporters_cli.command("purge")
def purge(
    batch: int = typer.Option(500, min=1, help="Supporters erased per transaction."),
) -> None:
    """Erase personal data of supporters whose letters are all final and older than
    LETTERCAST_SUPPORTER_RETENTION_DAYS. Does nothing when that setting is unset."""
    settings = get_settings()
    if settings.supporter_retention_days is None:
        typer.echo("LETTERCAST_SUPPORTER_RETENTION_DAYS is not set: nothing is purged.")
        return
    engine = make_engine(settings.database_url)
    total = 0
    try:
        with Session(engine) as session:
            while True:
                erased = service.purge_expired(session, settings, limit=batch)
                session.commit()
                if not erased:
                    break
                total += erased
                typer.echo(f"… {total} erased so far", err=True)
    finally:
        engine.dispose()
    typer.echo(
        f"Purged the personal data of {total} supporter(s) "
        f"(retention {settings.supporter_retention_days} days)."
    )
