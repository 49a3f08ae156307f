"""Peewee models behind one database proxy, bound by the app factory or the CLI."""

from .api_key import ApiKey
from .base import db, new_id, open_database, utcnow, write_transaction
from .booking import ACTIVE_STATUSES, Booking, BookingEvent, BookingHost
from .contact import Contact, ContactGroup, ContactGroupMember
from .email import EmailMessage
from .event_type import EventType, EventTypeHost
from .idempotency import IdempotencyRecord
from .organization import PLANS, ROLES, Organization, User
from .schedule import Schedule
from .webhook import DomainEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .widget_key import WidgetKey

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
    ContactGroup,
    ContactGroupMember,
    DomainEvent,
    WebhookEndpoint,
    WebhookDelivery,
    WebhookAttempt,
    EmailMessage,
    WidgetKey,
    EventTypeHost,
    BookingHost,
)

__all__ = [
    "ACTIVE_STATUSES",
    "ALL_MODELS",
    "PLANS",
    "ROLES",
    "ApiKey",
    "Booking",
    "BookingEvent",
    "BookingHost",
    "Contact",
    "ContactGroup",
    "ContactGroupMember",
    "DomainEvent",
    "EmailMessage",
    "EventType",
    "EventTypeHost",
    "IdempotencyRecord",
    "Organization",
    "Schedule",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WidgetKey",
    "db",
    "new_id",
    "open_database",
    "utcnow",
    "write_transaction",
]
