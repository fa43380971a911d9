"""Organisers' JSON API for the queue: sign-in, roles, CSRF, campaign scoping."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.config import Settings
from app.delivery.models import Delivery
from app.main import create_app
from tests.delivery.conftest import enqueue_letters
from tests.organisers.accounts import Signed, make_organiser, sign_in


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        yield client


def _signed(engine: Engine, settings: Settings, role: str) -> Signed:
    with Session(engine, expire_on_commit=False) as session:
        return sign_in(session, settings, make_organiser(session, role))


def _slug(engine: Engine, delivery: Delivery) -> str:
    from app.campaigns.models import Campaign

    with Session(engine) as session:
        campaign = session.get(Campaign, delivery.campaign_id)
        assert campaign is not None
        return campaign.slug


def test_viewers_see_jobs_and_counts_but_only_editors_change_them(
    committed_engine: Engine, settings: Settings, api: TestClient
) -> None:
    first, second = enqueue_letters(committed_engine, 2)
    other = enqueue_letters(committed_engine, 1)[0]
    slug = _slug(committed_engine, first)
    base = f"/api/admin/campaigns/{slug}/deliveries"
    assert api.get(base).status_code == 401
    viewer = _signed(committed_engine, settings, "viewer")
    page = api.get(base, headers=viewer.headers).json()
    assert page["counts"] == {"queued": 2}
    assert [d["id"] for d in page["deliveries"]] == [first.id, second.id]
    assert page["deliveries"][0]["state"] == "CA"
    body = {"ids": [first.id]}
    refused = api.post(
        base + "/cancel", json=body, headers=viewer.headers | {"X-CSRF-Token": viewer.csrf}
    )
    assert refused.status_code == 403
    editor = _signed(committed_engine, settings, "editor")
    assert api.post(base + "/cancel", json=body, headers=editor.headers).status_code == 403
    done = api.post(
        base + "/cancel",
        json={"ids": [first.id, other.id]},
        headers=editor.headers | {"X-CSRF-Token": editor.csrf},
    )
    assert done.status_code == 200 and done.json() == {"changed": [first.id]}
    with Session(committed_engine) as session:
        statuses = {d.id: d.status for d in session.exec(select(Delivery))}
    assert statuses == {first.id: "cancelled", second.id: "queued", other.id: "queued"}


def test_bad_filters_and_unknown_campaigns_are_4xx(
    committed_engine: Engine, settings: Settings, api: TestClient
) -> None:
    viewer = _signed(committed_engine, settings, "viewer")
    assert (
        api.get("/api/admin/campaigns/nope/deliveries", headers=viewer.headers).status_code == 404
    )
    [delivery] = enqueue_letters(committed_engine, 1)
    base = f"/api/admin/campaigns/{_slug(committed_engine, delivery)}/deliveries"
    bad = api.get(base + "?status=lost", headers=viewer.headers)
    assert bad.status_code == 422 and "status" in bad.text
