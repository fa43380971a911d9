"""Command-line tasks of the representatives domain."""

import typer

reps_cli = typer.Typer(help="Officials, offices and district lookup.", no_args_is_help=True)
