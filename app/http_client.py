"""The outgoing HTTP clients: one constructor, so every client gets the same transport choice."""

import httpx

from app.config import Settings


def make_http_client(
    settings: Settings, *, timeout: float, max_connections: int = 100
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` on the transport ``LETTERCAST_HTTP_TRANSPORT`` names.

    The aiohttp transport (the default) costs about a third of the CPU per request of httpx's
    own pool, which matters on the submission path (a geocoder call per new address) as much as
    in delivery.
    """
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    if settings.http_transport == "aiohttp":
        from httpx_aiohttp import AiohttpTransport

        transport: httpx.AsyncBaseTransport = AiohttpTransport(limits=limits)
    else:
        transport = httpx.AsyncHTTPTransport(limits=limits)
    return httpx.AsyncClient(transport=transport, timeout=timeout)
