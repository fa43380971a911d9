"""Command-line tasks of the supporters' own e-mails."""

import asyncio

import httpx
import typer

from app.config import get_settings
from app.db import make_engine

notifications_cli = typer.Typer(help="Supporters' own e-mails (copies, confirmations).")


@notifications_cli.command("send")
def send(
    watch: bool = typer.Option(False, help="Keep sending as new e-mails arrive, until Ctrl-C."),
) -> None:
    """Send the supporters' e-mails that are due (their copies and confirmation requests)."""
    from app.delivery.channels.mail import mail_unavailable_reason
    from app.notifications.outbox import run_outbox, send_due

    settings = get_settings()
    reason = mail_unavailable_reason(settings)
    if reason:
        typer.echo(f"E-mail is not configured: {reason}. Nothing was sent.", err=True)
        raise typer.Exit(1)
    engine = make_engine(settings.database_url)

    async def once() -> int:
        total = 0
        async with httpx.AsyncClient(timeout=settings.mail_timeout_s) as client:
            while claimed := await send_due(engine, client, settings):
                total += claimed
                typer.echo(f"{total} e-mails handled", err=True)
        return total

    async def forever() -> None:
        async with httpx.AsyncClient(timeout=settings.mail_timeout_s) as client:
            await run_outbox(engine, client, settings, asyncio.Event())

    try:
        if watch:
            asyncio.run(forever())
        else:
            typer.echo(f"Done: {asyncio.run(once())} e-mails handled.")
    except KeyboardInterrupt:
        typer.echo("Stopped.")
    finally:
        engine.dispose()
