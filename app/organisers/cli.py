"""Command-line tasks of the organisers domain."""

import sys

import typer
from sqlmodel import Session

from app.config import get_settings
from app.db import make_engine
from app.organisers import service

organisers_cli = typer.Typer(help="Organiser accounts.", no_args_is_help=True)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@organisers_cli.command("create")
def create(
    email: str = typer.Argument(..., help="The organiser's e-mail address (their sign-in name)."),
    role: str = typer.Option(
        ...,
        "--role",
        help="viewer (reads, exports), editor (+ campaigns, templates, deliveries), "
        "admin (+ organisers, channels, audit log).",
    ),
    name: str = typer.Option("", "--name", help="Display name."),
    password_stdin: bool = typer.Option(
        False,
        "--password-stdin",
        help="Read the password from standard input instead of prompting.",
    ),
) -> None:
    """Create an organiser account. Prompts for the password (twice) unless --password-stdin."""
    password = _read_password(password_stdin)
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


@organisers_cli.command("password")
def password(
    email: str = typer.Argument(..., help="The organiser's e-mail address."),
    password_stdin: bool = typer.Option(
        False,
        "--password-stdin",
        help="Read the password from standard input instead of prompting.",
    ),
) -> None:
    """Set a new password for an organiser (ends all their sessions)."""
    new = _read_password(password_stdin)
    engine = make_engine(get_settings().database_url)
    try:
        with Session(engine) as session:
            organiser = service.get_by_email(session, email)
            if organiser is None:
                typer.echo("Error (email): no organiser has that e-mail address.", err=True)
                raise typer.Exit(2)
            try:
                service.set_password(session, organiser, new)
            except service.OrganiserError as error:
                typer.echo(f"Error ({error.field}): {error.message}", err=True)
                raise typer.Exit(2) from None
            service.record_audit(session, None, "organiser.password", organiser.email)
            session.commit()
            typer.echo(f"New password set for organiser #{organiser.id}; their sessions ended.")
    finally:
        engine.dispose()


@organisers_cli.command("list")
def list_accounts() -> None:
    """List organiser accounts: id, e-mail, role, active."""
    engine = make_engine(get_settings().database_url)
    try:
        with Session(engine) as session:
            for organiser in service.list_organisers(session):
                state = "active" if organiser.active else "deactivated"
                typer.echo(f"{organiser.id}\t{organiser.email}\t{organiser.role}\t{state}")
    finally:
        engine.dispose()
