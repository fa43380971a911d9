"""``lettercast campaigns``: load campaigns from letter_templates/ and list them."""

from pathlib import Path

import typer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.config import get_settings
from app.db import make_engine
from app.migrations import is_at_head

campaigns_cli = typer.Typer(help="Campaigns and their letter templates.", no_args_is_help=True)


def migrated_engine() -> Engine:
    """The configured database, or a clear exit when its schema is not at the latest migration."""
    engine = make_engine(get_settings().database_url)
    try:
        at_head = is_at_head(engine)
    except Exception as error:  # unreachable server, bad URL: say which, not a traceback
        engine.dispose()
        typer.echo(f"The database cannot be reached ({type(error).__name__}).", err=True)
        raise typer.Exit(1) from None
    if not at_head:
        engine.dispose()
        typer.echo(
            "The database schema is not at the latest migration; run `lettercast db upgrade`.",
            err=True,
        )
        raise typer.Exit(1)
    return engine


@campaigns_cli.command("load")
def load(
    path: Path = typer.Argument(
        ...,
        help="A campaign directory: campaign.yaml and its templates, e.g. letter_templates/sjr-11.",
    ),
) -> None:
    """Create or update a campaign from its directory, in one transaction.

    Loading the same files again changes nothing; a changed template becomes a new template
    version. On any problem (named with file and line) nothing is written and the exit code is 1.
    """
    # The CLI is an edge, like a router: loading checks templates through the letters domain.
    from app.campaigns.campaign_file import CampaignFileError
    from app.letters.loader import load_campaign_directory

    engine = migrated_engine()
    try:
        with Session(engine) as session:
            try:
                report = load_campaign_directory(session, path)
            except CampaignFileError as error:
                session.rollback()
                typer.echo(f"Campaign not loaded; nothing was changed.\n{error}", err=True)
                raise typer.Exit(1) from None
            session.commit()
    finally:
        engine.dispose()
    if report.created:
        typer.echo(f"Created campaign {report.slug}.")
    elif report.changed:
        typer.echo(f"Updated campaign {report.slug}.")
    else:
        typer.echo(f"Campaign {report.slug} is already up to date; nothing changed.")
    if report.changed_fields:
        typer.echo(f"  changed: {', '.join(report.changed_fields)}")
    for name, version in report.new_templates:
        typer.echo(f"  template {name}: version {version}")
    for key in report.offices:
        typer.echo(f"  office {key}: created or updated")


@campaigns_cli.command("list")
def list_() -> None:
    """List campaigns with their status and each template's current version."""
    from app.campaigns import service

    engine = migrated_engine()
    try:
        with Session(engine) as session:
            rows = service.list_campaigns(session)
            if not rows:
                typer.echo(
                    "No campaigns. Load one: lettercast campaigns load letter_templates/sjr-11"
                )
                return
            for campaign in rows:
                assert campaign.id is not None
                versions = service.template_versions(session, campaign.id)
                templates = ", ".join(f"{name} v{v}" for name, v in versions.items()) or "none"
                typer.echo(f"{campaign.slug}\t{campaign.status}\t{campaign.title}")
                typer.echo(f"\ttemplates: {templates}")
    finally:
        engine.dispose()
