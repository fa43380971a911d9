from app.csrf import issue_csrf_token, verify_csrf_token


def test_a_token_verifies_for_its_purpose_and_binding_only() -> None:
    token = issue_csrf_token("s3cret", "submit", binding="session-a")
    assert verify_csrf_token("s3cret", token, "submit", binding="session-a")
    assert not verify_csrf_token("s3cret", token, "submit", binding="session-b")
    assert not verify_csrf_token("s3cret", token, "delete", binding="session-a")
    assert not verify_csrf_token("other", token, "submit", binding="session-a")


def test_tampered_missing_and_expired_tokens_are_refused() -> None:
    token = issue_csrf_token("s3cret", "submit")
    issued, nonce, signature = token.split(".")
    assert not verify_csrf_token("s3cret", f"{int(issued) + 1}.{nonce}.{signature}", "submit")
    assert not verify_csrf_token("s3cret", None, "submit")
    assert not verify_csrf_token("s3cret", "garbage", "submit")
    assert not verify_csrf_token("s3cret", token, "submit", max_age_s=-1)
