"""Peewee models behind one database proxy, bound by the app factory or the CLI."""

from .api_key import ApiKey
from .base import db, new_id, open_database, utcnow, write_transaction
from .booking import ACTIVE_STATUSES, Booking, BookingEvent
from .contact import Contact
from .event_type import EventType
from .idempotency import IdempotencyRecord
from .organization import PLANS, ROLES, Organization, User
from .schedule import Schedule

ALL_MODELS = (
    Organization,
    User,
    ApiKey,
    Schedule,
    EventType,
    Contact,
    Booking,
    BookingEvent,
    IdempotencyRecord,
)

__all__ = [
    "ACTIVE_STATUSES",
    "ALL_MODELS",
    "PLANS",
    "ROLES",
    "ApiKey",
    "Booking",
    "BookingEvent",
    "Contact",
    "EventType",
    "IdempotencyRecord",
    "Organization",
    "Schedule",
    "User",
    "db",
    "new_id",
    "open_database",
    "utcnow",
    "write_transaction",
]
