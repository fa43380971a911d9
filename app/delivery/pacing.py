"""Pacing: rate limits per channel and per office, and each campaign's sending window.

Rates are enforced when jobs are claimed, against ``DeliveryPace`` rows that every worker shares,
so they hold however many worker processes run. Each bucket follows GCRA (the generic cell rate
algorithm): ``next_slot_at`` is when the bucket is next "empty"; a send is allowed while that is
at most ``burst - 1`` intervals ahead of now, and each send pushes it one interval further. A job
that may not go yet is left queued with ``next_attempt_at`` set to its bucket's next free slot.

A sending window (``campaign.settings["sending_window"]``), e.g.
``{"days": "mon-fri", "start": "09:00", "end": "17:00", "tz": "America/Los_Angeles"}``, keeps a
campaign's letters waiting outside office hours. An invalid window is logged and ignored, so a
typo never silently stops a campaign forever.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.config import Settings

log = logging.getLogger("lettercast.delivery")

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Rates:
    """Sends per minute per channel, and per office keyed by channel (or ``*``)."""

    channel: Mapping[str, float] = field(default_factory=dict)
    office: Mapping[str, float] = field(default_factory=dict)
    burst: int = 1

    @classmethod
    def from_settings(cls, settings: Settings) -> "Rates":
        return cls(
            channel=dict(settings.delivery_channel_rates),
            office=dict(settings.delivery_office_rates),
            burst=max(1, settings.delivery_rate_burst),
        )

    @property
    def active(self) -> bool:
        return bool(self.channel or self.office)

    def buckets(self, channel: str, office_key: str) -> list[tuple[str, float]]:
        """The (bucket key, seconds between sends) pairs a job on this channel and office uses."""
        found = []
        per_minute = self.channel.get(channel)
        if per_minute and per_minute > 0:
            found.append((f"channel:{channel}", 60.0 / per_minute))
        per_minute = self.office.get(channel, self.office.get("*"))
        if per_minute and per_minute > 0:
            found.append((f"office:{office_key}", 60.0 / per_minute))
        return found


def admit(
    slots: dict[str, datetime],
    buckets: list[tuple[str, float]],
    now: datetime,
    burst: int,
) -> datetime | None:
    """Take a slot in every bucket and return None, or return when the job may try again.

    ``slots`` maps bucket keys to their ``next_slot_at`` and is updated in place on admission.
    """
    earliest = now
    for key, interval in buckets:
        allowed_from = slots.get(key, now) - timedelta(seconds=interval * (burst - 1))
        earliest = max(earliest, allowed_from)
    if earliest > now:
        return earliest
    for key, interval in buckets:
        slots[key] = max(slots.get(key, now), now) + timedelta(seconds=interval)
    return None


@dataclass(frozen=True)
class SendingWindow:
    days: frozenset[int]  # 0 = Monday
    start: dtime
    end: dtime
    tz: ZoneInfo

    def next_open(self, now: datetime) -> datetime:
        """``now`` if the window is open, else the moment it next opens (in UTC)."""
        local = now.astimezone(self.tz)
        for offset in range(8):
            day = (local + timedelta(days=offset)).date()
            if day.weekday() not in self.days:
                continue
            opens = datetime.combine(day, self.start, tzinfo=self.tz)
            closes = datetime.combine(day, self.end, tzinfo=self.tz)
            if offset == 0 and opens <= local < closes:
                return now
            if local < opens:
                return opens.astimezone(UTC)
        return now  # unreachable with at least one day; never block for ever


def _parse_days(spec: Any) -> frozenset[int]:
    parts = spec if isinstance(spec, list) else str(spec).replace(" ", "").lower().split(",")
    days: set[int] = set()
    for part in parts:
        part = str(part).lower()[:7]
        if "-" in part:
            first, last = (DAY_NAMES.index(p[:3]) for p in part.split("-", 1))
            span = range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
            days.update(span)
        elif part:
            days.add(DAY_NAMES.index(part[:3]))
    if not days:
        raise ValueError("no days")
    return frozenset(days)


def parse_sending_window(spec: Mapping[str, Any] | None) -> SendingWindow | None:
    """The window described by a campaign setting; raises ValueError saying what is wrong."""
    if not spec:
        return None
    try:
        days = _parse_days(spec.get("days", "mon-sun"))
    except ValueError as error:
        raise ValueError(
            f"sending_window.days: use e.g. 'mon-fri' or 'mon,wed' ({error})"
        ) from None
    try:
        start = dtime.fromisoformat(str(spec.get("start", "00:00")))
        end = dtime.fromisoformat(str(spec.get("end", "23:59:59")))
    except ValueError:
        raise ValueError("sending_window.start/end: use HH:MM, e.g. '09:00'") from None
    if end <= start:
        raise ValueError("sending_window.end must be after start")
    try:
        tz = ZoneInfo(str(spec.get("tz", "UTC")))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"sending_window.tz: unknown time zone {spec.get('tz')!r}") from None
    return SendingWindow(days, start, end, tz)


def window_for(
    campaign_settings: Mapping[str, Any] | None, campaign_id: int
) -> SendingWindow | None:
    try:
        return parse_sending_window((campaign_settings or {}).get("sending_window"))
    except ValueError as error:
        log.warning("sending window ignored", extra={"campaign_id": campaign_id, "why": str(error)})
        return None


def next_send_time(
    campaign_settings: Mapping[str, Any] | None, campaign_id: int, when: datetime
) -> datetime:
    """The earliest moment at or after ``when`` that the campaign's sending window allows."""
    window = window_for(campaign_settings, campaign_id)
    return window.next_open(when) if window else when
