"""Organiser accounts and signed-in requests for tests, without paying for Argon2 every time."""

import itertools
from dataclasses import dataclass

from sqlmodel import Session

from app.config import Settings
from app.csrf import issue_csrf_token
from app.organisers import service
from app.organisers.auth import CSRF_PURPOSE, session_cookie_name
from app.organisers.models import Organiser

PASSWORD = "correct horse battery staple"
# One real Argon2id hash, computed once: every test organiser shares this password.
PASSWORD_HASH = service.hash_password(PASSWORD)
_counter = itertools.count(1)


def make_organiser(session: Session, role: str = "editor", email: str | None = None) -> Organiser:
    organiser = Organiser(
        email=email or f"{role}{next(_counter)}@example.org",
        role=role,
        password_hash=PASSWORD_HASH,
    )
    session.add(organiser)
    session.flush()
    return organiser


@dataclass
class Signed:
    """A signed-in browser: send ``headers`` with a request, ``csrf`` in forms."""

    organiser: Organiser
    token: str
    headers: dict[str, str]
    csrf: str

    def form(self, **fields: str) -> dict[str, str]:
        return {"csrf_token": self.csrf, **fields}


def sign_in(session: Session, settings: Settings, organiser: Organiser) -> Signed:
    """A server-side session as the sign-in page would create it (commits)."""
    token = service.start_session(session, settings, organiser)
    session.commit()
    found = service.find_session(session, settings, token)
    assert found is not None
    csrf = issue_csrf_token(settings.resolved_secret_key(), CSRF_PURPOSE, found.row.token_hash)
    cookie = f"{session_cookie_name(settings)}={token}"
    return Signed(organiser, token, {"Cookie": cookie}, csrf)
