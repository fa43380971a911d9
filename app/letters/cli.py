"""``lettercast letters``: preview letters before any real data is loaded."""

import json

import typer
from sqlmodel import Session

from app.campaigns.cli import migrated_engine
from app.campaigns.models import OfficeKind

letters_cli = typer.Typer(help="Letters rendered from campaign templates.", no_args_is_help=True)


@letters_cli.command("preview")
def preview(
    slug: str = typer.Argument(..., help="Campaign slug, e.g. sjr-11."),
    office_kind: OfficeKind = typer.Option(
        OfficeKind.us_house, "--office-kind", help="Which office kind's letter to render."
    ),
    template: str | None = typer.Option(
        None, help="Render a named template (e.g. thanks_coauthor) instead of the office kind's."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print subject, body and template as JSON."),
) -> None:
    """Render a letter with the documented sample supporter (Anahit Sample, Glendale, CA) and a
    fictional official of the chosen office kind. Needs the campaign loaded, not any officials."""
    from app.campaigns import service
    from app.letters.compose import compose_letter, current_template
    from app.letters.context import SAMPLE_SUPPORTER, sample_seat
    from app.letters.render import LetterTemplateError

    engine = migrated_engine()
    try:
        with Session(engine) as session:
            campaign = service.get_campaign_by_slug(session, slug)
            if campaign is None or campaign.id is None:
                typer.echo(
                    f"Campaign {slug!r} is not loaded. Load it first, e.g.: "
                    f"lettercast campaigns load letter_templates/{slug}",
                    err=True,
                )
                raise typer.Exit(1)
            office, official = sample_seat(office_kind.value)
            version = current_template(session, campaign.id, template or office_kind.value)
            if version is None:
                typer.echo(
                    f"Campaign {slug!r} has no {template or office_kind.value} template.", err=True
                )
                raise typer.Exit(1)
            try:
                letter = compose_letter(
                    session, campaign, office, official, SAMPLE_SUPPORTER, template=version
                )
            except LetterTemplateError as error:
                typer.echo(f"The template cannot be rendered: {error}", err=True)
                raise typer.Exit(1) from None
    finally:
        engine.dispose()
    if as_json:
        payload = {
            "campaign": slug,
            "office_kind": office_kind.value,
            "template": letter.template_name,
            "template_version_id": letter.template_version_id,
            "subject": letter.subject,
            "body": letter.body,
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        typer.echo(f"Subject: {letter.subject}\n\n{letter.body}")
