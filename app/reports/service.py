"""Who may pull which report, and the campaign a report is about.

Personal data policy (docs/reports.md): viewers see counts and the delivery columns that say
nothing about who wrote (city and state are kept for reports even after erasure). Editors and
admins may add supporters' names, contact details and the letter text, but only when they ask
(``include_personal=true``); every such download is written to the audit log. Packets, OSDI
messages and the consent list consist of personal data, so they need the editor role.
"""

from collections.abc import Sequence
from enum import StrEnum

from sqlmodel import Session, select

from app.campaigns.models import Campaign

PERSONAL_DATA_ROLES = frozenset({"editor", "admin"})


class ReportError(Exception):
    """A report cannot be made as asked: ``status_code``, the ``field`` at fault and why."""

    def __init__(self, status_code: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.field = field


def may_see_personal_data(role: str) -> bool:
    return role in PERSONAL_DATA_ROLES


def check_personal_data(role: str, include_personal: bool) -> None:
    """Refuses, rather than silently drops, personal data a viewer asked for."""
    if include_personal and not may_see_personal_data(role):
        raise ReportError(
            403,
            "Supporters' personal data is only for editors and admins; "
            "ask again without include_personal.",
            field="include_personal",
        )


def check_choices(field: str, values: Sequence[str], allowed: type[StrEnum]) -> list[str]:
    """A filter value that cannot match anything is a mistake to report, not an empty file."""
    known = {member.value for member in allowed}
    for value in values:
        if value not in known:
            raise ReportError(422, f"{value!r} is not one of: {', '.join(sorted(known))}", field)
    return list(values)


def campaign_by_slug(session: Session, slug: str) -> Campaign:
    campaign = session.exec(select(Campaign).where(Campaign.slug == slug)).first()
    if campaign is None:
        raise ReportError(404, f"No campaign called {slug!r}.", field="slug")
    return campaign
