"""A slow geocoder holds up only the submissions waiting for it, not the rest of the service."""

import threading
import time

import httpx
import pytest
from sqlalchemy.engine import Engine

from app.config import Settings
from app.main import create_app
from tests.servers import serve_asgi
from tests.submissions.conftest import World, submission
from tests.submissions.geocoder import StandInGeocoder
from tests.submissions.test_submit import url

WAITING = 45  # more than the 40 threads of the default pool that serves sync routes


def test_submissions_waiting_on_a_slow_geocoder_do_not_starve_other_requests(
    settings: Settings,
    world: World,
    committed_engine: Engine,
    geocoder: tuple[StandInGeocoder, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stand_in, _ = geocoder
    # Slow enough that the first submissions are still waiting when the last one reaches the
    # geocoder: on a busy 2-core machine, starting 45 requests can take over a second.
    monkeypatch.setattr(stand_in, "slow_seconds", 5.0)
    marker = f"Slow Marker{time.monotonic_ns()}"
    # Neither the rate limit nor load shedding may turn any of the waiting submissions away.
    unlimited = settings.model_copy(
        update={"rate_limit_ip": 10_000, "max_requests_in_flight": 4 * WAITING}
    )
    finished: list[str] = []
    with serve_asgi(create_app(unlimited)) as base:

        def slow_submission(n: int) -> None:
            body = submission(
                n=100 + n % 4,
                email=f"waiting{n}@example.org",
                address=submission()["address"] | {"street": f"{100 + n % 4} {marker} Rd"},
            )
            httpx.post(base + url(world), json=body, timeout=60)
            finished.append("submission")

        threads = [threading.Thread(target=slow_submission, args=(n,)) for n in range(WAITING)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while sum(marker in r.get("address", "") for r in stand_in.requests) < WAITING:
            assert time.monotonic() < deadline, (
                "fewer submissions than expected could wait on the geocoder at once"
            )
            time.sleep(0.01)
        # Every submission now waits on the geocoder; a sync route still gets a thread at once.
        status = httpx.get(base + "/api/submissions/" + "x" * 43, timeout=60).status_code
        finished.append("status page")
        for thread in threads:
            thread.join()

    assert status == 404
    assert finished[0] == "status page"
    assert finished.count("submission") == WAITING
