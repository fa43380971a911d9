"""Every table model, imported in one place for Alembic and SQLModel's metadata. Defines nothing."""

from app.campaigns.models import Campaign, TemplateVersion
from app.changes import TableChange
from app.delivery.models import Delivery, DeliveryPace
from app.letters.models import Letter
from app.notifications.models import EmailConfirmation, Notification
from app.organisers.models import AuditEvent, Organiser, OrganiserSession, SignInAttempt
from app.representatives.models import DistrictLookupCache, Office, Official, ZipDistrict
from app.submissions.models import IdempotencyRecord, RateLimitBucket
from app.supporters.models import Consent, Supporter

__all__ = [
    "AuditEvent",
    "Campaign",
    "Consent",
    "Delivery",
    "DeliveryPace",
    "DistrictLookupCache",
    "EmailConfirmation",
    "IdempotencyRecord",
    "Letter",
    "Notification",
    "Office",
    "Official",
    "Organiser",
    "OrganiserSession",
    "RateLimitBucket",
    "SignInAttempt",
    "Supporter",
    "TableChange",
    "TemplateVersion",
    "ZipDistrict",
]
