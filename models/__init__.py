"""Peewee models behind one database proxy, bound by the app factory or the CLI."""

from .api_key import ApiKey
from .base import db, new_id, open_database, utcnow, write_transaction
from .booking import ACTIVE_STATUSES, Booking, BookingEvent, BookingHost
from .contact import Contact, ContactGroup, ContactGroupMember
from .email import EmailMessage
from .event_type import EventType, EventTypeHost
from .idempotency import IdempotencyRecord
from .invoice import INVOICE_STATUSES, UNPAID_STATUSES, Invoice, InvoiceSequence, Transaction
from .location import Location
from .organization import PLANS, ROLES, Organization, User
from .prepared import Prepared
from .schedule import Schedule
from .tax import Tax
from .webhook import DomainEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .widget_key import WidgetKey
from .workflow import Workflow, WorkflowRun

ALL_MODELS = (
    Organization,
    User,
    ApiKey,
    Schedule,
    Location,
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
    Workflow,
    WorkflowRun,
    Tax,
    InvoiceSequence,
    Invoice,
    Transaction,
    EventTypeHost,
    BookingHost,
)

__all__ = [
    "ACTIVE_STATUSES",
    "ALL_MODELS",
    "INVOICE_STATUSES",
    "PLANS",
    "ROLES",
    "UNPAID_STATUSES",
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
    "Invoice",
    "InvoiceSequence",
    "Location",
    "Organization",
    "Prepared",
    "Schedule",
    "Tax",
    "Transaction",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WidgetKey",
    "Workflow",
    "WorkflowRun",
    "db",
    "new_id",
    "open_database",
    "utcnow",
    "write_transaction",
]
