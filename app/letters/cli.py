"""``lettercast letters``: preview letters before any real data is loaded."""

import typer

letters_cli = typer.Typer(help="Letters rendered from campaign templates.", no_args_is_help=True)
