"""Command-line tasks of the organisers domain."""

import typer

organisers_cli = typer.Typer(help="Organiser accounts.", no_args_is_help=True)
