"""Every organiser route, against every role and no session, found by walking ``app.routes``.

A route is an organiser route when its path starts with /admin or /api/admin, or when any of its
dependencies asks who is signed in. Each must be listed in ``MINIMUM_ROLE`` below (or in
``PUBLIC``), so a new route cannot ship without someone deciding who may use it.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.organisers.auth import Role, current_session
from tests.factories import make_campaign
from tests.organisers.accounts import make_organiser, sign_in

PUBLIC = {
    ("GET", "/admin/sign-in"),
    ("POST", "/admin/sign-in"),
    ("GET", "/admin/static/{name}"),
}
REPORTS = "/api/admin/campaigns/{slug}/reports"
TEMPLATE = "/admin/campaigns/{slug}/templates/{name}"
MINIMUM_ROLE: dict[tuple[str, str], Role] = {
    ("GET", "/admin"): Role.viewer,
    ("POST", "/admin/sign-out"): Role.viewer,
    ("GET", "/admin/campaigns"): Role.viewer,
    ("GET", "/admin/campaigns/new"): Role.editor,
    ("POST", "/admin/campaigns/new"): Role.editor,
    ("GET", "/admin/campaigns/{slug}"): Role.viewer,
    ("POST", "/admin/campaigns/{slug}"): Role.editor,
    ("POST", "/admin/campaigns/{slug}/status"): Role.editor,
    ("POST", "/admin/campaigns/{slug}/channels"): Role.admin,
    ("POST", "/admin/campaigns/{slug}/stances"): Role.editor,
    ("POST", "/admin/campaigns/{slug}/stances/remove"): Role.editor,
    ("GET", "/admin/campaigns/{slug}/export.zip"): Role.viewer,
    ("GET", "/admin/campaigns-import"): Role.editor,
    ("POST", "/admin/campaigns-import"): Role.editor,
    ("GET", "/api/admin/officials"): Role.viewer,
    ("GET", "/admin/campaigns/{slug}/templates"): Role.viewer,
    ("GET", TEMPLATE): Role.viewer,
    ("POST", TEMPLATE): Role.editor,
    ("POST", TEMPLATE + "/preview"): Role.viewer,
    ("POST", "/api" + TEMPLATE + "/preview"): Role.viewer,
    ("GET", TEMPLATE + "/diff"): Role.viewer,
    ("POST", TEMPLATE + "/rollback"): Role.editor,
    ("POST", TEMPLATE + "/test-send"): Role.editor,
    ("GET", "/admin/campaigns/{slug}/deliveries"): Role.viewer,
    ("POST", "/admin/campaigns/{slug}/deliveries/find"): Role.viewer,
    ("POST", "/admin/campaigns/{slug}/deliveries/{action}"): Role.editor,
    ("GET", "/admin/account"): Role.viewer,
    ("POST", "/admin/account"): Role.viewer,
    ("GET", "/admin/audit"): Role.admin,
    ("GET", "/admin/organisers"): Role.admin,
    ("POST", "/admin/organisers"): Role.admin,
    ("POST", "/admin/organisers/{organiser_id}"): Role.admin,
    # Reports (engineer P): viewers read and export deliveries; personal data needs an editor.
    ("GET", "/admin/campaigns/{slug}/reports"): Role.viewer,
    ("GET", REPORTS + "/deliveries.{fmt}"): Role.viewer,
    ("GET", REPORTS + "/consent.csv"): Role.editor,
    ("GET", REPORTS + "/packets.zip"): Role.editor,
    ("GET", REPORTS + "/packets/{office_key}.pdf"): Role.editor,
    ("GET", REPORTS + "/osdi.json"): Role.editor,
    # Delivery JSON API (engineer D).
    ("GET", "/api/admin/campaigns/{slug}/deliveries"): Role.viewer,
    ("POST", "/api/admin/campaigns/{slug}/deliveries/{action}"): Role.editor,
}
PATH_VALUES = {
    "slug": "authz",
    "name": "us_house",
    "action": "retry",
    "organiser_id": "999999",
    "fmt": "csv",
    "office_key": "us_house:CA-30",
}


def _route_contexts(app: FastAPI) -> Iterator[Any]:
    """Flattened routes: this FastAPI keeps included routers as nodes in ``app.routes``."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: app.routes is already flat
        yield from app.routes
        return
    yield from iter_route_contexts(app.routes)


def _asks_who_is_signed_in(dependant: Any) -> bool:
    if dependant is None:
        return False
    if dependant.call is current_session:
        return True
    return any(_asks_who_is_signed_in(d) for d in dependant.dependencies)


def organiser_routes(app: FastAPI) -> list[tuple[str, str]]:
    found = set()
    for route in _route_contexts(app):
        path = getattr(route, "path", None) or ""
        guarded = _asks_who_is_signed_in(getattr(route, "dependant", None))
        if not (path.startswith(("/admin", "/api/admin")) or guarded):
            continue
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":
                found.add((method, path))
    return sorted(found)


def _url(path: str) -> str:
    for key, value in PATH_VALUES.items():
        path = path.replace("{" + key + "}", value)
    assert "{" not in path, f"add a value for the path parameter in {path} to PATH_VALUES"
    return path


def test_every_organiser_route_has_a_minimum_role(web: TestClient) -> None:
    routes = set(organiser_routes(web.app))  # type: ignore[arg-type]
    unlisted = routes - set(MINIMUM_ROLE) - PUBLIC
    assert not unlisted, f"organiser routes with no minimum role in this test: {sorted(unlisted)}"
    assert not set(MINIMUM_ROLE) - routes, "routes listed here but gone from the app"
    for method, path in PUBLIC:
        route = next(r for r in _route_contexts(web.app) if getattr(r, "path", None) == path)  # type: ignore[arg-type]
        assert not _asks_who_is_signed_in(getattr(route, "dependant", None)), (method, path)


def test_unsigned_requests_are_sent_to_sign_in_or_refused_with_401(web: TestClient) -> None:
    for method, path in MINIMUM_ROLE:
        answer = web.request(method, _url(path))
        if path.startswith("/api/"):
            assert answer.status_code == 401, (method, path, answer.status_code)
        else:
            assert answer.status_code == 303, (method, path, answer.status_code)
            assert answer.headers["location"].startswith("/admin/sign-in?next=%2F"), path


def test_every_role_gets_exactly_what_its_rank_allows(
    web: TestClient, db: Session, settings: Any
) -> None:
    make_campaign(db, slug="authz")
    db.commit()
    accounts = {role: make_organiser(db, role.value) for role in Role}
    db.commit()
    signed = {role: sign_in(db, settings, organiser) for role, organiser in accounts.items()}
    for (method, path), minimum in sorted(MINIMUM_ROLE.items()):
        for role, organiser in accounts.items():
            if (method, path) == ("POST", "/admin/sign-out"):
                # Signing out ends the session: use a throwaway one.
                signed[role] = sign_in(db, settings, organiser)
            headers = signed[role].headers | {"X-CSRF-Token": signed[role].csrf}
            answer = web.request(method, _url(path), headers=headers)
            allowed = role.rank >= minimum.rank
            where = (method, path, role.value, answer.status_code)
            if allowed:
                assert answer.status_code not in {401, 403} and answer.status_code < 500, where
            else:
                assert answer.status_code == 403, where
            if (method, path) == ("POST", "/admin/sign-out"):
                signed[role] = sign_in(db, settings, organiser)


@pytest.mark.parametrize("path", ["/admin/campaigns", "/api/admin/officials"])
def test_an_expired_or_forged_cookie_counts_as_no_session(web: TestClient, path: str) -> None:
    answer = web.get(path, headers={"Cookie": "__Host-lettercast_session=forged"})
    assert answer.status_code == (401 if path.startswith("/api/") else 303)
