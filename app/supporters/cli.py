"""Command-line tasks of the supporters domain."""

import typer

supporters_cli = typer.Typer(help="Supporters and their personal data.", no_args_is_help=True)
