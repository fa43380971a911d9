"""The FastAPI application: ``create_app(settings)`` wires the engine, HTTP client and routers."""

from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.routing import BaseRoute

from app import logs
from app.config import Settings, get_settings
from app.db import make_engine
from app.http_client import make_http_client
from app.metrics import CONTENT_TYPE, AppMetrics
from app.migrations import is_at_head, upgrade_to_head
from app.overload import LoadShedder, RequestsInFlight

DESCRIPTION = """
Lettercast pairs supporters with their own representatives and delivers the letters they write.

* **Supporters** submit through `/api/campaigns/{slug}/submissions` and follow their letters at
  `/api/submissions/{token}`.
* **Representatives** are looked up at `/api/representatives`.
* **Organisers** sign in to manage campaigns, templates and deliveries.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    logs.configure_logging(settings.log_level, settings.log_format)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.should_migrate_on_start:
            upgrade_to_head(settings.database_url)
        app.state.engine = make_engine(
            settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout_s=settings.db_pool_timeout_s,
        )
        app.state.metrics.engine_getter.engine = app.state.engine
        app.state.http = make_http_client(settings, timeout=settings.lookup_timeout_s)
        stop_worker = None
        if settings.run_worker_in_process:
            from app.delivery.worker import start_in_process
            from app.notifications.outbox import start_in_process as start_outbox

            # Deliveries give way while people wait on a page: a burst of supporters is answered
            # first and its letters go out as soon as it thins (see Worker's yield_to).
            stop_worker = start_in_process(
                app.state.engine, settings, yield_to=app.state.requests_in_flight
            )
            stop_outbox = start_outbox(app.state.engine, settings)  # supporters' own e-mails
        try:
            yield
        finally:
            if stop_worker is not None:
                await stop_worker()
                await stop_outbox()
            await app.state.http.aclose()
            app.state.engine.dispose()

    app = FastAPI(
        title="Lettercast",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = AppMetrics()
    app.add_middleware(logs.AccessLog)
    # Added last so it runs first: a shed request costs almost nothing.
    app.state.requests_in_flight = RequestsInFlight()
    app.add_middleware(
        LoadShedder,
        max_in_flight=settings.max_requests_in_flight,
        in_flight=app.state.requests_in_flight,
    )

    @app.get("/healthz", tags=["operations"], summary="The process is up")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="The database answers and its schema is at the latest migration",
        responses={503: {"description": "Not ready: the reason is in `detail`"}},
    )
    def readyz() -> JSONResponse:
        engine = app.state.engine
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            at_head = is_at_head(engine)
        except Exception as error:  # the database is unreachable: say so, do not crash
            return JSONResponse({"status": "unavailable", "detail": type(error).__name__}, 503)
        if not at_head:
            return JSONResponse({"status": "unavailable", "detail": "migrations pending"}, 503)
        return JSONResponse({"status": "ready"})

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics: request latency, delivery queue, lookup cache",
        response_class=Response,
    )
    def metrics() -> Response:
        return Response(app.state.metrics.render(), media_type=CONTENT_TYPE)

    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(PoolTimeout, _database_unavailable)

    for router in _routers():
        app.include_router(router)
    _document_shared_responses(app)
    return app


async def _database_unavailable(request: Request, _error: Exception) -> Response:
    """The database is restarting or every pooled connection is busy: a retryable 503, not 500."""
    message = "The service cannot reach its database right now; please try again shortly."
    headers = {"Retry-After": "5"}
    if request.url.path.startswith("/api/"):
        body = {"error": {"code": "storage_unavailable", "message": message}}
        return JSONResponse(body, status_code=503, headers=headers)
    return HTMLResponse(f"<!doctype html><title>Try again</title><p>{message}</p>", 503, headers)


def _document_shared_responses(app: FastAPI) -> None:
    """Answers that come from shared machinery rather than a route's own code, in OpenAPI."""
    for route in _api_routes(app.routes):
        if route.body_field is not None:
            # FastAPI refuses a body it cannot decode before any of our code runs.
            route.responses.setdefault(
                400, {"description": "The request body could not be decoded (not UTF-8 or JSON)."}
            )
        if route.path.startswith("/api/admin/"):
            route.responses.setdefault(401, {"description": "Not signed in as an organiser."})
            route.responses.setdefault(
                403,
                {
                    "description": "The organiser's role may not do this, or (on a change) the "
                    "X-CSRF-Token header is missing or not this session's."
                },
            )
        if "{slug}" in route.path:
            route.responses.setdefault(404, {"description": "No campaign has this slug."})


def _api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """Every APIRoute, including those behind FastAPI's lazily included routers."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _api_routes(included.routes)


def _routers() -> list[APIRouter]:
    """Each domain's HTTP edge. Imported here, late, so that domains never import the app."""
    from app.admin.router import router as admin
    from app.campaigns.router import router as campaigns
    from app.delivery.router import router as delivery
    from app.notifications.router import router as notifications
    from app.organisers.router import router as organisers
    from app.reports.router import router as reports
    from app.representatives.router import router as representatives
    from app.submissions.router import router as submissions
    from app.supporters.router import router as supporters
    from app.web.router import router as web

    return [
        campaigns,
        representatives,
        submissions,
        supporters,
        delivery,
        notifications,
        organisers,
        reports,
        admin,
        web,
    ]
