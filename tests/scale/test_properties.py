"""Hypothesis properties of the submissions API: whatever arrives, no server error and no
half-written submission; replays answer what was stored; one mailbox, one set of letters.

Runs against the real app (TestClient) on both databases, with the stand-in geocoder on a real
socket. The rate limiter stays on with raised limits, since every example comes from one client.
"""

import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from app.main import create_app
from tests.databases import delete_all_rows
from tests.servers import serve_asgi
from tests.submissions.conftest import NUMBERS, seed_campaign, submission, submissions_settings
from tests.submissions.geocoder import StandInGeocoder, seed_offices

# Bookkeeping that may change on any request: rate-limit counters, idempotency claims, and the
# geocoder cache. Every other table changes only when a submission is accepted.
BOOKKEEPING = {"ratelimitbucket", "idempotencyrecord", "districtlookupcache"}
EXAMPLES = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


@dataclass
class Api:
    client: TestClient
    url: str
    engine: Engine

    def counts(self) -> dict[str, int]:
        tables = sorted(set(SQLModel.metadata.tables) - BOOKKEEPING)
        with self.engine.connect() as connection:
            return {
                t: int(connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
                for t in tables
            }

    def post(self, payload: Any, key: str | None = None) -> Any:
        headers = {"Idempotency-Key": key} if key is not None else {}
        return self.client.post(self.url, json=payload, headers=headers)


@pytest.fixture(scope="module")
def api(db_engine: Engine, database_url: str) -> Iterator[Api]:
    delete_all_rows(db_engine)
    with Session(db_engine) as session:
        seed_offices(session, NUMBERS)
        slug = seed_campaign(session).slug
        session.commit()
    with serve_asgi(StandInGeocoder(slow_seconds=0.01).app) as geocoder:
        options = submissions_settings(
            database_url, geocoder, rate_limit_ip=10**8, rate_limit_email=10**6
        )
        with TestClient(create_app(options)) as client:
            yield Api(client, f"/api/campaigns/{slug}/submissions", db_engine)
    delete_all_rows(db_engine)


def fresh_email() -> st.SearchStrategy[str]:
    return st.uuids().map(lambda u: f"p{u.hex}@example.org")


# What a person types in a note: no control characters (those are refused, rightly).
words = st.text(st.characters(categories=["L", "N", "P", "Zs"]), max_size=50)
junk = st.one_of(
    st.none(), st.integers(), st.booleans(), st.text(max_size=300), st.lists(st.integers())
)


def either(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # Mostly valid, so many examples get far (one_of would flatten junk's branches and pick
    # them as often as the valid one).
    return st.sampled_from([valid] * 7 + [junk]).flatmap(lambda chosen: chosen)


streets = st.sampled_from(NUMBERS).map(lambda n: f"{n} N Brand Blvd")
addresses = st.fixed_dictionaries(
    {
        "street": either(st.one_of(streets, st.just("1 Ocean Way"), st.just("9 Nowhere Rd"))),
        "city": either(st.just("Glendale")),
        "state": either(st.sampled_from(["CA", "ca", "NY", "ZZ"])),
        "zip": either(st.one_of(st.just("91203"), st.from_regex(r"\A[0-9]{5}\Z"))),
    },
    optional={"street2": either(st.just("Apt 4"))},
)
payloads = either(
    st.fixed_dictionaries(
        {
            "first_name": either(st.one_of(st.just("Anahit"), st.text(min_size=1, max_size=110))),
            "last_name": either(st.just("Petrosyan")),
            "email": either(fresh_email()),
            "address": either(addresses),
        },
        optional={
            "prefix": either(st.sampled_from(["Mx.", "Dr.", "Sir"])),
            "phone": either(st.sampled_from(["818-555-0100", "+1 (818) 555 0100", "555"])),
            "personal_note": either(st.one_of(words, st.text(max_size=2100))),
            "consent": either(st.booleans()),
            "source": either(st.sampled_from(["newsletter", "utm:fb", "<script>"])),
            "letter_overrides": either(st.just({})),
        },
    ),
)


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {t: after[t] - before[t] for t in before if after[t] != before[t]}


@EXAMPLES
@given(payload=payloads)
def test_any_payload_gets_an_answer_and_never_a_half_written_submission(
    api: Api, payload: Any
) -> None:
    before = api.counts()
    response = api.post(payload)
    changed = delta(before, api.counts())
    event(f"status {response.status_code}")
    if response.status_code == 422 and isinstance(response.json().get("error"), dict):
        event(str(sorted({f["field"] for f in response.json()["error"]["fields"]})))
    # Only a documented 503 (an upstream is down; say when to retry) may be a 5xx.
    assert response.status_code < 500 or (
        response.status_code == 503 and response.headers.get("Retry-After")
    ), response.text
    if response.status_code != 201:
        assert changed == {}, f"{response.status_code} yet rows changed: {changed}"
        return
    letters = response.json()["letters"]
    assert letters and changed["supporter"] == 1
    assert changed["letter"] == changed["delivery"] == len(letters)
    assert set(changed) <= {"supporter", "letter", "delivery", "consent", "notification",
                            "emailconfirmation"}  # fmt: skip


keys = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=64)


@EXAMPLES
@given(
    key=keys,
    number=st.sampled_from(NUMBERS),
    note=words,
    other_note=st.from_regex(r"\A[A-Za-z0-9]{1,20}\Z"),
)
def test_the_same_key_and_payload_replay_the_stored_answer_and_another_payload_is_refused(
    api: Api, key: str, number: int, note: str, other_note: str
) -> None:
    key = f"{key[:28]}-{uuid.uuid4().hex}"  # keys are kept 24 hours: one per example
    payload = submission(number, email=f"k{uuid.uuid4().hex}@example.org", personal_note=note)
    first = api.post(payload, key)
    assert first.status_code == 201, first.text
    after_first = api.counts()

    again = api.post(payload, key)
    assert (again.status_code, again.json()) == (201, first.json())

    changed = dict(payload, personal_note=f"{note} {other_note}")
    refused = api.post(changed, key)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "idempotency_key_reused"
    assert api.counts() == after_first


E_ACUTE = "\u00e9"
local_parts = st.from_regex(r"\A[a-z][a-z0-9]{0,10}(\.[a-z0-9]{1,5})?\Z")
spellings = st.sampled_from(
    [str.lower, str.upper, str.title, str.swapcase, lambda s: f"  {s} ", lambda s: s.capitalize()]
)


@EXAMPLES
@given(
    local=local_parts,
    accent=st.booleans(),
    first_spelling=spellings,
    second_spelling=spellings,
    number=st.sampled_from(NUMBERS),
)
def test_emails_that_normalise_equal_are_one_supporter_with_one_set_of_letters(
    api: Api,
    local: str,
    accent: bool,
    first_spelling: Any,
    second_spelling: Any,
    number: int,
) -> None:
    mailbox = f"{local}{E_ACUTE if accent else ''}.{uuid.uuid4().hex[:12]}@Example.org"
    first_email = first_spelling(mailbox)
    # The same mailbox in another Unicode form: é as one code point, or e + combining accent.
    second_email = unicodedata.normalize("NFD", second_spelling(mailbox))

    first = api.post(submission(number, email=first_email))
    assert first.status_code == 201, first.text
    after_first = api.counts()
    # The same person (name and street) again: a stranger would get 409 already_written.
    second = api.post(submission(number, email=second_email))

    assert second.status_code == 200, second.text
    assert second.json()["token"] == first.json()["token"]
    ids = [letter["id"] for letter in second.json()["letters"]]
    assert ids == [letter["id"] for letter in first.json()["letters"]]
    assert api.counts() == after_first
