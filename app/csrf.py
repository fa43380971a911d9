"""Anti-forgery tokens for HTML forms.

Tokens are signed (HMAC-SHA256) and carry their issue time, so they need no cookie: the
embedded supporter form keeps working where browsers block third-party cookies. Organiser
forms bind the token to the signed-in session id, so a token lifted from one session is
worthless in another.
"""

import hashlib
import hmac
import secrets
import time

DEFAULT_MAX_AGE_S = 4 * 3600


def issue_csrf_token(secret: str, purpose: str, binding: str = "") -> str:
    issued = str(int(time.time()))
    nonce = secrets.token_urlsafe(9)
    return f"{issued}.{nonce}.{_sign(secret, purpose, binding, issued, nonce)}"


def verify_csrf_token(
    secret: str,
    token: str | None,
    purpose: str,
    binding: str = "",
    max_age_s: int = DEFAULT_MAX_AGE_S,
) -> bool:
    if not token or token.count(".") != 2:
        return False
    issued, nonce, signature = token.split(".")
    if not issued.isdigit() or time.time() - int(issued) > max_age_s:
        return False
    return hmac.compare_digest(signature, _sign(secret, purpose, binding, issued, nonce))


def _sign(secret: str, purpose: str, binding: str, issued: str, nonce: str) -> str:
    message = "\x1f".join((purpose, binding, issued, nonce)).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
