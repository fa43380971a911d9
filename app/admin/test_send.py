"""Test-send: the current letter, as the sample supporter would send it, to the organiser's own
address through the e-mail channel's transport."""

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from app.admin import template_service as templates
from app.admin.campaigns import CampaignDep, FormDep
from app.admin.pages import AdminRoute, render
from app.admin.templates_editor import NameDep
from app.db import SessionDep
from app.delivery.channels import Sent
from app.delivery.channels.mail import MailMessage, mail_unavailable_reason, send_mail
from app.organisers.auth import CsrfDep, EditorDep, app_settings, record_audit
from app.organisers.models import Organiser

router = APIRouter(route_class=AdminRoute, include_in_schema=False)


@dataclass
class TestLetter:
    organiser: Organiser
    target: str
    name: str
    slug: str
    version: int
    preview: templates.Preview


def test_letter(
    session: SessionDep, campaign: CampaignDep, name: NameDep, organiser: EditorDep, data: FormDep
) -> TestLetter:
    history = templates.versions(session, campaign, name)
    if not history:
        raise HTTPException(404, "Save the template once before sending a test.")
    current = history[0]
    official_id = str(data.get("official_id") or "")[:64] or None
    preview = templates.preview(
        session, campaign, name, current.subject_source, current.body_source, official_id
    )
    target = f"{campaign.slug}/{name}"
    return TestLetter(organiser, target, name, campaign.slug, current.version, preview)


@router.post("/admin/campaigns/{slug}/templates/{name}/test-send", dependencies=[CsrfDep])
async def test_send(
    request: Request, session: SessionDep, letter: Annotated[TestLetter, Depends(test_letter)]
) -> Response:
    settings = app_settings(request)
    reason = mail_unavailable_reason(settings)
    if letter.preview.problems:
        outcome = "The template has problems; fix them before sending a test."
    elif reason:
        outcome = f"E-mail is not configured, so nothing was sent: {reason}."
    else:
        message = MailMessage(
            to=letter.organiser.email,
            subject=f"[Test] {letter.preview.subject}",
            text=letter.preview.body,
            idempotency_key=f"test-{secrets.token_hex(12)}",  # every test is a new message
            headers={"X-Lettercast-Test": "1"},
        )
        result = await send_mail(request.app.state.http, settings, message)
        if isinstance(result, Sent):
            outcome = f"Sent version {letter.version} to {letter.organiser.email}."
        else:
            outcome = f"Not sent: {result.reason}"

    def audit() -> None:
        record_audit(
            session, letter.organiser, "template.test_send", letter.target,
            after={"version": letter.version, "outcome": outcome},
        )  # fmt: skip
        session.commit()

    await run_in_threadpool(audit)
    return render(
        request,
        "test_send.html",
        {"outcome": outcome, "slug": letter.slug, "name": letter.name, "preview": letter.preview},
    )
