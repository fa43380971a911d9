"""Command-line tasks of the organisers domain."""

import sys

import typer
from sqlmodel import Session

from app.config import get_settings
from app.db import make_engine
from app.organisers import service

organisers_cli = typer.Typer(help="Organiser accounts.", no_args_is_help=True)


@organisers_cli.command("create")
def create(
    email: str = typer.Argument(..., help="The organiser's e-mail address (their sign-in name)."),
    role: str = typer.Option(
        ...,
        "--role",
        help="viewer (reads, exports), editor (+ campaigns, templates), admin (+ organisers).",
    ),
    name: str = typer.Option("", "--name", help="Display name."),
    password_stdin: bool = typer.Option(
        False,
        "--password-stdin",
        help="Read the password from standard input instead of prompting.",
    ),
) -> None:
    """Create an organiser account. Prompts for the password (twice) unless --password-stdin."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            try:
                organiser = service.create_organiser(session, email, password, role, name)
            except service.OrganiserError as error:
                typer.echo(f"Error ({error.field}): {error.message}", err=True)
                raise typer.Exit(2) from None
            service.record_audit(
                session,
                None,
                "organiser.create",
                organiser.email,
                after={"role": role, "via": "cli"},
            )
            session.commit()
            typer.echo(f"Created organiser #{organiser.id} ({organiser.role}).")
    finally:
        engine.dispose()
