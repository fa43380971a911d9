"""Rate limits per client address and per e-mail: 429 with Retry-After, across processes."""

import gc
import multiprocessing
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.config import Settings
from app.main import create_app
from app.submissions.ratelimit import client_address, retry_after
from app.supporters.models import Supporter
from tests.servers import _ThreadedServer, free_port
from tests.submissions.conftest import World, submission
from tests.submissions.test_submit import count, url


def test_retry_after_is_zero_while_under_the_limit_and_counts_down_the_window() -> None:
    assert retry_after(count=3, previous=0, limit=3, window_s=60, elapsed=10) == 0
    # Over in the current window: wait for it to end, then for its weight to fade enough.
    assert 50 <= retry_after(count=4, previous=0, limit=3, window_s=60, elapsed=10) <= 80
    # The previous window's full count still weighs on the start of this one.
    assert 0 < retry_after(count=1, previous=10, limit=5, window_s=60, elapsed=0) <= 60


def test_forwarded_for_is_believed_only_from_trusted_proxies() -> None:
    trusting = Settings(trusted_proxies="10.0.0.0/8, 127.0.0.1")
    nobody = Settings(trusted_proxies="")
    chain = "203.0.113.7, 10.1.2.3"  # client, then an inner proxy

    assert client_address("127.0.0.1", chain, trusting) == "203.0.113.7"
    assert client_address("127.0.0.1", chain, nobody) == "127.0.0.1"
    assert client_address("198.51.100.9", chain, trusting) == "198.51.100.9"
    assert client_address("127.0.0.1", "not-an-ip", trusting) == "127.0.0.1"
    assert client_address("127.0.0.1", None, trusting) == "127.0.0.1"


def numbered(n: int, **overrides: object) -> dict:
    return submission(n=100 + n % 4, email=f"writer{n}@example.org", **overrides)


def test_one_email_over_its_limit_is_429_with_retry_after(
    settings: Settings, world: World, committed_engine: Engine
) -> None:
    limited = settings.model_copy(update={"rate_limit_email": 2})
    with TestClient(create_app(limited)) as api:
        answers = [api.post(url(world), json=submission()).status_code for _ in range(3)]
        refused = api.post(url(world), json=submission())

    assert answers == [201, 200, 429]
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 2 * 3600
    assert count(committed_engine, Supporter) == 1


def test_clients_behind_a_trusted_proxy_are_limited_one_by_one(
    settings: Settings, world: World, committed_engine: Engine
) -> None:
    behind_proxy = settings.model_copy(update={"rate_limit_ip": 2, "trusted_proxies": "127.0.0.1"})
    with serve_as_deployed(create_app(behind_proxy)) as base:

        def post(n: int, client: str) -> int:
            headers = {"X-Forwarded-For": client}
            return httpx.post(base + url(world), json=numbered(n), headers=headers).status_code

        first = [post(n, "203.0.113.7") for n in range(3)]
        other = [post(n, "198.51.100.9") for n in range(3, 5)]

    assert first == [201, 201, 429]
    assert other == [201, 201]


def test_a_forged_forwarded_for_from_an_untrusted_peer_is_ignored(
    settings: Settings, world: World
) -> None:
    direct = settings.model_copy(update={"rate_limit_ip": 2})
    with serve_as_deployed(create_app(direct)) as base:
        codes = [
            httpx.post(
                base + url(world), json=numbered(n), headers={"X-Forwarded-For": f"192.0.2.{n}"}
            ).status_code
            for n in range(3)
        ]
    assert codes == [201, 201, 429]


@contextmanager
def serve_as_deployed(app: object) -> Iterator[str]:
    """Like ``serve_asgi`` but with uvicorn's own X-Forwarded-For handling off, as
    ``lettercast serve`` runs it: client addresses are then Lettercast's decision alone."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, proxy_headers=False)
    server = _ThreadedServer(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _serve(settings: Settings, port: int) -> None:
    app = create_app(settings)
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, proxy_headers=False)


@contextmanager
def api_process(settings: Settings) -> Iterator[str]:
    """A separate API process (forked: its own memory, engine and event loop, like a second
    `lettercast serve`, without paying for Python's start-up and imports again)."""
    port = free_port()
    create_app(settings)  # every domain's routes imported here once, not again in each child
    process = multiprocessing.get_context("fork").Process(target=_serve, args=(settings, port))
    gc.freeze()  # the child's collector then leaves the parent's pages alone (no copy-on-write)
    try:
        process.start()
    finally:
        gc.unfreeze()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.join(timeout=10)


def wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{base} did not start")


def test_the_limit_holds_across_two_api_processes(
    settings: Settings, world: World, committed_engine: Engine
) -> None:
    shared = settings.model_copy(update={"rate_limit_ip": 3})
    with api_process(shared) as one, api_process(shared) as two:
        wait_until_up(one)
        wait_until_up(two)
        codes = [
            httpx.post((one, two)[n % 2] + url(world), json=numbered(n), timeout=30).status_code
            for n in range(6)
        ]

    assert codes == [201, 201, 201, 429, 429, 429]
    assert count(committed_engine, Supporter) == 3


def test_limits_can_be_kept_in_redis(settings: Settings, world: World) -> None:
    redis_url = os.environ.get("LETTERCAST_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    import redis

    try:
        redis.Redis.from_url(redis_url).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis answers at {redis_url}")
    in_redis = settings.model_copy(
        update={
            "redis_url": redis_url,
            "rate_limit_ip": 2,
            "secret_key": f"redis-test-{uuid.uuid4()}",  # fresh counters for this run
        }
    )
    with TestClient(create_app(in_redis)) as api:
        codes = [api.post(url(world), json=numbered(n)).status_code for n in range(3)]
    assert codes == [201, 201, 429]
