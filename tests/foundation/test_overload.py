"""Past its bound on requests in flight, a process answers 503 with Retry-After."""

import asyncio

import httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from app.overload import LoadShedder


def _slow_app(release: asyncio.Event) -> Starlette:
    async def slow(_request):  # type: ignore[no-untyped-def]
        await release.wait()
        return PlainTextResponse("done")

    async def health(_request):  # type: ignore[no-untyped-def]
        return PlainTextResponse("ok")

    return Starlette(
        routes=[Route("/slow", slow), Route("/api/slow", slow), Route("/healthz", health)]
    )


def test_requests_past_the_bound_are_shed_with_retry_after() -> None:
    async def scenario() -> tuple[list[int], httpx.Response, httpx.Response]:
        release = asyncio.Event()
        app = LoadShedder(_slow_app(release), max_in_flight=2, retry_after_s=3)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            held = [asyncio.create_task(client.get("/api/slow")) for _ in range(2)]
            await asyncio.sleep(0.05)
            shed = await client.get("/api/slow")
            health = await client.get("/healthz")
            release.set()
            statuses = [(await task).status_code for task in held]
        return statuses, shed, health

    statuses, shed, health = asyncio.run(scenario())
    assert statuses == [200, 200]
    assert shed.status_code == 503
    assert shed.headers["retry-after"] == "3"
    assert shed.json()["error"]["code"] == "overloaded"
    assert health.status_code == 200


def test_a_person_on_a_page_gets_a_page_that_retries_by_itself() -> None:
    async def scenario() -> httpx.Response:
        release = asyncio.Event()
        app = LoadShedder(_slow_app(release), max_in_flight=1, retry_after_s=2)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            held = asyncio.create_task(client.get("/slow"))
            await asyncio.sleep(0.05)
            shed = await client.get("/c/sjr-11")
            release.set()
            await held
        return shed

    shed = asyncio.run(scenario())
    assert shed.status_code == 503
    assert shed.headers["content-type"].startswith("text/html")
    assert '<meta http-equiv="refresh" content="2">' in shed.text
