"""``lettercast campaigns``: load campaigns from letter_templates/ and list them."""

import typer

campaigns_cli = typer.Typer(help="Campaigns and their letter templates.", no_args_is_help=True)
