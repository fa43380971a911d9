"""Letters through the delivery engine's own worker to the CWC stand-in, SMTP and a contact form."""

import asyncio
from pathlib import Path

import yaml
from lxml import etree
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.config import Settings
from app.delivery import service as deliveries
from app.delivery.cwc_xml import delivery_id_for
from app.delivery.models import Delivery
from app.delivery.worker import Worker
from tests.channels.conftest import CWC_KEY
from tests.channels.standins import ContactFormStandIn, CwcStandIn, SmtpHandler
from tests.factories import make_campaign, make_letter, make_office, make_supporter


def test_worker_delivers_house_letters_by_cwc_assembly_by_form_and_senate_by_email(
    committed_engine: Engine,
    settings: Settings,
    cwc_server: tuple[CwcStandIn, str],
    smtp_server: tuple[SmtpHandler, int],
    form_server: tuple[ContactFormStandIn, str],
    tmp_path: Path,
) -> None:
    cwc, cwc_url = cwc_server
    smtp, smtp_port = smtp_server
    form, form_url = form_server
    forms = tmp_path / "forms.yaml"
    forms.write_text(
        yaml.safe_dump(
            {
                "forms": [
                    {
                        "offices": "state_lower:CA-*",
                        "url": form_url + "/contact?district={district}",
                        "fields": {
                            "firstname": "{first_name}",
                            "lastname": "{last_name}",
                            "email": "{email}",
                            "zip": "{zip}",
                            "message": "{body}",
                        },
                        "success_text": "Thank you for contacting",
                    }
                ]
            }
        )
    )
    configured = settings.model_copy(
        update={
            "cwc_base_url": cwc_url,
            "cwc_api_key": CWC_KEY,
            "cwc_delivery_agent": "Lettercast Test Agent",
            "cwc_delivery_agent_ack_email": "ack@lettercast.example",
            "cwc_delivery_agent_contact_name": "Agent Contact",
            "cwc_delivery_agent_contact_email": "agent@lettercast.example",
            "cwc_delivery_agent_contact_phone": "202-555-0100",
            "mail_from": "letters@lettercast.example",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "contact_forms_path": forms,
            "http_transport": "httpx",
        }
    )
    with Session(committed_engine) as session:
        campaign = make_campaign(
            session,
            settings={
                "channels": {"us_house": "cwc", "us_senate": "email", "state_lower": "form"},
                "federal_bills": [{"congress": 118, "type": "H.Res.", "number": 861}],
            },
        )
        supporter = make_supporter(session, campaign, first_name="Արամ", prefix="Mr")
        offices = [
            make_office(session, key="us_house:CA-30", cwc_code="HCA30"),
            make_office(
                session,
                key="us_senate:CA:1",
                kind="us_senate",
                cwc_code=None,
                email="senator@senate.example",
            ),
            make_office(
                session,
                key="state_lower:CA-44",
                kind="state_lower",
                district="44",
                cwc_code=None,
            ),
        ]
        for office in offices:
            letter = make_letter(session, supporter, office, body=f"Letter to {office.key}.")
            job = deliveries.enqueue_letter(
                session, letter=letter, campaign=campaign, office=office, settings=configured
            )
            assert job.status == "queued", job.last_error
        session.commit()

    async def main() -> None:
        worker = Worker(committed_engine, configured, exit_when_idle=True)
        await asyncio.wait_for(worker.run(), timeout=20)

    asyncio.run(main())
    with Session(committed_engine) as session:
        jobs = {d.office_key: d for d in session.exec(select(Delivery))}
    assert {key: job.status for key, job in jobs.items()} == {
        "us_house:CA-30": "sent",
        "us_senate:CA:1": "sent",
        "state_lower:CA-44": "sent",
    }
    (xml,) = cwc.received
    root = etree.fromstring(xml)
    assert root.findtext("Message/ConstituentMessage") == "Letter to us_house:CA-30."
    assert root.findtext("Constituent/FirstName") == "Արամ"
    assert jobs["us_house:CA-30"].downstream_id == delivery_id_for(
        jobs["us_house:CA-30"].idempotency_key
    )
    assert smtp.envelopes[0][1] == ["senator@senate.example"]
    assert form.received[0]["message"] == "Letter to state_lower:CA-44."
