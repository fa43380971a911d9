"""Logs carry no personal data: a canary supporter goes through the running service, at DEBUG.

The service runs as a real process (``lettercast serve``), so everything it writes — our loggers,
uvicorn's, httpx's, warnings, tracebacks — lands in one captured stream, and the test's own HTTP
client logs stay out of it. The geocoder is a local stand-in; SJR 11 is loaded and the canary's
districts have officials, so the submission goes all the way to letters and delivery jobs.
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from app.config import PROJECT_ROOT
from app.db import make_engine
from app.letters.loader import load_campaign_directory
from app.migrations import upgrade_to_head
from tests.factories import make_office, make_official
from tests.representatives.census_stub import make_census_stub
from tests.servers import free_port, serve_asgi

CANARY = {
    "first_name": "Zzcanaryfirst",
    "last_name": "Qqcanarylast",
    "email": "canary.x7q2@example.org",
    "phone": "202-555-0147",
    "street": "4242 Canarystreet Ave",
    "street2": "Unit Canaryunit",
    "city": "Los Angeles",
    "zip": "90001",
    "note": "Canarynote about my family",
}
# Fragments that would show up in any encoding of the values (JSON, form, URL, lower case).
NEEDLES = ("zzcanaryfirst", "qqcanarylast", "canary.x7q2", "555-0147", "5550147",
           "canarystreet", "canaryunit", "canarynote")  # fmt: skip


def seed_database(url: str) -> None:
    upgrade_to_head(url)
    engine = make_engine(url)
    with Session(engine) as session:
        load_campaign_directory(session, PROJECT_ROOT / "letter_templates" / "sjr-11")
        for key, kind, title in [
            ("us_house:CA-30", "us_house", "Representative"),
            ("us_senate:CA:1", "us_senate", "Senator"),
            ("us_senate:CA:3", "us_senate", "Senator"),
            ("state_upper:CA-25", "state_upper", "Senator"),
            ("state_lower:CA-44", "state_lower", "Assemblymember"),
        ]:
            office = make_office(session, key=key, kind=kind, district=key.split(":")[-1][-2:])
            make_official(session, office, title=title)
        session.commit()
    engine.dispose()


@pytest.fixture
def service_logs(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    url = f"sqlite:///{tmp_path / 'canary.db'}"
    seed_database(url)
    log_path = tmp_path / "service.log"
    port = free_port()
    with serve_asgi(make_census_stub()) as geocoder, log_path.open("wb") as log:
        env = os.environ | {
            "LETTERCAST_DATABASE_URL": url,
            "LETTERCAST_LOG_LEVEL": "DEBUG",
            "LETTERCAST_CENSUS_GEOCODER_URL": geocoder,
            "LETTERCAST_SECRET_KEY": "canary-test-secret",
            "PYTHONWARNINGS": "default",
        }
        lettercast = str(Path(sys.executable).parent / "lettercast")
        process = subprocess.Popen(
            [lettercast, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{base}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.1)
            yield base, log_path
        finally:
            process.terminate()
            process.wait(timeout=15)


def test_a_canary_supporter_leaves_no_trace_in_the_logs(service_logs: tuple[str, Path]) -> None:
    base, log_path = service_logs
    address = f"{CANARY['street']}, {CANARY['city']}, CA {CANARY['zip']}"
    submission = {
        "prefix": "Mx.",
        "first_name": CANARY["first_name"],
        "last_name": CANARY["last_name"],
        "email": CANARY["email"],
        "phone": CANARY["phone"],
        "address": {
            "street": CANARY["street"],
            "street2": CANARY["street2"],
            "city": CANARY["city"],
            "state": "CA",
            "zip": CANARY["zip"],
        },
        "personal_note": CANARY["note"],
        "consent": True,
    }
    form = {
        "first_name": CANARY["first_name"],
        "last_name": CANARY["last_name"],
        "email": CANARY["email"],
        "street": CANARY["street"],
        "city": CANARY["city"],
        "state": "CA",
        "zip": CANARY["zip"],
        "personal_note": CANARY["note"],
    }
    statuses = []
    with httpx.Client(base_url=base, timeout=30) as http:
        statuses.append(http.get("/api/representatives", params={"address": address}).status_code)
        statuses.append(
            http.get(
                "/api/representatives", params={"address": address, "campaign": "sjr-11"}
            ).status_code
        )
        preview = http.post("/api/campaigns/sjr-11/submissions/preview", json=submission)
        created = http.post("/api/campaigns/sjr-11/submissions", json=submission)
        statuses += [preview.status_code, created.status_code]
        if created.status_code in (200, 201):
            statuses.append(http.get(f"/api/submissions/{created.json()['token']}").status_code)
        bad = submission | {"email": f"not-an-email {CANARY['email']}"}
        statuses.append(http.post("/api/campaigns/sjr-11/submissions", json=bad).status_code)
        for path in ("/c/sjr-11/review", "/c/sjr-11/send"):
            statuses.append(http.post(path, data=form).status_code)
        time.sleep(1.5)  # let the in-process delivery worker pick up the letters
    logs = log_path.read_text(errors="replace")
    assert "lettercast.access" in logs, "the service's logs were not captured"
    assert '"level": "debug"' in logs or "DEBUG" in logs, "logging did not run at DEBUG"
    found = [needle for needle in NEEDLES if needle in logs.lower()]
    assert not found, f"personal data in the logs: {found}\n{logs[-3000:]}"
    assert 500 not in statuses, statuses
