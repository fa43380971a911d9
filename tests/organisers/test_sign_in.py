"""Signing in: Argon2id, the session cookie, timeouts, throttling, sign-out."""

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.config import Settings
from app.db import utcnow
from app.organisers import service
from app.organisers.models import OrganiserSession, SignInAttempt
from tests.organisers.accounts import PASSWORD, Signed, make_organiser, sign_in


def _sign_in_form(web: TestClient, next_path: str = "/admin/campaigns") -> dict[str, str]:
    page = web.get(f"/admin/sign-in?next={next_path}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    return {"csrf_token": token.group(1), "next": next_path}


def test_signing_in_sets_a_secure_host_cookie_and_returns_to_the_page_asked_for(
    web: TestClient, db: Session
) -> None:
    organiser = make_organiser(db, "editor", email="ed@example.org")
    db.commit()
    form = _sign_in_form(web, "/admin/campaigns/new")
    answer = web.post(
        "/admin/sign-in", data=form | {"email": "ED@example.org", "password": PASSWORD}
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/campaigns/new"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("__Host-lettercast_session=")
    for attribute in ("Secure", "HttpOnly", "Path=/", "SameSite=strict"):
        assert attribute.lower() in cookie.lower()
    assert "domain" not in cookie.lower()
    assert web.get("/admin/campaigns/new").status_code == 200  # the client kept the cookie
    stored = db.exec(select(OrganiserSession)).one()
    token = cookie.split(";")[0].split("=", 1)[1]
    assert stored.token_hash != token and stored.organiser_id == organiser.id


def test_a_wrong_password_is_refused_with_the_email_kept(web: TestClient, db: Session) -> None:
    make_organiser(db, "viewer", email="vi@example.org")
    db.commit()
    form = _sign_in_form(web)
    answer = web.post("/admin/sign-in", data=form | {"email": "vi@example.org", "password": "no"})
    assert answer.status_code == 400
    assert "do not match an active account" in answer.text
    assert 'value="vi@example.org"' in answer.text
    assert "set-cookie" not in answer.headers


def test_sign_in_never_redirects_off_site(web: TestClient, db: Session) -> None:
    make_organiser(db, "viewer", email="off@example.org")
    db.commit()
    form = _sign_in_form(web, "//evil.example/phish")
    answer = web.post(
        "/admin/sign-in", data=form | {"email": "off@example.org", "password": PASSWORD}
    )
    assert answer.headers["location"] == "/admin/campaigns"


def test_too_many_failures_lock_the_account_even_with_the_right_password(
    web: TestClient, db: Session, settings: Settings
) -> None:
    make_organiser(db, "admin", email="target@example.org")
    # Earlier failures, recorded as the sign-in page records them (without paying Argon2 here).
    for n in range(settings.signin_max_failures_per_account):
        db.add(SignInAttempt(email="target@example.org", ip=f"192.0.2.{n}", succeeded=False))
    db.commit()
    form = _sign_in_form(web)
    answer = web.post(
        "/admin/sign-in", data=form | {"email": "target@example.org", "password": PASSWORD}
    )
    assert answer.status_code == 429 and "Too many sign-in attempts" in answer.text
    assert "set-cookie" not in answer.headers
    attempts = db.exec(select(SignInAttempt).where(SignInAttempt.email == "target@example.org"))
    assert not any(a.succeeded for a in attempts)


def test_the_account_limit_counts_only_failures_since_the_last_success(
    db: Session, settings: Settings
) -> None:
    make_organiser(db, "viewer", email="again@example.org")
    earlier = utcnow() - timedelta(minutes=5)
    for _ in range(settings.signin_max_failures_per_account):
        db.add(SignInAttempt(email="again@example.org", ip="x", created_at=earlier))
    db.add(SignInAttempt(email="again@example.org", ip="x", succeeded=True))
    assert service.authenticate(db, settings, "again@example.org", PASSWORD, "198.51.100.7")


def test_many_failures_from_one_address_are_throttled_across_accounts(
    db: Session, settings: Settings
) -> None:
    make_organiser(db, "viewer", email="real@example.org")
    for n in range(settings.signin_max_failures_per_ip):
        db.add(SignInAttempt(email=f"guess{n}@example.org", ip="203.0.113.9"))
    try:
        service.authenticate(db, settings, "real@example.org", PASSWORD, "203.0.113.9")
        raise AssertionError("expected throttling")
    except service.SignInRefused as refused:
        assert refused.throttled
    assert service.authenticate(db, settings, "real@example.org", PASSWORD, "198.51.100.1")


def test_an_idle_session_ends_and_so_does_one_past_its_absolute_limit(
    web: TestClient, db: Session, settings: Settings
) -> None:
    organiser = make_organiser(db, "viewer")
    idle, old = sign_in(db, settings, organiser), sign_in(db, settings, organiser)
    rows = {r.organiser_id and r.id: r for r in db.exec(select(OrganiserSession))}
    first, second = sorted(rows.values(), key=lambda r: r.id or 0)
    first.last_seen_at = utcnow() - timedelta(minutes=settings.organiser_idle_timeout_minutes + 1)
    second.expires_at = utcnow() - timedelta(seconds=1)
    db.add_all([first, second])
    db.commit()
    for signed in (idle, old):
        answer = web.get("/admin/campaigns", headers=signed.headers)
        assert answer.status_code == 303 and "/admin/sign-in" in answer.headers["location"]
    db.expire_all()
    assert db.exec(select(OrganiserSession)).all() == []


def test_signing_out_ends_the_session_on_the_server(
    web: TestClient, db: Session, settings: Settings
) -> None:
    signed: Signed = sign_in(db, settings, make_organiser(db, "viewer"))
    answer = web.post("/admin/sign-out", data=signed.form(), headers=signed.headers)
    assert answer.status_code == 303
    assert web.get("/admin/campaigns", headers=signed.headers).status_code == 303
    assert web.get("/api/admin/officials", headers=signed.headers).status_code == 401


def test_insecure_cookies_setting_drops_secure_and_the_host_prefix_for_local_http(
    settings: Settings, db: Session
) -> None:
    from app.main import create_app

    make_organiser(db, "viewer", email="local@example.org")
    db.commit()
    local = settings.model_copy(update={"insecure_cookies": True})
    with TestClient(create_app(local), follow_redirects=False) as web:
        form = _sign_in_form(web)
        answer = web.post(
            "/admin/sign-in", data=form | {"email": "local@example.org", "password": PASSWORD}
        )
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith("lettercast_session=") and "secure" not in cookie.lower()
        assert web.get("/admin/campaigns").status_code == 200


def test_old_attempts_and_expired_sessions_are_pruned(db: Session, settings: Settings) -> None:
    organiser = make_organiser(db, "viewer", email="prune@example.org")
    long_ago = utcnow() - timedelta(days=3)
    db.add(SignInAttempt(email="someone@example.org", ip="x", created_at=long_ago))
    db.add(
        OrganiserSession(
            token_hash="0" * 64, organiser_id=organiser.id, created_at=long_ago,
            last_seen_at=long_ago, expires_at=long_ago + timedelta(hours=12),
        )
    )  # fmt: skip
    db.flush()
    service.authenticate(db, settings, "prune@example.org", PASSWORD, "198.51.100.2")
    service.start_session(db, settings, organiser)
    assert [a.email for a in db.exec(select(SignInAttempt))] == ["prune@example.org"]
    assert [s.token_hash for s in db.exec(select(OrganiserSession))] != ["0" * 64]
    assert len(db.exec(select(OrganiserSession)).all()) == 1
