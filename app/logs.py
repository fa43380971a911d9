"""Structured logging, one JSON object per line, with no personal data.

What keeps personal data out: we never log request bodies or query strings (an address or an
e-mail can sit in either), uvicorn's own access log is replaced by ``access_log_middleware``
below, which logs the route *template* (``/api/submissions/{token}``), not the concrete path.
Code that logs must pass ids, never names, e-mails or addresses.
"""

import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

_STANDARD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's access log prints the raw path and query string, which can carry an address.
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("uvicorn.access").propagate = False
    # httpx logs every request's full URL at INFO; the geocoder's URL carries the address.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


access_logger = logging.getLogger("lettercast.access")


async def access_log_middleware(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    started = time.perf_counter()
    response = await call_next(request)
    elapsed = time.perf_counter() - started
    route = getattr(request.scope.get("route"), "path", "<unmatched>")
    access_logger.info(
        "request",
        extra={
            "method": request.method,
            "route": route,
            "status": response.status_code,
            "ms": round(elapsed * 1000, 2),
        },
    )
    metrics = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        metrics.request_seconds.labels(request.method, route, str(response.status_code)).observe(
            elapsed
        )
    return response
