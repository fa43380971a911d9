"""A real submission, delivered by the in-process worker; the thanks page API shows the truth."""

import json
import time

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.main import create_app
from tests.delivery.conftest import SECRET
from tests.delivery.receiver import Receiver
from tests.servers import serve_asgi
from tests.submissions.conftest import NUMBERS, seed_campaign, submission, submissions_settings
from tests.submissions.geocoder import StandInGeocoder, seed_offices


def test_submitted_letters_go_out_by_webhook_or_are_held_and_the_token_shows_which(
    committed_engine: Engine, database_url: str
) -> None:
    channels = {"us_house": "webhook", "us_senate": "webhook", "state_upper": "webhook"}
    with Session(committed_engine) as session:
        seed_offices(session, NUMBERS)
        campaign = seed_campaign(session, settings={"channels": channels})
        session.commit()
        slug = campaign.slug
    receiver = Receiver()
    with serve_asgi(StandInGeocoder().app) as geocoder, serve_asgi(receiver) as hook:
        settings = submissions_settings(
            database_url,
            geocoder,
            run_worker_in_process=True,
            webhook_url=hook + "/hook",
            webhook_secret=SECRET,
            delivery_poll_s=0.05,
        )
        with TestClient(create_app(settings)) as api:
            answer = api.post(f"/api/campaigns/{slug}/submissions", json=submission())
            assert answer.status_code == 201, answer.text
            letters = answer.json()["letters"]
            by_kind = {letter["office_kind"]: letter for letter in letters}
            # State Assembly has no channel in this campaign: held, visibly, from the start.
            assert by_kind["state_lower"]["status"] == "held"
            # The thanks page's API follows the letters as the worker delivers them.
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                shown = api.get(f"/api/submissions/{answer.json()['token']}").json()["letters"]
                statuses = {letter["office_kind"]: letter["status"] for letter in shown}
                if not {"queued", "sending"} & set(statuses.values()):
                    break
                time.sleep(0.05)
    assert statuses == {kind: "sent" for kind in channels} | {"state_lower": "held"}
    delivered = {json.loads(r.body)["letter_id"]: json.loads(r.body) for r in receiver.requests}
    house = by_kind["us_house"]
    # The office receives the letter exactly as the supporter saw it when submitting.
    assert delivered[house["id"]]["body"] == house["body"]
    assert delivered[house["id"]]["subject"] == house["subject"]
    assert delivered[house["id"]]["supporter"]["email"] == "anahit@example.org"
