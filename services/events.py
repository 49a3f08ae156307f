"""Domain events: written with the change that caused them, then fanned out.

``emit`` stores the event in the caller's transaction, so a rolled-back booking fires
nothing; once committed, ``dispatch`` turns it into one delivery per subscribed webhook
endpoint and, for booking events, the e-mails to invitee and host. A booking event also
plans (or drops) the booking's workflow runs, in the same transaction.
"""

from datetime import datetime

from models import (
    Booking,
    Contact,
    DomainEvent,
    WebhookDelivery,
    WebhookEndpoint,
    write_transaction,
)

from . import work
from .schemas.bookings import BookingSchema
from .schemas.contacts import ContactSchema
from .workflows import planning

BOOKING_SCHEMA = BookingSchema()
CONTACT_SCHEMA = ContactSchema()

BOOKING_EVENTS = (
    "booking.created",
    "booking.confirmed",
    "booking.declined",
    "booking.cancelled",
    "booking.rescheduled",
)
CONTACT_EVENTS = ("contact.created", "contact.updated", "contact.deleted")
WORKFLOW_TRIGGERED = "workflow.triggered"
EVENT_TYPES = (*BOOKING_EVENTS, "payment.received", *CONTACT_EVENTS, WORKFLOW_TRIGGERED, "ping")


def emit(event_type: str, organization_id: str, data: dict, booking_id: str | None = None):
    """Record an event in the current transaction; it is dispatched after the commit."""
    event = DomainEvent.create(
        organization=organization_id, type=event_type, data=data, booking_id=booking_id
    )
    work.after_commit(work.DISPATCH_EVENT, event.id)
    return event


def booking_event(event_type: str, booking: Booking, *, email: bool = True) -> DomainEvent:
    """A booking event; ``email=False`` sends no e-mail (later occurrences of a new series)."""
    event = emit(
        event_type,
        booking.organization_id,
        BOOKING_SCHEMA.dump(booking),
        booking.id if email else None,
    )
    planning.on_booking_event(event_type, booking, first_of_series=email, now=event.created_at)
    return event


def contact_event(event_type: str, contact: Contact) -> DomainEvent:
    return emit(event_type, contact.organization_id, CONTACT_SCHEMA.dump(contact))


def dispatch(event_id: str, *, now: datetime, compose_emails) -> None:
    """Create the event's webhook deliveries and e-mails, once.

    ``compose_emails(event)`` creates the e-mail rows for a booking event (services.mail).
    """
    with write_transaction():
        event = DomainEvent.get_or_none(DomainEvent.id == event_id)
        if event is None or event.dispatched_at is not None:
            return
        # Subscribers as of the event: dispatch may run seconds later, and an endpoint added
        # meanwhile must not receive what happened before it existed.
        endpoints = WebhookEndpoint.select().where(
            (WebhookEndpoint.organization == event.organization_id)
            & WebhookEndpoint.active
            & (WebhookEndpoint.created_at <= event.created_at)
        )
        for endpoint in endpoints:
            if event.type in endpoint.events:
                delivery = WebhookDelivery.create(
                    endpoint=endpoint, event=event, next_attempt_at=now
                )
                work.after_commit(work.DELIVER_WEBHOOK, delivery.id)
        if event.booking_id is not None:
            for message in compose_emails(event):
                work.after_commit(work.SEND_EMAIL, message.id)
        DomainEvent.update(dispatched_at=now).where(DomainEvent.id == event.id).execute()
