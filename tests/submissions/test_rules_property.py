"""Property test: whatever mix of repeats, replays and reused keys arrives, the rules hold.

Rules: one supporter per e-mail per campaign; a repeat never adds letters; the same key with the
same body gets the first answer (same status, same token); the same key with another body is
422; nothing is ever a 5xx.
"""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.config import Settings
from app.letters.models import Letter
from app.supporters.models import Supporter
from tests.databases import delete_all_rows
from tests.submissions.conftest import World, seed_campaign, submission, submissions_settings
from tests.submissions.geocoder import seed_offices
from tests.submissions.test_submit import url

EMAILS = ["ana@example.org", "ANA@example.org", "bob@example.org", "cy@example.org"]
NOTES = ["", "Bring them home.", "Please act."]

requests = st.lists(
    st.tuples(
        st.sampled_from(range(len(EMAILS))),
        st.sampled_from(range(len(NOTES))),
        st.one_of(st.none(), st.sampled_from(["k1", "k2", "k3"])),
    ),
    min_size=1,
    max_size=6,
)


@pytest.fixture
def settings(committed_engine: Engine, database_url: str, geocoder: tuple[object, str]) -> Settings:
    return submissions_settings(database_url, geocoder[1], rate_limit_email=1000)


@hypothesis_settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(sequence=requests)
def test_repeats_replays_and_reused_keys_never_double_a_letter(
    api: TestClient, world: World, committed_engine: Engine, sequence: list[tuple[int, int, Any]]
) -> None:
    delete_all_rows(committed_engine)  # one fresh world per example
    with Session(committed_engine) as session:
        seed_offices(session, (100,))
        campaign = seed_campaign(session)
        session.commit()
        slug = campaign.slug
    target = World(campaign.id or 0, slug)
    first_by_key: dict[str, tuple[dict[str, Any], int, dict[str, Any]]] = {}
    token_by_email: dict[str, str] = {}

    for email_index, note_index, key in sequence:
        body = submission(email=EMAILS[email_index], personal_note=NOTES[note_index] or None)
        headers = {"Idempotency-Key": key} if key else {}
        response = api.post(url(target), json=body, headers=headers)
        assert response.status_code < 500
        mailbox = EMAILS[email_index].lower()
        if key in first_by_key:
            first_body, first_status, first_answer = first_by_key[key]
            if body == first_body:
                assert response.status_code == first_status
                assert response.json()["token"] == first_answer["token"]
            else:
                assert response.status_code == 422
                assert response.json()["error"]["code"] == "idempotency_key_reused"
            continue
        assert response.status_code in (200, 201)
        answer = response.json()
        assert response.status_code == (200 if mailbox in token_by_email else 201)
        assert answer["token"] == token_by_email.setdefault(mailbox, answer["token"])
        if key:
            first_by_key[key] = (body, response.status_code, answer)

    with Session(committed_engine) as session:
        supporters = session.exec(select(Supporter)).all()
        letters = session.exec(select(Letter)).all()
    assert len(supporters) == len(token_by_email)
    assert len(letters) == 5 * len(supporters)
