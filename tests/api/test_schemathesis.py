"""Hostile input against the service's own OpenAPI schema, signed in as an admin.

Schemathesis generates valid and invalid requests for every documented operation and runs all of
its checks on each answer: no server errors, status codes, content types and bodies as
documented. Path parameters are pinned to real records for valid cases, so that every operation
can succeed, and the run fails if any operation never once answered 2xx.
"""

import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from sqlmodel import Session, select

from app.campaigns.service import get_campaign_by_slug
from app.config import PROJECT_ROOT, Settings
from app.csrf import issue_csrf_token
from app.db import make_engine
from app.letters.loader import load_campaign_directory
from app.main import create_app
from app.migrations import upgrade_to_head
from app.notifications.service import confirmation_token, unsubscribe_url
from app.organisers.auth import CSRF_HEADER, CSRF_PURPOSE, session_cookie_name
from app.organisers.service import create_organiser, start_session
from app.supporters.models import Consent
from tests.servers import serve_asgi
from tests.submissions.conftest import seed_offices, submission
from tests.submissions.geocoder import StandInGeocoder

EXAMPLES_PER_OPERATION = 12
ADDRESS = "100 N Brand Blvd, Glendale, CA 91203"
# A schema-valid request may still break a rule the schema cannot express (an address that does
# not geocode, "address or zip"), which the API answers with a documented 422. No 5xx is allowed.
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
            }
        }
    }
)


@dataclass
class World:
    base_url: str
    cookies: dict[str, str]
    headers: dict[str, str]
    path_values: dict[str, str]
    statuses: dict[str, list[int]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    database_url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"
    upgrade_to_head(database_url)
    geocoder = StandInGeocoder()
    with serve_asgi(geocoder.app) as geocoder_url:
        app_settings = Settings(
            database_url=database_url,
            migrate_on_start=False,
            run_worker_in_process=False,
            census_geocoder_url=geocoder_url,
            lookup_retries=0,
            secret_key="fuzz-secret",
            insecure_cookies=True,
            rate_limit_enabled=False,
        )
        engine = make_engine(database_url)
        with Session(engine) as session:
            seed_offices(session, (100, 101, 102, 103))
            load_campaign_directory(session, PROJECT_ROOT / "letter_templates" / "sjr-11")
            campaign = get_campaign_by_slug(session, "sjr-11")
            assert campaign is not None
            # So that a confirmation link exists for the e-mail confirmation pages.
            campaign.settings = campaign.settings | {"require_email_confirmation": True}
            admin = create_organiser(
                session, "admin@example.org", secrets.token_urlsafe(16), "admin"
            )
            cookie = start_session(session, app_settings, admin)
            session.commit()
        with serve_asgi(create_app(app_settings)) as base_url:
            created = httpx.post(
                f"{base_url}/api/campaigns/sjr-11/submissions", json=submission(), timeout=30
            )
            assert created.status_code == 201, created.text
            token = created.json()["token"]
            office_key = created.json()["letters"][0]["office_key"]
            with Session(engine) as session:
                consent = session.exec(select(Consent)).first()
                assert consent is not None and consent.supporter_id is not None
                link = unsubscribe_url(app_settings, consent.id or 0)
                confirmation = confirmation_token(session, consent.supporter_id)
                assert confirmation is not None
            consent_id, signature = link.rstrip("/").split("/")[-2:]
            yield World(
                base_url=base_url,
                cookies={session_cookie_name(app_settings): cookie},
                headers={CSRF_HEADER: _csrf_token(app_settings, cookie)},
                path_values={
                    "slug": "sjr-11",
                    "token": token,
                    "/notifications/confirm/{token}:token": confirmation,
                    "/api/representatives:address": ADDRESS,
                    "office_key": office_key,
                    "consent_id": consent_id,
                    "signature": signature,
                    "name": "us_house",
                    "fmt": "csv",
                },
            )
        engine.dispose()


def _operations(world: World) -> list[schemathesis.APIOperation]:
    schema = schemathesis.openapi.from_url(f"{world.base_url}/openapi.json", config=CONFIG)
    operations = [result.ok() for result in schema.get_all_operations()]
    # Reads first: fuzzed writes (cancelling deliveries by id) would otherwise empty the
    # records that the reads are pinned to.
    return sorted(operations, key=lambda operation: operation.method.upper() != "GET")


def test_no_operation_fails_any_check_and_every_one_succeeds_at_least_once(world: World) -> None:
    http = requests.Session()
    http.cookies.update(world.cookies)
    http.headers.update(world.headers)
    failures: list[str] = []
    for operation in _operations(world):
        label = f"{operation.method.upper()} {operation.path}"
        statuses = world.statuses.setdefault(label, [])
        try:
            _exercise(operation, world, http, statuses)
        except Exception as error:  # collect every operation's failure, then report them all
            failures.append(f"{label}: {error}")
    assert not failures, "\n\n".join(failures)
    never_succeeded = [label for label, codes in world.statuses.items() if not _any_2xx(codes)]
    assert never_succeeded == [], {label: world.statuses[label] for label in never_succeeded}


def _exercise(
    operation: schemathesis.APIOperation,
    world: World,
    http: requests.Session,
    statuses: list[int],
) -> None:
    cases = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE).map(
            lambda case: _pin_path(case, world.path_values)
        ),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def exercise(case: schemathesis.Case) -> None:
        response = case.call_and_validate(base_url=world.base_url, session=http)
        statuses.append(response.status_code)

    exercise()


def _csrf_token(app_settings: Settings, session_cookie: str) -> str:
    session_id = hashlib.sha256(session_cookie.encode()).hexdigest()
    return issue_csrf_token(app_settings.resolved_secret_key(), CSRF_PURPOSE, session_id)


def _pin_path(case: schemathesis.Case, values: dict[str, str]) -> schemathesis.Case:
    """Valid cases name real records: ``name`` for every operation, ``path:name`` for one."""
    path = case.operation.path
    for name in list(case.path_parameters or {}):
        value = values.get(f"{path}:{name}", values.get(name))
        if value is not None:
            case.path_parameters[name] = value
    if (address := values.get(f"{path}:address")) is not None:
        case.query = {"address": address}
    return case


def _any_2xx(codes: list[int]) -> bool:
    return any(200 <= code < 300 for code in codes)


def test_the_fuzzed_schema_covers_the_public_and_organiser_apis(world: World) -> None:
    paths = {operation.path for operation in _operations(world)}
    assert "/api/campaigns/{slug}/submissions" in paths
    assert "/api/representatives" in paths
    assert any(path.startswith("/api/admin/") for path in paths)
