"""Command-line tasks of the delivery domain."""

import typer

deliveries_cli = typer.Typer(help="The delivery queue.", no_args_is_help=True)
