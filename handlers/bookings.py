"""Bookings of the organization, managed with a secret key."""

from flask import current_app

from models import utcnow
from services import bookings, mail
from services.schemas.base import page_of
from services.schemas.bookings import BookingSchema, booking_detail, created_booking
from services.timeutil import parse_timestamp

from .context import principal, secret_key
from .public_bookings import invitee_of

BOOKING_SCHEMA = BookingSchema()


def _mine(booking_id: str):
    return bookings.for_organization(booking_id, principal().organization_id)


def list_bookings(
    page=1, limit=20, status="all", from_=None, to=None, event_type_id=None, contact_id=None
):
    """List the organization's bookings, sorted by start."""
    found = bookings.search(
        principal().organization_id,
        page=page,
        limit=limit,
        status=status,
        start=from_,
        end=to,
        event_type_id=event_type_id,
        contact_id=contact_id,
    )
    return page_of(found, BOOKING_SCHEMA), 200


def create_booking(body: dict):
    """Book for an invitee, optionally outside availability or as a series."""
    caller = principal()
    booking, token = bookings.book(
        body["eventTypeId"],
        invitee_of(body),
        parse_timestamp(body["startTime"], "startTime"),
        actor=caller.actor,
        now=utcnow(),
        secret=secret_key(),
        organization_id=caller.organization_id,
        force=body.get("force", False),
        recurrence=body.get("recurrence"),
    )
    url = bookings.manage_url(current_app.config["BASE_URL"], booking.id, secret_key())
    return created_booking(booking, token, url), 201


def get_booking(booking_id: str):
    """Return a booking with its event type, contact, e-mails and history."""
    booking = _mine(booking_id)
    return booking_detail(booking, bookings.history(booking), mail.messages_about(booking.id)), 200


def list_occurrences(booking_id: str, page=1, limit=20):
    """List the bookings of a recurring series."""
    return page_of(
        bookings.occurrences(_mine(booking_id), page=page, limit=limit), BOOKING_SCHEMA
    ), 200


def cancel_booking(booking_id: str, body: dict | None = None):
    """Cancel a booking and free its slot."""
    cancelled = bookings.cancel(
        _mine(booking_id), actor=principal().actor, reason=(body or {}).get("reason", "")
    )
    return BOOKING_SCHEMA.dump(cancelled), 200


def reschedule_booking(booking_id: str, body: dict):
    """Move a booking to another start."""
    moved = bookings.reschedule(
        _mine(booking_id),
        parse_timestamp(body["startTime"], "startTime"),
        actor=principal().actor,
        now=utcnow(),
        reason=body.get("reason", ""),
        force=body.get("force", False),
    )
    return BOOKING_SCHEMA.dump(moved), 200


def confirm_booking(booking_id: str):
    """Confirm a pending booking."""
    confirmed = bookings.confirm(_mine(booking_id), actor=principal().actor, now=utcnow())
    return BOOKING_SCHEMA.dump(confirmed), 200


def decline_booking(booking_id: str, body: dict | None = None):
    """Decline a pending booking and free its slot."""
    declined = bookings.decline(
        _mine(booking_id), actor=principal().actor, reason=(body or {}).get("reason", "")
    )
    return BOOKING_SCHEMA.dump(declined), 200
