"""Command-line tasks of the reports domain."""

import typer

reports_cli = typer.Typer(help="Delivery reports and exports.", no_args_is_help=True)
