"""The ``hold`` channel: letters kept for hand delivery or print; nothing goes over the wire."""

import httpx

from app.config import Settings
from app.delivery.channels import Envelope, Outcome, Retry


class HoldChannel:
    """Jobs on ``hold`` are created with status ``held`` and never claimed by a worker.

    ``send`` exists only to satisfy the protocol: if a held job were ever claimed it must not
    be marked sent, so it asks to be tried again much later.
    """

    name = "hold"

    def __init__(self, client: httpx.AsyncClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings

    async def send(self, envelope: Envelope) -> Outcome:
        return Retry("held for hand delivery", after=24 * 3600)
